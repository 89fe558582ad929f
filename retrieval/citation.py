"""How to cite a passage: report title, date and paragraph or recommendation number.

«تقرير عن اجتماع الفريق العامل المعني بتهريب المهاجرين ... (26 تموز/يوليه 2024)، الفقرة 17»
"Report on the meeting of the Working Group on the Smuggling of Migrants ... (26 July 2024),
para. 17"

The title, the date and the document symbol («CTOC/COP/WG.7/2024/5», as UN citation practice
gives it) come from the document's header (``Searcher.documents``). What a header lacks -- an
Arabic report's English title, a symbol -- is read, when present, from a metadata file beside
the report, ``<document id>.meta.json`` (keys ``title_en``, ``symbol``), e.g.
``fahras/data/wg-som-2024-report.ar.meta.json``. Without it an English citation names the
report by its Arabic title, and a citation without a symbol gives the date alone. The date is
written in the citation's language («26 تموز/يوليه 2024» / "26 July 2024").
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from fahras.index.report import ITEM_LETTERS, Passage
from fahras.text.dates import MONTHS_AR_UN, MONTHS_EN, parse_date

MONTHS = {"ar": MONTHS_AR_UN, "en": MONTHS_EN}


@lru_cache(maxsize=64)
def _read_sidecar(path: str) -> dict:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def extra_metadata(meta: dict) -> dict:
    """The metadata file beside a report (``<id>.meta.json``), or ``{}``."""
    from fahras import config

    doc_id = str(meta.get("id") or "")
    if not doc_id or "/" in doc_id or "\\" in doc_id:
        return {}
    places = []
    if meta.get("source"):
        places.append(Path(str(meta["source"])).with_name(f"{doc_id}.meta.json"))
    places.append(config.bundled_corpus().with_name(f"{doc_id}.meta.json"))
    for place in places:
        if place.is_file():
            return _read_sidecar(str(place))
    return {}


def date_in(date: str | None, lang: str = "ar") -> str | None:
    """A document's date as ``lang`` writes it: «26 تموز/يوليه 2024» / "26 July 2024" for
    "26 July 2024", «2024/07/26» or «٢٦ تموز/يوليه ٢٠٢٤» (UN style: day, month, year, ASCII
    digits); what is not a date is returned as it is."""
    if not date:
        return None
    found = parse_date(str(date))
    if found is None:
        return date
    month = MONTHS.get(lang, MONTHS_EN)[found.month - 1]
    return " ".join(str(x) for x in (found.day, month, found.year) if x)


def date_ar(date: str | None) -> str | None:
    """«26 تموز/يوليه 2024» for "26 July 2024" (see :func:`date_in`)."""
    return date_in(date, "ar")


def titles(meta: dict) -> tuple[str, str]:
    """The report's Arabic and English titles (the English one falls back to the Arabic)."""
    extra = extra_metadata(meta)
    ar = str(meta.get("title") or meta.get("id") or "").strip()
    en = str(meta.get("title_en") or extra.get("title_en") or "").strip() or ar
    return ar, en


def symbol(meta: dict) -> str | None:
    return meta.get("symbol") or extra_metadata(meta).get("symbol") or None


def _item(passage: Passage, offset: int | None) -> tuple[str, str] | None:
    item = passage.item_at(offset) if offset is not None else None
    if item is None:
        return None
    return item.marker, ITEM_LETTERS.get(item.marker, item.marker)


def reference_ar(passage: Passage, offset: int | None = None) -> str:
    """«الفقرة 17», «التوصية 8», «الفقرة 28 (هـ)»."""
    label = passage.label_ar
    item = _item(passage, offset)
    return f"{label} ({item[0]})" if item else label


def reference_en(passage: Passage, offset: int | None = None) -> str:
    """"para. 17", "recommendation 8", "para. 28 (e)", "chapter II"."""
    if passage.kind == "paragraph":
        ref = f"para. {passage.number}"
    elif passage.kind == "recommendation":
        ref = f"recommendation {passage.number}"
    else:
        ref = passage.label_en[:1].lower() + passage.label_en[1:]
    item = _item(passage, offset)
    return f"{ref} ({item[1]})" if item else ref


def cite(passage: Passage, meta: dict | None, lang: str = "ar", offset: int | None = None) -> str:
    """The citation of a passage (narrowed to the list item at ``offset``), in ``lang``."""
    meta = meta or {"id": passage.doc}
    title_ar, title_en = titles(meta)
    sym = symbol(meta)
    if lang == "ar":
        when = "، ".join(x for x in (sym, date_in(meta.get("date"), "ar")) if x)
        head = f"{title_ar} ({when})" if when else title_ar
        return f"{head}، {reference_ar(passage, offset)}"
    when = ", ".join(x for x in (sym, date_in(meta.get("date"), "en")) if x)
    head = f"{title_en} ({when})" if when else title_en
    return f"{head}, {reference_en(passage, offset)}"
