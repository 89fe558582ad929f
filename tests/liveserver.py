"""``fahras serve`` in a subprocess for the live tests (tests/test_ui_live.py,
tests/test_hardening_live.py): 127.0.0.1, a free port, ready when it says so and its API
answers; always stopped."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

START_TIMEOUT_S = 300


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Served(str):
    """The server's base URL, with its process, port and the path of its log."""

    log: Path
    port: int
    proc: subprocess.Popen


@contextlib.contextmanager
def running_serve(args: list[str], env: dict, workdir: Path):
    """Run ``python -m fahras serve --port <free> *args``; yield a :class:`Served`."""
    port = free_port()
    log_path = workdir / "serve.log"
    base = f"http://127.0.0.1:{port}"
    cmd = [sys.executable, "-m", "fahras", "serve", "--port", str(port), *args]
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=workdir)
        try:
            deadline = time.monotonic() + START_TIMEOUT_S
            while True:
                if proc.poll() is not None:
                    pytest.fail(f"fahras serve exited with {proc.returncode}:\n"
                                + log_path.read_text(errors="replace"))
                # ready: it says so on stdout, and its API answers
                if f"Fahras is running on {base}" in log_path.read_text(errors="replace"):
                    try:
                        with urllib.request.urlopen(base + "/gradio_api/info", timeout=5) as r:
                            if r.status == 200:
                                break
                    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                        pass
                if time.monotonic() > deadline:
                    pytest.fail("fahras serve did not answer in time:\n"
                                + log_path.read_text(errors="replace"))
                time.sleep(0.5)
            served = Served(base)
            served.log, served.port, served.proc = log_path, port, proc
            yield served
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
