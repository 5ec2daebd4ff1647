// Which steps, stats and requests the current selection needs: pure functions of the state.

/** The sorted union of the steps of the selected runs. */
export function unionSteps(stepsByRun, runs) {
  const all = new Set();
  for (const run of runs) for (const s of stepsByRun[run] || []) all.add(s.step);
  return [...all].sort((a, b) => a - b);
}

/** The step of `run` shown for the chosen step: the same step, else the run's last step before it,
 * else (no step before it) the run's first step, which comes after it; null when the run has no steps. */
export function stepForRun(runSteps, step) {
  if (!runSteps || !runSteps.length) return null;
  let best = null;
  for (const s of runSteps) {
    if (s.step <= step) best = s.step;
    else break;
  }
  return best === null ? runSteps[0].step : best;
}

/** The order of runs, in the toolbar's chips and the cards alike: train, validation, test first (that
 * order, by the last part of the run's path), then the rest by name. A comparator for sort(). */
export function runOrder(a, b) {
  const rank = (run) => {
    const name = run.split("/").pop().toLowerCase();
    const i = ["train", "training", "validation", "val", "valid", "test", "eval"].indexOf(name);
    return i < 0 ? 99 : i;
  };
  return rank(a) - rank(b) || a.localeCompare(b);
}

/** The cache key of one (run, tag, step). */
export const statsKey = (run, tag, step) => JSON.stringify([run, tag, step]);

/** The threshold parameters of a request for a task. */
export function thresholdParams(task, {threshold, cutoff, labelThresholds}) {
  if (task === "binary") return {threshold};
  if (task === "multilabel") return {thresholds: labelThresholds};
  return {cutoff};
}
