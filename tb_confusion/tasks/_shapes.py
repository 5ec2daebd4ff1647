"""Shape and range checks the tasks share."""


def label_range_problem(labels, high):
    """What is wrong with class indices outside [0, high), or None."""
    if len(labels) and (labels.min() < 0 or labels.max() >= high):
        return f"labels must lie in [0, {high}); got values from {labels.min()} to {labels.max()}"
    return None


def single_label_problem(labels, probabilities):
    if labels.ndim != 1 or len(probabilities) != len(labels):
        return f"labels must have shape [N] matching probabilities; got {labels.shape} and {probabilities.shape}"
    return None
