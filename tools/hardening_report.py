"""The hardening table of docs/hardening.md, rendered from the ledger the tests write.

    python -m pytest                                   # writes artifacts/hardening.json
    python tools/hardening_report.py                   # prints the table
    python tools/hardening_report.py --write docs/hardening.md

The tests record what they tried and what happened (tests/hardening_ledger.py); this module only
counts those rows, so every figure of the table comes from a test run anyone can repeat. A row
whose tests did not all pass says so instead of giving a figure.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

BEGIN = ("<!-- hardening-table:begin "
         "(python tools/hardening_report.py --write docs/hardening.md) -->")
END = "<!-- hardening-table:end -->"
DEFAULT_LEDGER = Path("artifacts") / "hardening.json"


def _rows(ledger: dict, section: str, **match) -> tuple[list[dict], list[dict]]:
    """The rows of ``section`` (with the values of ``match``) and the tests that recorded
    them."""
    rows, tests = [], []
    for entry in ledger.get("tests", {}).values():
        mine = [r for r in entry.get("rows", []) if r.get("section") == section
                and all(r.get(k) == v for k, v in match.items())]
        if mine:
            rows.extend(mine)
            tests.append(entry)
    return rows, tests


def _status(tests: list[dict]) -> str | None:
    bad = [t for t in tests if t.get("outcome") != "passed"]
    if not tests:
        return "not run"
    if bad:
        return f"NOT PASSED: {len(bad)} of {len(tests)} tests ({bad[0].get('outcome')})"
    return None


def figures(ledger: dict) -> list[dict]:
    """One dict per table row: what, tried, result, command, tests, run (commit, date)."""
    out = []

    def row(what, section, tried, result, command, **match):
        rows, tests = _rows(ledger, section, **match)
        status = _status(tests)
        commits = sorted({t.get("commit") or "?" for t in tests})
        dates = sorted(t.get("ran", "?")[:10] for t in tests)
        out.append({
            "what": what, "tried": tried(rows) if rows else "-",
            "result": status or result(rows), "command": command, "tests": len(tests),
            "commit": ", ".join(commits) if tests else "-",
            "ran": dates[-1] if dates else "-",
        })

    def n_inputs(rows):
        names = {r["input"] for r in rows}
        surfaces = {r["surface"] for r in rows}
        return f"{len(rows)} runs: {len(names)} inputs × {len(surfaces)} surfaces"

    row("Bad input (library, web view, CLI, argv bytes, --queries files, HTTP API)", "input",
        n_inputs,
        lambda rows: (f"crashes {sum(bool(r.get('crash')) for r in rows)}, "
                      f"hangs {sum(bool(r.get('hang')) for r in rows)}; "
                      f"{sum(r.get('outcome') == 'result' for r in rows)} results, "
                      f"{sum(r.get('outcome') == 'error' for r in rows)} one-line errors"),
        "python -m pytest tests/test_bad_input.py; "
        "python -m pytest tests/test_hardening_live.py -k http_api")
    row("Properties (hypothesis)", "property",
        lambda rows: f"{len(rows)} properties, {sum(r['examples'] for r in rows)} examples",
        lambda rows: f"failures {sum(r['failures'] for r in rows)}",
        "python -m pytest tests/test_properties.py")
    row("Injection (`<script>`, `<img onerror>`, formulas... through search, ask, highlight, "
        "export)", "injection",
        lambda rows: (f"{len(rows)} payload × surface pairs "
                      f"({len({r['payload'] for r in rows})} payloads, "
                      f"{len({r['surface'] for r in rows})} surfaces)"),
        lambda rows: f"rendered as markup {sum(bool(r['rendered_as_markup']) for r in rows)}",
        "python -m pytest tests/test_injection.py")
    row("Damaged index files (missing, empty, truncated, flipped bit, garbage...)", "corrupt",
        lambda rows: f"{len(rows)} damages of {len({r['target'] for r in rows})} files",
        lambda rows: (f"detected {sum(bool(r['detected']) for r in rows)} of {len(rows)}: "
                      f"{sum(r.get('hint') is True for r in rows)} refused with the rebuild "
                      f"hint, {sum(r.get('hint') is None for r in rows)} caches rebuilt, "
                      "not trusted"),
        "python -m pytest tests/test_broken_files.py")
    row("Corpus files that cannot be read (empty, not UTF-8, ...)", "corpus",
        lambda rows: f"{len(rows)} files",
        lambda rows: f"refused with a message {sum(bool(r['refused']) for r in rows)}",
        "python -m pytest tests/test_broken_files.py -k corpus")

    def kills(target):
        def tried(rows):
            stages = [r["stage"] for r in rows if r.get("killed")]
            return f"SIGKILL at {len(stages)} points: {', '.join(stages)}"
        return tried

    row("Killed `fahras index` rebuild", "kill", kills("fahras index"),
        _index_kills, "python -m pytest tests/test_crash_safety.py -k rebuild",
        target="fahras index")
    row("Killed one-time model conversion", "kill", kills("model conversion"),
        _model_kills,
        "python -m pytest tests/test_crash_safety.py tests/test_model.py "
        "-k 'killed and conversion'",
        target="model conversion")
    row("Load on `fahras serve` (127.0.0.1)", "load",
        lambda rows: "; ".join(f"{r['clients']} clients, {r['requests']} requests "
                               f"(half /search, half /ask)" for r in rows),
        lambda rows: "; ".join(f"errors {r['errors']}, p50 {r['p50_ms']:.0f} ms, "
                               f"p95 {r['p95_ms']:.0f} ms, max {r['max_ms']:.0f} ms, "
                               f"{r['throughput_rps']} req/s" for r in rows),
        "python -m pytest tests/test_hardening_live.py -k load")
    row("Full queue (`fahras serve --concurrency 1 --max-queue 1`)", "queue",
        lambda rows: "; ".join(f"{r['clients']} clients at once" for r in rows),
        lambda rows: "; ".join(f"answered {r['answered']}, refused at once with 'queue full' "
                               f"{r['refused_queue_full']}, other errors {r['errors']}"
                               for r in rows),
        "python -m pytest tests/test_hardening_live.py -k full_queue")
    row("No network (search, ask, serve under an outbound guard)", "network",
        lambda rows: ", ".join(r["command"] for r in rows),
        lambda rows: (f"attempts {sum(r.get('attempts', 0) for r in rows if 'attempts' in r)}; "
                      + "; ".join(f"positive control: {r['attempts_recorded']} attempts "
                                  "recorded and refused" for r in rows
                                  if r["command"] == "positive control")),
        "python -m pytest tests/test_hardening_live.py -k 'network or guard'")
    row("Address `fahras serve` listens on by default", "listen",
        lambda rows: "fahras serve (no --host)",
        lambda rows: ", ".join(a for r in rows for a in r["addresses"]),
        "python -m pytest tests/test_hardening_live.py -k listens")
    row("Two processes changing one index at the same moment (no stagger)", "concurrent",
        lambda rows: "; ".join(f"`{r['race']}`" for r in rows),
        lambda rows: (f"changes kept {sum(r['changes_kept'] for r in rows)}, lost "
                      f"{sum(r['changes_lost'] for r in rows)}; every process exit 0: "
                      f"{'yes' if all(r['both_exit_0'] for r in rows) else 'no'}"),
        "python -m pytest tests/test_concurrent_index.py")
    row("File-system states, as a user without root's override (unreadable files and "
        "folders, read-only home, `.lock` a folder, `index` a file, FIFOs)", "fs",
        lambda rows: (f"{len(rows)} runs: {len({r['state'] for r in rows})} states × "
                      f"{len({r['command'] for r in rows})} commands"),
        lambda rows: (f"one-line error and exit 1: {sum(r['one_line'] and r['exit'] == 1 for r in rows)} "
                      f"of {len(rows)}; tracebacks 0, hangs 0; slowest "
                      f"{max(r['seconds'] for r in rows):.1f} s"),
        "python -m pytest tests/test_fs_states.py")
    row("Model folder changed after its conversion", "model",
        lambda rows: ", ".join(r["tampering"] for r in rows),
        lambda rows: (f"refused with one line naming the file: "
                      f"{sum(bool(r['refused']) for r in rows)} of {len(rows)}"),
        "python -m pytest tests/test_model_integrity.py")
    row("Cost of one query, passage or document", "cost",
        lambda rows: "; ".join(r["case"] for r in rows),
        lambda rows: "; ".join(_cost(r) for r in rows),
        "python -m pytest tests/test_costs.py")
    row("`fahras serve` against a careful attacker (127.0.0.1)", "server",
        lambda rows: "; ".join(f"{r['finding']}: {r['check']}" for r in rows),
        lambda rows: "; ".join(r["result"] for r in rows),
        "python -m pytest tests/test_server_guard.py")
    row("Memory of `fahras serve` over API calls (hashing model)", "memory",
        lambda rows: "; ".join(f"{r['calls']} calls after {r['warm_up']} warm-up; "
                               f"{r['unread']} results never read" for r in rows),
        lambda rows: "; ".join(f"RSS {r['rss_before_mb']} -> {r['rss_after_mb']} MB "
                               f"(+{r['growth_mb']} MB, limit 50); unread results "
                               f"+{r['unread_growth_mb']} MB, the oldest expired"
                               for r in rows),
        "python -m pytest tests/test_server_guard.py -k memory")
    row("Smaller ones", "small",
        lambda rows: "; ".join(sorted({r["finding"] for r in rows})),
        lambda rows: f"fixed on {len(rows)} of {len(rows)} surfaces",
        "python -m pytest tests/test_bad_input.py -k 'bidi or unknown_parts'")
    return out


def _cost(r: dict) -> str:
    if r.get("refused"):
        return f"refused with one line in {r['seconds']:.1f} s"
    return (f"{r['ms']} ms, {r['ratio']:.2f}x {r['baseline']} "
            f"({r['baseline_ms']} ms; limit 5x)")


def _index_kills(rows: list[dict]) -> str:
    old = sum(bool(r.get("old_intact")) for r in rows)
    new = sum(r.get("answers", "").startswith("new") for r in rows)
    ok = sum(bool(r.get("loads")) and bool(r.get("next_build_ok")) for r in rows)
    return (f"survived {ok} of {len(rows)}: old index intact and answering identically "
            f"{old}, new index complete {new} (killed after the switch); next build ok {ok}")


def _model_kills(rows: list[dict]) -> str:
    kills = [r for r in rows if r.get("killed")]
    half = sum(bool(r.get("half_folder_installed")) for r in kills)
    after = [r for r in rows if r.get("stage") == "next use"]
    clean = sum(bool(r.get("converted")) and bool(r.get("same_sha256")) for r in after)
    return (f"half folders installed {half}; next use converted cleanly "
            f"(same sha256) {'yes' if clean else 'no'}")


def render(ledger: dict) -> str:
    rows = figures(ledger)
    lines = [f"Ledger updated {ledger.get('updated', '?')} at commit "
             f"{ledger.get('commit', '?')}.", "",
             "| What | Tried | Result | Command | Run |", "|---|---|---|---|---|"]
    for r in rows:
        cells = [r["what"], r["tried"], r["result"], f"`{r['command']}`",
                 f"{r['ran']} ({r['commit']}, {r['tests']} tests)"]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines)


def write(doc: Path, table: str) -> None:
    text = doc.read_text(encoding="utf-8")
    start, end = text.find(BEGIN), text.find(END)
    if start < 0 or end < start:
        raise SystemExit(f"{doc}: no table markers ({BEGIN} ... {END})")
    doc.write_text(text[:start + len(BEGIN)] + "\n" + table + "\n" + text[end:],
                   encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python tools/hardening_report.py",
                                description="Render the hardening table from the tests' ledger.")
    p.add_argument("--ledger", type=Path, default=DEFAULT_LEDGER,
                   help="the ledger (default artifacts/hardening.json)")
    p.add_argument("--write", type=Path, metavar="DOC",
                   help="replace the table between the markers of DOC")
    p.add_argument("--json", action="store_true", help="print the rows as JSON")
    args = p.parse_args(argv)
    try:
        ledger = json.loads(args.ledger.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        print(f"hardening_report: error: cannot read {args.ledger}: {e}; run "
              "`python -m pytest` first", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(figures(ledger), ensure_ascii=False, indent=1))
        return 0
    table = render(ledger)
    if args.write:
        write(args.write, table)
    else:
        print(table)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
