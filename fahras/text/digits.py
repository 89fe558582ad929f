"""Digits as they are written in Arabic text: ASCII, Arabic-Indic (٠-٩) and the Persian/Urdu
extended Arabic-Indic forms (۰-۹)."""

from __future__ import annotations

ARABIC_INDIC = "٠١٢٣٤٥٦٧٨٩"
EXTENDED_ARABIC_INDIC = "۰۱۲۳۴۵۶۷۸۹"
# A regular-expression class matching one digit of any of the three forms (not other scripts'
# digits, which Python's ``\d`` also matches).
DIGIT = "[0-9\u0660-\u0669\u06f0-\u06f9]"

_TO_ASCII = str.maketrans(ARABIC_INDIC + EXTENDED_ARABIC_INDIC, "0123456789" * 2)


def ascii_digits(text: str) -> str:
    """``text`` with Arabic-Indic digits written as ASCII digits (everything else unchanged)."""
    return text.translate(_TO_ASCII)
