"""Document, language and year filters that match nothing are refused, in one line and with a
non-zero status, saying what the index holds (not 0 hits and status 0); filters that match
select exactly their documents, for ``search`` and for ``ask``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from fahras.errors import UsageError
from fahras.retrieval.corpus import select_documents

CORPUS = Path(__file__).parent / "data" / "corpus"  # fx-2022-background.ar, fx-2023-report.ar/.en


def run(args, home):
    env = dict(os.environ, FAHRAS_MODEL="hash", FAHRAS_HOME=str(home))
    return subprocess.run([sys.executable, "-m", "fahras", *args], capture_output=True,
                          env=env, timeout=120)


@pytest.fixture(scope="module")
def corpus_index(tmp_path_factory):
    home = tmp_path_factory.mktemp("filters-home")
    index = home / "index"
    r = run(["index", str(CORPUS), "--index", str(index), "--json"], home)
    assert r.returncode == 0, r.stderr.decode()
    assert len(json.loads(r.stdout)["documents"]) == 3
    return home, index


@pytest.mark.parametrize("filters,message", [
    (["--doc", "bogus"], "fahras: error: there is no document 'bogus' in the index (documents: "
                         "fx-2022-background.ar, fx-2023-report.ar, fx-2023-report.en)"),
    (["--lang", "fr"], "fahras: error: no document of the index is in fr (languages: ar, en)"),
    (["--year", "1999"], "fahras: error: no document of the index is from 1999 (years: 2022, "
                         "2023)"),
    (["--year", "2010-2015"], "fahras: error: no document of the index is from 2010-2015 "
                              "(years: 2022, 2023)"),
    (["--lang", "en", "--year", "2022"], "fahras: error: no document of the index matches these "
                                         "filters together (document, language, year)"),
])
@pytest.mark.integration
@pytest.mark.parametrize("command", ["search", "ask"])
def test_a_filter_that_matches_nothing_is_refused(corpus_index, command, filters, message):
    home, index = corpus_index
    r = run([command, "victims", "--index", str(index), *filters], home)
    assert r.returncode == 2
    assert r.stderr.decode().strip() == message
    assert r.stdout == b""


@pytest.mark.integration
@pytest.mark.parametrize("command", ["search", "ask"])
def test_filters_that_match_select_exactly_their_documents(corpus_index, command):
    home, index = corpus_index
    r = run([command, "victims", "--index", str(index), "--year", "2022-2023", "--lang", "en",
             "-k", "5", "--json"], home)
    assert r.returncode == 0, r.stderr.decode()
    hits = json.loads(r.stdout)["hits"]
    assert hits and {h["doc"] for h in hits} == {"fx-2023-report.en"}
    r = run([command, "الضحايا", "--index", str(index), "--year", "2022", "-k", "5", "--json"],
            home)
    assert r.returncode == 0, r.stderr.decode()
    hits = json.loads(r.stdout)["hits"]
    assert hits and {h["doc"] for h in hits} == {"fx-2022-background.ar"}
    # one unknown document among known ones narrows to the known ones
    r = run([command, "victims", "--index", str(index), "--doc", "fx-2023-report.en", "--doc",
             "bogus", "--json"], home)
    assert r.returncode == 0 and {h["doc"] for h in json.loads(r.stdout)["hits"]} == {
        "fx-2023-report.en"}


def test_select_documents():
    docs = [{"id": "a", "lang": "ar", "year": 2023}, {"id": "b", "lang": "en", "year": 2023},
            {"id": "c", "lang": "ar", "year": None}]
    assert select_documents(docs) is None
    assert select_documents(docs, langs=["ar"]) == ["a", "c"]
    assert select_documents(docs, years=["2023"], langs=["arabic"]) == ["a"]
    assert select_documents(docs, docs=["c", "zz"]) == ["c"]
    with pytest.raises(UsageError) as e:
        select_documents(docs, years=["2024"])
    assert e.value.code == "filter_no_year" and e.value.params["corpus_years"] == "2023"
    assert e.value.text("ar") == "لا توجد في الفهرس وثيقة من 2024 (السنوات: 2023)"
    with pytest.raises(UsageError) as e:
        select_documents([{"id": "x", "lang": "ar"}], years=["2024"])
    assert e.value.code == "filter_no_year_known"
    with pytest.raises(UsageError) as e:  # a malformed year is still its own message
        select_documents(docs, years=["20x4"])
    assert e.value.code == "year_filter_form"
