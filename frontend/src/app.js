// The Confusion panel: state, data loading and the views, wired together. TensorBoard calls
// render() once inside the plugin's iframe (see index.js).

import {api} from "./api.js";
import {h, replaceChildren} from "./dom.js";
import {createStore} from "./state.js";
import {watchTheme} from "./theme.js";
import {modelAt} from "./model.js";
import {countsFromMatrix} from "./formulas.js";
import {runOrder, statsKey, stepForRun, thresholdParams, unionSteps} from "./selection.js";
import {createToolbar} from "./toolbar_view.js";
import {createRunCard} from "./run_card_view.js";
import {createSummaryView} from "./summary_view.js";
import {createCurvesView} from "./curves_view.js";
import {createEpochsView} from "./epochs_view.js";
import {createExamplesView} from "./examples_view.js";
import {DATA_RELOADED, RUNS_CHANGED, connectToHost} from "./host_messages.js";

const MAX_CACHED_STATS = 16;
const EXAMPLES_PAGE = 25;

const initialState = {
  tags: null,
  error: null,
  runs: [],
  tag: null,
  steps: {},
  step: null,
  stats: {},
  threshold: 0.5,
  cutoff: 0,
  labelThresholds: null,
  normalization: "count",
  sort: "index",
  curveClass: 0,
  costFp: 1,
  costFn: 1,
  selected: null,
  examplesOffset: 0,
  examples: {},
  epochs: {},
  reports: {},
  epochMetric: "f1",
  playing: false,
  theme: "light",
};

/** Build the panel into document.body and start loading. */
export function renderPanel() {
  const link = h("link", {rel: "stylesheet", href: "./static/style.css"});
  document.head.append(link);
  document.title = "Confusion";

  const root = h("div", {class: "panel", id: "tb-confusion"});
  document.body.replaceChildren(root);

  const inflight = new Set();
  const cards = new Map();
  let store = null;
  const actions = makeActions(() => store);

  const toolbar = createToolbar(actions);
  const runGrid = h("section", {class: "run-grid", "aria-label": "Confusion matrices"});
  const summary = createSummaryView(actions);
  const curves = createCurvesView(actions);
  const epochs = createEpochsView(actions);
  const examples = createExamplesView(actions);
  const message = h("div", {class: "message", role: "status", "aria-live": "polite"});
  root.append(toolbar.element, message, runGrid,
    h("div", {class: "two-columns"}, summary.element, curves.element),
    h("div", {class: "two-columns"}, epochs.element, examples.element));

  // A failed request is kept (its error shows) until the selection changes (tag, runs, step or cell) or
  // a reload: then it is tried again. `selectionVersion` counts those changes; a failure records it.
  let selection = null;
  let selectionVersion = 0;
  const retry = (entry) => !entry || (entry.error !== undefined && entry.version !== selectionVersion);

  const debounced = new Map();
  const later = (name, ms, fn) => {
    clearTimeout(debounced.get(name));
    debounced.set(name, setTimeout(fn, ms));
  };

  /** Start every request the current state needs and does not have yet. */
  function sync(state) {
    if (state.tags && !state.tag && Object.keys(state.tags).length) {
      // The tag went away on a reload: pick a default again.
      const patch = defaultSelection(state.tags, state);
      if (patch.tag) {
        store.set({...patch, steps: {}, step: null});
        return;
      }
    }
    if (!state.tags && !inflight.has("tags")) {
      inflight.add("tags");
      api.tags().then((tags) => {
        inflight.delete("tags");
        store.set((s) => ({tags, ...defaultSelection(tags, s)}));
      }, (error) => {
        inflight.delete("tags");
        store.set({error: error.message, tags: {}});
      });
      return;
    }
    if (!state.tag) return;
    const current = JSON.stringify([state.tag, state.runs, state.step, state.selected]);
    if (current !== selection) {
      selection = current;
      selectionVersion += 1;
    }
    for (const run of state.runs) {
      const key = statsKey(run, state.tag, "steps");
      if (state.steps[run] || inflight.has(key)) continue;
      inflight.add(key);
      const tag = state.tag;
      api.steps(run, tag).then((steps) => {
        inflight.delete(key);
        store.set((s) => {
          if (s.tag !== tag) return null; // stale: another tag was picked meanwhile
          const next = {steps: {...s.steps, [run]: steps}};
          if (s.step === null && steps.length) next.step = steps[steps.length - 1].step;
          return next;
        });
      }, (error) => {
        inflight.delete(key);
        store.set((s) => (s.tag === tag ? {steps: {...s.steps, [run]: []}, error: `${run}: ${error.message}`} : null));
      });
    }
    if (state.step === null) return;
    for (const run of state.runs) {
      const step = stepForRun(state.steps[run], state.step);
      if (step === null) continue;
      const key = statsKey(run, state.tag, step);
      if (!retry(state.stats[key]) || inflight.has(key)) continue;
      inflight.add(key);
      const version = selectionVersion;
      api.stats(run, state.tag, step).then((stats) => {
        inflight.delete(key);
        store.set((s) => ({stats: trimCache({...s.stats, [key]: {stats, at: performance.now()}}, s)}));
      }, (error) => {
        inflight.delete(key);
        store.set((s) => ({stats: {...s.stats, [key]: {error: error.message, version, at: performance.now()}}}));
      });
    }
    syncExamples(state);
    syncEpochs(state);
    syncReports(state);
  }

  // The report route, for what the statistics cannot give: exact numbers when the server thinned
  // them ("exact": false, huge N) and multilabel exact-match accuracy at other thresholds.
  function reportRequest(state, run) {
    const step = stepForRun(state.steps[run], state.step);
    const entry = step === null ? null : state.stats[statsKey(run, state.tag, step)];
    const stats = entry?.stats;
    if (!stats || (stats.exact !== false && stats.task !== "multilabel")) return null;
    const params = {run, tag: state.tag, step, ...thresholdParams(stats.task, state)};
    if (params.cutoff === 0) delete params.cutoff;
    return params;
  }

  function syncReports(state) {
    for (const run of state.runs) {
      const params = reportRequest(state, run);
      if (!params) continue;
      const key = cacheKey(state, params);
      if (!retry(state.reports[key]) || inflight.has(key)) continue;
      const version = selectionVersion;
      later(`report ${run}`, 200, () => {
        if (inflight.has(key)) return;
        inflight.add(key);
        const done = (value) => {
          inflight.delete(key);
          store.set((s) => ({reports: {...keepCurrent(s.reports, s), [key]: value}}));
        };
        api.report(params).then((report) => done({report}), (error) => done({error: error.message, version}));
      });
    }
  }

  // Keep only the reports the current selection still uses.
  function keepCurrent(reports, state) {
    const wanted = new Set(state.runs.map((run) => {
      const params = reportRequest(state, run);
      return params && cacheKey(state, params);
    }));
    return Object.fromEntries(Object.entries(reports).filter(([key]) => wanted.has(key)));
  }

  function taskOf(state) {
    const info = state.tags?.[state.runs[0]]?.[state.tag];
    return info ? info.task : null;
  }

  function examplesRequest(state) {
    const selected = state.selected;
    if (!selected || !state.runs.includes(selected.run)) return null;
    const step = stepForRun(state.steps[selected.run], state.step);
    if (step === null) return null;
    const task = taskOf(state);
    const params = {run: selected.run, tag: state.tag, step, true: selected.true, pred: selected.pred,
      offset: state.examplesOffset, limit: EXAMPLES_PAGE};
    if (task === "binary") params.threshold = state.threshold;
    else if (task === "multilabel") {
      params.label = selected.label;
      params.threshold = state.labelThresholds ? state.labelThresholds[selected.label] : state.threshold;
    } else if (state.cutoff > 0) params.cutoff = state.cutoff;
    return params;
  }

  function syncExamples(state) {
    const params = examplesRequest(state);
    if (!params) return;
    const key = cacheKey(state, params);
    if (!retry(state.examples[key]) || inflight.has(key)) return;
    const version = selectionVersion;
    later("examples", 120, () => {
      if (inflight.has(key)) return;
      inflight.add(key);
      api.examples(params).then((page) => {
        inflight.delete(key);
        store.set((s) => ({examples: {[key]: {page}}}));
      }, (error) => {
        inflight.delete(key);
        store.set({examples: {[key]: {error: error.message, version}}});
      });
    });
  }

  function epochsRequest(state, run) {
    const task = taskOf(state);
    if (!task) return null;
    return {run, tag: state.tag, ...thresholdParams(task, state)};
  }

  function syncEpochs(state) {
    for (const run of state.runs) {
      const params = epochsRequest(state, run);
      if (!params) continue;
      const key = JSON.stringify(params);
      if (!retry(state.epochs[key]) || inflight.has(key)) continue;
      const version = selectionVersion;
      later(`epochs ${run}`, 250, () => {
        if (inflight.has(key)) return;
        inflight.add(key);
        api.epochs(params).then((series) => {
          inflight.delete(key);
          store.set((s) => ({epochs: {...s.epochs, [key]: {series}}}));
        }, (error) => {
          inflight.delete(key);
          store.set((s) => ({epochs: {...s.epochs, [key]: {error: error.message, version}}}));
        });
      });
    }
  }

  function render(state) {
    const started = performance.now();
    document.documentElement.dataset.theme = state.theme;
    const steps = unionSteps(state.steps, state.runs);
    const task = taskOf(state);
    const runViews = state.runs.map((run, index) => {
      const step = stepForRun(state.steps[run], state.step);
      const entry = step === null ? null : state.stats[statsKey(run, state.tag, step)];
      let model = entry?.stats ? modelAt(entry.stats, state) : null;
      const params = model ? reportRequest(state, run) : null;
      const exact = params ? state.reports[cacheKey(state, params)]?.report : null;
      if (exact) model = withReport(model, exact);
      return {run, index, step, stats: entry?.stats || null, error: entry?.error || null, model};
    });
    toolbar.update({state, steps, task, stats: referenceRun(runViews, state)?.stats || null});
    replaceChildren(message, state.error ? h("div", {class: "error"}, state.error)
      : state.tags && !Object.keys(state.tags).length ? emptyMessage() : "");
    // One card per run, kept across renders so the matrix updates in place.
    for (const [run, card] of cards) if (!state.runs.includes(run)) { card.element.remove(); cards.delete(run); }
    runViews.forEach((view) => {
      if (!cards.has(view.run)) cards.set(view.run, createRunCard(view.run, actions));
      const card = cards.get(view.run);
      if (runGrid.children[view.index] !== card.element) runGrid.insertBefore(card.element, runGrid.children[view.index] || null);
      card.update({...view, state});
    });
    runGrid.dataset.count = String(runViews.length);
    summary.update({runViews, state, task});
    curves.update({runViews, state, task});
    epochs.update({state, steps, task, series: state.runs.map((run) => {
      const params = epochsRequest(state, run);
      return {run, entry: params ? state.epochs[JSON.stringify(params)] : null};
    })});
    const params = examplesRequest(state);
    examples.update({state, params, entry: params ? state.examples[cacheKey(state, params)] : null,
      model: runViews.find((r) => r.run === state.selected?.run)?.model || null, pageSize: EXAMPLES_PAGE});
    sync(state);
    debug.lastRenderMs = performance.now() - started;
    debug.renders += 1;
  }

  const debug = {renders: 0, lastRenderMs: 0};
  store = createStore({...initialState}, render);
  debug.store = store;
  // For the browser benchmark and tests: the store, and the duration of the last render.
  window.tbConfusion = debug;
  watchTheme((theme) => store.set({theme}));
  installKeyboard(store, actions);
  // TensorBoard's reload button (and auto-reload) and new runs: refetch tags and steps.
  const reloader = createReloader(() => store);
  const host = connectToHost();
  if (host) {
    host.listen(DATA_RELOADED, () => { reloader.reload(); });
    host.listen(RUNS_CHANGED, () => { reloader.reload(); });
  }
  debug.reload = reloader.reload;
  debug.reloads = reloader.count;
  store.set({});
}

/** reload(): fetch the tags and the selected runs' steps again and apply them in one change that
 * keeps the selection: the tag (if it still exists), the runs that still have it, the step (the
 * newest one when the latest was shown, so a live training is followed; else the same step, or the
 * last earlier one when it is gone), the thresholds, the selected cell. Statistics of
 * a step are kept unless its wall time changed (the step was written again); examples and reports
 * are keyed with the wall time; the over-epochs series and every failed request are fetched again.
 * Overlapping calls run one after another. */
function createReloader(getStore) {
  let running = null;
  let again = false;
  const counter = {done: 0};

  async function once() {
    const store = getStore();
    if (!store.get().tags) return; // the first load is still under way
    const tags = await api.tags();
    const before = store.get();
    const tag = before.tag;
    const runs = tag ? before.runs.filter((run) => tags[run] && tag in tags[run]) : [];
    const steps = await Promise.all(runs.map((run) => api.steps(run, tag).then((list) => list, () => null)));
    store.set((s) => {
      if (s.tag !== tag || !tag) return {tags, ...(s.tag && !Object.values(tags).some((t) => s.tag in t) ? {tag: null} : {})};
      const keepRuns = s.runs.filter((run) => tags[run] && tag in tags[run]);
      if (!keepRuns.length) return {tags, tag: null, runs: [], steps: {}, step: null, selected: null};
      const nextSteps = {...s.steps};
      for (const run of Object.keys(nextSteps)) if (!keepRuns.includes(run)) delete nextSteps[run];
      runs.forEach((run, k) => { if (steps[k] && keepRuns.includes(run)) nextSteps[run] = steps[k]; });
      const union = unionSteps(nextSteps, keepRuns);
      const previous = unionSteps(s.steps, s.runs);
      let step = s.step;
      if (step !== null && union.length && step === previous[previous.length - 1]) {
        step = union[union.length - 1]; // on the latest step: follow the training to the newest one
      } else if (step !== null && union.length && !union.includes(step)) {
        const earlier = union.filter((x) => x <= step);
        step = earlier.length ? earlier[earlier.length - 1] : union[0];
      }
      // A step logged again (same step number, new wall time) has new statistics. (Examples and
      // reports are keyed with the step's wall time, so they are fetched again by themselves.)
      // Failed requests are tried again.
      const stats = withoutErrors(s.stats);
      for (const run of keepRuns) {
        for (const entry of nextSteps[run] || []) {
          const key = statsKey(run, tag, entry.step);
          const cached = stats[key]?.stats;
          if (cached && cached.wall_time !== undefined && entry.wall_time !== undefined && cached.wall_time !== entry.wall_time) delete stats[key];
        }
      }
      const selected = s.selected && keepRuns.includes(s.selected.run) ? s.selected : null;
      return {tags, runs: keepRuns, steps: nextSteps, step, stats, epochs: {}, selected,
        examples: withoutErrors(s.examples), reports: withoutErrors(s.reports)};
    });
    counter.done += 1;
  }

  function reload() {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      try {
        do {
          again = false;
          await once();
        } while (again);
      } catch (error) {
        getStore().set({error: `reload: ${error.message}`});
      } finally {
        running = null;
      }
    })();
    return running;
  }

  return {reload, count: () => counter.done};
}

/** The cache key of an examples or report request: its parameters and the wall time of its step, so
 * a step written again (a resumed training, seen on reload) is fetched again. */
function cacheKey(state, params) {
  const entry = (state.steps[params.run] || []).find((s) => s.step === params.step);
  return JSON.stringify([params, entry?.wall_time ?? null]);
}

/** A cache without its failed entries. */
function withoutErrors(cache) {
  return Object.fromEntries(Object.entries(cache).filter(([, entry]) => entry.error === undefined));
}

/** The model with the server's exact numbers: all of them for thinned statistics, else (multilabel)
 * the exact-match accuracy. */
function withReport(model, report) {
  if (model.task === "multilabel") return {...model, metrics: {...model.metrics, accuracy: report.metrics.accuracy}};
  const matrix = report.confusion_matrix;
  return {...model, matrix, cells: null, counts: countsFromMatrix(matrix), metrics: report.metrics, undefined: report.undefined, exact: true};
}

// The run whose statistics the recommended thresholds come from: the run of the selected cell, else
// a validation run (thresholds are chosen on held-out data, not on train), else the first run.
function referenceRun(runViews, state) {
  const ready = runViews.filter((r) => r.stats);
  const isValidation = (r) => /^(validation|val|valid|eval|dev)$/i.test(r.run.split("/").pop());
  return ready.find((r) => r.run === state.selected?.run) || ready.find(isValidation) || ready[0] || null;
}

function emptyMessage() {
  return h("div", {class: "empty"},
    h("h2", {}, "No confusion data yet"),
    h("p", {}, "Log predictions with tb_confusion.summary.predictions (or the Keras callback) and they appear here, one matrix per step."));
}

/** The default tag and runs: the first tag (by name) and every run that has it (at most 4). */
function defaultSelection(tags, state) {
  if (state.tag) return {};
  const allTags = [...new Set(Object.values(tags).flatMap((t) => Object.keys(t)))].sort();
  if (!allTags.length) return {};
  const tag = allTags[0];
  const runs = Object.keys(tags).filter((run) => tag in tags[run]).sort(runOrder).slice(0, 4);
  return {tag, runs, ...thresholdDefaults(tags[runs[0]][tag])};
}

function thresholdDefaults(info) {
  return {labelThresholds: info.task === "multilabel" ? info.class_names.map(() => 0.5) : null, curveClass: 0,
    selected: null, examplesOffset: 0};
}

function trimCache(stats, state) {
  const keys = Object.keys(stats);
  if (keys.length <= MAX_CACHED_STATS) return stats;
  const keep = new Set(state.runs.map((run) => statsKey(run, state.tag, stepForRun(state.steps[run], state.step))));
  keys.sort((a, b) => stats[a].at - stats[b].at);
  const out = {...stats};
  for (const key of keys) {
    if (Object.keys(out).length <= MAX_CACHED_STATS) break;
    if (!keep.has(key)) delete out[key];
  }
  return out;
}

function makeActions(getStore) {
  const set = (patch) => getStore().set(patch);
  let timer = null;
  return {
    setTag: (tag) => set((s) => {
      const runs = Object.keys(s.tags).filter((run) => tag in s.tags[run]).sort(runOrder);
      const keep = s.runs.filter((run) => runs.includes(run));
      const chosen = keep.length ? keep : runs.slice(0, 4);
      return {tag, runs: chosen, steps: {}, step: null, ...thresholdDefaults(s.tags[chosen[0]][tag])};
    }),
    toggleRun: (run) => set((s) => {
      const runs = s.runs.includes(run) ? s.runs.filter((r) => r !== run) : [...s.runs, run].sort(runOrder);
      return runs.length ? {runs, selected: s.selected && runs.includes(s.selected.run) ? s.selected : null} : null;
    }),
    setStep: (step) => set({step, examplesOffset: 0}),
    stepBy: (delta) => set((s) => {
      const steps = unionSteps(s.steps, s.runs);
      if (!steps.length) return null;
      const i = Math.max(0, steps.indexOf(s.step));
      return {step: steps[Math.max(0, Math.min(steps.length - 1, i + delta))], examplesOffset: 0};
    }),
    togglePlay: () => {
      const store = getStore();
      if (timer) {
        clearInterval(timer);
        timer = null;
        store.set({playing: false});
        return;
      }
      const advance = () => {
        const s = store.get();
        const steps = unionSteps(s.steps, s.runs);
        const i = steps.indexOf(s.step);
        if (i < 0 || i >= steps.length - 1) {
          clearInterval(timer);
          timer = null;
          store.set({playing: false});
          return;
        }
        store.set({step: steps[i + 1], examplesOffset: 0});
      };
      const s = store.get();
      const steps = unionSteps(s.steps, s.runs);
      if (steps.indexOf(s.step) >= steps.length - 1) store.set({step: steps[0]});
      store.set({playing: true});
      timer = setInterval(advance, 700);
    },
    setThreshold: (threshold) => set((s) => ({threshold, examplesOffset: 0,
      labelThresholds: s.labelThresholds ? s.labelThresholds.map(() => threshold) : null})),
    setLabelThreshold: (k, value) => set((s) => ({labelThresholds: s.labelThresholds.map((t, i) => (i === k ? value : t)), examplesOffset: 0})),
    setCutoff: (cutoff) => set({cutoff, examplesOffset: 0}),
    setCosts: (costs) => set(costs),
    setNormalization: (normalization) => set({normalization}),
    setSort: (sort) => set({sort}),
    setCurveClass: (curveClass) => set({curveClass}),
    setEpochMetric: (epochMetric) => set({epochMetric}),
    selectCell: (run, trueIndex, predIndex, label = null) => set((s) => ({
      selected: {run, true: trueIndex, pred: predIndex, label: label ?? s.curveClass},
      examplesOffset: 0,
    })),
    clearSelection: () => set({selected: null}),
    pageExamples: (offset) => set({examplesOffset: Math.max(0, offset)}),
  };
}

// Left/right arrows (and j/k) scrub epochs when no text field or list has the focus; space plays or
// pauses when no control at all has it (on a button, a cell or a scroller space keeps its own meaning).
function installKeyboard(store, actions) {
  document.addEventListener("keydown", (event) => {
    const target = event.target;
    const typing = target instanceof HTMLInputElement || target instanceof HTMLSelectElement || target instanceof HTMLTextAreaElement;
    if (typing || event.altKey || event.ctrlKey || event.metaKey) return;
    if (event.key === " ") {
      const control = target instanceof Element && target.closest("button, a[href], summary, [tabindex], [contenteditable], [role=button]");
      if (control || event.repeat) return;
      event.preventDefault();
      actions.togglePlay();
    } else if (event.key === "ArrowLeft" || event.key === "j") {
      event.preventDefault();
      actions.stepBy(-1);
    } else if (event.key === "ArrowRight" || event.key === "k") {
      event.preventDefault();
      actions.stepBy(1);
    } else if (event.key === "Escape") {
      actions.clearSelection();
    }
  });
}
