"""The errors of the domain, one home for all of them: what a caller did wrong or what the data lacks.

Each is raised where the problem is found and translated once at the edge: the server answers
`HTTP_STATUS[type]` with a JSON body (server/json_http), the CLI prints the message and exits 2.
They subclass the builtin a Python caller would catch (LookupError, ValueError, FileNotFoundError),
so `except ValueError` around a writer or `except LookupError` around `tbc.read` keeps working.
"""


class Error(Exception):
    """Base class of every error tb_confusion raises on purpose; the message is for a person."""


class NotFound(Error, LookupError):
    """A run, tag or step (or a logdir) that does not exist; the message lists what does."""


class LogdirNotFound(NotFound, FileNotFoundError):
    """The logdir itself does not exist or is not a directory."""


class Unreadable(Error, ValueError):
    """Stored data that cannot be decoded: a damaged event file or payload, or foreign bytes."""


class NewerFormat(Unreadable):
    """Data written by a newer tb_confusion than the one reading it: upgrading fixes it."""


class NotStored(Error, LookupError):
    """Something a step's storage kind does not keep, e.g. each pixel's probabilities of an accumulated
    step; the message says what the step does keep."""


class StorageError(Error, OSError):
    """Remote storage (s3://, gs://) that could not be reached or refused the request; the message names
    the path and what the store said."""


class BadArgument(Error, ValueError):
    """An argument (a parameter of a call, a route or the CLI) outside what it accepts; the message
    names the argument and the bad value."""


class SkippedWarning(UserWarning):
    """Damaged data that a reader skipped, reading the rest (`tbc.read`); the message names it."""


HTTP_STATUS = {BadArgument: 400, NotFound: 404, Unreadable: 422, NotStored: 422, StorageError: 502}


def http_status(error):
    """The HTTP status that answers `error` (400 for any Error without a more specific one)."""
    for kind in type(error).__mro__:
        if kind in HTTP_STATUS:
            return HTTP_STATUS[kind]
    return 400
