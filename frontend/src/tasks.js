// The task registry, mirrored from tb_confusion.tasks (test/tasks.test.js checks it equals Python's
// tasks.describe()). Static, since the panel asks its questions before anything is fetched: code asks
// the task (taskInfo(name).decision, .matrix, .storage, ...) instead of comparing names.

/** [{name, label, matrix: "classes" | "labels", decision: "threshold" | "cutoff" | "per_label",
 * cell_needs_label, storage: "exact" | "counts", examples: "examples" | "images"}] in registry order
 * (see tb_confusion/tasks/base.py for each field). */
export const TASKS = Object.freeze([
  {name: "binary", label: "Binary", matrix: "classes", decision: "threshold", cell_needs_label: false,
    storage: "exact", examples: "examples"},
  {name: "multiclass", label: "Multiclass", matrix: "classes", decision: "cutoff", cell_needs_label: false,
    storage: "exact", examples: "examples"},
  {name: "multilabel", label: "Multilabel", matrix: "labels", decision: "per_label", cell_needs_label: true,
    storage: "exact", examples: "examples"},
  {name: "segmentation", label: "Segmentation (per pixel)", matrix: "classes", decision: "cutoff",
    cell_needs_label: false, storage: "counts", examples: "images"},
].map(Object.freeze));

const BY_NAME = new Map(TASKS.map((task) => [task.name, task]));

/** The description of the task called `name`; an Error naming the known tasks otherwise. */
export function taskInfo(name) {
  const task = BY_NAME.get(name);
  if (!task) throw new Error(`unknown task ${JSON.stringify(name)}: expected one of ${[...BY_NAME.keys()].join(", ")}`);
  return task;
}

/** Whether a step of `name` is accumulated sums (no per-example probabilities): what needs each
 * element's probabilities (likely label issues, other calibration bins) is not there to ask for. */
export const isAccumulated = (name) => taskInfo(name).storage === "counts";
