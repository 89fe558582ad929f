"""Countries a question names, and whether a passage names them too.

A question about a country («ما اسم قانون مكافحة تهريب المهاجرين في المغرب؟», "How do I apply
for a work visa in Austria?") is answered by a passage that names that country; when the
closest passage does not, the report has nothing on it there
(:func:`fahras.retrieval.answer.refuse`).

The names are the ``country`` entries of the glossary (``retrieval/crosslingual/data/countries.tsv``: ISO
3166-1 names in English and Arabic, and the UN Arabic spellings). An English question's
countries are found by the glossary's own matching; an Arabic text's by its normalized Arabic
forms, with a leading conjunction or preposition («والمغرب», «للمغرب»). A few Arabic names
that are also common words are left out (:data:`AMBIGUOUS_AR`: «مالي» is also "financial").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from fahras.retrieval.arabic import normalize, normalize_with_offsets

# Arabic country names that are also common words of report prose (normalized): «مالي»
# (financial), «عمان» (Amman), «قطر» (diameter, region).
AMBIGUOUS_AR = frozenset({"مالي", "عمان", "قطر"})
_CLITIC = "(?:و|ب|ف|ك)?"


@dataclass(frozen=True)
class Country:
    name: str                 # its first English name ("Morocco")
    written: str              # as the question wrote it («المغرب», "Moroccan")
    forms: tuple[str, ...]    # its normalized Arabic names


def _alternatives(forms) -> str:
    alts = []
    for f in sorted(forms, key=len, reverse=True):
        alts.append(re.escape(f))
        if f.startswith("ال") and len(f) > 3:  # «للمغرب»
            alts.append("لل" + re.escape(f[2:]))
    return "|".join(alts)


def _pattern(forms) -> re.Pattern:
    return re.compile(r"(?<!\w)%s(%s)(?!\w)" % (_CLITIC, _alternatives(forms)))


@lru_cache(maxsize=1)
def _table() -> tuple[dict[str, tuple[str, tuple[str, ...]]], re.Pattern | None]:
    """Each normalized Arabic form -> (English name, all forms of its country), and one
    pattern for them all."""
    from fahras.retrieval.crosslingual.glossary import load_glossary

    by_form: dict[str, tuple[str, tuple[str, ...]]] = {}
    for e in load_glossary().entries:
        if e.kind != "country":
            continue
        forms = tuple(dict.fromkeys(normalize(f) for f in e.ar))
        for f in forms:
            if f not in AMBIGUOUS_AR:
                by_form.setdefault(f, (e.en[0], forms))
    return by_form, (_pattern(by_form) if by_form else None)


def _form_of(matched: str, by_form) -> str | None:
    for f in (matched, "ال" + matched[2:] if matched.startswith("لل") else None):
        if f in by_form:
            return f
    return None


def named_countries(text: str, latin: bool) -> list[Country]:
    """The countries a question names, in order, each once."""
    out: dict[str, Country] = {}
    if latin:
        from fahras.retrieval.crosslingual.glossary import load_glossary

        for m in load_glossary().match(text):
            if m.entry.kind == "country":
                forms = tuple(dict.fromkeys(normalize(f) for f in m.entry.ar))
                out.setdefault(m.entry.en[0], Country(m.entry.en[0], m.source, forms))
        return list(out.values())
    by_form, pattern = _table()
    if pattern is None:
        return []
    norm = normalize_with_offsets(text)
    for m in pattern.finditer(norm.text):
        form = _form_of(m.group(1), by_form)
        if form is None:
            continue
        name, forms = by_form[form]
        a, b = norm.original_span(*m.span(1))
        written = text[a:b]
        if form != m.group(1):  # «للنمسا»: the name is «النمسا»
            written = "ال" + written[2:]
        out.setdefault(name, Country(name, written, forms))
    return list(out.values())


def mentions(country: Country, normalized_text: str) -> bool:
    """Whether a normalized Arabic text names ``country`` (by any of its forms)."""
    forms = [f for f in country.forms if f not in AMBIGUOUS_AR]
    return bool(forms) and _pattern(forms).search(normalized_text) is not None
