"""The hardening table (tools/hardening_report.py) counts the ledger's rows, and says so when
the tests behind a row did not pass."""

from __future__ import annotations

import json

import hardening_report  # tools/, on pytest's pythonpath


def _entry(rows, outcome="passed"):
    return {"outcome": outcome, "seconds": 1.0, "ran": "2026-11-29T12:00:00Z",
            "commit": "abc1234", "rows": rows}


LEDGER = {"updated": "2026-11-29T12:00:00Z", "commit": "abc1234", "tests": {
    "t::a": _entry([{"section": "input", "surface": "cli.search", "input": "emoji",
                     "outcome": "result", "crash": False, "hang": False},
                    {"section": "input", "surface": "http.ask", "input": "empty",
                     "outcome": "error", "crash": False, "hang": False}]),
    "t::b": _entry([{"section": "injection", "payload": "script", "surface": "csv",
                     "rendered_as_markup": False}]),
    "t::k1": _entry([{"section": "kill", "target": "fahras index", "stage": "write",
                      "killed": True, "loads": True, "answers": "old (identical)",
                      "old_intact": True, "next_build_ok": True}]),
    "t::k2": _entry([{"section": "kill", "target": "fahras index", "stage": "switched",
                      "killed": True, "loads": True, "answers": "new (complete)",
                      "old_intact": False, "next_build_ok": True}]),
    "t::load": _entry([{"section": "load", "clients": 8, "requests": 300, "completed": 299,
                        "errors": 1, "p50_ms": 12.4, "p95_ms": 40.6, "max_ms": 90.0,
                        "throughput_rps": 9.5}]),
    "t::net": _entry([{"section": "network", "command": "fahras serve", "attempts": 0}],
                     outcome="failed"),
}}


def _row(rows, prefix):
    return next(r for r in rows if r["what"].startswith(prefix))


def test_figures_are_counted_from_the_rows():
    rows = hardening_report.figures(LEDGER)
    bad = _row(rows, "Bad input")
    assert bad["tried"] == "2 runs: 2 inputs × 2 surfaces"
    assert bad["result"] == "crashes 0, hangs 0; 1 results, 1 one-line errors"
    assert _row(rows, "Injection")["result"] == "rendered as markup 0"
    kill = _row(rows, "Killed `fahras index`")
    assert kill["tried"] == "SIGKILL at 2 points: write, switched"
    assert kill["result"].startswith("survived 2 of 2: old index intact and answering "
                                     "identically 1, new index complete 1")
    load = _row(rows, "Load")
    assert load["result"] == "errors 1, p50 12 ms, p95 41 ms, max 90 ms, 9.5 req/s"
    assert load["commit"] == "abc1234" and load["tests"] == 1


def test_a_failed_or_missing_run_gives_no_figure():
    rows = hardening_report.figures(LEDGER)
    assert _row(rows, "No network")["result"] == "NOT PASSED: 1 of 1 tests (failed)"
    assert _row(rows, "Killed one-time model")["result"] == "not run"


def test_write_replaces_only_the_table(tmp_path, capsys):
    ledger = tmp_path / "ledger.json"
    ledger.write_text(json.dumps(LEDGER), encoding="utf-8")
    doc = tmp_path / "doc.md"
    begin, end = hardening_report.BEGIN, hardening_report.END
    doc.write_text(f"# Title\n\n{begin}\nstale table\n{end}\n\nEnd\n", encoding="utf-8")
    assert hardening_report.main(["--ledger", str(ledger), "--write", str(doc)]) == 0
    text = doc.read_text(encoding="utf-8")
    assert text.startswith("# Title\n\n") and text.endswith(f"{hardening_report.END}\n\nEnd\n")
    assert "stale table" not in text and "| Load on `fahras serve` (127.0.0.1) |" in text
    assert hardening_report.main(["--ledger", str(tmp_path / "none.json")]) == 1
    assert "run `python -m pytest` first" in capsys.readouterr().err
