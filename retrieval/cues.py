"""Question types and answer cues: what a question asks for, and what a sentence offers.

A question's type comes from its wording (normalized, so «متى» and «متي» are one):

- ``when`` (متى، في أي عام/تاريخ; when, what date/year): a date -- a month name or a year;
- ``how_many`` (كم، ما عدد; how many/much, number of): a count -- digits or a number word
  that is not a year, a date, an ordinal or the number of an item or paragraph;
- ``who`` (من opening the question, ما اسم المتكلم; who, whom): an agent -- a title,
  «السيد/ة», a body, a name with its country «... (اليونان)»;
- ``symbol`` (أي قرار، ما الوثيقة; which resolution/document): ``3/5``,
  ``CTOC/COP/WG.7/2024/1``;
- ``role`` (ما وظيفة/منصب; position, job, title, X's role): a title right after one of the
  question's words (a name): «محمد راشدي، قائد شعبة»;
- ``where`` (أين، في أي مدينة; where, which city): no cue -- places are left to the other
  signals.

The word lists are written normalized (ة → ه, ئ → ي, أ → ا) and are general vocabulary of UN
reports (month names of both Arabic calendars, number words, titles), not words of any
particular question.
"""

from __future__ import annotations

import re

from fahras.retrieval.arabic import tokenize
from fahras.retrieval.coverage import Bag, Key, cores

_QTYPES = (
    # (type, pattern on normalized text): normalized Arabic has ه for ة and ا for أ/إ/آ.
    ("when", re.compile(r"(?:^|\s)(?:متي|when)(?:\s|$)|(?:في|ب)\s*اي\s+(?:تاريخ|عام|سنه|يوم|شهر)|"
                        r"ما\s+(?:هو\s+)?تاريخ|\b(?:what|which)\s+(?:date|day|year|month)s?\b|"
                        r"\bon\s+what\s+(?:date|day)\b|\bin\s+what\s+year\b")),
    ("how_many", re.compile(r"(?:^|\s)كم\s|(?:^|\s)(?:ما|كم)\s+(?:هو\s+)?عدد|"
                            r"\bhow\s+(?:many|much)\b|\b(?:what|the)\s+number\s+of\b")),
    ("who", re.compile(r"^\s*(?:و|ف)?من\s+(?!بين|اجل|خلال|حيث|ثم)|\bwho(?:m|se)?\b|"
                       r"اسم\s+(?:ال)?(?:متكلم|ممثل|رييس|مندوب|مراقب|شخص|مدير|منسق)|"
                       r"\bname\s+of\s+the\s+(?:speaker|representative|chair|person|director|"
                       r"delegate)")),
    ("symbol", re.compile(r"(?:^|\s)(?:ب?اي|ما)\s+(?:هو\s+|هي\s+)?(?:ال)?(?:قرار|مقرر|وثيقه)"
                          r"(?:\s|$)|\b(?:which|what)\s+(?:resolution|decision|document)s?\b")),
    ("role", re.compile(r"(?:^|\s)(?:ما|وما)\s+(?:هي|هو)?\s*(?:وظيفه|منصب|صفه|مهنه|دور)\s|"
                        r"\b(?:position|job|title|post)\b|'s\s+(?:role|function)\b")),
    ("where", re.compile(r"(?:^|\s)اين(?:\s|$)|\bwhere\b|"
                         r"\b(?:which|what)\s+(?:city|place|venue)\b|"
                         r"في\s+اي\s+(?:مدينه|مكان)")),
)

_MONTHS = frozenset("""
يناير فبراير مارس ابريل مايو يونيه يونيو يوليه يوليو اغسطس سبتمبر اكتوبر نوفمبر ديسمبر
كانون شباط اذار نيسان ايار حزيران تموز اب ايلول تشرين
january february march april may june july august september october november december
""".split())
_NUMBER_WORDS = frozenset("""
واحد واحده اثنان اثنين اثنتان اثنتين ثلاث ثلاثه اربع اربعه خمس خمسه ست سته سبع سبعه
ثمان ثماني ثمانيه تسع تسعه عشر عشره عشرون عشرين ثلاثون ثلاثين اربعون اربعين خمسون خمسين ستون
ستين سبعون سبعين ثمانون ثمانين تسعون تسعين مايه ميه مايتان مايتين ميات الف الاف الفا مليون
ملايين بليون مليار
one two three four five six seven eight nine ten eleven twelve twenty thirty forty fifty
hundred hundreds thousand thousands million millions billion dozen
""".split())
# Words that name who did something in a UN report: persons (titles, functions) and bodies.
_AGENT_WORDS = frozenset("""
السيد السيده السيدات الرييس رييس رييسا رييسه الرييسين رييسي نايب نايبه مدير مديره منسق منسقه
قايد مستشار مستشاره المدعي ممثل ممثله ممثلو ممثلي المراقب المراقبه المراقبون الامانه الوفد
وفد الوزير وزير وزيره المقرر السفير السفيره
mr mrs ms dr chair chairs co-chair president director coordinator representative observer
secretariat minister ambassador rapporteur
""".split())
# Titles and functions (a subset of the words above): what a "position" question asks for.
_TITLE_WORDS = frozenset("""
رييس رييسه نايب نايبه مدير مديره منسق منسقه قايد مستشار مستشاره المدعي وزير وزيره المقرر سفير
سفيره امين امينه مفوض مفوضه
chair director coordinator head deputy minister ambassador rapporteur adviser advisor
commissioner prosecutor officer
""".split())
# Words whose number is a reference, not a count: «البند 5», «الفقرة 18», "item 5".
_REFERENCE_WORDS = frozenset("""
البند بند البنود الفقره فقره الفقرات التوصيه توصيه التوصيات القرار قرار قراره المقرر مقرر الماده
ماده الجلسه جلسه الدوره دوره الوثيقه وثيقه الفصل فصل رقم المرفق مرفق الصفحه صفحه يوم يومي
item items paragraph paragraphs para recommendation resolution decision article session
chapter annex page no
""".split())
TITLE_WINDOW = 3
COUNT_WINDOW = 2
_LIST_NUMBER = re.compile(r"\s*\d+\s*-")
_PERSON_IN_PARENS = re.compile(r"(?<![^\W\d_])[^\W\d_]{2,}\s*\([^()\d]{2,40}\)")
_SYMBOL = re.compile(r"\d+/\d+|(?=.*\d)(?=.*[a-z])[a-z0-9]+(?:[/.\-][a-z0-9]+)+")
_YEAR = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")


_INTERROGATIVE = re.compile(
    r"^\s*(?:و|ف)?(?:ما|ماذا|من|متي|اين|كيف|كم|لماذا|لم|هل|اي|ايه|بم|لمن|عم)(?:\s|$)|"
    r"^\s*(?:في|من|الي|علي|ب|بموجب|وفق|حسب)\s*(?:اي|ايه|كم|ماذا|من)(?:\s|$)|"
    r"^\s*(?:what|which|who|whom|whose|when|where|why|how|is|are|was|were|do|does|did|can|"
    r"could|will|would|should|has|have|had|in\s+which|on\s+which|at\s+which|for\s+which)\b")


def is_question(normalized_query: str) -> bool:
    """Whether a normalized query is a question (a question mark, or an interrogative word
    first) rather than a phrase naming a topic."""
    q = normalized_query.strip()
    return q.endswith(("?", "؟")) or bool(_INTERROGATIVE.match(q))


_RELATIVE = frozenset("الذي التي الذين اللذين اللتين اللاتي اللواتي".split())
_WHAT_X = re.compile(r"^\s*(?:و|ف)?ما\s+(?:(?:هو|هي|هم|هن)\s+)?(.*)$")
_WHAT_THE_X_OF = re.compile(r"^\s*what\s+(?:is|are|was|were)\s+(?:the\s+)?([a-z]+)\s+(?:of|for)\b")
_WHICH_X_DID = re.compile(r"^\s*(?:what|which)\s+([a-z]+)\s+"
                          r"(?:did|does|do|was|were|is|are|has|have)\b")
_WHICH_X = re.compile(r"^\s*(?:(?:في|ب|من|الي|علي|بموجب|وفق|حسب|ل)\s*)?(?:اي|ايه)\s+(.*)$")


def focus(normalized_query: str, frame: frozenset[str]) -> tuple[str, str] | None:
    """The word a "what"/"which" question asks about, and how:

    - ``("attribute", X)``: «ما ميزانية الفريق العامل؟», «ما هو عنوان الموقع؟», "what is the
      budget of ..." -- X of something; a passage that answers has the word X;
    - ``("category", X)``: «ما البرنامج الذي ...», «أي دولة ...», "which law did ..." -- an X
      that ...; the answer is an instance of X, which need not repeat the word, but the
      report uses it.

    Words of the ``frame`` after «ما» are skipped («ما اسم البرنامج» asks about the
    programme); after «أي» they are the category («بأي صفة»: a capacity): None. None for
    other questions («ماذا قال ...», «ما الذي ...» ask about a clause).
    """
    m = _WHAT_THE_X_OF.match(normalized_query)
    if m:
        return "attribute", m.group(1)
    m = _WHICH_X_DID.match(normalized_query)
    if m:
        return "category", m.group(1)
    m = _WHICH_X.match(normalized_query)
    kind = "category"
    if not m:
        m = _WHAT_X.match(normalized_query)
        kind = "attribute"
    if not m:
        return None
    words = [w for w in re.findall(r"[^\W_]+", m.group(1))]
    if kind == "category" and words and words[0] in frame:
        return None
    while words and words[0] in frame:
        words.pop(0)
    if not words or words[0] in _RELATIVE or not words[0].isalpha():
        return None  # «ما الذي قرره المؤتمر؟» asks about a whole clause
    if kind == "attribute" and len(words) > 1 and words[1] in _RELATIVE:
        kind = "category"
    return kind, words[0]


def question_type(normalized_query: str) -> str | None:
    """The type of a normalized question (see the module docstring), or None."""
    for name, pattern in _QTYPES:
        if pattern.search(normalized_query):
            return name
    return None


def _bare(form: str) -> str:
    """A token without a leading و/ف conjunction (for looking words up in the lists above)."""
    if len(form) > 3 and form[0] in "وف" and form[1:2] != "ا":
        return form[1:]
    return form


def _is_month(form: str) -> bool:
    return any(part in _MONTHS for part in re.split(r"[/.\-_]", _bare(form)))


def _is_number_word(form: str) -> bool:
    b = _bare(form)
    return b in _NUMBER_WORDS or (len(b) > 3 and b[:-1] in _NUMBER_WORDS and b[-1] in "هي")


def _is_count(forms: list[str], i: int) -> bool:
    """Whether token ``i`` is a number that counts something: not a year, not part of a
    date, not the number of an agenda item, paragraph or resolution, not an ordinal
    («الحادي عشر»)."""
    f = forms[i]
    if f.isdigit():
        if _YEAR.fullmatch(f):
            return False
    elif not _is_number_word(f):
        return False
    if any(_is_month(g) for g in forms[max(0, i - 2):i + 5]):  # «14 و 15 تشرين الأول»
        return False
    prev = forms[i - 1] if i else ""
    if prev in _REFERENCE_WORDS or cores(prev) & _REFERENCE_WORDS:
        return False
    return not (not f.isdigit() and prev.startswith("ال"))


def sentence_cues(text: str) -> frozenset[str]:
    """What a sentence offers as an answer: ``date``, ``number`` (a count), ``agent``,
    ``symbol``."""
    cues = set()
    forms = [t.form for t in tokenize(text)]
    bare = {_bare(f) for f in forms} | set(forms)
    if any(_YEAR.fullmatch(f) or _is_month(f) for f in forms):  # not the 2024 of a symbol
        cues.add("date")
    first = 1 if _LIST_NUMBER.match(text) else 0  # «2- منع ومكافحة...» is a list item
    if any(_is_count(forms, i) for i in range(first, len(forms))):
        cues.add("number")
    if bare & _AGENT_WORDS or _PERSON_IN_PARENS.search(text):
        cues.add("agent")
    if any(_SYMBOL.fullmatch(f) for f in forms):
        cues.add("symbol")
    return frozenset(cues)


def titled_words(text: str, window: int = TITLE_WINDOW) -> Bag:
    """The words of a sentence followed closely by a title or function («محمد راشدي، قائد
    شعبة»): what answers "what is X's position?" when X is one of them."""
    tokens = tokenize(text)
    forms = [t.form for t in tokens]
    return Bag(tok for i, tok in enumerate(tokens)
               if any(_bare(g) in _TITLE_WORDS or g in _TITLE_WORDS
                      for g in forms[i + 1:i + 1 + window]))


def counted_words(text: str, window: int = COUNT_WINDOW) -> Bag:
    """The words of a sentence right after a count («أربع جلسات», «20 دولة», «23 بلدا»): what
    the sentence counts."""
    tokens = tokenize(text)
    forms = [t.form for t in tokens]
    first = 1 if _LIST_NUMBER.match(text) else 0
    counts = [i for i in range(first, len(forms)) if _is_count(forms, i)]
    return Bag(tokens[j] for i in counts for j in range(i + 1, min(len(tokens), i + 1 + window)))


_WANTED_CUE = {"when": "date", "how_many": "number", "who": "agent", "symbol": "symbol"}
# A count of something the question does not name («23 بلدا» for "how many networks"): half a
# match for ranking, and not an answer.
OTHER_COUNT = 0.5


def type_match(qtype: str | None, cues: frozenset[str], titled: Bag,
               keys: list[Key], counted: Bag | None = None) -> float | None:
    """1.0 when a sentence (its ``cues``, ``titled`` and ``counted`` words) has what a
    question of type ``qtype`` asks for, 0.0 when it does not, None for a type with no cue.

    - A "position" question wants one of its own words ``keys`` (a name) followed closely by
      a title (an English question whose names were not expanded to Arabic has no such
      words: None).
    - A "how many" question wants a count of one of its own words («كم عدد الجلسات» →
      «أربع جلسات»): a count of something else scores ``OTHER_COUNT``; a question none of
      whose words is known (no ``keys``) takes any count."""
    if qtype == "role":
        if not keys:
            return None
        return 1.0 if any(titled.has(k) for k in keys) else 0.0
    wanted = _WANTED_CUE.get(qtype)
    if wanted is None:
        return None
    if wanted not in cues:
        return 0.0
    if qtype == "how_many" and counted is not None and keys:
        return 1.0 if any(counted.has(k) for k in keys) else OTHER_COUNT
    return 1.0
