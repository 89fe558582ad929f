"""The command line: JSON shapes, JSON Lines, clean one-line errors, exit codes."""

import json
import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.integration  # the fahras command in subprocesses


def run(args, env_extra=None, input=None, home=None):
    env = dict(os.environ)
    env["FAHRAS_MODEL"] = "hash"
    if env_extra:
        env.update(env_extra)
    return subprocess.run([sys.executable, "-m", "fahras", *args], capture_output=True,
                          env=env, input=input, timeout=120)


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory):
    path = tmp_path_factory.mktemp("cli") / "index"
    r = run(["index", "--index", str(path), "--json"])
    assert r.returncode == 0, r.stderr.decode()
    summary = json.loads(r.stdout)
    assert summary["passages"] == 84 and summary["model"] == "hash"
    return path


def test_search_json(index_dir):
    r = run(["search", "التوصية 8", "-k", "3", "--json", "--index", str(index_dir)])
    assert r.returncode == 0, r.stderr.decode()
    d = json.loads(r.stdout)
    assert d["query"] == "التوصية 8"
    assert [h["rank"] for h in d["hits"]] == [1, 2, 3]
    top = d["hits"][0]
    assert (top["label_ar"], top["label_en"], top["kind"], top["number"]) == (
        "التوصية 8", "Recommendation 8", "recommendation", "8")
    assert top["text"].startswith("تُشجّع الدول الأطراف، بما يتفق")  # original text, diacritics kept


def test_search_queries_file_gives_json_lines(index_dir, tmp_path):
    qfile = tmp_path / "q.txt"
    qfile.write_text("الفقرة 30\n\n   \nCTOC/COP/WG.7/2024/1\n؟؟\n", encoding="utf-8")
    r = run(["search", "--queries", str(qfile), "-k", "1", "--json", "--index", str(index_dir)])
    assert r.returncode == 0, r.stderr.decode()
    lines = [json.loads(x) for x in r.stdout.decode().splitlines()]
    assert [x["query"] for x in lines] == ["الفقرة 30", "CTOC/COP/WG.7/2024/1", "؟؟"]
    assert lines[0]["hits"][0]["label_en"] == "Paragraph 30"
    assert lines[1]["hits"][0]["label_en"] == "Paragraph 53"
    assert "no letters or digits" in lines[2]["error"]


def test_json_is_the_default_when_piped(index_dir):
    r = run(["search", "فيينا", "-k", "1", "--index", str(index_dir)])
    assert json.loads(r.stdout)["hits"][0]["rank"] == 1


@pytest.mark.parametrize("args, message, code", [
    (["search", ""], "the query is empty", 2),
    (["search"], "give a query, or --queries FILE", 2),
    (["search", "x", "-k", "0"], "at least 1", 2),
    (["eval", "/nonexistent.tsv"], "question file not found", 2),
    (["index", "/nonexistent.txt"], "corpus file not found", 1),
    (["search", "--queries", "/nonexistent.txt"], "cannot read the queries file", 2),
])
def test_errors_are_one_line_without_traceback(index_dir, args, message, code):
    r = run([*args, "--index", str(index_dir)] if args[0] != "index" else [*args, "--index", str(index_dir / "x")])
    err = r.stderr.decode()
    assert r.returncode == code
    assert message in err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_invalid_utf8_on_the_command_line(index_dir):
    r = subprocess.run([sys.executable, "-m", "fahras", "search", b"\xff\xfe \xd8\xaa\xd9\x87\xd8\xb1\xd9\x8a\xd8\xa8",
                        "-k", "1", "--json", "--index", str(index_dir)],
                       capture_output=True, env={**os.environ, "FAHRAS_MODEL": "hash"}, timeout=60)
    assert r.returncode == 0, r.stderr.decode()
    d = json.loads(r.stdout)
    assert d["query"].startswith("\ufffd\ufffd")
    assert d["hits"]


def test_corrupt_index_is_reported_with_rebuild_hint(tmp_path):
    path = tmp_path / "index"
    assert run(["index", "--index", str(path)]).returncode == 0
    gen = path / (path / "CURRENT").read_text()
    (gen / "vectors.npy").write_bytes(b"garbage")
    r = run(["search", "فيينا", "--index", str(path)])
    err = r.stderr.decode()
    assert r.returncode == 1
    assert "damaged (vectors.npy" in err and "fahras index" in err and "Traceback" not in err


def test_help_has_examples():
    r = run(["search", "--help"])
    assert b"examples:" in r.stdout and b"fahras search" in r.stdout
