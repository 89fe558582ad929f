"""Bounded costs: what one query, one passage or one document may cost.

- A 5,000-character query of ~700 capitalized made-up words (each a name candidate for the
  phonetic matcher) costs at most 5x a query of the same length made of ordinary English text
  (a pasted paragraph of the English fixture report). Each run uses new words: the matcher's
  caches must not make the comparison.
- A paragraph that is one run of 80,000 letters (a PDF that lost its spaces), Arabic or Latin,
  is indexed and asked about within 5x the time of the same letters with their spaces, in a
  child process with a deadline (a quadratic regular expression took minutes here).
- A 50 MB text file is refused at once with one line (it took minutes and 1.3 GB), and the
  reports of a many-file corpus are listed as they are read.
- Every cache of the library has a size, and per-word caches keep no long keys.

Hashing embedder. The figures go to artifacts/hardening.json (tests/hardening_ledger.py).
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import random
import statistics
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

PY = sys.executable
CORPUS = Path(__file__).parent / "data" / "corpus"
RATIO = 5.0


def _pseudo_names(seed: int, length: int = 5000) -> str:
    rng = random.Random(seed)
    cons, vow = "bcdfghjklmnprstvz", "aeiou"
    words = []
    while sum(len(w) + 1 for w in words) < length:
        words.append("".join(rng.choice(cons) + rng.choice(vow)
                             for _ in range(rng.randint(2, 4))).capitalize())
    return " ".join(words)[:length]


def _ordinary(seed: int, length: int = 5000) -> str:
    text = " ".join((CORPUS / "fx-2023-report.en.txt").read_text(encoding="utf-8").split())
    start = random.Random(seed).randrange(0, max(1, len(text) - length))
    return (text * 2)[start:start + length]


def _timed(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def test_a_page_of_made_up_names_costs_about_an_ordinary_long_query(hash_searcher, hardening):
    s = hash_searcher
    s.search(_ordinary(99), 10)  # warm: glossary and name vocabulary loaded
    names, ordinary = [], []
    for seed in range(5):  # interleaved, new words each time
        q = _pseudo_names(seed)
        assert len(q) == 5000 and len(q.split()) > 600
        names.append(_timed(lambda: s.search(q, 10)))
        o = _ordinary(seed)
        ordinary.append(_timed(lambda: s.search(o, 10)))
    short = statistics.median(_timed(lambda: s.search("Who opened the meeting?", 10))
                              for _ in range(5))
    ratio = statistics.median(names) / statistics.median(ordinary)
    hardening.record("cost", case="5,000-char query of ~700 capitalized made-up words",
                     baseline="5,000 chars of English report text", ratio=round(ratio, 2),
                     ms=round(statistics.median(names) * 1000), baseline_ms=round(
                         statistics.median(ordinary) * 1000), short_query_ms=round(short * 1000, 1))
    assert ratio <= RATIO, (names, ordinary)


_DRIVER = textwrap.dedent("""
    import json, sys, time
    from fahras.index.builder import build_index
    from fahras.retrieval.searcher import Searcher
    t = time.perf_counter()
    build_index([sys.argv[1]], index_dir=sys.argv[2], model="hash")
    t1 = time.perf_counter()
    s = Searcher.open(sys.argv[2], model="hash", build_if_missing=False)
    r = s.ask(sys.argv[3], 5)
    s.search(sys.argv[3], 5)
    print(json.dumps({"index_s": t1 - t, "ask_s": time.perf_counter() - t1,
                      "hits": len(r.hits)}))
""")
LETTERS = {"arabic": "ابتثجحخدذرزسشصضطظعغفقكلمنهوي", "latin": "abcdefghijklmnopqrstuvwxyz"}
QUESTION = {"arabic": "ما هو موضوع هذا التقرير؟", "latin": "What is this report about?"}


def _document(path: Path, script: str, spaces: bool, n: int = 80_000) -> Path:
    rng = random.Random(7)
    words = ["".join(rng.choice(LETTERS[script]) for _ in range(rng.randint(3, 8)))
             for _ in range(n // 3)]
    body = (" " if spaces else "").join(words)[:n]
    title = "تقرير تجريبي" if script == "arabic" else "A test report"
    path.write_text(f"{title}\n\n{body}.\n\n{title} (2024).\n", encoding="utf-8")
    return path


def _run(doc: Path, index: Path, script: str, deadline: float) -> dict:
    out = subprocess.run([PY, "-c", _DRIVER, str(doc), str(index), QUESTION[script]],
                         capture_output=True, text=True, timeout=deadline)
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.integration
@pytest.mark.parametrize("script", ["arabic", "latin"])
def test_a_paragraph_without_spaces_costs_what_its_letters_do(script, tmp_path, hardening):
    spaced = _run(_document(tmp_path / "spaced.txt", script, True), tmp_path / "i1", script, 300)
    baseline = spaced["index_s"] + spaced["ask_s"]
    try:  # the deadline: the 5x bound, with a few seconds for a busy machine
        run = _run(_document(tmp_path / "run.txt", script, False), tmp_path / "i2", script,
                   RATIO * baseline + 10)
    except subprocess.TimeoutExpired:
        pytest.fail(f"indexing and asking about an 80,000-letter run took more than "
                    f"{RATIO * baseline + 10:.0f} s (with spaces: {baseline:.1f} s)")
    total = run["index_s"] + run["ask_s"]
    hardening.record("cost", case=f"a paragraph of 80,000 {script} letters without spaces "
                     "(index + ask)", baseline="the same letters with spaces",
                     ratio=round(total / baseline, 2), ms=round(total * 1000),
                     baseline_ms=round(baseline * 1000))
    assert total <= RATIO * baseline + 2, (run, spaced)


@pytest.mark.integration
def test_a_50_mb_text_is_refused_at_once(tmp_path, hardening):
    big = tmp_path / "big.ar.txt"
    paragraph = (CORPUS / "fx-2022-background.ar.txt").read_bytes()
    with open(big, "wb") as f:
        while f.tell() < 50 << 20:
            f.write(paragraph)
    t = time.monotonic()
    out = subprocess.run([PY, "-m", "fahras", "index", str(big), "--index",
                          str(tmp_path / "index"), "--model", "hash"], capture_output=True,
                         text=True, timeout=120)
    seconds = time.monotonic() - t
    assert out.returncode == 1 and out.stdout == "", (out.returncode, out.stderr[-2000:])
    assert out.stderr.startswith("fahras: error: ") and out.stderr.count("\n") == 1, out.stderr
    assert "too large" in out.stderr and "split it" in out.stderr, out.stderr
    assert seconds < 30 and not (tmp_path / "index" / "CURRENT").exists()
    hardening.record("cost", case="a 50 MB text file", baseline=None, refused=True,
                     seconds=round(seconds, 2), message=out.stderr.strip())


def test_the_reports_of_a_corpus_are_listed_as_they_are_read(tmp_path, capsys):
    from fahras.index.builder import load_documents

    docs = load_documents(sorted(CORPUS.glob("*.txt")), progress=True)
    err = capsys.readouterr().err
    assert len(docs) == 3 and [f"[{i}/3]" in err for i in (1, 2, 3)] == [True] * 3, err


def _library_functions():
    import fahras

    for info in pkgutil.walk_packages(fahras.__path__, "fahras."):
        if info.name.endswith("__main__") or info.name.startswith(
                ("fahras.ui", "fahras.retrieval.backends")):
            continue
        module = importlib.import_module(info.name)
        for name, obj in vars(module).items():
            if getattr(obj, "__module__", None) == module.__name__:
                yield f"{info.name}.{name}", obj
                for attr, member in vars(obj).items() if isinstance(obj, type) else ():
                    yield f"{info.name}.{name}.{attr}", member


def test_every_cache_has_a_size_and_per_word_caches_keep_no_long_keys():
    unbounded = [name for name, fn in _library_functions()
                 if hasattr(fn, "cache_info") and fn.cache_info().maxsize is None]
    assert unbounded == []
    from fahras.text import arabic
    from fahras.retrieval.crosslingual import glossary

    for fn, word in ((arabic.stem, "تهريب" * 200), (glossary.lemma, "smuggling" * 100),
                     (glossary.clitic_terms, "تهريب" * 200)):
        fn.cache_clear()
        for i in range(50):
            fn(word + str(i))
        assert fn.cache_info().currsize == 0, fn
        fn("تهريب")
        assert fn.cache_info().currsize == 1
