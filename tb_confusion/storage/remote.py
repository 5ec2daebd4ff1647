"""Logdirs on remote storage (s3://, gs://, any fsspec URL) through TensorBoard's TF-free file layer.

TensorBoard's stub gfile serves s3:// with boto3 (imported only when such a path is used) and every
other scheme with fsspec. Its failures (botocore, fsspec and gfile errors) come out of here as
tb_confusion's: a missing bucket or path is errors.LogdirNotFound naming it, anything else the store
refused or could not be reached for is StorageError. See docs/s3.md.
"""

import contextlib
import sys

from tb_confusion.errors import BadArgument, Error, LogdirNotFound, StorageError


def is_remote(path):
    """Whether `path` is a URL (scheme://...) rather than a local path."""
    return "://" in str(path)


def normalized(url, name="logdir"):
    """`url` without trailing slashes; an s3:// URL must name a folder inside its bucket."""
    scheme, _, rest = str(url).partition("://")
    rest = rest.rstrip("/")
    if scheme == "s3" and "/" not in rest:
        # TensorBoard's S3 layer cannot list a bucket's root (it splits bucket and key at the first "/").
        raise BadArgument(f"{name} must be a folder inside a bucket, like s3://{rest or 'bucket'}/logs; "
                          f"got {url!r}")
    return f"{scheme}://{rest}"


def isdir(url):
    """Whether `url` is a directory holding something (object stores have no empty directories)."""
    with translated(url):
        return _filesystem(url).isdir(url)


def walk(url):
    """Yield (directory, file names) under `url`, top down, as os.walk does."""
    with translated(url):
        fs = _filesystem(url)
        pending = [url]
        while pending:
            directory = pending.pop(0)
            files, subdirectories = [], []
            for entry in sorted(fs.listdir(directory)):
                path = fs.join(directory, entry)
                (subdirectories if fs.isdir(path) else files).append(entry)
            yield directory, files
            pending[:0] = [fs.join(directory, entry) for entry in subdirectories]


def makedirs(url):
    """Create the directory `url` (a marker object on S3); a missing bucket raises LogdirNotFound."""
    with translated(url):
        _filesystem(url).makedirs(url)


def read_all(path):
    """The whole file at `path` as bytes (one GET on S3)."""
    with translated(path):
        data, _ = _filesystem(path).read(path, True)
        return bytes(data)


def read_range(path, start, size):
    """At most `size` bytes of the file at `path` from byte `start` (fewer at its end): one ranged GET."""
    with translated(path):
        gfile = _gfile()
        fs = _filesystem(path)
        if isinstance(fs, getattr(gfile, "S3FileSystem", ())):
            token = {"byte_offset": start}  # the S3 layer's continuation token: a byte offset
        elif isinstance(fs, getattr(gfile, "FSSpecFileSystem", ())):
            token = {"opaque_offset": start}  # fsspec's: the offset it seeks to (bytes in binary mode)
        else:
            return read_all(path)[start:start + size]
        # S3 ranges are inclusive, so the S3 layer hands back one byte more than asked for.
        data, _ = fs.read(path, True, size, token)
        return bytes(data[:size])


class RemoteFile:
    """A file being written through the file layer. Object stores cannot append: every `flush` uploads
    the whole file again (what TensorBoard's own writers do on S3)."""

    def __init__(self, path):
        self.path = path
        with translated(path):
            self._file = _gfile().GFile(path, "wb")

    def write(self, data):
        with translated(self.path):
            self._file.write(data)

    def flush(self):
        with translated(self.path):
            self._file.flush()

    def close(self):
        with translated(self.path):
            self._file.close()


@contextlib.contextmanager
def translated(path):
    """Turn the file layer's failures on `path` into LogdirNotFound or StorageError."""
    try:
        yield
    except Error:
        raise
    except Exception as error:
        replacement = _translation(error, str(path))
        if replacement is None:
            raise
        raise replacement from error


def _translation(error, path):
    botocore = sys.modules.get("botocore.exceptions")  # loaded only if boto3 served the request
    if botocore is not None and isinstance(error, botocore.ClientError):
        details = error.response.get("Error", {})
        code, message = details.get("Code", "?"), details.get("Message", "")
        if code == "NoSuchBucket":
            bucket = path.partition("://")[2].split("/")[0]
            return LogdirNotFound(f"{path!r} does not exist: there is no bucket {bucket!r} ({code})")
        if code in ("NoSuchKey", "404"):
            return LogdirNotFound(f"{path!r} does not exist ({code})")
        return StorageError(f"{path!r}: the store refused the request: {code} {message}".rstrip())
    if botocore is not None and isinstance(error, botocore.NoCredentialsError):
        return StorageError(f"{path!r}: no S3 credentials found: set AWS_ACCESS_KEY_ID and "
                            "AWS_SECRET_ACCESS_KEY, or AWS_PROFILE (docs/s3.md)")
    if botocore is not None and isinstance(error, botocore.BotoCoreError):  # no endpoint, bad config, ...
        return StorageError(f"{path!r}: {error}")
    stub_errors = sys.modules.get("tensorboard.compat.tensorflow_stub.errors")
    if isinstance(error, FileNotFoundError) or (
            stub_errors is not None and isinstance(error, stub_errors.NotFoundError)):
        return LogdirNotFound(f"{path!r} does not exist ({_describe(error)})")
    if isinstance(error, OSError) or (stub_errors is not None and isinstance(error, stub_errors.OpError)):
        return StorageError(f"{path!r}: {_describe(error)}")
    return None


def _describe(error):
    return getattr(error, "message", None) or str(error) or type(error).__name__


def _gfile():
    from tensorboard.compat.tensorflow_stub.io import gfile

    return gfile


def _filesystem(path):
    """The file layer's filesystem for `path`; StorageError naming what to install when there is none."""
    try:
        return _gfile().get_filesystem(path)
    except (ImportError, ValueError) as error:
        scheme = str(path).partition("://")[0]
        hint = ("pip install 'tb_confusion[s3]' (boto3)" if scheme == "s3"
                else f"install the fsspec package for {scheme}:// (e.g. gcsfs for gs://)")
        raise StorageError(f"{str(path)!r}: no filesystem for {scheme}:// here ({error}); {hint}") from None
