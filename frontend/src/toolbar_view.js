// The controls at the top: runs, tag, the epoch scrubber, the threshold and how the matrix reads.

import {h, replaceChildren, setText} from "./dom.js";
import {RUN_COLORS} from "./colors.js";
import {createScrubber} from "./scrubber_view.js";
import {createThresholdControls} from "./threshold_view.js";
import {runOrder} from "./selection.js";
import {taskInfo} from "./tasks.js";

/** {element, update({state, steps, task, stats})}. */
export function createToolbar(actions) {
  const runList = h("div", {class: "run-chips", role: "group", "aria-label": "Runs"});
  const tagSelect = h("select", {id: "tag-select", onchange: (event) => actions.setTag(event.target.value)});
  const taskBadge = h("span", {class: "badge"});
  const scrubber = createScrubber(actions);
  const threshold = createThresholdControls(actions);
  const normalization = segmented("Show", [["count", "Count"], ["row", "Row %"], ["column", "Column %"], ["all", "Overall %"]],
    actions.setNormalization);
  const sort = h("select", {id: "sort-select", onchange: (event) => actions.setSort(event.target.value)},
    h("option", {value: "index"}, "as logged"), h("option", {value: "support"}, "by support"), h("option", {value: "error"}, "by errors"));
  const element = h("header", {class: "toolbar card"},
    h("div", {class: "toolbar-row"},
      h("div", {class: "field"}, h("span", {class: "field-label"}, "Runs"), runList),
      h("label", {class: "field"}, h("span", {class: "field-label"}, "Tag"), tagSelect, taskBadge)),
    h("div", {class: "toolbar-row"}, scrubber.element),
    h("div", {class: "toolbar-row"}, threshold.element),
    h("div", {class: "toolbar-row view-options"}, normalization.element,
      h("label", {class: "field"}, h("span", {class: "field-label"}, "Order classes"), sort)));

  let runsKey = null;
  let tagsKey = null;

  function update({state, steps, task, stats}) {
    const runs = state.tags ? Object.keys(state.tags).filter((run) => state.tag in state.tags[run]).sort(runOrder) : []; // as the cards
    const key = JSON.stringify([runs, state.runs]);
    if (key !== runsKey) {
      runsKey = key;
      replaceChildren(runList, runs.map((run) => {
        const on = state.runs.includes(run);
        const color = RUN_COLORS[state.runs.indexOf(run) % RUN_COLORS.length];
        return h("button", {class: `chip${on ? " on" : ""}`, "aria-pressed": on ? "true" : "false", title: run,
          onclick: () => actions.toggleRun(run)},
          h("span", {class: "swatch", style: on ? {background: color, borderColor: color} : {}}), run);
      }));
    }
    const allTags = state.tags ? [...new Set(Object.values(state.tags).flatMap((t) => Object.keys(t)))].sort() : [];
    const tKey = JSON.stringify([allTags, state.tag]);
    if (tKey !== tagsKey) {
      tagsKey = tKey;
      replaceChildren(tagSelect, allTags.map((tag) => h("option", {value: tag, selected: tag === state.tag}, tag)));
      tagSelect.value = state.tag ?? "";
    }
    const info = state.tags?.[state.runs[0]]?.[state.tag];
    const counted = info && taskInfo(info.task).matrix === "labels" ? "labels" : "classes";
    setText(taskBadge, info ? `${info.task} · ${info.num_classes} ${counted}` : "");
    taskBadge.hidden = !info;
    scrubber.update({state, steps});
    threshold.update({state, task, stats});
    normalization.update(state.normalization);
    sort.value = state.sort;
    element.querySelector(".view-options").hidden = task === null;
  }

  return {element, update};
}

/** A row of toggle buttons choosing one value. */
function segmented(label, options, onChoose) {
  const buttons = options.map(([value, text]) => h("button", {class: "segment", dataset: {value}, onclick: () => onChoose(value)}, text));
  const element = h("div", {class: "field"}, h("span", {class: "field-label"}, label),
    h("div", {class: "segmented", role: "group", "aria-label": label}, buttons));
  return {
    element,
    update(value) {
      for (const button of buttons) {
        const on = button.dataset.value === value;
        button.classList.toggle("on", on);
        button.setAttribute("aria-pressed", on ? "true" : "false");
      }
    },
  };
}
