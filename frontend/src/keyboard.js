// The panel's keys: left/right arrows (and j/k) scrub the steps when no field has the focus (a field
// or list uses the arrows itself); space plays or pauses when no control at all has it (on a button, a
// cell or a scroller space keeps its own meaning); Escape clears the selected cell.

const FIELD = "input, select, textarea";
const CONTROL = "button, a[href], summary, [tabindex], [contenteditable], [role=button]";

/** What has the focus: "field" (an input, select or textarea), "control" (in something space
 * presses or scrolls) or null (the page). */
export function focusKind(target) {
  if (target?.matches?.(FIELD)) return "field";
  if (target?.closest?.(CONTROL)) return "control";
  return null;
}

/** The action for a key press ({key, altKey, ctrlKey, metaKey, repeat}) with that focus:
 * {action (a name in actions.js), args, preventDefault}, or null to leave the key to the browser. */
export function keyCommand(event, focus) {
  if (focus === "field" || event.altKey || event.ctrlKey || event.metaKey) return null;
  switch (event.key) {
    case " ":
      return focus === "control" || event.repeat ? null : {action: "togglePlay", args: [], preventDefault: true};
    case "ArrowLeft":
    case "j":
      return {action: "stepBy", args: [-1], preventDefault: true};
    case "ArrowRight":
    case "k":
      return {action: "stepBy", args: [1], preventDefault: true};
    case "Escape":
      return {action: "clearSelection", args: [], preventDefault: false};
    default:
      return null;
  }
}

/** Listen for keydown on `target` (the document) and run the matching action of `actions`. */
export function installKeyboard(target, actions) {
  target.addEventListener("keydown", (event) => {
    const command = keyCommand(event, focusKind(event.target));
    if (!command) return;
    if (command.preventDefault) event.preventDefault();
    actions[command.action](...command.args);
  });
}
