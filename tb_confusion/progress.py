"""A progress bar on stderr for the command line: shown only on a terminal, only when tqdm is installed
(the `log` extra), and only once the work has taken `delay` seconds; otherwise a silent stand-in."""

import sys


def bar(show, *, delay=0.5, **options):
    """A tqdm bar (a context manager with `update(count)`) when `show`, else one that shows nothing."""
    if show:
        try:
            from tqdm import tqdm
        except ImportError:
            pass
        else:
            return tqdm(file=sys.stderr, delay=delay, leave=False, unit_scale=True, **options)
    return _Silent()


class _Silent:
    def update(self, count):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        return False
