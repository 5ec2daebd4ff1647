// Threshold controls: a slider for binary, one per label for multilabel (plus one for all), a
// confidence cutoff for multiclass; buttons for the recommended thresholds and the cost inputs.

import {h, replaceChildren, setText} from "./dom.js";
import {formatThreshold} from "./number_format.js";
import {binaryTotals} from "./lookups.js";
import {applicableThresholds} from "./recommend.js";
import {taskInfo} from "./tasks.js";

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
    if (decision === "cutoff") actions.setCutoff(value);
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
  let decision = null;
  let labelSliders = [];
  let labelsKey = null;
  let recommendKey = null;

  function update({state, task, stats}) {
    element.hidden = task === null;
    if (task === null) return;
    decision = taskInfo(task).decision;
    const cutoff = decision === "cutoff";
    setText(mainLabel, cutoff ? "Confidence cutoff" : decision === "per_label" ? "Threshold (all labels)" : "Threshold");
    main.range.setAttribute("aria-label", cutoff ? "Confidence cutoff" : "Threshold");
    main.set(cutoff ? state.cutoff : state.threshold);
    setText(hint, cutoff ? (state.cutoff > 0 ? "predictions less confident than this go to \u201cbelow cutoff\u201d" : "0 = always predict the top class")
      : "positive when score \u2265 threshold");
    costs.hidden = cutoff;
    recommendations.hidden = cutoff || !stats;
    perLabel.hidden = decision !== "per_label";
    if (decision === "per_label" && stats && state.labelThresholds) {
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
    if (stats && !cutoff) {
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
    // A rule that is undefined here (no positives, or no negatives for J) gets a disabled button saying why.
    const unavailable = (id, label, why) => h("button", {class: "text-button outlined", id, title: why, disabled: true}, label);
    if (stats.binary) {
      // Thresholds within [0, 1] (see applicableThresholds): the label and title give the threshold
      // the button sets and the rule's value there, which is what the panel then shows.
      const best = applicableThresholds(stats.binary, costsOf);
      const why = whyUndefined(stats.binary);
      const rule = (id, name, key, describe) => {
        const r = best[key];
        if (!r) return unavailable(id, name, why[key]);
        const at = r.nonePositive ? "none positive" : formatThreshold(r.threshold);
        const where = r.nonePositive ? "threshold 1, above every score: nothing predicted positive"
          : r.threshold === 1 ? "threshold 1: only scores of exactly 1 are positive" : `threshold ${r.threshold}`;
        return button(id, `${name} \u00b7 ${at}`, `${describe(r.value)} at ${where}`, () => actions.setThreshold(r.threshold));
      };
      replaceChildren(recommendations,
        h("span", {class: "field-label", title: "computed on this run's predictions at this step"}, `Recommended on ${stats.run}`),
        rule("recommend-f1", "Max F1", "max_f1", (v) => `F1 = ${v.toFixed(4)}`),
        rule("recommend-youden", "Youden\u2019s J", "youden_j", (v) => `J = ${v.toFixed(4)}`),
        rule("recommend-cost", "Min cost", "min_cost", (v) => `cost = ${v.toFixed(2)}`));
    } else {
      const per = stats.labels.map((binary) => applicableThresholds(binary, costsOf));
      // Labels where a rule is undefined keep their threshold; the title names them.
      const rule = (id, name, key, title) => {
        const missing = stats.class_names.filter((_, k) => !per[k][key]);
        const reason = key === "youden_j" ? "no positives or no negatives" : key === "max_f1" ? "no positives" : "no examples";
        if (missing.length === per.length) return unavailable(id, name, `Undefined for every label (${reason} at this step)`);
        const note = missing.length ? ` (undefined for ${missing.join(", ")}: ${reason}; their thresholds stay)` : "";
        return button(id, name, `${title}${note}`, () => per.forEach((r, k) => {
          if (r[key]) actions.setLabelThreshold(k, r[key].threshold);
        }));
      };
      replaceChildren(recommendations,
        h("span", {class: "field-label", title: "computed on this run's predictions at this step"}, `Recommended per label on ${stats.run}`),
        rule("recommend-f1", "Max F1", "max_f1", "Set each label's threshold to its F1-maximising one"),
        rule("recommend-youden", "Youden\u2019s J", "youden_j", "Set each label's threshold to its Youden's J one"),
        rule("recommend-cost", "Min cost", "min_cost", "Set each label's threshold to its minimum-cost one"));
    }
  }

  return {element, update};
}

/** Why each rule has no threshold on these statistics (applicableThresholds gives null for it). */
function whyUndefined(binary) {
  const {positives, negatives} = binaryTotals(binary);
  const empty = !binary.thresholds.length;
  const noPositives = "undefined: no positive examples at this step";
  return {
    max_f1: empty ? "undefined: no examples" : noPositives,
    youden_j: empty ? "undefined: no examples" : !(positives > 0) ? noPositives
      : !(negatives > 0) ? "undefined: no negative examples at this step" : "",
    min_cost: "undefined: no examples",
  };
}
