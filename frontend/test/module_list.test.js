// index.js preloads the panel's modules from its own list: a module missing from it still loads (one
// round trip late), one listed but gone is a 404 in the console. The list must be the import graph.
import {test} from "node:test";
import assert from "node:assert/strict";
import {readFileSync} from "node:fs";
import {MODULES} from "../src/index.js";

const SOURCE = new URL("../src/", import.meta.url);

/** The relative modules `name` imports or re-exports, statically or with import(). */
function importsOf(name) {
  const text = readFileSync(new URL(name, SOURCE), "utf8");
  const found = [];
  for (const pattern of [/^\s*(?:import|export)\s[^;]*?\sfrom\s+"\.\/([^"]+)"/gms, /^\s*import\s+"\.\/([^"]+)"/gm,
    /import\(\s*"\.\/([^"]+)"\s*\)/g]) {
    for (const match of text.matchAll(pattern)) found.push(match[1]);
  }
  return found;
}

test("index.js lists exactly the modules app.js imports, transitively", () => {
  const graph = new Set();
  const visit = (name) => {
    if (graph.has(name)) return;
    graph.add(name);
    importsOf(name).forEach(visit);
  };
  visit("app.js");
  assert.ok(graph.size > 30, `only ${graph.size} modules found: the import pattern missed some`);
  const listed = new Set(MODULES);
  assert.equal(listed.size, MODULES.length, "a module is listed twice");
  assert.deepEqual([...graph].filter((m) => !listed.has(m)).sort(), [], "imported but not in index.js MODULES");
  assert.deepEqual(MODULES.filter((m) => !graph.has(m)), [], "in index.js MODULES but not imported");
});
