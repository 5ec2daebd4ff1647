// Steps stored compact (stats.storage "compact": a large multiclass step's top-two facts): the matrix and
// its numbers come from the same statistics as an exact step's, the calibration card offers the top-1
// diagram only (never a request the step answers with 422), and binned curves say how far their AUC can be.
import {test} from "node:test";
import assert from "node:assert/strict";
import {COMPACT_NOTE, calibrationChoices} from "../src/calibration.js";
import {calibrationRequest, compactShown, statsKey} from "../src/selection.js";
import {aucErrorBound, binnedCurvesText, formatBound} from "../src/curves.js";
import {summaryNote} from "../src/summary_view.js";
import {modelAt} from "../src/model.js";
import {INITIAL_STATE} from "../src/state.js";
import {assertClose, fixtures, serverCatalogue} from "./fixtures.js";

const compactCase = () => fixtures().cases.find((c) => c.stats.storage === "compact");

const tags = {exact: {classes: {task: "multiclass", class_names: ["a", "b", "c"]}},
  compact: {classes: {task: "multiclass", class_names: ["a", "b", "c"]}}};
const chosen = {calibrationBins: 20, calibrationStrategy: "equal_mass", calibrationClass: {tag: "classes", index: 1},
  calibrationTemperature: true};

function stateWith(storages, patch = {}) {
  const runs = Object.keys(storages);
  const stats = {};
  for (const [run, storage] of Object.entries(storages)) {
    if (storage) stats[statsKey(run, "classes", 4)] = {stats: {task: "multiclass", storage}};
  }
  return {...INITIAL_STATE, tags, tag: "classes", runs, steps: Object.fromEntries(runs.map((run) => [run, [{step: 4}]])),
    step: 4, stats, ...chosen, ...patch};
}

test("the server's compact step gives the exact step's statistics shape and a binned AUC bound", () => {
  const c = compactCase();
  assert.ok(c, "make_fixtures.py has a compact case");
  assert.equal(c.stats.task, "multiclass");
  assert.ok(c.stats.multiclass.cells, "70 classes: sparse cells");
  for (const at of c.at) {
    assertClose(modelAt(c.stats, {cutoff: at.cutoff ?? 0}, serverCatalogue()).matrix, at.report.confusion_matrix,
      `cutoff ${at.cutoff}`);
  }
  const bounds = c.stats.report.binned.roc_auc_error_bound;
  assert.equal(bounds.length, c.stats.class_names.length);
  assert.equal(aucErrorBound(c.stats), Math.max(...bounds.filter((b) => b !== null)));
});

test("calibrationChoices of a compact step: the chosen bins and strategy, top-1 only, with its note", () => {
  const state = stateWith({compact: "compact"});
  assert.deepEqual(calibrationChoices(state, "multiclass", true),
    {bins: 20, strategy: "equal_mass", fixed: false, class: null, temperature: false, topOnly: true, note: COMPACT_NOTE});
  assert.equal(COMPACT_NOTE, "compact step: top-1 calibration only");
  assert.deepEqual(calibrationChoices(state, "multiclass", false),
    {bins: 20, strategy: "equal_mass", fixed: false, class: 1, temperature: true, topOnly: false, note: null});
});

test("calibrationRequest never asks a compact step, or a step whose storage is unknown, for a class or temperature", () => {
  const top1 = (run) => ({run, tag: "classes", step: 4, bins: 20, strategy: "equal_mass"});
  const compact = stateWith({compact: "compact"});
  assert.ok(compactShown(compact));
  assert.deepEqual(calibrationRequest(compact, "compact"), top1("compact"));
  // Beside a compact run an exact run is asked for the same top-1 diagram: one card, one scope.
  const both = stateWith({exact: "exact", compact: "compact"});
  assert.deepEqual(calibrationRequest(both, "exact"), top1("exact"));
  assert.deepEqual(calibrationRequest(both, "compact"), top1("compact"));
  // An exact step alone gets the class and the temperature preview.
  const exact = stateWith({exact: "exact"});
  assert.ok(!compactShown(exact));
  assert.deepEqual(calibrationRequest(exact, "exact"), {...top1("exact"), class: 1, temperature: "fit"});
  // Statistics not there yet: a class or temperature waits for them; the top-1 diagram does not.
  const unknown = stateWith({compact: null});
  assert.equal(calibrationRequest(unknown, "compact"), null);
  assert.deepEqual(calibrationRequest({...unknown, calibrationClass: null, calibrationTemperature: false}, "compact"),
    top1("compact"));
});

test("formatBound rounds up to one significant digit in plain decimals", () => {
  assert.equal(formatBound(0.000271), "0.0003");
  assert.equal(formatBound(0.0003), "0.0003");
  assert.equal(formatBound(0.0103954), "0.02");
  assert.equal(formatBound(0.095), "0.1");
  assert.equal(formatBound(2.5e-7), "0.0000003");
  assert.equal(formatBound(0), "0");
});

test("binnedCurvesText: the largest bound over classes and runs; runs named when not every run is binned", () => {
  const c = compactCase();
  const bound = formatBound(aucErrorBound(c.stats));
  assert.equal(binnedCurvesText([{run: "compact", stats: c.stats}]),
    `compact step: one-vs-rest curves are binned, AUC within \u00b1${bound}`);
  const exact = {storage: "exact", report: {metrics: {}}};
  assert.equal(binnedCurvesText([{run: "exact", stats: exact}, {run: "compact", stats: c.stats}]),
    `compact step (compact): one-vs-rest curves are binned, AUC within \u00b1${bound}`);
  assert.equal(binnedCurvesText([{run: "exact", stats: exact}, {run: "loading", stats: null}]), "");
  const catalogue = serverCatalogue();
  const model = modelAt(c.stats, {cutoff: 0}, catalogue);
  assert.match(summaryNote(catalogue, "multiclass", [{run: "compact", stats: c.stats, model}]),
    new RegExp(`Compact step: one-vs-rest curves are binned, AUC within \u00b1${bound.replace(".", "\\.")}\\.$`));
  assert.doesNotMatch(summaryNote(catalogue, "multiclass", [{run: "exact", stats: exact, model}]), /binned/);
});
