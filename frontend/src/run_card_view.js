// One run's card: its confusion matrix at the chosen step and threshold, the top confusions, the
// per-class metrics and the export buttons.

import {download, h, replaceChildren, setText} from "./dom.js";
import {runColor} from "./run_colors.js";
import {createMatrixTable} from "./matrix_table_view.js";
import {createMatrixCanvas} from "./matrix_canvas_view.js";
import {createPerClassTable} from "./per_class_table.js";
import {classOrder, topConfusions} from "./matrix_math.js";
import {formatCount, formatPercent, formatThreshold} from "./number_format.js";
import {drawLayout, layoutSvg, matrixLayout, reportCsv} from "./export.js";
import {taskInfo} from "./tasks.js";
import {countsText} from "./units.js";
import {tableColumns} from "./catalogue.js";
import {sliceText} from "./slice_filter.js";

export function createRunCard(run, actions) {
  const swatch = h("span", {class: "swatch"});
  const subtitle = h("span", {class: "subtitle"});
  const badge = h("span", {class: "badge warn", hidden: true});
  const labelSelect = h("select", {class: "label-select", "aria-label": "Label", onchange: (event) => actions.setCurveClass(Number(event.target.value))});
  const exportBar = h("div", {class: "export", role: "group", "aria-label": "Export"},
    h("button", {class: "text-button", onclick: () => exportCsv()}, "CSV"),
    h("button", {class: "text-button", onclick: () => exportPicture("png")}, "PNG"),
    h("button", {class: "text-button", onclick: () => exportPicture("svg")}, "SVG"));
  const matrixHolder = h("div", {class: "matrix-holder"});
  const status = h("div", {class: "card-status"});
  const confusions = h("ol", {class: "top-confusions"});
  const confusionsBox = h("div", {class: "confusions-box"},
    h("h3", {}, "Top confusions ", h("span", {class: "h3-note"}, "count (% of the actual class)")), confusions);
  const perClass = createPerClassTable({label: `Per-class metrics of run ${run}`});
  const body = h("div", {class: "run-body"}, matrixHolder, h("div", {class: "side"}, confusionsBox, perClass.element));
  // Two lines of fixed height (names and the subtitle cut with an ellipsis, never wrapped), so the
  // matrices of the cards in a row start at the same height.
  const element = h("article", {class: "card run-card", "aria-label": `Run ${run}`},
    h("div", {class: "card-head run-head"},
      h("div", {class: "head-line"}, h("h2", {}, swatch, h("span", {class: "run-name", title: run}, run)), exportBar),
      h("div", {class: "head-line"}, subtitle, badge, labelSelect)),
    status, body);

  let view = null;
  let matrixView = null;
  let matrixKind = null;
  let labelsKey = null;

  function displayed(props) {
    // Per-label matrices (multilabel): the chosen label's 2x2 matrix; otherwise the model itself.
    const {model, state} = props;
    if (taskInfo(model.task).matrix !== "labels") return model;
    const k = Math.min(state.curveClass, model.labelNames.length - 1);
    const name = model.labelNames[k];
    return {...model, matrix: model.labelMatrices[k], cells: null, classNames: [`not ${name}`, name], columnNames: [`not ${name}`, name]};
  }

  function update(props) {
    view = props;
    const {state, model, step, error, stats, layout = null} = props;
    swatch.style.background = runColor(run, state.theme); // as on the charts and in TensorBoard
    body.hidden = !model || Boolean(error);
    exportBar.hidden = body.hidden;
    if (error) {
      replaceChildren(status, h("div", {class: "error"}, error));
      return;
    }
    if (!model) {
      replaceChildren(status, h("div", {class: "loading"}, step === null ? "No steps in this run." : "Loading\u2026"));
      setText(subtitle, step === null ? "" : `step ${step}`);
      return;
    }
    replaceChildren(status);
    const task = taskInfo(model.task);
    const only = (model.grouped ? ` \u00b7 ${model.classNames.length} superclasses` : "")
      + (state.slice?.length ? ` \u00b7 only ${sliceText(state.slice)}` : "");
    setText(subtitle, `step ${step} \u00b7 ${countsText(model, stats.weighted)} \u00b7 ${decisionText(task, state)}${only}`);
    subtitle.title = subtitle.textContent;
    badge.hidden = stats.exact !== false;
    setText(badge, model.exact ? "exact (from the server)" : "approximate while the exact numbers load");
    labelSelect.hidden = task.matrix !== "labels";
    if (task.matrix === "labels") {
      const key = JSON.stringify(model.labelNames);
      if (key !== labelsKey) {
        labelsKey = key;
        replaceChildren(labelSelect, model.labelNames.map((name, k) => h("option", {value: k}, name)));
      }
      labelSelect.value = String(state.curveClass);
    }
    const shown = displayed(props);
    // The table when the layout found a size that fits the card (up to 30 classes), else the canvas.
    const kind = layout && !layout.fit ? "canvas" : "table";
    if (kind !== matrixKind) {
      matrixKind = kind;
      // Of the shown label, when per label; a cell of superclasses lists the examples of its classes' cells.
      const onSelect = (i, j) => actions.selectCell(run, i, j, null, Boolean(view?.model?.grouped));
      matrixView = kind === "canvas" ? createMatrixCanvas({onSelect}) : createMatrixTable({onSelect});
      matrixHolder.replaceChildren(matrixView.element);
      matrixHolder.dataset.kind = kind;
    }
    const order = shown.cells ? classOrder(null, state.sort, shown.cells) : classOrder(shown.matrix, state.sort);
    const selected = state.selected && state.selected.run === run && Boolean(state.selected.grouped) === Boolean(model.grouped)
      && (!task.cell_needs_label || state.selected.label === state.curveClass) ? state.selected : null;
    matrixView.update({model: shown, order, normalization: state.normalization, selected, theme: state.theme, fit: layout?.fit || null});
    updateConfusions(shown, task.cell_needs_label ? state.curveClass : null);
    perClass.update(model.labelNames || model.classNames, model.metrics, tableColumns(state.catalogue, model.task));
  }

  // The top confusions: a fixed set of list items whose texts change in place (a cutoff step
  // changes most counts; rebuilding the list each step cost more than setting its texts).
  const confusionItems = [];
  let confusionTargets = [];
  function updateConfusions(shown, label) {
    const top = shown.classNames.length <= 2 ? [] : shown.cells ? topConfusions(null, 8, shown.cells) : topConfusions(shown.matrix, 8);
    confusionsBox.hidden = !top.length;
    confusionTargets = top.map((c) => ({true: c.true, pred: c.pred, label}));
    while (confusionItems.length < top.length) {
      const k = confusionItems.length;
      const from = h("span", {class: "from"});
      const to = h("span", {class: "to"});
      const count = h("span", {class: "count"});
      const item = h("li", {}, h("button", {class: "link-button", onclick: () => {
        const target = confusionTargets[k];
        if (target) actions.selectCell(run, target.true, target.pred, target.label, Boolean(view?.model?.grouped));
      }}, from, " \u2192 ", to, count));
      confusionItems.push({item, from, to, count});
    }
    top.forEach((c, k) => {
      const {item, from, to, count} = confusionItems[k];
      setText(from, shown.classNames[c.true]);
      setText(to, shown.columnNames[c.pred]);
      setText(count, ` ${formatCount(c.count)} (${formatPercent(c.rowShare)} of actual)`);
      item.firstChild.title = `${formatCount(c.count)} of the actual ${shown.classNames[c.true]} (${formatPercent(c.rowShare)}) predicted ${shown.columnNames[c.pred]}`;
      if (item.parentNode !== confusions) confusions.append(item);
    });
    for (let k = top.length; k < confusionItems.length; k++) confusionItems[k].item.remove();
  }

  function filename(extension) {
    const safe = (text) => String(text).replace(/[^A-Za-z0-9._-]+/g, "_").replace(/^_+|_+$/g, "");
    return `confusion_${safe(run)}_${safe(view.state.tag)}_step${view.step}.${extension}`;
  }

  function exportCsv() {
    if (!view?.model) return;
    const {state, model, step} = view;
    const text = reportCsv(model, state.catalogue, {run, tag: state.tag, step, threshold: state.threshold, cutoff: state.cutoff,
      labelThresholds: state.labelThresholds});
    download(new Blob([text], {type: "text/csv"}), filename("csv"));
  }

  function exportPicture(kind) {
    if (!view?.model) return;
    const shown = displayed(view);
    const layout = matrixLayout(shown, {order: classOrder(shown.matrix, view.state.sort, shown.cells), normalization: view.state.normalization,
      theme: view.state.theme, title: `${run} \u00b7 ${view.state.tag} \u00b7 step ${view.step}`});
    if (kind === "svg") {
      download(new Blob([layoutSvg(layout)], {type: "image/svg+xml"}), filename("svg"));
      return;
    }
    const scale = 2;
    const canvas = h("canvas", {width: layout.width * scale, height: layout.height * scale});
    const context = canvas.getContext("2d");
    context.scale(scale, scale);
    drawLayout(context, layout);
    canvas.toBlob((blob) => blob && download(blob, filename("png")), "image/png");
  }

  return {element, update};
}

/** The decision the card's matrix is at: "threshold 0.5", "cutoff 0.3" or "argmax". */
function decisionText(task, state) {
  if (task.decision === "cutoff") return state.cutoff > 0 ? `cutoff ${formatThreshold(state.cutoff)}` : "argmax";
  if (task.decision === "per_label") return `threshold ${formatThreshold(state.labelThresholds?.[state.curveClass] ?? state.threshold)}`;
  return `threshold ${formatThreshold(state.threshold)}`;
}
