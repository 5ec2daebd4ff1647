// Each run's colour, the one TensorBoard's Scalars and Time Series tabs give it (colors.js has the
// rule): the panel's iframe is same-origin with TensorBoard, so it reads the experiment's run list
// from TensorBoard's own `data/runs` route (relative URL: path prefixes and /experiment/<id>/ keep
// working). The user's colour overrides and regex colour groups live only in TensorBoard's page
// state, which a plugin cannot read; without the list (a failed request) a run gets a stable hash
// of its name into a colour-blind-safe palette. Never the run's position among the selected runs.

import {assignColorIds, hashedRunColor, tensorboardColor} from "./colors.js";

/** A colour registry over `fetchRuns()` (a promise of the run names in TensorBoard's order):
 * {color(run, theme), version(), onChange(fn)}. The list is fetched on the first colour asked for,
 * and again once for a name it lacked (a run that appeared after a reload gets the next id, as in
 * TensorBoard); onChange listeners run when colours changed. */
export function createRunColors(fetchRuns) {
  let ids = new Map();
  let status = "idle"; // idle, loading, loaded, failed
  let revision = 0;
  const asked = new Set(); // names already refetched for
  const listeners = new Set();

  function load() {
    if (status === "loading") return;
    status = "loading";
    Promise.resolve().then(fetchRuns).then((names) => {
      if (!Array.isArray(names)) throw new Error("the run list is not a list");
      const before = ids.size;
      ids = assignColorIds(ids, names.map(String));
      status = "loaded";
      if (ids.size !== before) changed();
    }, () => {
      status = "failed";
    });
  }

  function changed() {
    revision += 1;
    for (const listener of listeners) listener();
  }

  return {
    /** The run's CSS colour in `theme` ("light" or "dark"). */
    color(run, theme = "light") {
      const name = String(run);
      if (ids.has(name)) return tensorboardColor(ids.get(name), theme);
      if (status === "idle" || (status === "loaded" && !asked.has(name))) {
        if (status === "loaded") asked.add(name);
        load();
      }
      return hashedRunColor(name, theme);
    },
    /** Fetch the run list now (if not yet asked), before any colour is needed. */
    preload() {
      if (status === "idle") load();
    },
    /** Grows whenever a colour changed (for the views' redraw keys). */
    version: () => revision,
    /** Call fn() whenever colours changed; returns the unsubscribe function. */
    onChange(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
  };
}

async function fetchTensorBoardRuns() {
  if (typeof document === "undefined" || typeof fetch === "undefined") throw new Error("no page");
  // The iframe's base is <prefix>/data/plugin/<name>/, so this is <prefix>/data/runs.
  const response = await fetch(new URL("../../runs", document.baseURI), {credentials: "same-origin"});
  if (!response.ok) throw new Error(`runs: HTTP ${response.status}`);
  return response.json();
}

/** The panel's registry, shared by every view. In the page, the list is asked for as the panel's
 * modules load, so it is usually there before the first chart draws (no hashed colour first). */
export const runColors = createRunColors(fetchTensorBoardRuns);
if (typeof document !== "undefined") runColors.preload();

/** Shorthand: the panel's colour for `run` in `theme`. */
export const runColor = (run, theme) => runColors.color(run, theme);
