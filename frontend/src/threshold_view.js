// Threshold controls: a slider for binary, one per label for multilabel (plus one for all, reading
// "mixed" once the labels differ; the per-label ones in a popover), a confidence cutoff for multiclass;
// the run the recommended thresholds are computed on, their buttons and the cost inputs.

import {h, replaceChildren, setText} from "./dom.js";
import {formatThreshold} from "./number_format.js";
import {binaryTotals} from "./lookups.js";
import {applicableThresholds} from "./recommend.js";
import {taskInfo} from "./tasks.js";
import {recommendRunOf, tuningWarning} from "./selection.js";
import {checkThreshold} from "./threshold_input.js";

// One message element per box, under it; styled inline (style.css belongs to the views' owners).
const ERROR_STYLE = {color: "var(--error)", fontSize: "12px", flexBasis: "100%"};

/** A range slider and a number box sharing one value. The box checks what is typed (threshold_input.js):
 * out of range or not a number it is marked invalid with a message naming the range, nothing is
 * applied, and on blur it shows the value in use again (the message stays until the next valid entry). */
function slider(id, label, onValue, {name = "Threshold"} = {}) {
  const range = h("input", {type: "range", id, min: 0, max: 1, step: 0.001, "aria-label": label,
    oninput: (event) => onValue(Number(event.target.value))});
  const message = h("span", {class: "input-error", id: `${id}-error`, role: "alert", hidden: true, style: ERROR_STYLE});
  const number = h("input", {type: "number", id: `${id}-value`, class: "number", min: 0, max: 1, step: 0.01, "aria-label": `${label} value`,
    "aria-describedby": `${id}-error`,
    oninput: () => check(),
    onchange: () => {
      const result = check();
      if (result.value !== undefined) onValue(result.value);
    },
    onblur: () => {
      if (number.getAttribute("aria-invalid") === "true" || number.value === "") show(true);
    }});
  let shown = {value: 0, mixed: false};
  let boxName = name;

  function check() {
    const result = checkThreshold(number.value, {name: boxName, badInput: number.validity?.badInput});
    const invalid = result.error !== undefined;
    if (invalid) number.setAttribute("aria-invalid", "true");
    else number.removeAttribute("aria-invalid");
    number.setCustomValidity?.(invalid ? result.error : "");
    if (invalid) setText(message, result.error);
    message.hidden = !invalid;
    return result;
  }

  // The box shows the value in use ("" and the placeholder "mixed" when the labels differ).
  function show(force) {
    const text = shown.mixed ? "" : formatThreshold(shown.value);
    if (force || (document.activeElement !== number && number.value !== text)) number.value = text;
    if (force && number.getAttribute("aria-invalid") === "true") {
      number.removeAttribute("aria-invalid");
      number.setCustomValidity?.("");
      setText(message, `${message.textContent} Kept ${shown.mixed ? "the per-label thresholds" : text}.`);
    }
  }

  return {
    range,
    number,
    message,
    /** What the messages call the value ("Threshold", "Confidence cutoff"). */
    setName(text) {
      boxName = text;
    },
    set(value, {mixed = false} = {}) {
      // A new value from elsewhere (slider, button, URL) retires the message about an earlier entry.
      if ((value !== shown.value || mixed !== shown.mixed) && number.getAttribute("aria-invalid") !== "true") message.hidden = true;
      shown = {value, mixed};
      if (Number(range.value) !== value) range.value = String(value);
      const placeholder = mixed ? "mixed" : "";
      if (number.placeholder !== placeholder) number.placeholder = placeholder;
      const valueText = mixed ? "mixed" : formatThreshold(value);
      if (range.getAttribute("aria-valuetext") !== valueText) range.setAttribute("aria-valuetext", valueText);
      show(false);
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
  // Recommended thresholds: computed on the run chosen here (selection.js recommendRunOf), never
  // on the run of a clicked cell; test or training data get a warning.
  const recommendLabel = h("label", {class: "field-label", for: "recommend-run"}, "Recommend on");
  const recommendRun = h("select", {id: "recommend-run", title: "The run whose predictions at this step the recommended thresholds are computed on",
    onchange: (event) => actions.setRecommendRun(event.target.value)});
  const warning = h("span", {class: "badge warn", id: "recommend-warning", role: "status", hidden: true});
  const buttons = h("span", {class: "recommend-buttons", style: {display: "contents"}});
  const recommendations = h("div", {class: "recommendations", role: "group", "aria-label": "Recommended thresholds"},
    recommendLabel, recommendRun, warning, buttons);
  const costFp = h("input", {type: "number", class: "number cost", id: "cost-fp", min: 0, step: "any", value: 1, "aria-label": "Cost of a false positive",
    onchange: () => actions.setCosts({costFp: Math.max(0, Number(costFp.value) || 0)})});
  const costFn = h("input", {type: "number", class: "number cost", id: "cost-fn", min: 0, step: "any", value: 1, "aria-label": "Cost of a false negative",
    onchange: () => actions.setCosts({costFn: Math.max(0, Number(costFn.value) || 0)})});
  const costs = h("div", {class: "costs"}, h("label", {}, "FP cost ", costFp), h("label", {}, "FN cost ", costFn));
  // Per-label thresholds in a popover under their button (a disclosure, so it takes no toolbar height).
  const labelList = h("div", {class: "label-thresholds", id: "label-thresholds", role: "group", "aria-label": "Per-label thresholds",
    style: {position: "absolute", top: "calc(100% + 4px)", left: "0", zIndex: "8", minWidth: "560px", maxHeight: "min(360px, 60vh)",
      background: "var(--card)", border: "1px solid var(--border)", borderRadius: "8px", padding: "10px 12px",
      boxShadow: "0 4px 14px rgba(0, 0, 0, 0.25)"}});
  const perLabelButton = h("summary", {class: "text-button outlined", "aria-controls": "label-thresholds", "aria-expanded": "false",
    style: {listStyle: "none", display: "inline-flex", alignItems: "center"}}, "Per-label thresholds\u2026");
  const perLabel = h("details", {class: "per-label", style: {position: "relative"}}, perLabelButton, labelList);
  perLabel.addEventListener("toggle", () => perLabelButton.setAttribute("aria-expanded", perLabel.open ? "true" : "false"));
  perLabel.addEventListener("keydown", (event) => {
    if (event.key !== "Escape" || !perLabel.open) return;
    perLabel.open = false;
    perLabelButton.focus();
    event.stopPropagation();
  });
  // A click anywhere else closes it.
  document.addEventListener("click", (event) => {
    if (perLabel.open && !perLabel.contains(event.target)) perLabel.open = false;
  });
  const element = h("div", {class: "threshold-controls"},
    h("div", {class: "field"}, mainLabel, main.range, main.number, hint, main.message),
    h("div", {class: "field"}, recommendations, costs),
    perLabel);
  let decision = null;
  let labelSliders = [];
  let labelsKey = null;
  let recommendKey = null;
  let runsKey = null;

  function update({state, task, stats}) {
    element.hidden = task === null;
    if (task === null) return;
    decision = taskInfo(task).decision;
    const cutoff = decision === "cutoff";
    // "mixed": the labels' thresholds differ (e.g. after Max F1), so no one threshold is in use.
    const mixed = decision === "per_label" && !!state.labelThresholds?.some((t) => t !== state.threshold);
    setText(mainLabel, cutoff ? "Confidence cutoff" : decision === "per_label" ? "Threshold (all labels)" : "Threshold");
    main.range.setAttribute("aria-label", cutoff ? "Confidence cutoff" : "Threshold");
    main.setName(cutoff ? "Confidence cutoff" : "Threshold");
    main.set(cutoff ? state.cutoff : state.threshold, {mixed});
    setText(hint, cutoff ? (state.cutoff > 0 ? "predictions less confident than this go to \u201cbelow cutoff\u201d" : "0 = always predict the top class")
      : mixed ? "mixed: each label has its own threshold (setting this one sets them all)" : "positive when score \u2265 threshold");
    costs.hidden = cutoff;
    recommendations.hidden = cutoff || !state.runs.length;
    perLabel.hidden = decision !== "per_label";
    if (perLabel.hidden) perLabel.open = false;
    // The labels' names come with the tags, so the per-label sliders need no run's statistics.
    const labelNames = state.tags?.[state.runs[0]]?.[state.tag]?.class_names || stats?.class_names;
    if (decision === "per_label" && labelNames && state.labelThresholds) {
      const key = JSON.stringify(labelNames);
      if (key !== labelsKey) {
        labelsKey = key;
        labelSliders = labelNames.map((name, k) => {
          const s = slider(`label-threshold-${k}`, `Threshold of ${name}`, (value) => actions.setLabelThreshold(k, value),
            {name: `The threshold of ${name}`});
          s.row = h("div", {class: "label-row", style: {flexWrap: "wrap"}},
            h("span", {class: "label-name", title: name}, name), s.range, s.number, s.message);
          return s;
        });
        replaceChildren(labelList, labelSliders.map((s) => s.row));
      }
      labelSliders.forEach((s, k) => s.set(state.labelThresholds[k]));
    }
    if (cutoff) return;
    const chosen = recommendRunOf(state);
    const rKey = JSON.stringify(state.runs);
    if (rKey !== runsKey) {
      runsKey = rKey;
      replaceChildren(recommendRun, state.runs.map((run) => h("option", {value: run}, run)));
    }
    if (chosen !== null && recommendRun.value !== chosen) recommendRun.value = chosen;
    setText(recommendLabel, decision === "per_label" ? "Recommend per label on" : "Recommend on");
    const caution = tuningWarning(chosen);
    setText(warning, caution ? `\u26a0 ${caution}` : "");
    warning.hidden = !caution;
    if (!stats) {
      // The chosen run's statistics are on their way (or failed: its card says why).
      if (recommendKey !== null) replaceChildren(buttons);
      recommendKey = null;
      return;
    }
    const key = JSON.stringify([stats.run, stats.tag, stats.step, state.costFp, state.costFn]);
    if (key !== recommendKey) {
      recommendKey = key;
      costFp.value = String(state.costFp);
      costFn.value = String(state.costFn);
      renderRecommendations(stats, state);
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
      replaceChildren(buttons,
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
      replaceChildren(buttons,
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
