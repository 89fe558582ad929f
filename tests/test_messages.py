"""Every message in Arabic and in English (fahras/messages.py, fahras/data/messages.tsv).

The catalog is complete (both texts, the same parameters in both), and the code uses it: every
error of fahras.errors and every :class:`~fahras.messages.Message` built anywhere in the
package is given a literal code that the catalog has (read from the source with ``ast``, so a
new message written as plain English text fails here).
"""

from __future__ import annotations

import ast
import copy
import json
import pickle
import string
from pathlib import Path

import pytest

from fahras import messages
from fahras.errors import CorpusError, FahrasError, IndexError_, ModelError, UsageError
from fahras.messages import Message, catalog, from_json, parse, render, text

REPO = Path(__file__).resolve().parents[1]
# tools/ (developer tooling, outside the wheel) raises the catalog's codes too.
PACKAGE_DIRS = ("fahras", "index", "retrieval", "ui", "tools")
MESSAGE_CALLS = {"FahrasError", "UsageError", "IndexError_", "ModelError", "CorpusError",
                 "Message"}


def _sources() -> list[Path]:
    return sorted(p for d in PACKAGE_DIRS for p in (REPO / d).rglob("*.py"))


def _calls():
    """(file, line, first argument node) of every call that makes a message or an error."""
    for path in _sources():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            f = node.func
            name = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else None
            if name in MESSAGE_CALLS:
                yield path.relative_to(REPO), node.lineno, (node.args[0] if node.args else None)


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_code_has_an_english_and_an_arabic_text_with_the_same_parameters():
    table = catalog()
    assert len(table) > 100
    for code, texts in table.items():
        assert texts["en"].strip() and texts["ar"].strip(), code
        assert "{@" not in texts["en"] + texts["ar"], code  # includes resolved
        assert _fields(texts["en"]) == _fields(texts["ar"]), code
        # Arabic texts are Arabic (not an English text copied over)
        assert any("\u0600" <= c <= "\u06ff" for c in texts["ar"]), code
        assert "\u200e" not in texts["ar"] and "\u200f" not in texts["ar"], code


def test_every_message_the_code_makes_is_a_literal_code_of_the_catalog():
    table = catalog()
    found, bad = set(), []
    for path, line, arg in _calls():
        if path.as_posix() in ("fahras/messages.py", "fahras/errors.py"):
            continue  # the mechanism itself passes codes through
        if isinstance(arg, ast.IfExp):  # "cli_no_query" if ... else "cli_no_question"
            options = [arg.body, arg.orelse]
        else:
            options = [arg]
        for option in options:
            if not (isinstance(option, ast.Constant) and isinstance(option.value, str)):
                bad.append(f"{path}:{line}: not a literal code")
            elif option.value not in table:
                bad.append(f"{path}:{line}: {option.value!r} is not in messages.tsv")
            else:
                found.add(option.value)
    assert not bad, "\n".join(bad)
    assert len(found) > 90  # the scan sees the package's errors


def test_codes_that_are_returned_not_raised_are_used_somewhere():
    """A code in the catalog is raised, or named in the source (``ask``'s reasons and what a
    question asks for are named in retrieval/answer/reasons.py)."""
    source = "".join(p.read_text(encoding="utf-8") for p in _sources())
    included = {m.group(1) for line in messages.CATALOG_FILE.read_text(encoding="utf-8").splitlines()
                for m in messages._INCLUDE.finditer(line)}
    from fahras.retrieval.answer import reasons

    made = {f"want_{w}" for w in reasons.WANTED}
    unused = [c for c in catalog() if c not in included and f'"{c}"' not in source
              and c not in made]
    assert unused == []
    refusals = [c for c in catalog() if c.startswith("refuse_")]
    assert len(refusals) >= 9


def test_errors_are_english_for_the_cli_and_arabic_on_demand():
    e = UsageError("query_too_long", n=6000, limit=5000)
    assert str(e) == "the query is 6,000 characters long; the limit is 5,000 (a few paragraphs)"
    assert e.text("ar") == "طول السؤال 6000 حرفاً، والحد الأقصى 5000 حرف (بضع فقرات)"
    assert e.code == "query_too_long" and e.params == {"n": 6000, "limit": 5000}
    assert e.to_json()["code"] == "query_too_long"
    for cls in (FahrasError, UsageError, IndexError_, ModelError, CorpusError):
        err = cls("corpus_empty", path="x.txt")
        again = pickle.loads(pickle.dumps(err))  # a worker process sends it back whole
        assert type(again) is cls and str(again) == "x.txt is empty" and again.code == err.code
    # an include: the rebuild hint in the language of the message
    damaged = IndexError_("index_current_invalid", path="/tmp/i")
    assert str(damaged).endswith("rebuild it with: fahras index")
    assert damaged.text("ar").endswith("أعد بناءه بالأمر: fahras index")


def test_an_unknown_code_is_shown_as_it_is_never_a_crash():
    assert str(UsageError("some new text nobody translated")) == "some new text nobody translated"
    assert text("query_too_long", "ar") == catalog()["query_too_long"]["en"]  # params missing


def test_messages_are_strings_that_keep_their_code():
    note = Message("note_no_paragraph", number="12")
    assert note == "there is no paragraph 12 in the index"
    assert json.dumps([note]) == '["there is no paragraph 12 in the index"]'
    assert note.text("ar") == "لا توجد في الفهرس فقرة رقمها 12"
    for other in (copy.deepcopy(note), pickle.loads(pickle.dumps(note))):
        assert other.code == "note_no_paragraph" and other.text("ar") == note.text("ar")
    data = note.to_json()
    assert messages.from_json(data).text("ar") == note.text("ar")
    assert render(data, "ar") == note.text("ar") and render(note, "en") == str(note)
    assert render("plain text", "ar") == "plain text" and render(None, "ar") == ""


def test_a_nested_message_is_rendered_in_the_same_language():
    reason = Message("refuse_cue", wanted=Message("want_when"))
    assert reason == "it asks for a date, and the closest passage has none"
    assert reason.text("ar") == "يسأل السؤال عن تاريخ، ولا يتضمن أقرب مقطع شيئاً من ذلك"
    assert render(reason.to_json(), "ar") == reason.text("ar")


@pytest.mark.parametrize("english,code", [
    ("it asks for a date, and the closest passage has none", "refuse_cue"),
    ("the documents never use the word «ميزانية»", "refuse_absent"),
    ("the closest passage does not mention «المغرب»", "refuse_entity"),
    ("the closest passage does not name the «الثاني عشر» it asks about", "refuse_ordinal"),
    ("the closest passage lacks «ميزانية», what the question is about", "refuse_missing"),
    ("it is far from everything the documents say", "refuse_far"),
    ("none of its words is in the documents", "refuse_nothing"),
    ("no passage matches the filters", "refuse_filters"),
])
def test_the_reasons_of_ask_are_read_back_from_their_english_text(english, code):
    msg = parse(english, "refuse_")
    assert msg is not None and msg.code == code and msg == english
    arabic = msg.text("ar")
    assert arabic == catalog()[code]["ar"].format(**{k: messages.render(v, "ar")
                                                     for k, v in msg.params.items()})
    assert not any("a" <= c.lower() <= "z" for c in arabic)  # all of it in Arabic


def test_what_is_not_a_reason_is_not_read_as_one():
    assert parse("something else entirely", "refuse_") is None
    assert parse("it asks for a date, and the closest passage has none!", "refuse_") is None


def test_every_reason_the_answer_layer_gives_has_an_arabic_text():
    """Each code retrieval/answer/reasons.py can give, with the parameters it gives, is a
    catalog message whose Arabic text is all Arabic (what a question asks for translated too)
    and whose JSON reads back to the same texts."""
    from fahras.retrieval.answer import reasons

    params = {"refuse_number": {"number": "12"}, "refuse_ordinal": {"ordinal": "الثاني عشر"},
              "refuse_entity": {"name": "المغرب"}, "refuse_absent": {"word": "ميزانية"},
              "refuse_missing": {"words": "ميزانية، الفريق"}, "likely_answer": {"confidence": 0.6}}
    codes = {code for _feature, code in reasons.CAUSES} | {"refuse_nothing", "refuse_filters",
                                                            "likely_answer"}
    cases = [(c, params.get(c, {})) for c in sorted(codes) if c != "refuse_cue"]
    cases += [("refuse_cue", {"wanted": w}) for w in reasons.WANTED]
    for code, p in cases:
        msg = reasons.Reason(code, p).message()
        assert code in catalog() and str(msg) != code
        ar = msg.text("ar")
        assert ar != str(msg) and not any("a" <= c.lower() <= "z" for c in ar), (code, ar)
        assert from_json(msg.to_json()).text("ar") == ar
    assert reasons.Reason("likely_answer", {"confidence": 0.6}).text.startswith(
        "a likely answer (confidence 60%)")
