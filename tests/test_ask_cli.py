"""`fahras ask` and the answer/refusal figures of `fahras eval`, with the hashing embedder."""

import json

import pytest
from answerfixtures import small_model  # noqa: F401 (a fixture)

from fahras import cli
from fahras.cli.render import render_ask
from fahras.retrieval.evaluation.evaluate import (
    Question,
    QuestionResult,
    aggregate,
    answer_contains,
    evaluate_searcher,
    load_questions,
    render_report,
)


def run(capsys, *argv):
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_ask_prints_json_when_piped(capsys, hash_index_dir, small_model):
    code, out, _ = run(capsys, "ask", "أين عقد الاجتماع الحادي عشر للفريق العامل؟", "-k", "2",
                       "--index", str(hash_index_dir), "--model", "hash")
    assert code == 0
    d = json.loads(out)
    assert list(d) == ["query", "found", "answer", "reason", "reason_code", "reason_params",
                       "confidence", "hits"]
    assert d["found"] is True and "فيينا" in d["answer"]["text"]
    assert d["answer"]["label_en"] == "Paragraph 30" and len(d["hits"]) == 2


def test_ask_queries_file_gives_json_lines(capsys, hash_index_dir, tmp_path, small_model):
    f = tmp_path / "q.txt"
    f.write_text("التوصية 8\n\n   \n!!!\nما هي ميزانية الفريق العامل؟\n", encoding="utf-8")
    code, out, _ = run(capsys, "ask", "--queries", str(f), "--index", str(hash_index_dir),
                       "--model", "hash")
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["query"] for r in rows] == ["التوصية 8", "!!!", "ما هي ميزانية الفريق العامل؟"]
    assert rows[0]["found"] and rows[0]["answer"]["passage_id"].endswith(":r8")
    assert "error" in rows[1] and rows[1]["found"] is False and rows[1]["answer"] is None
    assert rows[2]["found"] is False and rows[2]["answer"] is None and rows[2]["hits"]


@pytest.mark.parametrize("argv, message", [
    (["ask"], "give a question"),
    (["ask", "x", "--queries", "-"], "not both"),
    (["ask", "   "], "the query is empty"),
    (["ask", "فيينا", "-k", "0"], "at least 1"),
])
def test_ask_mistakes_are_one_line_errors(capsys, hash_index_dir, argv, message):
    code, out, err = run(capsys, *argv, "--index", str(hash_index_dir), "--model", "hash")
    assert code != 0 and out == ""
    assert err.startswith("fahras: error: ") and message in err and err.count("\n") == 1


def test_render_marks_the_answer_in_its_passage(hash_searcher, small_model):
    result = hash_searcher.ask("أين عقد الاجتماع الحادي عشر للفريق العامل؟", 2)
    text = render_ask(result, bold=False)
    assert text.startswith(("Answer (الفقرة 30 | Paragraph 30):",
                            "Likely answer, confidence"))
    assert "(الفقرة 30 | Paragraph 30):" in text.splitlines()[0]
    assert "»عُقد الاجتماع الحادي عشر" in text and "2024.«" in text
    assert "\033[" not in text
    assert "\033[1m" in render_ask(result, bold=True)
    refused = hash_searcher.ask("ما هي ميزانية الفريق العامل؟", 2)
    text = render_ask(refused)
    assert text.startswith("Not in the report: the documents never use the word «ميزانية».")
    assert "The closest passages:" in text and "1. " in text


def test_ask_help_has_examples(capsys):
    with pytest.raises(SystemExit):
        cli.main(["ask", "--help"])
    out = capsys.readouterr().out
    assert "examples:" in out and 'fahras ask "Who opened the meeting?"' in out


# -- eval ----------------------------------------------------------------------------------
def test_answer_contains_accepts_the_arabic_order_of_a_symbol():
    assert answer_contains("المرفقة بقرار المؤتمر 1/9 بشأن", ["9/1"])
    assert answer_contains("في فيينا", ["Vienna", "فيينا"])
    assert not answer_contains("القرار 11/9 و 1/90", ["9/1"])
    assert not answer_contains("", ["9/1"])


def q(id_, answerable=True, contains=()):
    return Question(id_, "ar", "fact", "?", ("x",), tuple(contains), answerable)


def test_aggregate_counts_refusals_apart():
    results = [
        QuestionResult(q("a"), 1, 1.0, answer_text="في فيينا", answer_found=True),
        QuestionResult(q("b", contains=["فيينا"]), 2, 0.6, answer_text="لا", answer_found=True),
        QuestionResult(q("c", contains=["فيينا"]), None, 0.0, answer_found=False),
        QuestionResult(q("u1", answerable=False), None, 0.0, answer_found=False),
        QuestionResult(q("u2", answerable=False), None, 0.0, answer_text="x", answer_found=True),
        QuestionResult(q("u3", answerable=False), None, 0.0, answer_found=False),
    ]
    m = aggregate(results)
    assert m.n == 3 and m.hit1 == pytest.approx(1 / 3) and m.hit5 == pytest.approx(2 / 3)
    assert m.answer_n == 2 and m.answer_accuracy == 0.0
    assert m.refused == pytest.approx(1 / 3)
    assert m.unanswerable_n == 3 and m.unanswerable_refused == pytest.approx(2 / 3)


def test_evaluate_searcher_asks_once_per_question(hash_searcher, tmp_path, monkeypatch,
                                                 small_model):
    f = tmp_path / "q.tsv"
    f.write_text(
        "id\tlang\tkind\tquery\tanchors\tanswer_contains\tanswerable\n"
        "t1\tar\tfact\tأين عقد الاجتماع الحادي عشر للفريق العامل؟\tفي فيينا يومي 11\tفيينا\t\n"
        "t2\tar\tstruct\tالتوصية 8\tالقانون البحري الدولي\t\t\n"
        "t3\tar\tfact\tما هي ميزانية الفريق العامل؟\t\t\tno\n", encoding="utf-8")
    questions = load_questions(f)
    calls = []
    encode, encode_tokens = hash_searcher.encode_query, hash_searcher.encode_query_tokens
    monkeypatch.setattr(hash_searcher, "encode_query", lambda t: calls.append(t) or encode(t))
    monkeypatch.setattr(hash_searcher, "encode_query_tokens",  # with token states (late.py)
                        lambda t: calls.append(t) or encode_tokens(t))
    report = evaluate_searcher(hash_searcher, questions)
    assert len(calls) == 3  # one search per question, for both the ranking and the answer
    o = report.overall
    assert (o.n, o.hit1, o.answer_n, o.answer_accuracy, o.refused) == (2, 1.0, 1, 1.0, 0.0)
    assert (o.unanswerable_n, o.unanswerable_refused) == (1, 1.0)
    text = render_report(report, details=True)
    assert "false refusals" in text and "unanswerable      n  refused" in text
    assert "overall           1     1.00" in text
    assert "answer ok" in text
    d = report.to_json(details=True)
    assert d["overall"]["unanswerable_refused"] == 1.0
    assert [x["found"] for x in d["questions"]] == [True, True, False]


def test_a_file_without_anchors_is_a_file_of_unanswerable_questions(hash_searcher, tmp_path,
                                                                    small_model):
    f = tmp_path / "u.tsv"
    f.write_text("id\tlang\tquery\nu1\tar\tما هي ميزانية الفريق العامل؟\n"
                 "u2\ten\tWhere was the meeting held?\n", encoding="utf-8")
    questions = load_questions(f)
    assert [q.answerable for q in questions] == [False, False]
    assert [q.anchors for q in questions] == [(), ()]
    report = evaluate_searcher(hash_searcher, questions)
    o = report.overall
    assert (o.n, o.unanswerable_n) == (0, 2)
    assert o.unanswerable_refused == sum(
        not hash_searcher.ask(q.query).found for q in questions) / 2
    text = render_report(report)
    assert text.startswith("unanswerable") and "lang=ar" in text and "hit@1" not in text


def test_a_file_missing_the_query_column_is_refused(tmp_path):
    from fahras.errors import UsageError

    f = tmp_path / "bad.tsv"
    f.write_text("id\tlang\nu1\tar\n", encoding="utf-8")
    with pytest.raises(UsageError, match="lacks the column"):
        load_questions(f)


def test_latency_helper_measures_both_in_one_run(hash_searcher):
    from latency import QUESTIONS, measure

    result = measure(hash_searcher, QUESTIONS[:4], rounds=1)
    assert set(result) == {"queries", "rounds", "search_p50_ms", "ask_p50_ms", "ratio"}
    assert result["queries"] == 4 and result["search_p50_ms"] > 0
    assert result["ratio"] == pytest.approx(result["ask_p50_ms"] / result["search_p50_ms"],
                                            rel=1e-2)
