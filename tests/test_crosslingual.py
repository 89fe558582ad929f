"""English queries on an Arabic report: glossary, name transliteration, expansion weights."""

from __future__ import annotations

import numpy as np
import pytest

from fahras.index.report import Passage
from fahras.index.store import IndexData
from fahras.retrieval.crosslingual import expander as crosslingual
from fahras.text.arabic import normalize, tokenize
from fahras.retrieval.crosslingual.expander import CrossLingualExpander, ExpansionConfig
from fahras.retrieval.crosslingual.glossary import DATA, english_words, lemma, load_glossary, read_entries
from fahras.retrieval.query import WEIGHTS_LATIN, analyze_query, latin_weights
from fahras.retrieval.crosslingual.names import NameMatcher, distance, latin_key


@pytest.fixture(scope="module")
def glossary():
    return load_glossary()


@pytest.fixture(scope="module")
def report_tokens(report):
    return sorted({t.form for p in report.passages for t in tokenize(p.text)})


def first_ar(entries):
    return [e.ar[0] for e in entries]


# -- glossary: English -> Arabic ------------------------------------------------------------
@pytest.mark.parametrize("english, arabic", [
    ("focal points", "جهات الوصل"),
    ("UNODC", "مكتب الأمم المتحدة المعني بالمخدرات والجريمة"),
    ("Frontex", "الوكالة الأوروبية لحرس الحدود والسواحل"),
    ("whole-of-route approach", "نهج المسار الشامل"),
    ("Whole of route approach", "نهج المسار الشامل"),
    ("the Conference of the Parties", "مؤتمر الأطراف"),
    ("Smuggling of Migrants Protocol", "بروتوكول مكافحة تهريب المهاجرين عن طريق البر والبحر والجو"),
    ("smuggled migrants", "المهاجرين المهربين"),
    ("Holy See", "الكرسي الرسولي"),
    ("labor migration", "هجرة اليد العاملة"),     # American spelling, British in the glossary
    ("capacity building", "بناء القدرات"),
    ("children", "الأطفال"),                       # irregular plural
    ("Thailand", "تايلند"),                        # the UN spelling before pycountry's «تايلاند»
    ("Türkiye", "تركيا"),
    ("Turkey", "تركيا"),
    ("Côte d'Ivoire", "كوت ديفوار"),
])
def test_english_to_arabic(glossary, english, arabic):
    assert arabic in first_ar(glossary.lookup_en(english))


def test_capitals_only_acronyms(glossary):
    assert first_ar(glossary.lookup_en("WHO")) == ["منظمة الصحة العالمية"]
    assert glossary.lookup_en("who") == []
    assert glossary.lookup_en("Who") == []
    assert [m.source for m in glossary.match("Who opened the meeting?")] == ["opened", "meeting"]
    assert glossary.lookup_en("us") == [] and glossary.lookup_en("US")


def test_longest_match_first(glossary):
    text = ("Conference of the Parties to the United Nations Convention against Transnational "
            "Organized Crime and the review mechanism")
    matches = glossary.match(text)
    assert [m.source for m in matches] == [text[:text.index(" and")], "review mechanism"]
    assert matches[0].entry.ar[0] == "مؤتمر الأطراف في اتفاقية الأمم المتحدة لمكافحة الجريمة المنظمة عبر الوطنية"
    assert [m.source for m in glossary.match("smuggled migrants at sea")] == ["smuggled migrants", "at sea"]


def test_possessive_plural_and_stem_fallback(glossary):
    assert lemma("Berger's") == "berger" and lemma("migrants'") == "migrant"
    assert lemma("countries") == "country" and lemma("centred") == lemma("centered")
    m = glossary.match("the working group's chairs")
    assert [x.source for x in m] == ["working group's", "chairs"] and all(x.exact for x in m)
    # "opened" is no variant; its Snowball stem reaches "opening of the meeting", as a weaker match
    (opened,) = [x for x in glossary.match("who opened it") if x.source == "opened"]
    assert not opened.exact and opened.entry.ar[0] == "افتتاح الاجتماع"


def test_document_symbols_are_not_translated(glossary):
    assert [w.text for w in english_words("CTOC/COP/WG.7/2024/2 and COP")] == ["and", "COP"]
    assert [m.source for m in glossary.match("What is CTOC/COP/WG.7/2024/2?")] == []
    assert [m.source for m in glossary.match("the COP agenda")] == ["COP", "agenda"]


# -- glossary: Arabic -> English ------------------------------------------------------------
@pytest.mark.parametrize("arabic, english", [
    ("الإنترپول", "INTERPOL"),                     # پ folds to ب
    ("الانتربول", "INTERPOL"),
    ("مفوضية الأمم المتحدة السامية لشؤون اللاجئين", "UNHCR"),
    ("فرونتكس", "Frontex"),
    ("يوروجست", "Eurojust"),
    ("الاستعراضات القطرية", "country review"),
    ("تايلند", "Thailand"),
    ("الكرسي الرسولي", "Holy See"),
])
def test_arabic_to_english(glossary, arabic, english):
    assert any(english in e.en for e in glossary.lookup_ar(arabic))


@pytest.mark.parametrize("arabic, english", [
    ("فرونكس", "Frontex"),                         # the report's spellings: its own glossary
    ("يوروبجست", "Eurojust"),
    ("الاستعراضات الفُطرية", "country review"),     # its misprint of «القطرية»
])
def test_the_reports_own_spellings_are_in_its_glossary(glossary, arabic, english):
    from fahras.config import bundled_corpus
    from fahras.index.glossaries import files_for, read_rows
    from fahras.retrieval.crosslingual.glossary import with_corpus

    assert not any(english in e.en for e in glossary.lookup_ar(arabic))
    rows = [r for f in files_for(bundled_corpus()) for r in read_rows(f)]
    assert any(english in e.en for e in with_corpus([{"rows": rows}]).lookup_ar(arabic))


def test_glossary_files_are_well_formed():
    for name in ("glossary.tsv", "countries.tsv"):
        entries = read_entries(DATA / name)
        assert len(entries) > 200
        for e in entries:
            assert all(any("\u0621" <= c <= "\u064a" for c in a) for a in e.ar), e
            assert all(v.isascii() or normalize(v).isascii() for v in e.en), e
            assert 0 < e.weight <= 1.0


def test_countries_carry_the_un_spellings_first():
    from countries import read_variants

    by_code = {e.note: e for e in read_entries(DATA / "countries.tsv")}
    for code, (en, ar) in read_variants().items():
        assert by_code[code].ar[:len(ar)] == tuple(ar), code
        assert set(en) <= set(by_code[code].en), code


def test_countries_file_is_what_the_generator_writes():
    import countries  # needs pycountry, a test extra

    assert countries.render(countries.build_rows()) == (DATA / "countries.tsv").read_text("utf-8")


# -- names across scripts --------------------------------------------------------------------
@pytest.mark.parametrize("latin, arabic", [
    ("Kakosimou", "كاكوسيمو"),
    ("Torrevillas", "تورفيلاس"),
    ("Shotter", "شوتر"),
    ("Schotter", "شوتر"),
    ("Testa", "تيستا"),
    ("Vasiliki", "فاسيليكي"),
    ("Martina", "مارتينا"),
    ("Steven", "ستيفن"),
    ("Mora", "مورا"),
    ("Rachedi", "راشدي"),
    ("Rashdi", "راشدي"),
    ("Olivia", "اوليفيا"),          # «وأوليفيا» read without و, not «بوليفيا» without ب
    ("Darien", "دارين"),
    ("Vienna", "فيينا"),
    ("Colombia", "كولومبيا"),
])
def test_names_match_their_transliteration(report_tokens, latin, arabic):
    matches = NameMatcher(report_tokens).match(latin)
    assert matches and matches[0].arabic.endswith(arabic)


def test_both_spellings_of_a_name_are_found(report_tokens):
    found = {m.arabic for m in NameMatcher(report_tokens).match("Berger")}
    assert {"برغر", "بيرغر"} <= found


def test_the_skeleton_filter_passes_what_a_scan_of_every_core_would(report_tokens):
    # The filter compares each distinct skeleton once and skips those whose letters rule the
    # word out before aligning: it must pass the same cores as aligning every core.
    import random

    from fahras.retrieval.crosslingual import names

    matcher = NameMatcher(report_tokens)
    rng = random.Random(5)
    words = ["kakosimou", "torrevillas", "schotter", "berger", "colombia", "ghada"] + [
        "".join(rng.choice("bcdfghklmnprstvz") + rng.choice("aeiou") for _ in range(rng.randint(2, 5)))
        for _ in range(60)]
    for word in words:
        sk = names.latin_skeleton(word)
        if not sk:  # no consonant to compare ("huhoha"): no candidate
            assert matcher.candidates(word) == []
            continue
        limit = 1 if len(sk) <= 4 else 2
        found = []
        for order, core in enumerate(matcher._cores):
            ask = names.arabic_skeleton(core)
            d = names._close(sk, ask, limit) if ask else None
            if d is not None:
                found.append((d, order, core))
        want = sorted(found)[:names.MAX_CANDIDATES] if len(found) > names.MAX_CANDIDATES else found
        assert matcher.candidates(word) == [c for _, _, c in sorted(want, key=lambda f: f[1])]


@pytest.mark.parametrize("latin, arabic, other", [
    ("Guatemala", "غواتيمالا", "غانا"),
    ("Zambia", "زامبيا", "زيمبابوي"),
    ("Latvia", "لاتفيا", "ليتوانيا"),
    ("Michael", "مايكل", "المسائل"),
])
def test_distance_prefers_the_transliteration(latin, arabic, other):
    key = latin_key(latin)
    assert distance(key, normalize(arabic)) < 0.2 < distance(key, normalize(other))


@pytest.mark.parametrize("word", ["Meeting", "More", "Many", "Government", "Report", "Who",
                                  "Which", "States", "Protection", "Sessions", "Other"])
def test_common_words_are_not_taken_for_names(hash_searcher, word):
    exp = CrossLingualExpander.for_searcher(hash_searcher, ExpansionConfig.only("names"))
    assert exp.expand(f"{word} Kakosimou") == [
        {"source": "Kakosimou", "arabic": ["كاكوسيمو"], "terms": ["كاكوسيم"], "weight": 1.0,
         "kind": "name"}]


# -- the expander ----------------------------------------------------------------------------
def test_expansions_shown_with_results(hash_searcher):
    result = hash_searcher.search("Frontex and the Bali Process", 3)
    exps = result.to_json()["expansions"]
    assert [(e["source"], e["kind"]) for e in exps] == [("Frontex", "glossary"),
                                                         ("Bali Process", "glossary")]
    assert "فرونكس" in exps[0]["arabic"] and "مباحثات بالي" in exps[1]["arabic"]
    assert result.hits[0].label_en == "Paragraph 9"   # the one passage that names both


def test_arabic_queries_are_not_expanded(hash_searcher):
    assert hash_searcher.expander(analyze_query("حماية الأطفال المهربين")) == []
    assert hash_searcher.search("فرونكس", 3).expansions == []


def test_resolution_numbers_are_also_searched_reversed(hash_searcher):
    exps = hash_searcher.expander(analyze_query("Which resolution is 9/1?"))
    assert {"source": "9/1", "arabic": ["1/9"], "terms": ["1/9"], "weight": 1.0,
            "kind": "number"} in exps


def test_expansions_keep_only_forms_the_index_has(hash_searcher):
    # The glossary has «فرونتكس» too; the report only «فرونكس» and the agency's full name.
    (exp,) = hash_searcher.expander(analyze_query("Frontex"))
    assert exp["arabic"] == ["الوكالة الأوروبية لحرس الحدود والسواحل", "فرونكس"]
    assert all(hash_searcher.lexical.doc_freq(t) for t in exp["terms"])
    # «عدم الإعادة القسرية»: the report has «عدم» and «الإعادة» but not «القسرية».
    assert hash_searcher.expander(analyze_query("non-refoulement")) == []
    # «معاودة الإيذاء» is in the report as «لمعاودة الإيذاء»
    (exp,) = hash_searcher.expander(analyze_query("revictimization"))
    assert exp["arabic"] == ["معاودة الإيذاء"] and "لمعاود" in exp["terms"]


# -- weights: a wrong expansion cannot bury a strong dense hit --------------------------------
def _passage(i: int, text: str) -> Passage:
    return Passage(id=f"t:p{i}", doc="t", kind="paragraph", number=str(i), label_ar=f"الفقرة {i}",
                   label_en=f"Paragraph {i}", section="", section_en="", part="deliberations",
                   text=text, order=i, line=i)


class _FixedEmbedder:
    """The query vector is fixed: the dense scores are what the test sets."""

    def __init__(self, vector):
        self.vector = np.asarray(vector, dtype=np.float32)

    def encode_queries(self, texts):
        return np.tile(self.vector, (len(texts), 1))


def _tiny_searcher(dense_cosines):
    from fahras.text.arabic import analyze
    from fahras.retrieval.searcher import Searcher

    texts = ["التعاون الدولي في مكافحة التهريب", "حماية الأطفال المهاجرين",
             "البحث والإنقاذ في البحر", "الكوارث الطبيعية والنزاعات والكوارث الطبيعية",
             "تدابير الحماية والمساعدة"]
    # Unit vectors whose cosine with the query (e0) is the given value.
    vecs = []
    for k, c in enumerate(dense_cosines):
        v = np.zeros(len(texts) + 1, dtype=np.float32)
        v[0], v[k + 1] = c, np.sqrt(1 - c * c)
        vecs.append(v)
    data = IndexData(documents=[{"id": "t"}], passages=[_passage(i, t) for i, t in enumerate(texts)],
                     terms=[analyze(t) for t in texts], vectors=np.stack(vecs),
                     sentences=np.zeros((0, 3), dtype=np.int64),
                     sentence_vectors=np.zeros((0, len(texts) + 1), dtype=np.float32))
    s = Searcher(data, model="hash")
    s._embedder = _FixedEmbedder(np.eye(len(texts) + 1, dtype=np.float32)[0])
    return s


def _wrong(weight):
    """An expander that maps the query to «الكوارث الطبيعية» (in passage 3 only), wrongly."""
    return lambda analysis: [{"source": "disasters", "arabic": ["الكوارث الطبيعية"],
                              "terms": ["كوارث", "طبيعيه"], "weight": weight, "kind": "glossary"}]


@pytest.mark.parametrize("weight", [0.5, 0.8, 1.0])
def test_a_wrong_expansion_cannot_outrank_a_strong_dense_hit(weight):
    # Passage 1 is the dense hit; passage 3 has the wrong expansion's words twice over.
    s = _tiny_searcher([0.30, 0.90, 0.35, 0.40, 0.25])
    s.expander = _wrong(weight)
    assert s.search("a question", 5, mode="lexical").hits[0].id == "t:p3"   # it does match
    hybrid = s.search("a question", 5)
    assert hybrid.hits[0].id == "t:p1"
    # The expansion lifts passage 3 by at most WEIGHTS_LATIN[0] * weight over its dense score.
    top, wrong = hybrid.hits[0], next(h for h in hybrid.hits if h.id == "t:p3")
    dense_norm = (0.40 - 0.25) / (0.90 - 0.25)
    assert wrong.score == pytest.approx(WEIGHTS_LATIN[1] * dense_norm + WEIGHTS_LATIN[0] * weight)
    assert top.score == pytest.approx(WEIGHTS_LATIN[1] * 1.0)


def test_an_expansion_reorders_close_dense_hits():
    # When the dense side cannot tell two passages apart, the expansion decides.
    s = _tiny_searcher([0.30, 0.62, 0.35, 0.60, 0.25])
    s.expander = _wrong(1.0)
    assert s.search("a question", 5).hits[0].id == "t:p3"
    s.expander = None
    assert s.search("a question", 5).hits[0].id == "t:p1"


def test_latin_weights_scale_with_the_strongest_expansion():
    assert latin_weights(0.0) == (0.0, WEIGHTS_LATIN[1])
    assert latin_weights(0.5) == (WEIGHTS_LATIN[0] * 0.5, WEIGHTS_LATIN[1])
    assert latin_weights(3.0) == WEIGHTS_LATIN
    assert WEIGHTS_LATIN[0] < WEIGHTS_LATIN[1]


def test_name_weight_falls_with_distance(hash_searcher):
    exp = CrossLingualExpander.for_searcher(hash_searcher, ExpansionConfig.only("names"))
    (perfect,) = exp.expand("Kakosimou")
    (close,) = exp.expand("Torrevillas")
    assert perfect["weight"] == 1.0
    assert 0.5 <= close["weight"] < 1.0


# -- the real model (slow) -----------------------------------------------------------------
# Queries written for these tests (not from dev.tsv or heldout.tsv), with the passage that
# answers them. Without expansion the model alone puts a different passage first for most.
PINNED = [
    ("Holy See", "p46", "Holy See"),
    ("resolution 9/1", "p3", "9/1"),
    ("xenophobia", "r9", "xenophobia"),
    ("search and rescue at sea", "r8", "search and rescue"),
    ("Western Balkans task force", "p7", "Western Balkans task force"),
    ("liaison officers", "p9", "liaison officers"),
    ("witness protection programme", "p17", "witness protection programme"),
    ("Mercosur", "p9", "Mercosur"),
    ("consulates", "p18", "consulates"),
    ("What did Torrevillas say about online scams?", "p17", "Torrevillas"),
    ("Kakosimou", "p31", "Kakosimou"),
]


@pytest.mark.slow
@pytest.mark.parametrize("query, top, source", PINNED)
def test_pinned_english_queries(real_searcher, query, top, source):
    result = real_searcher.search(query, 5)
    assert result.hits[0].id == f"wg-som-2024-report.ar:{top}"
    assert source in [e["source"] for e in result.expansions]


@pytest.mark.slow
def test_expansion_is_what_puts_them_first(real_searcher):
    expander = real_searcher.expander
    try:
        real_searcher.expander = None
        first = [real_searcher.search(q, 1).hits[0].id.split(":")[1] for q, _, _ in PINNED]
    finally:
        real_searcher.expander = expander
    wrong = [q for (q, top, _), got in zip(PINNED, first) if got != top]
    assert len(wrong) >= len(PINNED) // 2, wrong
