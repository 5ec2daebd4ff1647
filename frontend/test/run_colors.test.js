// Run colours: TensorBoard's rule (an id per run in the order of its run list, kept when runs come
// and go), its palette, and the stable name hash used when the list is out of reach.
import {test} from "node:test";
import assert from "node:assert/strict";
import {TENSORBOARD_PALETTE, assignColorIds, hashedRunColor, nameHash, tensorboardColor} from "../src/colors.js";
import {createRunColors} from "../src/run_colors.js";

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

test("tensorboardColor(id) is TensorBoard's default palette, wrapping after seven runs", () => {
  assert.equal(tensorboardColor(0, "light"), "#425066");
  assert.equal(tensorboardColor(0, "dark"), "#8e98a3");
  assert.equal(tensorboardColor(1, "light"), "#12b5cb");
  assert.equal(tensorboardColor(7, "light"), tensorboardColor(0, "light"));
  assert.equal(TENSORBOARD_PALETTE.length, 7);
});

test("assignColorIds keeps the ids already given and numbers new names in list order", () => {
  const first = assignColorIds(new Map(), ["train", "validation"]);
  assert.deepEqual([...first], [["train", 0], ["validation", 1]]);
  const later = assignColorIds(first, ["a_new_run", "train", "validation", "zeta"]);
  assert.deepEqual([...later], [["train", 0], ["validation", 1], ["a_new_run", 2], ["zeta", 3]]);
  assert.deepEqual([...first], [["train", 0], ["validation", 1]], "the previous map is left alone");
});

test("hashedRunColor(name) depends on the name alone", () => {
  assert.equal(nameHash(""), 0x811c9dc5);
  assert.equal(nameHash("a"), 0xe40c292c, "FNV-1a of 'a'");
  assert.equal(hashedRunColor("validation"), hashedRunColor("validation"));
  const colors = new Set(["train", "validation", "test", "eval", "run-1", "run-2", "run-3"].map((name) => hashedRunColor(name)));
  assert.ok(colors.size >= 4, "names spread over the palette");
  assert.notEqual(hashedRunColor("train", "dark"), undefined);
});

test("a run's colour comes from TensorBoard's run list, whatever runs the panel shows", async () => {
  let calls = 0;
  const lists = [["train", "validation", "test"], ["train", "validation", "test", "later"]];
  const colors = createRunColors(async () => lists[Math.min(calls++, 1)]);
  let changes = 0;
  colors.onChange(() => { changes += 1; });
  const before = colors.color("validation", "light");
  assert.equal(before, hashedRunColor("validation", "light"), "the hash until the list arrives");
  await settle();
  assert.equal(changes, 1);
  assert.equal(colors.color("validation", "light"), tensorboardColor(1, "light"));
  assert.equal(colors.color("test", "dark"), tensorboardColor(2, "dark"));
  assert.equal(calls, 1);
  // A run the list lacked (it appeared after a reload): the list is asked again, once.
  colors.color("later");
  await settle();
  assert.equal(calls, 2);
  assert.equal(colors.color("later"), tensorboardColor(3, "light"));
  assert.equal(colors.color("validation"), tensorboardColor(1, "light"), "unchanged by the new run");
  colors.color("never-listed");
  await settle();
  colors.color("never-listed");
  await settle();
  assert.equal(calls, 3, "a missing name asks once, not on every colour");
  assert.ok(colors.version() >= 2);
});

test("without the run list every run keeps its hashed colour", async () => {
  const colors = createRunColors(async () => { throw new Error("404"); });
  colors.color("train");
  await settle();
  assert.equal(colors.color("train", "dark"), hashedRunColor("train", "dark"));
  assert.equal(colors.version(), 0);
});

test("preload() asks for the list once, before any colour", async () => {
  let calls = 0;
  const colors = createRunColors(async () => { calls += 1; return ["a", "b"]; });
  colors.preload();
  colors.preload();
  await settle();
  assert.equal(calls, 1);
  assert.equal(colors.color("b", "light"), tensorboardColor(1, "light"), "no hashed colour first");
});
