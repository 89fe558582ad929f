"""Speed and memory, measured in one run (developer tooling, run from a checkout)::

    python tools/bench.py                  # a few minutes: the figures of docs/evaluation.md
    python tools/bench.py --quick --json   # one to two minutes (the notebook runs it; CI runs the notebook)
    python tools/bench.py --sizes 1000,10000,100000 --hnsw --milvus   # the scale curve up to 100k

It measures, on ``cores`` CPU cores (2 by default: the target machine), with the model
already provisioned and the index built:

- **query encoding alone**, **search** and **ask** on a set of questions (Arabic and English,
  answerable or not), interleaved -- for each question the three calls in a rotating order --
  over several rounds after a warm-up, so that load from other processes falls on all three
  alike; medians (p50) and p95, the raw samples, and the ratios search / encoding and
  ask / search measured in the same run (ratio of the p50s, and the p50 of each question's own
  ratio, which the drift of the load between rounds touches less);
- **one-shot commands** (`tools/startup_bench.py`): fresh ``fahras search`` and
  ``fahras ask`` processes (imports, model load, index load, one result), timed from launch to
  exit, with their peak resident memory, beside the same figure for a plain bm25s script over
  the same passages; ``fahras serve`` from launch to its first search result; single-query
  encoding on 1 and on all cores' threads, quiet and beside a CPU-bound process;
- **index build** for the bundled report (into a fresh folder, the model already loaded);
- **encoding throughput** of the real model on the report's passages and sentences (all, or a
  sample spread over the report with ``--quick``), and what it
  means for 100k passages (embedding them for real takes hours: the scale curve below uses
  synthetic vectors);
- the model figures of ``python tools/model_bench.py`` (conversion, second resolve, load),
  unless skipped;
- the **scale curve** of `scale_bench.scale_curve` (tools/scale_bench.py): synthetic corpora
  (1k, 10k, ... passages from the report's vocabulary, vectors shaped like the index's own),
  lexical and dense parts timed separately: build time, query latency and memory as the
  corpus grows.

The machine may be shared: compare ratios from one run and quote medians. The load average
at the start and the end is part of the output. :data:`TARGETS` lists the speed goals of
other issues; each is reported as met or missed.
"""

from __future__ import annotations

import datetime as _dt
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np

from fahras.errors import FahrasError, UsageError
from fahras.memory import own_peak_mb, peak_mb, rss_mb

# The question asked by the cold-start runs (answerable: the report names who opened it).
COLD_QUESTION = "Who opened the meeting?"
CHILD_TIMEOUT_S = 600
PEAK_POLL_S = 0.01  # how often a child's peak memory is read (run_child)


@dataclass(frozen=True)
class Settings:
    rounds: int = 5               # passes over the questions (encode, search, ask)
    cold_runs: int = 3            # fresh `fahras ask` processes
    build_runs: int = 3           # index builds of the report
    encode_runs: int = 1          # throughput measurements (each encodes every text once)
    encode_sample: int | None = None  # passages and sentences encoded for throughput (None: all)
    sizes: tuple[int, ...] = (1_000, 10_000, 30_000)   # scale curve (passages)
    scale_queries: int = 50
    hnsw: bool = False            # also HNSW in the scale curve (slow to build)
    milvus: bool = False          # also Milvus Lite in the scale curve
    model_bench: bool = True      # tools/model_bench.py (about half a minute)
    cores: int = 2
    serve: bool = True            # `fahras serve` to its first answer (startup_bench)
    threads: int | None = None    # FAHRAS_THREADS for the measured processes (None: default)


QUICK = Settings(rounds=3, cold_runs=1, build_runs=1, encode_runs=1, encode_sample=24,
                 sizes=(1_000, 10_000), scale_queries=30, model_bench=False)
DEFAULT = Settings()


@dataclass(frozen=True)
class Target:
    issue: str
    what: str
    path: tuple[str, ...]  # where the value is in the output
    op: str
    limit: float

    def check(self, out: dict) -> dict:
        value = out
        for key in self.path:
            value = value.get(key) if isinstance(value, dict) else None
        met = None
        if isinstance(value, (int, float)):
            met = value <= self.limit if self.op == "<=" else value < self.limit
        return {"issue": self.issue, "what": self.what, "target": f"{self.op} {self.limit:g}",
                "value": value, "met": met}


TARGETS = (
    Target("issue 3", "search p50 / query encoding p50", ("ratios", "search_over_encode"),
           "<=", 1.5),
    Target("issue 4", "ask p50 / search p50", ("ratios", "ask_over_search"), "<=", 1.5),
    Target("issue 2", "model conversion (s)", ("model_bench", "conversion_s"), "<", 60),
    Target("issue 2", "second model resolve (ms)", ("model_bench", "second_resolve_ms"), "<",
           1000),
    Target("issue 9", "lexical search p50 at 100k passages (ms)",
           ("scale", "lexical_target", "p50_ms"), "<=", 50),
    Target("issue 14", "one-shot fahras search p50 (s)", ("one_shot", "search", "p50_s"), "<=",
           1.5),
    Target("issue 14", "one-shot fahras search peak memory (MB)",
           ("one_shot", "search", "peak_rss_mb"), "<=", 400),
    Target("issue 14", "one-shot fahras ask p50 (s)", ("one_shot", "ask", "p50_s"), "<=", 2),
    Target("issue 14", "fahras serve to its first answer p50 (s)", ("serve", "p50_s"), "<=", 8),
    Target("issue 14", "search p50 / query encoding p50", ("ratios", "search_over_encode"),
           "<=", 1.3),
)


# -- small helpers ----------------------------------------------------------------------------
def summarize(samples: Sequence[float], unit: str = "ms", keep: bool = True) -> dict:
    """n, p50, p95, mean, min, max of ``samples`` (rounded), and the samples themselves."""
    a = np.asarray(samples, dtype=float)
    digits = 2 if unit == "ms" else 3
    out = {"n": int(a.size)}
    if a.size:
        out.update({f"p50_{unit}": round(float(np.percentile(a, 50)), digits),
                    f"p95_{unit}": round(float(np.percentile(a, 95)), digits),
                    f"mean_{unit}": round(float(a.mean()), digits),
                    f"min_{unit}": round(float(a.min()), digits),
                    f"max_{unit}": round(float(a.max()), digits)})
    if keep:
        out[f"samples_{unit}"] = [round(float(x), digits) for x in a]
    return out


def _load() -> float | None:
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return None


def run_child(cmd: Sequence[str], env: dict | None = None,
              timeout: float = CHILD_TIMEOUT_S) -> tuple[float, float, int, str, str]:
    """Run ``cmd``; (wall seconds from launch to exit, its peak resident memory in MB, exit
    code, stdout, stderr).

    The peak is the child's own high-water mark (``VmHWM`` of /proc/PID/status, read every
    ``PEAK_POLL_S`` while it runs). ``ru_maxrss`` from ``wait4`` is not used where /proc
    exists: Linux carries the memory of the process that forked the child over its exec into
    that figure, so a child of a large process (a test session that loaded the model) would
    report the parent's size."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t = time.perf_counter()
        proc = subprocess.Popen(list(cmd), stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                env=env)
        timer = threading.Timer(timeout, proc.kill)
        timer.start()
        peaks: list[float] = []
        done = threading.Event()

        def poll() -> None:
            while not done.is_set():
                mb = peak_mb(proc.pid)
                if mb is not None:
                    peaks.append(mb)
                done.wait(PEAK_POLL_S)

        poller = threading.Thread(target=poll, daemon=True)
        poller.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            done.set()
            timer.cancel()
        poller.join()
        wall = time.perf_counter() - t
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        peak = max(peaks) if peaks else usage.ru_maxrss / 1024
        return (wall, peak, proc.returncode,
                out.read().decode("utf-8", "replace"), err.read().decode("utf-8", "replace"))


class _Cores:
    """Keep this process (and the processes and threads it starts) on ``n`` cores; restored on
    exit. Threads that already exist are not moved."""

    def __init__(self, n: int):
        self.n = n
        self._affinity = None

    def __enter__(self):
        if hasattr(os, "sched_getaffinity"):
            cpus = sorted(os.sched_getaffinity(0))
            if len(cpus) > self.n:
                self._affinity = set(cpus)
                os.sched_setaffinity(0, set(cpus[:self.n]))
        return self

    @property
    def used(self) -> int:
        if hasattr(os, "sched_getaffinity"):
            return len(os.sched_getaffinity(0))
        return os.cpu_count() or 1

    def __exit__(self, *exc):
        if self._affinity is not None:
            os.sched_setaffinity(0, self._affinity)


# -- the measurements -------------------------------------------------------------------------
def measure_latency(searcher, questions: Sequence[str], rounds: int) -> dict:
    """Query encoding alone, search and ask, interleaved (see the module docstring)."""
    searcher.warm_up()
    for q in questions[:3]:  # first calls pay for lazy imports and caches
        searcher.encode_query(q)
        searcher.search(q, 10)
        searcher.ask(q, 5)
    calls: dict[str, Callable] = {
        "encode": searcher.encode_query,
        "search": lambda q: searcher.search(q, 10),
        "ask": lambda q: searcher.ask(q, 5),
    }
    names = list(calls)
    times: dict[str, list[float]] = {n: [] for n in names}
    parts: dict[str, list[float]] = {"encode_ms": [], "lexical_ms": [], "dense_ms": []}
    for r in range(rounds):
        for i, q in enumerate(questions):
            shift = (i + r) % len(names)
            for name in names[shift:] + names[:shift]:
                t = time.perf_counter()
                result = calls[name](q)
                times[name].append((time.perf_counter() - t) * 1000)
                if name == "search":
                    for key in parts:
                        if key in result.timings:
                            parts[key].append(result.timings[key])
    out = {"questions": len(questions), "rounds": rounds}
    out.update({name: summarize(times[name]) for name in names})
    # The same question's calls, made back to back: their ratio is less exposed to the load of
    # other processes, which drifts between the calls of one round and the next.
    out["paired_ratio_p50"] = {
        "search_over_encode": round(statistics.median(
            s / e for s, e in zip(times["search"], times["encode"])), 3),
        "ask_over_search": round(statistics.median(
            a / s for a, s in zip(times["ask"], times["search"])), 3),
    }
    out["search_parts_p50_ms"] = {k: round(statistics.median(v), 3) for k, v in parts.items()
                                  if v}
    return out


def measure_index_build(model: str, runs: int) -> dict:
    """Build the bundled report's index into a fresh folder ``runs`` times (model loaded)."""
    from fahras.index.builder import build_index

    walls, manifest = [], {}
    for _ in range(runs):
        folder = Path(tempfile.mkdtemp(prefix="fahras-bench-index-"))
        try:
            t = time.perf_counter()
            manifest = build_index(index_dir=folder / "index", model=model, reuse=False)
            walls.append(time.perf_counter() - t)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    return {"passages": manifest.get("n_passages"), "sentences": manifest.get("n_sentences"),
            **summarize(walls, "s")}


def evenly(items: Sequence, n: int | None) -> list:
    """``n`` items spread evenly over ``items`` (all of them when ``n`` is None or larger)."""
    items = list(items)
    if n is None or n >= len(items):
        return items
    return [items[int(i)] for i in np.linspace(0, len(items) - 1, max(1, n)).round()]


def measure_encoding(searcher, runs: int, sample: int | None = None) -> dict:
    """Documents encoded per second (the report's passages, then its sentences; all of them or
    ``sample`` of each spread over the report), and the time that means for 100k passages with
    their sentences, as the index embeds them."""
    per_passage = len(searcher.sentence_rows) / max(1, len(searcher.passages))
    passages = evenly([p.text for p in searcher.passages], sample)
    sentences = evenly([searcher.passages[int(i)].text[int(s):int(e)]
                        for i, s, e in searcher.sentence_rows], sample)
    from fahras.config import batch_threads

    embedder = searcher.embedder
    embedder.encode_documents(passages[:4])  # warm-up

    def rate(texts):
        if not texts:
            return None
        best = []
        for _ in range(max(1, runs)):
            t = time.perf_counter()
            embedder.encode_documents(texts)
            best.append(time.perf_counter() - t)
        return len(texts) / statistics.median(best)

    p_rate, s_rate = rate(passages), rate(sentences)
    hours = 1e5 / p_rate + (1e5 * per_passage / s_rate if s_rate else 0.0)
    threads = batch_threads()
    with _environment(OMP_NUM_THREADS="1"):  # the same batches on one thread, to compare
        one = rate(passages)
    return {"model": embedder.name, "passages": len(passages), "sentences": len(sentences),
            "threads": threads, "passages_per_s": round(p_rate, 2),
            "sentences_per_s": round(s_rate, 2) if s_rate else None,
            "passages_per_s_1_thread": round(one, 2),
            "sentences_per_passage": round(per_passage, 2),
            "estimate_100k_passages_h": round(hours / 3600, 3)}


class _environment:
    """Environment variables set for a block, then restored."""

    def __init__(self, **values: str):
        self.values, self.saved = values, {}

    def __enter__(self):
        self.saved = {k: os.environ.get(k) for k in self.values}
        os.environ.update(self.values)

    def __exit__(self, *exc):
        for k, v in self.saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def measure_model(model: str) -> dict:
    from model_bench import benchmark

    return benchmark(model)


def run_bench(index_dir: str | Path | None = None, model: str | None = None,
              settings: Settings = DEFAULT, questions: Sequence[str] | None = None,
              progress: bool = False) -> dict:
    """All the measurements of the module docstring; a JSON-serializable dict."""
    from fahras import __version__, config
    import startup_bench
    from latency import QUESTIONS
    from scale_bench import scale_curve
    from fahras.retrieval.searcher import Searcher

    if settings.cores < 1 or settings.rounds < 1 or min(settings.sizes, default=1) < 10:
        raise UsageError("bench_settings")

    def say(msg: str) -> None:
        if progress:
            print(f"bench: {msg}", file=sys.stderr, flush=True)

    t0 = time.perf_counter()
    spec = config.model_spec(model)
    questions = list(questions or QUESTIONS)
    out: dict = {
        "fahras": __version__,
        "when": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "settings": {k: (list(v) if isinstance(v, tuple) else v)
                     for k, v in asdict(settings).items()},
    }
    # Threads are the product's own choice (fahras.config.query_threads/batch_threads), or
    # --threads: only the cores are pinned here.
    env = {"FAHRAS_THREADS": str(settings.threads)} if settings.threads else {}
    with _Cores(settings.cores) as cores, _environment(**env):
        out["machine"] = {"cpus": os.cpu_count(), "cores_used": cores.used,
                          "load_average_start": _load(), "python": platform.python_version(),
                          "platform": platform.platform()}
        say("opening the index and loading the model...")
        t = time.perf_counter()
        searcher = Searcher.open(index_dir, model=spec, progress=progress)
        searcher.warm_up()
        out["open_and_warm_up_s"] = round(time.perf_counter() - t, 2)
        out["model"] = {"spec": spec, "name": searcher.embedder.name,
                        "dim": int(searcher.data.vectors.shape[1])}
        out["index"] = {"path": str(searcher.index_dir), "passages": len(searcher.passages),
                        "sentences": int(len(searcher.sentence_rows))}
        out["machine"]["query_threads"] = config.query_threads()
        out["machine"]["batch_threads"] = config.batch_threads()
        out["machine"]["query_encoder"] = type(searcher.embedder).__name__

        say(f"encode / search / ask: {len(questions)} questions x {settings.rounds} rounds...")
        out["latency"] = measure_latency(searcher, questions, settings.rounds)
        lat = out["latency"]
        out["ratios"] = {
            "search_over_encode": round(lat["search"]["p50_ms"] / lat["encode"]["p50_ms"], 3),
            "ask_over_search": round(lat["ask"]["p50_ms"] / lat["search"]["p50_ms"], 3),
        }
        out["memory"] = {"bench_process_rss_mb": round(rss_mb(), 1)}

        say(f"encoding throughput ({settings.encode_sample or 'all'} passages and sentences)...")
        out["encoding"] = measure_encoding(searcher, settings.encode_runs,
                                           settings.encode_sample)

        say(f"one-shot: {settings.cold_runs} fresh `fahras search`, `fahras ask` and bm25s "
            f"processes each (after one unmeasured run)...")
        index_path = Path(searcher.index_dir)
        out["one_shot"] = startup_bench.measure_one_shots(
            index_path, spec, settings.cold_runs, COLD_QUESTION, threads=settings.threads)
        out["cold_start"] = out["one_shot"]["ask"]  # the name earlier runs gave it
        out["memory"]["ask_process_peak_mb"] = out["cold_start"]["peak_rss_mb"]
        out["memory"]["search_process_peak_mb"] = out["one_shot"]["search"]["peak_rss_mb"]
        out["serve"] = None
        if settings.serve:
            say(f"serve: {settings.cold_runs} starts of `fahras serve` to its first answer...")
            try:
                out["serve"] = startup_bench.measure_serve(index_path, spec, settings.cold_runs,
                                                           threads=settings.threads)
            except FahrasError as e:  # e.g. Gradio's launch self-check timing out under load
                out["serve"] = {"error": str(e)}
        say("threads: single-query encoding on 1 and all cores, quiet and beside a busy "
            "process...")
        out["oversubscription"] = startup_bench.measure_oversubscription(
            searcher, questions, cores.used, rounds=min(3, settings.rounds))

        say(f"index build: {settings.build_runs} builds of the report...")
        out["index_build"] = measure_index_build(spec, settings.build_runs)

        out["model_bench"] = None
        if settings.model_bench:
            say("model: conversion and load in fresh processes (tools/model_bench.py)...")
            out["model_bench"] = measure_model(spec)

        out["scale"] = None
        if settings.sizes:
            engines = ("embedded", "milvus") if settings.milvus else ("embedded",)
            say(f"scale curve: {', '.join(map(str, settings.sizes))} passages...")
            out["scale"] = scale_curve(list(settings.sizes), model=spec,
                                       index_dir=searcher.index_dir, engines=engines,
                                       n_queries=settings.scale_queries, hnsw=settings.hnsw,
                                       progress=progress)
        out["memory"]["bench_process_peak_mb"] = round(own_peak_mb(), 1)
        if "torch" in sys.modules:
            out["machine"]["torch_threads"] = sys.modules["torch"].get_num_threads()
        out["machine"]["load_average_end"] = _load()
    # The targets are about the real model; the hashing test embedder says nothing of them.
    out["targets"] = [t.check(out) for t in TARGETS] if spec != "hash" else []
    out["seconds"] = round(time.perf_counter() - t0, 1)
    return out


def scale_rows(out: dict) -> list[dict]:
    """One flat row per corpus size of the scale curve: the lexical engine the searcher picks
    at that size and the exact dense index (what the searcher uses below HNSW_FROM)."""
    rows = []
    for r in (out.get("scale") or {}).get("results", []):
        emb = r.get("embedded")
        if not emb:
            continue
        lex = emb["lexical"][emb["lexical_auto"]]
        flat = emb["dense"]["flat"]
        row = {"passages": r["passages"], "lexical_engine": emb["lexical_auto"],
               "lexical_build_s": lex["build_s"], "lexical_p50_ms": lex["p50_ms"],
               "lexical_p95_ms": lex["p95_ms"], "lexical_memory_mb": lex["memory_mb"],
               "dense_build_s": flat["build_s"],
               "dense_p50_ms": flat["all_scores"]["p50_ms"],
               "dense_p95_ms": flat["all_scores"]["p95_ms"], "dense_memory_mb": flat["memory_mb"]}
        if "milvus_lite" in r:
            row["milvus_hybrid_p50_ms"] = r["milvus_lite"]["hybrid"]["p50_ms"]
        rows.append(row)
    return rows


# -- rendering --------------------------------------------------------------------------------
def render_bench(out: dict) -> str:
    m, lat = out["machine"], out["latency"]
    lines = [f"bench ({out['when']}): {m['cores_used']} of {m['cpus']} cores, load "
             f"average {m['load_average_start']} at the start, {m['load_average_end']} at the "
             f"end; model {out['model']['name']}; {out['index']['passages']} passages",
             "",
             f"{lat['questions']} questions x {lat['rounds']} rounds, interleaved:",
             f"  {'':26}{'p50 ms':>9}{'p95 ms':>9}{'n':>6}"]
    for key, label in (("encode", "query encoding alone"), ("search", "search"),
                       ("ask", "ask")):
        s = lat[key]
        lines.append(f"  {label:26}{s['p50_ms']:>9.1f}{s['p95_ms']:>9.1f}{s['n']:>6}")
    parts = lat.get("search_parts_p50_ms") or {}
    if parts:
        lines.append("  inside search (p50): " + ", ".join(
            f"{k.removesuffix('_ms')} {v:.1f} ms" for k, v in parts.items()))
    r = out["ratios"]
    lines.append(f"  ratios of the p50s: search / encoding {r['search_over_encode']:.2f}, "
                 f"ask / search {r['ask_over_search']:.2f}")
    paired = lat.get("paired_ratio_p50")
    if paired:
        lines.append(f"  p50 of each question's own ratio: search / encoding "
                     f"{paired['search_over_encode']:.2f}, ask / search "
                     f"{paired['ask_over_search']:.2f}")
    lines += ["", f"one-shot commands (fresh processes, {out['cold_start']['n']} runs after one "
              f"unmeasured; threads {m.get('query_threads')}):"]
    shots = out.get("one_shot") or {"ask": out["cold_start"]}
    for key, label in (("search", "fahras search"), ("ask", "fahras ask (cold start to "
                       "first answer)"), ("bm25s_peer", "bm25s peer (the same passages)")):
        c = shots.get(key)
        if c:
            lines.append(f"  {label}: p50 {c['p50_s']:.2f} s, p95 {c['p95_s']:.2f} s; peak "
                         f"memory {c['peak_rss_mb']:.0f} MB")
    sv = out.get("serve")
    if sv and "error" in sv:
        lines.append(f"  fahras serve: not measured ({sv['error']})")
    elif sv:
        said = sv.get("server_says_p50") or {}
        parts = (f"; it says: index and model {said['index_and_model_s']:.1f} s, Gradio and "
                 f"the interface {said['gradio_and_interface_s']:.1f} s"
                 if len(said) == 2 else "")
        lines.append(f"  fahras serve to its first search result: p50 {sv['p50_s']:.2f} s, p95 "
                     f"{sv['p95_s']:.2f} s ({sv['n']} runs{parts})")
    ov = out.get("oversubscription")
    if ov:
        lines.append("single-query encoding, quiet and beside a CPU-bound process (p50 ms):")
        for key in sorted(k for k in ov if k.startswith("threads_")):
            t = ov[key]
            lines.append(f"  {key.split('_')[1]} thread(s): {t['quiet_p50_ms']:.1f} quiet, "
                         f"{t['busy_p50_ms']:.1f} busy ({t['busy_over_quiet']:.2f}x)")
    b = out["index_build"]
    lines.append(f"index build of the report ({b['passages']} passages, {b['sentences']} "
                 f"sentences; model loaded; {b['n']} runs): p50 {b['p50_s']:.2f} s, p95 "
                 f"{b['p95_s']:.2f} s")
    e = out["encoding"]
    lines.append(f"encoding throughput ({e['model']}, {e.get('threads')} threads): "
                 f"{e['passages_per_s']:.1f} passages/s ({e.get('passages_per_s_1_thread', 0):.1f}"
                 f" on 1 thread), {e['sentences_per_s'] or 0:.1f} sentences/s -> 100k passages "
                 f"with their sentences: about {e['estimate_100k_passages_h']:.1f} h")
    mem = out["memory"]
    lines.append(f"memory: this process {mem['bench_process_rss_mb']:.0f} MB after the queries "
                 f"(peak {mem['bench_process_peak_mb']:.0f} MB, scale runs included)")
    mb = out.get("model_bench")
    if mb:
        conv = (f"conversion {mb['conversion_s']:.1f} s, second resolve "
                f"{mb['second_resolve_ms']:.1f} ms, " if "conversion_s" in mb else "")
        lines.append(f"model (tools/model_bench.py): {conv}import {mb['import_s']:.1f} s, load "
                     f"{mb['load_s']:.1f} s, query p50 {mb['query_p50_ms']:.1f} ms")
    rows = scale_rows(out)
    if rows:
        lines += ["", "scale (synthetic corpora; lexical: the BM25 engine chosen at that size; "
                  "dense: exact FAISS, scoring every passage):",
                  f"  {'passages':>9}{'engine':>11}{'lex build s':>13}{'lex p50 ms':>12}"
                  f"{'lex MB':>9}{'dense build s':>15}{'dense p50 ms':>14}{'dense MB':>10}"]
        for row in rows:
            lines.append(f"  {row['passages']:>9,}{row['lexical_engine']:>11}"
                         f"{row['lexical_build_s']:>13.2f}{row['lexical_p50_ms']:>12.2f}"
                         f"{row['lexical_memory_mb']:>9.1f}{row['dense_build_s']:>15.2f}"
                         f"{row['dense_p50_ms']:>14.2f}{row['dense_memory_mb']:>10.1f}")
    targets = [t for t in out["targets"] if t["met"] is not None]
    if targets:
        lines += ["", "Targets:"]
        for t in targets:
            lines.append(f"  {'met   ' if t['met'] else 'MISSED'} {t['issue']}: {t['what']} "
                         f"{t['target']} (got {t['value']:g})")
    lines += ["", f"({out['seconds']:.0f} s in all; the machine may be shared: compare ratios, "
              "quote medians)"]
    return "\n".join(lines)


def settings_from(quick: bool = False, **overrides) -> Settings:
    """The quick or default settings with the options given (None: keep)."""
    base = QUICK if quick else DEFAULT
    return replace(base, **{k: v for k, v in overrides.items() if v is not None})


# -- command line ----------------------------------------------------------------------------
EPILOG = """\
examples (from the repository root):
  python tools/bench.py                          # a few minutes; docs/evaluation.md quotes it
  python tools/bench.py --quick --json           # one to two minutes (the notebook runs it in CI)
  python tools/bench.py --sizes 1000,10000,100000 --hnsw   # the scale curve to 100k (add --milvus)

Medians (p50) and p95 over repeated runs, on 2 cores by default, of: query encoding alone,
search, ask (interleaved), their ratios; fresh `fahras search` and `fahras ask` processes
(launch to exit, peak memory) beside a plain bm25s script over the same passages; `fahras
serve` to its first answer; single-query encoding on 1 and 2 threads, quiet and beside a
CPU-bound process; the index build of the report; the model's encoding throughput (all cores
and 1 thread); conversion and load (tools/model_bench.py); and how build time, latency and
memory grow on synthetic corpora.
"""


def _sizes(text: str) -> tuple[int, ...]:
    import argparse

    try:
        sizes = tuple(int(s.replace("_", "")) for s in text.split(",") if s.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a comma-separated list of numbers: {text!r}")
    if any(n < 10 for n in sizes):
        raise argparse.ArgumentTypeError("corpus sizes are numbers of passages, at least 10")
    return sizes


def build_parser():
    import argparse

    from fahras.cli.parser import common_options, thread_count

    p = argparse.ArgumentParser(
        prog="python tools/bench.py", epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Measure Fahras's speed and memory (latency, cold start, index build, "
                    "scale curve).")
    p.add_argument("--quick", action="store_true",
                   help="fewer runs, encoding throughput on a sample, sizes 1k and 10k, no model "
                   "conversion (one to two minutes)")
    p.add_argument("--sizes", type=_sizes, metavar="N,N,...",
                   help="scale-curve corpus sizes in passages (default 1000,10000,30000; "
                   "100000 takes a few minutes more)")
    p.add_argument("--rounds", type=int, help="passes over the questions (default 5; quick 3)")
    p.add_argument("--runs", type=int, help="cold starts and index builds (default 3; quick 1)")
    p.add_argument("--cores", type=int, help="CPU cores to run on (default 2)")
    p.add_argument("--queries", metavar="FILE",
                   help="questions to time, one per line (default: a built-in mixed set)")
    p.add_argument("--hnsw", action="store_true", help="scale curve: also HNSW (slow to build)")
    p.add_argument("--milvus", action="store_true", help="scale curve: also Milvus Lite")
    p.add_argument("--no-model-bench", action="store_true",
                   help="skip the model's conversion and load figures (tools/model_bench.py)")
    p.add_argument("--no-serve", action="store_true",
                   help="skip the start-up of fahras serve to its first answer")
    p.add_argument("--threads", type=thread_count, metavar="N",
                   help="threads that encode one query in the measured commands (default: "
                   "FAHRAS_THREADS, else OMP_NUM_THREADS, else 1)")
    common_options(p)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    from fahras.cli.commands import read_queries
    from fahras.cli.render import print_json, terminal_safe

    args = build_parser().parse_args(argv)
    settings = settings_from(args.quick, rounds=args.rounds, cold_runs=args.runs,
                             build_runs=args.runs, sizes=args.sizes, cores=args.cores,
                             hnsw=args.hnsw or None, milvus=args.milvus or None,
                             model_bench=False if args.no_model_bench else None,
                             serve=False if args.no_serve else None, threads=args.threads)
    try:
        questions = read_queries(args.queries) if args.queries else None
        out = run_bench(args.index, model=args.model, settings=settings, questions=questions,
                        progress=sys.stderr.isatty())
    except FahrasError as e:
        print(f"bench: error: {terminal_safe(str(e))}", file=sys.stderr)
        return e.exit_code
    if args.json or not sys.stdout.isatty():
        print_json(out)
    else:
        print(terminal_safe(render_bench(out)))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
