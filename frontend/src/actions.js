// What the panel's controls do: each action is one change of the store's state; playing walks through
// the steps on a timer.

import {runOrder, thresholdDefaults, unionSteps} from "./selection.js";
import {withFilter} from "./slice_filter.js";

const PLAY_EVERY_MS = 700;

/** The actions on `store` ({get, set}). The interval timers are injectable for tests. */
export function makeActions(store, {setInterval = globalThis.setInterval, clearInterval = globalThis.clearInterval} = {}) {
  const set = (patch) => store.set(patch);
  let timer = null;

  function stop() {
    clearInterval(timer);
    timer = null;
    store.set({playing: false});
  }

  // One step further on each tick; at the last step playing stops.
  function advance() {
    const s = store.get();
    const steps = unionSteps(s.steps, s.runs);
    const i = steps.indexOf(s.step);
    if (i < 0 || i >= steps.length - 1) stop();
    else store.set({step: steps[i + 1], examplesOffset: 0});
  }

  return {
    setTag: (tag) => set((s) => {
      const runs = Object.keys(s.tags).filter((run) => tag in s.tags[run]).sort(runOrder);
      const keep = s.runs.filter((run) => runs.includes(run));
      const chosen = keep.length ? keep : runs.slice(0, 4);
      return {tag, runs: chosen, steps: {}, step: null, slice: [], ...thresholdDefaults(s.tags[chosen[0]][tag])};
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
    /** Play from the shown step (from the first when the last is shown), or pause. */
    togglePlay: () => {
      if (timer) {
        stop();
        return;
      }
      const s = store.get();
      const steps = unionSteps(s.steps, s.runs);
      if (steps.indexOf(s.step) >= steps.length - 1) store.set({step: steps[0]});
      store.set({playing: true});
      timer = setInterval(advance, PLAY_EVERY_MS);
    },
    setThreshold: (threshold) => set((s) => ({threshold, examplesOffset: 0,
      labelThresholds: s.labelThresholds ? s.labelThresholds.map(() => threshold) : null})),
    setLabelThreshold: (k, value) => set((s) => ({labelThresholds: s.labelThresholds.map((t, i) => (i === k ? value : t)), examplesOffset: 0})),
    setCutoff: (cutoff) => set({cutoff, examplesOffset: 0}),
    setCosts: (costs) => set(costs),
    /** Compute the recommended thresholds on `run` (clicking cells never changes it). */
    setRecommendRun: (recommendRun) => set({recommendRun}),
    setNormalization: (normalization) => set({normalization}),
    setSort: (sort) => set({sort}),
    setCurveClass: (curveClass) => set({curveClass}),
    setEpochMetric: (epochMetric) => set({epochMetric}),
    /** `grouped`: a cell of the matrix by superclass (its indices are groups, class_groups.js). */
    selectCell: (run, trueIndex, predIndex, label = null, grouped = false) => set((s) => ({
      selected: {run, true: trueIndex, pred: predIndex, label: label ?? s.curveClass, ...(grouped ? {grouped: true} : {})},
      examplesOffset: 0,
    })),
    clearSelection: () => set({selected: null}),
    pageExamples: (offset) => set({examplesOffset: Math.max(0, offset)}),
    /** Only the examples whose attribute `name` has the value of `filter` ("NAME=VALUE"; null: any value). */
    setSliceFilter: (name, filter) => set((s) => ({slice: withFilter(s.slice || [], name, filter), examplesOffset: 0})),
    clearSlice: () => set({slice: [], examplesOffset: 0}),
    /** "classes", or "groups": the matrices and metrics by superclass (a tag with class groups). */
    setClassGrouping: (classGrouping) => set((s) => (s.classGrouping === classGrouping ? {}
      : {classGrouping, selected: null, examplesOffset: 0})), // a cell's indices mean classes or groups
    /** Order the drawer's examples: "confidence" or "likely_mislabeled" (from the first page). */
    setExamplesOrder: (examplesOrder) => set({examplesOrder, examplesOffset: 0}),
  };
}
