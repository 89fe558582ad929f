"""The corpus filters of a search -- passage kind, report part, document, year, language --
checked once, whatever engine then applies them (a mask over the passages in the embedded
engine, a filter expression in Milvus: :mod:`fahras.retrieval.backends.protocol`)."""

from __future__ import annotations

from dataclasses import dataclass

from fahras.errors import UsageError
from fahras.index.report import KINDS, PART_LABELS
from fahras.retrieval.corpus import parse_langs, parse_years

DEFAULT_KINDS = ("paragraph", "recommendation")


def check_parts(parts) -> None:
    """Refuse a part name that does not exist (as an unknown kind is): a typo would
    otherwise filter out every passage and look like "nothing found"."""
    unknown = set(parts) - set(PART_LABELS)
    if unknown:
        raise UsageError("unknown_part", part=sorted(unknown)[0], choices=", ".join(PART_LABELS))


@dataclass(frozen=True)
class Filters:
    """What a search keeps: passages of these kinds, and (None: any) of these parts, documents,
    years and languages."""

    kinds: tuple[str, ...] = DEFAULT_KINDS
    parts: tuple[str, ...] | None = None
    docs: tuple[str, ...] | None = None
    years: frozenset[int] | None = None
    langs: frozenset[str] | None = None

    @classmethod
    def of(cls, kinds=DEFAULT_KINDS, parts=None, docs=None, years=None, langs=None) -> "Filters":
        """Filters from a caller's values (``years``: ``2024``, ``"2022-2024"``...; ``langs``:
        codes or names), refusing an unknown kind, part, year form or language."""
        kinds = tuple(kinds) if kinds else KINDS
        unknown = set(kinds) - set(KINDS)
        if unknown:
            raise UsageError("unknown_kind", kind=sorted(unknown)[0], choices=", ".join(KINDS))
        if parts:
            check_parts(parts)
        years, langs = parse_years(years), parse_langs(langs)
        return cls(kinds, tuple(parts) if parts else None, tuple(docs) if docs else None,
                   None if years is None else frozenset(years),
                   None if langs is None else frozenset(langs))
