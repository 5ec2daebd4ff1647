import {test} from "node:test";
import assert from "node:assert/strict";
import {anchorX, dockSide} from "../src/drawer.js";
import {exampleColumns, probabilityText} from "../src/examples_view.js";

const element = (left, width, inCard = true) => ({getBoundingClientRect: () => ({left, width}), closest: () => (inCard ? {} : null)});

test("dockSide opens the drawer on the half away from the anchor", () => {
  assert.equal(dockSide(100, 1000), "right");
  assert.equal(dockSide(800, 1000), "left");
  assert.equal(dockSide(null, 1000), "right");
});

test("anchorX: a recent pointer press, else the focused cell, else the card's centre", () => {
  const card = element(500, 400);
  assert.equal(anchorX({pointer: {x: 42, at: 1000}, now: 1500, active: null, card}), 42);
  assert.equal(anchorX({pointer: {x: 42, at: 1000}, now: 5000, active: element(10, 20), card}), 20);
  assert.equal(anchorX({pointer: null, now: 0, active: element(10, 20, false), card}), 700);
  assert.equal(anchorX({pointer: null, now: 0, active: null, card: null}), null);
});

test("examples show the newer fields only when the server sends them", () => {
  assert.deepEqual(exampleColumns([{index: 1, id: "a", true: 0, pred: 1, score: 0.9}]), {trueScore: false, runnerUp: false});
  assert.deepEqual(exampleColumns([{true_score: 0.1, runner_up: null, runner_up_score: null}]), {trueScore: true, runnerUp: false});
  assert.deepEqual(exampleColumns([{true_score: 0.1, runner_up: 2, runner_up_score: 0.05}]), {trueScore: true, runnerUp: true});
  assert.equal(probabilityText(0.97314), "0.9731");
  assert.equal(probabilityText(null), "\u2013");
  assert.equal(probabilityText(undefined), "\u2013");
});
