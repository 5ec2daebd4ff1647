// The toolbar's slice picker ("only this slice", slice_filter.js): one select per attribute logged with the
// shown step, each value with its examples, "all" for no filter on it; every view follows the choice. A step
// without attributes shows nothing; a step stored compact shows the attributes disabled and why. Attribute
// names and values are user strings: text only.

import {h, replaceChildren, setText} from "./dom.js";
import {formatCount} from "./number_format.js";
import {filterName, filterValue, pickerModel, sliceOf} from "./slice_filter.js";

/** {element, update({state, source})}: `source` is slice_filter.js pickerSource's {run, answer, error}. */
export function createSlicePicker(actions) {
  const selects = h("span", {class: "slice-selects"});
  const clear = h("button", {type: "button", class: "text-button", id: "slice-clear", hidden: true,
    onclick: () => actions.clearSlice()}, "All examples");
  const note = h("span", {class: "note slice-note", id: "slice-note"});
  const element = h("div", {class: "field slice-field", id: "slice-picker", role: "group", "aria-label": "Only this slice"},
    h("span", {class: "field-label", title: "Every view shows only the examples of the chosen values (docs/slices.md)"},
      "Only slice"), selects, clear, note);
  let drawn = null;

  function update({state, source}) {
    const slice = sliceOf(state);
    const answer = source?.answer ?? null;
    const model = pickerModel(answer, slice);
    element.hidden = !model.attributes.length && !slice.length && !source?.error;
    if (element.hidden) return;
    const sliceable = answer ? answer.sliceable !== false : true;
    const key = JSON.stringify([source?.run, answer, slice, source?.error]);
    if (key !== drawn) {
      drawn = key;
      replaceChildren(selects,
        model.attributes.map((attribute) => {
          const all = answer.num_examples;
          const control = h("select", {class: "slice-select", "aria-label": `Only ${attribute.name}`, disabled: !sliceable,
            dataset: {attribute: attribute.name}, onchange: (event) => actions.setSliceFilter(attribute.name, event.target.value || null)},
          h("option", {value: ""}, `all (${formatCount(all)})`),
          attribute.options.map((o) => h("option", {value: o.filter}, `${o.text} (${formatCount(o.count)})`)));
          control.value = attribute.chosen ?? "";
          return h("label", {class: "slice-attribute", title: `${attribute.name}: examples per value at the shown step of run ${source.run}`},
            h("span", {class: "slice-name"}, attribute.name), control);
        }),
        // A filter the step does not list (another step or run logged it): kept and shown, so it can be removed.
        model.missing.map((filter) => h("button", {type: "button", class: "chip on slice-missing",
          title: "Not logged with the shown step: remove this filter", onclick: () => actions.setSliceFilter(filterName(filter), null)},
        `${filterName(filter)} = ${filterValue(filter)} \u00d7`)));
    }
    clear.hidden = !slice.length;
    setText(note, source?.error ? `attributes: ${source.error}`
      : !sliceable ? "Slices need exact storage: this step is stored compact (log it with storage=\"exact\")." : "");
    note.classList.toggle("error-text", Boolean(source?.error));
  }

  return {element, update};
}
