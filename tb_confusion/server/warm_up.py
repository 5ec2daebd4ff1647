"""The steps the Confusion tab opens on, built in the background while its page loads.

The tab's first request is its entry module (`/index.js`); its first `stats` follow ~0.1-0.3 s later, after
the module, the tags and a render. A cold `stats` of a large step takes about as long again (decoding the
step, its sorted counts, the answer), so the plugin starts building the answers the tab will ask for when
the entry module is asked for: the latest step of the first tag's first runs, the panel's default view
(frontend/src/selection.js defaultSelection). The requests that come meanwhile wait for that build
(cache.ByteLRU.get_or_compute) instead of starting their own.
"""

import logging
import threading

from tb_confusion.reading import selection

logger = logging.getLogger(__name__)

# The panel opens on the first tag (by name) and its first four runs (selection.run_order).
OPENING_RUNS = 4


def opening_view(tags):
    """[(run, tag)] the panel shows first, given the `tags` route's answer ({run: {tag: info}})."""
    names = sorted({tag for infos in tags.values() for tag, info in infos.items() if "error" not in info})
    if not names:
        return []
    tag = names[0]
    runs = sorted((run for run, infos in tags.items() if tag in infos and "error" not in infos[tag]),
                  key=selection.run_order)
    return [(run, tag) for run in runs[:OPENING_RUNS]]


class WarmUp:
    """Runs `job()` on a daemon thread, one at a time: a tab opened while one runs starts none."""

    def __init__(self):
        self._lock = threading.Lock()
        self._thread = None
        self.runs = 0  # jobs started (for tests)

    def start(self, job):
        """Start `job` unless one is running; True when started."""
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                return False
            self._thread = threading.Thread(target=self._run, args=(job,), name="tb_confusion warm-up", daemon=True)
            self.runs += 1
            self._thread.start()
            return True

    def join(self, timeout=None):
        """Wait for the running job (tests)."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)

    @staticmethod
    def _run(job):
        try:
            job()
        except Exception:  # the tab's own requests meet the same problem and report it
            logger.debug("tb_confusion: warming the opening view failed", exc_info=True)
