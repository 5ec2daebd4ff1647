"""The Confusion tab inside TensorBoard: the plugin and its routes, JSON and errors over HTTP, the byte
bounded cache, the browser's files, and what the panel's routes answer (panel_data)."""
