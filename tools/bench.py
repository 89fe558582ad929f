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
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from fahras.errors import FahrasError, UsageError
from fahras.memory import own_peak_mb, rss_mb

# The question asked by the cold-start runs (answerable: the report names who opened it).
COLD_QUESTION = "Who opened the meeting?"


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

# The measurements (tools/bench_measure.py); summarize, run_child and evenly are re-exported for
# the tests and tools/startup_bench.py.
from bench_measure import (  # noqa: E402
    _Cores, _environment, _load, evenly, measure_encoding, measure_index_build, measure_latency,
    measure_model, run_child, summarize,
)
from bench_render import render_bench, scale_rows  # noqa: E402

__all__ = ["Settings", "Target", "TARGETS", "run_bench", "render_bench", "scale_rows",
           "settings_from", "main", "evenly", "run_child", "summarize"]


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
