import {test} from "node:test";
import assert from "node:assert/strict";
import {cellText, compactCount} from "../src/cell_text.js";
import {cellColor} from "../src/colors.js";
import {contrastRatio, parseColor, readableText} from "../src/contrast.js";

test("cellText writes full numbers when six characters fit", () => {
  assert.equal(cellText(1234, "count"), "1,234");
  assert.equal(cellText(0.1234, "row"), "12.3%");
  assert.equal(cellText(1234, "count", 6), "1,234");
});

test("cellText shortens numbers in small cells", () => {
  assert.equal(cellText(1234, "count", 4), "1.2k");
  assert.equal(cellText(999, "count", 4), "999");
  assert.equal(cellText(0.1234, "row", 4), "12%");
  assert.equal(cellText(0.012, "row", 4), "1.2%");
  assert.equal(cellText(1, "row", 4), "100%");
  assert.equal(cellText(1, "row", 3), "100");
  assert.equal(cellText(0, "row", 3), "0%");
});

test("compactCount keeps counts within four characters", () => {
  assert.deepEqual([0, 7, 999, 1000, 1049, 9949, 9951, 12345, 123456, 999999, 1234567, 12.57].map(compactCount),
    ["0", "7", "999", "1k", "1k", "9.9k", "10k", "12k", "123k", "1M", "1.2M", "13"]);
});

test("contrast ratios follow WCAG 2", () => {
  assert.deepEqual(parseColor("rgb(1, 2, 3)"), [1, 2, 3]);
  assert.deepEqual(parseColor("#fff"), [255, 255, 255]);
  assert.equal(Math.round(contrastRatio("#000", "#fff") * 100) / 100, 21);
  assert.equal(contrastRatio("#777", "#777"), 1);
  // WCAG's worked example: #767676 on white is about 4.54.
  assert.ok(Math.abs(contrastRatio("#767676", "#ffffff") - 4.54) < 0.01);
});

test("readableText picks the text colour with the higher contrast, at least 4.5 on the matrix ramps", () => {
  assert.equal(readableText("rgb(40,42,46)"), "#ffffff");
  assert.equal(readableText("rgb(255,255,255)"), "#111111");
  // Every step of the dark and light ramps (colors.js) reads at 4.5:1 or better.
  const ramps = [[[40, 42, 46], [86, 180, 233]], [[40, 42, 46], [230, 159, 0]], [[255, 255, 255], [0, 90, 181]], [[255, 255, 255], [213, 94, 0]]];
  for (const [from, to] of ramps) {
    for (let s = 0; s <= 0.92; s += 0.01) {
      const fill = from.map((b, i) => Math.round(b + (to[i] - b) * s));
      assert.ok(contrastRatio(readableText(fill), fill) >= 4.5, `${fill}`);
    }
  }
});

test("cellColor's text (what PNG and SVG exports draw) reads at 4.5:1 or more on every fill of both ramps", () => {
  for (const theme of ["light", "dark"]) {
    for (const diagonal of [true, false]) {
      for (let k = 0; k <= 100; k++) {
        const {fill, text} = cellColor(k / 100, {diagonal, theme});
        assert.ok(contrastRatio(text, fill) >= 4.5, `${theme} ${diagonal} ${k}: ${text} on ${fill}`);
      }
    }
  }
});
