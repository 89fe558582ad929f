"""The hardening figures, recorded by the tests that produce them (a pytest plugin).

A test takes the ``hardening`` fixture and records what it tried and what happened::

    hardening.record("input", surface="cli.search", input="emoji", outcome="result", crash=False)

At the end of the session the rows of every test that ran are merged into
``artifacts/hardening.json`` (``FAHRAS_HARDENING_LEDGER`` names another file), with the test's
outcome and when it ran; rows of tests that did not run this time are kept as they were.
``python tools/hardening_report.py`` renders that file as the table of docs/hardening.md, so
every figure there comes from a test run anyone can repeat.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import subprocess
from pathlib import Path

import pytest

from fahras.fsutil import atomic_write

REPO = Path(__file__).resolve().parents[1]
DEFAULT_LEDGER = REPO / "artifacts" / "hardening.json"

_ROWS: dict[str, list[dict]] = {}
_OUTCOMES: dict[str, dict] = {}


class Recorder:
    def __init__(self, rows: list[dict]):
        self.rows = rows

    def record(self, section: str, **row) -> None:
        self.rows.append({"section": section, **row})


@pytest.fixture
def hardening(request) -> Recorder:
    """Record hardening figures for ``artifacts/hardening.json`` (see the module docstring)."""
    return Recorder(_ROWS.setdefault(request.node.nodeid, []))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if item.nodeid not in _ROWS:
        return
    entry = _OUTCOMES.setdefault(item.nodeid, {"outcome": "passed", "seconds": 0.0})
    entry["seconds"] = round(entry["seconds"] + report.duration, 2)
    if report.failed:
        entry["outcome"] = "failed"
    elif report.skipped and entry["outcome"] == "passed":
        entry["outcome"] = "skipped"


def _git_commit() -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO,
                             capture_output=True, text=True, timeout=10)
        return out.stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


def pytest_sessionfinish(session, exitstatus):
    if not _ROWS:
        return
    path = Path(os.environ.get("FAHRAS_HARDENING_LEDGER") or DEFAULT_LEDGER)
    try:
        ledger = json.loads(path.read_text(encoding="utf-8"))
        tests = ledger.get("tests") if isinstance(ledger, dict) else None
        tests = tests if isinstance(tests, dict) else {}
    except (OSError, ValueError):
        tests = {}
    now = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    commit = _git_commit()
    for nodeid, rows in _ROWS.items():
        result = _OUTCOMES.get(nodeid, {"outcome": "not run", "seconds": 0.0})
        tests[nodeid] = {"outcome": result["outcome"], "seconds": result["seconds"],
                         "ran": now, "commit": commit, "rows": rows}
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, (json.dumps({"updated": now, "commit": commit, "tests": tests},
                                   ensure_ascii=False, indent=1) + "\n").encode("utf-8"))
