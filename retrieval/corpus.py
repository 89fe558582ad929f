"""What a search knows about the documents of a multi-document index.

- citation metadata of each hit's document (symbol, title, date, year, language);
- filters by document, year and language (masks over the passages);
- language versions linked passage to passage. UN documents keep their paragraph numbering in
  all six languages, so paragraph 17 of the Arabic version of CTOC/COP/WG.7/2024/5 is paragraph
  17 of its English original. Passages with the same kind and number in documents with the same
  version key (the symbol, else the file name without its language suffix: ``report.ar`` /
  ``report.en``) are linked, so that an English hit shows its Arabic paragraph and the reverse.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import numpy as np

from fahras.errors import UsageError
from fahras.index.report import LANGUAGES, Passage, version_key_for

CITE_FIELDS = ("id", "symbol", "title", "date", "year", "lang", "source")
LANG_CODES = tuple(LANGUAGES.values())


def parse_years(values: Iterable[int | str] | None) -> set[int] | None:
    """Years from ``2024``, ``"2022-2024"`` or ``"2022,2023"``; None when no filter."""
    if not values:
        return None
    out: set[int] = set()
    for v in values:
        for part in str(v).split(","):
            part = part.strip()
            m = re.fullmatch(r"(\d{4})(?:\s*[-–]\s*(\d{4}))?", part)
            if not m:
                raise UsageError("year_filter_form", value=part)
            a, b = int(m.group(1)), int(m.group(2) or m.group(1))
            if b < a:
                a, b = b, a
            out.update(range(a, b + 1))
    return out


def parse_langs(values: Iterable[str] | None) -> set[str] | None:
    if not values:
        return None
    out = set()
    for v in values:
        for part in str(v).split(","):
            code = part.strip().lower()
            if code in ("arabic",):
                code = "ar"
            elif code in ("english",):
                code = "en"
            if code not in LANG_CODES:
                raise UsageError("unknown_language", value=part.strip(),
                                 choices=", ".join(LANG_CODES))
            out.add(code)
    return out


def _listed(values, limit: int = 12) -> str:
    values = [str(v) for v in values]
    return ", ".join(values[:limit]) + (", ..." if len(values) > limit else "")


def select_documents(documents: Sequence[dict], docs=None, years=None,
                     langs=None) -> list[str] | None:
    """The ids of the documents that the document, year and language filters select (None when
    none is given), refusing a filter that matches no document of the index with a message
    that says what the index holds: ``--doc bogus``, ``--lang fr`` on a corpus with no French,
    ``--year 1999``; or filters that match nothing together."""
    years_wanted, langs_wanted = parse_years(years), parse_langs(langs)
    docs_wanted = [str(d) for d in docs] if docs else None
    if docs_wanted is None and years_wanted is None and langs_wanted is None:
        return None
    ids = [str(d.get("id")) for d in documents]
    if docs_wanted is not None:
        missing = [d for d in docs_wanted if d not in ids]
        if len(missing) == len(docs_wanted):
            raise UsageError("filter_no_document", doc=missing[0], documents=_listed(ids))
    if langs_wanted is not None:
        present = sorted({d.get("lang") for d in documents if d.get("lang")})
        if not langs_wanted & set(present):
            raise UsageError("filter_no_language", lang=", ".join(sorted(langs_wanted)),
                             langs=_listed(present) or "-")
    if years_wanted is not None:
        present = sorted({int(d["year"]) for d in documents if d.get("year")})
        if not present:
            raise UsageError("filter_no_year_known")
        if not years_wanted & set(present):
            raise UsageError("filter_no_year", years=", ".join(str(v) for v in years),
                             corpus_years=_listed(present))
    chosen = [d["id"] for d in documents
              if (docs_wanted is None or d.get("id") in docs_wanted)
              and (langs_wanted is None or d.get("lang") in langs_wanted)
              and (years_wanted is None or (d.get("year") or 0) in years_wanted)]
    if not chosen:
        raise UsageError("filter_nothing_matches")
    return chosen


class CorpusMeta:
    """Document metadata, filters and language-version links for one index."""

    def __init__(self, documents: Sequence[dict], passages: Sequence[Passage]):
        self.documents = {d["id"]: d for d in documents}
        self.passages = passages
        doc_of = [p.doc for p in passages]
        self._year = np.array([self._doc(d).get("year") or 0 for d in doc_of], dtype=np.int64)
        self._lang = np.array([self._doc(d).get("lang") or "" for d in doc_of], dtype=object)
        self.links = link_versions(documents, passages)

    def _doc(self, doc_id: str) -> dict:
        return self.documents.get(doc_id) or {"id": doc_id}

    def citation(self, doc_id: str) -> dict:
        """What a researcher needs to cite a document."""
        d = self._doc(doc_id)
        return {k: d.get(k) for k in CITE_FIELDS}

    def mask(self, years=None, langs=None) -> np.ndarray | None:
        """Passages of documents of these years / languages (None: no filter)."""
        years, langs = parse_years(years), parse_langs(langs)
        if years is None and langs is None:
            return None
        out = np.ones(len(self.passages), dtype=bool)
        if years is not None:
            out &= np.isin(self._year, sorted(years))
        if langs is not None:
            out &= np.isin(self._lang, sorted(langs))
        return out

    def linked(self, index: int) -> list[dict]:
        """The other-language versions of passage ``index``."""
        out = []
        for j in self.links.get(index, ()):
            p = self.passages[j]
            out.append({"id": p.id, "doc": p.doc, "lang": self._doc(p.doc).get("lang"),
                        "label_ar": p.label_ar, "label_en": p.label_en, "text": p.text})
        return out


def link_versions(documents: Sequence[dict], passages: Sequence[Passage]) -> dict[int, list[int]]:
    """Passage index -> indexes of the same passage in the other versions of its document."""
    key_of = {d["id"]: d.get("version_key") or version_key_for(d["id"], d.get("symbol"))
              for d in documents}
    groups: dict[tuple[str, str, str], list[int]] = {}
    for i, p in enumerate(passages):
        if p.number is None:
            continue
        groups.setdefault((key_of.get(p.doc, p.doc), p.kind, p.number), []).append(i)
    links: dict[int, list[int]] = {}
    for members in groups.values():
        if len(members) < 2:
            continue
        for i in members:
            others = [j for j in members if passages[j].doc != passages[i].doc]
            if others:
                links[i] = others
    return links
