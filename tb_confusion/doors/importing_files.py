"""Saved predictions read into named columns: .npz, .npy files, CSV/TSV (optionally gzipped), Parquet.

Each input is a `Table`: its column (or array) names are known before anything large is read, and
`load(names)` reads only those. Cells are returned as they are stored (text for CSV); `numbers()` turns
them into numbers and names the first bad cell. Problems raise BadArgument naming the file, the column
and, for CSV, the line. pyarrow (Parquet) is imported only when a Parquet file is read.
"""

import csv
import gzip
import io
import itertools
import operator
import os
import zipfile

import numpy as np

from tb_confusion.errors import BadArgument

# The file endings read, longest first so ".csv.gz" wins over ".gz".
FORMATS = {".csv.gz": "csv", ".tsv.gz": "tsv", ".csv": "csv", ".tsv": "tsv", ".npz": "npz", ".parquet": "parquet",
           ".pq": "parquet"}
INSTALL_HINT = 'pip install "tb-confusion[log]"'


def format_of(path, override=None):
    """"npz", "csv", "tsv" or "parquet" for `path` (from its ending, or `override`)."""
    if override:
        return override
    lower = path.lower()
    for ending, kind in FORMATS.items():
        if lower.endswith(ending):
            return kind
    if lower.endswith(".npy"):
        raise BadArgument(f"{path}: a .npy file holds one array; pass it with --labels / --probabilities "
                          "(and --example-ids / --weights), not as FILE")
    raise BadArgument(f"{path}: unknown file type; expected one of {', '.join(FORMATS)} "
                      "(or name the format with --input-format)")


def open_table(path, kind, *, delimiter=None):
    """The Table reading `path` as `kind` (see `format_of`); checks the file exists first."""
    if not os.path.isfile(path):
        raise BadArgument(f"{path}: no such file" if not os.path.exists(path) else f"{path}: not a file")
    if kind == "npz":
        return NpzTable(path)
    if kind == "parquet":
        return ParquetTable(path)
    return CsvTable(path, delimiter or ("\t" if kind == "tsv" else ","))


def _unreadable(where, kind, error):
    return BadArgument(f"{where}: cannot be read as {kind} ({type(error).__name__}: {error})")


class Table:
    """One input's columns. `where` names it in messages; `noun` is "column" or "array"."""

    noun = "column"

    def __init__(self, where):
        self.where = where
        self.path = where  # the file whose name gives --step-from-name its number

    @property
    def names(self):
        raise NotImplementedError

    def load(self, names, progress):
        """{name: numpy array} of `names` (1-D, or 2-D for stored matrices); advances `progress` by bytes."""
        raise NotImplementedError

    def line(self, row):
        """How a message names data row `row` (0-based) of this input."""
        return f"row {row}"

    def size(self):
        return os.path.getsize(self.where)


class NpzTable(Table):
    noun = "array"

    def __init__(self, path):
        super().__init__(path)
        if not zipfile.is_zipfile(path):  # np.load would take it for a pickle, and say so
            raise BadArgument(f"{path}: not an .npz archive (np.savez writes a zip file)")
        try:
            with np.load(path, allow_pickle=False) as archive:
                self._names = list(archive.files)
        except (OSError, ValueError, zipfile.BadZipFile, EOFError) as error:
            raise _unreadable(path, "npz", error) from None

    @property
    def names(self):
        return self._names

    def load(self, names, progress):
        out = {}
        try:
            with np.load(self.where, allow_pickle=False) as archive:
                for name in names:
                    out[name] = _array(archive, name, self.where)
        except (OSError, zipfile.BadZipFile, EOFError) as error:
            raise _unreadable(self.where, "npz", error) from None
        progress.update(self.size())
        return out


class NpyTable(Table):
    """.npy files given one per role (--labels a.npy --probabilities b.npy ...); names are the roles."""

    noun = "array"

    def __init__(self, paths):
        self.paths = {role: path for role, path in paths.items() if path is not None}
        for path in self.paths.values():
            if not os.path.isfile(path):
                raise BadArgument(f"{path}: no such file" if not os.path.exists(path) else f"{path}: not a file")
        super().__init__(" + ".join(self.paths.values()))
        self.path = self.paths["labels"]

    @property
    def names(self):
        return list(self.paths)

    def load(self, names, progress):
        out = {}
        for name in names:
            path = self.paths[name]
            try:
                out[name] = _array(None, name, path)
            except (OSError, EOFError) as error:
                raise _unreadable(path, "npy", error) from None
            progress.update(os.path.getsize(path))
        return out

    def size(self):
        return sum(os.path.getsize(path) for path in self.paths.values())


def _array(archive, name, path):
    """One stored array, refusing pickled objects (loading them would run code from the file)."""
    try:
        array = archive[name] if archive is not None else np.load(path, allow_pickle=False)
    except ValueError as error:
        if "allow_pickle" in str(error):
            raise BadArgument(f"{path}: {name} is an array of Python objects (stored with pickle, which is never "
                              "loaded); save text as a string array, e.g. np.asarray(ids, dtype=str)") from None
        raise _unreadable(path, "npy", error) from None
    if not isinstance(array, np.ndarray):
        raise BadArgument(f"{path}: {name} is not an array")
    return array


class CsvTable(Table):
    """A CSV/TSV file with a header row; ".gz" files are decompressed as they are read."""

    def __init__(self, path, delimiter):
        super().__init__(path)
        self.delimiter = delimiter
        try:
            with self._open(None) as text:
                header = next(csv.reader(text, delimiter=delimiter), None)
        except (OSError, UnicodeDecodeError, csv.Error, EOFError) as error:
            raise _unreadable(path, "CSV", error) from None
        if not header:
            raise BadArgument(f"{path}: the file is empty; expected a header row naming the columns")
        self._names = [name.strip() for name in header]

    @property
    def names(self):
        return self._names

    def _open(self, progress):
        raw = open(self.where, "rb")
        if progress is not None:
            raw = _Counting(raw, progress)
        if self.where.lower().endswith(".gz"):
            raw = gzip.GzipFile(fileobj=raw, mode="rb")
        return io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")

    def load(self, names, progress):
        for name in names:
            if self._names.count(name) > 1:
                raise BadArgument(f"{self.where}: column {name!r} appears {self._names.count(name)} times in "
                                  "the header; rename one")
        indices = [self._names.index(name) for name in names]
        # One C-level pick and extend per row into one flat list: per-cell appends, or rows kept as lists
        # (which the garbage collector then walks), take two to three times as long on large files.
        pick = operator.itemgetter(*indices)
        cells, width = [], len(self._names)
        add = cells.append if len(indices) == 1 else cells.extend
        try:
            with self._open(progress) as text:
                reader = csv.reader(text, delimiter=self.delimiter)
                next(reader)
                for row in reader:
                    if len(row) != width:
                        if not row:
                            continue  # blank lines, e.g. a trailing one
                        raise BadArgument(f"{self.where}, line {reader.line_num}: {len(row)} fields, but the header "
                                          f"has {width} ({', '.join(self._names)})")
                    add(pick(row))
        except (OSError, UnicodeDecodeError, csv.Error, EOFError) as error:
            raise _unreadable(self.where, "CSV", error) from None
        table = np.empty(len(cells), dtype=object)  # text cells; numbers() parses them
        table[:] = cells
        table = table.reshape(-1, len(indices))
        return {name: table[:, k] for k, name in enumerate(names)}

    def line(self, row):
        """The line on which data row `row` starts (read again: only messages need it)."""
        with self._open(None) as text:
            reader = csv.reader(text, delimiter=self.delimiter)
            next(reader)
            data_rows = (reader.line_num for cells in reader if cells)
            found = next(itertools.islice(data_rows, row, None), None)
        return f"line {found}" if found is not None else f"row {row}"


class _Counting(io.RawIOBase):
    """A binary file that advances a progress bar by the bytes read from it."""

    def __init__(self, raw, progress):
        self._raw, self._progress = raw, progress

    def readable(self):
        return True

    def readinto(self, buffer):
        count = self._raw.readinto(buffer)
        self._progress.update(count or 0)
        return count

    def close(self):
        self._raw.close()
        super().close()


class ParquetTable(Table):
    def __init__(self, path):
        super().__init__(path)
        try:
            import pyarrow.parquet as pq
        except ImportError:
            raise BadArgument(f"{path}: reading Parquet needs pyarrow, which is not installed: "
                              f"{INSTALL_HINT}") from None
        try:
            self._file = pq.ParquetFile(path)
        except (OSError, ValueError) as error:  # pyarrow's ArrowInvalid is a ValueError
            raise _unreadable(path, "Parquet", error) from None
        self._names = list(self._file.schema_arrow.names)

    @property
    def names(self):
        return self._names

    def load(self, names, progress):
        try:
            table = self._file.read(columns=list(names))
        except (OSError, ValueError) as error:
            raise _unreadable(self.where, "Parquet", error) from None
        out = {name: self._column(table.column(name), name) for name in names}
        progress.update(self.size())
        return out

    def _column(self, column, name):
        import pyarrow as pa
        import pyarrow.compute as pc

        if column.null_count:
            first = int(np.flatnonzero(column.is_null().to_numpy(zero_copy_only=False))[0])
            raise BadArgument(f"{self.where}: column {name!r} has {column.null_count} empty (null) cells; the "
                              f"first is row {first}")
        kind = column.type
        if pa.types.is_list(kind) or pa.types.is_large_list(kind) or pa.types.is_fixed_size_list(kind):
            # a list per row, e.g. a pandas column of probability vectors: a [N, C] matrix when rows agree
            column = column.combine_chunks()
            lengths = pc.list_value_length(column).to_numpy(zero_copy_only=False)
            if len(lengths) and (lengths != lengths[0]).any():
                row = int(np.argmax(lengths != lengths[0]))
                raise BadArgument(f"{self.where}: column {name!r} holds lists of different lengths: row 0 has "
                                  f"{lengths[0]}, row {row} has {lengths[row]}")
            values = pc.list_flatten(column)
            if values.null_count:
                raise BadArgument(f"{self.where}: column {name!r} has empty (null) values inside its lists")
            width = int(lengths[0]) if len(lengths) else 0
            return values.to_numpy(zero_copy_only=False).reshape(len(lengths), width)
        return column.to_numpy()


def numbers(values, table, column, role):
    """`values` as a numeric array (bool and numbers kept; text parsed to float64); BadArgument naming the
    role, the input, the column and the first cell that is not a number."""
    if values.dtype == np.bool_ or np.issubdtype(values.dtype, np.number):
        return values
    if values.dtype.kind in "USO":
        try:
            return values.astype(np.float64)
        except (TypeError, ValueError):
            pass
        for row, cell in enumerate(values.reshape(len(values), -1)):
            for value in cell:
                value = str(value) if isinstance(value, str) else value  # np.str_ reprs as "np.str_('x')"
                try:
                    float(value)
                except (TypeError, ValueError):
                    what = "the cell is empty" if isinstance(value, str) and not value.strip() else \
                        f"{value!r} is not a number"
                    raise BadArgument(f"{table.where}, {table.line(row)}, {table.noun} {column!r} ({role}): "
                                      f"{what}") from None
    raise BadArgument(f"{table.where}, {table.noun} {column!r} ({role}) must be numeric; got dtype {values.dtype}")
