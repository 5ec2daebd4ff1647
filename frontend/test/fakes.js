// Stand-ins for the browser in the node tests: timers on a manual clock, an api whose answers the test
// gives, and a store that renders only when asked.
import {INITIAL_STATE, createStore} from "../src/state.js";

/** setTimeout/clearTimeout/setInterval/clearInterval on a clock that moves only with tick(ms). */
export function fakeTimers() {
  let now = 0;
  let nextId = 1;
  const pending = new Map();
  const add = (fn, ms, every) => {
    const id = nextId++;
    pending.set(id, {fn, at: now + ms, every});
    return id;
  };
  return {
    setTimeout: (fn, ms) => add(fn, ms, null),
    clearTimeout: (id) => pending.delete(id),
    setInterval: (fn, ms) => add(fn, ms, ms),
    clearInterval: (id) => pending.delete(id),
    now: () => now,
    pending: () => pending.size,
    /** Move the clock by ms, running every timer that comes due, in order. */
    tick(ms) {
      const end = now + ms;
      for (;;) {
        const due = [...pending].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
        if (!due) break;
        const [id, timer] = due;
        now = timer.at;
        if (timer.every) timer.at += timer.every;
        else pending.delete(id);
        timer.fn();
      }
      now = end;
    },
  };
}

/** {api, calls}: every api call is recorded as {route, args, resolve(value), reject(message),
 * settled} and answers only when the test says so. */
export function fakeApi() {
  const calls = [];
  const route = (name) => (...args) => new Promise((resolve, reject) => {
    const call = {route: name, args, settled: false};
    call.resolve = (value) => { call.settled = true; resolve(value); };
    call.reject = (message) => { call.settled = true; reject(new Error(message)); };
    calls.push(call);
  });
  const api = Object.fromEntries(["catalogue", "tags", "steps", "stats", "report", "examples", "epochs"].map((name) => [name, route(name)]));
  return {api, calls};
}

/** An api answering from `answers` ({tags, steps: {run: [...]}, ...}) at once. */
export function answeringApi(answers) {
  const calls = [];
  const api = {
    tags: async () => { calls.push(["tags"]); return answers.tags; },
    steps: async (run, tag) => {
      calls.push(["steps", run, tag]);
      const steps = answers.steps[run];
      if (steps instanceof Error) throw steps;
      return steps;
    },
  };
  return {api, calls};
}

/** A store over the panel's initial state and `patch`; renders (render(state)) only on flush(). */
export function testStore(patch = {}, render = () => {}) {
  return createStore({...INITIAL_STATE, ...patch}, render, {schedule: () => {}});
}

/** Let every settled promise run its callbacks. */
export const settle = () => new Promise((resolve) => setImmediate(resolve));
