"""A running ``fahras serve`` notices that the index it serves was rebuilt: the next request
is answered from the new index, with no restart (ui/live.py). A real server in a subprocess,
with the hashing embedder so that it starts in seconds."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from liveserver import running_serve

CORPUS = Path(__file__).parent / "data" / "corpus"

pytestmark = [pytest.mark.slow, pytest.mark.integration]  # a server


def _search(base: str, query: str) -> dict:
    body = json.dumps({"data": [query, 10, None, None, "hybrid"]}).encode()
    req = urllib.request.Request(f"{base}/gradio_api/call/search", data=body,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        event = json.loads(r.read())["event_id"]
    with urllib.request.urlopen(f"{base}/gradio_api/call/search/{event}", timeout=60) as r:
        lines = r.read().decode("utf-8").splitlines()
    assert "event: complete" in lines, lines
    return json.loads(next(x for x in lines if x.startswith("data: "))[len("data: "):])[0]


def test_a_rebuilt_index_is_served_without_a_restart(tmp_path):
    index = tmp_path / "index"
    env = dict(os.environ, FAHRAS_HOME=str(tmp_path / "home"), HF_HUB_OFFLINE="1",
               GRADIO_ANALYTICS_ENABLED="False", NO_PROXY="127.0.0.1,localhost",
               no_proxy="127.0.0.1,localhost")
    env.pop("FAHRAS_MODEL", None)

    def index_cmd(*paths):
        r = subprocess.run([sys.executable, "-m", "fahras", "index", *paths, "--index",
                            str(index), "--model", "hash", "--json"], env=env,
                           capture_output=True, timeout=300)
        assert r.returncode == 0, r.stderr.decode()

    index_cmd()  # the bundled report
    with running_serve(["--index", str(index), "--model", "hash"], env, tmp_path) as base:
        before = _search(base, "victims")
        assert {h["doc"] for h in before["hits"]} == {"wg-som-2024-report.ar"}
        index_cmd(str(CORPUS))  # rebuilt while the server runs: three other documents
        after = _search(base, "victims")
        assert {h["doc"] for h in after["hits"]} <= {"fx-2022-background.ar", "fx-2023-report.ar",
                                                    "fx-2023-report.en"}
        assert after["hits"]
        again = _search(base, "victims")  # and it stays on the new one
        assert [h["id"] for h in again["hits"]] == [h["id"] for h in after["hits"]]
        log = base.log.read_text(errors="replace")
        assert "Traceback" not in log, log[-3000:]
