// The width in px of texts in a font, measured on a canvas (no layout, no DOM insertion).

let context = null;

/** The widest of `texts` in CSS `font` (e.g. "12px sans-serif"), in px; 0 for none. */
export function widestText(texts, font) {
  if (!context) context = document.createElement("canvas").getContext("2d");
  context.font = font;
  let widest = 0;
  for (const text of texts) widest = Math.max(widest, context.measureText(String(text)).width);
  return Math.ceil(widest);
}

/** The font family of the panel (style.css body). */
export const PANEL_FONT = `Roboto, system-ui, -apple-system, "Segoe UI", "Helvetica Neue", Arial, sans-serif`;
