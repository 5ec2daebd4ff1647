// The words describing one cell, shared by tooltips, screen-reader labels and the selected-cell readout.

import {formatCount, formatPercent} from "./number_format.js";

/** ["Actual cat → predicted dog", "Count 12", "Row 3.4% (of actual cat)", ...]. */
export function cellLines(rowName, columnName, shares) {
  return [
    `Actual ${rowName} → predicted ${columnName}`,
    `Count ${formatCount(shares.count)}`,
    `Row ${formatPercent(shares.row)} of actual ${rowName}`,
    `Column ${formatPercent(shares.column)} of predicted ${columnName}`,
    `Overall ${formatPercent(shares.all)}`,
  ];
}

/** The text written inside a cell for a normalization. With `chars` (how many characters fit in the
 * cell) below 6, a shorter form: counts as "1.2k", "12k", "1.2M"; shares as "12%", "1.5%", or without
 * the sign ("12") when even that does not fit. The tooltip always has the full numbers. */
export function cellText(value, normalization, chars = Infinity) {
  if (chars >= 6) return normalization === "count" ? formatCount(value) : formatPercent(value);
  if (normalization === "count") return compactCount(value);
  if (value === null || value === undefined || !Number.isFinite(value)) return "–";
  const percent = 100 * value;
  const digits = percent > 0 && percent < 9.95 ? percent.toFixed(1) : String(Math.round(percent));
  return digits.length + 1 <= chars ? `${digits}%` : digits;
}

/** A count in at most 4 characters: 999, 1.2k, 12k, 123k, 1.2M (weighted counts rounded). */
export function compactCount(value) {
  if (value === null || value === undefined || Number.isNaN(value)) return "–";
  const units = [[1e9, "G"], [1e6, "M"], [1e3, "k"]];
  for (const [size, unit] of units) {
    if (Math.abs(value) >= size * 0.9995) {
      const scaled = value / size;
      return `${Math.abs(scaled) < 9.95 ? scaled.toFixed(1).replace(/\.0$/, "") : Math.round(scaled)}${unit}`;
    }
  }
  return Number.isInteger(value) ? String(value) : String(Math.round(value));
}
