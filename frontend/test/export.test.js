import {test} from "node:test";
import assert from "node:assert/strict";
import {csvField, escapeXml, fitText, layoutSvg, matrixLayout, reportCsv, textExtent} from "../src/export.js";
import {classOrder, topConfusions, totals, cellShares} from "../src/matrix_math.js";
import {modelAt} from "../src/model.js";
import {headline} from "../src/metric_value.js";
import {assertClose, fixtures, serverCatalogue} from "./fixtures.js";

const EVIL = "<img src=x onerror=alert(1)>";

function tinyModel(names) {
  const stats = {task: "multiclass", class_names: names, num_examples: 6,
    multiclass: {cell_offsets: [0, 2, 3, 3, 3, 4, 4, 5, 5, 6], top_scores: [0.5, 0.9, 0.6, 0.7, 0.8, 0.4],
      cum_weights: null, cell_totals: [2, 1, 0, 0, 1, 0, 1, 0, 1]}, report: {metrics: {}}};
  return modelAt(stats, {cutoff: 0}, serverCatalogue());
}

test("csvField quotes commas and quotes and defuses spreadsheet formulas", () => {
  assert.equal(csvField("a,b"), '"a,b"');
  assert.equal(csvField('say "hi"'), '"say ""hi"""');
  assert.equal(csvField("=HYPERLINK(1)"), "'=HYPERLINK(1)");
  assert.equal(csvField("-2+3"), "'-2+3");
  assert.equal(csvField(-2.5), "-2.5");
  assert.equal(csvField(null), "");
});

test("reportCsv writes the matrix and every metric with class names as data", () => {
  const model = tinyModel(["cat", "dog, big", "=bird"]);
  const text = reportCsv(model, serverCatalogue(), {run: "val", tag: "t", step: 3, cutoff: 0});
  const lines = text.split("\r\n");
  assert.ok(lines.includes("cutoff,0"));
  assert.ok(lines.includes('actual \\ predicted,cat,"dog, big",\'=bird'));
  assert.ok(lines.includes("cat,2,1,0"));
  assert.ok(lines.some((line) => line.startsWith("macro avg,")));
  assert.ok(lines.some((line) => line.startsWith("accuracy,")));
});

test("reportCsv's per-class columns are the catalogue's compact and full ones the model has, as the CLI's wide table", () => {
  const text = reportCsv(tinyModel(["cat", "dog", "bird"]), serverCatalogue(), {run: "val", tag: "t", step: 3, cutoff: 0});
  // The tiny model's report has no ranking metrics, so no roc_auc or average_precision column.
  assert.ok(text.split("\r\n").includes("class,precision,recall,f1,specificity,iou,support"));
});

test("reportCsv names the decision of the task: a threshold, a cutoff, or one threshold per label", () => {
  const labels = modelAt({task: "multilabel", class_names: ["a", "b"], num_examples: 1, report: {},
    labels: [0, 1].map(() => ({thresholds: [0.7], tps: [1], fps: [0], positives: 1, negatives: 0}))},
  {labelThresholds: [0.2, 0.8]}, serverCatalogue());
  const lines = reportCsv(labels, serverCatalogue(), {run: "r", tag: "t", step: 1, threshold: 0.5, labelThresholds: [0.2, 0.8]}).split("\r\n");
  assert.equal(lines[3], "thresholds,0.2,0.8");
});

test("escapeXml and the SVG export keep an HTML-looking class name as text", () => {
  assert.equal(escapeXml(`a<b>&"'`), "a&lt;b&gt;&amp;&quot;&apos;");
  const model = tinyModel(["cat", EVIL, "bird"]);
  const svg = layoutSvg(matrixLayout(model, {order: [0, 1, 2], normalization: "count", title: EVIL}));
  assert.ok(!svg.includes("<img"));
  assert.ok(svg.includes("&lt;img src=x onerror=alert(1)&gt;"));
});

test("matrix_math: totals, shares, class orders and top confusions", () => {
  const matrix = [[5, 1, 0], [3, 2, 0], [0, 4, 1]];
  const sums = totals(matrix);
  assert.deepEqual(sums, {rows: [6, 5, 5], columns: [8, 7, 1], all: 16});
  assert.deepEqual(cellShares(matrix, sums, 1, 0), {count: 3, row: 3 / 5, column: 3 / 8, all: 3 / 16});
  assert.deepEqual(classOrder(matrix, "index"), [0, 1, 2]);
  assert.deepEqual(classOrder(matrix, "support"), [0, 1, 2]);
  assert.deepEqual(classOrder(matrix, "error"), [2, 1, 0]);
  assert.deepEqual(topConfusions(matrix, 2).map((c) => [c.true, c.pred, c.count]), [[2, 1, 4], [1, 0, 3]]);
});

// The CSV's average rows and metric rows hold build_report's numbers, the ones the panel shows.
function csvRows(text) {
  return new Map(text.split("\r\n").filter(Boolean).map((line) => {
    const [name, ...values] = line.split(",");
    return [name, values.map((v) => (v === "" ? null : Number.isNaN(Number(v)) ? v : Number(v)))];
  }));
}

for (const c of fixtures().cases.filter((x) => x.task !== "multilabel")) {
  test(`reportCsv: average rows and headline metrics equal build_report's on "${c.name}"`, () => {
    const at = c.at[0];
    const selection = "threshold" in at ? {threshold: at.threshold} : {cutoff: at.cutoff ?? 0};
    const model = modelAt(c.stats, selection, serverCatalogue());
    const rows = csvRows(reportCsv(model, serverCatalogue(), {run: "r", tag: "t", step: 1, ...selection}));
    const metrics = at.report.metrics;
    const columns = rows.get("class");
    for (const average of ["macro", "micro", "weighted"]) {
      const row = rows.get(`${average} avg`);
      assertClose(row[columns.indexOf("support")], metrics.support[average], `${average} support`);
      assertClose(row[columns.indexOf("precision")], metrics.precision[average], `${average} precision`);
    }
    // Threshold-free metrics come from the stats' report (at defaults); the panel shows headline() of them.
    const shown = c.stats.report.metrics;
    for (const name of ["roc_auc", "average_precision", "log_loss"]) {
      if (!(name in shown)) continue;
      const expected = headline(shown[name]);
      assert.deepEqual(rows.get(name), [expected], name);
    }
    if (c.task === "binary" && shown.roc_auc.binary !== null) assert.equal(rows.get("roc_auc")[0], shown.roc_auc.binary);
  });
}

test("matrixLayout keeps the axis caption, the title and every name inside the picture", () => {
  const long = "a-class-name-much-longer-than-the-margin-of-two-hundred-and-twenty-pixels";
  for (const names of [["a", "b", "c"], ["cat", long, "bird"], Array.from({length: 30}, (_, k) => `o${k}`)]) {
    const model = tinyModel(names.slice(0, 3));
    const layout = matrixLayout(model, {order: [0, 1, 2], normalization: "count",
      title: "validation \u00b7 a/rather/long/tag/name \u00b7 step 12345"});
    for (const shape of layout.shapes.filter((s) => s.type === "text")) {
      const box = textExtent(shape);
      assert.ok(box.left >= 0 && box.top >= 0, `${shape.text} starts inside`);
      assert.ok(box.right <= layout.width && box.bottom <= layout.height, `${shape.text} ends inside`);
    }
    const caption = layout.shapes.find((s) => s.text === "actual \u2193 / predicted \u2192");
    assert.ok(caption, "the axis caption is drawn in full");
  }
  assert.equal(fitText("short", 100, 12), "short");
  assert.ok(fitText(long, 100, 12).endsWith("\u2026"));
  assert.ok(textExtent({text: fitText(long, 100, 12), size: 12, x: 0, y: 20, anchor: "start"}).right <= 100);
});
