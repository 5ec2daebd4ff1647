// Dark mode: TensorBoard puts "dark-mode" on its own <body> and tells plugins nothing, so the
// panel (same origin) watches the parent page, falling back to the system preference.

/** "dark" or "light" now. */
export function currentTheme() {
  try {
    const body = window.parent !== window ? window.parent.document.body : null;
    if (body) return body.classList.contains("dark-mode") ? "dark" : "light";
  } catch {
    // Cross-origin parent (an unusual proxy): use the system preference.
  }
  return window.matchMedia?.("(prefers-color-scheme: dark)").matches ? "dark" : "light";
}

/** Call onChange(theme) now and whenever TensorBoard's or the system's theme changes. */
export function watchTheme(onChange) {
  let last = null;
  const check = () => {
    const theme = currentTheme();
    if (theme !== last) {
      last = theme;
      document.documentElement.dataset.theme = theme;
      onChange(theme);
    }
  };
  check();
  try {
    if (window.parent !== window && window.parent.document.body) {
      new window.parent.MutationObserver(check).observe(window.parent.document.body, {attributes: true, attributeFilter: ["class"]});
    }
  } catch {
    // ignore: see currentTheme
  }
  window.matchMedia?.("(prefers-color-scheme: dark)").addEventListener?.("change", check);
}
