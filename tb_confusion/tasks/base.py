"""What every task answers: the contract between a kind of prediction and the code that serves it."""


class Task:
    """One kind of classification problem. Code asks the task; it does not branch on its name.

    A subclass describes itself in its class statement and implements the methods; `tb_confusion.tasks`
    registers one instance of each. `statistics` arguments are tb_confusion.statistics.Statistics.

        class Multilabel(Task, name="multilabel", label="Multilabel", matrix="labels", ...):

    name: the task's key in logs and URLs. label: its name for people. matrix: what the panel draws,
    "classes" (true x predicted class) or "labels" (one 2x2 per label, summed for the overview).
    decision: what the user moves, "threshold" (one), "per_label" (one per label) or "cutoff".
    cell_needs_label: the examples route needs a `label` (a cell is a cell of one label's 2x2).
    storage: how its steps are stored, "exact" (every example's probabilities) or "counts" (sums
    accumulated batch by batch: tb_confusion.counts). examples: what one example is, for people
    ("examples", or "images" when each holds many counted elements).
    """

    def __init_subclass__(cls, *, name, label, matrix="classes", decision="threshold", cell_needs_label=False,
                          storage="exact", examples="examples", **kwargs):
        super().__init_subclass__(**kwargs)
        cls.name, cls.label, cls.matrix, cls.decision = name, label, matrix, decision
        cls.cell_needs_label, cls.storage, cls.examples = cell_needs_label, storage, examples

    def check(self, labels, probabilities, num_classes):
        """None when the arrays fit this task with `num_classes` classes, else what does not fit."""
        raise NotImplementedError

    def positive_class(self, stored):
        """The positive class index of a tag whose metadata stores `stored`."""
        return 0

    def class_counts(self, statistics):
        """One metrics.BinaryCounts per class (one-vs-rest), from one sort per class."""
        raise NotImplementedError

    def report(self, statistics, options):
        """The task's part of the report dict (docs/report.md) at `options` (see report.build_report)."""
        raise NotImplementedError

    def panel_stats(self, statistics, report):
        """The task's part of the `stats` route's object, with an "exact" flag (docs/http_api.md)."""
        raise NotImplementedError

    def cell_bounds(self, num_classes):
        """(highest true index, highest predicted index) of a matrix cell."""
        return 1, 1

    def cell_assignment(self, statistics, *, threshold=None, cutoff=None, label=None):
        """(true [N], predicted [N], score [N]): each example's cell and its predicted class's score."""
        raise NotImplementedError

    def example_scores(self, statistics, rows, *, true, pred, label=None):
        """For the examples `rows` of cell (true, pred): (probability of the true class [R], the runner-up
        class [R] or None, its probability [R] or None). The runner-up is the most probable class other
        than the predicted one; None where a task has no classes to rank (multilabel)."""
        raise NotImplementedError

    def describe(self):
        """What the panel mirrors of this task (frontend tasks.js is tested against it)."""
        return {"name": self.name, "label": self.label, "matrix": self.matrix, "decision": self.decision,
                "cell_needs_label": self.cell_needs_label, "storage": self.storage, "examples": self.examples}
