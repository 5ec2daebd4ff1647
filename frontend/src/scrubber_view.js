// The epoch scrubber: previous / next, a slider over every logged step, play.

import {h, setText} from "./dom.js";

export function createScrubber(actions) {
  let steps = [];
  const slider = h("input", {type: "range", id: "step-slider", min: 0, max: 0, step: 1, value: 0, "aria-label": "Step",
    oninput: (event) => steps.length && actions.setStep(steps[Number(event.target.value)])});
  const play = h("button", {class: "icon-button", id: "play-button", "aria-label": "Play through the steps", onclick: () => actions.togglePlay()}, "\u25B6");
  const label = h("span", {class: "step-label", id: "step-label", "aria-live": "polite"});
  const element = h("div", {class: "field scrubber"},
    h("span", {class: "field-label"}, "Step"),
    h("button", {class: "icon-button", id: "prev-step", "aria-label": "Previous step", title: "Previous step (\u2190)", onclick: () => actions.stepBy(-1)}, "\u2039"),
    slider,
    h("button", {class: "icon-button", id: "next-step", "aria-label": "Next step", title: "Next step (\u2192)", onclick: () => actions.stepBy(1)}, "\u203A"),
    play, label);

  function update({state, steps: next}) {
    steps = next;
    slider.max = String(Math.max(0, steps.length - 1));
    const i = steps.indexOf(state.step);
    if (i >= 0 && slider.value !== String(i)) slider.value = String(i);
    slider.disabled = steps.length < 2;
    slider.setAttribute("aria-valuetext", state.step === null ? "no steps" : `step ${state.step}`);
    setText(play, state.playing ? "\u275A\u275A" : "\u25B6");
    play.setAttribute("aria-label", state.playing ? "Pause" : "Play through the steps");
    setText(label, state.step === null ? "no steps yet" : `${state.step}  (${i + 1} of ${steps.length})`);
  }

  return {element, update};
}
