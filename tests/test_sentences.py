"""Sentence segmentation: where Arabic report text splits, and offsets into the passage text."""

import pytest

from fahras.text.sentences import split_sentences


def pieces(text):
    return [text[s.start:s.end] for s in split_sentences(text)]


@pytest.mark.parametrize("text, expected", [
    # full stops, Arabic question mark, Arabic semicolon, semicolon before a space
    ("عقد الاجتماع في فيينا. وعقدت أربع جلسات.", ["عقد الاجتماع في فيينا.", "وعقدت أربع جلسات."]),
    ("هل حضر؟ نعم حضر.", ["هل حضر؟", "نعم حضر."]),
    ("حماية الأطفال؛ ودعم الأسر", ["حماية الأطفال؛", "ودعم الأسر"]),
    ("first; second", ["first;", "second"]),
    # list items, each on its own line
    ("ما يلي:\n(أ) تعيين جهة اتصال؛\n(ب) ضمان مشاركتهم.",
     ["ما يلي:", "(أ) تعيين جهة اتصال؛", "(ب) ضمان مشاركتهم."]),
    ("1- مسائل تنظيمية:\n(أ) افتتاح الاجتماع؛\n2- مسائل أخرى.",
     ["1- مسائل تنظيمية:", "(أ) افتتاح الاجتماع؛", "2- مسائل أخرى."]),
    # numbers and symbols stay whole
    ("عملاً بالقرار 3/5 الذي اعتمده المؤتمر. ثم", ["عملاً بالقرار 3/5 الذي اعتمده المؤتمر.", "ثم"]),
    ("الوثيقة CTOC/COP/WG.7/2024/3 متاحة. ثم", ["الوثيقة CTOC/COP/WG.7/2024/3 متاحة.", "ثم"]),
    ("وترد في الوثيقة CTOC/COP/WG.7/2024/INF/1/Rev.1 قائمة بأسماء المشاركين.",
     ["وترد في الوثيقة CTOC/COP/WG.7/2024/INF/1/Rev.1 قائمة بأسماء المشاركين."]),
    ("See Rev. 1 of the list. Then", ["See Rev. 1 of the list.", "Then"]),
    ("Mr. Mora and e.g. Ms. Berger spoke. Then", ["Mr. Mora and e.g. Ms. Berger spoke.", "Then"]),
    ("بلغ 1.5 مليون. ثم", ["بلغ 1.5 مليون.", "ثم"]),
    # a closing quote or bracket stays with its sentence
    ('المعنون "مسائل أخرى". ونظر', ['المعنون "مسائل أخرى".', "ونظر"]),
    ("(انظر الفقرة 3.) ثم", ["(انظر الفقرة 3.)", "ثم"]),
    # a line holding only a symbol belongs to the sentence before it
    ("(د) ورقة عن الآلية؛\n(CTOC/COP/WG.7/2024/4).", ["(د) ورقة عن الآلية؛\n(CTOC/COP/WG.7/2024/4)."]),
    # nothing to split, spaces only, empty
    ("جملة واحدة", ["جملة واحدة"]),
    ("   \n  ", []),
    ("", []),
])
def test_split(text, expected):
    assert pieces(text) == expected


def test_offsets_map_exactly_into_every_passage(report):
    """Each span is the passage's own text, trimmed, in order, and together they hold every
    non-space character of the passage."""
    n = 0
    for p in report.passages:
        spans = split_sentences(p.text)
        covered = set()
        last_end = 0
        for s in spans:
            piece = p.text[s.start:s.end]
            assert piece and piece == piece.strip()
            assert s.start >= last_end
            last_end = s.end
            covered.update(range(s.start, s.end))
            n += 1
        assert all(i in covered for i, c in enumerate(p.text) if not c.isspace()), p.id
    assert n > 150


def test_report_sentences(report):
    by_id = {p.id.split(":")[1]: p for p in report.passages}

    def sents(pid):
        p = by_id[pid]
        return [p.text[s.start:s.end] for s in split_sentences(p.text)]

    assert sents("p30") == ["عُقد الاجتماع الحادي عشر للفريق العامل المعني بتهريب المهاجرين في "
                            "فيينا يومي 11 و12 تموز/يوليه 2024.", "وعُقدت في إطاره أربع جلسات."]
    assert sents("p1")[0].startswith("عملاً بالقرار 3/5 الذي")
    assert sents("p49") == ["وترد في الوثيقة CTOC/COP/WG.7/2024/INF/1/Rev.1 قائمة بأسماء المشاركين."]
    p53 = sents("p53")
    assert len(p53) == 5 and p53[3].startswith("(ج) ") and p53[3].endswith("(CTOC/COP/WG.7/2024/3)؛")
    assert p53[4].endswith("(CTOC/COP/WG.7/2024/4).")  # the orphan symbol line joined item (د)
    p28 = sents("p28")
    assert p28[1] == "واقترحت الوفود المواضيع التالية للاجتماعات المقبلة للفريق العامل:"
    assert p28[6] == "(هـ) دور بلدان العبور في منع ومكافحة تهريب المهاجرين وتقديم المساعدة لها؛"
