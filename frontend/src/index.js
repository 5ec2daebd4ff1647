// The Confusion tab's entry point: TensorBoard's plugin iframe imports ./index.js and calls render().
// The other modules are served under ./static/ (see tb_confusion/server/plugin.py).

/** Every module the panel imports (app.js and what it imports, transitively). Fetched one import level
 * at a time they took about ten round trips of a cold first paint; preloaded, they are asked for at
 * once. frontend/test/module_list.test.js keeps the list equal to the import graph. */
export const MODULES = [
  "actions.js", "api.js", "app.js", "calibration.js", "calibration_view.js", "card_layout.js", "catalogue.js",
  "cell_text.js", "chart.js", "chart_axes.js", "chart_interaction.js", "class_groups.js", "class_order.js",
  "class_search.js", "colors.js", "contrast.js", "curves.js", "curves_view.js", "diff.js", "diff_view.js",
  "dom.js", "drawer.js", "epochs_view.js", "example_media.js", "examples_order.js", "examples_view.js",
  "export.js", "forgetting_view.js", "formulas.js", "host_messages.js", "keyboard.js", "label_issue_marks.js",
  "loader.js", "lookups.js", "matrix_canvas_view.js", "matrix_math.js", "matrix_table_view.js",
  "metric_value.js", "model.js", "number_format.js", "packed.js", "pager.js", "per_class_table.js",
  "recommend.js", "reloader.js", "run_card_view.js", "run_colors.js", "run_grid_layout.js", "scale.js",
  "scrubber_view.js", "selection.js", "slice_filter.js", "slice_picker_view.js", "slices_view.js", "state.js",
  "summary_view.js", "sync.js", "tasks.js", "temperature_preview.js", "text_width.js", "theme.js",
  "threshold_input.js", "threshold_view.js", "toolbar_view.js", "tooltip.js", "units.js", "url_state.js",
];

/** Ask for every module now (<link rel="modulepreload">; the page's script-src allows 'self'). */
function preloadModules() {
  for (const name of MODULES) {
    const link = document.createElement("link");
    link.rel = "modulepreload";
    link.href = new URL(`./static/${name}`, import.meta.url).href;
    document.head.append(link);
  }
}

export async function render() {
  preloadModules();
  const {renderPanel} = await import("./static/app.js");
  renderPanel();
}
