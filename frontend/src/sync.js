// Asks the loader for every request the panel's state needs and does not have yet: the metric
// catalogue and the tags, the selected runs' steps, the shown step's statistics, and (debounced, since
// sliders move them) the exact reports, the selected cell's examples and the metrics over epochs, and
// the reliability diagrams of the Calibration card.
// It also keeps the selection in the URL (url_state.js): restored when the tags arrive, written after
// each render, applied again when someone changes the URL's hash.

import {cacheKey} from "./loader.js";
import {INITIAL_STATE} from "./state.js";
import {failedCatalogue} from "./catalogue.js";
import {calibrationRequest, curvesRequest, defaultSelection, epochsRequest, examplesRequest, nearestStep, reportRequest, statsKey, stepForRun,
  unionSteps} from "./selection.js";
import {FLIP_KINDS, diffKey, diffRequest, flipOffset, forgettingRequest} from "./diff.js";
import {browserUrl, createUrlWriter, decodeState, readHash, restoreSelection} from "./url_state.js";
import {scopedApi, sliceOf, sliceRequests} from "./slice_filter.js";

const MAX_CACHED_STATS = 16;
const MAX_CACHED_EPOCHS = 32;
const MAX_CACHED_CALIBRATION = 32;
const MAX_CACHED_CURVES = 64;
const MAX_CACHED_DIFFS = 12;
const MAX_CACHED_ATTRIBUTES = 16;
const MAX_CACHED_SLICE_TABLES = 16;

/** sync(state), called at the start of every render (and once before the views are built): `api` is
 * api.js's object (a fake in tests), `loader` loader.js's; `url` where the selection is kept (url_state.js
 * browserUrl: TensorBoard's hash; null keeps it nowhere, as in node), with the writer's timers. */
export function createSync(store, wholeApi, loader, {url = browserUrl(), setTimeout, clearTimeout} = {}) {
  const writer = url ? createUrlWriter(url, {setTimeout, clearTimeout}) : null;
  const saved = url ? decodeState(readHash(url.read())) : {};
  if (url) {
    url.onExternalChange?.(() => {
      const raw = writer.outsideChange();
      if (raw) store.set((s) => (s.tags ? pastedSelection(s, decodeState(raw)) : null));
    });
    globalThis.addEventListener?.("pagehide", () => writer.flush());
  }
  return function sync(state) {
    writer?.write(state);
    // Every step route follows the slice filter (slice_filter.js); the cache keys carry it too.
    const api = scopedApi(wholeApi, sliceOf(state));
    if (!state.catalogue) {
      loader.load("catalogue", () => api.catalogue(), {
        done: (s, catalogue) => ({catalogue}),
        failed: (s, error) => ({error: `catalogue: ${error}`, catalogue: failedCatalogue(error)}),
      });
    }
    if (state.tags && !state.tag && Object.keys(state.tags).length) {
      // The tag went away on a reload: pick a default again.
      const patch = defaultSelection(state.tags, state);
      if (patch.tag) {
        store.set({...patch, steps: {}, step: null});
        return;
      }
    }
    if (!state.tags) {
      loader.load("tags", () => api.tags(), {
        done: (s, tags) => ({tags, ...(s.tag ? {} : restoreSelection(tags, saved))}),
        failed: (s, error) => ({error, tags: {}}),
      });
      return;
    }
    if (!state.tag) return;
    loader.select(state);
    const tag = state.tag;
    for (const run of state.runs) {
      if (state.steps[run]) continue;
      loader.load(statsKey(run, tag, "steps"), () => api.steps(run, tag), {
        fresh: (s) => s.tag === tag, // another tag may have been picked meanwhile
        done: (s, steps) => {
          const next = {steps: {...s.steps, [run]: steps}};
          if (s.step === null && steps.length) next.step = steps[steps.length - 1].step;
          else if (s.step !== null && s.runs.every((r) => next.steps[r])) {
            // A step from the URL that none of the runs has: the nearest one shown (as stepForRun).
            const step = nearestStep(unionSteps(next.steps, s.runs), s.step);
            if (step !== null && step !== s.step) next.step = step;
          }
          return next;
        },
        failed: (s, error) => ({steps: {...s.steps, [run]: []}, error: `${run}: ${error}`}),
      });
      // The panel opens on the latest step; the tags name it, so its statistics are asked for beside the
      // steps instead of a round trip after them (the same cache entry the step's view then finds).
      const latest = state.tags[run]?.[tag]?.max_step;
      if (state.step === null && Number.isInteger(latest)) {
        loader.cached("stats", statsKey(run, tag, latest, state.slice), "stats", () => api.stats(run, tag, latest), {prune: trimStats});
      }
    }
    if (state.step === null) return;
    for (const run of state.runs) {
      const step = stepForRun(state.steps[run], state.step);
      if (step === null) continue;
      loader.cached("stats", statsKey(run, tag, step, state.slice), "stats", () => api.stats(run, tag, step), {prune: trimStats});
    }
    const examples = examplesRequest(state);
    if (examples) {
      loader.cached("examples", cacheKey(state, examples), "page", () => api.examples(examples),
        {debounce: ["examples", 120], prune: currentExamples});
    }
    for (const run of state.runs) {
      const params = epochsRequest(state, run);
      if (!params || !state.steps[run]) continue;
      loader.cached("epochs", cacheKey(state, params), "series", () => api.epochs(params),
        {debounce: [`epochs ${run}`, 250], prune: trimEpochs});
    }
    // The shown class's curves of a multiclass step (its stats carry none), when the api has the route.
    for (const run of api.curves ? state.runs : []) {
      const params = curvesRequest(state, run);
      if (!params) continue;
      loader.cached("curves", cacheKey(state, params), "answer", () => api.curves(params), {prune: trimCurves});
    }
    // The reliability diagrams, when the api has the route (app.js gives it; some node fakes do not).
    for (const run of api.calibration ? state.runs : []) {
      const params = calibrationRequest(state, run);
      if (!params) continue;
      loader.cached("calibration", cacheKey(state, params), "answer", () => api.calibration(params),
        {prune: trimCalibration});
    }
    // The Diff card, only while open (the forgetting route reads every step of the run).
    if (api.diff) {
      for (const params of diffRequests(state)) {
        loader.cached("diffs", diffKey(state, params), "answer", () => api.diff(params),
          {debounce: [`diff ${params.flips ?? "summary"}`, 200], prune: trimDiffs});
      }
      const params = forgettingRequest(state);
      if (params) {
        loader.cached("forgetting", cacheKey(state, params), "answer", () => api.forgetting(params),
          {debounce: ["forgetting", 250], prune: trimForgetting});
      }
    }
    // The slice picker's lists (the whole step) and the Slices card's tables.
    if (wholeApi.attributes) {
      const {attributes, tables} = sliceRequests(state);
      for (const params of attributes) {
        loader.cached("attributes", cacheKey({...state, slice: []}, params), "answer", () => wholeApi.attributes(params),
          {prune: (cache) => newest(cache, MAX_CACHED_ATTRIBUTES, [])});
      }
      for (const params of tables) {
        loader.cached("sliceTables", cacheKey({...state, slice: []}, params), "answer", () => wholeApi.slices(params),
          {debounce: [`slices ${params.run}`, 250], prune: (cache) => newest(cache, MAX_CACHED_SLICE_TABLES, [])});
      }
    }
    for (const run of state.runs) {
      const params = reportRequest(state, run);
      if (!params) continue;
      loader.cached("reports", cacheKey(state, params), "report", () => api.report(params),
        {debounce: [`report ${run}`, 200], prune: currentReports});
    }
  };
}

// The change a pasted or edited URL makes: its selection over the current one; a new tag or new
// runs start over with their steps.
function pastedSelection(s, saved) {
  const patch = restoreSelection(s.tags, saved);
  if (!patch.tag) return null;
  const same = patch.tag === s.tag && JSON.stringify(patch.runs) === JSON.stringify(s.runs);
  const kept = same ? {curveClass: s.curveClass, selected: s.selected, examplesOffset: s.examplesOffset} : {steps: {}};
  const {threshold, cutoff, normalization, sort, recommendRun, diffOpen, diffMode, diffRun, diffStep, diffRuns,
    diffShow, slice, sliceBy, classGrouping} = INITIAL_STATE; // what the URL leaves out
  const next = {threshold, cutoff, normalization, sort, recommendRun, diffOpen, diffMode, diffRun, diffStep, diffRuns,
    diffShow, slice, sliceBy, classGrouping, ...patch, ...kept};
  if (same) next.step = nearestStep(unionSteps(s.steps, s.runs), patch.step ?? s.step) ?? s.step;
  else next.step = patch.step ?? null;
  return next;
}

// At most MAX_CACHED_STATS statistics, never those of the shown steps.
function trimStats(stats, state) {
  return newest(stats, MAX_CACHED_STATS, state.runs.map((run) => statsKey(run, state.tag, stepForRun(state.steps[run], state.step), state.slice)));
}

// At most MAX_CACHED_EPOCHS series (each threshold and each change of a run's steps has its own),
// never those shown.
function trimEpochs(epochs, state) {
  return newest(epochs, MAX_CACHED_EPOCHS, state.runs.map((run) => {
    const params = epochsRequest(state, run);
    return params && cacheKey(state, params);
  }));
}

// At most MAX_CACHED_CALIBRATION diagrams (each step, bin count, strategy and class has its own), never those shown.
function trimCalibration(cache, state) {
  return newest(cache, MAX_CACHED_CALIBRATION, state.runs.map((run) => {
    const params = calibrationRequest(state, run);
    return params && cacheKey(state, params);
  }));
}

// At most MAX_CACHED_CURVES classes' curves (each step and class has its own), never those shown.
function trimCurves(cache, state) {
  return newest(cache, MAX_CACHED_CURVES, state.runs.map((run) => {
    const params = curvesRequest(state, run);
    return params && cacheKey(state, params);
  }));
}

// The Diff card's requests: the summary and the shown page of each kind of flips.
function diffRequests(state) {
  const summary = diffRequest(state);
  if (!summary) return [];
  return [summary, ...FLIP_KINDS.map((kind) => diffRequest(state, kind, flipOffset(state, kind)))];
}

// At most MAX_CACHED_DIFFS diff answers (summaries and pages), never those shown.
function trimDiffs(cache, state) {
  return newest(cache, MAX_CACHED_DIFFS, diffRequests(state).map((params) => diffKey(state, params)));
}

// The forgetting answer shown, and at most three others.
function trimForgetting(cache, state) {
  const params = forgettingRequest(state);
  return newest(cache, 4, params ? [cacheKey(state, params)] : []);
}

// The cache without its oldest entries beyond `max`, keeping those of `keep` (keys).
function newest(cache, max, keep) {
  const keys = Object.keys(cache);
  if (keys.length <= max) return cache;
  const kept = new Set(keep);
  keys.sort((a, b) => cache[a].at - cache[b].at);
  const out = {...cache};
  let size = keys.length;
  for (const key of keys) {
    if (size <= max) break;
    if (!kept.has(key)) {
      delete out[key];
      size -= 1;
    }
  }
  return out;
}

// Only the page the selection shows: one that arrives after another cell or page was picked is dropped.
function currentExamples(examples, state) {
  const params = examplesRequest(state);
  const key = params && cacheKey(state, params);
  return key && examples[key] ? {[key]: examples[key]} : {};
}

// Only the reports the selection still uses.
function currentReports(reports, state) {
  const wanted = new Set(state.runs.map((run) => {
    const params = reportRequest(state, run);
    return params && cacheKey(state, params);
  }));
  return Object.fromEntries(Object.entries(reports).filter(([key]) => wanted.has(key)));
}
