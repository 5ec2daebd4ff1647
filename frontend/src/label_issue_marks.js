// Likely label issues drawn on the matrix cells: the `label_issues` route's counts per cell (confident
// learning, tb_confusion/label_issues.py) at the panel's decision, asked for only while the matrices'
// "Likely label issues" box is ticked. The request and the counts a card shows are pure functions of the
// state; the box tells app.js through a DOM event, so the matrix views need no link to the store.

import {formatCount} from "./number_format.js";
import {cacheKey} from "./loader.js";
import {isAccumulated, taskInfo} from "./tasks.js";
import {shownStats, stepForRun, taskOf} from "./selection.js";
import {h} from "./dom.js";

/** The DOM event the matrices' box dispatches (bubbling): detail {shown: boolean}. */
export const LABEL_ISSUES_EVENT = "tbc-label-issues";

/** What the legend and tooltips call the marks. */
export const LABEL_ISSUES_LEGEND = "likely label issues (confident learning: the given label looks wrong)";

const MAX_CACHED = 32;

/** Whether a tag's steps can have label issues counted: every storage but accumulated per-pixel counts. */
export function labelIssuesAvailable(task, stats) {
  return Boolean(task) && !isAccumulated(task) && stats?.storage !== "counts";
}

/** The `label_issues` route's parameters for `run` at the shown step and decision (per-label matrices:
 * the shown label at its threshold), or null when the box is unticked or the step cannot have them. */
export function labelIssuesRequest(state, run) {
  const task = taskOf(state);
  if (!state.labelIssuesShown || !task) return null;
  const step = stepForRun(state.steps[run], state.step);
  if (step === null || !labelIssuesAvailable(task, shownStats(state, run))) return null;
  const params = {run, tag: state.tag, step};
  const {decision} = taskInfo(task);
  if (decision === "threshold") params.threshold = state.threshold;
  else if (decision === "per_label") {
    params.label = state.curveClass;
    params.threshold = state.labelThresholds?.[state.curveClass] ?? state.threshold;
  } else if (state.cutoff > 0) params.cutoff = state.cutoff;
  return params;
}

/** Ask `loader` (loader.js) for every selected run's counts the state needs (debounced: a threshold
 * drag asks once, at its end). `api.label_issues(params)` fetches the route. */
export function syncLabelIssues(state, loader, api) {
  for (const run of state.runs) {
    const params = labelIssuesRequest(state, run);
    if (!params) continue;
    loader.cached("labelIssues", cacheKey(state, params), "answer", () => api.label_issues(params),
      {debounce: [`label issues ${run}`, 200], prune: trimLabelIssues});
  }
}

function trimLabelIssues(entries) {
  const keys = Object.keys(entries);
  if (keys.length <= MAX_CACHED) return entries;
  const kept = keys.sort((a, b) => entries[b].at - entries[a].at).slice(0, MAX_CACHED);
  return Object.fromEntries(kept.map((key) => [key, entries[key]]));
}

/** {available, shown, counts, total, stale, error} for `run`'s card: counts[true][pred] from the route's
 * answer at the current decision; while it loads, the newest answer for the same run, tag, step and
 * label (stale: true; a threshold drag keeps its marks, dimmed). counts null when there is none. */
export function labelIssuesOf(state, run) {
  const task = taskOf(state);
  const available = labelIssuesAvailable(task, shownStats(state, run));
  const shown = Boolean(state.labelIssuesShown) && available;
  const none = {available, shown, counts: null, total: null, stale: false, error: null};
  const params = shown ? labelIssuesRequest(state, run) : null;
  if (!params) return none;
  const entry = state.labelIssues?.[cacheKey(state, params)];
  if (entry?.answer) return {...none, counts: entry.answer.counts, total: entry.answer.likely_issues};
  if (entry?.error) return {...none, error: entry.error};
  const same = (p) => p.run === params.run && p.tag === params.tag && p.step === params.step && p.label === params.label;
  const slice = JSON.stringify(state.slice?.length ? state.slice : null); // another slice's marks are not these
  let newest = null;
  for (const [key, value] of Object.entries(state.labelIssues || {})) {
    const [keyParams, , keySlice = null] = JSON.parse(key);
    if (value.answer && same(keyParams) && JSON.stringify(keySlice) === slice && (!newest || value.at > newest.at)) newest = value;
  }
  return newest ? {...none, counts: newest.answer.counts, total: newest.answer.likely_issues, stale: true} : none;
}

/** A cell's count of likely label issues, or 0 (no counts, or a cell outside them). */
export function issuesAt(issues, i, j) {
  return issues?.counts?.[i]?.[j] ?? 0;
}

/** "3 likely label issues" / "1 likely label issue". */
export function issuesText(count) {
  return `${formatCount(count)} likely label issue${count === 1 ? "" : "s"}`;
}

/** {element, update(issues)}: the matrices' "Likely label issues" box and its legend (the mark, the
 * total, or why there are none). Ticking it dispatches LABEL_ISSUES_EVENT. Hidden when unavailable. */
export function createLabelIssuesControl() {
  const box = h("input", {type: "checkbox", class: "label-issues-box",
    onchange: (event) => box.dispatchEvent(new CustomEvent(LABEL_ISSUES_EVENT,
      {bubbles: true, detail: {shown: event.target.checked}}))});
  const legend = h("span", {class: "note label-issues-legend", "aria-live": "polite"});
  const element = h("div", {class: "label-issues-control"},
    h("label", {title: `Mark each cell's ${LABEL_ISSUES_LEGEND}`}, box, " Likely label issues"), " ", legend);
  return {
    element,
    update(issues) {
      element.hidden = !issues?.available;
      box.checked = Boolean(issues?.shown);
      legend.replaceChildren();
      legend.title = "";
      if (!issues?.shown) return;
      if (issues.error) legend.append(issues.error);
      else if (issues.counts) {
        legend.append(h("span", {class: "issue-swatch", "aria-hidden": "true"}), ` ${issuesText(issues.total)} in all`);
        legend.title = `The number in a cell's corner: its ${LABEL_ISSUES_LEGEND}`;
      } else legend.append("Loading\u2026");
      legend.classList.toggle("stale", Boolean(issues.stale));
    },
  };
}
