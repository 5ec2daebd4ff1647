// The Confusion tab's entry point: TensorBoard's plugin iframe imports ./index.js and calls render().
// The other modules are served under ./static/ (see tb_confusion/server/plugin.py). When the panel is
// bundled (`make bundle`), the server answers ./index.js with the bundle instead (server/assets.py).

export {render} from "./static/app.js";
