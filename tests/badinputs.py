"""What people will paste into Fahras: the bad-input list shared by the library, CLI and HTTP
API suites (tests/test_bad_input.py, tests/test_hardening_live.py).

Each input gets a sensible result or a one-line error -- never a traceback, never a hang.
"""

from __future__ import annotations

from fahras.config import bundled_corpus


def _paragraph(number: int) -> str:
    """A whole numbered paragraph of the bundled report, as a user would paste it."""
    for block in bundled_corpus().read_text(encoding="utf-8").split("\n\n"):
        if block.startswith(f"{number}- "):
            return block
    raise LookupError(number)


PARAGRAPH = _paragraph(31)

INPUTS: dict[str, str] = {
    "empty": "",
    "whitespace": " \t\n\u00a0\u3000 ",
    "long-100k-arabic": ("تهريب المهاجرين " * 6250)[:100_000],
    "long-100k-latin": "a" * 100_000,
    "at-the-limit": ("حماية الأطفال المهربين " * 300)[:5000],
    "control-chars": "\x00\x01\x07\x1b[31mتهريب\x7f\x9b المهاجرين",
    "zero-width-only": "\u200b\u200c\u200d\u2060\ufeff",
    "zero-width-inside": "ته\u200bريب المها\u200cجرين",
    "direction-marks": "\u200fما دور القنصليات؟\u200e",
    "bidi-override": "\u202eتهريب\u202c \u2066Frontex\u2069",
    "lone-surrogates": "تهريب \ud800 \udfff المهاجرين",
    "only-a-surrogate": "\udcff",
    "mixed-scripts": "Frontex فرونتكس Фронтекс 边境管理 Ελλάδα",
    "emoji": "🚢 تهريب المهاجرين 🌊 👨\u200d👩\u200d👧 at sea",
    "emoji-only": "🚢🌊👨\u200d👩\u200d👧",
    "astral-letters": "𝐒𝐦𝐮𝐠𝐠𝐥𝐢𝐧𝐠 𝕬",
    "html": "<b>تهريب</b> <i>migrants</i>",
    "script-tag": "<script>alert(1)</script>",
    "img-onerror": "<img src=x onerror=alert(1)>",
    "sql": "'; DROP TABLE passages; --",
    "sql-or": "1' OR '1'='1",
    "path": "../../../../etc/passwd",
    "windows-path": "C:\\Windows\\System32\\..\\",
    "file-url": "file:///etc/passwd",
    "numbers-only": "2024",
    "number-17": "17",
    "arabic-indic-digits": "٢٠٢٤",
    "huge-number": "9" * 400,
    "formula": '=HYPERLINK("http://example.com","x")',
    "format-string": "{0} %s %(x)s {query!r}",
    "punctuation-only": "?!؟...،؛",
    "diacritics-only": "\u064b\u064e\u0650",
    "tatweel-only": "ـــــ",
    "newlines": "تهريب\n\n\r\nالمهاجرين",
    "combining-flood": "a" + "\u0301" * 3000,
    "presentation-forms": "ﺗﻬﺮﻳﺐ ﺍﻟﻤﻬﺎﺟﺮﻳﻦ",
    "persian-letters": "قاچاق مهاجران",
    "private-use": "\ue000\uf8ff",
    "noncharacters": "\ufffe\uffff",
    "joiners": "/" * 3000 + "x",
    "long-joined-token": "a/" * 2400 + "b",
    "one-huge-word": "ت" * 4999,
    "many-words": " ".join(f"w{i}" for i in range(800)),
    "option-like": "--json",
    "dash-k": "-k 3",
    "structural-huge": "التوصية 99999999999999999999",
    "structural-zero": "paragraph 0",
    "url": "https://example.com/?q=<x>&y=1",
    "whole-paragraph": PARAGRAPH,
}

#: Inputs a user-facing surface must refuse (a one-line error), not search.
REFUSED = {"empty", "whitespace", "long-100k-arabic", "long-100k-latin", "zero-width-only",
           "only-a-surrogate", "emoji-only", "punctuation-only", "diacritics-only",
           "tatweel-only", "private-use", "noncharacters"}
