// A metric over every epoch at the chosen threshold (the `epochs` route), one line per run; the
// current step is marked and a click on the chart jumps to the nearest step.

import {h, replaceChildren, setText} from "./dom.js";
import {RUN_COLORS} from "./colors.js";
import {createChart} from "./chart.js";
import {formatMetric, formatThreshold} from "./number_format.js";
import {headline} from "./metric_value.js";
import {headlineMetrics} from "./catalogue.js";
import {taskInfo} from "./tasks.js";

/** The picker's metrics (the catalogue's headline ones) and the one shown: the chosen metric, or the
 * first when the task lacks it. */
export function epochMetrics(catalogue, task, chosen) {
  const metrics = headlineMetrics(catalogue, task);
  return {metrics, shown: metrics.find((metric) => metric.key === chosen) || metrics[0] || null};
}

/** The y range of a metric's chart: a loss (lower is better) is scaled to its values, a score is
 * drawn on [0, 1] (lower when it goes below 0, like kappa and MCC). */
export function yRange(metric, ys) {
  if (metric && !metric.higher_is_better) return [0, Math.max(1e-9, ...ys) * 1.1];
  return [Math.min(0, ...ys), 1];
}

export function createEpochsView(actions) {
  const metricSelect = h("select", {id: "epoch-metric", "aria-label": "Metric", onchange: (event) => actions.setEpochMetric(event.target.value)});
  const chart = createChart({width: 520, height: 220, ariaLabel: "Metric over epochs"});
  const caption = h("p", {class: "note"});
  const status = h("div", {class: "card-status"});
  const element = h("section", {class: "card epochs-card", "aria-label": "Metric over epochs"},
    h("div", {class: "card-head"}, h("h2", {}, "Over epochs"), h("label", {class: "field"}, h("span", {class: "field-label"}, "Metric"), metricSelect)),
    status, chart.element, caption);
  let steps = [];
  chart.onPick((x) => {
    if (!steps.length) return;
    let best = steps[0];
    for (const s of steps) if (Math.abs(s - x) < Math.abs(best - x)) best = s;
    actions.setStep(best);
  });
  let drawnKey = null;
  let optionsKey = null;
  // While a new threshold's series loads, the last one stays on screen (dimmed), not an empty chart.
  let lastSeries = new Map();
  let drawnEntries = new Map();
  let tagShown = null;

  function update({state, steps: allSteps, task, series}) {
    element.hidden = task === null;
    if (task === null) return;
    steps = allSteps;
    if (state.tag !== tagShown) {
      tagShown = state.tag;
      lastSeries = new Map();
    }
    const {metrics, shown} = epochMetrics(state.catalogue, task, state.epochMetric);
    const nextOptions = JSON.stringify(metrics.map((metric) => [metric.key, metric.label]));
    if (nextOptions !== optionsKey) {
      optionsKey = nextOptions;
      replaceChildren(metricSelect, metrics.map((metric) => h("option", {value: metric.key}, metric.label)));
    }
    const metricKey = shown?.key ?? null;
    metricSelect.value = metricKey ?? "";
    const errors = series.filter((s) => s.entry?.error);
    replaceChildren(status, errors.map((s) => h("div", {class: "error"}, `${s.run}: ${s.entry.error}`)));
    const fresh = series.map((s, index) => ({...s, index}));
    for (const s of fresh) {
      if (s.entry?.series) lastSeries.set(s.run, s.entry);
      else if (lastSeries.has(s.run)) s.entry = lastSeries.get(s.run);
    }
    const loading = series.some((s) => !s.entry);
    chart.element.classList.toggle("stale", loading);
    const ready = fresh.filter((s) => s.entry?.series);
    const key = JSON.stringify([ready.map((s) => [s.run, s.index, s.entry.series.length]), metricKey, state.theme, state.tag]);
    if (key !== drawnKey || ready.some((s) => s.entry !== drawnEntries.get(s.run))) {
      drawnKey = key;
      drawnEntries = new Map(ready.map((s) => [s.run, s.entry]));
      const lines = ready.map((s) => {
        const points = s.entry.series.map((e) => ({x: e.step, y: headline(e.metrics?.[metricKey])})).filter((p) => p.y !== null && Number.isFinite(p.y));
        return {x: points.map((p) => p.x), y: points.map((p) => p.y), color: RUN_COLORS[s.index % RUN_COLORS.length], dots: points.length < 60};
      });
      const ys = lines.flatMap((l) => l.y);
      const xs = lines.flatMap((l) => l.x).concat(allSteps);
      const xMin = xs.length ? Math.min(...xs) : 0;
      const xMax = xs.length ? Math.max(...xs) : 1;
      const xDomain = [xMin, xMax === xMin ? xMin + 1 : xMax];
      chart.draw({series: lines, xDomain, yDomain: yRange(shown, ys), xLabel: "step", xTicks: integerTicks(xDomain),
        yLabel: shown?.label ?? "", formatX: (v) => String(v)});
    }
    chart.mark(state.step === null ? [] : [{x: state.step, vertical: true, color: "#f57c00"}]);
    const at = decisionText(taskInfo(task).decision, state);
    const current = ready.map((s) => {
      const e = s.entry.series.find((p) => p.step === state.step);
      return e ? `${s.run} ${formatMetric(headline(e.metrics?.[metricKey]))}` : null;
    }).filter(Boolean).join(" \u00b7 ");
    setText(caption, `At ${at}, every epoch${current ? ` \u2014 step ${state.step}: ${current}` : ""}. Click the chart to jump to a step.`);
  }

  return {element, update};
}

/** The decision every epoch is evaluated at, as the caption names it. */
function decisionText(decision, state) {
  if (decision === "threshold") return `threshold ${formatThreshold(state.threshold)}`;
  if (decision === "cutoff") return state.cutoff > 0 ? `confidence cutoff ${formatThreshold(state.cutoff)}` : "argmax";
  return "the per-label thresholds";
}

/** Whole-number ticks over a step range, at most about 8, spaced 1, 2, 5, 10, 20, 50... apart. */
function integerTicks([low, high]) {
  let spacing = null;
  for (let scale = 1; spacing === null; scale *= 10) {
    for (const base of [1, 2, 5]) if (spacing === null && base * scale * 8 >= high - low) spacing = base * scale;
  }
  const ticks = [];
  for (let t = Math.ceil(low / spacing) * spacing; t <= high; t += spacing) ticks.push(t);
  return ticks;
}
