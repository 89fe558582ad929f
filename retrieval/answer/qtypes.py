"""What a question asks for: a small rule set on its question words, Arabic and English.

The rules read only the question's interrogative words and the few words that say what form
the answer takes («في أي عام», "how many", "which countries") -- never topic words. Text is
normalized first (:func:`fahras.text.arabic.normalize`: «متى» and «متي» are one, ة -> ه,
أ -> ا, lower case). The types, tried in this order:

- ``yesno``: «هل ...», "Did/Is/Was/Can ... ?" -- answered by the sentence that settles it;
- ``when``: «متى», «في أي عام/تاريخ/يوم/شهر/سنة», «ما تاريخ», "when", "what year/date",
  "in which year" -- wants a date;
- ``how_many``: «كم», «ما عدد», «ما مقدار», «ما نسبة», "how many/much", "what number/
  percentage of" -- wants a number;
- ``list``: «من هم», «ما هي ال...», «أي ال...», "who were", "which/what + a plural noun",
  "list", "name the" -- wants an enumeration;
- ``who``: «من» first (not «من بين», «من أجل»...), «لمن», «مع من», "who", "whom", "whose" --
  wants a person or a body;
- ``where``: «أين», «(في) أي مكان/مدينة/بلد/دولة/منطقة», "where", "which/what city/country/
  place" -- wants a place;
- ``what``: any other question (ما، ماذا، كيف، لماذا، what, which, how, why ...);
- None: not a question (a phrase, keywords).

Common dialect question words (شو، وين، مين، امتى، ليش، كام، قديش) count as their standard forms.
"""

from __future__ import annotations

import re

from fahras.text.arabic import normalize

TYPES = ("yesno", "when", "how_many", "list", "who", "where", "what")
# What each type wants a sentence to offer (:mod:`fahras.retrieval.answer.offers`).
WANTS = {"when": "date", "how_many": "number", "who": "agent", "where": "place", "list": "list"}

_C = r"(?:^|(?<=\s))(?:و|ف)?"     # a question word opening a clause, maybe with و/ف
_END = r"(?=\s|$|[?؟،,.!:])"
_AR_AUX = ("هل", "وهل", "فهل")
_EN_AUX = frozenset("""
is are was were do does did can could will would should shall has have had may might must am
""".split())
_EN_DET = frozenset("the a an this that these those its their his her our your my".split())
_PLURAL_AR = r"ال[^\W\d_]{2,}(?:ات|ون|ين)" + _END

_RULES_AR = (
    ("when", re.compile(_C + r"(?:متي|امتي|امته)" + _END + "|"
                        r"(?:في|ب|الي|حتي|منذ)\s*(?:اي|ايه)\s+(?:وقت|تاريخ|عام|سنه|يوم|شهر|"
                        r"قرن|عقد|فتره)" + _END + "|"
                        r"^(?:و|ف)?ما\s+(?:هو\s+|هي\s+)?(?:تاريخ|موعد)" + _END)),
    ("how_many", re.compile(_C + r"(?:كم|كام|قديش)" + _END + "|"
                            r"^(?:و|ف)?ما\s+(?:هو\s+|هي\s+)?(?:عدد|مقدار|نسبه|حجم|مجموع|"
                            r"اجمالي)" + _END)),
    ("list", re.compile(r"^(?:و|ف)?(?:من|مين)\s+(?:هم|هن)" + _END + "|"
                        r"^(?:و|ف)?(?:اذكر|عدد|سم)\s|"
                        r"^(?:و|ف)?ما\s+(?:هي\s+|هم\s+)?" + _PLURAL_AR + "|"
                        r"^(?:(?:في|ب|من|الي|علي|ل)\s*)?(?:اي|ايه)\s+" + _PLURAL_AR + "|"
                        r"(?:^|\s)(?:من|ما)\s+(?:هم\s+)?الذين" + _END)),
    ("who", re.compile(r"^(?:و|ف)?(?:من|مين)\s+(?!بين|اجل|خلال|حيث|ثم|قبل|بعد|جهه|اين|"
                       r"ناحيه|منطلق|المهم|الممكن|المتوقع|الضروري)|^(?:و|ف)?(?:من|مين)\s*$|"
                       r"(?:^|\s)(?:لمن|بمن|عمن|ممن|مع\s+من)" + _END)),
    ("where", re.compile(_C + r"(?:اين|وين|فين)" + _END + "|"
                         r"(?:(?:^|\s)(?:و|ف)?|(?:في|الي|من)\s*)(?:اي|ايه)\s+"
                         r"(?:مكان|مدينه|بلد|دوله|منطقه|"
                         r"عاصمه|قاره|موقع)" + _END)),
    ("what", re.compile(r"^(?:و|ف)?(?:ما|ماذا|ماهو|ماهي|شو|ايش|كيف|لماذا|لم|ليش|ليه|اي|ايه|"
                        r"بم|عم|مم|فيم)" + _END + "|"
                        r"^(?:ب|ل|في|من|علي|الي|حسب|وفق|بموجب)\s*(?:ماذا|اي|ايه|ما)" + _END)),
)
_RULES_EN = (
    ("when", re.compile(r"\bwhen\b|\b(?:what|which)\s+(?:year|date|day|month|century|decade|"
                        r"time|period)s?\b|\bhow\s+long\s+ago\b")),
    ("how_many", re.compile(r"\bhow\s+(?:many|much|often|long|far|large|big|old)\b|"
                            r"\b(?:what|which)\s+(?:number|percentage|proportion|share|"
                            r"amount|total)\b")),
    ("list", re.compile(r"^(?:list|name|enumerate)\b|\bwho\s+(?:were|are)\b")),
    ("who", re.compile(r"\bwho(?:m|se)?\b")),
    ("where", re.compile(r"\bwhere\b|\b(?:what|which)\s+(?:city|country|place|region|"
                         r"location|venue|continent|state|town)\b")),
    ("what", re.compile(r"\b(?:what|which|how|why)\b|^(?:explain|describe|tell)\b")),
)


def _plural_en(word: str) -> bool:
    return (len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is"))
            and word not in _EN_AUX)


def _which_plural(q: str) -> bool:
    """"which countries ...", "what regional networks ...": which/what and a plural noun
    (within two words, no verb or determiner first)."""
    for m in re.finditer(r"\b(?:what|which)\s+([a-z]+)(?:\s+([a-z]+))?", q):
        first, second = m.group(1), m.group(2) or ""
        if first in _EN_AUX or first in _EN_DET:
            continue
        if _plural_en(first) or (_plural_en(second) and second not in _EN_DET):
            return True
    return False


def question_type(query: str) -> str | None:
    """The type of a question (see the module docstring), or None for a phrase."""
    q = re.sub(r"^[\W_]+", "", normalize(query).strip())
    if not q:
        return None
    first = re.match(r"[^\W\d_]*", q).group(0)
    latin = bool(first) and first.isascii()
    if first in _AR_AUX or (latin and first in _EN_AUX):
        return "yesno"
    order = (_RULES_EN, _RULES_AR) if latin else (_RULES_AR, _RULES_EN)
    for rules in order:  # a question may open with a word of the other script (a name)
        for name, pattern in rules:
            if name == "list" and rules is _RULES_EN and _which_plural(q):
                return "list"
            if pattern.search(q):
                return name
    return "what" if q.endswith(("?", "؟")) else None


def is_question(query: str) -> bool:
    """Whether a query asks something (a question word, or a question mark) rather than
    naming a topic."""
    return question_type(query) is not None
