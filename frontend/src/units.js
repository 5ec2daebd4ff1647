// What the panel calls a task's examples and the elements counted in them ("12 images · 4,800
// pixels" for per-pixel steps, "500 examples" otherwise), from tasks.js's `examples` field.

import {formatCount} from "./number_format.js";
import {taskInfo} from "./tasks.js";

/** {examples, elements}: the plural names of task `name`'s examples and of the elements each holds;
 * elements is null where each example is one count ("images" hold "pixels"). */
export function unitsOf(name) {
  return taskInfo(name).examples === "images" ? {examples: "images", elements: "pixels"}
    : {examples: "examples", elements: null};
}

// "1 image", "2 images": the plural names lose their "s" for exactly one.
const counted = (count, plural) => `${formatCount(count)} ${count === 1 ? plural.replace(/s$/, "") : plural}`;

/** What a run card's matrix counts: "500 examples", "12 images · 4,800 pixels"; weighted counts
 * say so. `model`: model.js's (task, numExamples, numElements). */
export function countsText(model, weighted = false) {
  const units = unitsOf(model.task);
  const elements = units.elements && model.numElements !== null && model.numElements !== undefined
    ? ` \u00b7 ${counted(model.numElements, units.elements)}` : "";
  return `${counted(model.numExamples, units.examples)}${elements}${weighted ? " (weighted)" : ""}`;
}

/** The examples drawer's total line for a page of images: "6 images, 12 pixels", and, when a cutoff is
 * set, that these are the images at the argmax (what an accumulated step keeps per image). "" for a
 * task whose examples are single counts (the pager gives their total). */
export function imagesTotalText(task, page, cutoff = 0) {
  const units = unitsOf(task);
  if (!units.elements || !page || typeof page.total !== "number") return "";
  const elements = typeof page.elements === "number" ? `, ${counted(page.elements, units.elements)}` : "";
  const argmax = cutoff > 0
    ? " at the argmax (accumulated steps keep each image's cells at the argmax only)" : "";
  return `${counted(page.total, units.examples)}${elements}${argmax}`;
}
