// Cell colours: correct predictions (the diagonal) in blue, errors in orange, each a sequential
// ramp from the card background. Blue/orange stay distinct under every common colour-vision
// deficiency (the Okabe-Ito pair), and the two ramps never share a hue.

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
  const luminance = (0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2]) / 255;
  const text = luminance > 0.55 ? (theme === "dark" ? "#111" : "#202124") : "#fff";
  return {fill: `rgb(${rgb.join(",")})`, text};
}

/** The distinct line colours of runs on the curve and epoch charts (Okabe-Ito). */
export const RUN_COLORS = ["#e69f00", "#0072b2", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#f0e442", "#999999"];
