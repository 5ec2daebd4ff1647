// A metric over every epoch at the chosen threshold (the `epochs` route), one line per run in the
// run's TensorBoard colour; the current step is marked, each run's best epoch is ringed (highest or
// lowest as the catalogue's `higher_is_better` says), the hover (or the keyboard on the focused
// chart) reads every run's value at a step, and a click jumps to the nearest step. The y axis fits
// the values unless "Fit y to data" is unticked (then a score is drawn on [0, 1]).

import {h, replaceChildren, setText} from "./dom.js";
import {runColors} from "./run_colors.js";
import {createChart} from "./chart.js";
import {fitDomain} from "./scale.js";
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

/** The y range of a metric's chart with "Fit y to data" off: a loss (lower is better) is scaled to
 * its values, a score is drawn on [0, 1] (lower when it goes below 0, like kappa and MCC). */
export function yRange(metric, ys) {
  if (metric && !metric.higher_is_better) return [0, Math.max(1e-9, ...ys) * 1.1];
  return [Math.min(0, ...ys), 1];
}

/** The y range fitted to the values: a score stays within [-1, 1], a loss above 0. */
export function fittedYRange(metric, ys) {
  return fitDomain(ys, {bounds: metric && !metric.higher_is_better ? [0, Infinity] : [-1, 1]});
}

/** The best of `points` ([{x: step, y}]) for a metric: the highest y, or the lowest when lower is
 * better (`higher_is_better` false); ties go to the earliest step. null without points. */
export function bestPoint(points, higherIsBetter = true) {
  let best = null;
  for (const p of points) {
    if (!Number.isFinite(p.y)) continue;
    if (best === null || (higherIsBetter ? p.y > best.y : p.y < best.y) || (p.y === best.y && p.x < best.x)) best = p;
  }
  return best;
}

/** One run's line: its steps and values of metric `key`, the steps without a value left out. */
export function seriesPoints(entrySeries, key) {
  return entrySeries.map((e) => ({x: e.step, y: headline(e.metrics?.[key])}))
    .filter((p) => p.y !== null && Number.isFinite(p.y));
}

export function createEpochsView(actions) {
  const metricSelect = h("select", {id: "epoch-metric", "aria-label": "Metric", onchange: (event) => actions.setEpochMetric(event.target.value)});
  const fitBox = h("input", {type: "checkbox", id: "epoch-fit-y", checked: true, onchange: () => redraw()});
  const chart = createChart({width: 520, height: 220, ariaLabel: "Metric over epochs"});
  const legend = h("ul", {class: "legend chart-legend", "aria-label": "Runs"});
  const caption = h("p", {class: "note"});
  const status = h("div", {class: "card-status"});
  const element = h("section", {class: "card epochs-card", "aria-label": "Metric over epochs"},
    h("div", {class: "card-head"}, h("h2", {}, "Over epochs"),
      h("div", {class: "chart-controls"},
        h("label", {class: "field"}, h("span", {class: "field-label"}, "Metric"), metricSelect),
        h("label", {class: "field chart-toggle", title: "Untick to draw a score on 0 to 1"}, fitBox, h("span", {}, "Fit y to data")))),
    status, chart.element, legend, caption);
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
  let lastArgs = null;
  let lines = [];
  let shownMetric = null;
  runColors.onChange(() => redraw());

  function redraw() {
    if (lastArgs) {
      drawnKey = null;
      update(lastArgs);
    }
  }

  function update(args) {
    lastArgs = args;
    const {state, steps: allSteps, task, series} = args;
    element.hidden = task === null;
    if (task === null) return;
    steps = allSteps;
    if (state.tag !== tagShown) {
      tagShown = state.tag;
      lastSeries = new Map();
    }
    const {metrics, shown} = epochMetrics(state.catalogue, task, state.epochMetric);
    shownMetric = shown;
    const nextOptions = JSON.stringify(metrics.map((metric) => [metric.key, metric.label]));
    if (nextOptions !== optionsKey) {
      optionsKey = nextOptions;
      replaceChildren(metricSelect, metrics.map((metric) => h("option", {value: metric.key}, metric.label)));
    }
    const metricKey = shown?.key ?? null;
    metricSelect.value = metricKey ?? "";
    const errors = series.filter((s) => s.entry?.error);
    replaceChildren(status, errors.map((s) => h("div", {class: "error"}, `${s.run}: ${s.entry.error}`)));
    const fresh = series.map((s) => ({...s}));
    for (const s of fresh) {
      if (s.entry?.series) lastSeries.set(s.run, s.entry);
      else if (lastSeries.has(s.run)) s.entry = lastSeries.get(s.run);
    }
    const loading = series.some((s) => !s.entry);
    chart.element.classList.toggle("stale", loading);
    const ready = fresh.filter((s) => s.entry?.series);
    const fit = fitBox.checked;
    const key = JSON.stringify([ready.map((s) => [s.run, s.entry.series.length]), metricKey, state.theme, state.tag, fit, runColors.version()]);
    if (key !== drawnKey || ready.some((s) => s.entry !== drawnEntries.get(s.run))) {
      drawnKey = key;
      drawnEntries = new Map(ready.map((s) => [s.run, s.entry]));
      const higher = shown?.higher_is_better !== false;
      lines = ready.map((s) => {
        const points = seriesPoints(s.entry.series, metricKey);
        return {x: points.map((p) => p.x), y: points.map((p) => p.y), color: runColors.color(s.run, state.theme),
          dots: points.length < 60, label: s.run, best: bestPoint(points, higher)};
      });
      const ys = lines.flatMap((l) => l.y);
      const xs = lines.flatMap((l) => l.x).concat(allSteps);
      const xMin = xs.length ? Math.min(...xs) : 0;
      const xMax = xs.length ? Math.max(...xs) : 1;
      const xDomain = [xMin, xMax === xMin ? xMin + 1 : xMax];
      const label = shown?.label ?? "";
      chart.draw({series: lines, xDomain, yDomain: fit ? fittedYRange(shown, ys) : yRange(shown, ys), xLabel: "step",
        xTicks: integerTicks(xDomain), yLabel: label, formatX: (v) => String(v), snap: "x",
        pins: lines.filter((l) => l.best).map((l) => ({x: l.best.x, y: l.best.y, color: l.color, run: l.label,
          label: `${l.label}: best ${label} ${formatMetric(l.best.y)} at step ${l.best.x}`})),
        describe: (hits, at) => ({title: `step ${hits[0]?.x ?? Math.round(at.x)}`,
          rows: hits.map((hit) => ({color: hit.series.color, label: hit.series.label, text: formatMetric(hit.y),
            data: {step: String(hit.x), value: String(hit.y)}}))})});
      const word = higher ? "highest" : "lowest";
      replaceChildren(legend, lines.map((l) => h("li", {class: "legend-item", dataset: {run: l.label, color: l.color, ...(l.best ? {bestStep: String(l.best.x), bestValue: String(l.best.y)} : {})}},
        h("span", {class: "swatch", style: {background: l.color}}),
        h("span", {class: "legend-run"}, l.label),
        h("span", {class: "legend-values", title: `The ${word} ${label} of the run's epochs`},
          l.best ? `best ${formatMetric(l.best.y)} at step ${l.best.x}` : "no values"))));
    }
    chart.mark(state.step === null ? [] : [{x: state.step, vertical: true, color: "#f57c00"}]);
    const at = decisionText(taskInfo(task).decision, state);
    const current = ready.map((s) => {
      const e = s.entry.series.find((p) => p.step === state.step);
      return e ? `${s.run} ${formatMetric(headline(e.metrics?.[metricKey]))}` : null;
    }).filter(Boolean).join(" \u00b7 ");
    const best = shownMetric ? ` Rings mark each run's best epoch (${shownMetric.higher_is_better === false ? "lowest" : "highest"} ${shownMetric.label}).` : "";
    setText(caption, `At ${at}, every epoch${current ? ` \u2014 step ${state.step}: ${current}` : ""}.${best} Click the chart to jump to a step.`);
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
