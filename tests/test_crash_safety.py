"""Crash safety: ``fahras index`` killed (SIGKILL) at every stage of a rebuild, and the one-time
model conversion killed at every stage after the weights are written.

A rebuild is stopped exactly at a stage by the pause hook of tests/pausehooks/sitecustomize.py
(``FAHRAS_TEST_PAUSE_AT``), then killed. After each kill:

- the index loads without a word of complaint and answers exactly as before the rebuild
  (stages before ``CURRENT`` is switched), or answers as the complete new index (after);
- the next ``fahras index`` succeeds and removes the killed build's leftovers.

The model: after each kill nothing is installed at the model's place (no half folder can be
loaded), and the next use converts cleanly (tests/test_model.py kills it while the weights are
being written; here at the three later stages, one after another in the same home).

The figures go to artifacts/hardening.json (tests/hardening_ledger.py).
"""

from __future__ import annotations

import json
import os
import selectors
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from fahras.config import bundled_corpus
from fahras.index import model, model_default, model_folder, store
from fahras.index.builder import build_index
from fahras.retrieval.searcher import Searcher
from pausing import MARKER, paused_at

pytestmark = pytest.mark.integration  # fahras processes killed at each stage

PY = sys.executable
CORPUS = Path(__file__).parent / "data" / "corpus"
QUERIES = ("الأطفال المهربين", "التوصية 8", "search and rescue at sea", "تهريب المهاجرين 2022")
INDEX_STAGES = ("parsed", "embed", "write", "switch", "switched")
MODEL_STAGES = ("model-convert", "model-verify", "model-install")


def _answers(index_dir: Path) -> list[dict]:
    s = Searcher.open(index_dir, model="hash", build_if_missing=False)
    out = []
    for q in QUERIES:
        r = s.search(q, 5).to_json()
        r.pop("took_ms", None)
        out.append(r)
    return out


def _kill_at(stage: str, cmd: list[str], env: dict, timeout: float = 240) -> str:
    """Run ``cmd`` until it says it paused at ``stage``, then SIGKILL it; its stderr so far."""
    env = paused_at(stage, 300, env)
    child = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    err = b""
    try:
        sel = selectors.DefaultSelector()
        sel.register(child.stderr, selectors.EVENT_READ)
        deadline = time.monotonic() + timeout
        while MARKER.encode() + stage.encode() not in err:
            if time.monotonic() > deadline:
                pytest.fail(f"never paused at {stage}: {err.decode(errors='replace')[-2000:]}")
            if sel.select(timeout=1):
                chunk = os.read(child.stderr.fileno(), 65536)
                if not chunk:  # ended without pausing
                    child.wait(30)
                    pytest.fail(f"ended ({child.returncode}) before {stage}: "
                                f"{err.decode(errors='replace')[-2000:]}")
                err += chunk
        os.kill(child.pid, signal.SIGKILL)
        assert child.wait(30) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(30)
        child.stderr.close()
    return err.decode(errors="replace")


@pytest.fixture(scope="module")
def old_index(tmp_path_factory):
    """The previous index: the bundled report alone (hashing embedder), and its answers."""
    path = tmp_path_factory.mktemp("old") / "index"
    build_index(index_dir=path, model="hash")
    return path, _answers(path)


@pytest.fixture(scope="module")
def new_corpus(tmp_path_factory) -> Path:
    """What the rebuild indexes: the bundled report and two more reports."""
    folder = tmp_path_factory.mktemp("new-corpus")
    shutil.copy(bundled_corpus(), folder / bundled_corpus().name)
    for name in ("fx-2023-report.en.txt", "fx-2022-background.ar.txt"):
        shutil.copy(CORPUS / name, folder / name)
    return folder


@pytest.fixture(scope="module")
def new_answers(new_corpus, tmp_path_factory) -> list[dict]:
    """The answers of the complete new index, built without interruption."""
    path = tmp_path_factory.mktemp("new") / "index"
    build_index([new_corpus], index_dir=path, model="hash")
    return _answers(path)


def _visible(index_dir: Path) -> list[str]:
    return sorted(p.name for p in index_dir.iterdir() if p.name != ".lock")


@pytest.mark.parametrize("stage", INDEX_STAGES)
def test_killed_rebuild_leaves_a_complete_index(old_index, new_corpus, new_answers, tmp_path,
                                                stage, hardening):
    old_path, old_answers = old_index
    index_dir = tmp_path / "index"
    shutil.copytree(old_path, index_dir)
    assert old_answers != new_answers  # the rebuild changes the answers: a kill is visible
    before = store.current_generation(index_dir)

    cmd = [PY, "-m", "fahras", "index", str(new_corpus), "--index", str(index_dir),
           "--model", "hash", "--json"]
    _kill_at(stage, cmd, dict(os.environ))

    switched = store.current_generation(index_dir) != before
    assert switched == (stage == "switched")
    # It loads (no complaint, nothing rebuilt) and answers as one complete index does.
    answers = _answers(index_dir)
    assert answers == (new_answers if switched else old_answers)
    # The CLI, in a new process, agrees.
    out = subprocess.run([PY, "-m", "fahras", "search", QUERIES[0], "--index", str(index_dir),
                          "--model", "hash", "--json", "-k", "5"], capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0 and "Traceback" not in out.stderr, out.stderr
    got = json.loads(out.stdout)
    want = (new_answers if switched else old_answers)[0]
    assert [h["id"] for h in got["hits"]] == [h["id"] for h in want["hits"]]

    # The next build completes and leaves CURRENT, the new generation and one previous.
    build_index([new_corpus], index_dir=index_dir, model="hash")
    assert _answers(index_dir) == new_answers
    assert len(_visible(index_dir)) == 3 and not any(n.startswith(".") for n in _visible(
        index_dir)), _visible(index_dir)
    hardening.record("kill", target="fahras index", stage=stage, killed=True,
                     loads=True, answers="new (complete)" if switched else "old (identical)",
                     old_intact=not switched, next_build_ok=True)


# -- the one-time model conversion ----------------------------------------------------------------
def _model_leftovers(home: Path) -> list[str]:
    models = home / "models"
    return sorted(p.name for p in models.iterdir() if p.name.startswith(".")
                  and not p.name.endswith(".lock")) if models.is_dir() else []


@pytest.mark.slow
def test_killed_model_conversion_at_every_stage_recovers(model_home, tmp_path, monkeypatch,
                                                         hardening):
    home = tmp_path / "home"
    env = {**os.environ, "FAHRAS_HOME": str(home)}
    final = home / "models" / model_default.DEFAULT_DIR
    cmd = [PY, "-c", "from fahras.index import model; model.resolve()"]
    for stage in MODEL_STAGES:
        _kill_at(stage, cmd, env, timeout=300)
        # Nothing at the model's place: no half-converted folder can be loaded.
        assert not final.exists() and model_default.installed(final) is None, stage
        assert _model_leftovers(home), stage  # the killed process's temporary folder
        hardening.record("kill", target="model conversion", stage=stage, killed=True,
                         half_folder_installed=False)
    monkeypatch.setenv("FAHRAS_HOME", str(home))
    info = model.resolve()
    assert model.verify_files(info) and _model_leftovers(home) == []
    record = json.loads((model_home / "models" / model_default.DEFAULT_DIR / model_folder.RECORD).read_text())
    assert info.sha256 == record["sha256"]  # the same model as an uninterrupted conversion
    hardening.record("kill", target="model conversion", stage="next use", converted=True,
                     same_sha256=True)
