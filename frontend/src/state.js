// The panel's state: one object, its initial value, changed with set(patch); every change in the same
// frame is batched into one render (a slider drag fires many input events but draws once per frame).

/** The state before anything loaded. `catalogue` is the server's metric catalogue (catalogue.js).
 * Caches (stats, examples, reports, epochs) map a request's key (loader.js cacheKey, or selection.js
 * statsKey for stats) to {<value>, at} or {error, version, at}. `recommendRun` is the run the user chose
 * to compute recommended thresholds on (null: the default, see selection.js recommendRunOf).
 * The Calibration card's choices: calibrationBins, calibrationStrategy ("equal_width" or
 * "equal_mass"), calibrationClass ({tag, index} or null: the whole step), calibrationTemperature
 * (preview temperature scaling); its answers are cached in `calibration`. `curves`: the `curves` route's
 * answers (one class of a multiclass step each, selection.js curvesRequest).
 * The Diff card (diff.js): diffOpen (closed: nothing asked), diffMode ("steps" or "runs"), diffRun (the run
 * whose steps are compared; null: the first selected), diffStep (step A; null: the previous logged step),
 * diffRuns ([run A, run B]; null: the first two selected), diffShow ("count" or "row"), diffPages
 * ({key, learned, forgotten}: the flip lists' offsets for one comparison); answers cached in `diffs`
 * and `forgetting`. labelIssuesShown: the matrices show each cell's likely label issues (label_issue_marks.js),
 * whose answers are cached in `labelIssues`. temperatureReports: the reports before and after temperature
 * scaling of the Calibration card's preview (temperature_preview.js).
 * Slices (slice_filter.js): slice (the "only this slice" filter, a list of "NAME=VALUE"; [] the whole step),
 * the Slices card's sliceBy (attribute; null: the first), sliceMetric (a catalogue key) and sliceMinSize;
 * answers cached in `attributes` (the picker's lists) and `sliceTables`. classGrouping: "classes", or
 * "groups" to show a tag logged with class groups by superclass (class_groups.js). */
export const INITIAL_STATE = Object.freeze({
  catalogue: null,
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
  recommendRun: null,
  selected: null,
  examplesOffset: 0,
  examplesOrder: "confidence",
  examples: {},
  epochs: {},
  reports: {},
  epochMetric: "f1",
  calibration: {},
  curves: {},
  calibrationBins: 15,
  calibrationStrategy: "equal_width",
  calibrationClass: null,
  calibrationTemperature: false,
  diffOpen: false,
  diffMode: "steps",
  diffRun: null,
  diffStep: null,
  diffRuns: null,
  diffShow: "count",
  diffPages: null,
  diffs: {},
  forgetting: {},
  labelIssuesShown: false,
  labelIssues: {},
  temperatureReports: {},
  classGrouping: "classes",
  slice: [],
  sliceBy: null,
  sliceMetric: "accuracy",
  sliceMinSize: 30,
  attributes: {},
  sliceTables: {},
  playing: false,
  theme: "light",
});

/** A store calling `render(state, store)` at most once per animation frame after changes. `schedule`
 * replaces requestAnimationFrame (node tests pass their own). */
export function createStore(initial, render, {schedule = (fn) => requestAnimationFrame(fn)} = {}) {
  let state = initial;
  let pending = false;
  const store = {
    get: () => state,
    /** Merge `patch` (an object, or a function of the state returning one; null changes nothing) and
     * schedule a render. */
    set(patch) {
      const changes = typeof patch === "function" ? patch(state) : patch;
      if (!changes) return;
      state = {...state, ...changes};
      if (!pending) {
        pending = true;
        schedule(() => store.flush());
      }
    },
    /** Render now if anything changed since the last render. */
    flush() {
      if (!pending) return;
      pending = false;
      render(state, store);
    },
  };
  return store;
}
