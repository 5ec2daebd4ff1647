// What a threshold box accepts: a number in [min, max]. Anything else is shown as invalid with a
// message naming the range (and the box goes back to the value in use when it loses the focus);
// nothing out of range is ever applied.

import {formatThreshold} from "./number_format.js";

/** Check the text of a threshold box: {value} for a number within [min, max]; {empty: true} for a
 * blank box (still being typed); {error} otherwise, a sentence naming the allowed range. `badInput`
 * is the input's validity.badInput (a number box reports text it cannot read as "" with it set). */
export function checkThreshold(text, {min = 0, max = 1, name = "Threshold", badInput = false} = {}) {
  const range = `${name} must be a number from ${formatThreshold(min)} to ${formatThreshold(max)}`;
  const raw = String(text ?? "").trim();
  if (raw === "") return badInput ? {error: `${range}.`} : {empty: true};
  const value = Number(raw);
  if (!/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(raw) || !Number.isFinite(value)) return {error: `${range}.`};
  if (value < min || value > max) return {error: `${range}; ${raw} is out of range.`};
  return {value};
}
