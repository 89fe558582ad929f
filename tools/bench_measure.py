"""The measurements of ``python tools/bench.py`` (tools/bench.py composes them and renders the
report): percentiles, a child process's wall time and peak memory, CPU pinning, warm latency,
index builds and encoding throughput.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from fahras.memory import peak_mb

CHILD_TIMEOUT_S = 600
PEAK_POLL_S = 0.01  # how often a child's peak memory is read (run_child)


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
    parts: dict[str, list[float]] = {"encode_ms": [], "lexical_ms": [], "dense_ms": [],
                                     "late_ms": []}  # late: an index with token states only
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
