"""The document, language and year filters of the web interface, as the CLI has them.

Their choices come from the documents of the index; a filter is offered only when the index
has more than one value for it (one report needs no document filter). Documents are many: a
searchable list where nothing chosen means every document. Languages and years are few:
checkboxes, all ticked at first. Nothing here imports gradio.
"""

from __future__ import annotations

from collections.abc import Sequence

from fahras.ui.documents import document_label, language_name


def languages(documents: Sequence[dict]) -> list[str]:
    return sorted({str(d["lang"]) for d in documents if d.get("lang")})


def years(documents: Sequence[dict]) -> list[str]:
    return [str(y) for y in sorted({int(d["year"]) for d in documents if d.get("year")})]


def offered(values: Sequence) -> bool:
    """Whether a filter is worth showing: it can tell at least two things apart."""
    return len(values) > 1


def document_choices(documents: Sequence[dict], lang: str) -> list[tuple[str, str]]:
    return [(document_label(d, lang), str(d["id"])) for d in documents]


def language_choices(documents: Sequence[dict], lang: str) -> list[tuple[str, str]]:
    return [(language_name(lang, code), code) for code in languages(documents)]


def narrowed(chosen: Sequence[str] | None, every: Sequence[str]) -> list[str] | None:
    """A checkbox filter as the library takes it: None when every value is ticked (no
    filter: a document without a year or language is not dropped), else the ticked ones."""
    if chosen is None:
        return None
    chosen = [str(c) for c in chosen if str(c) in every]
    return None if set(every) <= set(chosen) else chosen
