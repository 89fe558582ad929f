"""Answers with the hashing embedder: the scorer's pieces against simple references, the
refusal rule, the JSON shape, one encoding per question, labels narrowed to list items."""

import json

import numpy as np
import pytest

from fahras.retrieval import answer as A
from fahras.retrieval.arabic import analyze, normalize
from fahras.retrieval.coverage import (
    QUESTION_FRAME,
    Bag,
    Key,
    Unit,
    cores,
    coverage,
    query_units,
    word_pairs,
)
from fahras.retrieval.cues import focus, is_question, question_type, sentence_cues
from fahras.retrieval.lexical import lucene_idf
from fahras.retrieval.query import analyze_query

WEIGHTS = {"dense": 10.0, "lexical": 2.0, "passage": 0.5, "cue": 0.5, "phrase": 1.5}


# -- coverage -----------------------------------------------------------------------------
@pytest.mark.parametrize("form, expected", [
    ("الدراسات", {"الدراسات", "دراسات", "الدراس", "دراس"}),
    ("وحقهم", {"وحقهم", "حقهم", "وحق"}),
    ("وظيفه", {"وظيفه", "ظيفه", "وظيف", "ظيف"}),
    ("سيعقد", {"سيعقد", "عقد"}),                      # one prefix at a time: «سي»
    ("2024", set()),
    ("budget", set()),
])
def test_cores(form, expected):
    assert cores(form) == expected


def test_bag_finds_variants_but_not_strangers():
    bag = Bag.of("ورحب المتكلمون بالدراسة العالمية وقدمت الحكومة المساعدة. القرار 3/5")
    assert bag.has(Key("دراس", cores("الدراسات")))      # same core
    assert bag.has(Key("حكوم", cores("حكوميه")))        # a core inside a word (4+ letters)
    assert bag.has(Key("3/5"))
    assert not bag.has(Key("ميزاني", cores("ميزانيه")))
    assert not bag.has(Key("طقس", cores("الطقس")))
    union = Bag.union([bag, Bag.of("حالة الطقس")])
    assert union.has(Key("طقس", cores("الطقس"))) and union.has(Key("3/5"))


def test_query_units_are_idf_weighted_and_skip_frame_words(hash_searcher):
    lex = hash_searcher.lexical
    a = analyze_query("ما اسم البرنامج الذي استخدم في الفلبين؟")
    units = query_units(a, [], lex)
    assert [u.source for u in units] == ["البرنامج", "استخدم", "الفلبين"]  # «اسم» is a frame word
    for u in units:
        (key,), = u.alternatives
        assert u.weight == pytest.approx(lucene_idf(lex.n_docs, lex.doc_freq(key.stem)))
    assert [u.word for u in units] == ["البرنامج", "استخدم", "الفلبين"]


def test_latin_units_are_numbers_symbols_and_expansions(hash_searcher):
    lex = hash_searcher.lexical
    a = analyze_query("What did resolution 5/3 establish in 2025?")
    units = query_units(a, [], lex)
    assert [u.source for u in units] == ["5/3", "2025"]  # English words say nothing
    pair = units[0]
    assert [alt[0].stem for alt in pair.alternatives] == ["5/3", "3/5"]  # Arabic order too
    assert pair.coverage(Bag.of("عملاً بالقرار 3/5")) == 1.0
    assert units[1].weight == pytest.approx(lucene_idf(lex.n_docs, 0))  # not in the report
    exp = {"source": "budget", "arabic": ["الميزانية"], "terms": ["ميزاني"], "weight": 0.5}
    units = query_units(analyze_query("What is the budget?"), [exp], lex)
    assert len(units) == 1 and units[0].source == "budget"
    assert units[0].weight == pytest.approx(0.5 * lucene_idf(lex.n_docs, 0))
    assert units[0].coverage(Bag.of("أقرت الميزانية")) == 1.0


def test_word_pairs_skip_stop_words():
    assert word_pairs("في البند 2 من جدول الأعمال") == {("بند", "2"), ("2", "جدول"),
                                                      ("جدول", "اعمال")}
    assert word_pairs("فيينا") == frozenset()


def test_coverage_is_the_weighted_share_found():
    bag = Bag.of("عقد الاجتماع في فيينا")
    units = [Unit(((Key("فيين", cores("فيينا")),),), 3.0),
             Unit(((Key("ميزاني", cores("ميزانيه")),),), 1.0),
             Unit(((Key("عقد", cores("عقد")), Key("طقس", cores("طقس"))),), 2.0)]
    assert coverage(units, bag) == pytest.approx((3.0 * 1 + 1.0 * 0 + 2.0 * 0.5) / 6.0)
    assert coverage([], bag) is None


# -- cues ----------------------------------------------------------------------------------
@pytest.mark.parametrize("text, expected", [
    ("عُقد الاجتماع في فيينا يومي 11 و12 تموز/يوليه 2024.", {"date"}),
    ("وعُقدت في إطاره أربع جلسات.", {"number"}),
    ("وهي شراكة بين 23 بلدا", {"number"}),
    ("وفي إطار البند 5 من جدول الأعمال، تكلم ممثلو الأطراف", {"agent"}),
    ("وفقاً للفقرة 12 من الإجراءات", set()),
    ("عُقد الاجتماع الحادي عشر للفريق العامل", set()),             # an ordinal is no count
    ("وأشار أحد المتكلمين إلى الأضرار", set()),                   # «أحد» is "one of"
    ("2- منع ومكافحة تهريب المهاجرين", set()),                   # a list number
    ("وافتح الاجتماع فاسيليكي كاكوسيمو (اليونان)", {"agent"}),
    ("ومحمد راشدي، قائد شعبة بالشرطة", {"agent"}),
    ("جدول الأعمال المؤقت المشروح (CTOC/COP/WG.7/2024/1)؛", {"symbol"}),
    ("عملاً بالقرار 3/5 الذي اعتمده المؤتمر", {"symbol"}),
])
def test_sentence_cues(text, expected):
    assert sentence_cues(text) == expected


@pytest.mark.parametrize("query, qtype", [
    ("متى عقد الاجتماع الأول؟", "when"), ("When was it held?", "when"),
    ("On what date did the group adopt its report?", "when"),
    ("كم عدد الجلسات؟", "how_many"), ("How many sessions were held?", "how_many"),
    ("من افتتح الاجتماع؟", "who"), ("Who opened the meeting?", "who"),
    ("ما اسم المتكلمة التي تحدثت؟", "who"),
    ("بموجب أي قرار أنشئ الفريق؟", "symbol"), ("Which resolution established it?", "symbol"),
    ("ما هي وظيفة محمد راشدي؟", "role"), ("What is Martina Berger's position?", "role"),
    ("أين عقد الاجتماع؟", "where"), ("In which city was it held?", "where"),
    ("ما البرنامج الذي استخدم في الفلبين؟", None), ("حماية الأطفال المهربين", None),
    ("من أجل حماية الأطفال", None),
])
def test_question_type(query, qtype):
    assert question_type(normalize(query)) == qtype


@pytest.mark.parametrize("query, expected", [
    ("ما هي ميزانية الفريق العامل؟", ("attribute", "ميزانيه")),
    ("ما هو عنوان الموقع الشبكي؟", ("attribute", "عنوان")),
    ("ما اسم البرنامج الذي يتيح التبادل؟", ("category", "البرنامج")),
    ("ما العقوبة التي ينص عليها القانون؟", ("category", "العقوبه")),
    ("أي دولة مراقبة تكلمت؟", ("category", "دوله")),
    ("بأي صفة شارك الكرسي الرسولي؟", None),
    ("ما الذي قرره المؤتمر؟", None),
    ("ماذا قال ممثل الصين؟", None),
    ("متى عقد الاجتماع؟", None),
])
def test_focus(query, expected):
    assert focus(normalize(query), QUESTION_FRAME) == expected


@pytest.mark.parametrize("query, expected", [
    ("ما هي ميزانية الفريق؟", True), ("هل حضر الكرسي الرسولي الاجتماع", True),
    ("Who opened the meeting", True), ("search and rescue at sea?", True),
    ("حماية الأطفال المهربين", False), ("search and rescue at sea", False),
    ("CTOC/COP/WG.7/2024/1", False),
])
def test_is_question(query, expected):
    assert is_question(normalize(query)) is expected


# -- the scorer ----------------------------------------------------------------------------
def test_candidates_against_a_reference(hash_searcher):
    s = hash_searcher
    scored = s.score("أين عقد الاجتماع الحادي عشر للفريق العامل؟")
    ranked = A.candidates(s, scored, weights=WEIGHTS)
    table = A.sentence_table(s)
    order = scored.order()
    pool = {r for i in order[:A.POOL] for r in table.by_passage.get(i, ())}
    assert pool <= {c.row for c in ranked}
    cos = s.sentence_dense.vectors @ scored.query_vector
    best = max(cos[c.row] for c in ranked)
    units = query_units(scored.analysis, [], s.lexical, table.corpus)
    top = scored.fused[order[0]]
    for c in ranked:
        assert c.cosine == pytest.approx(cos[c.row], abs=1e-5)
        assert c.dense == pytest.approx(cos[c.row] - best, abs=1e-5)
        assert c.lexical == pytest.approx(coverage(units, table.bags[c.row]))
        assert c.passage_score == pytest.approx(max(0.0, scored.fused[c.passage]) / top)
        pairs = word_pairs(scored.analysis.text)
        assert c.phrase == pytest.approx(len(pairs & table.pairs[c.row]) / len(pairs))
        ref = (10.0 * c.dense + 2.0 * c.lexical + 0.5 * c.passage_score + 0.5 * c.cue
               + 1.5 * c.phrase)
        assert c.score == pytest.approx(ref)
        p, a, b = table.rows[c.row]
        assert (c.passage, c.start, c.end) == (p, a, b)
    assert [c.score for c in ranked] == sorted((c.score for c in ranked), reverse=True)
    text = s.passages[ranked[0].passage].text[ranked[0].start:ranked[0].end]
    assert "فيينا" in text


def test_ask_encodes_the_question_once(hash_searcher, monkeypatch):
    calls = []
    encode = hash_searcher.encode_query
    monkeypatch.setattr(hash_searcher, "encode_query", lambda t: calls.append(t) or encode(t))
    hash_searcher.ask("متى عقد الاجتماع التاسع للفريق العامل؟", 5)
    assert calls == ["متى عقد الاجتماع التاسع للفريق العامل؟"]


def test_ask_json_shape_and_hits_are_the_search_hits(hash_searcher):
    q = "أين عقد الاجتماع الحادي عشر للفريق العامل؟"
    result = hash_searcher.ask(q, 3)
    d = result.to_json()
    assert list(d) == ["query", "found", "answer", "hits"]
    assert list(d["answer"]) == ["text", "passage_id", "label_ar", "label_en", "start", "end",
                                 "score"]
    assert d["hits"] == [h.to_json() for h in hash_searcher.search(q, 3).hits]
    a = result.answer
    p = hash_searcher.passage(a.passage_id)
    assert p.text[a.start:a.end] == a.text
    assert (a.label_ar, a.label_en) == ("الفقرة 30", "Paragraph 30")
    json.dumps(d, ensure_ascii=False)


def test_answer_label_is_narrowed_to_the_list_item(hash_searcher):
    a = hash_searcher.ask("دور بلدان العبور في منع تهريب المهاجرين", 3).answer
    assert (a.label_ar, a.label_en) == ("الفقرة 28 (هـ)", "Paragraph 28 (e)")
    assert a.text.startswith("(هـ) دور بلدان العبور")


def test_a_named_passage_is_answered_from_that_passage(hash_searcher):
    result = hash_searcher.ask("التوصية 8", 3)
    assert result.found and result.answer.passage_id.endswith(":r8")
    assert result.hits[0].pinned


@pytest.mark.parametrize("query, label_ar, label_en", [
    ("الفقرة 28 (هـ)", "الفقرة 28 (هـ)", "Paragraph 28 (e)"),
    ("paragraph 28 (e)", "الفقرة 28 (هـ)", "Paragraph 28 (e)"),
    ("التوصية 13 (ب)", "التوصية 13 (ب)", "Recommendation 13 (b)"),
])
def test_a_named_list_item_is_the_answer(hash_searcher, query, label_ar, label_en):
    a = hash_searcher.ask(query, 3).answer
    assert (a.label_ar, a.label_en) == (label_ar, label_en)


def test_an_introduction_ending_with_a_colon_takes_its_list(hash_searcher):
    s = hash_searcher
    table = A.sentence_table(s)
    i = next(i for i, p in enumerate(s.passages) if p.id.endswith(":p41"))
    first = table.by_passage[i][0]
    p, a, b = table.rows[first]
    cand = A.Candidate(first, i, int(a), int(b), 0.0, 0.0, 0.0, 1.0, 0.0)
    start, end = A._answer_span(s.passages[i], table, cand)
    assert (start, end) == (0, len(s.passages[i].text))
    assert s.passages[i].text[start:end].endswith("6- اعتماد التقرير.")


def test_filters_that_exclude_everything_give_no_answer(hash_searcher):
    result = hash_searcher.ask("فيينا", 3, kinds=["recommendation"], parts=["organization"])
    assert not result.found and result.answer is None and result.hits == []


def test_expansions_count_for_an_english_question(hash_searcher, monkeypatch):
    """Once English questions are expanded to Arabic (``Searcher.expander``), the expansions
    are what an English question's sentence must cover."""
    glossary = {"budget": "الميزانية", "vienna": "فيينا"}

    def expander(analysis):
        return [{"source": en, "arabic": [ar], "terms": analyze(ar), "weight": 0.8,
                 "kind": "glossary"} for en, ar in glossary.items() if en in analysis.normalized]

    monkeypatch.setattr(hash_searcher, "expander", expander)
    # The hashing embedder's cosines mean nothing across languages: weigh them little.
    model = dict(MODEL, weights=dict(WEIGHTS, dense=1.0))
    refused = hash_searcher.ask("What is the budget of the working group?", 3, model=model)
    assert not refused.found and "«budget»" in refused.reason
    found = hash_searcher.ask("Which meeting was held in Vienna?", 3, model=model)
    assert found.found and "فيينا" in found.answer.text


# -- the refusal rule ----------------------------------------------------------------------
MODEL = {"embedding": "e5-small", "weights": WEIGHTS, "refusal": {
    "arabic": {"missing": 0.6, "topicality": 0.75, "cosine": 0.8, "support": 1.01},
    "latin": {"missing": 1.0, "topicality": 0.0, "cosine": 0.8, "support": 0.5}}}


def evidence(**kw):
    ev = {"pinned": False, "question": True, "nothing_in_report": False, "cue_missing": False,
          "wanted": None, "focus_missing": False, "focus": None, "missing_specific": 0.0,
          "n_missing": 0, "number_missing": False, "topicality": 0.8, "cosine": 0.9,
          "support": 1.0, "dense": True}
    ev.update(kw)
    return ev


@pytest.mark.parametrize("kw, latin, refused", [
    ({}, False, None),
    ({"pinned": True, "cosine": 0.1, "missing_specific": 1.0, "n_missing": 3}, False, None),
    ({"pinned": True, "cue_missing": True, "question": False}, False, None),
    ({"pinned": True, "cue_missing": True, "wanted": "a number"}, False,
     "the passage it names has none"),
    ({"question": False, "cosine": 0.1}, False, None),
    ({"question": False, "nothing_in_report": True}, False, "none of its words"),
    ({"cue_missing": True, "wanted": "a date"}, False, "asks for a date"),
    ({"focus_missing": True, "focus": "ميزانية"}, False, "«ميزانية»"),
    ({"missing_specific": 0.7, "n_missing": 2}, False, "lacks most"),
    ({"missing_specific": 0.7, "n_missing": 1}, False, None),          # one word: a variant?
    ({"missing_specific": 1.0, "n_missing": 1, "number_missing": True}, True, "lacks most"),
    ({"missing_specific": 0.5, "n_missing": 3}, False, None),
    ({"topicality": 0.74}, False, "far from"),
    ({"cosine": 0.79}, False, "far from"),
    ({"cosine": 0.79, "support": 0.4}, False, "far from"),               # Arabic: no gate
    ({"cosine": 0.79, "support": 0.4}, True, "far from"),                # English: few words
    ({"cosine": 0.79, "support": 0.6}, True, None),                      # ... its words there
    ({"cosine": 0.81, "support": 0.0}, True, None),                      # English limits
    ({"cosine": 0.5, "topicality": 0.1, "dense": False}, False, None),  # another model
    ({"country_missing": ["المغرب"]}, False, "does not mention «المغرب»"),
    ({"country_missing": ["Austria"], "cosine": 0.95}, True, "does not mention «Austria»"),
    ({"ordinal_missing": ["الثاني عشر"]}, False, "«الثاني عشر»"),
    ({"ordinal_missing": ["twelfth"], "pinned": True}, True, None),  # a named passage
    ({"country_missing": ["Austria"], "question": False}, True, None),  # a phrase
])
def test_refusal_rule(kw, latin, refused):
    reason = A.refuse(evidence(**kw), latin, MODEL)
    if refused is None:
        assert reason is None
    else:
        assert refused in reason


def test_the_stored_model_is_plain_numbers():
    model = A.default_model()
    assert set(model["weights"]) == {"dense", "lexical", "passage", "cue", "phrase"}
    for script in ("arabic", "latin"):
        limits = model["refusal"][script]
        assert all(isinstance(limits[k], float)
                   for k in ("missing", "topicality", "cosine", "support"))
    assert model["embedding"] == "e5-small"


def test_sentence_table_rows_match_the_index(hash_searcher):
    table = A.sentence_table(hash_searcher)
    assert table is A.sentence_table(hash_searcher)  # built once
    assert len(table.bags) == len(hash_searcher.sentence_rows)
    assert np.allclose(table.centroid, hash_searcher.sentence_dense.vectors.mean(axis=0))


def test_word_lists_are_written_normalized():
    from fahras.retrieval import cues

    lists = [cues._MONTHS, cues._NUMBER_WORDS, cues._AGENT_WORDS, cues._TITLE_WORDS,
             cues._REFERENCE_WORDS, QUESTION_FRAME]
    assert all(normalize(w) == w for words in lists for w in words)


# -- English questions: what the expansions do not reach ----------------------------------
@pytest.mark.parametrize("word, verb", [
    ("held", True), ("hold", True), ("opened", True), ("applies", True), ("planned", True),
    ("dismantled", True), ("crossing", True), ("take", True), ("won", True),
    ("trafficking", False),
    ("budget", False), ("penalty", False), ("weather", False), ("capital", False),
    ("Minister", False),
])
def test_is_verb(word, verb):
    from fahras.retrieval.verbs import is_verb

    assert is_verb(word) is verb


def test_unreached_words_are_the_content_no_expansion_covers():
    from fahras.retrieval.coverage import unreached

    exps = [{"source": "Working Group", "arabic": ["الفريق العامل"]},
            {"source": "2025", "arabic": []}]
    text = "What is the budget of the Working Group for 2025, and who approved it?"
    assert unreached(text, exps) == ["budget"]                  # verbs, numbers, frame: out
    assert unreached(text, exps, with_verbs=True) == ["budget", "approved"]
    assert unreached("In which city was the budget approved?", []) == ["budget"]  # city: frame
    assert unreached("What was said against smuggling along the routes?",
                     [{"source": "smuggling"}, {"source": "routes"}]) == []  # prepositions


def test_an_english_questions_gaps_count_as_missing(hash_searcher, monkeypatch):
    """A content word that nothing translates is a unit the passage lacks, weighted as a word
    the report never uses; the expansions' units are unchanged (the sentence scorer's)."""
    monkeypatch.setattr(hash_searcher, "expander", lambda a: [
        {"source": "Vienna", "arabic": ["فيينا"], "terms": analyze("فيينا"), "weight": 1.0,
         "kind": "glossary"}] if a.latin else [])
    s = hash_searcher
    scored = s.score("What is the weather in Vienna?")
    table = A.sentence_table(s)
    q = A._Question.of(s, scored, table)
    assert [u.source for u in q.units] == ["Vienna"]
    assert [(u.word, u.alternatives) for u in q.gaps] == [("weather", ())]
    assert q.gaps[0].weight == pytest.approx(lucene_idf(s.lexical.n_docs, 0))
    best = next(c for c in A.candidates(s, scored, weights=WEIGHTS)
                if "فيينا" in s.passages[c.passage].text[c.start:c.end])
    ev = A.evidence(s, scored, best, q)
    vienna, weather = q.units[0].weight, q.gaps[0].weight
    assert ev["unreached"] == ["weather"]
    assert ev["support"] == pytest.approx(vienna / (vienna + weather))
    assert ev["n_missing"] >= 1 and ev["missing_specific"] > 0
    # an Arabic question has no gaps
    assert A._Question.of(s, s.score("ما حالة الطقس في فيينا؟"), table).gaps == []


def test_frame_words_are_no_english_unit(hash_searcher):
    exp = {"source": "capacity", "arabic": ["القدرات"], "terms": analyze("القدرات"),
           "weight": 0.7}
    a = analyze_query("In what capacity did the Holy See attend?")
    assert query_units(a, [exp], hash_searcher.lexical) == []


# -- counts ----------------------------------------------------------------------------------
def test_counted_words_and_how_many_match():
    from fahras.retrieval.cues import OTHER_COUNT, counted_words, type_match

    text = "كما تحدثت عن فرقة العمل، وهي شراكة بين 23 بلدا لمكافحة تهريب المهاجرين"
    counted = counted_words(text)
    cues = sentence_cues(text)
    countries = [Key("بلد", cores("البلدان"))]
    networks = [Key("شبك", cores("الشبكات"))]
    assert counted.has(countries[0]) and not counted.has(Key("تهريب", cores("تهريب")))
    assert type_match("how_many", cues, Bag(()), countries, counted) == 1.0
    assert type_match("how_many", cues, Bag(()), networks, counted) == OTHER_COUNT
    assert type_match("how_many", cues, Bag(()), [], counted) == 1.0      # nothing to name
    assert type_match("how_many", frozenset(), Bag(()), countries, counted) == 0.0
    assert counted_words("عقد الاجتماع في 11 تموز/يوليه 2024").terms == frozenset()  # a date


# -- the candidate pool ------------------------------------------------------------------------
def test_the_lexical_side_adds_its_best_passages_to_the_pool(hash_searcher):
    s = hash_searcher
    scored = s.score("Which resolution established the review mechanism?")
    table = A.sentence_table(s)
    rows = {c.row for c in A.candidates(s, scored, weights=WEIGHTS, dense_pool=0)}
    order = scored.order()
    lex = [int(i) for i in np.argsort(-scored.lexical, kind="stable")
           if scored.eligible[i] and scored.lexical[i] > 0
           and int(i) not in order[:A.POOL]][:A.LEXICAL_POOL]  # headings are not eligible
    expected = {r for i in order[:A.POOL] + lex for r in table.by_passage.get(i, ())}
    assert lex and rows == expected
    without = {c.row for c in A.candidates(s, scored, weights=WEIGHTS, dense_pool=0,
                                           lexical_pool=0)}
    assert without == {r for i in order[:A.POOL] for r in table.by_passage.get(i, ())}


# -- countries and ordinals a question names ---------------------------------------------------
@pytest.mark.parametrize("text, latin, expected", [
    ("ما اسم قانون مكافحة تهريب المهاجرين في المغرب؟", False, [("Morocco", "المغرب")]),
    ("ما الدعم للنمسا والهند؟", False, [("Austria", "النمسا"), ("India", "الهند")]),
    ("ما حجم الدعم المالي؟", False, []),                 # «مالي»: financial, not Mali
    ("How do I apply for a work visa in Austria?", True, [("Austria", "Austria")]),
    ("What did the Philippine police do?", True, [("Philippines", "Philippine")]),
    ("Which US department does Steven Mora work for?", True, [("United States", "US")]),
    ("what did us say?", True, []),                      # only the capitals are a country
    ("", False, []),
])
def test_named_countries(text, latin, expected):
    from fahras.retrieval.entities import named_countries

    assert [(c.name, c.written) for c in named_countries(text, latin)] == expected


def test_a_passage_mentions_a_country_with_its_clitics():
    from fahras.retrieval.arabic import normalize
    from fahras.retrieval.entities import mentions, named_countries

    (morocco,) = named_countries("المغرب", False)
    (austria,) = named_countries("Austria", True)
    text = normalize("كما تكلم المراقبون عن إيران وماليزيا والمغرب. وقدمت للنمسا الشكر.")
    assert mentions(morocco, text) and mentions(austria, text)
    assert not mentions(morocco, normalize("المغربي في المغاربة"))  # other words
    assert not mentions(austria, normalize("عقد في فيينا"))


@pytest.mark.parametrize("text, expected", [
    ("متى سيعقد الاجتماع الثاني عشر للفريق العامل؟", {12: "الثاني عشر"}),
    ("عُقد الاجتماع الحادي عشر للفريق", {11: "الحادي عشر"}),
    ("أين ستعقد الدورة الثالثة عشرة لمؤتمر الأطراف؟", {13: "الثالثة عشرة"}),
    ("في اجتماعه التاسع وفي التوصية الأولى", {9: "التاسع", 1: "الأولى"}),
    ("الحادية والحادي", {}),                              # «الحادي» alone is no ordinal
    ("When will the TWELFTH meeting and the 3rd session be held?", {12: "TWELFTH", 3: "3rd"}),
    ("a second look at 12 July", {2: "second"}),
])
def test_ordinal_numbers_with_their_words(text, expected):
    from fahras.retrieval.arabic import normalize_with_offsets
    from fahras.retrieval.query import ordinal_numbers

    norm = normalize_with_offsets(text)
    got = {}
    for n, (a, b) in ordinal_numbers(norm.text).items():
        a, b = norm.original_span(a, b)
        got[n] = text[a:b]
    assert got == expected


def _first_sentence(s, passage_id):
    table = A.sentence_table(s)
    pi = next(i for i, p in enumerate(s.passages) if p.id == passage_id)
    r = table.by_passage[pi][0]
    _, a, b = (int(x) for x in table.rows[r])
    return A.Candidate(r, pi, a, b, 0.9, 0.0, 1.0, 1.0, 0.0)


@pytest.mark.parametrize("question, passage, countries, ordinals", [
    ("ما اسم قانون المغرب الذي ذكر في الاجتماع الثاني عشر؟", "p30", ["المغرب"],
     ["الثاني عشر"]),
    ("ما اسم قانون المغرب الذي ذكر في الاجتماع الحادي عشر؟", "p30", ["المغرب"], []),
    ("ماذا قال المغرب؟", "p36", [], []),                   # «... وماليزيا والمغرب.»
    ("What did Morocco say at the eleventh meeting?", "p36", [], ["eleventh"]),
])
def test_evidence_names_the_missing_country_and_ordinal(hash_searcher, question, passage,
                                                         countries, ordinals):
    s = hash_searcher
    pid = f"wg-som-2024-report.ar:{passage}"
    ev = A.evidence(s, s.score(question), _first_sentence(s, pid))
    assert ev["country_missing"] == countries
    assert ev["ordinal_missing"] == ordinals
