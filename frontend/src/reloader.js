// TensorBoard's reload button, its auto-reload and new runs: fetch the tags and the selected runs'
// steps again and apply them to the store in one change that keeps the selection.

import {unionSteps} from "./selection.js";

/** {reload, count}. reload() fetches the tags and the selected runs' steps with `api` (api.js's object,
 * a fake in tests) and keeps the selection: the tag (if it still exists), the runs that still have it,
 * the step (the newest one when the latest was shown, so a live training is followed; else the same
 * step, or the last earlier one when it is gone), the thresholds, the selected cell. The statistics of
 * a step are kept unless its wall time changed (the step was written again); examples, reports and
 * over-epochs series are keyed with the wall times of their steps (loader.js cacheKey), so they need
 * nothing here; every failed request (the catalogue's too) is tried again. Overlapping calls run one
 * after another. count() is how many reloads were applied. */
export function createReloader(api, store) {
  let running = null;
  let again = false;
  let done = 0;

  async function once() {
    if (!store.get().tags) return; // the first load is still under way
    const tags = await api.tags();
    const before = store.get();
    const tag = before.tag;
    const runs = tag ? before.runs.filter((run) => tags[run] && tag in tags[run]) : [];
    const steps = await Promise.all(runs.map((run) => api.steps(run, tag).then((list) => list, () => null)));
    store.set((s) => ({...retried(s), ...apply(s, tags, tag, runs, steps)}));
    done += 1;
  }

  function reload() {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      try {
        do {
          again = false;
          await once();
        } while (again);
      } catch (error) {
        store.set({error: `reload: ${error.message}`});
      } finally {
        running = null;
      }
    })();
    return running;
  }

  return {reload, count: () => done};
}

// The change a reload makes to state `s`, given the new tags and the new steps of `runs` (null where
// the request failed) of `tag`, the tag selected when the reload started.
function apply(s, tags, tag, runs, steps) {
  if (s.tag !== tag || !tag) return {tags, ...(s.tag && !Object.values(tags).some((t) => s.tag in t) ? {tag: null} : {})};
  const keepRuns = s.runs.filter((run) => tags[run] && tag in tags[run]);
  if (!keepRuns.length) return {tags, tag: null, runs: [], steps: {}, step: null, selected: null};
  const nextSteps = {...s.steps};
  for (const run of Object.keys(nextSteps)) if (!keepRuns.includes(run)) delete nextSteps[run];
  runs.forEach((run, k) => {
    if (steps[k] && keepRuns.includes(run)) nextSteps[run] = steps[k];
  });
  const union = unionSteps(nextSteps, keepRuns);
  const previous = unionSteps(s.steps, s.runs);
  let step = s.step;
  if (step !== null && union.length && step === previous[previous.length - 1]) {
    step = union[union.length - 1]; // on the latest step: follow the training to the newest one
  } else if (step !== null && union.length && !union.includes(step)) {
    const earlier = union.filter((x) => x <= step);
    step = earlier.length ? earlier[earlier.length - 1] : union[0];
  }
  // A step logged again (same step number, new wall time) has new statistics.
  // Every slice's statistics of such a step (keys [run, tag, step, slice?], selection.js statsKey).
  const stats = withoutErrors(s.stats);
  for (const [key, value] of Object.entries(stats)) {
    const [run, keyTag, step] = keyParts(key);
    if (keyTag !== tag || !keepRuns.includes(run)) continue;
    const entry = (nextSteps[run] || []).find((e) => e.step === step);
    const cached = value.stats;
    if (entry && cached && cached.wall_time !== undefined && entry.wall_time !== undefined && cached.wall_time !== entry.wall_time) delete stats[key];
  }
  const selected = s.selected && keepRuns.includes(s.selected.run) ? s.selected : null;
  return {tags, runs: keepRuns, steps: nextSteps, step, stats, selected};
}

/** The caches without their failed entries, and no catalogue if it failed: sync.js asks for them again. */
function retried(s) {
  return {examples: withoutErrors(s.examples), reports: withoutErrors(s.reports), epochs: withoutErrors(s.epochs),
    attributes: withoutErrors(s.attributes || {}), sliceTables: withoutErrors(s.sliceTables || {}),
    catalogue: s.catalogue?.error !== undefined ? null : s.catalogue};
}

/** A cache without its failed entries. */
function withoutErrors(cache) {
  return Object.fromEntries(Object.entries(cache).filter(([, entry]) => entry.error === undefined));
}

/** [run, tag, step] of a statistics key (selection.js statsKey), or [] for another text. */
function keyParts(key) {
  try {
    const parts = JSON.parse(key);
    return Array.isArray(parts) ? parts : [];
  } catch {
    return [];
  }
}
