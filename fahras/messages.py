"""Every message the library can produce, in Arabic and in English.

The library says *what* happened as a code and its parameters; this module says it in a
language. The texts are in ``fahras/data/messages.tsv`` (code, English, Arabic), so that a
translator edits one table.

- :class:`fahras.errors.FahrasError` (and its subclasses) takes a code and parameters:
  ``UsageError("query_too_long", n=6000, limit=5000)``; ``str(error)`` is the English text (the
  CLI prints it), ``error.text("ar")`` the Arabic one (the web interface shows it).
- :class:`Message` is a text that is not an error (a note of a search, why ``ask`` refused): a
  ``str`` (its English text, so JSON and the CLI see plain text) that keeps its code and
  parameters for :func:`text` in another language.

A parameter that is itself a :class:`Message` is rendered in the same language («a date» /
«تاريخ»). A code that is not in the table is shown as it is (a message added elsewhere and not
yet translated never crashes; tests/test_messages.py fails instead).
"""

from __future__ import annotations

import re
import string
from functools import lru_cache
from pathlib import Path

LANGS = ("en", "ar")
CATALOG_FILE = Path(__file__).parent / "data" / "messages.tsv"
_INCLUDE = re.compile(r"\{@([a-z0-9_]+)\}")
_FORMATTER = string.Formatter()


@lru_cache(maxsize=1)
def catalog() -> dict[str, dict[str, str]]:
    """code -> {"en": template, "ar": template}, with ``{@code}`` includes resolved."""
    raw: dict[str, dict[str, str]] = {}
    for line in CATALOG_FILE.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        code, en, ar = line.split("\t")
        raw[code] = {"en": en, "ar": ar}

    def resolve(template: str, lang: str) -> str:
        return _INCLUDE.sub(lambda m: raw[m.group(1)][lang], template)

    return {code: {lang: resolve(t, lang) for lang, t in texts.items()}
            for code, texts in raw.items()}


def _lang(lang: str | None) -> str:
    return lang if lang in LANGS else "en"


def text(code: str, lang: str | None = "en", /, **params) -> str:
    """The message ``code`` in ``lang`` ("en" or "ar"), its parameters filled in."""
    entry = catalog().get(code)
    if entry is None:
        return str(code)
    lang = _lang(lang)
    values = {k: v.text(lang) if isinstance(v, Message) else v for k, v in params.items()}
    try:
        return entry[lang].format(**values)
    except (KeyError, IndexError, ValueError, TypeError):  # a parameter missing or of the wrong type
        return entry["en"] if lang != "en" else entry[lang]


class Message(str):
    """A message that is not an error: its English text, carrying its code and parameters."""

    code: str
    params: dict

    def __new__(cls, code: str, /, **params):
        self = super().__new__(cls, text(code, "en", **params))
        self.code, self.params = code, params
        return self

    def text(self, lang: str | None = "en") -> str:
        return text(self.code, lang, **self.params)

    def __reduce__(self):  # copy, pickle: rebuilt from the code, not from the English text
        return (_message, (self.code, self.params))

    def to_json(self) -> dict:
        return {"code": self.code, "params": jsonable(self.params), "text": str(self)}


def _message(code: str, params: dict) -> Message:
    return Message(code, **params)


def jsonable(params: dict) -> dict:
    """Parameters as plain JSON values (a nested message as its code and parameters)."""
    out = {}
    for k, v in params.items():
        if isinstance(v, Message):
            out[k] = {"code": v.code, "params": jsonable(v.params)}
        elif isinstance(v, dict) and "code" in v:  # a nested message already as JSON
            out[k] = {"code": str(v["code"]), "params": jsonable(v.get("params") or {})}
        elif isinstance(v, (str, int, float, bool)) or v is None:
            out[k] = v
        else:
            out[k] = str(v)
    return out


def from_json(data: dict) -> Message:
    """The inverse of :meth:`Message.to_json` (and of :func:`jsonable` for a nested one)."""
    params = {k: from_json(v) if isinstance(v, dict) and "code" in v else v
              for k, v in (data.get("params") or {}).items()}
    return Message(str(data.get("code")), **params)


def render(value, lang: str | None) -> str:
    """Any message in ``lang``: a :class:`Message`, an error with a code, the JSON of one
    (``{"code", "params"}``; ``{"text"}`` alone when it has no code), or plain text (shown as
    it is)."""
    if value is None:
        return ""
    if isinstance(value, Message) or hasattr(value, "code") and hasattr(value, "params"):
        return text(value.code, lang, **(value.params or {}))
    if isinstance(value, dict):
        return from_json(value).text(lang) if "code" in value else str(value.get("text", ""))
    return str(value)


# -- reading an English text back as a message ---------------------------------------------
@lru_cache(maxsize=1024)  # one per code of the catalog
def _pattern(code: str) -> re.Pattern | None:
    """The English template of ``code`` as a regular expression over its parameters (None
    when a parameter is formatted, ``{n:,}`` or ``{x!r}``: it could not be read back as is)."""
    template = catalog()[code]["en"]
    out, names = [], set()
    for literal, name, spec, conversion in _FORMATTER.parse(template):
        out.append(re.escape(literal))
        if spec or conversion:
            return None
        if name is not None:
            out.append(f"(?P={name})" if name in names else f"(?P<{name}>.+?)")
            names.add(name)
    return re.compile("".join(out) + r"\Z", re.S)


def parse(english: str, prefix: str = "") -> Message | None:
    """The message whose English text ``english`` is (among the codes starting with
    ``prefix``), its parameters read back; None when none matches. For texts made before their
    producer returned codes (``ask``'s reasons); a parameter that is itself the text of a
    parameterless message becomes that message, so it is translated too."""
    if isinstance(english, Message):
        return english
    plain = {entry["en"]: code for code, entry in catalog().items() if "{" not in entry["en"]}
    for code in catalog():
        if not code.startswith(prefix):
            continue
        pattern = _pattern(code)
        m = pattern.match(str(english)) if pattern else None
        if m:
            params = {k: Message(plain[v]) if v in plain else v for k, v in m.groupdict().items()}
            return Message(code, **params)
    return None

