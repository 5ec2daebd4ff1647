// An example's media beside it (the `media` route, docs/http_api.md): a thumbnail as an <img> whose src
// is the route's relative URL, loaded lazily (only the rows scrolled into view ask for theirs); text
// media as text. Which an id holds is not known before asking, so the image is tried first (the common
// case, one request) and, when it does not decode, the same URL is read as JSON: text when the item is
// text, nothing when the id has no media. Text goes in through textContent only, never as HTML.

import {getJson} from "./api.js";
import {h, replaceChildren} from "./dom.js";

/** The media route's relative URL of one example (works under --path_prefix and proxies). */
export function mediaUrl(run, tag, id) {
  return `./media?${new URLSearchParams({run, tag, id: String(id)})}`;
}

/** {run, tag} whose media illustrate the examples of `runs` (the first listed with media for `tag` in the
 * tags route's answer), or null when none has any. */
export function mediaSource(tags, tag, ...runs) {
  const run = runs.find((r) => r !== null && r !== undefined && tags?.[r]?.[tag]?.has_media === true);
  return run === undefined ? null : {run, tag};
}

/** The head of a media column (looks empty, named for screen readers), or null without `source`. */
export function mediaHead(source) {
  return source ? h("th", {scope: "col", class: "example-media", "aria-label": "Media"}) : null;
}

/** A table cell with example `id`'s thumbnail or text from `source` ({run, tag} of mediaSource). */
export function mediaCell(source, id) {
  const cell = h("td", {class: "example-media", dataset: {media: "loading"}});
  const url = mediaUrl(source.run, source.tag, id);
  const image = h("img", {class: "thumb", src: url, loading: "lazy", decoding: "async", alt: `example ${id}`,
    onload: () => { cell.dataset.media = "image"; },
    onerror: () => {
      image.remove();
      showText(cell, url);
    }});
  cell.append(image);
  return cell;
}

async function showText(cell, url) {
  cell.dataset.media = "loading";
  try {
    const item = await getJson(url.slice(2));
    if (item?.kind !== "text" || typeof item.text !== "string") throw new Error("not text");
    replaceChildren(cell, h("span", {class: "media-text", title: item.text}, item.text));
    cell.dataset.media = "text";
  } catch {
    cell.dataset.media = "none";
    cell.title = "no media logged for this example";
  }
}
