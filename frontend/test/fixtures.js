// Numbers from the Python core for the node tests: runs make_fixtures.py once per test file, and
// the catalogue route's body from tb_confusion.tasks and tb_confusion.catalogue.
import {spawnSync} from "node:child_process";
import {existsSync} from "node:fs";
import {fileURLToPath} from "node:url";
import assert from "node:assert/strict";
import {unpackArrays} from "../src/packed.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const python = process.env.TB_CONFUSION_PYTHON ||
  (existsSync(`${root}.venv/bin/python`) ? `${root}.venv/bin/python` : "python3");

let cached = null;

/** {cases: [...]} as printed by make_fixtures.py. */
export function fixtures() {
  if (cached) return cached;
  const result = spawnSync(python, [fileURLToPath(new URL("make_fixtures.py", import.meta.url))], {
    cwd: root,
    encoding: "utf8",
    maxBuffer: 1 << 28,
  });
  if (result.status !== 0) throw new Error(`make_fixtures.py failed:\n${result.stderr}`);
  cached = JSON.parse(result.stdout);
  // as the panel receives them (api.stats): the packed arrays revived as typed arrays
  for (const c of cached.cases) unpackArrays(c.stats);
  return cached;
}

/** What Python `code` prints as JSON, run with the venv's python at the repository's root. */
export function pythonJson(code) {
  const result = spawnSync(python, ["-c", code], {cwd: root, encoding: "utf8", maxBuffer: 1 << 24});
  if (result.status !== 0) throw new Error(`python failed:\n${result.stderr}`);
  return JSON.parse(result.stdout);
}

let catalogueCached = null;

/** The body of the server's `catalogue` route: {tasks, metrics} (tb_confusion/plugin.py). */
export function serverCatalogue() {
  catalogueCached ??= pythonJson("import json; from tb_confusion import tasks, catalogue; "
    + "print(json.dumps({'tasks': tasks.describe(), **catalogue.describe()}))");
  return catalogueCached;
}

/** Deep equality with numbers equal to 1e-9 (relative to max(1, |expected|)). */
export function assertClose(actual, expected, path = "value") {
  if (typeof expected === "number") {
    assert.equal(typeof actual, "number", `${path}: expected a number, got ${actual}`);
    const tolerance = 1e-9 * Math.max(1, Math.abs(expected));
    assert.ok(Math.abs(actual - expected) <= tolerance, `${path}: ${actual} != ${expected}`);
  } else if (Array.isArray(expected)) {
    assert.ok(Array.isArray(actual) || ArrayBuffer.isView(actual), `${path}: expected an array, got ${actual}`);
    assert.equal(actual.length, expected.length, `${path}: length`);
    expected.forEach((e, i) => assertClose(actual[i], e, `${path}[${i}]`));
  } else if (expected && typeof expected === "object") {
    for (const key of Object.keys(expected)) assertClose(actual?.[key], expected[key], `${path}.${key}`);
  } else {
    assert.deepEqual(actual, expected, path);
  }
}
