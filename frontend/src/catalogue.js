// The metric catalogue the server ships (the `catalogue` route, built from tb_confusion/catalogue.py):
// which metrics each view lists, in catalogue order. The panel keeps no metric list of its own, so a
// metric added to the catalogue shows in the summary, over epochs and in the CSV export unchanged.

/** The catalogue the panel keeps when the route failed: no metrics, and the error (a reload asks again). */
export const failedCatalogue = (error) => ({tasks: [], metrics: [], error});

/** The catalogue's metrics that `task` has; none before the catalogue loaded (null). */
function metricsOf(catalogue, task) {
  return (catalogue?.metrics || []).filter((metric) => metric.tasks.includes(task));
}

/** The metrics of the summary and of the over-epochs picker. */
export function headlineMetrics(catalogue, task) {
  return metricsOf(catalogue, task).filter((metric) => metric.headline);
}

/** The per-class table's columns: the "compact" ones, plus the "full" ones when `wide` (the CSV
 * export, like the CLI's wide table). */
export function tableColumns(catalogue, task, {wide = false} = {}) {
  const wanted = wide ? ["compact", "full"] : ["compact"];
  return metricsOf(catalogue, task).filter((metric) => wanted.includes(metric.column));
}

/** Keys of the metrics that do not move with the threshold: the panel takes them from the server's
 * report instead of computing them. */
export function reportedKeys(catalogue) {
  return new Set((catalogue?.metrics || []).filter((metric) => !metric.decision).map((metric) => metric.key));
}

/** Keys of the metrics the browser computes at each threshold: those that move with it and that a
 * view lists (in the summary, over epochs or as a table column). A threshold metric no view lists
 * (F-beta, at the report's beta) is left to the report. */
export function computedKeys(catalogue) {
  return new Set((catalogue?.metrics || []).filter((metric) => metric.decision && (metric.headline || metric.column))
    .map((metric) => metric.key));
}
