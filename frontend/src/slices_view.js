// The Slices card: the slice table of one attribute (the `slices` route) for every selected run at the
// shown step and decision: each value's examples, the chosen metric and its gap to the whole, worst first,
// slices smaller than the minimum size greyed (their gap is mostly noise). Within the filters on the other
// attributes; a click on a row shows only that slice everywhere (again: every example). Hidden without
// attributes; a step stored compact says it cannot be sliced. Attribute names and values are text only.

import {h, replaceChildren, setText} from "./dom.js";
import {runColor} from "./run_colors.js";
import {formatCount, formatMetric} from "./number_format.js";
import {signedText} from "./diff.js";
import {filterName, filterValue, pickerSource, sliceOf, sliceTableOf, sliceText, tableAttribute, tableMetrics} from "./slice_filter.js";

/** `set(patch)` changes the state; `setSliceFilter(name, filter)` chooses a slice (slice_filter.js). */
export function createSlicesView({set, setSliceFilter}) {
  const bySelect = h("select", {id: "slices-by", "aria-label": "By attribute", onchange: (event) => set({sliceBy: event.target.value})});
  const metricSelect = h("select", {id: "slices-metric", "aria-label": "Metric", onchange: (event) => set({sliceMetric: event.target.value})});
  const minSize = h("input", {type: "number", id: "slices-min-size", min: "0", step: "1", "aria-label": "Minimum slice size",
    onchange: (event) => {
      const value = Number(event.target.value);
      if (Number.isSafeInteger(value) && value >= 0) set({sliceMinSize: value});
    }});
  const caption = h("p", {class: "note", id: "slices-caption"});
  const status = h("div", {class: "card-status", id: "slices-status"});
  const tables = h("div", {class: "slice-tables", id: "slice-tables"});
  const element = h("section", {class: "card slices-card", id: "slices-card", "aria-label": "Slices"},
    h("div", {class: "card-head"}, h("h2", {}, "Slices"),
      h("label", {class: "field"}, h("span", {class: "field-label"}, "By"), bySelect),
      h("label", {class: "field"}, h("span", {class: "field-label"}, "Metric"), metricSelect),
      h("label", {class: "field"}, h("span", {class: "field-label"}, "Min. size"), minSize)),
    status, tables, caption);
  let optionsKey = null;

  function update({state, task}) {
    const source = pickerSource(state);
    const answer = source?.answer;
    element.hidden = !task || !answer?.attributes?.length;
    if (element.hidden) return;
    const by = tableAttribute(state, answer);
    const {metrics, shown} = tableMetrics(state.catalogue, task, state.sliceMetric);
    const key = JSON.stringify([answer.attributes.map((a) => a.name), by, metrics.map((m) => m.key), shown?.key]);
    if (key !== optionsKey) {
      optionsKey = key;
      replaceChildren(bySelect, answer.attributes.map((a) => h("option", {value: a.name}, a.name)));
      bySelect.value = by;
      replaceChildren(metricSelect, metrics.map((m) => h("option", {value: m.key}, m.label)));
      metricSelect.value = shown?.key ?? "";
    }
    if (document.activeElement !== minSize) minSize.value = String(state.sliceMinSize);
    if (answer.sliceable === false) {
      replaceChildren(status, h("p", {class: "note"}, "This step is stored compact: slices need exact storage "
        + "(log it with storage=\"exact\"). Its attributes are listed above, not usable."));
      replaceChildren(tables);
      setText(caption, "");
      return;
    }
    replaceChildren(status);
    const slice = sliceOf(state);
    const others = slice.filter((f) => filterName(f) !== by);
    replaceChildren(tables, state.runs.map((run) => runTable(run, sliceTableOf(state, run), {state, by, shown, slice})));
    setText(caption, `${shown?.label ?? ""} of each value of ${by}${others.length ? ` within ${sliceText(others)}` : ""}; `
      + `gap = slice \u2212 whole, worst first; greyed: fewer than ${formatCount(state.sliceMinSize)} examples (noisy), listed after the others. `
      + "Click a row to show only that slice everywhere.");
  }

  function runTable(run, table, {state, by, shown, slice}) {
    const head = h("h3", {class: "slice-run"}, h("span", {class: "swatch", style: {background: runColor(run, state.theme)}}), run);
    const entry = table?.entry;
    if (!entry) return h("div", {class: "slice-table", dataset: {run}}, head, h("div", {class: "loading"}, "Loading\u2026"));
    if (entry.error) return h("div", {class: "slice-table", dataset: {run}}, head, h("div", {class: "error"}, entry.error));
    const answer = entry.answer;
    const chosen = slice.find((f) => filterName(f) === by) ?? null;
    const whole = h("tr", {class: `slice-whole${chosen === null ? " chosen" : ""}`, onclick: () => setSliceFilter(by, null)},
      h("th", {scope: "row"}, h("button", {type: "button", class: "link-button"}, "(all)")),
      h("td", {class: "num"}, formatCount(answer.whole.count)), h("td", {class: "num"}, formatMetric(answer.whole.metric_value)),
      h("td", {class: "num"}, ""));
    const rows = answer.slices.map((row) => {
      const on = row.filter === chosen;
      const worse = row.gap !== null && row.gap !== 0 && (row.gap < 0) === answer.higher_is_better;
      return h("tr", {class: ["slice-row", row.small ? "small" : "", on ? "chosen" : ""].filter(Boolean).join(" "),
        dataset: {filter: row.filter}, "aria-selected": on ? "true" : "false",
        title: row.small ? `fewer than ${answer.min_size} examples: its gap is mostly noise` : null,
        onclick: () => setSliceFilter(by, on ? null : row.filter)},
      h("th", {scope: "row"}, h("button", {type: "button", class: "link-button"}, filterValue(row.filter))),
      h("td", {class: "num"}, formatCount(row.count)), h("td", {class: "num"}, formatMetric(row.metric_value)),
      h("td", {class: `num gap${worse ? " worse" : ""}`}, signedText(row.gap, 4)));
    });
    return h("div", {class: "slice-table", dataset: {run}}, head,
      h("table", {class: "metrics-table"},
        h("thead", {}, h("tr", {}, h("th", {}, by), h("th", {class: "num"}, "examples"),
          h("th", {class: "num"}, shown?.label ?? answer.metric), h("th", {class: "num"}, "gap"))),
        h("tbody", {}, whole, rows)));
  }

  return {element, update};
}
