"""The answer layer on the bundled report indexed with the hashing embedder: candidates and
their features against references, the model file and its arithmetic, refusals and their
reasons, the JSON of ``ask``. A small model written here (not the fitted one) makes the
decisions predictable."""

import json
import subprocess
import sys

import numpy as np
import pytest
from answerfixtures import MODEL, VARIANT, small_model  # noqa: F401 (a fixture)

from fahras.retrieval.answer import features as F
from fahras.retrieval.answer import model as M
from fahras.retrieval.answer.question import Question
from fahras.messages import text as message_text
from fahras.retrieval.answer.reasons import Reason
from fahras.retrieval.answer.table import sentence_table
from fahras.retrieval.answer.words import Bag, coverage
from fahras.text.arabic import analyze

PID = "wg-som-2024-report.ar:"


# -- candidates and their features -----------------------------------------------------------
def test_candidates_are_the_best_passages_and_the_nearest_sentences(hash_searcher):
    s = hash_searcher
    scored = s.score("أين عقد الاجتماع الحادي عشر للفريق العامل؟")
    table = sentence_table(s)
    rows, pinned, n_top = F.candidate_rows(s, scored)
    order = scored.order()
    top = {r for i in order[:F.POOL] for r in table.rows_of(i)}
    assert not pinned and top <= set(rows[:n_top])
    ids, _ = s.sentence_dense.search(scored.query_vector, F.DENSE_POOL * 2)
    near = [int(r) for r in ids if scored.eligible[table.span(int(r))[0]]][:F.DENSE_POOL]
    assert set(near) <= set(rows)
    assert len(rows) == len(set(rows))


def test_sentence_features_against_references(hash_searcher):
    s = hash_searcher
    scored = s.score("متى عقد الاجتماع الحادي عشر للفريق العامل في فيينا؟")
    q = Question.of(s, scored)
    pool = F.sentence_features(s, scored, q)
    col = {f: i for i, f in enumerate(F.SENTENCE_FEATURES)}
    cos = s.sentence_dense.vectors[pool.rows] @ scored.query_vector
    order = scored.order()
    top = scored.fused[scored.eligible].max()
    for j, (row, p) in enumerate(zip(pool.rows, pool.passages)):
        pi, a, b = (int(x) for x in s.sentence_rows[row])
        text = s.passages[pi].text[a:b]
        x = pool.X[j]
        assert p == pi
        assert x[col["cos"]] == pytest.approx(cos[j], abs=1e-5)
        assert x[col["cos_gap"]] == pytest.approx(cos[j] - cos.max(), abs=1e-5)
        assert x[col["fused_rel"]] == pytest.approx(max(0.0, scored.fused[pi]) / top)
        assert x[col["rank_inv"]] == pytest.approx(1.0 / (order.index(pi) + 1))
        assert x[col["beyond_top"]] == float(order.index(pi) >= F.TOP)
        assert x[col["lex_sent"]] == pytest.approx(coverage(q.units, Bag.of(text)) or 0.0)
        assert x[col["lex_pass"]] == pytest.approx(
            coverage(q.units, Bag.of(s.passages[pi].text)) or 0.0)
        # "when" wants a date: a year or month the question does not already name
        assert x[col["type_ok"]] + x[col["type_miss"]] == 1.0
    best = int(np.argmax(pool.X[:, col["lex_sent"]]))
    assert "فيينا" in s.passages[pool.passages[best]].text
    assert q.qtype == "when" and q.wants == "date"


@pytest.mark.parametrize("question, passage, numbers, ordinals, entities", [
    ("ما الذي قرره الاجتماع الثاني عشر في فيينا عام 2031؟", "p30", ["2031"], ["الثاني عشر"], []),
    ("ما الذي قرره الاجتماع الحادي عشر في فيينا عام 2024؟", "p30", [], [], []),
    ("ماذا قال المغرب عن الأردن؟", "p36", [], [], ["الأردن"]),   # «... وماليزيا والمغرب.»
])
def test_question_features_name_what_the_passage_lacks(hash_searcher, question, passage,
                                                       numbers, ordinals, entities):
    s = hash_searcher
    scored = s.score(question)
    q = Question.of(s, scored)
    pool = F.sentence_features(s, scored, q)
    pi = next(i for i, p in enumerate(s.passages) if p.id == PID + passage)
    rows = [j for j, p in enumerate(pool.passages) if p == pi]
    assert rows, "the passage the question is about is not among the candidates"
    ev = F.question_features(s, scored, q, pool, np.zeros(len(pool.rows)), rows[0])
    x = dict(zip(F.QUESTION_FEATURES, ev.x))
    assert [u.word for u in ev.numbers] == numbers and ev.ordinals == ordinals
    assert [u.word for u in ev.entities] == entities
    assert x["number_missing"] == float(bool(numbers))
    assert x["ordinal_missing"] == float(bool(ordinals))
    assert x["entity_missing"] == float(bool(entities))


@pytest.mark.parametrize("question, entities", [
    # a person's names one after the other are one entity, found by the last ("Mr. Rachedi")
    ("According to Mohamed Rachedi, what rights does Algeria guarantee to migrants?",
     ["Algeria", "Rachedi"]),
    ("What did Stephen Mora and Olivia Torrevillas say?", ["Mora", "Torrevillas"]),
    ("Did Mohamed speak before Rachedi?", ["Mohamed", "Rachedi"]),  # two names, apart
])
def test_an_english_question_names_a_person_by_the_last_of_their_names(hash_searcher, question,
                                                                       entities):
    scored = hash_searcher.score(question)
    assert {e["source"] for e in scored.expansions if e["kind"] == "name"} >= set(
        entities) - {"Algeria"}
    assert sorted(u.source for u in Question.of(hash_searcher, scored).entities) == entities


def test_a_word_no_passage_has_is_absent(hash_searcher):
    s = hash_searcher
    scored = s.score("ما هي ميزانية الفريق العامل المعني بتهريب المهاجرين؟")
    q = Question.of(s, scored)
    pool = F.sentence_features(s, scored, q)
    ev = F.question_features(s, scored, q, pool, np.zeros(len(pool.rows)), 0)
    assert [u.word for u in ev.absent] == ["ميزانية"]
    x = dict(zip(F.QUESTION_FEATURES, ev.x))
    assert x["absent"] == pytest.approx(1.0)
    total = sum(u.idf for u in q.units)
    assert x["absent_share"] == pytest.approx(ev.absent[0].idf / total)


def test_an_english_question_is_covered_through_its_expansions_only(hash_searcher, monkeypatch):
    glossary = {"vienna": "فيينا", "working group": "الفريق العامل"}

    def expander(analysis):
        return [{"source": en, "arabic": [ar], "terms": analyze(ar), "weight": 1.0,
                 "kind": "glossary"} for en, ar in glossary.items() if en in analysis.normalized]

    monkeypatch.setattr(hash_searcher, "expander", expander)
    scored = hash_searcher.score("When did the working group meet in Vienna about budgets?")
    q = Question.of(hash_searcher, scored)
    assert sorted(u.source for u in q.units) == ["vienna", "working group"]  # "budgets": none
    assert all(u.kind == "expansion" for u in q.units)


# -- the model file and its arithmetic ---------------------------------------------------------
def test_a_linear_model_is_a_standardized_dot_product():
    lin = M.Linear(("a", "b"), np.array([1.0, 2.0]), np.array([2.0, 4.0]),
                   np.array([0.5, -1.0]), 0.25)
    X = np.array([[3.0, 6.0, 9.0]])  # columns named ("b", "a", "c")
    assert lin.logit(X, ("b", "a", "c"))[0] == pytest.approx(
        0.5 * (6.0 - 1.0) / 2.0 - 1.0 * (3.0 - 2.0) / 4.0 + 0.25)


def test_the_model_round_trips_through_json():
    d = json.loads(json.dumps(MODEL.to_json()))
    back = M.AnswerModel.from_json(d)
    X = np.random.default_rng(0).normal(size=(4, len(F.QUESTION_FEATURES)))
    for name in ("late", "dense", "lexical"):
        a, b = MODEL.variants[name], back.variants[name]
        assert np.allclose(a.refusal.logit(X, F.QUESTION_FEATURES),
                           b.refusal.logit(X, F.QUESTION_FEATURES))
        assert (a.refuse_below, a.sure_above) == (b.refuse_below, b.sure_above)


def test_the_stored_model_is_plain_numbers_for_the_features_there_are():
    d = json.loads(M.MODEL_FILE.read_text(encoding="utf-8"))
    model = M.AnswerModel.from_json(d)
    assert model.embedding == "e5-small" and set(model.variants) == {"late", "dense", "lexical"}
    assert model.variant("e5-small", True, late=True) is model.variants["late"]
    assert model.variant("e5-small", True) is model.variants["dense"]
    assert model.variant("hash", True, late=True) is model.variants["lexical"]
    assert set(model.variants["late"].chooser.features) & F.LATE  # it weighs them
    for name, v in model.variants.items():
        assert set(v.chooser.features) <= set(F.SENTENCE_FEATURES)
        assert set(v.refusal.features) <= set(F.QUESTION_FEATURES)
        assert 0.0 <= v.refuse_below <= v.sure_above <= 1.0
        if name == "lexical":  # fitted without the embedding's features
            assert not (set(v.chooser.features) | set(v.refusal.features)) & F.DENSE
        if name != "late":  # and without late interaction's
            assert not (set(v.chooser.features) | set(v.refusal.features)) & F.LATE
        for lin in (v.chooser, v.refusal):
            assert all(isinstance(x, float) for x in lin.to_json()["coef"])
    assert model.variant("e5-small", True) is model.variants["dense"]
    assert model.variant("another-model", True) is model.variants["lexical"]
    assert model.variant("e5-small", False) is model.variants["lexical"]
    assert "cv" in d and "dev-broad" in d["cv"]["dense"]


@pytest.mark.integration
def test_ask_does_not_import_the_fitting_libraries(hash_index_dir):
    code = ("import sys; from fahras.retrieval.searcher import Searcher; "
            f"s = Searcher.open({str(hash_index_dir)!r}, model='hash', build_if_missing=False); "
            "s.ask('أين عقد الاجتماع؟'); "
            "print('sklearn' in sys.modules or 'scipy.optimize' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# -- decisions, reasons, JSON ------------------------------------------------------------------
def test_an_answer_is_the_best_sentence_with_its_label(hash_searcher, small_model):
    result = hash_searcher.ask("أين عقد الاجتماع الحادي عشر للفريق العامل في فيينا؟", 3)
    assert result.found and result.reason_code in (None, "likely_answer")
    a = result.answer
    assert (a.label_ar, a.label_en) == ("الفقرة 30", "Paragraph 30") and "فيينا" in a.text
    assert hash_searcher.passage(a.passage_id).text[a.start:a.end] == a.text
    d = result.to_json()
    assert list(d) == ["query", "found", "answer", "reason", "reason_code", "reason_params",
                       "confidence", "hits"]
    assert d["hits"] == [h.to_json() for h in hash_searcher.search(d["query"], 3).hits]
    assert 0.0 <= d["confidence"] <= 1.0
    json.dumps(d, ensure_ascii=False)


def test_a_refusal_says_why(hash_searcher, small_model):
    result = hash_searcher.ask("ما هي ميزانية الفريق العامل المعني بتهريب المهاجرين؟", 4)
    assert not result.found and result.answer is None and len(result.hits) == 4
    assert result.reason_code == "refuse_absent"
    assert result.reason_params == {"word": "ميزانية"}
    assert result.reason == message_text("refuse_absent", word="ميزانية")
    assert result.confidence < VARIANT.refuse_below
    assert result.to_json()["reason_code"] == "refuse_absent"


def test_a_middling_answer_is_a_likely_answer(hash_searcher, monkeypatch):
    sure = M.Variant(VARIANT.chooser, VARIANT.refusal, 0.0, 1.0)  # everything is "likely"
    monkeypatch.setattr(M, "default_model", lambda: M.AnswerModel("hash", {"lexical": sure}, {}))
    result = hash_searcher.ask("أين عقد الاجتماع الحادي عشر للفريق العامل؟", 2)
    assert result.found and result.reason_code == "likely_answer"
    assert result.reason_params["confidence"] == pytest.approx(result.confidence)
    assert "likely answer" in result.reason


def test_every_reason_code_has_an_english_text():
    for code, params in [("refuse_number", {"number": "2031"}), ("refuse_cue", {"wanted": "when"}),
                         ("refuse_missing", {"words": "أ، ب"}), ("refuse_far", {}),
                         ("likely_answer", {"confidence": 0.5})]:
        assert Reason(code, params).text
    assert Reason("refuse_cue", {"wanted": "when"}).text.startswith("it asks for a date")


def test_the_ask_encodes_the_question_once(hash_searcher, monkeypatch):
    calls = []
    encode, encode_tokens = hash_searcher.encode_query, hash_searcher.encode_query_tokens
    monkeypatch.setattr(hash_searcher, "encode_query", lambda t: calls.append(t) or encode(t))
    monkeypatch.setattr(hash_searcher, "encode_query_tokens",  # with token states (late.py)
                        lambda t: calls.append(t) or encode_tokens(t))
    hash_searcher.ask("متى عقد الاجتماع التاسع للفريق العامل؟", 5)
    assert calls == ["متى عقد الاجتماع التاسع للفريق العامل؟"]


def test_a_named_passage_is_answered_from_it(hash_searcher, small_model):
    result = hash_searcher.ask("التوصية 8", 3)
    assert result.found and result.answer.passage_id == PID + "r8"
    assert result.hits[0].pinned


@pytest.mark.parametrize("query, label_ar, label_en", [
    ("الفقرة 28 (هـ)", "الفقرة 28 (هـ)", "Paragraph 28 (e)"),
    ("paragraph 28 (e)", "الفقرة 28 (هـ)", "Paragraph 28 (e)"),
    ("التوصية 13 (ب)", "التوصية 13 (ب)", "Recommendation 13 (b)"),
])
def test_a_named_list_item_is_the_answer(hash_searcher, small_model, query, label_ar, label_en):
    a = hash_searcher.ask(query, 3).answer
    assert (a.label_ar, a.label_en) == (label_ar, label_en)


def test_a_sentence_ending_with_a_colon_takes_its_list(hash_searcher):
    from fahras.retrieval.answer.ask import _answer_span

    s = hash_searcher
    table = sentence_table(s)
    i = next(i for i, p in enumerate(s.passages) if p.id == PID + "p41")
    first = table.rows_of(i)[0]
    start, end = _answer_span(s.passages[i], table, first)
    assert (start, end) == (0, len(s.passages[i].text))
    assert s.passages[i].text[start:end].endswith("6- اعتماد التقرير.")


def test_filters_that_exclude_everything_give_no_answer(hash_searcher, small_model):
    result = hash_searcher.ask("فيينا", 3, kinds=["recommendation"], parts=["organization"])
    assert not result.found and result.hits == [] and result.reason_code == "refuse_filters"


def test_the_table_reads_each_sentence_once(hash_searcher):
    table = sentence_table(hash_searcher)
    assert table is sentence_table(hash_searcher)
    s = table.sentence(0)
    assert table.sentence(0) is s
    pi, a, b = (int(x) for x in hash_searcher.sentence_rows[0])
    assert (s.passage, s.start, s.end) == (pi, a, b) and s.index == 0
