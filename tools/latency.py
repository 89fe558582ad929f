"""How long ``ask`` takes next to ``search``, measured in one run.

    python tools/latency.py                 # built-in questions, 5 rounds
    python tools/latency.py --queries questions.txt --rounds 3 --json

The machine may be shared, so the two are measured interleaved (search then ask for one
question, ask then search for the next) after a warm-up, and the figures are medians: p50 of
each and their ratio. ``--threads`` sets torch's threads (default 2, the target machine's
cores).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

QUESTIONS = (
    "أين عقد الاجتماع الحادي عشر للفريق العامل؟",
    "من افتتح اجتماع الفريق العامل؟",
    "متى عقد الاجتماع الأول للفريق العامل؟",
    "ما البرنامج الذي استخدم في الفلبين لحماية المهاجرين المهربين؟",
    "ما هي ميزانية الفريق العامل؟",
    "حماية الأطفال المهربين",
    "Who opened the meeting?",
    "In which city was the eleventh meeting held?",
    "Which chapters of the report were adopted?",
    "How many countries take part in the Task Force Western Balkans?",
    "What is the weather like in Vienna in July?",
    "search and rescue at sea",
)


def measure(searcher, questions, rounds: int = 5, k: int = 5) -> dict:
    """Medians (ms) of ``search`` and ``ask`` over ``rounds`` passes on ``questions``."""
    searcher.warm_up()
    for q in questions[:3]:  # first calls pay for lazy imports and caches
        searcher.search(q, k)
        searcher.ask(q, k)
    times: dict[str, list[float]] = {"search": [], "ask": []}
    calls = {"search": searcher.search, "ask": searcher.ask}
    for r in range(rounds):
        for i, q in enumerate(questions):
            order = ("search", "ask") if (i + r) % 2 == 0 else ("ask", "search")
            for name in order:
                t0 = time.perf_counter()
                calls[name](q, k)
                times[name].append((time.perf_counter() - t0) * 1000)
    search, ask = statistics.median(times["search"]), statistics.median(times["ask"])
    return {"queries": len(questions), "rounds": rounds, "search_p50_ms": round(search, 3),
            "ask_p50_ms": round(ask, 3), "ratio": round(ask / search, 3)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python tools/latency.py",
                                 description=__doc__.split("\n\n")[0])
    ap.add_argument("--queries", type=Path, help="one question per line (default: built-in)")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2, help="torch threads (default 2)")
    ap.add_argument("--index", type=Path)
    ap.add_argument("--model")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)

    import torch

    torch.set_num_threads(args.threads)
    from fahras.retrieval.searcher import Searcher

    questions = QUESTIONS
    if args.queries:
        lines = args.queries.read_text(encoding="utf-8").splitlines()
        questions = tuple(line.strip() for line in lines if line.strip())
    result = measure(Searcher.open(args.index, model=args.model), questions, args.rounds)
    result["threads"] = args.threads
    if args.json:
        print(json.dumps(result))
    else:
        print(f"{result['queries']} questions x {result['rounds']} rounds, "
              f"{args.threads} threads: search p50 {result['search_p50_ms']} ms, "
              f"ask p50 {result['ask_p50_ms']} ms, ratio {result['ratio']}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
