// The panel's state: one object, changed with set(patch); every change in the same frame is
// batched into one render (a slider drag fires many input events but draws once per frame).

/** A store calling `render(state, store)` at most once per animation frame after changes. */
export function createStore(initial, render, {schedule = (fn) => requestAnimationFrame(fn)} = {}) {
  let state = initial;
  let pending = false;
  const store = {
    get: () => state,
    /** Merge `patch` (an object, or a function of the state returning one) and schedule a render. */
    set(patch) {
      const changes = typeof patch === "function" ? patch(state) : patch;
      if (!changes) return;
      state = {...state, ...changes};
      if (!pending) {
        pending = true;
        schedule(() => store.flush());
      }
    },
    /** Render now if anything changed since the last render. */
    flush() {
      if (!pending) return;
      pending = false;
      render(state, store);
    },
  };
  return store;
}
