import {test} from "node:test";
import assert from "node:assert/strict";
import {focusKind, installKeyboard, keyCommand} from "../src/keyboard.js";

const press = (key, extra = {}) => ({key, altKey: false, ctrlKey: false, metaKey: false, repeat: false, ...extra});

/** An element stand-in: `tag` answers matches(), `inside` says whether closest() finds a control. */
const element = (tag, inside = false) => ({
  matches: (selector) => selector.split(", ").includes(tag),
  closest: () => (inside ? {} : null),
});

test("focusKind(target) is \"field\" in an input, select or textarea, \"control\" in a button or scroller, else null", () => {
  assert.equal(focusKind(element("input")), "field");
  assert.equal(focusKind(element("select", true)), "field");
  assert.equal(focusKind(element("textarea")), "field");
  assert.equal(focusKind(element("div", true)), "control");
  assert.equal(focusKind(element("body")), null);
  assert.equal(focusKind({}), null); // the document itself
});

test("keyCommand: the arrows and j/k step back and forth wherever no field has the focus", () => {
  for (const focus of [null, "control"]) {
    assert.deepEqual(keyCommand(press("ArrowLeft"), focus), {action: "stepBy", args: [-1], preventDefault: true});
    assert.deepEqual(keyCommand(press("j"), focus), {action: "stepBy", args: [-1], preventDefault: true});
    assert.deepEqual(keyCommand(press("ArrowRight"), focus), {action: "stepBy", args: [1], preventDefault: true});
    assert.deepEqual(keyCommand(press("k"), focus), {action: "stepBy", args: [1], preventDefault: true});
  }
  assert.equal(keyCommand(press("ArrowLeft"), "field"), null);
});

test("keyCommand: space plays or pauses only when no control has the focus, and not while held down", () => {
  assert.deepEqual(keyCommand(press(" "), null), {action: "togglePlay", args: [], preventDefault: true});
  assert.equal(keyCommand(press(" "), "control"), null);
  assert.equal(keyCommand(press(" "), "field"), null);
  assert.equal(keyCommand(press(" ", {repeat: true}), null), null);
});

test("keyCommand: Escape clears the selection and keeps the browser's default; modified and other keys do nothing", () => {
  assert.deepEqual(keyCommand(press("Escape"), "control"), {action: "clearSelection", args: [], preventDefault: false});
  for (const modifier of ["altKey", "ctrlKey", "metaKey"]) assert.equal(keyCommand(press("ArrowLeft", {[modifier]: true}), null), null);
  assert.equal(keyCommand(press("a"), null), null);
});

test("installKeyboard(target, actions) runs the action of a keydown and prevents the browser's default", () => {
  let listener = null;
  const target = {addEventListener: (type, fn) => { assert.equal(type, "keydown"); listener = fn; }};
  const called = [];
  installKeyboard(target, {stepBy: (delta) => called.push(["stepBy", delta]), togglePlay: () => called.push(["togglePlay"])});
  let prevented = 0;
  const event = (key, on) => ({...press(key), target: on, preventDefault: () => { prevented += 1; }});
  listener(event("ArrowRight", element("body")));
  listener(event(" ", element("body")));
  listener(event(" ", element("button", true)));
  listener(event("ArrowRight", element("input")));
  assert.deepEqual(called, [["stepBy", 1], ["togglePlay"]]);
  assert.equal(prevented, 2);
});
