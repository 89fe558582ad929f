"""The errors Fahras reports to users.

Every error a user can cause (a bad query, a missing or mismatched index, a corpus that is not
UTF-8...) is a :class:`FahrasError` with a message that says what happened and what to do.
The CLI prints it on one line and exits non-zero; it never shows a traceback for these.

An error is raised with a message code of :mod:`fahras.messages` and its parameters,
``UsageError("query_empty")``: ``str(error)`` is the English text, ``error.text("ar")`` the
Arabic one, and ``error.code`` / ``error.params`` say what happened to a program.
"""

from fahras import messages


class FahrasError(Exception):
    """A problem the user can understand and act on."""

    exit_code = 1

    def __init__(self, code: str, /, **params):
        self.code, self.params = code, params
        super().__init__(messages.text(code, "en", **params))

    def text(self, lang: str | None = "en") -> str:
        """The message in ``lang`` ("en" or "ar")."""
        return messages.text(self.code, lang, **self.params)

    def to_json(self) -> dict:
        return {"code": self.code, "params": messages.jsonable(self.params), "text": str(self)}

    def __reduce__(self):  # pickled (a worker process) with its code, not its English text
        return (_rebuild, (type(self), self.code, self.params))


def _rebuild(cls, code: str, params: dict) -> "FahrasError":
    return cls(code, **params)


class UsageError(FahrasError):
    """Bad input from the user (an empty query, an unknown option value...)."""

    exit_code = 2


class IndexError_(FahrasError):
    """The index on disk is missing, damaged, or was built differently from what is asked."""


class ModelError(FahrasError):
    """The embedding model cannot be provisioned, loaded or verified."""


class CorpusError(FahrasError):
    """A corpus file cannot be read (missing, empty, not UTF-8, no passages)."""
