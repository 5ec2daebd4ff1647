// getJson decides on the HTTP status alone: a 2xx body is data even when its only key is "error".
import {test} from "node:test";
import assert from "node:assert/strict";
import {ApiError, api, getJson} from "../src/api.js";

function mockFetch(status, body) {
  const calls = [];
  globalThis.fetch = async (url) => {
    calls.push(url);
    const text = typeof body === "string" ? body : JSON.stringify(body);
    return {ok: status >= 200 && status < 300, status, text: async () => text};
  };
  return calls;
}

test("a 200 body whose only key is \"error\" is data (a logdir whose only run is named error)", async () => {
  const tags = {error: {fraud: {task: "binary", num_classes: 2}}};
  const calls = mockFetch(200, tags);
  assert.deepEqual(await api.tags(), tags);
  assert.deepEqual(calls, ["./tags"]);
  mockFetch(200, {error: "not an error"});
  assert.deepEqual(await getJson("stats"), {error: "not an error"});
});

test("a non-2xx response is an ApiError with the server's message and status", async () => {
  mockFetch(400, {error: "parameter 'threshold' must be in [0, 1]"});
  await assert.rejects(getJson("epochs", {threshold: 2}), (error) => error instanceof ApiError && error.status === 400
    && error.message === "parameter 'threshold' must be in [0, 1]");
  mockFetch(500, {});
  await assert.rejects(getJson("tags"), (error) => error instanceof ApiError && error.message === "tags: HTTP 500");
  mockFetch(502, "<html>bad gateway</html>");
  await assert.rejects(getJson("tags"), (error) => error instanceof ApiError && error.status === 502 && error.message.startsWith("tags: HTTP 502"));
});
