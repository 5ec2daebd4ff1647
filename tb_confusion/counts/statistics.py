"""The Statistics of an accumulated step: what build_report, the routes and the CLI read, from its sums.

It answers what tb_confusion.statistics.Statistics answers for the numbers (class_counts, memo, the
record's names); what needs every element's probabilities (per-pixel cells, calibration of other bins,
label issues, flips between epochs) raises errors.NotStored, which the server answers with a 422 that
says so instead of guessing.
"""

from tb_confusion import tasks
from tb_confusion.errors import NotStored
from tb_confusion.statistics import Statistics


class CountStatistics(Statistics):
    """Sufficient statistics of one CountsRecord. Attributes: record, task, counts (the CountState),
    class_names, positive_class, weights (None: the sums carry them), weighted, kind ("counts").
    `class_counts` (the task's: from the binned score histograms) and `memo` are Statistics'."""

    kind = "counts"
    weights = None

    def __init__(self, record):  # noqa: D107  (no Statistics.__init__: there are no arrays to check)
        self.record = record
        self.task = tasks.get(record.task)
        self.counts = record.counts
        self.class_names = [str(name) for name in record.class_names]
        self.positive_class = record.positive_class
        self._memo = {}

    @property
    def weighted(self):
        return self.counts.weighted

    def per_example_unavailable(self, what):
        raise NotStored(
            f"{self.record.run}/{self.record.tag} step {self.record.step} is accumulated ({self.task.label}), so "
            f"this needs what it does not store: {what}. It keeps sums: the matrix, per-class score histograms, "
            "15 calibration bins of the top-1 probability and each image's cell counts")

    @property
    def labels(self):
        return self.per_example_unavailable("each pixel's label")

    @property
    def probabilities(self):
        return self.per_example_unavailable("each pixel's probabilities")

    @property
    def top(self):
        return self.per_example_unavailable("each pixel's top class")

    def nbytes_bound(self):
        """An upper bound of the bytes this object holds (the state plus one BinaryCounts per class)."""
        return self.counts.nbytes() + self.counts.scores.size * 24 + 8192 * len(self.class_names) + 4096
