"""Every threshold metric at all thresholds at once, and recommended thresholds, from one BinaryCounts.

No loop over thresholds: counts at any threshold are a binary search into the cumulative counts.
"""

import numpy as np

from tb_confusion.metrics._checks import check_nonnegative, check_unit_interval
from tb_confusion.metrics.per_class import divide
from tb_confusion.metrics.ranking import counts_at


def _safe(numerator, denominator):  # 0/0 -> 0, as everywhere in the core
    return divide(numerator, denominator)[0]


def rates(tp, fp, positives, negatives, *, cost_fp=1.0, cost_fn=1.0):
    """Threshold metrics (arrays) from tp and fp at each threshold; 0/0 gives 0 (zero_division=0)."""
    tp = np.asarray(tp, dtype=np.float64)
    fp = np.asarray(fp, dtype=np.float64)
    fn, tn = positives - tp, negatives - fp
    total = positives + negatives
    recall, specificity = _safe(tp, positives), _safe(tn, negatives)
    mcc_denominator = np.sqrt((tp + fp) * positives * negatives * (tn + fn))
    return {
        "tp": tp, "fp": fp, "fn": fn, "tn": tn,
        "precision": _safe(tp, tp + fp),
        "recall": recall,
        "specificity": specificity,
        "fpr": _safe(fp, negatives),
        "f1": _safe(2.0 * tp, positives + (tp + fp)),
        "accuracy": _safe(tp + tn, total),
        # scikit-learn averages recall over the classes present
        "balanced_accuracy": (recall + specificity) / 2 if positives and negatives else recall + specificity,
        "youden_j": recall - _safe(fp, negatives),
        "mcc": _safe(tp * tn - fp * fn, mcc_denominator),
        "cost": cost_fp * fp + cost_fn * fn,
    }


def sweep(counts, thresholds=None, *, cost_fp=1.0, cost_fn=1.0):
    """Dict of float64 arrays, one entry per threshold: "threshold", the counts tp/fp/fn/tn and precision,
    recall, specificity, fpr, f1, accuracy, balanced_accuracy, youden_j, mcc, cost (cost_fp*FP + cost_fn*FN).

    thresholds: any array of values (positive when score >= value, float64); default every distinct score.
    """
    if thresholds is None:
        thresholds = counts.thresholds.astype(np.float64)
        tp, fp = counts.tps, counts.fps
    else:
        thresholds = np.asarray(thresholds, dtype=np.float64)
        tp, fp = counts_at(counts, thresholds)
    out = rates(tp, fp, counts.positives, counts.negatives,
                cost_fp=check_nonnegative("cost_fp", cost_fp), cost_fn=check_nonnegative("cost_fn", cost_fn))
    return {"threshold": thresholds, **out}


def recommended_thresholds(counts, *, cost_fp=1.0, cost_fn=1.0):
    """{"max_f1", "youden_j", "min_cost"}: the best threshold by each rule among all distinct scores
    (ties go to the highest threshold), each with the values there; a rule is None when undefined.

    The candidates also include "nothing positive", a threshold just above the top score (possibly > 1),
    which min_cost may choose. Only the arrays each rule needs are computed (this runs on every report).
    """
    cost_fp = check_nonnegative("cost_fp", cost_fp)
    cost_fn = check_nonnegative("cost_fn", cost_fn)
    out = {"max_f1": None, "youden_j": None, "min_cost": None}
    if not len(counts.thresholds):
        return out
    tp, fp, p, n = counts.tps, counts.fps, counts.positives, counts.negatives
    above_all = float(np.nextafter(np.float64(counts.thresholds[0]), np.inf))

    def pick(values, none_value, best):
        # index of the best value, or None for the "nothing positive" point when it is at least as good
        i = int(best(values))
        return None if (none_value >= values[i] if best is np.argmax else none_value <= values[i]) else i

    def at(i, **values):
        if i is None:
            return {"threshold": above_all, **{k: float(v[1]) for k, v in values.items()}}
        return {"threshold": float(counts.thresholds[i]), **{k: float(v[0][i]) for k, v in values.items()}}

    if p > 0:
        f1 = 2.0 * tp / (p + tp + fp)
        i = pick(f1, 0.0, np.argmax)
        out["max_f1"] = at(i, f1=(f1, 0.0), precision=(tp / (tp + fp), 0.0), recall=(tp / p, 0.0))
    if p > 0 and n > 0:
        tpr, fpr = tp / p, fp / n
        j = tpr - fpr
        i = pick(j, 0.0, np.argmax)
        out["youden_j"] = at(i, youden_j=(j, 0.0), tpr=(tpr, 0.0), fpr=(fpr, 0.0))
    cost = cost_fp * fp + cost_fn * (p - tp)
    i = pick(cost, cost_fn * p, np.argmin)
    out["min_cost"] = at(i, cost=(cost, cost_fn * p), fp=(fp, 0.0), fn=(p - tp, p))
    out["min_cost"].update(cost_fp=cost_fp, cost_fn=cost_fn)
    return out


def threshold_for_recall(counts, target):
    """The highest threshold whose recall is >= target, with its precision and recall; None if none."""
    target = check_unit_interval("target recall", target)
    if counts.positives <= 0:
        return None
    recall = counts.tps / counts.positives
    hits = np.flatnonzero(recall >= target)
    if not len(hits):
        return None
    i = hits[0]
    return {"threshold": float(counts.thresholds[i]), "recall": float(recall[i]),
            "precision": float(counts.tps[i] / (counts.tps[i] + counts.fps[i]))}


def threshold_for_precision(counts, target):
    """The lowest threshold whose precision is >= target (the most recall at that precision: precision is
    not monotone, and the highest such threshold is usually the top score), or None."""
    target = check_unit_interval("target precision", target)
    if counts.positives <= 0:
        return None
    precision = counts.tps / (counts.tps + counts.fps)
    hits = np.flatnonzero(precision >= target)
    if not len(hits):
        return None
    i = hits[-1]
    return {"threshold": float(counts.thresholds[i]), "precision": float(precision[i]),
            "recall": float(counts.tps[i] / counts.positives)}
