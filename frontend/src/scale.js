// Axis helpers for chart.js: round tick values, a domain fitted to the data, tick labels with just
// enough decimals to tell the ticks apart.

/** The tick spacing 1, 2 or 5 × 10^k that puts about `count` ticks over [low, high]. */
export function tickStep(low, high, count = 5) {
  const span = Math.abs(high - low);
  if (!(span > 0) || !Number.isFinite(span)) return 1;
  const raw = span / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const ratio = raw / power; // in [1, 10)
  return (ratio < 1.5 ? 1 : ratio < 3 ? 2 : ratio < 7 ? 5 : 10) * power;
}

/** Round values within [low, high], spaced tickStep apart. */
export function niceTicks(low, high, count = 5) {
  const step = tickStep(low, high, count);
  const ticks = [];
  const first = Math.ceil(low / step - 1e-9);
  const last = Math.floor(high / step + 1e-9);
  for (let i = first; i <= last; i++) ticks.push(Number((i * step).toPrecision(12)));
  return ticks;
}

/** A formatter for ticks spaced `step` apart: as many decimals as the step needs. */
export function tickFormat(step) {
  const decimals = Math.max(0, Math.min(10, -Math.floor(Math.log10(step) + 1e-9)));
  return (value) => (Math.abs(value) < step / 1e6 ? 0 : value).toFixed(decimals);
}

/** [low, high] around `values` with a margin, widened to round numbers; within `bounds` (e.g.
 * [0, 1] for a score) when every value is. A single value gets a small band around it. */
export function fitDomain(values, {bounds = [-Infinity, Infinity], margin = 0.08} = {}) {
  const finite = values.filter(Number.isFinite);
  if (!finite.length) return [0, 1];
  let low = Math.min(...finite);
  let high = Math.max(...finite);
  const span = high - low || Math.max(Math.abs(high) * 0.02, 0.01);
  low -= span * margin;
  high += span * margin;
  const step = tickStep(low, high, 5);
  low = Math.floor(low / step + 1e-9) * step;
  high = Math.ceil(high / step - 1e-9) * step;
  const [floor, ceiling] = bounds;
  if (Math.min(...finite) >= floor) low = Math.max(low, floor);
  if (Math.max(...finite) <= ceiling) high = Math.min(high, ceiling);
  if (!(high > low)) high = low + step;
  return [Number(low.toPrecision(12)), Number(high.toPrecision(12))];
}
