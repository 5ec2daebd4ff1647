// A small line chart on two stacked canvases: the lines (redrawn when the data or the zoom change)
// and an overlay for markers and the hover crosshair (redrawn on every threshold step and mouse
// move, which stays cheap). The hover values, the zoom's reset button and the pins (e.g. the best
// epoch) are DOM elements with text content: run names are user strings.
//
// Mouse: hover shows a crosshair and every series' value; with `zoom`, drag a box to zoom in and
// double click (or the Reset zoom button) to go back. Keyboard: the chart takes the focus (Tab);
// ← → (Shift: ten at a time), Home and End move the crosshair, Enter picks its x (onPick), Escape
// hides it; with `zoom`, + and - zoom around the crosshair and 0 resets.

import {h, replaceChildren} from "./dom.js";
import {chartKeyAction, nearestPoints, nearestX, zoomRange} from "./chart_interaction.js";
import {drawAxes} from "./chart_axes.js";

const MARGIN = {left: 52, right: 12, top: 10, bottom: 34};
const FONT = `11px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif`;
const MIN_BOX = 6; // pixels: a smaller drag is a click

/** {element, draw(spec), mark(points), onPick(fn), view(), resetZoom()}.
 * spec = {series: [{x[], y[], color, dashed?, width?, dots?, label?, t?[]}], xDomain, yDomain,
 *   xLabel, yLabel, xTicks?, formatX?, formatY?, snap?: "x" | "point", describe?(hits, at),
 *   pins?: [{x, y, color, label}], zoomKey?}.
 * Series with a `label` answer the hover: snap "x" (the default) puts the crosshair on the nearest
 * x of any series and reads every series there; snap "point" reads each series' point nearest the
 * cursor (curves, which may be vertical). describe(hits, at) returns {title, rows: [{color, label,
 * text, data?}]} for the hover box; hits are [{series, index, x, y}]. points = [{x, y, color} or
 * {x, vertical: true, color}]. */
export function createChart({width = 320, height = 240, ariaLabel = "chart", zoom = false} = {}) {
  const base = h("canvas", {class: "chart-base", "aria-hidden": "true"});
  const overlay = h("canvas", {class: "chart-overlay", "aria-hidden": "true"});
  const pinLayer = h("div", {class: "chart-pins", "aria-hidden": "true"});
  const brush = h("div", {class: "chart-brush", hidden: true});
  const tip = h("div", {class: "chart-tip", role: "status", "aria-live": "polite", hidden: true});
  const reset = h("button", {type: "button", class: "chart-reset", hidden: true, onclick: (event) => { event.stopPropagation(); resetZoom(); }}, "Reset zoom");
  const hint = zoom ? "; drag a box or press + and - to zoom, double click or 0 to reset" : "";
  const element = h("div", {class: "chart", tabindex: "0", role: "group", "aria-roledescription": "chart",
    "aria-label": `${ariaLabel}. Arrow keys read the values${hint}.`,
    style: {width: `${width}px`, height: `${height}px`}}, base, overlay, pinLayer, brush, reset, tip);
  let spec = null;
  let size = {width, height};
  let lastPoints = [];
  let zoomed = null; // {x: [lo, hi], y: [lo, hi]} or null
  let zoomKey;
  let hover = null; // {mode: "mouse", px, py} or {mode: "key", index}
  let pick = null;
  let drag = null;

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

  /** The visible domains: the zoom box, else the spec's. */
  function view() {
    if (!spec) return null;
    return zoomed ? {x: [...zoomed.x], y: [...zoomed.y]} : {x: [...spec.xDomain], y: [...spec.yDomain]};
  }
  const plotWidth = () => size.width - MARGIN.left - MARGIN.right;
  const plotHeight = () => size.height - MARGIN.top - MARGIN.bottom;
  function sx(x) {
    const [lo, hi] = view().x;
    return MARGIN.left + ((x - lo) / (hi - lo || 1)) * plotWidth();
  }
  function sy(y) {
    const [lo, hi] = view().y;
    return size.height - MARGIN.bottom - ((y - lo) / (hi - lo || 1)) * plotHeight();
  }
  function invert(px, py) {
    const {x: [x0, x1], y: [y0, y1]} = view();
    return {x: x0 + ((px - MARGIN.left) / plotWidth()) * (x1 - x0), y: y0 + ((size.height - MARGIN.bottom - py) / plotHeight()) * (y1 - y0)};
  }

  let cachedColors = null;
  let cachedTheme = null;
  function colors() {
    // Reading computed styles forces a style pass: once per theme is enough.
    const theme = document.documentElement.dataset.theme;
    if (cachedColors && cachedTheme === theme) return cachedColors;
    cachedTheme = theme;
    const styles = getComputedStyle(element);
    const get = (name, fallback) => styles.getPropertyValue(name).trim() || fallback;
    cachedColors = {text: get("--text", "#202124"), muted: get("--muted", "#5f6368"), grid: get("--grid", "#e0e0e0"), card: get("--card", "#fff")};
    return cachedColors;
  }

  function draw(next) {
    if (zoom && next.zoomKey !== zoomKey) {
      zoomKey = next.zoomKey;
      zoomed = null;
    }
    spec = next;
    render();
  }

  function render() {
    const ratio = resize();
    const context = base.getContext("2d");
    context.setTransform(ratio, 0, 0, ratio, 0, 0);
    context.clearRect(0, 0, size.width, size.height);
    drawAxes(context, {spec, view: view(), zoomed: Boolean(zoomed), size, margin: MARGIN, font: FONT,
      colors: colors(), sx, sy});
    context.save();
    clipToPlot(context);
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
    context.restore();
    context.setLineDash([]);
    placePins();
    reset.hidden = !zoomed;
    element.dataset.zoomed = zoomed ? "true" : "false";
    mark(lastPoints);
  }

  function clipToPlot(context) {
    context.beginPath();
    context.rect(MARGIN.left, MARGIN.top, plotWidth(), plotHeight());
    context.clip();
  }

  function placePins() {
    const pins = (spec.pins || []).filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y) && inView(p.x, p.y));
    replaceChildren(pinLayer, pins.map((p) => h("span", {class: "chart-pin", title: p.label,
      dataset: {x: String(p.x), y: String(p.y), run: p.run ?? ""},
      style: {left: `${sx(p.x)}px`, top: `${sy(p.y)}px`, borderColor: p.color}})));
  }

  function inView(x, y) {
    const {x: [x0, x1], y: [y0, y1]} = view();
    const ex = (x1 - x0) * 1e-9;
    const ey = (y1 - y0) * 1e-9;
    return x >= x0 - ex && x <= x1 + ex && y >= y0 - ey && y <= y1 + ey;
  }

  /** Draw markers (the operating point, the current step) and the crosshair. */
  function mark(points) {
    lastPoints = points || [];
    if (!spec) return;
    const ratio = window.devicePixelRatio || 1;
    const context = overlay.getContext("2d");
    context.setTransform(ratio, 0, 0, ratio, 0, 0);
    context.clearRect(0, 0, size.width, size.height);
    const c = colors();
    context.save();
    clipToPlot(context);
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
    const hits = hoverHits();
    if (hits) {
      context.strokeStyle = c.muted;
      context.lineWidth = 1;
      context.setLineDash([2, 3]);
      context.beginPath();
      const crossX = Math.round(hits.px) + 0.5;
      context.moveTo(crossX, MARGIN.top);
      context.lineTo(crossX, size.height - MARGIN.bottom);
      if (hits.py !== null) {
        const crossY = Math.round(hits.py) + 0.5;
        context.moveTo(MARGIN.left, crossY);
        context.lineTo(size.width - MARGIN.right, crossY);
      }
      context.stroke();
      context.setLineDash([]);
      for (const hit of hits.list) {
        context.beginPath();
        context.arc(sx(hit.x), sy(hit.y), 3.5, 0, 2 * Math.PI);
        context.fillStyle = hit.series.color;
        context.fill();
        context.lineWidth = 1.5;
        context.strokeStyle = c.card;
        context.stroke();
      }
    }
    context.restore();
    showTip(hits);
  }

  const hoverable = () => (spec ? spec.series.filter((s) => s.label !== undefined && s.x.length) : []);

  /** The x positions the keyboard walks: every distinct x (snap "x"), or the first hoverable
   * series' points (snap "point"). */
  function keyStops() {
    if ((spec.snap || "x") === "x") return [...new Set(hoverable().flatMap((s) => s.x))].sort((a, b) => a - b);
    const first = hoverable()[0];
    return first ? first.x.map((x, i) => ({x, y: first.y[i]})) : [];
  }

  /** {px, py, list: hits} for the current hover, or null. */
  function hoverHits() {
    if (!hover || !spec) return null;
    const series = hoverable();
    if (!series.length) return null;
    const snap = spec.snap || "x";
    let target;
    if (hover.mode === "key") {
      const stops = keyStops();
      if (!stops.length) return null;
      hover.index = Math.max(0, Math.min(stops.length - 1, hover.index));
      const stop = stops[hover.index];
      target = snap === "x" ? {px: sx(stop), py: null} : {px: sx(stop.x), py: sy(stop.y)};
    } else {
      target = {px: hover.px, py: hover.py};
    }
    const list = [];
    if (snap === "x") {
      const best = nearestX(series, invert(target.px, 0).x);
      for (const s of series) {
        const index = s.x.indexOf(best);
        if (index >= 0) list.push({series: s, index, x: s.x[index], y: s.y[index]});
      }
      return {px: sx(best), py: null, x: best, list};
    }
    nearestPoints(series, target, (x, y) => ({x: sx(x), y: sy(y)}), inView).forEach((index, k) => {
      if (index >= 0) list.push({series: series[k], index, x: series[k].x[index], y: series[k].y[index]});
    });
    const at = invert(target.px, target.py);
    return {px: target.px, py: target.py, x: at.x, y: at.y, list};
  }

  function showTip(hits) {
    if (!hits || !hits.list.length) {
      tip.hidden = true;
      return;
    }
    const {title, rows} = (spec.describe || defaultDescribe)(hits.list, {x: hits.x, y: hits.y ?? null});
    replaceChildren(tip, h("div", {class: "chart-tip-title"}, title),
      rows.map((row) => h("div", {class: "chart-tip-row", dataset: {run: row.label, ...(row.data || {})}},
        h("span", {class: "swatch", style: {background: row.color}}),
        h("span", {class: "chart-tip-label"}, row.label),
        h("span", {class: "chart-tip-value"}, row.text))));
    tip.hidden = false;
    // Beside the crosshair, on the side with more room, inside the chart when it fits; below the
    // Reset zoom button.
    const tipWidth = tip.offsetWidth;
    const left = hits.px > size.width / 2 ? hits.px - tipWidth - 12 : hits.px + 12;
    tip.style.left = `${Math.max(0, Math.min(left, size.width - tipWidth))}px`;
    tip.style.top = `${zoomed ? MARGIN.top + 24 : MARGIN.top}px`;
  }

  function defaultDescribe(hits, at) {
    const format = spec.formatX || ((v) => String(Number(v.toFixed(4))));
    return {title: `${spec.xLabel || "x"} ${format(hits[0]?.x ?? at.x)}`,
      rows: hits.map((hit) => ({color: hit.series.color, label: hit.series.label, text: String(Number(hit.y.toFixed(4)))}))};
  }

  function localPoint(event) {
    const box = overlay.getBoundingClientRect();
    return {px: event.clientX - box.left, py: event.clientY - box.top};
  }
  /** Within the plot area, or `slack` pixels around it (a point drawn on the edge stays reachable). */
  const inPlot = ({px, py}, slack = 0) => px >= MARGIN.left - slack && px <= size.width - MARGIN.right + slack
    && py >= MARGIN.top - slack && py <= size.height - MARGIN.bottom + slack;

  overlay.addEventListener("mousemove", (event) => {
    if (!spec) return;
    const point = localPoint(event);
    if (drag) {
      drag.now = point;
      const left = Math.min(drag.start.px, point.px);
      const top = Math.min(drag.start.py, point.py);
      Object.assign(brush.style, {left: `${left}px`, top: `${top}px`,
        width: `${Math.abs(point.px - drag.start.px)}px`, height: `${Math.abs(point.py - drag.start.py)}px`});
      brush.hidden = false;
    }
    hover = inPlot(point, 8) ? {mode: "mouse", ...point} : null;
    mark(lastPoints);
  });
  overlay.addEventListener("mouseleave", () => {
    hover = null;
    mark(lastPoints);
  });
  if (zoom) {
    overlay.style.cursor = "crosshair";
    overlay.addEventListener("mousedown", (event) => {
      if (!spec || event.button !== 0) return;
      const point = localPoint(event);
      if (!inPlot(point)) return;
      event.preventDefault();
      drag = {start: point, now: point};
    });
    // Released outside the chart: still the end of the drag.
    window.addEventListener("mouseup", () => {
      if (!drag) return;
      const {start, now} = drag;
      drag = null;
      brush.hidden = true;
      if (Math.abs(now.px - start.px) < MIN_BOX || Math.abs(now.py - start.py) < MIN_BOX) return;
      const clamp = (p) => ({px: Math.max(MARGIN.left, Math.min(size.width - MARGIN.right, p.px)),
        py: Math.max(MARGIN.top, Math.min(size.height - MARGIN.bottom, p.py))});
      const a = invert(clamp(start).px, clamp(start).py);
      const b = invert(clamp(now).px, clamp(now).py);
      zoomTo([Math.min(a.x, b.x), Math.max(a.x, b.x)], [Math.min(a.y, b.y), Math.max(a.y, b.y)]);
    });
    overlay.addEventListener("dblclick", (event) => {
      event.preventDefault();
      resetZoom();
    });
  }
  overlay.addEventListener("click", (event) => {
    if (!spec || !pick) return;
    const {px} = localPoint(event);
    pick(invert(px, 0).x);
  });

  element.addEventListener("focus", () => {
    if (!spec || hover) return;
    hover = {mode: "key", index: Math.max(0, keyStops().length - 1)};
    mark(lastPoints);
  });
  element.addEventListener("blur", () => {
    hover = null;
    mark(lastPoints);
  });
  element.addEventListener("keydown", (event) => {
    if (!spec || event.target !== element) return;
    const action = chartKeyAction(event, {zoom, pickable: Boolean(pick)});
    const stops = keyStops();
    if (!action || !stops.length) return;
    const current = hover?.mode === "key" ? hover.index : nearestStop(stops);
    let index = null;
    if (action.move) index = current + action.move;
    else if (action.to) index = action.to === "first" ? 0 : stops.length - 1;
    else if (action.pick) {
      const stop = stops[current];
      pick(typeof stop === "number" ? stop : stop.x);
    } else if (action.hide) {
      hover = null;
      mark(lastPoints);
      return;
    } else if (action.zoom) zoomBy(action.zoom);
    else if (action.reset) resetZoom();
    // The chart's own keys: the panel's step keys (keyboard.js, on the document) must not see them.
    event.preventDefault();
    event.stopPropagation();
    if (index !== null) {
      hover = {mode: "key", index: Math.max(0, Math.min(stops.length - 1, index))};
      mark(lastPoints);
    }
  });

  function nearestStop(stops) {
    const hits = hoverHits();
    if (!hits) return stops.length - 1;
    let best = 0;
    stops.forEach((stop, i) => {
      const x = typeof stop === "number" ? stop : stop.x;
      const bestX = typeof stops[best] === "number" ? stops[best] : stops[best].x;
      if (Math.abs(x - hits.x) < Math.abs(bestX - hits.x)) best = i;
    });
    return best;
  }

  function zoomTo(x, y) {
    if (!(x[1] > x[0]) || !(y[1] > y[0])) return;
    zoomed = {x, y};
    render();
  }

  /** Zoom by `factor` (0.5: in, 2: out) around the crosshair, or the centre; never beyond the
   * spec's domain. */
  function zoomBy(factor) {
    const current = view();
    const hits = hoverHits();
    const centre = hits ? {x: hits.x, y: hits.y ?? (current.y[0] + current.y[1]) / 2}
      : {x: (current.x[0] + current.x[1]) / 2, y: (current.y[0] + current.y[1]) / 2};
    const x = zoomRange(current.x, spec.xDomain, centre.x, factor);
    const y = zoomRange(current.y, spec.yDomain, centre.y, factor);
    if (x[1] - x[0] >= spec.xDomain[1] - spec.xDomain[0] && y[1] - y[0] >= spec.yDomain[1] - spec.yDomain[0]) resetZoom();
    else zoomTo(x, y);
  }

  function resetZoom() {
    if (!zoomed) return;
    zoomed = null;
    render();
  }

  /** Call fn(x) with the data x under a click (or of the crosshair, with Enter). */
  function onPick(fn) {
    pick = fn;
    overlay.style.cursor = "pointer";
  }

  const api = {element, draw, mark, onPick, view, resetZoom, zoomTo,
    /** Where data (x, y) is, in CSS pixels from the chart's top left corner (tests, pins). */
    toPixel: (x, y) => ({x: sx(x), y: sy(y)}),
    /** The labelled series drawn now: [{label, color}]. */
    series: () => (spec ? spec.series.filter((s) => s.label !== undefined).map((s) => ({label: s.label, color: s.color})) : []),
    /** The hover box's text now (null when hidden). */
    tipText: () => (tip.hidden ? null : tip.textContent)};
  // For the browser tests: the chart behind its element.
  element.tbChart = api;
  return api;
}
