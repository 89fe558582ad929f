"""Two processes changing one index at the same moment: neither change is lost.

``fahras index --add A`` and ``fahras index --add B`` are started together (no stagger), and
``--add`` together with ``--remove``. Each adding process is held for two seconds right after it
has read the current generation and before it embeds (the ``embed`` stage of the
pause hook, tests/pausehooks/sitecustomize.py, which the crash-safety tests use too): that is the window in
which, without a lock over the whole read-modify-write, both read the same generation and the
second to write drops the first one's change. With the lock, the second waits and starts from
what the first wrote. Hashing embedder, a few seconds.

The figures go to artifacts/hardening.json (tests/hardening_ledger.py).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from fahras.config import bundled_corpus
from fahras.index import store
from fahras.index.builder import build_index
from pausing import paused_at

pytestmark = pytest.mark.integration  # fahras processes side by side

PY = sys.executable
CORPUS = Path(__file__).parent / "data" / "corpus"


@pytest.fixture
def index_dir(tmp_path) -> Path:
    """An index of the bundled report and the 2022 background report."""
    path = tmp_path / "index"
    build_index([bundled_corpus(), CORPUS / "fx-2022-background.ar.txt"], index_dir=path,
                model="hash")
    return path


def _fahras_index(index_dir: Path, *args: str, hold: bool) -> subprocess.Popen:
    env = paused_at("embed", 2) if hold else dict(os.environ)
    return subprocess.Popen([PY, "-m", "fahras", "index", "--index", str(index_dir), "--model",
                             "hash", "--json", *args], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def _together(*procs: subprocess.Popen) -> list[tuple[int, str, str]]:
    out = []
    for p in procs:
        stdout, stderr = p.communicate(timeout=180)
        out.append((p.returncode, stdout, stderr))
    return out


def _documents(index_dir: Path) -> list[str]:
    return [d["id"] for d in store.read_index(index_dir).documents]


def _copy(src: Path, folder: Path, name: str) -> Path:
    folder.mkdir(exist_ok=True)
    return Path(shutil.copy(src, folder / name))


def test_two_adds_at_the_same_moment_both_survive(index_dir, tmp_path, hardening):
    a = _copy(CORPUS / "fx-2023-report.ar.txt", tmp_path / "a", "fx-2023-report.ar.txt")
    b = _copy(CORPUS / "fx-2023-report.en.txt", tmp_path / "b", "fx-2023-report.en.txt")
    results = _together(_fahras_index(index_dir, "--add", str(a), hold=True),
                        _fahras_index(index_dir, "--add", str(b), hold=True))
    for code, stdout, stderr in results:
        assert code == 0 and "Traceback" not in stderr, stderr[-2000:]
        json.loads(stdout)
    docs = _documents(index_dir)
    assert sorted(docs) == sorted(["wg-som-2024-report.ar", "fx-2022-background.ar",
                                   "fx-2023-report.ar", "fx-2023-report.en"]), docs
    hardening.record("concurrent", race="--add A | --add B", processes=2, both_exit_0=True,
                     changes_kept=2, changes_lost=0)


def test_add_racing_remove_keeps_both_changes(index_dir, tmp_path, hardening):
    a = _copy(CORPUS / "fx-2023-report.ar.txt", tmp_path / "a", "fx-2023-report.ar.txt")
    results = _together(_fahras_index(index_dir, "--add", str(a), hold=True),
                        _fahras_index(index_dir, "--remove", "fx-2022-background.ar",
                                      hold=False))
    for code, stdout, stderr in results:
        assert code == 0 and "Traceback" not in stderr, stderr[-2000:]
    docs = _documents(index_dir)
    assert sorted(docs) == ["fx-2023-report.ar", "wg-som-2024-report.ar"], docs
    hardening.record("concurrent", race="--add A | --remove B", processes=2, both_exit_0=True,
                     changes_kept=2, changes_lost=0)
