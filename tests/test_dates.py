"""Dates and month names (fahras/text/dates.py): the forms documents print, and what is not a date."""

import pytest

from fahras.text import dates
from fahras.text.digits import ascii_digits


@pytest.mark.parametrize("text, iso", [
    ("26 July 2024", "2024-07-26"),
    ("26 تموز/يوليه 2024", "2024-07-26"),
    ("٢٦ تموز/يوليه ٢٠٢٤", "2024-07-26"),
    ("26 تموز (يوليو) 2024", "2024-07-26"),
    ("3 كانون الثاني/يناير 2023", "2023-01-03"),
    ("15 جويلية 2021", "2021-07-15"),
    ("1 غشت 2019م", "2019-08-01"),
    ("July 26, 2024", "2024-07-26"),
    ("26th of July, 2024", "2024-07-26"),
    ("3 Sept. 2020", "2020-09-03"),
    ("JULY 2024", "2024-07"),
    ("أيار/مايو 2022", "2022-05"),
    ("2024/07/26", "2024-07-26"),
    ("٢٠٢٤/٠٧/٢٦", "2024-07-26"),
    ("2024-07-26", "2024-07-26"),
    ("26/07/2024", "2024-07-26"),
    ("07/26/2024", "2024-07-26"),  # the first number cannot be a month: month first
    ("26.07.2024", "2024-07-26"),
])
def test_dates_in_the_usual_forms(text, iso):
    found = dates.parse_date(text)
    assert found is not None and found.iso() == iso and found.text == text


@pytest.mark.parametrize("text", [
    "CTOC/COP/WG.7/2024/5", "2024/5", "1445 هـ", "Super Bowl 50", "ممارسة 2024",
    "32 July 2024", "2024/13/40", "May be", "2024",
])
def test_not_dates(text):
    assert dates.parse_date(text) is None


@pytest.mark.parametrize("line, date", [
    ("26 July 2024", "26 July 2024"),
    ("Vienna, 26 July 2024.", "26 July 2024"),
    ("New York, 26 July 2024", "26 July 2024"),
    ("التاريخ: 2024/07/26", "2024/07/26"),
    ("فيينا، ٢٦ تموز/يوليه ٢٠٢٤", "٢٦ تموز/يوليه ٢٠٢٤"),
    ("الجمعة 26 يوليو 2024", "26 يوليو 2024"),
    ("Report of the meeting held on 26 July 2024", None),
    ("يومي 11 و 12 تموز/يوليه 2024", None),  # a title line of the bundled report
    ("المؤتمر الدولي للسكان والتنمية 2024", None),
])
def test_date_lines(line, date):
    found = dates.date_line(line)
    assert (found.text if found else None) == date
    if found:
        assert line[found.start:found.end] == date


def test_find_date_inside_a_sentence():
    found = dates.find_date("وعقد الاجتماع في فيينا في 12 تموز/يوليه 2024 برئاسة ...")
    assert (found.year, found.month, found.day) == (2024, 7, 12)


def test_month_vocabulary_is_complete_and_consistent():
    assert len(dates.MONTHS_EN) == len(dates.MONTHS_AR_UN) == 12
    for n, (en, ar) in enumerate(zip(dates.MONTHS_EN, dates.MONTHS_AR_UN), 1):
        assert dates.MONTH_NAMES[en] == n
        assert all(dates.MONTH_NAMES[part] == n for part in ar.split("/"))
        assert dates.parse_date(f"1 {ar} 2020").month == n
    assert set(dates.MONTH_NAMES.values()) == set(range(1, 13))


def test_month_words_are_single_words_of_both_calendars():
    words = dates.month_words()
    assert all(len(w.split()) == 1 for w in words)
    # the first word of a two-word name, Levantine, Maghreb and Hijri spellings, English lower-cased
    assert {"كانون", "تشرين", "تموز", "جويلية", "رمضان", "جمادى", "july"} <= words
    # ordinary words first: "may", «صفر» (zero), «ذو» (owner of); no abbreviations
    assert not {"may", "May", "صفر", "ذو", "jan", "Jan", "الثاني"} & words
    assert len(dates.HIJRI_MONTHS) == 12


def test_answer_offers_read_months_from_the_one_vocabulary():
    from fahras.retrieval.answer import offers
    from fahras.text.arabic import normalize

    assert offers._MONTHS == {normalize(w) for w in dates.month_words()}


def test_ascii_digits():
    assert ascii_digits("الفقرة ١٧ و۲۳ and 5") == "الفقرة 17 و23 and 5"
