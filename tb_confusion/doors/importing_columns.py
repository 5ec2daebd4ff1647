"""Which columns of an input hold the labels, probabilities, ids, weights and steps, and their arrays.

`choose()` decides from the column names alone (before anything large is read); `assemble()` turns the
loaded cells into the arrays `summary.predictions_pb` takes, and `split()` cuts them into steps.
"""

import dataclasses
import os
import re

import numpy as np

from tb_confusion.doors.importing_files import FORMATS, numbers
from tb_confusion.errors import BadArgument

# Names looked for when no flag names the column (or the .npz array), first present wins.
DEFAULTS = {"labels": ("labels", "label"), "probabilities": ("probabilities", "probability"),
            "example_ids": ("example_ids", "example_id"), "weights": ("weights", "weight", "sample_weight"),
            "step": ("step",)}


@dataclasses.dataclass
class Options:
    """The column choices of the command line (None: the defaults above)."""

    label_columns: list[str] | None = None
    label_prefix: str | None = None
    probability_columns: list[str] | None = None
    probability_prefix: str | None = None
    id_column: str | None = None
    weight_column: str | None = None
    step_column: str | None = None
    use_step_column: bool = True  # False when --step / --step-from-name set the steps
    class_names: list[str] | None = None


@dataclasses.dataclass
class Choice:
    labels: list[str]
    probabilities: list[str]
    example_ids: str | None
    weights: str | None
    step: str | None
    class_names: list[str] | None  # given, or the suffixes of the probability prefix

    def columns(self):
        names = self.labels + self.probabilities + [self.example_ids, self.weights, self.step]
        return list(dict.fromkeys(name for name in names if name is not None))


def choose(table, options):
    """The Choice for `table` (an importing_files.Table); BadArgument naming a missing column and the
    columns the input has."""
    names = table.names

    def missing(name, flag):
        listed = ", ".join(repr(n) for n in names[:30]) + (", ..." if len(names) > 30 else "")
        return BadArgument(f"{table.where}: no {table.noun} {name!r} ({flag}); it has: {listed or 'none'}")

    def named(given, flag):
        for name in given:
            if name not in names:
                raise missing(name, flag)
        return list(given)

    def prefixed(prefix, flag):
        found = [name for name in names if name.startswith(prefix) and name != prefix]
        if not found:
            raise missing(prefix + "*", flag)
        return found

    def default(role):
        for name in DEFAULTS[role]:
            if name in names:
                return name
        return None

    class_names = options.class_names
    if options.label_columns:
        labels = named(options.label_columns, "--label-column")
    elif options.label_prefix:
        labels = prefixed(options.label_prefix, "--label-prefix")
    else:
        labels = [default("labels") or _raise(missing("labels", "the default; name it with --label-column"))]
    if options.probability_columns:
        probabilities = named(options.probability_columns, "--probability-columns")
    elif options.probability_prefix:
        probabilities = prefixed(options.probability_prefix, "--probability-prefix")
        if class_names is None:
            suffixes = [name[len(options.probability_prefix):] for name in probabilities]
            class_names = suffixes if len(suffixes) > 1 else None
    else:
        found = default("probabilities")
        if found is None:
            raise missing("probabilities", "the default; name them with --probability-columns or "
                                           "--probability-prefix")
        probabilities = [found]
    ids = named([options.id_column], "--id-column")[0] if options.id_column else default("example_ids")
    weights = (named([options.weight_column], "--weight-column")[0] if options.weight_column
               else default("weights"))
    step = None
    if options.step_column:
        step = named([options.step_column], "--step-column")[0]
    elif options.use_step_column:
        step = default("step")
    return Choice(labels, probabilities, ids, weights, step, class_names)


def _raise(error):
    raise error


def assemble(table, choice, cells):
    """{"labels", "probabilities", "example_ids", "weights", "step"} arrays from the loaded `cells`."""
    rows = {name: len(values) for name, values in cells.items()}
    if len(set(rows.values())) > 1:
        sizes = ", ".join(f"{name!r} {count}" for name, count in rows.items())
        raise BadArgument(f"{table.where}: its {table.noun}s have different lengths ({sizes}); labels, "
                          "probabilities, ids and weights need one entry per example")
    out = {"labels": _labels(table, choice, cells),
           "probabilities": _matrix(table, choice.probabilities, cells, "probabilities"),
           "example_ids": None, "weights": None, "step": None}
    if choice.example_ids is not None:
        ids = cells[choice.example_ids]
        out["example_ids"] = ids if ids.dtype.kind in "USO" else _whole(table, choice.example_ids, ids, "example_ids")
    if choice.weights is not None:
        out["weights"] = numbers(cells[choice.weights], table, choice.weights, "weights")
    if choice.step is not None:
        out["step"] = _whole(table, choice.step, numbers(cells[choice.step], table, choice.step, "step"), "step")
    return out


def _matrix(table, names, cells, role):
    if len(names) == 1:
        return numbers(cells[names[0]], table, names[0], role)
    columns = []
    for name in names:
        values = numbers(cells[name], table, name, role)
        if values.ndim != 1:
            raise BadArgument(f"{table.where}, {table.noun} {name!r} ({role}) has shape {values.shape}; several "
                              f"{role} {table.noun}s must each hold one value per example")
        columns.append(values)
    return np.column_stack(columns)


def _labels(table, choice, cells):
    """Labels as numbers; text cells that are class names become their index."""
    names = choice.labels
    if len(names) > 1 or cells[names[0]].dtype.kind not in "USO" or not choice.class_names:
        return _matrix(table, names, cells, "labels")
    values = cells[names[0]]
    try:
        return values.astype(np.float64)
    except (TypeError, ValueError):
        pass
    index = {name: i for i, name in enumerate(choice.class_names)}
    out = np.empty(len(values), dtype=np.float64)
    for row, value in enumerate(values.tolist()):
        if value in index:
            out[row] = index[value]
            continue
        try:
            out[row] = float(value)
        except (TypeError, ValueError):
            what = ("the cell is empty" if not str(value).strip() else
                    f"{value!r} is neither a class index nor one of the class names {choice.class_names}")
            raise BadArgument(f"{table.where}, {table.line(row)}, {table.noun} {names[0]!r} (labels): {what}") from None
    return out


def _whole(table, column, values, role):
    """Integer values (steps, ids); BadArgument naming the first that is not a whole number."""
    if values.dtype == np.bool_ or values.ndim != 1:
        raise BadArgument(f"{table.where}, {table.noun} {column!r} ({role}) must hold one integer per example; "
                          f"got dtype {values.dtype}, shape {values.shape}")
    if np.issubdtype(values.dtype, np.integer):
        return values.astype(np.int64)
    bad = ~np.isfinite(values) | (values != np.round(values)) | (np.abs(values) >= 2.0 ** 63)
    if bad.any():
        row = int(np.argmax(bad))
        raise BadArgument(f"{table.where}, {table.line(row)}, {table.noun} {column!r} ({role}): "
                          f"{values[row].item()!r} is not a whole number")
    return values.astype(np.int64)


def split(arrays):
    """[(step, arrays of that step's rows)] in ascending step order, by the "step" array."""
    steps = arrays["step"]
    out = []
    for step in np.unique(steps):
        rows = np.flatnonzero(steps == step)
        out.append((int(step), {key: None if value is None else value[rows] for key, value in arrays.items()
                                if key != "step"}))
    return out


NUMBER = re.compile(r"(\d+)")


def step_in_name(path):
    """The last number in the file's name without its ending (epoch_007.csv -> 7), or None."""
    name = os.path.basename(path)
    for ending in (*FORMATS, ".npy"):
        if name.lower().endswith(ending):
            name = name[:-len(ending)]
            break
    found = NUMBER.findall(name)
    return int(found[-1]) if found else None
