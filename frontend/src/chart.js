// A small line chart on two stacked canvases: the lines (redrawn when the data change) and an
// overlay for markers (redrawn on every threshold step, which stays cheap).

import {h} from "./dom.js";

const MARGIN = {left: 52, right: 12, top: 10, bottom: 34};

/** {element, draw(spec), mark(points), onPick(fn)}: spec = {series: [{x[], y[], color, dashed}],
 * xDomain, yDomain, xLabel, yLabel, xTicks?, formatX?}; points = [{x, y, color, label}]. */
export function createChart({width = 320, height = 240, ariaLabel = "chart"} = {}) {
  const base = h("canvas", {class: "chart-base", role: "img", "aria-label": ariaLabel});
  const overlay = h("canvas", {class: "chart-overlay", "aria-hidden": "true"});
  const element = h("div", {class: "chart", style: {width: `${width}px`, height: `${height}px`}}, base, overlay);
  let spec = null;
  let size = {width, height};
  let lastPoints = [];

  function resize() {
    const ratio = window.devicePixelRatio || 1;
    const w = element.clientWidth || width;
    const hgt = element.clientHeight || height;
    size = {width: w, height: hgt};
    for (const canvas of [base, overlay]) {
      if (canvas.width !== Math.round(w * ratio) || canvas.height !== Math.round(hgt * ratio)) {
        canvas.width = Math.round(w * ratio);
        canvas.height = Math.round(hgt * ratio);
      }
    }
    return ratio;
  }

  const sx = (x) => MARGIN.left + ((x - spec.xDomain[0]) / (spec.xDomain[1] - spec.xDomain[0] || 1)) * (size.width - MARGIN.left - MARGIN.right);
  const sy = (y) => size.height - MARGIN.bottom - ((y - spec.yDomain[0]) / (spec.yDomain[1] - spec.yDomain[0] || 1)) * (size.height - MARGIN.top - MARGIN.bottom);

  let cachedColors = null;
  let cachedTheme = null;
  function colors() {
    // Reading computed styles forces a style pass: once per theme is enough.
    const theme = document.documentElement.dataset.theme;
    if (cachedColors && cachedTheme === theme) return cachedColors;
    cachedTheme = theme;
    cachedColors = readColors();
    return cachedColors;
  }

  function readColors() {
    const styles = getComputedStyle(element);
    const get = (name, fallback) => styles.getPropertyValue(name).trim() || fallback;
    return {text: get("--text", "#202124"), muted: get("--muted", "#5f6368"), grid: get("--grid", "#e0e0e0"), card: get("--card", "#fff")};
  }

  function draw(next) {
    spec = next;
    const ratio = resize();
    const context = base.getContext("2d");
    context.setTransform(ratio, 0, 0, ratio, 0, 0);
    context.clearRect(0, 0, size.width, size.height);
    const c = colors();
    context.font = `11px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif`;
    context.strokeStyle = c.grid;
    context.fillStyle = c.muted;
    context.lineWidth = 1;
    const ticks = (domain, count) => Array.from({length: count + 1}, (_, i) => domain[0] + ((domain[1] - domain[0]) * i) / count);
    context.textAlign = "right";
    context.textBaseline = "middle";
    for (const y of ticks(spec.yDomain, 4)) {
      context.beginPath();
      context.moveTo(MARGIN.left, Math.round(sy(y)) + 0.5);
      context.lineTo(size.width - MARGIN.right, Math.round(sy(y)) + 0.5);
      context.stroke();
      context.fillText((spec.formatY || defaultFormat)(y), MARGIN.left - 6, sy(y));
    }
    context.textAlign = "center";
    context.textBaseline = "top";
    for (const x of spec.xTicks || ticks(spec.xDomain, 4)) {
      context.fillText((spec.formatX || defaultFormat)(x), sx(x), size.height - MARGIN.bottom + 5);
    }
    context.fillText(spec.xLabel || "", (MARGIN.left + size.width - MARGIN.right) / 2, size.height - 14);
    context.save();
    context.translate(10, (MARGIN.top + size.height - MARGIN.bottom) / 2);
    context.rotate(-Math.PI / 2);
    context.textBaseline = "middle";
    context.fillText(spec.yLabel || "", 0, 0);
    context.restore();
    for (const series of spec.series) {
      context.strokeStyle = series.color;
      context.lineWidth = series.width || 2;
      context.setLineDash(series.dashed ? [4, 4] : []);
      context.beginPath();
      series.x.forEach((x, i) => {
        const px = sx(x);
        const py = sy(series.y[i]);
        if (i === 0) context.moveTo(px, py);
        else context.lineTo(px, py);
      });
      context.stroke();
      if (series.dots) {
        context.fillStyle = series.color;
        series.x.forEach((x, i) => {
          context.beginPath();
          context.arc(sx(x), sy(series.y[i]), 2.5, 0, 2 * Math.PI);
          context.fill();
        });
      }
    }
    context.setLineDash([]);
    mark(lastPoints);
  }

  /** Draw markers only (the operating point, the current step). */
  function mark(points) {
    lastPoints = points || [];
    if (!spec) return;
    const ratio = window.devicePixelRatio || 1;
    const context = overlay.getContext("2d");
    context.setTransform(ratio, 0, 0, ratio, 0, 0);
    context.clearRect(0, 0, size.width, size.height);
    const c = colors();
    for (const p of lastPoints) {
      if (p.vertical) {
        context.strokeStyle = p.color;
        context.setLineDash([3, 3]);
        context.beginPath();
        context.moveTo(sx(p.x), MARGIN.top);
        context.lineTo(sx(p.x), size.height - MARGIN.bottom);
        context.stroke();
        context.setLineDash([]);
        continue;
      }
      if (!Number.isFinite(p.x) || !Number.isFinite(p.y)) continue;
      context.beginPath();
      context.arc(sx(p.x), sy(p.y), 5, 0, 2 * Math.PI);
      context.fillStyle = p.color;
      context.fill();
      context.lineWidth = 2;
      context.strokeStyle = c.card;
      context.stroke();
    }
  }

  /** Call fn(x) with the data x under a click. */
  function onPick(fn) {
    overlay.style.cursor = "pointer";
    overlay.addEventListener("click", (event) => {
      if (!spec) return;
      const box = overlay.getBoundingClientRect();
      const fraction = (event.clientX - box.left - MARGIN.left) / (size.width - MARGIN.left - MARGIN.right);
      fn(spec.xDomain[0] + fraction * (spec.xDomain[1] - spec.xDomain[0]));
    });
  }

  return {element, draw, mark, onPick};
}

function defaultFormat(value) {
  return Math.abs(value) >= 100 ? String(Math.round(value)) : String(Number(value.toFixed(2)));
}
