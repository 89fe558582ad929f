"""How to cite a passage: report title, date and paragraph or recommendation number.

«تقرير عن اجتماع الفريق العامل المعني بتهريب المهاجرين ... (26 تموز/يوليه 2024)، الفقرة 17»
"Report on the meeting of the Working Group on the Smuggling of Migrants ... (26 July 2024),
para. 17"

The Arabic title and the date come from the report's header (``Searcher.documents``). The
English title and the document symbol are not in an Arabic report: they are read, when
present, from a metadata file beside the report, ``<document id>.meta.json`` (keys
``title_en``, ``symbol``), e.g. ``fahras/data/wg-som-2024-report.ar.meta.json``. Without it an
English citation names the report by its Arabic title.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

from fahras.index.report import ITEM_LETTERS, Passage

# The UN's Arabic month names (as the report itself writes them: «تموز/يوليه»).
MONTHS_AR = {
    "January": "كانون الثاني/يناير", "February": "شباط/فبراير", "March": "آذار/مارس",
    "April": "نيسان/أبريل", "May": "أيار/مايو", "June": "حزيران/يونيه",
    "July": "تموز/يوليه", "August": "آب/أغسطس", "September": "أيلول/سبتمبر",
    "October": "تشرين الأول/أكتوبر", "November": "تشرين الثاني/نوفمبر",
    "December": "كانون الأول/ديسمبر",
}
_DATE = re.compile(r"^(\d{1,2}) ([A-Z][a-z]+) (\d{4})$")


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


def date_ar(date: str | None) -> str | None:
    """«26 تموز/يوليه 2024» for "26 July 2024" (other forms are returned as they are)."""
    if not date:
        return None
    m = _DATE.match(date.strip())
    if not m or m.group(2) not in MONTHS_AR:
        return date
    return f"{m.group(1)} {MONTHS_AR[m.group(2)]} {m.group(3)}"


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
        when = ", ".join(x for x in (sym, date_ar(meta.get("date"))) if x)
        head = f"{title_ar} ({when})" if when else title_ar
        return f"{head}، {reference_ar(passage, offset)}"
    when = ", ".join(x for x in (sym, meta.get("date")) if x)
    head = f"{title_en} ({when})" if when else title_en
    return f"{head}, {reference_en(passage, offset)}"
