"""Start-up figures for ``python tools/bench.py``: what a user waits for at a terminal.

- **one-shot commands**: a fresh ``fahras search`` and ``fahras ask`` process, from launch to
  exit, and its peak memory (the process's own ``VmHWM``, `bench_measure.run_child` (tools/bench_measure.py));
- **the same for a plain BM25 peer**: :data:`PEER_QUERY`, a few lines of bm25s over the same
  passages, its index saved to disk beforehand as Fahras's is -- the reference point of a
  one-shot lexical search in Python;
- **server start-up**: ``fahras serve`` launched, then one search sent to its HTTP API until
  the first result comes back;
- **oversubscription**: single-query encoding latency on 1 and on all cores' worth of threads,
  on a quiet machine and beside a CPU-bound process, to show why one thread is the default.

Each fresh process runs once unmeasured first (Python writes its bytecode caches, the files
reach the page cache: the state of a machine where Fahras has run before), then ``runs``
times. The children run with the product's defaults: the bench's own thread settings
(``OMP_NUM_THREADS``, ``FAHRAS_THREADS``) are removed unless ``threads`` is given.
"""

from __future__ import annotations

import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Sequence
from pathlib import Path

from fahras.errors import FahrasError

SEARCH_QUERY = "ما دور القنصليات؟"
STARTED = re.compile(r"index and model ([\d.]+) s, Gradio and the interface ([\d.]+) s")
SERVE_TIMEOUT_S = 300
THREAD_VARS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "FAHRAS_THREADS")

#: The peer: bm25s (its own tokenizer and stemmer-free defaults) over the index's passages.
PEER_BUILD = """
import json, sys, bm25s
passages = json.load(open(sys.argv[1], encoding="utf-8"))
retriever = bm25s.BM25()
retriever.index(bm25s.tokenize([p["text"] for p in passages], show_progress=False),
                show_progress=False)
retriever.save(sys.argv[2])
json.dump([p["id"] for p in passages], open(sys.argv[2] + "/ids.json", "w"))
"""
PEER_QUERY = """
import json, sys, bm25s
retriever = bm25s.BM25.load(sys.argv[1], mmap=True)
ids = json.load(open(sys.argv[1] + "/ids.json"))
docs, scores = retriever.retrieve(bm25s.tokenize([sys.argv[2]], show_progress=False), k=10,
                                  show_progress=False)
print(json.dumps([ids[int(i)] for i in docs[0]]))
"""


def child_env(threads: int | None = None, **extra: str) -> dict:
    """The environment of a measured child: the product's defaults, bytecode caches on."""
    env = {k: v for k, v in os.environ.items()
           if k not in THREAD_VARS and k != "PYTHONDONTWRITEBYTECODE"}
    if threads:
        env["FAHRAS_THREADS"] = str(threads)
    env.update(extra)
    return env


def one_shot(cmd: Sequence[str], runs: int, env: dict, check=None) -> dict:
    """A fresh process ``runs`` times (after one unmeasured run): wall and peak memory."""
    from bench_measure import run_child, summarize

    walls, peaks = [], []
    for i in range(runs + 1):
        wall, peak, code, out, err = run_child(cmd, env=env)
        if code != 0:
            tail = (err.strip().splitlines() or ["no output"])[-1]
            raise FahrasError("bench_one_shot_failed", command=" ".join(cmd[2:4]), code=code,
                              detail=tail)
        if check is not None:
            check(out)
        if i:
            walls.append(wall)
            peaks.append(peak)
    return {**summarize(walls, "s"), "peak_rss_mb": round(max(peaks), 1)}


def measure_one_shots(index_dir: Path, model: str, runs: int, question: str,
                      threads: int | None = None) -> dict:
    """Fresh ``fahras search`` and ``fahras ask`` processes, and the bm25s peer."""
    env = child_env(threads)
    base = ["--json", "--index", str(index_dir), "--model", model]
    found: list[bool] = []

    def hits(out: str) -> None:
        if not json.loads(out.strip().splitlines()[-1]).get("hits"):
            raise FahrasError("bench_one_shot_empty")

    def answered(out: str) -> None:
        found.append(bool(json.loads(out.strip().splitlines()[-1]).get("found")))

    fahras = [sys.executable, "-m", "fahras"]
    search = one_shot(fahras + ["search", SEARCH_QUERY, *base], runs, env, hits)
    search.update(command="fahras search QUERY --json", query=SEARCH_QUERY)
    ask = one_shot(fahras + ["ask", question, *base], runs, env, answered)
    ask.update(command="fahras ask QUESTION --json", question=question, found=all(found))
    return {"search": search, "ask": ask, "bm25s_peer": measure_peer(index_dir, runs, env),
            "threads": threads or "default"}


def measure_peer(index_dir: Path, runs: int, env: dict) -> dict:
    """The bm25s peer over the passages of the index at ``index_dir``."""
    from fahras.index import store

    gen, _ = store.read_manifest(index_dir)
    with tempfile.TemporaryDirectory(prefix="fahras-bench-bm25s-") as tmp:
        build = subprocess.run([sys.executable, "-c", PEER_BUILD, str(gen / "passages.json"),
                                tmp], capture_output=True, text=True, env=env, timeout=600)
        if build.returncode != 0:
            raise FahrasError("bench_peer_failed",
                              detail=(build.stderr.strip().splitlines() or ['?'])[-1])
        out = one_shot([sys.executable, "-c", PEER_QUERY, tmp, SEARCH_QUERY], runs, env)
    return {**out, "command": "python -c PEER_QUERY (bm25s, index saved beforehand)"}


# -- the server ------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _first_result(port: int, query: str) -> bool:
    """One search through the API; True when its result came back."""
    base = f"http://127.0.0.1:{port}/gradio_api/call/search"
    body = json.dumps({"data": [query, 3, None, None, "hybrid"]}).encode()
    req = urllib.request.Request(base, data=body, headers={"Content-Type": "application/json"})
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback only
    with opener.open(req, timeout=30) as r:
        event = json.load(r)["event_id"]
    with opener.open(f"{base}/{event}", timeout=60) as r:
        return b"event: complete" in r.read()


def measure_serve(index_dir: Path, model: str, runs: int, threads: int | None = None) -> dict:
    """``fahras serve`` from launch to its first search result, ``runs`` times (after one
    unmeasured start)."""
    from bench_measure import summarize

    env = child_env(threads, GRADIO_ANALYTICS_ENABLED="False")
    walls: list[float] = []
    phases: dict[str, list[float]] = {"index_and_model_s": [], "gradio_and_interface_s": []}
    for i in range(runs + 1):
        port = free_port()
        cmd = [sys.executable, "-m", "fahras", "serve", "--port", str(port), "--index",
               str(index_dir), "--model", model]
        t = time.perf_counter()
        log = tempfile.TemporaryFile()
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.PIPE,
                                stdin=subprocess.DEVNULL, env=env)
        try:
            while True:
                if proc.poll() is not None:
                    tail = (proc.stderr.read().decode("utf-8", "replace").strip().splitlines()
                            or ["no output"])[-1]
                    raise FahrasError("bench_serve_exited", code=proc.returncode, detail=tail)
                if time.perf_counter() - t > SERVE_TIMEOUT_S:
                    raise FahrasError("bench_serve_timeout", seconds=SERVE_TIMEOUT_S)
                try:
                    if _first_result(port, SEARCH_QUERY):
                        break
                except OSError:
                    pass  # not listening yet
                time.sleep(0.05)
            if i:
                walls.append(time.perf_counter() - t)
                log.seek(0)
                said = STARTED.search(log.read().decode("utf-8", "replace"))
                if said:
                    phases["index_and_model_s"].append(float(said.group(1)))
                    phases["gradio_and_interface_s"].append(float(said.group(2)))
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            log.close()
    # What the server itself says it spent (its "Started in ..." line), p50 of the runs.
    said = {k: round(statistics.median(v), 2) for k, v in phases.items() if v}
    return {"command": "fahras serve, then one search through its API", **summarize(walls, "s"),
            "server_says_p50": said}


# -- threads ---------------------------------------------------------------------------------
BUSY = "while True: pass"


def measure_oversubscription(searcher, questions: Sequence[str], cores: int,
                             rounds: int = 3) -> dict | None:
    """Single-query encoding p50 on 1 and ``cores`` threads, quiet and beside one CPU-bound
    process (None when the searcher's model has no ONNX export)."""
    from fahras.index.onnx_encoder import OnnxEncoder
    from bench_measure import summarize

    folder = getattr(searcher.embedder, "folder", None)
    if folder is None:
        return None
    counts = sorted({1, max(1, cores)})
    encoders = {n: OnnxEncoder(folder, threads=n, prepack=True) for n in counts}

    def p50s() -> dict:
        times: dict[int, list[float]] = {n: [] for n in counts}
        for enc in encoders.values():
            enc.encode(questions[:2], prompt="query")  # warm-up
        for _ in range(rounds):
            for q in questions:
                for n, enc in encoders.items():  # interleaved: the same load on each
                    t = time.perf_counter()
                    enc.encode([q], prompt="query")
                    times[n].append((time.perf_counter() - t) * 1000)
        return {n: summarize(v, keep=False) for n, v in times.items()}

    quiet = p50s()
    busy_proc = subprocess.Popen([sys.executable, "-c", BUSY], stdin=subprocess.DEVNULL)
    try:
        time.sleep(0.5)
        busy = p50s()
    finally:
        busy_proc.kill()
        busy_proc.wait()
    out = {"queries": len(questions) * rounds, "busy": "one CPU-bound process (python)"}
    for n in counts:
        q, b = quiet[n]["p50_ms"], busy[n]["p50_ms"]
        out[f"threads_{n}"] = {"quiet_p50_ms": q, "busy_p50_ms": b,
                               "quiet_p95_ms": quiet[n]["p95_ms"],
                               "busy_p95_ms": busy[n]["p95_ms"],
                               "busy_over_quiet": round(b / q, 2) if q else None}
    return out
