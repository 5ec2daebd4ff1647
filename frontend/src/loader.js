// Starts the panel's requests and writes their answers into the store: at most one request per key at
// a time, a failure kept (its error shown) until the selection changes, an optional debounce per name,
// and answers that are no longer wanted dropped. What to ask for is sync.js's job.

/** The cache key of a request, JSON [params, wall time]: the wall time of its step, or for a request
 * of every step of a run (the over-epochs series) the wall times of the run's steps; then the slice
 * filter, when there is one. A step written
 * again (a resumed training) or a new step, seen on reload, changes the key, so it is fetched again. */
export function cacheKey(state, params) {
  const runSteps = state.steps[params.run] || [];
  // The panel's slice filter (slice_filter.js) goes with every key: each slice has its own answers.
  const slice = state.slice?.length ? [state.slice] : [];
  if (params.step === undefined) return JSON.stringify([params, runSteps.map((s) => s.wall_time ?? null), ...slice]);
  const entry = runSteps.find((s) => s.step === params.step);
  return JSON.stringify([params, entry?.wall_time ?? null, ...slice]);
}

/** A loader writing into `store` ({get, set}). The timers and the clock are injectable for tests. */
export function createLoader(store, {
  setTimeout = globalThis.setTimeout,
  clearTimeout = globalThis.clearTimeout,
  now = () => performance.now(),
} = {}) {
  const inflight = new Set();
  const waiting = new Map();
  let selection = null;
  let version = 0;

  /** Count a change of the selection (tag, runs, step, selected cell or slice). */
  function select(state) {
    const current = JSON.stringify([state.tag, state.runs, state.step, state.selected, state.slice]);
    if (current !== selection) {
      selection = current;
      version += 1;
    }
  }

  /** Whether a cache entry has to be fetched: it is missing, or it failed under an earlier selection.
   * Asking again for a failure on every render would hammer a failing server and hide its error. */
  const needs = (entry) => !entry || (entry.error !== undefined && entry.version !== version);

  /** Fetch `key` with fetch() unless it is in flight. With `debounce: [name, ms]` the request starts
   * once `name` has not been asked for during ms (a slider drag asks once, at its end, with the last
   * parameters). When the answer arrives: if fresh(state) is false it is dropped and the panel renders
   * again, so whatever the state needs now is asked for; else store.set(done(state, value)), or on
   * failure store.set(failed(state, message, version)) with the selection version of the request. */
  function load(key, fetch, {debounce = null, fresh = () => true, done, failed}) {
    if (inflight.has(key)) return;
    const askedAt = version;
    const start = () => {
      if (inflight.has(key)) return;
      inflight.add(key);
      const settle = (patch) => {
        inflight.delete(key);
        store.set((state) => (fresh(state) ? patch(state) : {}));
      };
      fetch().then((value) => settle((state) => done(state, value)),
        (error) => settle((state) => failed(state, error.message, askedAt)));
    };
    if (!debounce) {
      start();
      return;
    }
    const [name, ms] = debounce;
    clearTimeout(waiting.get(name));
    waiting.set(name, setTimeout(start, ms));
  }

  /** load() into the cache `cache` of the state (stats, examples, reports or epochs) when needs() says
   * so: the answer is stored as {[field]: value, at}, a failure as {error, version, at}; then
   * prune(entries, state) trims the cache. */
  function cached(cache, key, field, fetch, {debounce = null, fresh, prune = (entries) => entries} = {}) {
    if (!needs(store.get()[cache][key])) return;
    const put = (state, entry) => ({[cache]: prune({...state[cache], [key]: entry}, state)});
    load(key, fetch, {debounce, fresh,
      done: (state, value) => put(state, {[field]: value, at: now()}),
      failed: (state, error, failedVersion) => put(state, {error, version: failedVersion, at: now()})});
  }

  return {select, needs, load, cached};
}
