// The guest side of TensorBoard's plugin messages, against a stand-in for TensorBoard's page.
import {test} from "node:test";
import assert from "node:assert/strict";
import {DATA_RELOADED, GET_RUNS, RUNS_CHANGED, connectToHost} from "../src/host_messages.js";

/** A window whose parent records the bootstrap and keeps the port (TensorBoard's side). */
function fakeWindow() {
  const parent = {posted: [], postMessage(message, origin, ports) { this.posted.push({message, origin, ports}); }};
  return {parent, location: {origin: "http://127.0.0.1:6006"}};
}

/** The host's end of the port: send(message) and the replies received. */
function hostEnd(port) {
  const replies = [];
  let notify = null;
  port.onmessage = (event) => {
    replies.push(JSON.parse(event.data));
    notify?.();
  };
  return {
    replies,
    send: (message) => port.postMessage(JSON.stringify(message)),
    next: () => new Promise((resolve) => { notify = resolve; }),
  };
}

test("bootstraps with a port, answers DataReloaded and RunsChanged with a reply", async () => {
  const view = fakeWindow();
  const host = connectToHost(view);
  assert.equal(view.parent.posted.length, 1);
  const {message, origin, ports} = view.parent.posted[0];
  assert.equal(message, "experimental.bootstrap");
  assert.equal(origin, "http://127.0.0.1:6006");
  assert.equal(ports.length, 1);
  const seen = [];
  host.listen(DATA_RELOADED, (payload) => { seen.push(["reloaded", payload]); });
  host.listen(RUNS_CHANGED, (payload) => { seen.push(["runs", payload]); return "ok"; });
  const end = hostEnd(ports[0]);
  let reply = end.next();
  end.send({type: DATA_RELOADED, id: 0, error: null, isReply: false}); // TensorBoard sends no payload
  await reply;
  assert.deepEqual(end.replies[0], {type: DATA_RELOADED, id: 0, payload: null, error: null, isReply: true});
  reply = end.next();
  end.send({type: RUNS_CHANGED, id: 1, payload: ["train", "validation"], error: null, isReply: false});
  await reply;
  assert.deepEqual(end.replies[1], {type: RUNS_CHANGED, id: 1, payload: "ok", error: null, isReply: true});
  assert.deepEqual(seen, [["reloaded", undefined], ["runs", ["train", "validation"]]]);
  // An unknown type still gets a reply (TensorBoard waits for every guest's).
  reply = end.next();
  end.send({type: "experimental.Other", id: 2, payload: null, error: null, isReply: false});
  await reply;
  assert.deepEqual(end.replies[2], {type: "experimental.Other", id: 2, payload: null, error: null, isReply: true});
  host.close();
  ports[0].close();
});

test("send() resolves with the host's reply, rejects on its error; a throwing listener replies an error", async () => {
  const view = fakeWindow();
  const host = connectToHost(view);
  const port = view.parent.posted[0].ports[0];
  port.onmessage = (event) => {
    const m = JSON.parse(event.data);
    if (m.isReply) return;
    port.postMessage(JSON.stringify(m.type === GET_RUNS
      ? {type: m.type, id: m.id, payload: ["a", "b"], error: null, isReply: true}
      : {type: m.type, id: m.id, payload: null, error: "no such type", isReply: true}));
  };
  assert.deepEqual(await host.send(GET_RUNS), ["a", "b"]);
  await assert.rejects(host.send("experimental.Nope"), /no such type/);
  host.listen(DATA_RELOADED, () => { throw new Error("boom"); });
  const end = hostEnd(port);
  const reply = end.next();
  end.send({type: DATA_RELOADED, id: 5, payload: null, error: null, isReply: false});
  await reply;
  assert.deepEqual(end.replies[0], {type: DATA_RELOADED, id: 5, payload: null, error: "boom", isReply: true});
  host.close();
  port.close();
});

test("outside an iframe there is no host", () => {
  const view = {location: {origin: "http://x"}};
  view.parent = view;
  assert.equal(connectToHost(view), null);
});
