"""Bad input through the library, the web view and the CLI: every input of tests/badinputs.py
gets a sensible result or a one-line error (non-zero exit code from the CLI), never a
traceback and never a hang. The HTTP API gets the same list in tests/test_hardening_live.py.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time

import pytest

from badinputs import INPUTS, REFUSED
from fahras import cli
from fahras.cli import commands
from fahras.cli.render import terminal_safe
from fahras.errors import UsageError
from fahras.retrieval.searcher import MAX_QUERY_CHARS
from fahras.ui import render
from fahras.ui.export import to_csv, to_json
from fahras.ui.view import build_view

LIMIT_S = 30  # a search that takes longer than this is a hang


@contextlib.contextmanager
def deadline(seconds: float = LIMIT_S):
    """Fail (instead of waiting forever) if the block runs longer than ``seconds``."""
    def expired(*_):
        raise TimeoutError(f"still running after {seconds} s: a hang")

    old = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def _run_library(call, name: str) -> tuple[str, float]:
    t0 = time.perf_counter()
    with deadline():
        try:
            result = call(INPUTS[name])
        except UsageError as e:
            msg = str(e)
            assert msg and "\n" not in msg
            assert name in REFUSED, f"{name!r} refused: {msg}"
            return "error", time.perf_counter() - t0
    assert name not in REFUSED, f"{name!r} was searched, not refused"
    data = result.to_json()
    json.dumps(data, ensure_ascii=False)  # JSON-able, no lone surrogate left in it
    assert data["hits"], name
    assert "\ufffd" not in data["query"] or "\ud800" in INPUTS[name] or "\udcff" in INPUTS[name]
    return "result", time.perf_counter() - t0


@pytest.mark.parametrize("name", INPUTS)
def test_library_search_and_ask(hash_searcher, name, hardening):
    for what, call in (("search", lambda q: hash_searcher.search(q, 5)),
                       ("ask", lambda q: hash_searcher.ask(q, 5))):
        outcome, seconds = _run_library(call, name)
        hardening.record("input", surface=f"library.{what}", input=name, outcome=outcome,
                         crash=False, hang=False, seconds=round(seconds, 3))


@pytest.mark.parametrize("name", INPUTS)
def test_web_view_renders_and_exports(hash_searcher, name, hardening):
    """The page's view of the input: an error message in both languages, or results that
    render and export; the query is shown escaped."""
    with deadline():
        view = build_view(hash_searcher, INPUTS[name], 5)
        pages = [f(view, lang) for lang in ("ar", "en")
                 for f in (render.status_html, render.answer_html, render.hits_html)]
        exports = (to_csv(view), to_json(view)) if view["hits"] else ()
    if name in REFUSED:
        assert view["error"] and not view["hits"]
        assert 'role="alert"' in pages[2] and 'role="alert"' in pages[5]
    else:
        assert view["error"] is None and view["hits"], (name, view["error"])
        assert all(isinstance(e, bytes) and e for e in exports)
    for page in pages:
        assert "<script" not in page and "<img" not in page and "<b>" not in page
    hardening.record("input", surface="ui.view", input=name,
                     outcome="error" if view["error"] else "result", crash=False, hang=False)


def _cli(capsys, argv: list[str]) -> tuple[int, str, str]:
    with deadline():
        code = cli.main(argv)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("name", INPUTS)
def test_cli_search_and_ask(hash_index_dir, capsys, name, hardening):
    for command in ("search", "ask"):
        code, out, err = _cli(capsys, [command, "--index", str(hash_index_dir), "--model",
                                       "hash", "-k", "3", "--json", "--", INPUTS[name]])
        assert "Traceback" not in err
        if name in REFUSED:
            assert code == 2 and out == "", (name, out)
            assert err.startswith("fahras: error: ") and err.count("\n") == 1, err
        else:
            assert code == 0 and err == "", (name, err)
            assert json.loads(out)["hits"]
        hardening.record("input", surface=f"cli.{command}", input=name,
                         outcome="error" if code else "result", crash=False, hang=False)


@pytest.mark.parametrize("name", ["control-chars", "html", "emoji", "whole-paragraph"])
def test_cli_readable_output_has_no_control_characters(hash_index_dir, capsys, monkeypatch,
                                                       name):
    monkeypatch.setattr(commands, "want_json", lambda args: False)
    for command in ("search", "ask"):
        code, out, err = _cli(capsys, [command, "--index", str(hash_index_dir), "--model",
                                       "hash", "-k", "3", INPUTS[name]])
        assert code == 0 and out
        assert not any(ord(c) < 32 and c not in "\n\t" or 0x7f <= ord(c) <= 0x9f for c in out)


def test_terminal_output_drops_control_sequences_from_reports():
    evil = "abc\x1b]0;owned\x07def\x1b[2Jghi\x9b31m\x00 and \x1b[1mbold\x1b[0m"
    assert terminal_safe(evil) == "abc]0;owneddef[2Jghi31m and \x1b[1mbold\x1b[0m"


BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


def test_terminal_output_neutralizes_bidi_overrides(tmp_path, capsys, monkeypatch, hardening):
    """A report whose text carries U+202E (right-to-left override) and isolates: the readable
    output of search and ask, and an error line quoting the user's text, carry none of them
    (the direction marks U+200E/U+200F stay: they reorder nothing beyond their neighbours)."""
    assert terminal_safe("a\u202eb\u2066c\u2069\u200fd") == "abc\u200fd"
    doc = tmp_path / "bidi.ar.txt"
    doc.write_text("تقرير\n\nقال المندوب \u202eإن تهريب المهاجرين\u202c جريمة \u2067منظمة"
                   "\u2069 عابرة للحدود.\n", encoding="utf-8")
    index = tmp_path / "index"
    assert cli.main(["index", str(doc), "--index", str(index), "--model", "hash", "--json"]) == 0
    capsys.readouterr()
    monkeypatch.setattr(commands, "want_json", lambda args: False)
    for argv in (["search", "تهريب المهاجرين"], ["ask", "ما هي الجريمة؟"],
                 ["index", "--remove", "x\u202egpj.exe"]):
        code, out, err = _cli(capsys, [*argv, "--index", str(index), "--model", "hash"])
        shown = out + err
        assert shown and not any(c in BIDI_CONTROLS for c in shown), (argv, shown)
        assert ("تهريب" in out) if code == 0 else err.startswith("fahras: error: ")
        hardening.record("small", finding="U+202E and isolates reach the terminal",
                         surface=f"fahras {argv[0]}" + (" (error line)" if code else ""),
                         fixed=True)


def test_unknown_parts_are_refused_like_unknown_kinds(hash_searcher, hardening):
    """A misspelt part used to filter out every passage silently ("nothing found")."""
    for call in (lambda: hash_searcher.search("تهريب", 5, parts=["recomendations"]),
                 lambda: hash_searcher.ask("تهريب", 5, parts=["recomendations"]),
                 lambda: hash_searcher.search("تهريب", 5, kinds=["chapter"])):
        with pytest.raises(UsageError) as e:
            call()
        msg = str(e.value)
        assert msg.startswith("unknown ") and "\n" not in msg and " are " in msg, msg
    assert hash_searcher.search("تهريب", 5, parts=["recommendations"]).hits
    hardening.record("small", finding="unknown parts: 0 hits, silently", surface="library",
                     fixed=True)


# -- real processes: bytes on the command line, --queries files --------------------------
def _run(args: list, stdin: bytes | None = None, timeout: float = 120):
    env = dict(os.environ, PYTHONIOENCODING="utf-8")
    return subprocess.run([sys.executable, "-m", "fahras", *args], input=stdin,
                          capture_output=True, timeout=timeout, env=env)


ARGV_BYTES = {
    "invalid-utf8": b"\xff\xfe \xd8\xaa\xd9\x87\xd8\xb1\xd9\x8a\xd8\xa8",
    "encoded-surrogate": b"\xed\xa0\x80 \xd8\xaa\xd9\x87\xd8\xb1\xd9\x8a\xd8\xa8",
    "truncated-utf8": "حماية الأطفال".encode()[:-1],
    "overlong-slash": b"\xc0\xaf\xc0\xaf etc passwd",
    "only-invalid": b"\xff\xfe\xfd",
}


@pytest.mark.integration
@pytest.mark.parametrize("name", ARGV_BYTES)
def test_invalid_utf8_on_the_command_line(hash_index_dir, name, hardening):
    r = _run([b"search", ARGV_BYTES[name], b"-k", b"2", b"--json", b"--model", b"hash",
              b"--index", str(hash_index_dir).encode()])
    err = r.stderr.decode("utf-8", "replace")
    assert "Traceback" not in err
    if name == "only-invalid":
        assert r.returncode == 2 and err.startswith("fahras: error: ") and err.count("\n") == 1
    else:
        assert r.returncode == 0, err
        result = json.loads(r.stdout)
        assert "\ufffd" in result["query"] and result["hits"]
    hardening.record("input", surface="cli.argv-bytes", input=name,
                     outcome="error" if r.returncode else "result", crash=False, hang=False)


def _one_line(q: str) -> str:
    return " ".join(q.split("\n")).replace("\r", " ")


@pytest.mark.integration
@pytest.mark.parametrize("command", ["search", "ask"])
def test_queries_file_with_every_bad_input(hash_index_dir, tmp_path, command, hardening):
    """One process answers the whole list: a JSON line per query, errors as JSON lines."""
    lines = [_one_line(q) for q in INPUTS.values()]
    expected = [line.strip() for line in lines if line.strip()]
    qfile = tmp_path / "queries.txt"
    # A file holds text: lone surrogates are saved as U+FFFD (what an editor would write).
    qfile.write_text("\n".join(lines) + "\n", encoding="utf-8", errors="replace")
    r = _run([command, "--queries", str(qfile), "-k", "2", "--model", "hash", "--index",
              str(hash_index_dir)], timeout=300)
    assert r.returncode == 0 and b"Traceback" not in r.stderr, r.stderr.decode()
    rows = [json.loads(line) for line in r.stdout.decode().splitlines()]
    assert len(rows) == len(expected)
    for row, name in zip(rows, [n for n, q in INPUTS.items() if _one_line(q).strip()]):
        if name in REFUSED:
            assert row["error"] and row["hits"] == [], name
        else:
            assert "error" not in row and row["hits"], (name, row.get("error"))
        hardening.record("input", surface=f"cli.queries-{command}", input=name,
                         outcome="error" if "error" in row else "result", crash=False,
                         hang=False)


@pytest.mark.integration
def test_queries_file_that_is_not_utf8_or_missing(hash_index_dir, tmp_path):
    bad = tmp_path / "cp1256.txt"
    bad.write_bytes("ما دور القنصليات؟\n".encode("cp1256"))
    one_bad_line = tmp_path / "one-bad-line.txt"
    one_bad_line.write_bytes("تهريب\nFrontex\n".encode() + b"\xed\xa0\x80 x\n")
    messages = []
    for path in (bad, one_bad_line, tmp_path / "missing.txt", tmp_path):
        r = _run(["search", "--queries", str(path), "--model", "hash", "--index",
                  str(hash_index_dir)])
        err = r.stderr.decode()
        assert r.returncode == 2 and err.startswith("fahras: error: ") and err.count("\n") == 1
        assert r.stdout == b""
        messages.append(err)
    assert "is not UTF-8 text (line 1)" in messages[0]
    assert "is not UTF-8 text (line 3)" in messages[1]


@pytest.mark.integration
def test_queries_file_lines_are_only_split_at_line_ends(hash_index_dir, tmp_path):
    qfile = tmp_path / "q.txt"
    qfile.write_bytes("تهريب\u2028المهاجرين\x0cبحرا\r\nFrontex\rconsular\n\n".encode())
    r = _run(["search", "--queries", str(qfile), "-k", "1", "--model", "hash", "--index",
              str(hash_index_dir)])
    queries = [json.loads(line)["query"] for line in r.stdout.decode().splitlines()]
    assert queries == ["تهريب\u2028المهاجرين\x0cبحرا", "Frontex", "consular"]


@pytest.mark.integration
def test_queries_from_stdin(hash_index_dir):
    r = _run(["ask", "--queries", "-", "-k", "1", "--model", "hash", "--index",
              str(hash_index_dir)], stdin="\ufeffمن افتتح الاجتماع؟\n\n   \n".encode())
    rows = [json.loads(line) for line in r.stdout.decode().splitlines()]
    assert r.returncode == 0 and len(rows) == 1 and rows[0]["query"] == "من افتتح الاجتماع؟"


def test_the_limit_is_the_documented_one():
    assert len(INPUTS["at-the-limit"]) == MAX_QUERY_CHARS
    assert len(INPUTS["long-100k-latin"]) == 100_000
