// One headline number from a metric that may be a plain number or {per_class, macro, micro, weighted, binary}.

/** The binary (positive class) value when present, else the macro average, else the number itself. */
export function headline(value) {
  if (value === null || value === undefined) return null;
  if (typeof value === "number") return value;
  if (typeof value === "object") return value.binary ?? value.macro ?? null;
  return null;
}
