"""The documented error tree (docs/errors.md).

Every error Tutela raises on purpose derives from ``TutelaError``. The CLI prints ``str(error)`` as one line
on stderr and exits with ``error.exit_status``; anything else is a bug and shows a traceback only with --debug.

    TutelaError
    ├── UsageError             bad arguments or input documents (status 2)
    │   └── ConfigurationError bad TUTELA_* setting or missing secret (status 2)
    ├── NotFoundError          a named thing (bank, case, exhibit...) does not exist (status 2)
    ├── MediaError             one item could not be read or decoded; becomes that item's ``error`` (status 1)
    │   ├── UnreadableError    the bytes could not be read (permissions, I/O error, not a regular file)
    │   ├── DecodeError        the bytes are not a decodable image or video
    │   └── TooLargeError      refused by a size or pixel limit (decompression bombs)
    ├── StoreError             the store could not be opened or written (status 1)
    └── ConflictError          the thing changed since it was read, e.g. two examiners grading one group (status 1)
"""

from __future__ import annotations


class TutelaError(Exception):
    """Base of every error Tutela raises on purpose."""

    exit_status = 1


class UsageError(TutelaError):
    """Bad arguments or a bad input document."""

    exit_status = 2


class ConfigurationError(UsageError):
    """A TUTELA_* setting is invalid or a required secret is missing."""


class NotFoundError(TutelaError):
    """A thing named by the user does not exist."""

    exit_status = 2


class MediaError(TutelaError):
    """One item could not be processed; it becomes that item's ``error`` and the run goes on."""


class UnreadableError(MediaError):
    """The bytes could not be read."""


class DecodeError(MediaError):
    """The bytes are not a decodable image or video."""


class TooLargeError(MediaError):
    """Refused by a size or pixel limit."""



class StoreError(TutelaError):
    """The store could not be opened or written."""


class ConflictError(TutelaError):
    """The thing changed since it was read (two examiners grading one group at once): read it again."""


class RemoteError(TutelaError):
    """The match service refused a call (``status`` is its HTTP status) or could not be reached (None)."""

    def __init__(self, status: int | None, reason: str, *, retry_after: float | None = None) -> None:
        self.status, self.reason, self.retry_after = status, reason, retry_after
        super().__init__(f"match service: {reason}" if status is None else f"match service ({status}): {reason}")

    def __reduce__(self):
        return type(self), (self.status, self.reason), {"retry_after": self.retry_after}
