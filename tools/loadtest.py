"""A load test of a running ``fahras serve`` through its HTTP API.

    python tools/loadtest.py --url http://127.0.0.1:7860 --clients 8 --requests 300 --json

``--clients`` threads send ``--requests`` requests in all, a fixed mix of ``/search`` and
``/ask`` calls (half each by default) with Arabic and English questions, each the way a
program calls the API: ``POST /gradio_api/call/<name>``, then read the event stream. A request
counts as an error unless it completes with passages and echoes its own query (a reply meant
for another client would be caught). It stops by itself: after the last request, or at
``--deadline`` seconds (requests not sent by then are errors). Prints latency percentiles
(p50, p95, p99, max) overall, per endpoint and per language; exits 1 if any request failed.
Standard library only: it can run from any machine that has Python.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import threading
import time
import urllib.error
import urllib.request

QUESTIONS = (
    ("ar", "ما دور القنصليات في حماية المهاجرين؟"),
    ("en", "Who opened the meeting?"),
    ("ar", "حماية الأطفال المهربين"),
    ("en", "search and rescue at sea"),
    ("ar", "التوصية 8"),
    ("en", "protection of smuggled children"),
    ("ar", "من افتتح الاجتماع؟"),
    ("en", "role of consular officials"),
    ("ar", "تبادل المعلومات بين الدول عن المهربين"),
    ("en", "When was the report adopted?"),
    ("ar", "متى اعتمد التقرير؟"),
    ("en", "information sharing between States"),
)


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (``q`` in 0..1) of ``values``; 0 for none."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def summary(values: list[float]) -> dict:
    return {"n": len(values), "p50_ms": round(percentile(values, 0.5), 1),
            "p95_ms": round(percentile(values, 0.95), 1),
            "p99_ms": round(percentile(values, 0.99), 1),
            "max_ms": round(max(values), 1) if values else 0.0,
            "mean_ms": round(sum(values) / len(values), 1) if values else 0.0}


def plan(n: int, ask_share: float, seed: int = 0) -> list[tuple[str, str, str]]:
    """The requests, in order: (endpoint, language, question). Deterministic: the questions in
    turn, each request an /ask with probability ``ask_share`` (a seeded draw)."""
    import random

    rng = random.Random(seed)
    out = []
    for i in range(n):
        lang, question = QUESTIONS[i % len(QUESTIONS)]
        out.append(("ask" if rng.random() < ask_share else "search", lang, question))
    return out


def call_event(url: str, api: str, data: list, timeout: float) -> tuple[str, object]:
    """POST ``data`` to the endpoint ``api``, then read its event stream: (event, data) of the
    ``complete`` or ``error`` event (raises on any other failure)."""
    body = json.dumps({"data": data}).encode("utf-8")
    req = urllib.request.Request(f"{url}/gradio_api/call/{api}", data=body,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        event_id = json.loads(r.read())["event_id"]
    with urllib.request.urlopen(f"{url}/gradio_api/call/{api}/{event_id}",
                                timeout=timeout) as r:
        stream = r.read().decode("utf-8")
    event = None
    for line in stream.splitlines():
        if line.startswith("event: "):
            event = line[len("event: "):]
        elif line.startswith("data: ") and event in ("complete", "error"):
            return event, json.loads(line[len("data: "):])
    raise RuntimeError(f"no result in the event stream: {stream[:200]!r}")


def call(url: str, api: str, question: str, timeout: float) -> dict:
    """One API call, as a program makes it; the decoded result (raises on any failure)."""
    data = [question, 3, None, None, "hybrid"] if api == "search" else [question, 3, None, None]
    event, payload = call_event(url, api, data, timeout)
    if event == "error":
        raise RuntimeError(f"error event: {payload}")
    return payload[0]


def check(result: dict, question: str) -> None:
    if not isinstance(result, dict) or result.get("query") != question.strip():
        raise RuntimeError(f"a reply for another request: {str(result)[:120]}")
    if not result.get("hits"):
        raise RuntimeError("no passages in the reply")


def run(url: str, clients: int = 8, requests: int = 300, ask_share: float = 0.5,
        timeout: float = 60.0, deadline: float = 600.0) -> dict:
    """Run the load test; returns the report (see the module docstring)."""
    url = url.rstrip("/")
    todo = plan(requests, ask_share)
    lock = threading.Lock()
    next_index = [0]
    results: list[dict] = []
    t0 = time.perf_counter()

    def client() -> None:
        while True:
            with lock:
                i = next_index[0]
                if i >= len(todo) or time.perf_counter() - t0 > deadline:
                    return
                next_index[0] += 1
            api, lang, question = todo[i]
            start = time.perf_counter()
            error = None
            try:
                check(call(url, api, question, timeout), question)
            except (OSError, ValueError, KeyError, RuntimeError, urllib.error.URLError) as e:
                error = f"{type(e).__name__}: {e}"[:300]
            elapsed = (time.perf_counter() - start) * 1000
            with lock:
                results.append({"i": i, "api": api, "lang": lang, "ms": elapsed, "error": error})

    threads = [threading.Thread(target=client, daemon=True) for _ in range(max(1, clients))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(deadline + 2 * timeout)
    wall = time.perf_counter() - t0
    ok = [r for r in results if r["error"] is None]
    errors = [r for r in results if r["error"] is not None]
    not_sent = requests - len(results)
    report = {
        "url": url, "clients": clients, "requests": requests, "ask_share": ask_share,
        "completed": len(ok), "errors": len(errors) + not_sent, "not_sent": not_sent,
        "error_examples": [r["error"] for r in errors[:5]],
        "wall_s": round(wall, 2),
        "throughput_rps": round(len(results) / wall, 2) if wall > 0 else 0.0,
        "latency": summary([r["ms"] for r in ok]),
        "by_api": {api: summary([r["ms"] for r in ok if r["api"] == api])
                   for api in ("search", "ask")},
        "by_lang": {lang: summary([r["ms"] for r in ok if r["lang"] == lang])
                    for lang in ("ar", "en")},
    }
    return report


def render(report: dict) -> str:
    lines = [f"{report['requests']} requests from {report['clients']} clients to "
             f"{report['url']} in {report['wall_s']} s ({report['throughput_rps']} req/s): "
             f"{report['completed']} completed, {report['errors']} errors"]
    rows = [("all", report["latency"])] + [(k, v) for k, v in report["by_api"].items()] + \
        [(k, v) for k, v in report["by_lang"].items()]
    lines.append(f"{'':8} {'n':>5} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for name, s in rows:
        lines.append(f"{name:8} {s['n']:>5} {s['p50_ms']:>8} {s['p95_ms']:>8} {s['p99_ms']:>8} "
                     f"{s['max_ms']:>8}")
    lines.extend(f"error: {e}" for e in report["error_examples"])
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python tools/loadtest.py",
                                description="Load-test a running `fahras serve` through its "
                                            "HTTP API (search and ask, Arabic and English).")
    p.add_argument("--url", default="http://127.0.0.1:7860", help="the server (default "
                   "http://127.0.0.1:7860)")
    p.add_argument("--clients", type=int, default=8, help="concurrent clients (default 8)")
    p.add_argument("--requests", type=int, default=300, help="requests in all (default 300)")
    p.add_argument("--ask-share", type=float, default=0.5,
                   help="share of /ask calls, the rest /search (default 0.5)")
    p.add_argument("--timeout", type=float, default=60.0, help="seconds per request (60)")
    p.add_argument("--deadline", type=float, default=600.0,
                   help="stop sending after this many seconds (600)")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    args = p.parse_args(argv)
    if args.clients < 1 or args.requests < 1 or not 0 <= args.ask_share <= 1:
        p.error("--clients and --requests must be at least 1, --ask-share within 0..1")
    report = run(args.url, args.clients, args.requests, args.ask_share, args.timeout,
                 args.deadline)
    print(json.dumps(report, ensure_ascii=False) if args.json else render(report))
    return 0 if report["errors"] == 0 else 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
