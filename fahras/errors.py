"""The errors Fahras reports to users.

Every error a user can cause (a bad query, a missing or mismatched index, a corpus that is not
UTF-8...) is a :class:`FahrasError` with a message that says what happened and what to do.
The CLI prints it on one line and exits non-zero; it never shows a traceback for these.
"""


class FahrasError(Exception):
    """A problem the user can understand and act on."""

    exit_code = 1


class UsageError(FahrasError):
    """Bad input from the user (an empty query, an unknown option value...)."""

    exit_code = 2


class IndexError_(FahrasError):
    """The index on disk is missing, damaged, or was built differently from what is asked."""


class ModelError(FahrasError):
    """The embedding model cannot be provisioned, loaded or verified."""


class CorpusError(FahrasError):
    """A corpus file cannot be read (missing, empty, not UTF-8, no passages)."""
