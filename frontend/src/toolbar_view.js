// The controls at the top: runs, tag, the epoch scrubber, the threshold and how the matrix reads.
// Scrolled past, the toolbar collapses to one line fixed at the top (tag, step, threshold, how the
// matrix reads, and a button showing every control); a slot of the expanded height stays in the
// page, so collapsing moves no content and the scroll position does not jump.

import {h, replaceChildren, setText} from "./dom.js";
import {runColors} from "./run_colors.js";
import {createScrubber} from "./scrubber_view.js";
import {createThresholdControls} from "./threshold_view.js";
import {runOrder} from "./selection.js";
import {taskInfo} from "./tasks.js";
import {createSlicePicker} from "./slice_picker_view.js";
import {GROUPINGS, classGroupsOf} from "./class_groups.js";

/** {element, update({state, steps, task, stats, sliceSource})}: sliceSource is the slice picker's list
 * (slice_filter.js pickerSource). */
export function createToolbar(actions) {
  const runList = h("div", {class: "run-chips", role: "group", "aria-label": "Runs"});
  const tagSelect = h("select", {id: "tag-select", onchange: (event) => actions.setTag(event.target.value)});
  const taskBadge = h("span", {class: "badge"});
  const scrubber = createScrubber(actions);
  const threshold = createThresholdControls(actions);
  const slicePicker = createSlicePicker(actions);
  const normalization = segmented("Show", [["count", "Count"], ["row", "Row %"], ["column", "Column %"], ["all", "Overall %"]],
    actions.setNormalization);
  const grouping = segmented("Group by", GROUPINGS, actions.setClassGrouping);
  grouping.element.id = "group-by";
  const sort = h("select", {id: "sort-select", onchange: (event) => actions.setSort(event.target.value)},
    h("option", {value: "index"}, "as logged"), h("option", {value: "support"}, "by support"), h("option", {value: "error"}, "by errors"),
    h("option", {value: "cluster", title: "Classes confused with each other side by side (class_order.js)"}, "by confusion clusters"));
  const more = h("button", {class: "text-button toolbar-more", id: "toolbar-more", "aria-expanded": "false",
    title: "Show every control", onclick: () => setOpen(!open)}, "All controls");
  const header = h("header", {class: "toolbar card", id: "toolbar"},
    h("div", {class: "toolbar-row"},
      h("div", {class: "field runs-field"}, h("span", {class: "field-label"}, "Runs"), runList),
      h("label", {class: "field tag-field"}, h("span", {class: "field-label"}, "Tag"), tagSelect, taskBadge)),
    h("div", {class: "toolbar-row"}, scrubber.element,
      h("div", {class: "view-options"}, normalization.element, grouping.element,
        h("label", {class: "field sort-field"}, h("span", {class: "field-label"}, "Order classes"), sort))),
    h("div", {class: "toolbar-row"}, threshold.element),
    h("div", {class: "toolbar-row slice-row"}, slicePicker.element),
    more);
  const element = h("div", {class: "toolbar-slot"}, header);
  const collapser = collapseOnScroll(header, element, () => setOpen(false));
  let open = false;
  function setOpen(value) {
    open = value;
    header.classList.toggle("open", open);
    more.setAttribute("aria-expanded", open ? "true" : "false");
    setText(more, open ? "Fewer controls" : "All controls");
    collapser.refresh();
  }

  let runsKey = null;
  let tagsKey = null;

  function update({state, steps, task, stats, sliceSource = null}) {
    const runs = state.tags ? Object.keys(state.tags).filter((run) => state.tag in state.tags[run]).sort(runOrder) : []; // as the cards
    const key = JSON.stringify([runs, state.runs, state.theme, runColors.version()]);
    if (key !== runsKey) {
      runsKey = key;
      replaceChildren(runList, runs.map((run) => {
        const on = state.runs.includes(run);
        const color = runColors.color(run, state.theme);
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
    slicePicker.update({state, source: sliceSource});
    normalization.update(state.normalization);
    sort.value = state.sort;
    // Only for a tag logged with class groups (tb_confusion.groups; docs/groups.md).
    grouping.element.hidden = !classGroupsOf(info);
    grouping.update(state.classGrouping);
    element.querySelector(".view-options").hidden = task === null;
  }

  return {element, update, collapsed: () => collapser.collapsed()};
}

/** Height in px of the collapsed toolbar (one line of 28 px controls, 6 px padding, borders). */
export const COLLAPSED_HEIGHT = 42;

/** Whether the toolbar is collapsed at `scrollY`, with `top` the expanded toolbar's page offset and
 * `height` its height: once the expanded toolbar would show less than the collapsed one. `current`
 * keeps the state within 4 px of the switch point (no flicker on a trackpad's small scrolls). */
export function shouldCollapse({scrollY, top, height, current = false}) {
  const limit = Math.max(8, top + height - COLLAPSED_HEIGHT);
  return current ? scrollY > limit - 4 : scrollY > limit + 4;
}

/** Collapse `header` (class "collapsed", fixed at the top) once the page is scrolled past it; `slot`
 * keeps its expanded height in the page. Sets --toolbar-bottom on <html>: the y below the toolbar,
 * where the examples drawer starts. `onExpand` runs when the page scrolls back to the top. */
function collapseOnScroll(header, slot, onExpand) {
  let collapsed = false;
  let expandedHeight = 0;
  let frame = 0;
  const root = document.documentElement;
  function apply() {
    frame = 0;
    if (!collapsed) expandedHeight = header.offsetHeight;
    const next = shouldCollapse({scrollY: window.scrollY, top: slot.offsetTop, height: expandedHeight, current: collapsed});
    if (next !== collapsed) {
      collapsed = next;
      if (!collapsed) onExpand();
      slot.style.height = collapsed ? `${expandedHeight}px` : "";
      header.classList.toggle("collapsed", collapsed);
    }
    if (collapsed) {
      const box = slot.getBoundingClientRect();
      header.style.left = `${box.left}px`;
      header.style.width = `${box.width}px`;
    } else {
      header.style.left = header.style.width = "";
    }
    const bottom = `${Math.max(0, Math.round(header.getBoundingClientRect().bottom))}px`;
    if (root.style.getPropertyValue("--toolbar-bottom") !== bottom) root.style.setProperty("--toolbar-bottom", bottom);
  }
  const schedule = () => { if (!frame) frame = requestAnimationFrame(apply); };
  window.addEventListener("scroll", schedule, {passive: true});
  window.addEventListener("resize", schedule);
  if (typeof ResizeObserver !== "undefined") new ResizeObserver(schedule).observe(header);
  return {collapsed: () => collapsed, refresh: schedule};
}

/** A row of toggle buttons choosing one value. */
function segmented(label, options, onChoose) {
  const buttons = options.map(([value, text]) => h("button", {class: "segment", dataset: {value}, onclick: () => onChoose(value)}, text));
  const element = h("div", {class: "field segmented-field"}, h("span", {class: "field-label"}, label),
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
