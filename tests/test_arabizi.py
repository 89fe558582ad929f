"""Arabizi (Arabic typed in Latin letters and digits) recognized and matched to the corpus."""

from __future__ import annotations

import pytest

from fahras.text.arabic import normalize
from fahras.retrieval.crosslingual.arabizi import content_words, has_letter_digit, is_arabizi
from fahras.retrieval.crosslingual.expander import CrossLingualExpander, ExpansionConfig
from fahras.retrieval.crosslingual.names import distance, latin_key
from fahras.retrieval.crosslingual.typos import dictionary_words


def english(word: str) -> bool:
    return word in dictionary_words()


@pytest.mark.parametrize("word, letter", [
    ("3an", True), ("esti5dam", True), ("ra2amiye", True), ("ba7r", True), ("3'arb", True),
    ("2nd", False), ("3rd", False), ("G7", False), ("CO2", False), ("5G", False),
    ("2024", False), ("19th", False), ("sa2al", True), ("x86", False),
])
def test_a_digit_used_as_a_letter(word, letter):
    assert has_letter_digit(word) is letter


@pytest.mark.parametrize("query, arabizi", [
    ("shu el tawsiye 3an esti5dam el adawat el ra2amiye", True),
    ("kif el mohajreen fi el ba7r", True),
    ("eh el 2arar elli 3amalo el fari2", True),
    ("shu 2alo 3an el atfal", True),
    ("el tawsiyat bta3et el mo2tamar", True),
    ("What did the 2nd meeting decide about G7 countries?", False),
    ("COVID-19 and the 3rd session in 2024", False),
    ("What did 3M say about the supply chain?", False),
    ("Which resolution is 9/1?", False),
    ("What can be done in an emergency at sea?", False),   # "be", "an": English here
    ("la la land", False),
])
def test_arabizi_queries_are_recognized(query, arabizi):
    assert is_arabizi(query, english) is arabizi


def test_content_words_leave_out_function_words():
    assert [w for w, _, _ in content_words("shu el tawsiye 3an esti5dam el adawat")] == [
        "tawsiye", "esti5dam", "adawat"]


@pytest.mark.parametrize("latin, arabic", [
    ("esti5dam", "استخدام"), ("ba7r", "بحر"), ("3amal", "عمل"), ("ta3leem", "تعليم"),
    ("mohajreen", "مهاجرين"), ("9a7a", "صحة"), ("3'arb", "غرب"), ("ta2sheera", "تأشيرة"),
])
def test_digits_are_read_as_letters(latin, arabic):
    assert distance(latin_key(latin, digits=True), normalize(arabic)) < 0.25


def test_arabizi_expansions_on_the_report(hash_searcher):
    exp = CrossLingualExpander.for_searcher(hash_searcher)
    got = {e["source"]: e for e in exp.expand("kif el mohajreen el moharrabeen fi el ba7r")}
    assert sorted(got) == ["ba7r", "mohajreen", "moharrabeen"]
    assert all(e["kind"] == "arabizi" and 0.5 <= e["weight"] <= 1.0 for e in got.values())
    assert "المهاجرين" in got["mohajreen"]["arabic"] and "البحر" in got["ba7r"]["arabic"]
    assert "المهربين" in got["moharrabeen"]["arabic"]
    off = CrossLingualExpander.for_searcher(hash_searcher, ExpansionConfig(arabizi=False))
    assert not any(e["kind"] == "arabizi" for e in off.expand("kif el mohajreen fi el ba7r"))
