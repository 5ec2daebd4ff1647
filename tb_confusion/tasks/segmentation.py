"""Per-element classification (semantic segmentation): every pixel of every image is one count in a
C x C matrix. Steps are accumulated sums (tb_confusion.counts), never raw probabilities; the decision is
the argmax with an optional confidence cutoff, as for multiclass."""

import numpy as np

from tb_confusion import metrics as m
from tb_confusion.counts.state import CUTOFF_BINS, SCORE_BINS
from tb_confusion.errors import BadArgument
from tb_confusion.tasks import report_parts
from tb_confusion.tasks.multiclass import BELOW_CUTOFF, Multiclass
from tb_confusion.tasks.panel_parts import as_counts


class Segmentation(Multiclass, name="segmentation", label="Segmentation (per pixel)", decision="cutoff",
                   storage="counts", examples="images"):
    # Not Multiclass's: the `curves` route serves multiclass steps (the panel draws no curves for per-pixel ones;
    # `report?curves=1` has them), and its argmax matrix would need each pixel's probabilities
    class_curves = None

    def check(self, labels, probabilities, num_classes):
        return "segmentation steps are accumulated: log them with tb_confusion.Accumulator"

    def class_counts(self, statistics):
        return statistics.counts.class_counts()

    def report(self, statistics, options):
        state, names, cutoff = statistics.counts, statistics.class_names, options["cutoff"]
        matrix = state.matrix_at(cutoff)
        if not state.weighted:
            matrix = matrix.astype(np.int64)
        tp, fp, fn, tn = m.class_counts(matrix)
        metrics, undefined = report_parts.threshold_metrics(matrix, tp, fp, fn, tn, names, options)
        metrics["cohen_kappa"], metrics["mcc"] = report_parts.agreement(matrix, undefined)
        metrics.update(report_parts.ranking_once(statistics, tp + fn, names, undefined))
        auc, (ap, ap_undefined) = statistics.memo(("micro_ranking",), lambda: (
            m.roc_auc(state.micro_counts()), m.average_precision(state.micro_counts())))
        metrics["roc_auc"]["micro"], metrics["average_precision"]["micro"] = auc, ap
        undefined += ["roc_auc.micro"] * (auc is None) + ["average_precision.micro"] * ap_undefined
        total = state.total
        metrics["log_loss"] = state.log_loss / total if total else None
        metrics["top_k_accuracy"] = {str(k): (float(hits / total) if total else None)
                                     for k, hits in zip(state.ks, state.top_k)}
        metrics["iou"]["mean"] = metrics["iou"]["macro"]
        support = np.asarray(tp + fn, dtype=np.float64)
        iou = np.asarray(metrics["iou"]["per_class"])
        metrics["frequency_weighted_iou"] = float(np.dot(support, iou) / support.sum()) if support.sum() else None
        metrics["dice"] = dict(metrics["f1"])
        for name in ("log_loss", "frequency_weighted_iou"):
            if metrics[name] is None:
                undefined.append(name)
        coverage = (1.0 - float(matrix[:, -1].sum() / total) if cutoff is not None else 1.0) if total else None
        report = {
            "threshold": None, "cutoff": cutoff, "coverage": coverage, "beta": report_parts.beta(options),
            "confusion_matrix": matrix,
            "predicted_labels": names + ([BELOW_CUTOFF] if cutoff is not None else []),
            "metrics": metrics, "undefined": undefined, "recommended_thresholds": None,
            "num_elements": total if state.weighted else int(total),
            "binned": {"score_bins": SCORE_BINS, "cutoff_bins": CUTOFF_BINS,
                       "roc_auc_error_bound": statistics.memo(("auc_bound",), state.auc_error_bound)},
        }
        if options["curves"]:
            points = [(f / (f + t) if f + t else 0.0, p / (p + n) if p + n else 0.0, p / (p + f) if p + f else 0.0)
                      for p, f, n, t in zip(tp, fp, fn, tn)]
            report["curves"] = report_parts.curves(statistics.class_counts, names, [None] * len(names), points,
                                                   options)
        return report

    def panel_stats(self, statistics, report):
        """The multiclass cells as the panel reads them, from each cell's top-score histogram: one entry
        per non-empty bin at its lower edge, with the running count (cum_weights) carrying the counts, so
        the panel's cutoff matrix equals the report's at every cutoff."""
        state = statistics.counts
        cells = state.cells
        filled = cells > 0
        per_cell = filled.sum(axis=1)
        cell, band = np.nonzero(filled)  # row-major: cells in order, bins ascending within each
        running = np.cumsum(cells[cell, band])
        starts = np.concatenate([[0], np.cumsum(per_cell)])
        base = np.concatenate([[0.0], running])[starts[:-1]]
        cum = running - np.repeat(base, per_cell)
        weighted = state.weighted
        multiclass = {
            "cell_offsets": starts.astype(np.int64),
            "top_scores": band / CUTOFF_BINS,
            "cum_weights": cum if weighted else cum.astype(np.int64),
            "cell_totals": as_counts(cells.sum(axis=1), None if not weighted else True),
        }
        return {"multiclass": multiclass, "exact": True}

    def cell_assignment(self, statistics, *, threshold=None, cutoff=None, label=None):
        return statistics.per_example_unavailable("each pixel's cell")

    def example_scores(self, statistics, rows, *, true, pred, label=None):
        return statistics.per_example_unavailable("each pixel's probabilities")

    def examples_page(self, statistics, *, true, pred, cutoff=None, offset=0, limit=50, order="confidence"):
        """The images with pixels in cell (true, pred) at the argmax, most pixels first: each with its
        index, id, `count` (its pixels in the cell) and `score` (their share of the image's pixels)."""
        state, c = statistics.counts, len(statistics.class_names)
        if pred >= c:
            raise BadArgument("accumulated steps keep each image's cells at the argmax only; the "
                              f"{BELOW_CUTOFF!r} column lists no images (set the cutoff to 0)")
        if order != "confidence":
            raise BadArgument(f"order {order!r} needs each pixel's probabilities, which accumulated steps do not "
                              "keep; images are listed by their pixels in the cell")
        rows, cells, counts = state.examples()
        pixels = np.bincount(rows, counts, minlength=state.num_examples)
        inside = np.flatnonzero(cells == true * c + pred)
        inside = inside[np.lexsort((rows[inside], -counts[inside]))]
        page = inside[offset:offset + limit]
        examples = [{
            "index": int(rows[k]), "id": statistics.record.example_id(int(rows[k])), "true": int(true),
            "pred": int(pred), "count": _number(counts[k], state.weighted),
            "score": float(counts[k] / pixels[rows[k]]) if pixels[rows[k]] else 0.0,
            "true_score": None, "runner_up": None, "runner_up_score": None, "likely_issue": False,
        } for k in page]
        return {"total": int(len(inside)), "offset": offset, "limit": limit, "order": order, "likely_issues": 0,
                "elements": _number(counts[inside].sum(), state.weighted), "examples": examples}


def _number(value, weighted):
    return float(value) if weighted else int(round(float(value)))
