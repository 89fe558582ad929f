"""Month names and dates as Arabic and English documents print them (general vocabulary).

Month names, once for the whole of Fahras:

- :data:`MONTHS_EN`: January ... December (and :data:`MONTH_NAMES` has their abbreviations);
- :data:`MONTHS_AR_UN`: the UN's Arabic names, Levantine and transliterated joined by a slash
  («تموز/يوليه»), as UN documents print them;
- :data:`MONTH_NAMES`: every spelling read in a date -> month number: English, Levantine/Iraqi
  («تموز»), Egyptian/Gulf transliterations («يوليو», «يوليه»), Maghreb («جويلية», «جوان»),
  Moroccan («يوليوز», «غشت»), with and without hamza;
- :data:`HIJRI_MONTHS`: the twelve months of the Hijri calendar;
- :func:`month_words`: the single words that name a month in either calendar, for a lookup token
  by token (what the answer layer reads as a date).

Dates (:func:`find_date`, :func:`date_line`, :func:`parse_date`) in the usual forms, with ASCII
or Arabic-Indic digits: «26 تموز/يوليه 2024», «26 تموز (يوليو) 2024», "26 July 2024",
"July 26, 2024", "26th of July 2024", "July 2024" (month and year), «2024/07/26», "2024-07-26",
"26/07/2024", "26.07.2024" (day first; month first when the first number cannot be a month).
A year followed by «هـ» (Hijri) is not read as a Gregorian year.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from fahras.text.digits import DIGIT, ascii_digits

MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August",
             "September", "October", "November", "December")
MONTHS_AR_UN = ("كانون الثاني/يناير", "شباط/فبراير", "آذار/مارس", "نيسان/أبريل", "أيار/مايو",
                "حزيران/يونيه", "تموز/يوليه", "آب/أغسطس", "أيلول/سبتمبر", "تشرين الأول/أكتوبر",
                "تشرين الثاني/نوفمبر", "كانون الأول/ديسمبر")
_AR_SPELLINGS = (
    "يناير كانون_الثاني جانفي",
    "فبراير شباط فيفري",
    "مارس آذار اذار",
    "أبريل ابريل إبريل نيسان أفريل افريل",
    "مايو أيار ايار ماي",
    "يونيو يونيه حزيران جوان",
    "يوليو يوليه تموز جويلية جويليه يوليوز",
    "أغسطس اغسطس آب اب أوت اوت غشت",
    "سبتمبر أيلول ايلول شتنبر",
    "أكتوبر اكتوبر تشرين_الأول تشرين_الاول",
    "نوفمبر تشرين_الثاني نونبر",
    "ديسمبر كانون_الأول كانون_الاول دجنبر",
)
_EN_ABBREVIATIONS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
                     "Dec")

MONTH_NAMES: dict[str, int] = {}
for _n, (_full, _abbr, _ar) in enumerate(zip(MONTHS_EN, _EN_ABBREVIATIONS, _AR_SPELLINGS), 1):
    MONTH_NAMES[_full] = MONTH_NAMES[_abbr] = _n
    for _name in _ar.split():
        MONTH_NAMES[_name.replace("_", " ")] = _n
MONTH_NAMES["Sept"] = 9

HIJRI_MONTHS = ("محرم", "صفر", "ربيع الأول", "ربيع الآخر", "جمادى الأولى", "جمادى الآخرة", "رجب",
                "شعبان", "رمضان", "شوال", "ذو القعدة", "ذو الحجة")
# First words that are ordinary words more often than month names: "may"; «صفر» (zero) and «ذو»
# (owner of), the first words of two Hijri months.
_AMBIGUOUS_WORDS = frozenset({"may", "صفر", "ذو"})


def month_words() -> frozenset[str]:
    """The single words that name a month: the first word of every full spelling above and of
    the Hijri months («كانون» of «كانون الثاني», «جمادى» of «جمادى الأولى»), English lower-cased,
    abbreviations and :data:`_AMBIGUOUS_WORDS` left out. Callers normalize them as they normalize
    their tokens."""
    names = [n for n in MONTH_NAMES if not n.isascii()] + [m.lower() for m in MONTHS_EN]
    words = {n.split()[0] for n in names + list(HIJRI_MONTHS)}
    return frozenset(words - _AMBIGUOUS_WORDS)


@dataclass(frozen=True)
class DateMatch:
    """A date found in a text: its parts (``day`` None for a month and year) and its span."""

    year: int
    month: int
    day: int | None
    start: int
    end: int
    text: str

    def iso(self) -> str:
        """``2024-07-26`` (``2024-07`` for a month and year)."""
        return f"{self.year:04d}-{self.month:02d}" + (f"-{self.day:02d}" if self.day else "")


def _name_pattern(names) -> str:
    parts = sorted(names, key=len, reverse=True)
    return "|".join(re.escape(n).replace(r"\ ", r"\s+") for n in parts)


_AR_NAMES = [n for n in MONTH_NAMES if not n.isascii()]
_EN_NAMES = [n for n in MONTH_NAMES if n.isascii()]
_AR = _name_pattern(_AR_NAMES)
_EN = _name_pattern(_EN_NAMES)
# A month: an English name (any case, "Jan." too), or an Arabic name alone, joined to a second
# name by a slash («تموز/يوليه») or followed by it in brackets («تموز (يوليو)»).
_MONTH = (rf"(?P<month>(?i:{_EN})\.?(?![^\W\d_])|(?:{_AR})(?:\s*/\s*(?:{_AR})|\s*\(\s*(?:{_AR})\s*\))?"
          rf"(?![^\W\d_]))")
_DAY = rf"(?P<day>{DIGIT}{{1,2}})(?i:st|nd|rd|th)?"
_YEAR = (rf"(?P<year>{DIGIT}{{4}})(?!{DIGIT})(?!\s*ه(?:ـ|(?![^\W\d_])))"
         rf"(?:\s*م(?![^\W\d_]))?")
_WORDS = [
    rf"(?<![\w/]){_DAY}\s*(?i:of\s+)?{_MONTH}\s*,?\s*{_YEAR}",
    rf"(?<![\w/]){_MONTH}\s*{_DAY},?\s*{_YEAR}",
    rf"(?<![\w/]){_MONTH}\s*,?\s*{_YEAR}",
]
_EDGE_L, _EDGE_R = r"(?<![\w/.\-])", r"(?![\w/\-]|\.\w)"
_NUMERIC = [
    (rf"{_EDGE_L}(?P<year>{DIGIT}{{4}})(?P<sep>[/.\-])(?P<m>{DIGIT}{{1,2}})(?P=sep)"
     rf"(?P<d>{DIGIT}{{1,2}}){_EDGE_R}"),
    (rf"{_EDGE_L}(?P<d>{DIGIT}{{1,2}})(?P<sep>[/.\-])(?P<m>{DIGIT}{{1,2}})(?P=sep)"
     rf"(?P<year>{DIGIT}{{4}}){_EDGE_R}"),
]
_PATTERNS = [re.compile(p) for p in (*_WORDS, *_NUMERIC)]
_FOLDED = {k.casefold(): v for k, v in MONTH_NAMES.items()}


def _month_number(name: str) -> int | None:
    first = re.split(r"\s*[/(]\s*", name.strip().rstrip("."), maxsplit=1)[0]
    return _FOLDED.get(" ".join(first.split()).casefold())


def _valid(year: int, month: int | None, day: int | None) -> bool:
    return (1000 <= year <= 2999 and month is not None and 1 <= month <= 12
            and (day is None or 1 <= day <= 31))


def _match(m: re.Match) -> DateMatch | None:
    groups = m.groupdict()
    year = int(ascii_digits(groups["year"]))
    if "sep" in groups:  # numeric: day first unless the first number cannot be a month
        month, day = int(ascii_digits(groups["m"])), int(ascii_digits(groups["d"]))
        if month > 12 >= day:
            month, day = day, month
    else:
        month = _month_number(groups["month"])
        day = int(ascii_digits(groups["day"])) if groups.get("day") else None
    if not _valid(year, month, day):
        return None
    return DateMatch(year, month, day, m.start(), m.end(), m.group(0))


def find_date(text: str) -> DateMatch | None:
    """The first date in ``text`` (the longest form where several start at one place)."""
    best: DateMatch | None = None
    for pattern in _PATTERNS:
        for m in pattern.finditer(text):
            found = _match(m)
            if found is None:
                continue
            if best is None or (found.start, -found.end) < (best.start, -best.end):
                best = found
            break
    return best


def parse_date(text: str) -> DateMatch | None:
    """``text`` as a date, when the whole of it (spaces aside) is one."""
    stripped = text.strip()
    offset = len(text) - len(text.lstrip())
    for pattern in _PATTERNS:
        m = pattern.fullmatch(stripped)
        if m and (found := _match(m)):
            return replace(found, start=found.start + offset, end=found.end + offset)
    return None


# At most two words before the date, then a separator: "Vienna, 26 July 2024",
# «التاريخ: 2024/07/26», "Friday, 26 July 2024", «فيينا، ٢٦ تموز/يوليه ٢٠٢٤».
_LEADS = [re.compile(r"^(?:[^\W\d_]+\.?\s+|[^\W\d_]+\.?(?=[:،,\-–])){%d}[:،,\-–]?\s*" % k)
          for k in (1, 2)]


def date_line(line: str) -> DateMatch | None:
    """The date a line states, when the line is a date: the date alone (a final period
    allowed) or after at most two words ("Vienna, 26 July 2024", «التاريخ: 2024/07/26»).
    A line that says more ("Report of the meeting held on 26 July 2024") is not a date line."""
    stripped = line.strip().rstrip(".")
    offset = len(line) - len(line.lstrip())
    found = parse_date(stripped)
    if found:
        return replace(found, start=found.start + offset, end=found.end + offset)
    for lead in _LEADS:
        m = lead.match(stripped)
        if m and m.end() < len(stripped) and (found := parse_date(stripped[m.end():])):
            shift = offset + m.end()
            return replace(found, start=found.start + shift, end=found.end + shift)
    return None
