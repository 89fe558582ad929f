"""Answers and refusals with the real model (e5-small) and the fitted answer model: the
README's and the interface's examples answered from the right passage, pinned answers and
refusals, and the held-out figures of the fit (retrieval/data/answer_model.json, written by
``python tools/calibrate_answers.py --write``) tied to this code and held to the targets."""

import json
from pathlib import Path

import pytest

from fahras.retrieval.answer.model import MODEL_FILE
from fahras.retrieval.evaluation.evaluate import evaluate_searcher, load_questions

pytestmark = pytest.mark.slow

DATA = Path(__file__).parent / "data"

# The examples of README.md and of the interface (ui/i18n.py EXAMPLES), each with the words
# of the passages that answer it (any of them).
EXAMPLES = [
    ("ما دور القنصليات؟", {}, ["الدور المحوري الذي تضطلع به القنصليات"]),
    ("حماية الأطفال المهربين", {}, ["الأطفال والشباب المهربين", "آليات منع تهريب الأطفال"]),
    ("search and rescue at sea", {}, ["البحث والإنقاذ"]),
    ("Who opened the meeting?", {}, ["وافتح الاجتماع فاسيليكي كاكوسيمو"]),
    ("من افتتح اجتماع الفريق العامل؟", {}, ["وافتح الاجتماع فاسيليكي كاكوسيمو"]),
    ("متى عقد الاجتماع الأول للفريق العامل؟", {}, ["30 أيار/مايو إلى 1 حزيران/يونيه 2012"]),
    ("Which chapters were adopted?", {}, ["الفصول الأول والثاني والرابع والخامس"]),
    ("ما الدول التي تكلمت؟", {"parts": ["organization"]},
     ["تكلم ممثلو الأطراف التالية", "كما تكلم المراقبون"]),
    ("recommendation 8", {}, ["والقانون البحري الدولي"]),
    ("Frontex", {}, ["فرونكس"]),
]


def test_the_examples_are_answered_from_the_right_passage(real_searcher):
    from fahras.ui.i18n import EXAMPLES as UI_EXAMPLES

    assert set(UI_EXAMPLES) <= {q for q, _, _ in EXAMPLES}
    wrong = []
    for question, filters, anchors in EXAMPLES:
        result = real_searcher.ask(question, 5, **filters)
        text = real_searcher.passage(result.answer.passage_id).text if result.found else ""
        if not any(a in text for a in anchors):
            wrong.append((question, result.reason or text[:60]))
    assert not wrong


@pytest.mark.parametrize("question, label_en, contains", [
    ("أين عقد الاجتماع الحادي عشر للفريق العامل؟", "Paragraph 30", "فيينا"),
    ("In which city was the eleventh meeting held?", "Paragraph 30", "فيينا"),
    ("ما البرنامج الذي استخدمته الفلبين لحماية المهاجرين المهربين؟", "Paragraph 17",
     "برنامج حماية الشهود"),
    ("في أي وثيقة ترد قائمة المشاركين؟", "Paragraph 49", "CTOC/COP/WG.7/2024/INF/1/Rev.1"),
    ("Which document contains the list of participants?", "Paragraph 49",
     "CTOC/COP/WG.7/2024/INF/1/Rev.1"),
    ("دور بلدان العبور في منع تهريب المهاجرين", "Paragraph 28 (e)", "دور بلدان العبور"),
    ("What update did the secretariat give on the review process?", "Paragraph 23",
     "تحديثاً لحالة عملية الاستعراض"),
])
def test_pinned_answers(real_searcher, question, label_en, contains):
    result = real_searcher.ask(question, 5)
    assert result.found, result.reason
    a = result.answer
    assert a.label_en == label_en and contains in a.text
    assert real_searcher.passage(a.passage_id).text[a.start:a.end] == a.text


@pytest.mark.parametrize("question", [
    "كم عدد المهاجرين الذين تستضيفهم الجزائر حاليا؟",
    "متى انضمت الفلبين إلى بروتوكول مكافحة تهريب المهاجرين؟",
    "من فاز بكأس العالم لكرة القدم عام 2022؟",
    "ما هي عاصمة بنما؟",
    "How many migrants were smuggled across the Mediterranean in 2023?",
])
def test_pinned_refusals(real_searcher, question):
    result = real_searcher.ask(question, 5)
    assert not result.found and result.answer is None, result.answer
    assert result.reason_code.startswith("refuse_") and result.reason
    assert len(result.hits) == 5  # the closest passages are still listed


def _saved() -> dict:
    return json.loads(MODEL_FILE.read_text(encoding="utf-8"))


def test_the_saved_figures_are_this_codes(real_searcher):
    """The in-sample figures stored with the model are what `fahras eval` measures now (a
    ranking change without a refit shows here)."""
    saved = _saved()["in_sample"]["late"]  # what an index with token states answers with
    for name in ("heldout", "unanswerable"):
        o = evaluate_searcher(real_searcher, load_questions(DATA / f"{name}.tsv")).overall
        s = saved[name]
        if s["answerable"]:
            assert o.answer_accuracy == pytest.approx(s["answer"], abs=1e-4)
            assert o.refused == pytest.approx(s["false_refusal_rate"], abs=1e-4)
        else:
            assert o.unanswerable_refused == pytest.approx(s["refused_rate"], abs=1e-4)


# Issue 12 and 13's targets on the held-out folds, and the older sets' figures before this
# answer layer (b83d12f, `fahras eval`), which they must not fall far below.
MARGIN = 0.03
TARGETS = {  # set: (answer at least, false refusals at most)
    "xquad-ar-dev/ar": (0.70, 0.10),
    "arcd-dev": (0.45, 0.10),
    "answerable_more": (0.90, 0.05),
}
# Not met yet (docs/answers.md, "Targets"): held to the figures reached, so that they do not
# fall further -- dev-broad (answer >= 0.80, false refusals <= 0.08), XQuAD English (answer >=
# 0.60), and the unanswerable sets (refused >= 0.85; before: 0.72, 0.90, -).
REACHED = {
    "xquad-ar-dev/en": (0.58, 0.08),  # 0.54 before late interaction, 0.57 before the
    # chooser's corpus weights and the person-name entity (2026-12-02)
    # dev.tsv grades 3 rows: 3 of 3 with late interaction (2 of 3 before)
    "dev": (1.0, 0.05),
    # heldout.tsv (issue 4: answer >= 0.90): 25 of its 30 graded rows on the held-out folds
    # since the report's glossary lost its "word" rows (they read as written from questions)
    "heldout": (0.83, 0.05),
    "dev-broad": (0.48, 0.35),
}
REFUSED = {"dev-broad-unanswerable": 0.63, "unanswerable": 0.58, "unanswerable_more": 0.62}
# The variant without token states (an index over their budget, Milvus) is held to the figures
# the answer model had before them.
BEFORE = {"xquad-ar-dev/en": (0.54, 0.08), "dev": (0.66, 0.05), "heldout": (0.83, 0.05),
          "dev-broad": (0.47, 0.37)}
REFUSED_BEFORE = {"dev-broad-unanswerable": 0.58, "unanswerable": 0.52, "unanswerable_more": 0.55}


@pytest.mark.parametrize("variant, reached, refused_floors", [
    ("late", REACHED, REFUSED), ("dense", BEFORE, REFUSED_BEFORE)])
def test_the_held_out_figures(variant, reached, refused_floors):
    cv = _saved()["cv"][variant]
    for name, (answer, refused) in {**TARGETS, **reached}.items():
        g = cv[name]
        assert g["answer"] >= answer - MARGIN, (name, g)
        assert g["false_refusal_rate"] <= refused + MARGIN, (name, g)
    for name, floor in refused_floors.items():
        assert cv[name]["refused_rate"] >= floor - MARGIN, (name, cv[name])

