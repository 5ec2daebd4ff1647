"""Shape and range checks the tasks share."""


def label_range_problem(labels, high):
    """What is wrong with class indices outside [0, high), or None."""
    if len(labels) and (labels.min() < 0 or labels.max() >= high):
        return f"labels must lie in [0, {high}); got values from {labels.min()} to {labels.max()}"
    return None


def single_label_problem(labels, probabilities, num_classes, columns_fit, columns_problem):
    """What is wrong with [N] class indices and their probabilities, or None: the shapes first, then
    `columns_fit` (the task's rule for the probability columns, explained by `columns_problem`), then
    the label range."""
    if labels.ndim != 1 or len(probabilities) != len(labels):
        return f"labels must have shape [N] matching probabilities; got {labels.shape} and {probabilities.shape}"
    if not columns_fit:
        return columns_problem
    return label_range_problem(labels, num_classes)
