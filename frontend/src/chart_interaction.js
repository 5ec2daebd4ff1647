// The pure decisions behind a chart's mouse and keyboard: which key does what, the data point nearest
// the pointer, and the range a zoom step gives. chart.js applies them to its canvases.

/** What a key does on a focused chart: {move: ±n} | {to: "first" | "last"} | {pick: true} |
 * {hide: true} | {zoom: factor} | {reset: true}, or null when the chart leaves the key alone. */
export function chartKeyAction({key, shiftKey = false, altKey = false, ctrlKey = false, metaKey = false},
  {zoom = false, pickable = false} = {}) {
  if (altKey || ctrlKey || metaKey) return null;
  const jump = shiftKey ? 10 : 1;
  if (key === "ArrowRight" || key === "ArrowUp") return {move: jump};
  if (key === "ArrowLeft" || key === "ArrowDown") return {move: -jump};
  if (key === "Home") return {to: "first"};
  if (key === "End") return {to: "last"};
  if (key === "Enter" && pickable) return {pick: true};
  if (key === "Escape") return {hide: true};
  if (zoom && (key === "+" || key === "=" || key === "-")) return {zoom: key === "-" ? 2 : 0.5};
  if (zoom && key === "0") return {reset: true};
  return null;
}

/** The x among every series' x values nearest `atX` (the first one on ties), or null. */
export function nearestX(series, atX) {
  let best = null;
  for (const s of series) for (const x of s.x) if (best === null || Math.abs(x - atX) < Math.abs(best - atX)) best = x;
  return best;
}

/** Per series, the index of its visible point nearest `target` in pixels (`toPixel(x, y)` gives a
 * point's {x, y}); -1 when none is visible. */
export function nearestPoints(series, target, toPixel, visible) {
  return series.map((s) => {
    let bestIndex = -1;
    let bestDistance = Infinity;
    for (let i = 0; i < s.x.length; i++) {
      if (!visible(s.x[i], s.y[i])) continue;
      const p = toPixel(s.x[i], s.y[i]);
      const distance = (p.x - target.px) ** 2 + (p.y - target.py) ** 2;
      if (distance < bestDistance) {
        bestDistance = distance;
        bestIndex = i;
      }
    }
    return bestIndex;
  });
}

/** `range` scaled by `factor` (0.5: zoom in, 2: out) around `centre`, never beyond `home`. */
export function zoomRange(range, home, centre, factor) {
  const span = Math.min((range[1] - range[0]) * factor, home[1] - home[0]);
  const low = Math.max(home[0], Math.min(home[1] - span, centre - span / 2));
  return [low, low + span];
}
