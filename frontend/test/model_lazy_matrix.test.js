// A multiclass model's dense matrix is built only when read: the panel copies models on every render
// (label issue marks, the server's report, superclasses), and a copy that read the matrix would build
// C x C numbers on each slider step at C = 1,000.
import {test} from "node:test";
import assert from "node:assert/strict";
import {denseMatrix} from "../src/lookups.js";
import {modelAt, withFields, withReport} from "../src/model.js";
import {groupedModel} from "../src/class_groups.js";
import {fixtures} from "./fixtures.js";

const isLazy = (model) => typeof Object.getOwnPropertyDescriptor(model, "matrix").get === "function";

for (const c of fixtures().cases.filter((x) => x.task === "multiclass")) {
  test(`${c.name}: copies keep the matrix lazy and equal to the cells' dense form`, () => {
    const model = modelAt(c.stats, {cutoff: 0.5});
    assert.ok(isLazy(model));
    const copy = withFields(model, {labelIssues: {shown: false}});
    assert.ok(isLazy(copy), "withFields read the matrix getter");
    assert.deepEqual(copy.labelIssues, {shown: false});
    assert.equal(copy.cells, model.cells);
    assert.deepEqual(copy.matrix, denseMatrix(model.cells));
    const names = c.stats.class_names;
    const grouped = groupedModel(model, names.map((_, k) => `group ${k % 2}`));
    assert.ok(isLazy(grouped));
    assert.deepEqual(grouped.matrix, denseMatrix(grouped.cells));
    assert.equal(grouped.matrix.length, Math.min(2, names.length));
  });

  test(`${c.name}: the server's report replaces the lazy matrix`, () => {
    const model = modelAt(c.stats, {});
    const report = {confusion_matrix: [[7]], metrics: {accuracy: 1}, undefined: []};
    const exact = withReport(model, report);
    assert.equal(exact.matrix, report.confusion_matrix);
    assert.equal(exact.cells, null);
    assert.ok(isLazy(model));
  });
}
