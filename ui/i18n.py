"""Every string the web interface shows, in Arabic and in English.

``t(lang, key, **values)`` returns the string for ``key`` in ``lang`` ("ar" or "en"), with
``{placeholders}`` filled in. Both languages must have exactly the same keys (a test checks).
Values put into a string here are plain text: the renderer escapes the result.
"""

from __future__ import annotations

LANGS = ("ar", "en")
DEFAULT_LANG = "ar"

STRINGS: dict[str, dict[str, str]] = {
    "ar": {
        "app_title": "فهرس",
        "tagline": "ابحث في التقرير واسأله بالعربية أو بالإنكليزية، واحصل على الفقرة التي تستشهد بها.",
        "query_label": "سؤالك أو كلمات البحث",
        "query_placeholder": "اكتب سؤالاً بالعربية أو بالإنكليزية، ثم اضغط Enter",
        "search": "ابحث",
        "examples": "أمثلة:",
        "filters": "عوامل التصفية وعدد النتائج",
        "parts": "جزء التقرير",
        "kinds": "نوع المقطع",
        "k": "عدد النتائج",
        "kind_paragraph": "فقرة",
        "kind_recommendation": "توصية",
        "kind_heading": "عنوان",
        "part_introduction": "مقدمة",
        "part_recommendations": "التوصيات",
        "part_deliberations": "ملخص المداولات",
        "part_organization": "المسائل التنظيمية",
        "part_adoption": "اعتماد التقرير",
        "part_other": "أخرى",
        "status": "عدد المقاطع: {n} · مدة البحث: {ms} ملّي ثانية",
        "matched_on": "طوبق سؤالك على المصطلحات العربية:",
        "answer": "الجواب",
        "not_found": "ليس في التقرير: لا يتضمن التقرير جواباً عن هذا السؤال.",
        "not_found_more": "أقرب المقاطع إلى سؤالك مدرجة أدناه، للاطلاع فقط.",
        "reason": "السبب:",
        "reason_english": "السبب (بالإنكليزية):",
        "weaker": "مطابقات أضعف ({n}): تقل درجة كل منها عن نصف درجة أفضل نتيجة.",
        "documents": "الوثيقة",
        "documents_info": "لا شيء مختار: كل الوثائق",
        "languages": "لغة الوثيقة",
        "years": "السنة",
        "err_no_langs": "اختر لغة واحدة على الأقل.",
        "err_no_years": "اختر سنة واحدة على الأقل.",
        "too_long_notice": "النص الملصق طويل جداً: {n} حرفاً، والحد الأقصى {limit} حرف. لم يُقتطع منه شيء؛ اختصره قبل البحث.",
        "hide_in_place": "أخفِ المقطع",
        "index_reloaded": "أُعيد بناء الفهرس، فأُعيد تحميله: {n} من الوثائق. حدّث الصفحة لتحديث عوامل التصفية.",
        "index_stale": "أُعيد بناء الفهرس لكن تعذّرت قراءته، فما زالت النتائج من الفهرس السابق. أعد تشغيل fahras serve. ({message})",
        "distr_general": "عام",
        "distr_limited": "محدود",
        "distr_restricted": "مقيد",
        "passages": "المقاطع",
        "no_hits": "لا يوجد مقطع يطابق عوامل التصفية المختارة.",
        "show_in_report": "اعرض في التقرير",
        "copy_citation": "انسخ الاستشهاد",
        "copied": "نُسخ",
        "citation": "الاستشهاد",
        "score": "الدرجة",
        "pinned": "مذكور في سؤالك",
        "report": "التقرير",
        "report_hint": "يُعرض هنا التقرير كاملاً، والمقطع المختار في موضعه.",
        "download_csv": "تنزيل النتائج (CSV)",
        "download_json": "تنزيل النتائج (JSON)",
        "intro": "اكتب سؤالاً أو كلمات، أو اختر مثالاً. تظهر هنا الإجابة ثم المقاطع مرتبة، لكل منها رقمها وموضعها في التقرير.",
        "err_empty": "السؤال فارغ: اكتب سؤالاً أو كلمات للبحث عنها.",
        "err_long": "السؤال طويل جداً ({n} حرفاً)؛ الحد الأقصى {limit} حرف.",
        "err_no_kinds": "اختر نوعاً واحداً من المقاطع على الأقل.",
        "err_no_parts": "اختر جزءاً واحداً من التقرير على الأقل.",
        "api_note": "واجهة برمجية: /search و /ask",
        "n_documents": "عدد الوثائق المفهرسة: {n}",
        "lang_ar": "العربية",
        "lang_en": "الإنكليزية",
        "lang_fr": "الفرنسية",
        "lang_es": "الإسبانية",
        "lang_ru": "الروسية",
        "lang_zh": "الصينية",
    },
    "en": {
        "app_title": "Fahras",
        "tagline": "Search and ask the report in Arabic or English, and get the paragraph to cite.",
        "query_label": "Your question or search words",
        "query_placeholder": "Type a question in Arabic or English, then press Enter",
        "search": "Search",
        "examples": "Examples:",
        "filters": "Filters and number of results",
        "parts": "Part of the report",
        "kinds": "Kind of passage",
        "k": "Number of results",
        "kind_paragraph": "Paragraph",
        "kind_recommendation": "Recommendation",
        "kind_heading": "Heading",
        "part_introduction": "Introduction",
        "part_recommendations": "Recommendations",
        "part_deliberations": "Summary of deliberations",
        "part_organization": "Organizational matters",
        "part_adoption": "Adoption of the report",
        "part_other": "Other",
        "status": "{n} passages · searched in {ms} ms",
        "matched_on": "Matched on the Arabic terms:",
        "answer": "Answer",
        "not_found": "Not in the report: the report does not answer this question.",
        "not_found_more": "The passages closest to your question are listed below, for reference only.",
        "reason": "Why:",
        "reason_english": "Why:",
        "weaker": "Weaker matches ({n}): each scores less than half the best result.",
        "documents": "Document",
        "documents_info": "None chosen: every document",
        "languages": "Language of the document",
        "years": "Year",
        "err_no_langs": "Choose at least one language.",
        "err_no_years": "Choose at least one year.",
        "too_long_notice": "The pasted text is too long: {n} characters; the limit is {limit}. Nothing was cut; shorten it before searching.",
        "hide_in_place": "Hide the passage",
        "index_reloaded": "The index was rebuilt and has been reloaded: {n} documents. Refresh the page to update the filters.",
        "index_stale": "The index was rebuilt but cannot be read, so the results still come from the previous index. Restart fahras serve. ({message})",
        "distr_general": "General",
        "distr_limited": "Limited",
        "distr_restricted": "Restricted",
        "passages": "Passages",
        "no_hits": "No passage matches the chosen filters.",
        "show_in_report": "Show in the report",
        "copy_citation": "Copy citation",
        "copied": "Copied",
        "citation": "Citation",
        "score": "score",
        "pinned": "named in your question",
        "report": "The report",
        "report_hint": "The whole report, with the chosen passage in place.",
        "download_csv": "Download results (CSV)",
        "download_json": "Download results (JSON)",
        "intro": "Type a question or some words, or pick an example. The answer comes first, then the ranked passages, each with its number and its place in the report.",
        "err_empty": "The question is empty: type a question or some words to search for.",
        "err_long": "The question is too long ({n} characters); the limit is {limit}.",
        "err_no_kinds": "Choose at least one kind of passage.",
        "err_no_parts": "Choose at least one part of the report.",
        "api_note": "API: /search and /ask",
        "n_documents": "{n} documents indexed",
        "lang_ar": "Arabic",
        "lang_en": "English",
        "lang_fr": "French",
        "lang_es": "Spanish",
        "lang_ru": "Russian",
        "lang_zh": "Chinese",
    },
}

# Example questions, one click away: shown in both interface languages as they are.
EXAMPLES = (
    "ما دور القنصليات؟",
    "حماية الأطفال المهربين",
    "search and rescue at sea",
    "Who opened the meeting?",
)


def lang_of(lang: str | None) -> str:
    """A supported language code (anything else falls back to the default)."""
    return lang if lang in LANGS else DEFAULT_LANG


def t(lang: str | None, key: str, **values) -> str:
    text = STRINGS[lang_of(lang)][key]
    return text.format(**values) if values else text


def direction(lang: str | None) -> str:
    return "rtl" if lang_of(lang) == "ar" else "ltr"
