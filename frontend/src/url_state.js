// The selection in the URL, so a reload or a pasted link shows the same thing. It lives where
// TensorBoard keeps its plugins' state: in the hash of TensorBoard's own page (our iframe's parent,
// same-origin), after the tab, as keys "p.tb_confusion.<name>" (TensorBoard's tf_storage format, which
// its host also hands to plugins as experimental.GetURLPluginData):
//   http://localhost:6006/#tb_confusion&p.tb_confusion.tag=fraud&p.tb_confusion.step=3&...
// TensorBoard rewrites that hash with its tab and keeps the other keys (tf_storage reads the hash,
// changes its own key and writes every key back), and its router keeps the hash on its own
// navigations. Everything read from the URL is checked value by value: a bad value is left out,
// never thrown on, and names are only ever compared with the runs and tags the server lists.

import {defaultSelection, runOrder, thresholdDefaults} from "./selection.js";
import {taskInfo} from "./tasks.js";
import {decodeSlice} from "./slice_filter.js";

export const URL_PREFIX = "p.tb_confusion.";

const NORMALIZATIONS = ["count", "row", "column", "all"];
const SORTS = ["index", "support", "error", "cluster"];
const MAX_TEXT = 2000;

const DIFF_MODES = ["steps", "runs"];
const STEP = /^-?\d{1,16}$/;

const decode = (text) => {
  try {
    return decodeURIComponent(text);
  } catch {
    return null; // a malformed %-escape
  }
};

/** The hash's tokens ("a=b" or a tab name) split on "&", without the leading "#". */
const tokens = (hash) => String(hash ?? "").replace(/^#/, "").split("&");

/** Our keys in a URL hash, {name: text} (names without the prefix; the last of a repeated key wins,
 * as in tf_storage). Tokens with a malformed escape are skipped. */
export function readHash(hash) {
  const out = {};
  for (const token of tokens(hash)) {
    const parts = token.split("=");
    if (parts.length !== 2) continue;
    const key = decode(parts[0]);
    const value = decode(parts[1]);
    if (key === null || value === null || !key.startsWith(URL_PREFIX)) continue;
    out[key.slice(URL_PREFIX.length)] = value;
  }
  return out;
}

/** `hash` (without "#") with our keys replaced by `entries` ([[name, text]]); TensorBoard's tab and
 * keys stay as they were, in their order, our keys go last. */
export function writeHash(hash, entries) {
  const kept = tokens(hash).filter((token) => {
    if (token === "") return false;
    const key = decode(token.split("=")[0]);
    return !(token.includes("=") && key !== null && key.startsWith(URL_PREFIX));
  });
  const ours = entries.map(([name, text]) => `${encodeURIComponent(URL_PREFIX + name)}=${encodeURIComponent(text)}`);
  return [...kept, ...ours].join("&");
}

/** The selection of `state` as [[name, text]]: tag, runs, step, and the thresholds and view options
 * that differ from their initial values. Nothing before a tag is chosen. */
export function encodeState(state) {
  if (!state.tag) return [];
  const entries = [["tag", state.tag], ["runs", JSON.stringify(state.runs)]];
  if (state.step !== null && state.step !== undefined) entries.push(["step", String(state.step)]);
  if (state.threshold !== 0.5) entries.push(["threshold", String(state.threshold)]);
  if (state.labelThresholds && state.labelThresholds.some((t) => t !== state.threshold)) {
    entries.push(["thresholds", state.labelThresholds.join(",")]);
  }
  if (state.cutoff !== 0) entries.push(["cutoff", String(state.cutoff)]);
  if (state.normalization !== "count") entries.push(["show", state.normalization]);
  if (state.sort !== "index") entries.push(["order", state.sort]);
  if (state.recommendRun !== null && state.recommendRun !== undefined) entries.push(["recommend", state.recommendRun]);
  // The Diff card: open (and how it compares) and its picks, only when set.
  if (state.diffOpen) entries.push(["diff", state.diffMode === "runs" ? "runs" : "steps"]);
  if (state.diffRun) entries.push(["diff_run", state.diffRun]);
  if (Number.isSafeInteger(state.diffStep)) entries.push(["diff_step", String(state.diffStep)]);
  if (state.diffRuns) entries.push(["diff_runs", JSON.stringify(state.diffRuns)]);
  if (state.diffShow === "row") entries.push(["diff_show", "row"]);
  // "Only this slice" and the Slices card's attribute.
  if (state.slice?.length) entries.push(["slice", JSON.stringify(state.slice)]);
  if (state.sliceBy) entries.push(["slice_by", state.sliceBy]);
  if (state.classGrouping === "groups") entries.push(["group", "superclasses"]);
  return entries;
}

const DECIMAL = /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i;

/** A number in [0, 1] written as a plain decimal, else null ("", "0x1", "Infinity", "1.5" are not). */
export function unitNumber(text) {
  if (typeof text !== "string" || !DECIMAL.test(text.trim())) return null;
  const value = Number(text);
  return value >= 0 && value <= 1 ? value : null;
}

const text = (value) => (typeof value === "string" && value.length > 0 && value.length <= MAX_TEXT ? value : null);

/** The values of readHash's {name: text} that are well formed, value by value:
 * {tag, runs, step, threshold, thresholds (numbers, null where one is bad), cutoff, normalization,
 * sort, recommendRun, diffMode (the Diff card open), diffRun, diffStep, diffRuns, diffShow, slice, sliceBy, classGrouping}; a missing
 * or bad value is left out. Whether a run or tag exists is checked
 * later, against the server's tags (restoreSelection). */
export function decodeState(raw) {
  const out = {};
  if (!raw || typeof raw !== "object") return out;
  const own = (name) => (Object.hasOwn(raw, name) ? raw[name] : undefined);
  if (text(own("tag"))) out.tag = own("tag");
  const runList = (value) => {
    try {
      const runs = JSON.parse(value);
      return Array.isArray(runs) ? [...new Set(runs.filter((run) => text(run) !== null))] : [];
    } catch {
      return []; // not JSON: left out
    }
  };
  const stepOf = (value) => (typeof value === "string" && STEP.test(value) && Number.isSafeInteger(Number(value))
    ? Number(value) : null);
  if (stepOf(own("step")) !== null) out.step = stepOf(own("step"));
  if (DIFF_MODES.includes(own("diff"))) out.diffMode = own("diff");
  if (text(own("diff_run"))) out.diffRun = own("diff_run");
  if (stepOf(own("diff_step")) !== null) out.diffStep = stepOf(own("diff_step"));
  if (text(own("diff_runs"))) {
    const pair = runList(own("diff_runs"));
    if (pair.length === 2) out.diffRuns = pair;
  }
  if (own("diff_show") === "row") out.diffShow = "row";
  if (text(own("slice"))) {
    const slice = decodeSlice(own("slice"), MAX_TEXT);
    if (slice) out.slice = slice;
  }
  if (text(own("slice_by"))) out.sliceBy = own("slice_by");
  if (own("group") === "superclasses") out.classGrouping = "groups";
  const threshold = unitNumber(own("threshold"));
  if (threshold !== null) out.threshold = threshold;
  if (text(own("thresholds"))) out.thresholds = own("thresholds").split(",").map(unitNumber);
  const cutoff = unitNumber(own("cutoff"));
  if (cutoff !== null) out.cutoff = cutoff;
  if (NORMALIZATIONS.includes(own("show"))) out.normalization = own("show");
  if (SORTS.includes(own("order"))) out.sort = own("order");
  if (text(own("recommend"))) out.recommendRun = own("recommend");
  if (text(own("runs"))) {
    const runs = runList(own("runs"));
    if (runs.length) out.runs = runs;
  }
  return out;
}

/** The selection to start with once the tags (`tags`, the tags route's answer) are known: what the URL
 * held (`saved`, decodeState's), where the server still has it, else the default (defaultSelection).
 * Runs that lack the tag are dropped; per-label thresholds are taken only for as many labels as the
 * tag has. With nothing saved this is defaultSelection. */
export function restoreSelection(tags, saved) {
  const fallback = defaultSelection(tags, {tag: null});
  if (!fallback.tag) return {};
  const has = (run, tag) => Object.hasOwn(tags, run) && tags[run] && Object.hasOwn(tags[run], tag);
  const runsWith = (tag) => Object.keys(tags).filter((run) => has(run, tag)).sort(runOrder);
  const tag = saved.tag !== undefined && runsWith(saved.tag).length ? saved.tag : fallback.tag;
  const candidates = runsWith(tag);
  let runs = (saved.runs || []).filter((run) => candidates.includes(run)).sort(runOrder);
  if (!runs.length) runs = tag === fallback.tag ? fallback.runs : candidates.slice(0, 4);
  const info = tags[runs[0]][tag];
  const patch = {tag, runs, ...thresholdDefaults(info)};
  if (saved.threshold !== undefined) patch.threshold = saved.threshold;
  if (patch.labelThresholds) {
    const base = saved.threshold ?? 0.5;
    const list = saved.thresholds;
    patch.labelThresholds = list && list.length === patch.labelThresholds.length ? list.map((t) => t ?? base)
      : patch.labelThresholds.map(() => base);
  }
  if (saved.cutoff !== undefined && taskInfo(info.task).decision === "cutoff") patch.cutoff = saved.cutoff;
  if (saved.normalization !== undefined) patch.normalization = saved.normalization;
  if (saved.sort !== undefined) patch.sort = saved.sort;
  if (saved.recommendRun !== undefined && has(saved.recommendRun, tag)) patch.recommendRun = saved.recommendRun;
  if (saved.step !== undefined) patch.step = saved.step;
  if (saved.diffMode !== undefined) Object.assign(patch, {diffOpen: true, diffMode: saved.diffMode});
  if (saved.diffRun !== undefined && has(saved.diffRun, tag)) patch.diffRun = saved.diffRun;
  if (saved.diffStep !== undefined) patch.diffStep = saved.diffStep;
  if (saved.diffRuns?.every((run) => has(run, tag))) patch.diffRuns = saved.diffRuns;
  if (saved.diffShow !== undefined) patch.diffShow = saved.diffShow;
  // Attributes are per step: a filter the step lacks is the server's 404, shown on the cards.
  if (saved.slice !== undefined) patch.slice = saved.slice;
  if (saved.sliceBy !== undefined) patch.sliceBy = saved.sliceBy;
  if (saved.classGrouping !== undefined) patch.classGrouping = saved.classGrouping;
  return patch;
}

/** Where the panel's URL state is read and written: the hash of TensorBoard's page, our iframe's
 * parent (same-origin), or the window's own hash when it is not embedded or the parent is out of
 * reach. Writes replace the history entry (no entry per slider step). Returns null without a window
 * (node tests). {read() -> hash, write(hash), onExternalChange(callback)}. */
export function browserUrl(view = globalThis.window) {
  if (!view || !view.location) return null;
  let target = view;
  try {
    if (view.parent && view.parent !== view && typeof view.parent.location.hash === "string") target = view.parent;
  } catch {
    target = view; // a cross-origin parent
  }
  return {
    read() {
      try {
        return target.location.hash;
      } catch {
        return "";
      }
    },
    write(hash) {
      try {
        const url = new URL(target.location.href);
        url.hash = hash;
        if (url.href !== target.location.href) target.history.replaceState(target.history.state, "", url.href);
      } catch {
        // a browser refusing too many history writes: the next change writes again
      }
    },
    onExternalChange(callback) {
      target.addEventListener("hashchange", () => callback());
    },
  };
}

/** Mirror the panel's selection into `url` (browserUrl's, or a stand-in): write(state) after each
 * render writes the hash at most once per `delay` ms (browsers limit history writes: Safari to 100
 * per 30 s), and only when the selection differs from the hash's; flush() writes a pending change now. outsideChange() gives
 * the hash's keys (readHash) when they changed since the panel last wrote or saw them (someone pasted
 * or edited the URL), else null; TensorBoard writing its tab keeps our keys, so is no change. */
export function createUrlWriter(url, {setTimeout = globalThis.setTimeout, clearTimeout = globalThis.clearTimeout, delay = 400} = {}) {
  const current = () => JSON.stringify(readHash(url.read()));
  let seen = current();
  let wanted = null;
  let timer = null;
  function flush() {
    clearTimeout(timer);
    timer = null;
    if (wanted === null) return;
    const entries = wanted;
    wanted = null;
    url.write(writeHash(url.read(), entries));
    seen = current();
  }
  return {
    write(state) {
      const entries = encodeState(state);
      if (!entries.length) return;
      const target = JSON.stringify(Object.fromEntries(entries));
      if (target === (wanted ? JSON.stringify(Object.fromEntries(wanted)) : current())) return;
      wanted = entries;
      if (timer === null) timer = setTimeout(flush, delay);
    },
    flush,
    outsideChange() {
      const now = current();
      if (now === seen) return null;
      seen = now;
      clearTimeout(timer); // the pasted selection wins over a write not done yet
      timer = null;
      wanted = null;
      return readHash(url.read());
    },
  };
}
