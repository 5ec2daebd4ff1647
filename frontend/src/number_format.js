// How numbers read on the panel and in exports.

const integer = new Intl.NumberFormat("en-US", {maximumFractionDigits: 0});
const twoDecimals = new Intl.NumberFormat("en-US", {maximumFractionDigits: 2});

/** A count: "1,234", or "12.57" when weights make it fractional. */
export function formatCount(value) {
  if (value === null || value === undefined || Number.isNaN(value)) return "–";
  return Number.isInteger(value) ? integer.format(value) : twoDecimals.format(value);
}

/** A share in [0, 1] as a percentage with one decimal: "12.3%". */
export function formatPercent(value) {
  if (value === null || value === undefined || !Number.isFinite(value)) return "–";
  return `${(100 * value).toFixed(1)}%`;
}

/** A metric value with four decimals, "–" when missing. */
export function formatMetric(value) {
  if (value === null || value === undefined || !Number.isFinite(value)) return "–";
  return value.toFixed(4);
}

/** A threshold or cutoff: up to 4 decimals, no trailing zeros; Infinity reads "> max". */
export function formatThreshold(value) {
  if (value === Infinity) return "above every score";
  if (value === null || value === undefined || Number.isNaN(value)) return "–";
  return String(Number(value.toFixed(4)));
}
