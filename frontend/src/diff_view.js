// The Diff card: two steps of one run, or two runs at the shown step, compared at the panel's decision
// (the `diff` route): the signed difference matrix B − A (counts or row-% points, cells coloured by
// better / worse, a click opens the cell's examples at B), the headline metric deltas, and the examples
// that flipped, learned and forgotten, a page at a time. Under it, the forgetting events over every step
// of B's run (the `forgetting` route). Closed, it asks for nothing. Every user string is text.

import {h, replaceChildren, select, setText} from "./dom.js";
import {classCell, probabilityText} from "./examples_view.js";
import {createPager} from "./pager.js";
import {formatCount, formatMetric, formatThreshold} from "./number_format.js";
import {cacheKey} from "./loader.js";
import {taskInfo} from "./tasks.js";
import {DIFF_MODES, DIFF_SHOWS, FLIP_KINDS, MAX_MATRIX_CLASSES, cellTitle, comparison, diffKey, diffRequest, diffRun,
  differenceCells, flipClasses, flipOffset, forgettingRequest, metricDeltas, pageFlips} from "./diff.js";
import {createForgettingView} from "./forgetting_view.js";
import {mediaCell, mediaHead, mediaSource} from "./example_media.js";

const KIND_TEXT = {
  learned: ["Learned", "wrong in A, right in B"],
  forgotten: ["Forgotten", "right in A, wrong in B"],
};

/** `set(patch)` changes the state; `selectCell(run, true, pred)` opens a cell's examples. */
export function createDiffView({set, selectCell}) {
  const toggle = h("button", {type: "button", class: "text-button", id: "diff-toggle", "aria-expanded": "false",
    "aria-controls": "diff-body", onclick: () => set((s) => ({diffOpen: !s.diffOpen}))}, "Compare");
  const modeButtons = DIFF_MODES.map(([value, text]) => h("button", {type: "button", class: "segment", id: `diff-mode-${value}`,
    dataset: {value}, "aria-pressed": "false", onclick: () => set({diffMode: value})}, text));
  const showButtons = DIFF_SHOWS.map(([value, text]) => h("button", {type: "button", class: "segment", id: `diff-show-${value}`,
    dataset: {value}, "aria-pressed": "false", onclick: () => set({diffShow: value})}, text));
  const stepControls = h("span", {class: "diff-picks"});
  const runControls = h("span", {class: "diff-picks"});
  const controls = h("div", {class: "card-head diff-controls"},
    h("div", {class: "segmented", role: "group", "aria-label": "Compare"}, modeButtons), stepControls, runControls,
    h("div", {class: "segmented", role: "group", "aria-label": "Difference in"}, showButtons));
  const caption = h("p", {class: "note diff-caption", id: "diff-caption", "aria-live": "polite"});
  const status = h("div", {class: "card-status", id: "diff-status"});
  const matrix = h("div", {class: "diff-matrix-wrap", id: "diff-matrix"});
  const metrics = h("div", {class: "diff-metrics", id: "diff-metrics"});
  const counts = h("p", {class: "note", id: "diff-flip-counts"});
  const lists = FLIP_KINDS.map((kind) => createFlipList(kind, (offset) => set((s) => pageFlips(s, kind, offset))));
  const forgetting = createForgettingView();
  const results = h("div", {class: "diff-results"},
    h("div", {class: "two-columns"}, h("div", {}, matrix), metrics), counts,
    h("div", {class: "two-columns"}, lists.map((list) => list.element)));
  const body = h("div", {id: "diff-body", hidden: true}, controls, caption, status, results, forgetting.element);
  const element = h("section", {class: "card diff-card", id: "diff", "aria-label": "Diff"},
    h("div", {class: "card-head"}, h("h2", {}, "Diff"),
      h("span", {class: "note"}, "two steps or two runs: what changed, example by example"), toggle),
    body);
  let picksKey = null;
  let drawn = null;

  function update({state, task, catalogue}) {
    element.hidden = task === null;
    if (task === null) return;
    toggle.setAttribute("aria-expanded", String(state.diffOpen));
    setText(toggle, state.diffOpen ? "Close" : "Compare");
    body.hidden = !state.diffOpen;
    if (!state.diffOpen) return;
    const pair = comparison(state);
    pressed(modeButtons, pair.mode);
    pressed(showButtons, state.diffShow);
    modeButtons[1].disabled = state.runs.length < 2;
    modeButtons[1].title = state.runs.length < 2 ? "select two runs to compare them" : "";
    updatePicks(state, pair);
    const summary = diffRequest(state);
    if (!summary) {
      setText(caption, pair.note ?? "");
      replaceChildren(status);
      results.hidden = true;
      forgetting.update(null, null);
      return;
    }
    results.hidden = false;
    const entry = state.diffs[diffKey(state, summary)];
    replaceChildren(status, entry?.error ? h("div", {class: "error", id: "diff-error"}, entry.error)
      : !entry ? h("div", {class: "loading"}, "Loading\u2026") : null);
    results.classList.toggle("stale", !entry);
    if (entry?.error) results.hidden = true;
    if (entry?.answer) {
      const key = JSON.stringify([entry.at, state.diffShow, state.theme, catalogue ? 1 : 0]);
      if (key !== drawn) {
        drawn = key;
        draw(entry.answer, state, task, catalogue, pair);
      }
    }
    // The flips' media: B's run's, else A's (the examples are matched by id across the two).
    const media = mediaSource(state.tags, state.tag, pair.b?.run, pair.a?.run);
    for (const [k, kind] of FLIP_KINDS.entries()) {
      const params = diffRequest(state, kind, flipOffset(state, kind));
      lists[k].update(state.diffs[diffKey(state, params)] ?? null, entry?.answer ?? null, media);
    }
    const request = forgettingRequest(state);
    forgetting.update(request ? state.forgetting[cacheKey(state, request)] ?? null : null, request,
      request ? mediaSource(state.tags, request.tag, request.run) : null);
  }

  // The pickers: the run and step A (steps), or runs A and B (runs); rebuilt when their options change.
  function updatePicks(state, pair) {
    const runs = state.runs;
    const run = diffRun(state);
    const steps = (state.steps[run] || []).map((s) => s.step).filter((s) => s !== pair.b?.step);
    const key = JSON.stringify([pair.mode, runs, run, steps, pair.a, pair.b]);
    stepControls.hidden = pair.mode !== "steps";
    runControls.hidden = pair.mode !== "runs";
    if (key === picksKey) return;
    picksKey = key;
    const field = (label, control) => h("label", {class: "field"}, h("span", {class: "field-label"}, label), control);
    const runOptions = runs.map((r) => [r, r]);
    replaceChildren(stepControls,
      field("Run", select(runOptions, run, (value) => set({diffRun: value}), {id: "diff-run"})),
      field("Step A", select(steps.map((s) => [s, `step ${s}`]), pair.a?.step ?? "", (value) => set({diffStep: Number(value)}),
        {id: "diff-step-a", disabled: !steps.length})),
      h("span", {class: "note", id: "diff-step-b"}, pair.b ? `\u2192 B: step ${pair.b.step} (the shown step)` : ""));
    const pick = (index) => (value) => set((s) => {
      const now = comparison(s);
      const chosen = [now.a?.run ?? s.runs[0], now.b?.run ?? s.runs[1]];
      chosen[index] = value;
      if (chosen[0] === chosen[1]) chosen[1 - index] = s.runs.find((r) => r !== value);
      return {diffRuns: chosen};
    });
    replaceChildren(runControls,
      field("Run A", select(runOptions, pair.a?.run ?? "", pick(0), {id: "diff-run-a"})),
      field("Run B", select(runOptions, pair.b?.run ?? "", pick(1), {id: "diff-run-b"})),
      h("span", {class: "note"}, "each at the shown step"));
  }

  function draw(answer, state, task, catalogue, pair) {
    const side = (s) => `${s.run} \u00b7 step ${s.step}`;
    const al = answer.alignment;
    const parts = [`A: ${side(answer.a)} \u2192 B: ${side(answer.b)}`, decisionText(answer.decision),
      `${formatCount(al.aligned)} examples matched by ${al.by === "id" ? "id" : "index"}`];
    if (al.only_a || al.only_b) parts.push(`${formatCount(al.only_a)} only in A, ${formatCount(al.only_b)} only in B (left out)`);
    if (al.label_changed) parts.push(`${formatCount(al.label_changed)} relabelled`);
    setText(caption, parts.join(" \u00b7 "));
    drawMatrix(answer, state, pair);
    drawMetrics(answer, task, catalogue);
    const f = answer.flips;
    setText(counts, `${formatCount(f.learned)} learned \u00b7 ${formatCount(f.forgotten)} forgotten \u00b7 `
      + `${formatCount(f.stayed_correct)} stayed right \u00b7 ${formatCount(f.stayed_wrong)} stayed wrong`);
    counts.dataset.learned = String(f.learned);
    counts.dataset.forgotten = String(f.forgotten);
  }

  function drawMatrix(answer, state, pair) {
    const grid = differenceCells(answer, state.diffShow, state.theme);
    if (!grid) {
      replaceChildren(matrix, h("p", {class: "note"}, `The difference matrix is shown up to ${MAX_MATRIX_CLASSES} classes `
        + `(this tag has ${answer.class_names.length}); \u201ctb-confusion diff --format json\u201d gives it.`));
      return;
    }
    const clickable = taskInfo(answer.task).matrix === "classes";
    const open = (i, j) => selectCell(pair.b.run, i, j);
    const head = h("tr", {}, h("th", {class: "corner", scope: "col"}, "actual \\ predicted"),
      grid.columns.map((name) => h("th", {scope: "col", class: "diff-col", title: name}, name)));
    const rows = grid.cells.map((row, i) => h("tr", {},
      h("th", {scope: "row", class: "diff-row", title: grid.rows[i]}, grid.rows[i]),
      row.map((cell, j) => h("td", {class: `diff-cell ${cell.tone}`, tabindex: clickable ? "0" : null,
        role: clickable ? "button" : null, title: cellTitle(answer, i, j),
        dataset: {true: String(i), pred: String(j), value: String(cell.value ?? ""), tone: cell.tone},
        style: cell.fill ? {background: cell.fill, color: cell.color} : null,
        onclick: clickable ? () => open(i, j) : null,
        onkeydown: clickable ? (event) => {
          if (event.key === "Enter" || event.key === " ") { event.preventDefault(); open(i, j); }
        } : null}, cell.text))));
    const what = state.diffShow === "row" ? "row-% points (B\u2019s share of the row minus A\u2019s)" : "counts";
    replaceChildren(matrix,
      h("table", {class: "diff-matrix", "aria-label": `Difference matrix B \u2212 A, ${what}`}, h("thead", {}, head), h("tbody", {}, rows)),
      h("p", {class: "note diff-legend"}, h("span", {class: "diff-swatch better"}), " better (more right, fewer wrong) ",
        h("span", {class: "diff-swatch worse"}), ` worse \u00b7 B \u2212 A in ${what}`,
        clickable ? " \u00b7 click a cell for its examples at B" : ""));
  }

  function drawMetrics(answer, task, catalogue) {
    const rows = metricDeltas(catalogue, task, answer);
    replaceChildren(metrics, h("table", {class: "metrics-table diff-metrics-table"},
      h("thead", {}, h("tr", {}, h("th", {scope: "col"}, "Metric"), h("th", {scope: "col", class: "num"}, "A"),
        h("th", {scope: "col", class: "num"}, "B"), h("th", {scope: "col", class: "num"}, "B \u2212 A"))),
      h("tbody", {}, rows.map((row) => h("tr", {dataset: {key: row.key}},
        h("th", {scope: "row"}, row.label),
        h("td", {class: "num"}, formatMetric(row.a)), h("td", {class: "num"}, formatMetric(row.b)),
        h("td", {class: `num delta ${row.tone ?? ""}`, dataset: {value: String(row.delta ?? ""), tone: row.tone ?? ""},
          title: row.tone === "better" ? "better" : row.tone === "worse" ? "worse" : ""}, row.text))))));
  }

  return {element, update};
}

function pressed(buttons, value) {
  for (const button of buttons) {
    const on = button.dataset.value === value;
    button.classList.toggle("on", on);
    button.setAttribute("aria-pressed", on ? "true" : "false");
  }
}

function decisionText(decision) {
  if (decision.thresholds) return `per-label thresholds ${decision.thresholds.map(formatThreshold).join(", ")}`;
  if (decision.cutoff !== null && decision.cutoff !== undefined) return `cutoff ${formatThreshold(decision.cutoff)}`;
  if (decision.threshold !== null && decision.threshold !== undefined) return `threshold ${formatThreshold(decision.threshold)}`;
  return "argmax";
}

// One list of flips ("learned" or "forgotten"): its title and total, a page of examples, the pager.
function createFlipList(kind, onPage) {
  const [name, meaning] = KIND_TEXT[kind];
  const total = h("span", {class: "note", id: `diff-${kind}-total`});
  const body = h("div", {class: "examples-body"});
  const pager = createPager(onPage, {previous: `diff-${kind}-prev`, next: `diff-${kind}-next`});
  const element = h("section", {class: "diff-flips", id: `diff-${kind}`, "aria-label": name},
    h("h3", {}, name, " ", h("span", {class: "note"}, `(${meaning})`), " ", total), body, pager.element);
  let shown = null;
  return {
    element,
    /** entry: the cache entry of this page, or null while it loads; summary: the summary's answer;
     * media: {run, tag} of the examples' media (example_media.js), or null. */
    update(entry, summary, media = null) {
      body.classList.toggle("stale", !entry);
      if (!entry) return;
      if (entry.error) {
        shown = null;
        replaceChildren(body, h("div", {class: "error"}, entry.error));
        pager.update(null);
        return;
      }
      const page = entry.answer.examples;
      const key = [entry, media?.run];
      if (shown?.[0] !== key[0] || shown?.[1] !== key[1]) {
        shown = key;
        setText(total, `${formatCount(page.total)}`);
        replaceChildren(body, page.total ? flipsTable(page.examples, summary ?? entry.answer, media)
          : h("p", {class: "empty-hint"}, `No ${name.toLowerCase()} examples.`));
      }
      pager.update(page);
    },
  };
}

// A page of flips: each example's media (when logged) and id, its actual class with its probability
// before -> after, the predicted class before and after with their probabilities (the examples drawer's
// cells and numbers).
function flipsTable(examples, answer, media) {
  const head = (text, cls = null, tip = null) => h("th", {scope: "col", class: cls, title: tip}, text);
  return h("table", {class: "metrics-table examples-table", dataset: {columns: "flips", ...(media ? {media: ""} : {})}},
    h("thead", {}, h("tr", {}, mediaHead(media), head("Example"), head("Actual"),
      head("p A \u2192 B", "prob", "the probability of the actual class in A and in B"),
      head("Before (A)"), head("p", "prob", "the probability A gave its prediction"),
      head("After (B)"), head("p", "prob", "the probability B gave its prediction"))),
    h("tbody", {}, examples.map((e) => {
      const names = flipClasses(e, answer);
      return h("tr", {dataset: {id: e.id}},
        media ? mediaCell(media, e.id) : null,
        h("td", {class: "example-id", title: e.id}, e.id),
        classCell(names.relabelled === null ? names.true : `${names.true} (was ${names.relabelled})`),
        h("td", {class: "prob"}, `${probabilityText(e.true_score_a)} \u2192 ${probabilityText(e.true_score_b)}`),
        classCell(names.before), h("td", {class: "prob"}, probabilityText(e.score_a)),
        classCell(names.after), h("td", {class: "prob"}, probabilityText(e.score_b)));
    })));
}
