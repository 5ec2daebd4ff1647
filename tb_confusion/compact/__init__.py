"""Compact storage of multiclass steps (ImageNet-size validation sets): per example the facts that keep the
matrix, the cutoff matrix, top-k, log loss, Brier score, calibration of the top-1 probability and each
cell's examples exact, plus per class a log-binned histogram of the other examples' scores for one-vs-rest
ROC and PR (facts: the writer's side; statistics: the reading side; docs/storage.md)."""
