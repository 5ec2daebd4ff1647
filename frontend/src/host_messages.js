// The guest side of TensorBoard's experimental plugin message protocol (TensorBoard's own copy lives
// in tensorboard/components/experimental/plugin_lib and plugin_util; it is not published, so this
// is a small re-implementation). The iframe posts the string "experimental.bootstrap" to its parent
// with a MessagePort; after that every message is a JSON string {type, id, payload, error, isReply}
// on that port. A request gets exactly one reply with the same type and id and isReply = true.
// TensorBoard broadcasts "experimental.DataReloaded" (reload button, auto-reload) and
// "experimental.RunsChanged" (payload: the names of every run) and waits for each guest's reply.

export const DATA_RELOADED = "experimental.DataReloaded";
export const RUNS_CHANGED = "experimental.RunsChanged";
export const GET_RUNS = "experimental.GetRuns";
const BOOTSTRAP = "experimental.bootstrap";

/** Connect to the TensorBoard page embedding this iframe. Returns null outside an iframe, else
 * {listen(type, callback), unlisten(type), send(type, payload) -> Promise of the reply's payload,
 * close()}. A callback's return value (or a promise of it) is the reply's payload; a throw becomes
 * the reply's error. `view` is the window (a stand-in in tests). */
export function connectToHost(view = window) {
  const parent = view.parent;
  if (!parent || parent === view || typeof MessageChannel === "undefined") return null;
  const channel = new MessageChannel();
  const port = channel.port1;
  const listeners = new Map();
  const waiting = new Map();
  let nextId = 0;

  const post = (message) => port.postMessage(JSON.stringify(message));

  port.onmessage = async (event) => {
    let message;
    try {
      message = JSON.parse(event.data);
    } catch {
      return; // not ours
    }
    if (!message || typeof message !== "object" || typeof message.type !== "string") return;
    const {type, id, payload, error, isReply} = message;
    if (isReply) {
      const pending = waiting.get(id);
      if (!pending) return;
      waiting.delete(id);
      if (error) pending.reject(new Error(String(error)));
      else pending.resolve(payload);
      return;
    }
    let replyPayload = null;
    let replyError = null;
    const callback = listeners.get(type);
    if (callback) {
      try {
        const result = await callback(payload);
        replyPayload = result === undefined ? null : result;
      } catch (e) {
        replyError = e instanceof Error ? e.message : String(e);
      }
    }
    post({type, id, payload: replyPayload, error: replyError, isReply: true});
  };
  port.start();
  // The plugin iframe is same-origin with TensorBoard (no sandbox), so the port only goes to a
  // parent of our own origin.
  const origin = view.location && view.location.origin && view.location.origin !== "null" ? view.location.origin : "*";
  parent.postMessage(BOOTSTRAP, origin, [channel.port2]);

  return {
    listen(type, callback) {
      listeners.set(type, callback);
    },
    unlisten(type) {
      listeners.delete(type);
    },
    send(type, payload = null) {
      const id = nextId++;
      const reply = new Promise((resolve, reject) => waiting.set(id, {resolve, reject}));
      post({type, id, payload, error: null, isReply: false});
      return reply;
    },
    close() {
      listeners.clear();
      waiting.clear();
      port.close();
    },
  };
}
