"""Arabic normalization and tokenization: the one place where text becomes search terms.

Passages and queries go through exactly the same functions, so that «الأطفال», «الاطفال»,
«الأَطْفَال» and «الأطفـــال» are one term, ``٢٠٢٤`` matches ``2024`` and ``پ`` matches ``ب``.

Normalization is character by character, built on camel-tools (``normalize_unicode``, the
``arclean`` character map on Arabic-block characters, ``dediac_ar``, alef / alef maqsura / teh
marbuta normalization; read from a generated table, :mod:`fahras.text.camel_chars`, so
that a search does not import camel-tools), plus:
tatweel and format characters (zero-width, direction marks) removed, hamza seats (ؤ ئ) folded to
their carrier, combining marks dropped (so Latin accents go too), case folded, every kind of
space and control character turned into a plain space. Because it works per character, every
normalized character knows the original character it came from: highlights computed on
normalized text map back to the report's own characters (:meth:`Normalized.original_span`).

Tokens are runs of letters and digits; ``/ . - _`` join two runs into one token
(``CTOC/COP/WG.7/2024/3``, ``تموز/يوليه``, ``9/1``), whose parts that carry a letter are terms too.
Terms are light-stemmed (Snowball Arabic, after dropping a one-letter clitic before the
article, :mod:`fahras.text.clitics`) and stop words are dropped.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from fahras.caches import short_key_cache
from fahras.text import clitics

# Bump when anything below changes what a text normalizes or analyzes to: indexes record it.
NORMALIZER_VERSION = "2"

_JOINERS = frozenset("/.-_")
_TATWEEL = "\u0640"
_HAMZA_SEATS = {"\u0624": "\u0648", "\u0626": "\u064a"}  # ؤ -> و, ئ -> ي


@lru_cache(maxsize=1)
def _camel_table() -> dict[str, str] | None:
    """What camel-tools makes of each character it changes (``fahras/text/data/camel-chars.json``,
    :mod:`fahras.text.camel_chars`), if made with this Python's Unicode version."""
    from fahras.text.camel_chars import OUT

    try:
        data = json.loads(OUT.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if data.get("unicode") != unicodedata.unidata_version:
        return None
    return data["chars"]


@lru_cache(maxsize=1)
def _camel_live():
    """camel-tools itself, when the table does not fit this Python (imported on first use)."""
    from fahras.text.camel_chars import camel_steps

    return camel_steps()


def _camel(ch: str) -> str:
    """camel-tools' normalizers (``arclean`` on the Arabic blocks, ``normalize_unicode``,
    ``dediac_ar``, alef, alef maqsura and teh marbuta) applied to one character."""
    table = _camel_table()
    return table.get(ch, ch) if table is not None else _camel_live()(ch)


def _one_pass(ch: str) -> str:
    cat = unicodedata.category(ch)
    if cat == "Cs":  # a lone surrogate: not text
        return ""
    if ch in "\t\n\r\v\f" or cat in ("Zs", "Zl", "Zp", "Cc"):
        return " "
    if cat == "Cf" or ch == _TATWEEL:  # zero-width characters, direction marks, soft hyphen
        return ""
    out = "".join(_HAMZA_SEATS.get(c, c) for c in _camel(ch))
    # Drop combining marks that camel-tools leaves (hamza above/below, Latin accents).
    out = "".join(c for c in unicodedata.normalize("NFKD", out) if not unicodedata.combining(c))
    out = unicodedata.normalize("NFKC", out).casefold()
    return "".join(" " if c.isspace() else c for c in out if c != _TATWEEL)


@lru_cache(maxsize=1 << 16)  # one entry per distinct character seen
def normalize_char(ch: str) -> str:
    """What one character normalizes to (often itself, sometimes nothing or several characters).

    The mapping is applied until it no longer changes, so normalizing twice is normalizing once.
    """
    out = _one_pass(ch)
    for _ in range(8):
        nxt = "".join(_one_pass(c) for c in out)
        if nxt == out:
            break
        out = nxt
    return out


@dataclass(frozen=True)
class Normalized:
    """A normalized text and, for each of its characters, the index of its original character."""

    original: str
    text: str
    source: tuple[int, ...]

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """The span of the original text that normalized characters ``[start, end)`` came from.

        Marks that normalization dropped right after the span (a final diacritic, tatweel) are
        included, so a highlight covers the whole written word.
        """
        if start >= end:
            pos = self.source[start] if start < len(self.source) else len(self.original)
            return pos, pos
        o_start = self.source[start]
        o_end = self.source[end - 1] + 1
        nxt = self.source[end] if end < len(self.source) else len(self.original)
        while o_end < nxt and normalize_char(self.original[o_end]) == "":
            o_end += 1
        return o_start, o_end


def normalize(text: str) -> str:
    """The normalized form of ``text`` (see the module docstring)."""
    return "".join(normalize_char(c) for c in text)


def normalize_with_offsets(text: str) -> Normalized:
    """Normalize ``text`` and keep, for each normalized character, where it came from."""
    chars: list[str] = []
    source: list[int] = []
    for i, c in enumerate(text):
        n = normalize_char(c)
        if n:
            chars.append(n)
            source.extend([i] * len(n))
    return Normalized(text, "".join(chars), tuple(source))


@dataclass(frozen=True)
class Token:
    """A token of normalized text: its form and its span in the normalized text."""

    form: str
    start: int
    end: int


def _is_word_char(c: str) -> bool:
    return c.isalnum()


def tokenize_normalized(norm: str) -> list[Token]:
    """Split normalized text into tokens; ``/ . - _`` between two word characters join them."""
    tokens: list[Token] = []
    i, n = 0, len(norm)
    while i < n:
        if not _is_word_char(norm[i]):
            i += 1
            continue
        start = i
        while i < n:
            if _is_word_char(norm[i]):
                i += 1
            elif norm[i] in _JOINERS and i + 1 < n and _is_word_char(norm[i + 1]) and i > start:
                i += 1
            else:
                break
        tokens.append(Token(norm[start:i], start, i))
    return tokens


def tokenize(text: str) -> list[Token]:
    """Tokens of ``normalize(text)``."""
    return tokenize_normalized(normalize(text))


def is_arabic(c: str) -> bool:
    return "\u0600" <= c <= "\u06ff" or "\u0750" <= c <= "\u077f" or "\u08a0" <= c <= "\u08ff"


def script_of(text: str) -> str:
    """``arabic``, ``latin`` or ``none``: the script most of the letters of ``text`` are in."""
    ar = lat = 0
    for c in text:
        if c.isalpha():
            if is_arabic(c):
                ar += 1
            elif c.isascii() or "\u00c0" <= c <= "\u024f":
                lat += 1
    if not ar and not lat:
        return "none"
    return "arabic" if ar >= lat else "latin"


# Stop words, in normalized form: function words and question words that carry no topic.
_AR_STOP = """
في من علي الي عن ان او ثم حتي مع هذا هذه ذلك تلك هو هي هم هن انا نحن انت التي الذي الذين اللذين
اللتين اللاتي ما ماذا متي اين كيف كم لماذا هل اي ايه من منذ قد لقد كان كانت يكون تكون كل بعض
غير لا لم لن ليس بين عند عندما لدي حيث كما اذا ان اما الا بل لكن وقد وكان وهو وهي وفي ومن وعلي
والي وعن فيما مما عما بما لما به بها له لها لهم فيه فيها منه منها عليه عليها اليه اليها هناك هنا
ايضا وايضا ضمن خلال اثناء بعد قبل تم التي والتي والذي بشان وفقا تجاه نحو ذات ذو يتم
""".split()
_EN_STOP = """
a an the of in on at to for from by with and or but not no is are was were be been being do does
did what which who whom whose when where why how that this these those it its as into about than
then there their they them he she his her we our you your i me my can could should would will
shall may might must has have had any all some such each other also so if per via
""".split()
STOP_WORDS = frozenset(_AR_STOP) | frozenset(_EN_STOP)
# Function and question words of spoken Arabic (Levantine, Egyptian, Gulf, Maghrebi) and of
# chat English, normalized: topic-free in a question, though they are not in the index's stop
# list (a text may use them as words). Queries skip them when measuring what they reach and
# when correcting spelling («عايز» is not a typo of an index word).
_QUERY_ONLY_STOP = """
شو ايش شنو شلون ليش ليه وين فين امتي امتا ايه عايز عايزه عاوز عاوزه بدي بدنا ابغي ابغا ابي
نبي نبغي اعرف هاد هادا هادي هيدا هيدي هيك هيكي كده كدا كدة دي ده دول اللي مين منو شي حاجه
كيفاش واش علاش فاش بزاف تاع ديال شكون قديش اديش
pls plz u ur wanna gonna gotta tell know need want give show please
""".split()
QUERY_STOP_WORDS = STOP_WORDS | frozenset(_QUERY_ONLY_STOP)


@lru_cache(maxsize=1)
def _stemmers():
    import Stemmer

    return Stemmer.Stemmer("arabic"), Stemmer.Stemmer("english")


def _letter_before_article(form: str) -> str:
    """``form`` without a one-letter clitic written before the article («والتهريب» ->
    «التهريب», «بالتعاون» -> «التعاون»), which Snowball leaves on; «لل» it strips itself."""
    for r in clitics.readings(form, min_core=3):
        if r.article and len(r.letters) == 1 and r.prefix == r.letters + clitics.ARTICLE:
            return r.word
    return form


@short_key_cache(maxsize=100_000)
def stem(form: str) -> str:
    """Light stem of one normalized token (Arabic Snowball, or English Snowball for Latin)."""
    if not form or not form.isalpha():
        return form
    ar, en = _stemmers()
    if is_arabic(form[0]):
        form = _letter_before_article(form)
        out = ar.stemWord(form)
        return out or form
    if form.isascii():
        return en.stemWord(form)
    return form


def terms_of_token(token: Token) -> list[str]:
    """The index terms of one token: its stem, and for a joined token the stems of its parts."""
    form = token.form
    if form in STOP_WORDS:
        return []
    if any(c in _JOINERS for c in form):
        out = [form]
        part, parts = "", []
        for c in form + "/":
            if c in _JOINERS:
                if part:
                    parts.append(part)
                part = ""
            else:
                part += c
        for p in parts:
            if p not in STOP_WORDS and any(ch.isalpha() for ch in p) and len(p) > 1:
                out.append(stem(p))
        return out
    if len(form) == 1 and not form.isdigit():
        return []
    return [stem(form)]


def analyze(text: str) -> list[str]:
    """The search terms of a text, in order: what BM25 indexes and what a query looks for."""
    out: list[str] = []
    for tok in tokenize(text):
        out.extend(terms_of_token(tok))
    return out
