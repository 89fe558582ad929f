"""What a sentence offers as an answer: a date, a number, a person or body, a place, a list.

Each offer is read from the sentence's tokens and punctuation in one pass (no regular
expression runs over a whole passage, so the cost is linear in its length):

- ``date``: a year (1000-2099, alone or in a range ``1847-1931``) or a month name (both Arabic
  calendars, the Hijri months, English), or a word that dates what follows («القرن», «عام»);
- ``number``: digits that are not a year, or a number word, not the number of a reference
  («البند 5», "paragraph 18");
- ``agent``: a title or function word («السيد», «رئيس», "Mr", "director"), a body («الأمانة»,
  «الوفد», "secretariat"), a patronymic («محمد بن سعود»), or a name followed by a country in
  parentheses «... (اليونان)»;
- ``place``: a country's name (``retrieval/crosslingual/data/countries.tsv``) or a word for a place
  («مدينة», «عاصمة», "city");
- ``list``: two list separators (،/,/؛) or more, or a sentence that ends with a colon.

The word lists are general vocabulary, written normalized (ة -> ه, ى -> ي, أ -> ا).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from fahras.text.arabic import normalize, tokenize_normalized
from fahras.text.clitics import bare_words, without_letter
from fahras.text.dates import month_words

OFFERS = ("date", "number", "agent", "place", "list")

_MONTHS = frozenset(normalize(w) for w in month_words())  # both calendars (fahras.text.dates)
# Words that make the number or ordinal after them a date: «القرن التاسع عشر», "the 19th century".
_DATE_WORDS = frozenset("قرن القرن عام العام سنه السنه century year".split())
_NUMBER_WORDS = frozenset("""
واحد واحده اثنان اثنين اثنتان اثنتين ثلاث ثلاثه اربع اربعه خمس خمسه ست سته سبع سبعه ثمان
ثماني ثمانيه تسع تسعه عشر عشره عشرون عشرين ثلاثون ثلاثين اربعون اربعين خمسون خمسين ستون ستين
سبعون سبعين ثمانون ثمانين تسعون تسعين مايه ميه مايتان مايتين الف الاف الفا مليون ملايين
مليار بليون نصف ربع ثلث
one two three four five six seven eight nine ten eleven twelve twenty thirty forty fifty
sixty seventy eighty ninety hundred hundreds thousand thousands million millions billion
dozen half
""".split())
# Persons and bodies: titles, functions, honorifics, patronymics and collective actors.
_AGENT_WORDS = frozenset("""
السيد السيده رييس رييسه الرييس الرييسه نايب مدير مديره منسق منسقه قايد مستشار مستشاره المدعي
ممثل ممثله ممثلو ممثلي المراقب المراقبه المراقبون الامانه الوفد وفد وزير وزيره الوزير المقرر
سفير سفيره السفير امين امينه مفوض مفوضه ملك الملك ملكه امير الامير سلطان السلطان خليفه الخليفه
الشيخ شيخ الامام امام الدكتور دكتور الاستاذ القاضي قاضي الجنرال القايد حاكم الحاكم بن ابن
ابو مؤسس المؤسس الحكومه اللجنه المجلس المنظمه الجمعيه البرلمان الكونغرس الشركه الحزب
mr mrs ms dr sir chair president director coordinator representative observer secretariat
minister ambassador rapporteur king queen prince emperor general governor founder
committee council government parliament company party
""".split())
_PLACE_WORDS = frozenset("""
مدينه المدينه عاصمه العاصمه محافظه ولايه مقاطعه اقليم منطقه بلده قريه جزيره قاره شمال جنوب
شرق غرب
city capital province region county town village island continent north south east west
""".split())
_REFERENCE_WORDS = frozenset("""
البند بند الفقره فقره التوصيه توصيه القرار قرار الماده ماده الجلسه الدوره الوثيقه الفصل
المرفق الصفحه رقم
item paragraph para recommendation resolution article session chapter annex page no
""".split())
_SEPARATORS = frozenset("،,؛;")


def _bare(form: str) -> str:
    """A token without one leading conjunction or preposition (و ف ب ل ك)."""
    return without_letter(form, 3)


def _is_year(form: str) -> bool:
    return len(form) == 4 and form.isdigit() and form[0] in "12" and (
        form[0] == "1" or form[1] == "0")


@lru_cache(maxsize=1)
def country_forms() -> frozenset[str]:
    """The normalized Arabic names of countries (one word or several), from countries.tsv."""
    path = Path(__file__).resolve().parents[1] / "crosslingual" / "data" / "countries.tsv"
    out = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        cols = line.split("\t")
        if line.startswith("#") or len(cols) < 3 or cols[0] != "country":
            continue
        out.update(normalize(name).strip() for name in cols[2].split("|") if name.strip())
    return frozenset(out)


def _countries_in(forms: list[str]) -> bool:
    names = country_forms()
    for i, f in enumerate(forms):
        words = bare_words(f)
        if any(w in names for w in words):
            return True
        if i + 1 < len(forms) and any(f"{w} {forms[i + 1]}" in names for w in words):
            return True
    return False


def _name_before_parentheses(text: str) -> bool:
    """A word directly before a short parenthesis without digits: «كاكوسيمو (اليونان)». One
    pass over the parentheses of the text."""
    i = text.find("(")
    while i != -1:
        j = i - 1
        while j >= 0 and text[j] == " ":
            j -= 1
        close = text.find(")", i + 1, i + 42)
        if close > i + 2 and j >= 1 and text[j].isalpha() and text[j - 1].isalpha():
            inside = text[i + 1:close]
            if "(" not in inside and not any(c.isdigit() for c in inside):
                return True
        i = text.find("(", i + 1)
    return False


def _parts(form: str) -> list[str]:
    """A token's parts: «تموز/يوليه» -> «تموز», «يوليه»; ``1847-1931`` -> 1847, 1931."""
    return [_bare(p) for p in form.replace("-", "/").replace(".", "/").split("/") if p]


def values(forms: list[str]) -> frozenset[str]:
    """The numbers and month names of a text's tokens (what a date or a count is made of): an
    offer counts only with a value the question does not already have («... في 2023؟»)."""
    return frozenset(b for f in forms for b in _parts(f)
                     if b.isdigit() or b in _MONTHS or b in _NUMBER_WORDS)


def counted(forms: list[str], window: int = 2) -> list[str]:
    """The words right after a count («أربع جلسات», «20 دولة»): what a sentence counts."""
    out = []
    for i, f in enumerate(forms):
        b = _bare(f)
        if (b.isdigit() and not _is_year(b)) or b in _NUMBER_WORDS:
            out.extend(forms[i + 1:i + 1 + window])
    return out


def sentence_offers(text: str) -> frozenset[str]:
    """What a sentence offers (see the module docstring)."""
    norm = normalize(text)
    forms = [t.form for t in tokenize_normalized(norm)]
    bare = [_bare(f) for f in forms]
    out = set()
    if any(_is_year(p) or p in _MONTHS for f in forms for p in _parts(f)) or any(
            b in _DATE_WORDS and i + 1 < len(forms) for i, b in enumerate(bare)):
        out.add("date")
    for i, (f, b) in enumerate(zip(forms, bare)):
        if b.isdigit() and not _is_year(b) or b in _NUMBER_WORDS or f in _NUMBER_WORDS:
            prev = forms[i - 1] if i else ""
            if prev not in _REFERENCE_WORDS and _bare(prev) not in _REFERENCE_WORDS:
                out.add("number")
                break
    if any(f in _AGENT_WORDS or b in _AGENT_WORDS for f, b in zip(forms, bare)) \
            or _name_before_parentheses(text):
        out.add("agent")
    if any(b in _PLACE_WORDS or f in _PLACE_WORDS for f, b in zip(forms, bare)) \
            or _countries_in(forms):
        out.add("place")
    if sum(c in _SEPARATORS for c in text) >= 2 or text.rstrip().endswith(":"):
        out.add("list")
    return frozenset(out)
