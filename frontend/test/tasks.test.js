import {test} from "node:test";
import assert from "node:assert/strict";
import {TASKS, taskInfo} from "../src/tasks.js";
import {pythonJson} from "./fixtures.js";

test("TASKS mirrors tb_confusion.tasks.describe(), field for field and in registry order", () => {
  const python = pythonJson("import json; from tb_confusion import tasks; print(json.dumps(tasks.describe()))");
  assert.deepEqual(TASKS, python);
});

test("taskInfo(name) answers the task's questions and names the known tasks for an unknown one", () => {
  assert.equal(taskInfo("multilabel").decision, "per_label");
  assert.equal(taskInfo("multiclass").matrix, "classes");
  assert.throws(() => taskInfo("regression"), /unknown task "regression": expected one of binary, multiclass, multilabel, segmentation/);
});
