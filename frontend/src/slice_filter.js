// "Only this slice": the panel's slice filter (docs/slices.md). The state keeps it as `slice`, a list of
// the server's ready filters "NAME=VALUE" (the `attributes` route's `filters`), at most one per attribute;
// examples must match all. Requests get it in one place, scopedApi: every route that reads a step is asked
// through it, so each view follows the filter without knowing of it; cache keys carry it (loader.js
// cacheKey, selection.js statsKey, diff.js diffKey), so each slice has its own answers. Pure functions.

import {cacheKey} from "./loader.js";
import {thresholdParams, stepForRun, taskOf} from "./selection.js";
import {isAccumulated} from "./tasks.js";

/** The server's limit on `slice` parameters per request (tb_confusion/server/slices_data.py). */
export const MAX_FILTERS = 8;

/** The routes that read a step and take `slice`: asked through scopedApi with the panel's filter. The
 * `attributes` and `slices` routes are not: the picker lists the whole step, and the slice table asks with
 * its own filters (sliceTableRequest). */
const SLICED_ROUTES = ["report", "examples", "epochs", "curves", "calibration", "diff", "forgetting", "label_issues"];

/** The filter of `state` (a list of "NAME=VALUE"; [] for the whole step). */
export function sliceOf(state) {
  return Array.isArray(state?.slice) ? state.slice : [];
}

/** The attribute a filter names: its text before the first "=" (names cannot hold "="). */
export function filterName(filter) {
  const at = filter.indexOf("=");
  return at < 0 ? filter : filter.slice(0, at);
}

/** The value text of a filter: its text after the first "=". */
export function filterValue(filter) {
  const at = filter.indexOf("=");
  return at < 0 ? "" : filter.slice(at + 1);
}

/** `slice` with attribute `name`'s filter replaced by `filter` (null: removed); the other filters keep
 * their order, a new one goes last. */
export function withFilter(slice, name, filter) {
  const kept = slice.filter((f) => filterName(f) !== name);
  return filter === null || filter === undefined ? kept : [...kept, filter];
}

/** `api` (api.js's object) whose step routes carry `slice`: stats(run, tag, step) and every route of
 * SLICED_ROUTES. The other routes (and those the object lacks, as in node fakes) are left as they are.
 * With no filter `api` itself. */
export function scopedApi(api, slice) {
  if (!slice.length) return api;
  const out = {...api};
  if (api.stats) out.stats = (run, tag, step) => api.stats(run, tag, step, {slice});
  for (const name of SLICED_ROUTES) if (api[name]) out[name] = (params) => api[name]({...params, slice});
  return out;
}

/** A slice read from the URL: a JSON list of distinct "NAME=VALUE" texts (each with a name, at most
 * `maxText` characters, one per attribute, at most MAX_FILTERS), else null. */
export function decodeSlice(text, maxText = 2000) {
  let list;
  try {
    list = JSON.parse(text);
  } catch {
    return null;
  }
  if (!Array.isArray(list) || list.length > MAX_FILTERS) return null;
  const names = new Set();
  for (const filter of list) {
    if (typeof filter !== "string" || filter.length > maxText || filter.indexOf("=") < 1) return null;
    const name = filterName(filter);
    if (names.has(name)) return null;
    names.add(name);
  }
  return list;
}

/** How the slice reads in a caption: "source = web, night = True" ("" for the whole step). */
export function sliceText(slice) {
  return slice.map((f) => `${filterName(f)} = ${filterValue(f)}`).join(", ");
}

/** The `attributes` route's parameters for `run` at the shown step (the whole step: the picker lists
 * every value), or null (no step, or a tag of accumulated per-pixel steps). */
export function attributesRequest(state, run) {
  // Accumulated per-pixel steps take no attributes (docs/slices.md): nothing to ask.
  const task = taskOf(state);
  if (!run || !state.tag || state.step === null || !task || isAccumulated(task)) return null;
  const step = stepForRun(state.steps[run], state.step);
  return step === null ? null : {run, tag: state.tag, step};
}

/** The attribute the slice table is by: the chosen one while `attributes` (the route's answer) lists it,
 * else the first listed; null without attributes. */
export function tableAttribute(state, attributes) {
  const names = (attributes?.attributes || []).map((a) => a.name);
  if (names.includes(state.sliceBy)) return state.sliceBy;
  return names[0] ?? null;
}

/** The metrics the slice table can rank by (the catalogue's headline ones of `task`) and the chosen one
 * (`key`, else the first): {metrics, shown}. */
export function tableMetrics(catalogue, task, key) {
  const metrics = (catalogue?.metrics || []).filter((m) => m.headline && m.tasks.includes(task));
  return {metrics, shown: metrics.find((m) => m.key === key) || metrics[0] || null};
}

/** The report path of a catalogue metric for `task`, as the panel's headline number reads it
 * (metric_value.js): the key of a scalar, `key.binary` for a binary task's per-class metric, else `key.macro`. */
export function metricPath(metric, task) {
  if (!metric) return null;
  if (metric.shape === "scalar") return metric.key;
  return task === "binary" ? `${metric.key}.binary` : `${metric.key}.macro`;
}

/** The `slices` route's parameters for `run`: the table by `by` at the panel's decision, within the
 * filters on the other attributes (the table lists every value of `by`, the chosen one marked), ranked
 * by `metric` (a report path), or null. */
export function sliceTableRequest(state, run, by, metric) {
  const base = attributesRequest(state, run);
  const task = taskOf(state);
  if (!base || !by || !metric || !task) return null;
  const params = {...base, by, metric, min_size: state.sliceMinSize, ...thresholdParams(task, state)};
  if (params.cutoff === 0) delete params.cutoff;
  const others = sliceOf(state).filter((f) => filterName(f) !== by);
  if (others.length) params.slice = others;
  return params;
}

/** The picker's content from the `attributes` answer: [{name, options: [{filter, text, count}], chosen}]
 * (chosen: the filter of `slice` on that attribute, or null), plus `missing`, the filters of `slice` on
 * attributes the answer does not list (kept, shown so they can be removed). */
export function pickerModel(answer, slice) {
  const listed = (answer?.attributes || []).map((a) => ({
    name: a.name,
    options: a.filters.map((filter, k) => ({filter, text: filterValue(filter), count: a.counts[k]})), // the value as the server writes it
    chosen: slice.find((f) => filterName(f) === a.name) ?? null,
  }));
  const names = new Set(listed.map((a) => a.name));
  return {attributes: listed, missing: slice.filter((f) => !names.has(filterName(f)))};
}

/** The `attributes` answer the picker lists: the first selected run's whose shown step has attributes
 * (else the first run's answer, or its error): {run, answer, error}; null before any arrived. */
export function pickerSource(state) {
  let first = null;
  for (const run of state.runs || []) {
    const params = attributesRequest(state, run);
    const entry = params ? state.attributes?.[cacheKey({...state, slice: []}, params)] : null;
    if (!entry) continue;
    const found = {run, answer: entry.answer ?? null, error: entry.error ?? null};
    if (found.answer?.attributes?.length) return found;
    first ??= found;
  }
  return first;
}

/** The Slices card's table for `run`: {params, entry} (entry: the `slices` answer as cached, or null
 * while it loads); null when there is no table to ask for (no attributes, a step stored compact). */
export function sliceTableOf(state, run) {
  const source = pickerSource(state);
  if (!source?.answer?.sliceable) return null;
  const by = tableAttribute(state, source.answer);
  const task = taskOf(state);
  const path = metricPath(tableMetrics(state.catalogue, task, state.sliceMetric).shown, task);
  const params = sliceTableRequest(state, run, by, path);
  return params ? {params, entry: state.sliceTables?.[cacheKey({...state, slice: []}, params)] ?? null} : null;
}

/** Every request of slices the state needs: {attributes: [params], tables: [params]}. */
export function sliceRequests(state) {
  const attributes = (state.runs || []).map((run) => attributesRequest(state, run)).filter(Boolean);
  const tables = (state.runs || []).map((run) => sliceTableOf(state, run)?.params).filter(Boolean);
  return {attributes, tables};
}
