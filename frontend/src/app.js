// The Confusion panel: builds the views, renders the store's state into them, and wires up the
// loading (sync.js, loader.js), the reloads, the keys and the debug hook. TensorBoard calls render()
// once inside the plugin's iframe: index.js re-exports it, or the one-file bundle of this module and its
// imports (frontend/bundle.py) stands in for index.js.

import {api as routes, getJson} from "./api.js";
import {h, replaceChildren} from "./dom.js";
import {INITIAL_STATE, createStore} from "./state.js";
import {watchTheme} from "./theme.js";
import {modelAt, withFields, withReport} from "./model.js";
import {calibrationRequest, compactShown, curvesRequest, epochsRequest, examplesNotice, examplesRequest, referenceRun, reportRequest,
  statsKey, stepForRun, taskOf, unionSteps} from "./selection.js";
import {cacheKey, createLoader} from "./loader.js";
import {createSync} from "./sync.js";
import {makeActions} from "./actions.js";
import {createReloader} from "./reloader.js";
import {installKeyboard} from "./keyboard.js";
import {createToolbar} from "./toolbar_view.js";
import {createRunCard} from "./run_card_view.js";
import {createSummaryView} from "./summary_view.js";
import {createCurvesView} from "./curves_view.js";
import {createEpochsView} from "./epochs_view.js";
import {createExamplesView} from "./examples_view.js";
import {createCalibrationView} from "./calibration_view.js";
import {calibrationChoices} from "./calibration.js";
import {createDiffView} from "./diff_view.js";
import {DATA_RELOADED, RUNS_CHANGED, connectToHost} from "./host_messages.js";
import {createGridLayout} from "./run_grid_layout.js";
import {drawerDock} from "./drawer.js";
import {runColors} from "./run_colors.js";
import {LABEL_ISSUES_EVENT, labelIssuesOf, syncLabelIssues} from "./label_issue_marks.js";
import {syncTemperaturePreview} from "./temperature_preview.js";
import {pickerSource, scopedApi, sliceOf} from "./slice_filter.js";
import {createSlicesView} from "./slices_view.js";
import {shownModel} from "./class_groups.js";

const api = {...routes, calibration: (params) => getJson("calibration", params),
  diff: (params) => getJson("diff", params), forgetting: (params) => getJson("forgetting", params),
  label_issues: (params) => getJson("label_issues", params)};

/** Build the panel into document.body and start loading (TensorBoard's render(): see the export below). */
function renderPanel() {
  const link = h("link", {rel: "stylesheet", href: "./static/style.css"});
  document.head.append(link);
  document.title = "Confusion";

  const root = h("div", {class: "panel", id: "tb-confusion"});
  document.body.replaceChildren(root);

  // Renders start on the frame after the first set() below, when every view exists.
  const store = createStore({...INITIAL_STATE}, render);
  const actions = makeActions(store);
  const loader = createLoader(store);
  const sync = createSync(store, api, loader);
  sync(store.get()); // the catalogue and the tags are on the wire while the views are built
  const cards = new Map();

  const toolbar = createToolbar(actions);
  const runGrid = h("section", {class: "run-grid", "aria-label": "Confusion matrices"});
  const summary = createSummaryView(actions);
  const curves = createCurvesView(actions);
  const epochs = createEpochsView(actions);
  const examples = createExamplesView(actions);
  const calibration = createCalibrationView({set: (patch) => store.set(patch)});
  const diff = createDiffView({set: (patch) => store.set(patch), selectCell: actions.selectCell});
  const slices = createSlicesView({set: (patch) => store.set(patch), setSliceFilter: actions.setSliceFilter});
  const message = h("div", {class: "message", role: "status", "aria-live": "polite"});
  const details = h("div", {class: "details"},
    h("div", {class: "two-columns"}, summary.element, curves.element), slices.element,
    h("div", {class: "two-columns"}, epochs.element, calibration.element), diff.element);
  root.append(toolbar.element, message, runGrid, details, examples.element);
  // The matrices' "Likely label issues" box (label_issue_marks.js).
  root.addEventListener(LABEL_ISSUES_EVENT, (event) => store.set({labelIssuesShown: Boolean(event.detail?.shown)}));

  // The grid's width decides how many cards share a row and the size of their cells.
  const gridLayout = createGridLayout();
  let gridWidth = 0;
  if (typeof ResizeObserver !== "undefined") {
    new ResizeObserver(() => {
      const width = runGrid.clientWidth;
      if (width !== gridWidth) { gridWidth = width; store.set({}); }
    }).observe(runGrid);
  }
  // The examples drawer opens on the side away from where the user clicked (the cell stays in view).
  let lastPointer = null;
  document.addEventListener("pointerdown", (event) => { lastPointer = {x: event.clientX, at: performance.now()}; }, true);
  let selectedKey = null;
  let dock = "right";
  let lastRunViews = [];

  function render(state) {
    const started = performance.now();
    // Requests first: what the state still needs is on the wire while the views draw.
    sync(state);
    // These follow the slice filter too (sync.js scopes its own requests the same way).
    const sliced = scopedApi(api, sliceOf(state));
    syncLabelIssues(state, loader, sliced);
    syncTemperaturePreview(state, loader, sliced);
    document.documentElement.dataset.theme = state.theme;
    const steps = unionSteps(state.steps, state.runs);
    const task = taskOf(state);
    const runViews = state.runs.map((run, index) => {
      const step = stepForRun(state.steps[run], state.step);
      const entry = step === null ? null : state.stats[statsKey(run, state.tag, step, state.slice)];
      // The catalogue says which metrics come from the server's report; it loads with the tags.
      let model = entry?.stats && state.catalogue ? modelAt(entry.stats, state, state.catalogue) : null;
      const params = model ? reportRequest(state, run) : null;
      const exact = params ? state.reports[cacheKey(state, params)]?.report : null;
      if (exact) model = withReport(model, exact);
      if (model) model = withFields(model, {labelIssues: labelIssuesOf(state, run)});
      model = shownModel(model, state, state.tags?.[run]?.[state.tag]); // by superclass when chosen
      return {run, index, step, stats: entry?.stats || null, error: entry?.error || null, model};
    });
    lastRunViews = runViews;
    toolbar.update({state, steps, task, stats: referenceRun(runViews, state)?.stats || null, sliceSource: pickerSource(state)});
    const empty = Boolean(state.tags && !Object.keys(state.tags).length);
    replaceChildren(message, state.error ? h("div", {class: "error"}, state.error) : empty ? emptyMessage() : "");
    // An empty logdir shows only its message: no empty tables or charts.
    details.hidden = empty || !state.tags;
    const layout = gridLayout(state, runViews, gridWidth || runGrid.clientWidth);
    const columns = `repeat(${layout.perRow}, minmax(0, 1fr))`;
    if (runGrid.style.gridTemplateColumns !== columns) runGrid.style.gridTemplateColumns = columns;
    runGrid.dataset.perRow = String(layout.perRow);
    // One card per run, kept across renders so the matrix updates in place.
    for (const [run, card] of cards) if (!state.runs.includes(run)) { card.element.remove(); cards.delete(run); }
    runViews.forEach((view) => {
      if (!cards.has(view.run)) cards.set(view.run, createRunCard(view.run, actions));
      const card = cards.get(view.run);
      if (runGrid.children[view.index] !== card.element) runGrid.insertBefore(card.element, runGrid.children[view.index] || null);
      card.update({...view, state, layout});
    });
    runGrid.dataset.count = String(runViews.length);
    summary.update({runViews, state, task});
    // Many runs: the metrics table takes the whole width so no run's column is cut.
    summary.element.classList.toggle("wide", runViews.length > 4);
    curves.update({runViews, state, task, answers: Object.fromEntries(state.runs.map((run) => {
      const params = curvesRequest(state, run);
      return [run, params ? state.curves[cacheKey(state, params)] ?? null : null];
    }))});
    epochs.update({state, steps, task, series: state.runs.map((run) => {
      const params = epochsRequest(state, run);
      return {run, entry: params ? state.epochs[cacheKey(state, params)] : null};
    })});
    const reference = runViews.find((r) => r.stats)?.stats;
    calibration.update({state, task, classNames: state.tags?.[state.runs[0]]?.[state.tag]?.class_names ?? reference?.class_names ?? null,
      positiveClass: reference?.report?.positive_class ?? 1, choices: calibrationChoices(state, task, compactShown(state)),
      series: state.runs.map((run) => {
        const request = calibrationRequest(state, run);
        return {run, entry: request ? state.calibration[cacheKey(state, request)] ?? null : null};
      })});
    diff.update({state, task, catalogue: state.catalogue});
    slices.update({state, task});
    const params = examplesRequest(state);
    const key = state.selected ? JSON.stringify(state.selected) : null;
    if (key !== selectedKey) {
      selectedKey = key;
      if (key) dock = drawerDock({pointer: lastPointer, now: performance.now(), active: document.activeElement,
        card: cards.get(state.selected.run)?.element, viewportWidth: window.innerWidth});
    }
    examples.update({state, params, entry: params ? state.examples[cacheKey(state, params)] : null,
      model: runViews.find((r) => r.run === state.selected?.run)?.model || null, dock,
      notice: examplesNotice(state)});
    debug.lastRenderMs = performance.now() - started;
    debug.renders += 1;
  }

  // TensorBoard's reload button (and auto-reload) and new runs: refetch tags and steps.
  const reloader = createReloader(api, store);
  const host = connectToHost();
  if (host) {
    host.listen(DATA_RELOADED, () => { reloader.reload(); });
    host.listen(RUNS_CHANGED, () => { reloader.reload(); });
  }
  // For the browser benchmark and tests: the store, the duration of the last render, reloads, and what
  // the last render showed per run (its step, whether it drew a matrix, and the dense matrix as the cards
  // drew it: built when read, as at C = 1,000 it is a million numbers a probe polling `drawn` need not pay for).
  const debug = {store, renders: 0, lastRenderMs: 0, reload: reloader.reload, reloads: reloader.count,
    views: () => lastRunViews.map(({run, step, model}) => ({run, step, drawn: Boolean(model),
      get matrix() { return model ? model.matrix : null; },
      columns: model ? model.columnNames : null, metrics: model ? model.metrics : null}))};
  window.tbConfusion = debug;
  watchTheme((theme) => store.set({theme}));
  runColors.onChange(() => store.set({})); // the run list arrived: swatches take TensorBoard's colours
  installKeyboard(document, actions);
  store.set({});
}

function emptyMessage() {
  return h("div", {class: "empty"},
    h("h2", {}, "No confusion data yet"),
    h("p", {}, "Log predictions with tb_confusion.summary.predictions (or the Keras callback) and they appear here, one matrix per step."));
}

export {renderPanel as render};
