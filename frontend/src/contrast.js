// WCAG contrast: relative luminance of sRGB colours and the contrast ratio of two colours, used to
// pick the text colour of a matrix cell whose fill comes from the colour ramps (colors.js).

/** [r, g, b] (0-255) of "rgb(1, 2, 3)", "rgba(...)", "#abc" or "#aabbcc"; null otherwise. */
export function parseColor(text) {
  const value = String(text).trim();
  const rgb = value.match(/^rgba?\(\s*([\d.]+)[\s,]+([\d.]+)[\s,]+([\d.]+)/i);
  if (rgb) return rgb.slice(1, 4).map(Number);
  const hex = value.match(/^#([0-9a-f]{3}|[0-9a-f]{6})$/i);
  if (!hex) return null;
  const digits = hex[1].length === 3 ? [...hex[1]].map((d) => d + d) : hex[1].match(/../g);
  return digits.map((d) => parseInt(d, 16));
}

/** WCAG 2 relative luminance of an [r, g, b] colour. */
export function luminance([r, g, b]) {
  const linear = (c) => {
    const s = c / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b);
}

/** The contrast ratio (1 to 21) of two colours given as CSS text or [r, g, b]. */
export function contrastRatio(a, b) {
  const la = luminance(Array.isArray(a) ? a : parseColor(a));
  const lb = luminance(Array.isArray(b) ? b : parseColor(b));
  return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
}

/** Of a dark and a light text colour, the one with the higher contrast on `fill` (CSS text or [r, g, b]); when neither
 * reaches 4.5:1 (mid-tone fills), black or white, whichever is higher. */
export function readableText(fill, {dark = "#111111", light = "#ffffff"} = {}) {
  const onDark = contrastRatio(dark, fill);
  const onLight = contrastRatio(light, fill);
  if (Math.max(onDark, onLight) >= 4.5) return onDark >= onLight ? dark : light;
  return contrastRatio("#000000", fill) >= onLight ? "#000000" : light;
}
