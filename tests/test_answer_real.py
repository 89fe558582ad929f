"""Answers and refusals with the real model (e5-small): pinned results, and the figures."""

from pathlib import Path

import pytest
from conftest import DEV_SET

from fahras.retrieval.evaluate import evaluate_searcher, load_questions

pytestmark = pytest.mark.slow

DATA = Path(__file__).parent / "data"


@pytest.mark.parametrize("question, label_ar, label_en, contains", [
    ("أين عقد الاجتماع الحادي عشر للفريق العامل؟", "الفقرة 30", "Paragraph 30", "فيينا"),
    ("متى عقد الاجتماع التاسع للفريق العامل؟", "الفقرة 1", "Paragraph 1", "حزيران/يونيه 2022"),
    ("ما البرنامج الذي استخدمته الفلبين لحماية المهاجرين المهربين؟", "الفقرة 17",
     "Paragraph 17", "برنامج حماية الشهود"),
    ("ما هي وظيفة محمد راشدي؟", "الفقرة 14", "Paragraph 14", "قائد شعبة بالشرطة"),
    ("في أي وثيقة ترد قائمة المشاركين؟", "الفقرة 49", "Paragraph 49",
     "CTOC/COP/WG.7/2024/INF/1/Rev.1"),
    ("دور بلدان العبور في منع تهريب المهاجرين", "الفقرة 28 (هـ)", "Paragraph 28 (e)",
     "دور بلدان العبور"),
    ("Who opened the meeting?", "الفقرة 31", "Paragraph 31", "كاكوسيمو"),
    ("In which city was the eleventh meeting held?", "الفقرة 30", "Paragraph 30", "فيينا"),
    ("What update did the secretariat give on the review process?", "الفقرة 23",
     "Paragraph 23", "تحديثاً لحالة عملية الاستعراض"),
    ("Which document contains the list of participants?", "الفقرة 49", "Paragraph 49",
     "CTOC/COP/WG.7/2024/INF/1/Rev.1"),
])
def test_pinned_answers(real_searcher, question, label_ar, label_en, contains):
    result = real_searcher.ask(question, 5)
    assert result.found, result.reason
    a = result.answer
    assert (a.label_ar, a.label_en) == (label_ar, label_en)
    assert contains in a.text
    assert real_searcher.passage(a.passage_id).text[a.start:a.end] == a.text


@pytest.mark.parametrize("question, reason", [
    ("ما هي ميزانية الفريق العامل المعني بتهريب المهاجرين لعام 2024؟", "«ميزانية»"),
    ("كم عدد المهاجرين الذين تستضيفهم الجزائر حاليا؟", "asks for a number"),
    ("متى انضمت الفلبين إلى بروتوكول مكافحة تهريب المهاجرين؟", "does not mention «الفلبين»"),
    ("How do I apply for a work visa in Austria?", "does not mention «Austria»"),
    ("متى سيعقد الاجتماع الثاني عشر للفريق العامل وأين؟", "«الثاني عشر»"),
    ("When and where will the twelfth meeting of the working group be held?", "«twelfth»"),
    ("من فاز بكأس العالم لكرة القدم عام 2022؟", ""),
    ("What is the budget of the Working Group on the Smuggling of Migrants for 2025?", ""),
    ("How many migrants were smuggled across the Mediterranean in 2023?", "asks for a number"),
    ("What is the exchange rate between the dollar and the euro?", ""),
])
def test_pinned_refusals(real_searcher, question, reason):
    """Refused, for the reason given when it is a rule with no fitted limit."""
    result = real_searcher.ask(question, 5)
    assert not result.found and result.answer is None
    assert reason in result.reason
    assert len(result.hits) == 5  # the closest passages are still listed
    assert result.to_json()["answer"] is None


def test_figures(real_searcher):
    """Issue 4's targets (figures: ``fahras eval FILE``; the fit:
    ``python -m fahras.retrieval.calibrate_answers``): on the dev set, at least 90% of the
    answers contain the expected string and fewer than 5% of the answerable questions are
    refused; at least 90% of our questions the report cannot answer are refused. The held-out
    answerable questions are held to the same two limits."""
    dev = evaluate_searcher(real_searcher, load_questions(DEV_SET)).overall
    assert dev.answer_n >= 3 and dev.answer_accuracy >= 0.9
    assert dev.refused < 0.05
    heldout = evaluate_searcher(real_searcher, load_questions(DATA / "heldout.tsv")).overall
    assert heldout.answer_accuracy >= 0.9
    assert heldout.refused < 0.05
    unanswerable = evaluate_searcher(real_searcher, load_questions(DATA / "unanswerable.tsv"))
    assert unanswerable.overall.unanswerable_n == 50
    assert unanswerable.overall.unanswerable_refused >= 0.9
    assert unanswerable.by_lang["ar"].unanswerable_refused >= 0.9
