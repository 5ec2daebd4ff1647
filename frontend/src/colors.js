// Cell colours: correct predictions (the diagonal) in blue, errors in orange, each a sequential
// ramp from the card background. Blue/orange stay distinct under every common colour-vision
// deficiency (the Okabe-Ito pair), and the two ramps never share a hue.

import {readableText} from "./contrast.js";

const RAMPS = {
  light: {background: [255, 255, 255], correct: [0, 90, 181], error: [213, 94, 0]},
  dark: {background: [40, 42, 46], correct: [86, 180, 233], error: [230, 159, 0]},
};

/** {fill, text} CSS colours for a cell with intensity t in [0, 1]. */
export function cellColor(t, {diagonal, theme = "light"}) {
  const ramp = RAMPS[theme] || RAMPS.light;
  const target = diagonal ? ramp.correct : ramp.error;
  const s = Math.max(0, Math.min(1, t)) ** 0.6 * 0.92;
  const rgb = ramp.background.map((b, i) => Math.round(b + (target[i] - b) * s));
  const fill = `rgb(${rgb.join(",")})`;
  let text = TEXT_ON.get(fill);
  if (text === undefined) TEXT_ON.set(fill, text = readableText(rgb)); // >= 4.5:1, as the views draw it
  return {fill, text};
}

// The text colour of each fill drawn so far: at most a few hundred levels per ramp and theme, and a
// large matrix paints thousands of cells a frame.
const TEXT_ON = new Map();

/** The distinct line colours of runs on the curve and epoch charts (Okabe-Ito). */
export const RUN_COLORS = ["#e69f00", "#0072b2", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#f0e442", "#999999"];

// Run colours. TensorBoard's Scalars / Time Series tabs colour a run by its colour id: the runs of
// the experiment in the order of its `data/runs` route (by start time, then name), each new run the
// next id, the id taken modulo its default palette (tensorboard/webapp/util/colors.ts,
// runs_reducers.ts fetchRunsSucceeded, ui_selectors.ts getRunColorMap). Deselecting a run changes no
// id. Below: that palette, the id rule, and the fallback when the run list is out of reach.

/** TensorBoard's default palette (light and dark hex), in colour-id order. */
export const TENSORBOARD_PALETTE = Object.freeze([
  {light: "#425066", dark: "#8e98a3"}, // Slate
  {light: "#12b5cb", dark: "#12b5cb"}, // Cyan
  {light: "#e52592", dark: "#e52592"}, // Pink
  {light: "#f9ab00", dark: "#f9ab00"}, // Yellow
  {light: "#9334e6", dark: "#9334e6"}, // Purple
  {light: "#7cb342", dark: "#7cb342"}, // Light green
  {light: "#e8710a", dark: "#e8710a"}, // Orange
]);

/** The colour TensorBoard gives colour id `id` in `theme`. */
export function tensorboardColor(id, theme = "light") {
  const color = TENSORBOARD_PALETTE[((id % TENSORBOARD_PALETTE.length) + TENSORBOARD_PALETTE.length) % TENSORBOARD_PALETTE.length];
  return theme === "dark" ? color.dark : color.light;
}

/** TensorBoard's colour ids after a fetch of the run list: ids already given stay, every new name
 * (in list order) gets the next one. Returns a new Map; `previous` is left alone. */
export function assignColorIds(previous, runNames) {
  const ids = new Map(previous);
  for (const name of runNames) if (!ids.has(name)) ids.set(name, ids.size);
  return ids;
}

/** Colour-blind-safe colours for a run whose TensorBoard colour is unknown (Okabe-Ito, without
 * the yellow that vanishes on white; dark mode takes the lighter blue first). */
const SAFE = {
  light: ["#0072b2", "#e69f00", "#009e73", "#cc79a7", "#d55e00", "#56b4e9", "#999999"],
  dark: ["#56b4e9", "#e69f00", "#009e73", "#cc79a7", "#d55e00", "#0072b2", "#bbbbbb"],
};

/** 32-bit FNV-1a of a string's UTF-16 code units: the same number for the same name, everywhere. */
export function nameHash(name) {
  let hash = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    hash ^= name.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

/** A stable colour for a run name alone (the fallback): its hash into the colour-blind-safe list. */
export function hashedRunColor(name, theme = "light") {
  const list = theme === "dark" ? SAFE.dark : SAFE.light;
  return list[nameHash(String(name)) % list.length];
}
