// The Diff card's forgetting part (the `forgetting` route, Toneva et al. 2019): over every step of the
// compared run, how many examples were learned and then forgotten, and the most-forgotten examples, each
// with its history as a strip of marks, one per step: a tall blue bar right, a short orange one wrong, a
// thin grey line absent (height tells them apart without colour); each example's media first when logged.

import {h, replaceChildren, setText} from "./dom.js";
import {classCell} from "./examples_view.js";
import {mediaCell, mediaHead} from "./example_media.js";
import {classesText, forgettingText, historyMarks, historyText} from "./diff.js";

/** {element, update(entry, request, media)}: entry the cache entry of the forgetting request (null:
 * loading); media {run, tag} of the examples' media (example_media.js) or null. */
export function createForgettingView() {
  const title = h("h3", {}, "Forgetting");
  const summary = h("p", {class: "note", id: "forgetting-summary", "aria-live": "polite"});
  const status = h("div", {class: "card-status", id: "forgetting-status"});
  const body = h("div", {class: "forgetting-body"});
  const element = h("section", {class: "forgetting", id: "forgetting", "aria-label": "Forgetting"},
    title, summary, status, body);
  let shown = null;

  function update(entry, request, media = null) {
    element.hidden = !request;
    if (!request) return;
    setText(title, `Forgetting over every step of ${request.run}`);
    body.classList.toggle("stale", !entry);
    replaceChildren(status, entry?.error ? h("div", {class: "error", id: "forgetting-error"}, entry.error)
      : !entry ? h("div", {class: "loading"}, "Loading\u2026") : null);
    if (!entry || (entry === shown?.[0] && media?.run === shown?.[1])) return;
    shown = [entry, media?.run];
    if (entry.error) {
      setText(summary, "");
      replaceChildren(body);
      return;
    }
    const answer = entry.answer;
    setText(summary, forgettingText(answer));
    summary.dataset.events = String(answer.forgetting_events);
    summary.dataset.forgottenExamples = String(answer.forgotten_examples);
    const rows = answer.most_forgotten;
    replaceChildren(body, rows.length ? table(rows, answer, media)
      : h("p", {class: "empty-hint"}, "No example was learned and then forgotten."));
  }

  return {element, update};
}

function table(rows, answer, media) {
  const head = (text, cls = null, tip = null) => h("th", {scope: "col", class: cls, title: tip}, text);
  return h("table", {class: "metrics-table forgetting-table", id: "forgetting-table"},
    h("thead", {}, h("tr", {}, mediaHead(media), head("Example"), head("Actual"),
      head("Forgotten", "num", "forgetting events: steps where the example was wrong after being right"),
      head("History", null, `right or wrong at each step, ${answer.steps.map((s) => s.step).join(", ")}`))),
    h("tbody", {}, rows.map((row) => {
      const marks = historyMarks(row.history, answer.steps);
      return h("tr", {dataset: {id: row.id, events: String(row.forgetting_events), history: row.history}},
        media ? mediaCell(media, row.id) : null,
        h("td", {class: "example-id", title: row.id}, row.id), classCell(classesText(row.true, answer.class_names)),
        h("td", {class: "num"}, String(row.forgetting_events)),
        h("td", {}, h("span", {class: "history-strip", role: "img", "aria-label": historyText(marks)},
          marks.map((m) => h("span", {class: `mark ${m.mark}`, title: `step ${m.step}: ${m.mark}`})))));
    })));
}
