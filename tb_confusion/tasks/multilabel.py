"""C independent yes/no labels: label k is predicted when its probability >= its own threshold."""

import numpy as np

from tb_confusion import metrics as m
from tb_confusion.tasks import panel_parts, report_parts
from tb_confusion.tasks._shapes import label_range_problem
from tb_confusion.tasks.base import Task


class Multilabel(Task, name="multilabel", label="Multilabel", matrix="labels", decision="per_label",
                 cell_needs_label=True):
    def check(self, labels, probabilities, num_classes):
        expected = (len(labels), num_classes)
        if labels.shape != expected or probabilities.shape != expected:
            return (f"multilabel labels and probabilities must have shape {expected}; "
                    f"got {labels.shape} and {probabilities.shape}")
        return label_range_problem(labels, 2)

    def class_counts(self, statistics):
        return m.one_vs_rest_counts(statistics.labels, statistics.probabilities, statistics.weights)

    def report(self, statistics, options):
        labels, probabilities, weights = statistics.labels, statistics.probabilities, statistics.weights
        names, per_label = statistics.class_names, options["thresholds"]
        y = labels.astype(bool, copy=False)
        predicted = m.multilabel_predictions(probabilities, per_label)
        matrices = m.confusion.label_matrices(y, predicted, weights)
        tn, fp, fn, tp = (matrices[:, i, j] for i, j in ((0, 0), (0, 1), (1, 0), (1, 1)))
        metrics, undefined = m.per_class_metrics(tp, fp, fn, tn, names)
        report_parts.with_fbeta(metrics, undefined, tp, fp, fn, tn, names, options)
        exact = (y == predicted).all(axis=1)
        total = len(y) if weights is None else weights.sum()
        metrics["accuracy"] = float(np.average(exact, weights=weights)) if total else None
        metrics["hamming_loss"] = float((fp + fn).sum() / (total * len(names))) if total else None
        metrics["balanced_accuracy"] = report_parts.mean_defined([m.balanced_accuracy(x) for x in matrices])
        kappas, mccs = [], []
        for name, x in zip(names, matrices):
            kappa, mcc = report_parts.agreement(x, undefined, prefix=f".per_class.{name}")
            kappas.append(kappa)
            mccs.append(mcc)
        metrics["cohen_kappa"] = {"per_class": kappas, "macro": report_parts.mean_defined(kappas)}
        # micro: every (example, label) decision pooled, the summed 2x2 (torchmetrics' multilabel MCC)
        micro_mcc, micro_undefined = m.matthews_corrcoef(matrices.sum(axis=0))
        metrics["mcc"] = {"per_class": mccs, "macro": report_parts.mean_defined(mccs), "micro": micro_mcc}
        if micro_undefined:
            undefined.append("mcc.micro")
        for name in ("accuracy", "hamming_loss", "balanced_accuracy"):
            if metrics[name] is None:
                undefined.append(name)
        all_counts = statistics.class_counts
        metrics.update(report_parts.ranking_once(statistics, tp + fn, names, undefined))
        report_parts.micro_ranking(statistics, metrics, undefined)
        metrics["log_loss"] = statistics.memo(("log_loss",), lambda: m.log_loss(
            labels, probabilities, task="multilabel", sample_weight=weights))
        metrics["top_k_accuracy"] = None
        metrics["iou"]["mean"] = metrics["iou"]["macro"]
        report = {
            "threshold": per_label.tolist(), "cutoff": None, "beta": report_parts.beta(options),
            "confusion_matrix": matrices.sum(axis=0), "predicted_labels": ["negative", "positive"],
            "label_confusion_matrices": matrices,
            "metrics": metrics, "undefined": undefined,
            "recommended_thresholds": statistics.memo(
                ("recommended", options["cost_fp"], options["cost_fn"]),
                lambda: [m.recommended_thresholds(c, cost_fp=options["cost_fp"], cost_fn=options["cost_fn"])
                         for c in all_counts]),
        }
        if options["curves"]:
            report["curves"] = report_parts.curves(all_counts, names, per_label.tolist(), None, options)
        return report

    def panel_stats(self, statistics, report):
        labels = [panel_parts.binary_stats(counts, statistics.weights) for counts in statistics.class_counts]
        return {"labels": labels, "exact": all([label.pop("exact") for label in labels])}

    def cell_assignment(self, statistics, *, threshold=None, cutoff=None, label=None):
        threshold = 0.5 if threshold is None else threshold
        p = statistics.probabilities[:, label].astype(np.float64)
        positive = p >= threshold
        truth = np.asarray(statistics.labels[:, label], dtype=np.int64)
        return truth, positive.astype(np.int64), np.where(positive, p, 1.0 - p)

    def example_scores(self, statistics, rows, *, true, pred, label=None):
        p = statistics.probabilities[rows, label].astype(np.float64)
        return (p if true == 1 else 1.0 - p), None, None
