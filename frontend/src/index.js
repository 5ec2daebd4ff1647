// The Confusion tab's entry point: TensorBoard's plugin iframe imports ./index.js and calls render().
// The other modules are served under ./static/ (see tb_confusion/plugin.py).

import {renderPanel} from "./static/app.js";

export function render() {
  renderPanel();
}
