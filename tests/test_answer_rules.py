"""The answer layer's small rule sets: question types, what a sentence offers, content words
and their coverage (questions written for these tests, not taken from the evaluation sets)."""

import time

import pytest

from fahras.retrieval.answer.offers import sentence_offers
from fahras.retrieval.answer.qtypes import is_question, question_type
from fahras.text.arabic import normalize
from fahras.retrieval.answer.words import Bag, Key, Unit, content_keys, cores, coverage


@pytest.mark.parametrize("query, qtype", [
    # Arabic
    ("متى بدأت الحرب الأهلية في لبنان؟", "when"),
    ("وفي أي عام أسست الجامعة؟", "when"),
    ("ما تاريخ توقيع المعاهدة؟", "when"),
    ("امتى افتتح المتحف", "when"),
    ("كم يبلغ عدد سكان القاهرة؟", "how_many"),
    ("ما عدد الدول الأعضاء في الجامعة العربية؟", "how_many"),
    ("ما نسبة الأمية بين النساء؟", "how_many"),
    ("من هم مؤسسو الحزب؟", "list"),
    ("ما هي اللغات الرسمية للمنظمة؟", "list"),
    ("أي المنظمات حضرت الاجتماع؟", "list"),
    ("أي مدينة استضافت الألعاب؟", "where"),       # one city: a place, not a list
    ("من كتب رواية الحرافيش؟", "who"),
    ("لمن ينسب هذا القول؟", "who"),
    ("مين رئيس البلدية؟", "who"),
    ("أين تقع مدينة فاس؟", "where"),
    ("في أي مدينة ولد الشاعر؟", "where"),
    ("وين صار المؤتمر", "where"),
    ("هل وقعت مصر على الاتفاقية؟", "yesno"),
    ("وهل شارك الوفد في التصويت؟", "yesno"),
    ("ما سبب انهيار السد؟", "what"),
    ("ماذا قال الوزير عن الميزانية؟", "what"),
    ("كيف تعامل القضاء مع القضية؟", "what"),
    ("لماذا انسحب الفريق من البطولة؟", "what"),
    ("بماذا وعدت الحكومة؟", "what"),
    ("شو قال المندوب", "what"),
    ("من بين الدول المشاركة؟", "what"),     # «من بين»: not "who"
    ("حماية اللاجئين في المخيمات", None),     # a phrase
    # English
    ("When did the war end?", "when"),
    ("In which year was the treaty signed?", "when"),
    ("How many people live in Cairo?", "how_many"),
    ("What percentage of the budget goes to health?", "how_many"),
    ("Which countries signed the treaty?", "list"),
    ("Who were the founders of the party?", "list"),
    ("List the official languages", "list"),
    ("Who wrote the novel?", "who"),
    ("Whose proposal was adopted?", "who"),
    ("Where is the headquarters?", "where"),
    ("In which city was the conference held?", "where"),
    ("Did Egypt sign the convention?", "yesno"),
    ("Is the court independent?", "yesno"),
    ("What caused the flood?", "what"),
    ("Which treaty ended the war?", "what"),
    ("Why did the talks fail?", "what"),
    ("What does the report say?", "what"),       # "does": not a plural noun
    ("refugee camps in the north", None),
])
def test_question_types(query, qtype):
    assert question_type(query) == qtype
    assert is_question(query) is (qtype is not None)


def test_a_question_mark_makes_a_question():
    assert question_type("اللاجئون في المخيمات؟") == "what"
    assert question_type("   ") is None and question_type("؟") is None


@pytest.mark.parametrize("text, offers", [
    ("وقعت المعاهدة في 12 آذار/مارس 1979.", {"date", "number"}),
    ("افتتح المؤتمر في عام 2019", {"date"}),
    ("شارك في الدورة خمسة وعشرون بلدا", {"number"}),
    ("ناقش البند 5 من جدول الأعمال", set()),              # a reference, not a count
    ("وتحدث السيد أحمد عن الإصلاح", {"agent"}),
    ("قدمت ليلى حسن (تونس) عرضا", {"agent", "place"}),  # a name, a country in parentheses
    ("أسسها محمد بن سعود", {"agent"}),                    # a patronymic
    ("تقع في شمال المغرب", {"place"}),
    ("تكلم ممثلو الأردن، ولبنان، والعراق.", {"agent", "place", "list"}),
    ("The treaty was signed in March by the minister", {"date", "agent"}),
    ("The attendees were:", {"list"}),
    ("لا شيء هنا", set()),
])
def test_sentence_offers(text, offers):
    assert sentence_offers(text) == frozenset(offers)


def test_offers_cost_is_linear_in_the_text():
    """A long run of letters with parentheses (what made a backtracking pattern quadratic)."""
    def took(n):
        text = ("ب" * n + " (أ) ") * 3
        t = time.perf_counter()
        sentence_offers(text)
        return time.perf_counter() - t

    took(1000)
    small, big = took(10_000), took(80_000)
    assert big < 20 * max(small, 1e-4)  # 8 times the text: linear, not 64 times


@pytest.mark.parametrize("form, expected", [
    ("الدراسات", {"الدراسات", "دراسات", "الدراس", "دراس"}),
    ("وحقهم", {"وحقهم", "حقهم", "وحق"}),
    ("سيعقد", {"سيعقد", "عقد"}),
    ("2024", set()),
    ("treaty", set()),
])
def test_cores(form, expected):
    assert cores(form) == expected


def test_a_bag_finds_variants_but_not_strangers():
    bag = Bag.of("ورحب المتكلمون بالدراسة وقدمت الحكومة المساعدة. القرار 3/5")
    assert bag.has(Key("دراس", cores("الدراسات")))       # the same core
    assert bag.has(Key("حكوم", cores("حكوميه")))         # a core inside a word (4+ letters)
    assert bag.has(Key("3/5"))
    assert not bag.has(Key("ميزاني", cores("ميزانيه")))
    union = Bag.union([bag, Bag.of("حالة الطقس")])
    assert union.has(Key("طقس", cores("الطقس"))) and union.has(Key("3/5"))


def test_coverage_is_the_weighted_share_found():
    bag = Bag.of("عقد الاجتماع في القاهرة")
    units = [Unit(((Key("اجتماع", cores("الاجتماع")),),), 3.0, 3.0),
             Unit(((Key("ميزاني", cores(normalize("الميزانية"))),),), 1.0, 1.0),
             Unit(((Key("قاهر", cores(normalize("القاهرة"))), Key("طقس", cores("الطقس"))),),
                  2.0, 2.0)]
    assert coverage(units, bag) == pytest.approx((3.0 + 0.0 + 2.0 * 0.5) / 6.0)
    assert coverage([], bag) is None


def test_content_keys_skip_stop_and_frame_words():
    words = [w for _, _, w in content_keys("ما اسم البرنامج الذي استخدم في الأردن؟")]
    assert words == ["البرنامج", "استخدم", "الأردن"]
    assert [w for _, _, w in content_keys("What is the name of the river?")] == ["river"]


def test_near_known_finds_one_edit_and_never_tries_a_paste_without_spaces():
    from fahras.retrieval.answer.words import MAX_CORRECTED, near_known

    class Terms:
        def __init__(self, terms):
            self.terms, self.asked = set(terms), 0

        def doc_freq(self, term):
            self.asked += 1
            return int(term in self.terms)

    lexical = Terms(["تهريب", "ت" * MAX_CORRECTED])
    assert near_known(lexical, "تهرب") and near_known(lexical, "تهريبب")  # one letter out / in
    assert near_known(lexical, "تهيرب") and not near_known(lexical, "تحريك")  # two swapped; two edits
    assert near_known(lexical, "ت" * (MAX_CORRECTED - 1))  # the longest word it corrects
    lexical.asked = 0
    t = time.perf_counter()
    assert not near_known(lexical, "ت" * 4999)
    assert lexical.asked == 0 and time.perf_counter() - t < 0.01
