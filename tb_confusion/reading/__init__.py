"""Getting steps back: `offline` reads a logdir's event files without a server (tbc.read, the CLI),
`provider` reads through TensorBoard's data provider (the plugin), `selection` is their one rule for
which (run, tag, step)s a request names."""
