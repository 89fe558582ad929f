"""`fahras eval --compare`: the two baselines, the three Fahras configurations, the targets."""

import json
import os
import subprocess
import sys
from types import SimpleNamespace

import pytest
from rank_bm25 import BM25Okapi

from conftest import DATA, DEV_SET
from fahras.retrieval.evaluation import compare as cmp
from fahras.retrieval.evaluation.evaluate import (
    Metrics,
    Question,
    Report,
    evaluate,
    evaluate_searcher,
    load_questions,
)

HELDOUT = DATA / "heldout.tsv"


def P(i, text, kind="paragraph"):
    return SimpleNamespace(id=f"d:p{i}", text=text, kind=kind)


TOY = [P(1, "Smuggling of migrants by sea"), P(2, "The Working Group met in Vienna"),
       P(3, "vienna, VIENNA and the sea"), P(4, "nothing relevant here")]


def test_ctrl_f_counts_query_words_found_verbatim_ignoring_case():
    base = cmp.WordOverlapBaseline(TOY)
    assert base.scores("Vienna sea").tolist() == [1, 1, 2, 0]
    # Ties keep the report's order; a passage with no query word is not listed.
    assert [p.id for p in base.rank("Vienna sea")] == ["d:p3", "d:p1", "d:p2"]
    # Verbatim substrings: "Vienna?" (with its question mark) is not in any text.
    assert base.rank("Vienna?") == []
    assert [p.id for p in base.rank("vien")] == ["d:p2", "d:p3"]  # Ctrl-F finds substrings
    assert [p.id for p in base.rank("sea", k=1)] == ["d:p1"]


def test_naive_bm25_is_rank_bm25_defaults_on_whitespace_tokens(report):
    passages = [p for p in report.passages if p.kind != "heading"]
    base = cmp.NaiveBM25Baseline(passages)
    reference = BM25Okapi([p.text.split() for p in passages])
    for q in ("تهريب المهاجرين عن طريق البحر", "فيينا", "Frontex"):
        assert base.scores(q).tolist() == pytest.approx(reference.get_scores(q.split()).tolist())
    ranked = base.rank("حماية الأطفال المهربين")
    scores = reference.get_scores("حماية الأطفال المهربين".split())
    order = sorted((i for i, p in enumerate(passages)
                    if {"حماية", "الأطفال", "المهربين"} & set(p.text.split())),
                   key=lambda i: (-scores[i], i))[:10]
    assert [p.id for p in ranked] == [passages[i].id for i in order]
    # An English question shares no whitespace token with the Arabic report.
    assert base.rank("Who opened the meeting?") == []


def _ctrl_f_reference_rank(question, passages):
    """Rank of the first right passage by a plain re-implementation of Ctrl-F counting."""
    words = question.query.lower().split()
    scored = [(sum(w in p.text.lower() for w in words), -i, p) for i, p in enumerate(passages)]
    listed = [p for s, _, p in sorted(scored, key=lambda t: (t[0], t[1]), reverse=True) if s > 0]
    for rank, p in enumerate(listed[:10], start=1):
        if any(a in p.text for a in question.anchors):
            return rank
    return None


def test_compare_scores_every_configuration_with_the_products_code(hash_searcher):
    questions = load_questions(HELDOUT)
    c = cmp.compare(hash_searcher, questions, source="heldout")
    assert list(c.reports) == ["ctrl-f", "bm25-naive", "lexical", "dense", "hybrid"]
    # The default configuration is exactly `fahras eval` (ask: rankings and answers).
    assert c.reports["hybrid"].to_json(details=True) == evaluate_searcher(
        hash_searcher, questions).to_json(details=True)
    # Lexical and dense are the searcher's own modes.
    pool = [p for p in hash_searcher.passages if p.kind != "heading"]
    for mode in ("lexical", "dense"):
        direct = evaluate(questions, lambda q, m=mode: [
            (h.id, h.text) for h in hash_searcher.search(q, 10, mode=m).hits],
            [p.text for p in pool])
        assert c.reports[mode].to_json() == direct.to_json()
    # Ctrl-F against a plain re-implementation, question by question.
    ranks = {r.question.id: r.rank for r in c.reports["ctrl-f"].results}
    assert ranks == {q.id: _ctrl_f_reference_rank(q, pool) for q in questions}
    # The baselines do not depend on the model: their figures on the held-out set are pinned.
    ctrl, bm25 = c.reports["ctrl-f"], c.reports["bm25-naive"]
    assert (round(ctrl.overall.hit1 * 92), round(ctrl.overall.hit5 * 92)) == (32, 37)
    assert (round(bm25.overall.hit1 * 92), round(bm25.overall.hit5 * 92)) == (26, 34)
    assert round(ctrl.by_lang["en"].hit1 * 44) == 3  # Ctrl-F cannot cross languages
    assert round(c.reports["lexical"].overall.hit1 * 92) >= 75
    assert c.reports["lexical"].overall.hit1 > ctrl.overall.hit1 + 0.4


def test_compare_encodes_each_question_once_and_restores_the_searcher(hash_searcher,
                                                                      monkeypatch):
    calls = []
    encode = type(hash_searcher).encode_query

    def counting(self, text):
        calls.append(text)
        return encode(self, text)

    monkeypatch.setattr(type(hash_searcher), "encode_query", counting)
    questions = load_questions(DEV_SET)[:6]
    cmp.compare(hash_searcher, questions)
    assert sorted(calls) == sorted({q.query for q in questions})
    assert "encode_query" not in vars(hash_searcher)


def test_compare_json_shape_and_question_rows(hash_searcher, tmp_path):
    f = tmp_path / "q.tsv"
    f.write_text("id\tlang\tkind\tquery\tanchors\tanswer_contains\tanswerable\n"
                 "a1\tar\tpara\tالقانون البحري الدولي\tالقانون البحري الدولي\t\t\n"
                 "a2\ten\tstruct\trecommendation 4\tعلى أن تساعد الدول الأخرى\t\t\n"
                 "u1\ten\tfact\tWhat is the budget for 2031?\t\t\tno\n", encoding="utf-8")
    c = cmp.compare_file(hash_searcher, f)
    d = c.to_json(details=True)
    json.dumps(d)
    assert d["questions"] == {"total": 3, "answerable": 2, "unanswerable": 1}
    assert d["passages"] == 67 and d["k"] == 10
    assert [x["name"] for x in d["configurations"]] == list(cmp.BY_NAME)
    assert [x["baseline"] for x in d["configurations"]] == [True, True, False, False, False]
    rows = {r["id"]: r for r in d["question_results"]}
    assert rows["a1"]["rank"]["ctrl-f"] is not None
    assert rows["a2"]["rank"]["ctrl-f"] is None  # "recommendation 4" is not in the text
    assert rows["a2"]["rank"]["lexical"] == 1 and rows["a2"]["top_id"]["hybrid"].endswith(":r4")
    assert rows["u1"]["rank"]["hybrid"] is None and "found" in rows["u1"]
    hybrid = d["configurations"][-1]
    assert hybrid["overall"]["unanswerable_n"] == 1
    text = cmp.render_comparison(c, details=True)
    assert "Ctrl-F (query words in raw text)" in text and "Fahras hybrid (default)" in text
    assert "Baselines: Ctrl-F = number of the query's words" in text
    assert "Questions the report cannot answer: 1" in text


def test_a_file_of_unanswerable_questions_is_scored_on_refusals_only(hash_searcher, tmp_path):
    f = tmp_path / "u.tsv"
    f.write_text("id\tlang\tkind\tquery\tanchors\tanswer_contains\tanswerable\n"
                 "u1\ten\tfact\tWhat is the budget for 2031?\t\t\tno\n"
                 "u2\tar\tfact\tما ميزانية عام 2031؟\t\t\tno\n", encoding="utf-8")
    c = cmp.compare_file(hash_searcher, f)
    assert list(c.reports) == ["hybrid"]
    o = c.reports["hybrid"].overall
    assert (o.n, o.unanswerable_n) == (0, 2)
    assert o.unanswerable_refused == sum(
        not hash_searcher.ask(q).found for q in ("What is the budget for 2031?",
                                                 "ما ميزانية عام 2031؟")) / 2
    text = cmp.render_comparison(c)
    assert "No answerable questions" in text and "Questions the report cannot answer: 2" in text
    assert "Baselines:" not in text
    # Asked for by name, a configuration is scored even so.
    assert list(cmp.compare(hash_searcher, c.questions, ["ctrl-f"]).reports) == ["ctrl-f"]


def _report(hit1, en_hit1=None, refused=None, unanswerable_refused=None, un=0):
    o = Metrics(n=10, hit1=hit1, hit5=1.0, refused=refused,
                unanswerable_refused=unanswerable_refused, unanswerable_n=un)
    by_lang = {"en": Metrics(n=5, hit1=en_hit1)} if en_hit1 is not None else {}
    return Report(overall=o, by_lang=by_lang)


def test_targets_are_met_missed_or_not_measurable():
    checks = {(t["issue"], t["what"]): t for t in cmp.Comparison(
        "x", [], 0, {"hybrid": _report(0.8, en_hit1=0.9, refused=0.05,
                                       unanswerable_refused=0.95, un=20)}).targets()}
    assert checks[("issue 3", "hit@1 overall")] == {
        "issue": "issue 3", "what": "hit@1 overall", "target": ">= 0.85", "value": 0.8,
        "met": False}
    assert checks[("issue 5", "English hit@1")]["met"] is True
    assert checks[("issue 3", "Arabic hit@1")]["met"] is None  # no Arabic rows
    assert checks[("issue 4", "answerable questions refused")]["met"] is False  # 0.05 !< 0.05
    assert checks[("issue 4", "unanswerable questions refused")]["met"] is True
    assert checks[("issue 4", "answer accuracy")]["value"] is None


def test_unknown_configuration_is_a_usage_error(hash_searcher):
    from fahras.errors import UsageError

    with pytest.raises(UsageError, match="unknown configuration 'grep'"):
        cmp.compare(hash_searcher, [Question("x", "en", "para", "q", ("a",))], ["grep"])


def _run(args):
    env = dict(os.environ, FAHRAS_MODEL="hash")
    return subprocess.run([sys.executable, "-m", "fahras", *args], capture_output=True,
                          env=env, timeout=300)


@pytest.mark.integration
def test_cli_eval_compare(hash_index_dir):
    r = _run(["eval", str(DEV_SET), "--compare", "--json", "--index", str(hash_index_dir)])
    assert r.returncode == 0, r.stderr.decode()
    d = json.loads(r.stdout)
    assert d["file"] == str(DEV_SET) and d["questions"]["answerable"] == 40
    by_name = {x["name"]: x for x in d["configurations"]}
    assert round(by_name["ctrl-f"]["overall"]["hit1"] * 40) == 11
    assert by_name["ctrl-f"]["by_lang"]["en"]["hit1"] == 0.0
    assert by_name["hybrid"]["overall"]["answer_n"] == 3
    assert {t["issue"] for t in d["targets"]} == {"issue 3", "issue 4", "issue 5"}
    r = _run(["eval", str(DEV_SET), "--compare", "--backend", "milvus"])
    assert r.returncode == 2
    assert r.stderr.decode().strip().startswith("fahras: error: --compare needs the embedded")
