import {test} from "node:test";
import assert from "node:assert/strict";
import {EXAMPLE_ORDERS, likelyIssuesText, orderParam} from "../src/examples_order.js";
import {EXAMPLES_PAGE, examplesRequest} from "../src/selection.js";
import {makeActions} from "../src/actions.js";
import {INITIAL_STATE} from "../src/state.js";
import {testStore} from "./fakes.js";

test("orderParam: the route's order for a non-default ordering, null for the default or an unknown one", () => {
  assert.deepEqual(EXAMPLE_ORDERS.map(([value]) => value), ["confidence", "likely_mislabeled"]);
  assert.equal(orderParam("likely_mislabeled"), "likely_mislabeled");
  assert.equal(orderParam("confidence"), null);
  assert.equal(orderParam(undefined), null);
  assert.equal(orderParam("toString"), null);
});

test("likelyIssuesText counts a page's likely label issues, singular and plural, and is empty without a count", () => {
  assert.equal(likelyIssuesText({likely_issues: 0}), "No likely label issues");
  assert.equal(likelyIssuesText({likely_issues: 1}), "1 likely label issue");
  assert.equal(likelyIssuesText({likely_issues: 12345}), "12,345 likely label issues");
  assert.equal(likelyIssuesText({total: 3}), "");
  assert.equal(likelyIssuesText(null), "");
});

test("examplesRequest asks for the likely-mislabeled order only when it is chosen", () => {
  const state = {...INITIAL_STATE, tags: {train: {digits: {task: "multiclass", class_names: ["a", "b", "c"]}}},
    tag: "digits", runs: ["train"], steps: {train: [{step: 2}]}, step: 2, selected: {run: "train", true: 1, pred: 2}};
  const page = {run: "train", tag: "digits", step: 2, true: 1, pred: 2, offset: 0, limit: EXAMPLES_PAGE};
  assert.deepEqual(examplesRequest(state), page);
  assert.deepEqual(examplesRequest({...state, examplesOrder: "likely_mislabeled"}), {...page, order: "likely_mislabeled"});
});

test("setExamplesOrder changes the order and goes back to the first page", () => {
  const store = testStore({examplesOffset: 50});
  assert.equal(store.get().examplesOrder, "confidence");
  makeActions(store).setExamplesOrder("likely_mislabeled");
  assert.equal(store.get().examplesOrder, "likely_mislabeled");
  assert.equal(store.get().examplesOffset, 0);
});
