// Threshold controls: a slider for binary, one per label for multilabel (plus one for all), a
// confidence cutoff for multiclass; buttons for the recommended thresholds and the cost inputs.

import {h, replaceChildren, setText} from "./dom.js";
import {formatThreshold} from "./number_format.js";
import {recommendedThresholds} from "./recommend.js";

function slider(id, label, onValue) {
  const range = h("input", {type: "range", id, min: 0, max: 1, step: 0.001, "aria-label": label,
    oninput: (event) => onValue(Number(event.target.value))});
  const number = h("input", {type: "number", id: `${id}-value`, class: "number", min: 0, max: 1, step: 0.01, "aria-label": `${label} value`,
    onchange: (event) => {
      const value = Number(event.target.value);
      if (Number.isFinite(value) && value >= 0 && value <= 1) onValue(value);
    }});
  return {
    range,
    number,
    set(value) {
      if (Number(range.value) !== value) range.value = String(value);
      if (document.activeElement !== number && number.value !== formatThreshold(value)) number.value = formatThreshold(value);
    },
  };
}

export function createThresholdControls(actions) {
  const main = slider("threshold-slider", "Threshold", (value) => {
    if (task === "multiclass") actions.setCutoff(value);
    else actions.setThreshold(value);
  });
  const mainLabel = h("span", {class: "field-label"}, "Threshold");
  const hint = h("span", {class: "hint"});
  const recommendations = h("div", {class: "recommendations", role: "group", "aria-label": "Recommended thresholds"});
  const costFp = h("input", {type: "number", class: "number cost", id: "cost-fp", min: 0, step: "any", value: 1, "aria-label": "Cost of a false positive",
    onchange: () => actions.setCosts({costFp: Math.max(0, Number(costFp.value) || 0)})});
  const costFn = h("input", {type: "number", class: "number cost", id: "cost-fn", min: 0, step: "any", value: 1, "aria-label": "Cost of a false negative",
    onchange: () => actions.setCosts({costFn: Math.max(0, Number(costFn.value) || 0)})});
  const costs = h("div", {class: "costs"}, h("label", {}, "FP cost ", costFp), h("label", {}, "FN cost ", costFn));
  const labelList = h("div", {class: "label-thresholds"});
  const perLabel = h("details", {class: "per-label"}, h("summary", {}, "Per-label thresholds"), labelList);
  const element = h("div", {class: "threshold-controls"},
    h("div", {class: "field"}, mainLabel, main.range, main.number, hint),
    h("div", {class: "field"}, recommendations, costs),
    perLabel);
  let task = null;
  let labelSliders = [];
  let labelsKey = null;
  let recommendKey = null;

  function update({state, task: nextTask, stats}) {
    task = nextTask;
    element.hidden = task === null;
    if (task === null) return;
    const multiclass = task === "multiclass";
    setText(mainLabel, multiclass ? "Confidence cutoff" : task === "multilabel" ? "Threshold (all labels)" : "Threshold");
    main.range.setAttribute("aria-label", multiclass ? "Confidence cutoff" : "Threshold");
    main.set(multiclass ? state.cutoff : state.threshold);
    setText(hint, multiclass ? (state.cutoff > 0 ? "predictions less confident than this go to \u201cbelow cutoff\u201d" : "0 = always predict the top class")
      : "positive when score \u2265 threshold");
    costs.hidden = multiclass;
    recommendations.hidden = multiclass || !stats;
    perLabel.hidden = task !== "multilabel";
    if (task === "multilabel" && stats && state.labelThresholds) {
      const key = JSON.stringify(stats.class_names);
      if (key !== labelsKey) {
        labelsKey = key;
        labelSliders = stats.class_names.map((name, k) => {
          const s = slider(`label-threshold-${k}`, `Threshold of ${name}`, (value) => actions.setLabelThreshold(k, value));
          s.row = h("div", {class: "label-row"}, h("span", {class: "label-name", title: name}, name), s.range, s.number);
          return s;
        });
        replaceChildren(labelList, labelSliders.map((s) => s.row));
      }
      labelSliders.forEach((s, k) => s.set(state.labelThresholds[k]));
    }
    if (stats && !multiclass) {
      const key = JSON.stringify([stats.run, stats.tag, stats.step, state.costFp, state.costFn]);
      if (key !== recommendKey) {
        recommendKey = key;
        costFp.value = String(state.costFp);
        costFn.value = String(state.costFn);
        renderRecommendations(stats, state);
      }
    }
  }

  function renderRecommendations(stats, state) {
    const costsOf = {costFp: state.costFp, costFn: state.costFn};
    const button = (id, label, title, onclick) => h("button", {class: "text-button outlined", id, title, onclick}, label);
    if (stats.task === "binary") {
      const best = recommendedThresholds(stats.binary, costsOf);
      const choose = (t) => actions.setThreshold(Number.isFinite(t) ? t : 1);
      replaceChildren(recommendations,
        h("span", {class: "field-label", title: "computed on this run's predictions at this step"}, `Recommended on ${stats.run}`),
        button("recommend-f1", `Max F1 \u00b7 ${formatThreshold(best.max_f1.threshold)}`, `F1 = ${best.max_f1.value.toFixed(4)}`, () => choose(best.max_f1.threshold)),
        button("recommend-youden", `Youden\u2019s J \u00b7 ${formatThreshold(best.youden_j.threshold)}`, `J = ${best.youden_j.value.toFixed(4)}`, () => choose(best.youden_j.threshold)),
        button("recommend-cost", `Min cost \u00b7 ${formatThreshold(best.min_cost.threshold)}`, `cost = ${best.min_cost.value.toFixed(2)}`, () => choose(best.min_cost.threshold)));
    } else {
      const per = stats.labels.map((binary) => recommendedThresholds(binary, costsOf));
      const apply = (name) => per.forEach((r, k) => actions.setLabelThreshold(k, Number.isFinite(r[name].threshold) ? r[name].threshold : 1));
      replaceChildren(recommendations,
        h("span", {class: "field-label", title: "computed on this run's predictions at this step"}, `Recommended per label on ${stats.run}`),
        button("recommend-f1", "Max F1", "Set each label's threshold to its F1-maximising one", () => apply("max_f1")),
        button("recommend-youden", "Youden\u2019s J", "Set each label's threshold to its Youden's J one", () => apply("youden_j")),
        button("recommend-cost", "Min cost", "Set each label's threshold to its minimum-cost one", () => apply("min_cost")));
    }
  }

  return {element, update};
}
