"""`python tools/bench.py`: the measurements' shape and arithmetic (hashing embedder; the real model's
figures are checked by tests/test_evalbench_real.py)."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

import bench


def test_summarize_gives_percentiles_of_the_samples():
    s = bench.summarize([10, 1, 4, 3, 2], "ms")
    assert s == {"n": 5, "p50_ms": 3.0, "p95_ms": 8.8, "mean_ms": 4.0, "min_ms": 1.0,
                 "max_ms": 10.0, "samples_ms": [10.0, 1.0, 4.0, 3.0, 2.0]}
    assert bench.summarize([0.5, 1.5], "s", keep=False) == {
        "n": 2, "p50_s": 1.0, "p95_s": 1.45, "mean_s": 1.0, "min_s": 0.5, "max_s": 1.5}
    assert bench.summarize([], "s") == {"n": 0, "samples_s": []}


def test_targets_read_their_value_and_compare():
    out = {"ratios": {"search_over_encode": 1.2, "ask_over_search": 1.7},
           "model_bench": {"conversion_s": 30.0, "second_resolve_ms": 2.0}, "scale": None}
    checks = [t.check(out) for t in bench.TARGETS]
    assert [c["met"] for c in checks] == [True, False, True, True, None,
                                          None, None, None, None, True]
    out.update(one_shot={"search": {"p50_s": 1.2, "peak_rss_mb": 450.0}, "ask": {"p50_s": 2.5}},
               serve={"p50_s": 7.9})
    assert [c["met"] for c in (t.check(out) for t in bench.TARGETS)][5:] == [
        True, False, False, True, True]
    assert checks[1] == {"issue": "issue 4", "what": "ask p50 / search p50",
                         "target": "<= 1.5", "value": 1.7, "met": False}


@pytest.mark.integration
def test_run_child_measures_wall_time_and_peak_memory():
    code = "import time; b = bytearray(300 * 2**20); b[::4096] = b'x' * len(b[::4096]); " \
           "time.sleep(0.2); print('done')"
    wall, peak, rc, out, err = bench.run_child([sys.executable, "-c", code])
    assert rc == 0 and out.strip() == "done" and err == ""
    assert 0.2 <= wall < 30
    assert 300 < peak < 1000  # MB: the 300 MB buffer, touched, plus the interpreter
    wall, peak, rc, out, err = bench.run_child([sys.executable, "-c", "import sys; sys.exit(3)"])
    assert rc == 3


@pytest.mark.integration
def test_a_childs_peak_memory_is_its_own_not_its_parents():
    """Linux carries the forking process's memory over a child's exec into ``ru_maxrss``: a
    small child of a large parent (a test session holding the model) must not report the
    parent's size."""
    ballast = bytearray(800 * 2**20)
    ballast[::4096] = b"x" * len(ballast[::4096])  # resident, not just reserved
    code = "import time; time.sleep(0.2)"
    _, peak, rc, _, _ = bench.run_child([sys.executable, "-c", code])
    assert rc == 0
    assert 1 < peak < 200  # MB: an interpreter that sleeps
    del ballast


class FakeSearcher:
    """Records the order of the calls; each result carries search timings."""

    def __init__(self):
        self.calls = []

    def warm_up(self):
        self.calls.append(("warm_up", None))

    def encode_query(self, q):
        self.calls.append(("encode", q))
        time.sleep(0.004)
        return np.zeros(3)

    def search(self, q, k):
        self.calls.append(("search", q))
        time.sleep(0.006)
        return SimpleNamespace(timings={"encode_ms": 2.0, "lexical_ms": 0.5, "dense_ms": 0.25})

    def ask(self, q, k):
        self.calls.append(("ask", q))
        time.sleep(0.012)
        return SimpleNamespace(timings={})


def test_latency_is_interleaved_in_a_rotating_order():
    s = FakeSearcher()
    out = bench.measure_latency(s, ["a", "b"], rounds=3)
    timed = s.calls[1 + 3 * 2:]  # after the warm-up and the first calls of each question
    assert [c for c in s.calls[:7]] == [("warm_up", None), ("encode", "a"), ("search", "a"),
                                        ("ask", "a"), ("encode", "b"), ("search", "b"),
                                        ("ask", "b")]
    assert len(timed) == 3 * 2 * 3
    # Round 0: a starts with encode, b with search; round 1: a with search, b with ask ...
    firsts = [timed[i][0] for i in range(0, len(timed), 3)]
    assert firsts == ["encode", "search", "search", "ask", "ask", "encode"]
    assert all({c[0] for c in timed[i:i + 3]} == {"encode", "search", "ask"}
               for i in range(0, len(timed), 3))
    assert out["encode"]["n"] == out["search"]["n"] == out["ask"]["n"] == 6
    assert out["search_parts_p50_ms"] == {"encode_ms": 2.0, "lexical_ms": 0.5, "dense_ms": 0.25}
    # Each question's own ratio, call by call (the samples are in call order, rounded).
    enc, sea, ask = (out[k]["samples_ms"] for k in ("encode", "search", "ask"))
    assert out["paired_ratio_p50"]["search_over_encode"] == pytest.approx(
        float(np.median([s / e for s, e in zip(sea, enc)])), rel=0.05)
    assert out["paired_ratio_p50"]["ask_over_search"] == pytest.approx(
        float(np.median([a / s for a, s in zip(ask, sea)])), rel=0.05)
    assert 1.1 < out["paired_ratio_p50"]["search_over_encode"] < 2.5  # slept 6 ms / 4 ms
    assert 1.4 < out["paired_ratio_p50"]["ask_over_search"] < 3  # 12 ms / 6 ms


def test_evenly_spreads_a_sample_over_the_items():
    assert bench.evenly(range(10), 3) == [0, 4, 9]  # linspace 0, 4.5, 9 rounded half to even
    assert bench.evenly(range(10), 1) == [0]
    assert bench.evenly("abc", None) == ["a", "b", "c"]
    assert bench.evenly("abc", 10) == ["a", "b", "c"]


def test_encoding_throughput_on_a_sample(hash_searcher):
    out = bench.measure_encoding(hash_searcher, runs=1, sample=10)
    assert (out["passages"], out["sentences"]) == (10, 10)
    # Sentences per passage is the whole index's, not the sample's.
    assert out["sentences_per_passage"] == round(
        len(hash_searcher.sentence_rows) / len(hash_searcher.passages), 2)
    assert out["passages_per_s"] > 0 and out["sentences_per_s"] > 0


TINY = bench.Settings(rounds=1, cold_runs=1, build_runs=1, encode_runs=1, sizes=(200,),
                      scale_queries=5, model_bench=False, serve=False)


@pytest.mark.integration
def test_run_bench_with_the_hashing_embedder(hash_index_dir):
    out = bench.run_bench(hash_index_dir, model="hash", settings=TINY,
                          questions=["حماية الأطفال المهربين", "search and rescue at sea"])
    json.dumps(out)
    assert out["model"] == {"spec": "hash", "name": "hash", "dim": 256}
    assert out["index"]["passages"] == 84 and out["index"]["sentences"] > 84
    lat = out["latency"]
    assert (lat["questions"], lat["rounds"]) == (2, 1)
    for key in ("encode", "search", "ask"):
        assert lat[key]["n"] == 2 and 0 < lat[key]["p50_ms"] <= lat[key]["p95_ms"]
    assert out["ratios"]["search_over_encode"] == round(
        lat["search"]["p50_ms"] / lat["encode"]["p50_ms"], 3)
    assert out["ratios"]["ask_over_search"] == round(
        lat["ask"]["p50_ms"] / lat["search"]["p50_ms"], 3)
    cold = out["cold_start"]
    assert cold["n"] == 1 and cold["p50_s"] > 0.1 and cold["peak_rss_mb"] > 30
    assert out["memory"]["ask_process_peak_mb"] == cold["peak_rss_mb"]
    assert out["index_build"]["passages"] == 84 and out["index_build"]["n"] == 1
    enc = out["encoding"]
    assert enc["passages"] == 84 and enc["passages_per_s"] > 0
    assert enc["estimate_100k_passages_h"] == pytest.approx(
        (1e5 / enc["passages_per_s"] + 1e5 * enc["sentences_per_passage"]
         / enc["sentences_per_s"]) / 3600, rel=0.02, abs=1e-3)
    assert out["model_bench"] is None and out["targets"] == []  # targets are the real model's
    (row,) = bench.scale_rows(out)
    assert row["passages"] == 200 and row["lexical_engine"] == "rank-bm25"
    assert row["lexical_memory_mb"] > 0 and row["dense_memory_mb"] > 0
    text = bench.render_bench(out)
    assert "query encoding alone" in text and "cold start to first answer" in text
    assert "      200  rank-bm25" in text


def test_settings_quick_default_and_overrides():
    assert bench.settings_from().sizes == (1_000, 10_000, 30_000)
    q = bench.settings_from(True, rounds=7, sizes=None)
    assert (q.rounds, q.sizes, q.model_bench) == (7, (1_000, 10_000), False)
    assert (q.encode_sample, q.cold_runs, q.build_runs) == (24, 1, 1)
    assert bench.settings_from().encode_sample is None  # the default encodes the whole report
    with pytest.raises(bench.UsageError, match="at least 10"):
        bench.run_bench(settings=bench.Settings(sizes=(5,)))


BENCH = Path(__file__).resolve().parents[1] / "tools" / "bench.py"


def _run(args):
    env = dict(os.environ, FAHRAS_MODEL="hash")
    return subprocess.run([sys.executable, str(BENCH), *args], capture_output=True,
                          env=env, timeout=300)


@pytest.mark.integration
def test_bench_command(hash_index_dir):
    r = _run(["--sizes", "200", "--rounds", "1", "--runs", "1", "--no-model-bench",
              "--no-serve", "--index", str(hash_index_dir), "--json"])
    assert r.returncode == 0, r.stderr.decode()
    out = json.loads(r.stdout)
    assert out["settings"]["sizes"] == [200] and out["settings"]["model_bench"] is False
    assert out["latency"]["rounds"] == 1 and out["cold_start"]["n"] == 1
    r = _run(["--sizes", "1k"])
    assert r.returncode == 2 and b"not a comma-separated list" in r.stderr


@pytest.mark.integration
@pytest.mark.slow
def test_serve_start_to_first_answer_is_measured(hash_index_dir):
    from startup_bench import measure_serve

    out = measure_serve(hash_index_dir, "hash", runs=1)
    assert out["n"] == 1 and 0.5 < out["p50_s"] < 300
    said = out["server_says_p50"]  # the server's own "Started in ..." line
    assert set(said) == {"index_and_model_s", "gradio_and_interface_s"}
    assert 0 < said["index_and_model_s"] + said["gradio_and_interface_s"] < out["p50_s"]
