"""Every example command of README.md and of every ``--help`` is run, as written, and succeeds.

The commands are read from the documentation itself (README's ```bash and ```python blocks,
the ``examples:`` of each command's help), so a changed example is a changed test. Each source
runs in order, as a reader would type it, in a fresh folder holding the files the examples
name as the reader's own (``questions.txt``, ``reports/``, ``new-report.en.pdf``...), the
checkout's ``fahras/``, ``tests/`` and ``tools/`` (examples name ``fahras/data/examples.tsv``), and a fresh
FAHRAS_HOME with the converted model. Two changes to what is typed, both mechanical:
``fahras serve`` listens on a free port instead of 7860/8080 (and the API examples call that
port), so the test can run beside a server; a server runs until the API examples that follow
it have run.

Not run (they change the Python environment or are this very command): ``pip install ...``,
``python3 -m venv ...``, ``python -m pytest ...``. The test of the extraction itself is fast; running the examples
needs the real model: slow (about 85 minutes in all on 2 shared cores, the bench examples more
than half of it; ``-k "not bench"`` leaves out those of ``fahras bench --help``).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from fahras.cli.examples import EXAMPLES

REPO = Path(__file__).resolve().parents[1]
DATA = Path(__file__).parent / "data"
NOT_RUN = ("pip ", "python3 -m venv", "python -m pytest")
SERVER_START_S = 300
COMMAND_TIMEOUT_S = 1800  # the 100k scale curve of `fahras bench --sizes ...`


# -- reading the examples ------------------------------------------------------------------
def _strip_comment(line: str) -> str:
    """A shell line without its trailing ``# comment`` (a # inside quotes is kept)."""
    quote = None
    for i, ch in enumerate(line):
        if quote:
            quote = None if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch == "#" and (i == 0 or line[i - 1].isspace()):
            return line[:i].rstrip()
    return line.rstrip()


def shell_commands(lines) -> list[str]:
    """The commands of shell text: comment lines skipped, ``\\`` continuations joined."""
    out, current = [], ""
    for raw in lines:
        line = _strip_comment(raw.strip())
        if not line and not current:
            continue
        if line.endswith("\\"):
            current += line[:-1].rstrip() + " "
            continue
        current += line
        if current.strip():
            out.append(current.strip())
        current = ""
    return out


def readme_blocks() -> list[tuple[str, str]]:
    """README's code blocks as (language, text), in order."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    return [(m.group(1), m.group(2)) for m in
            re.finditer(r"^```(\w+)\n(.*?)^```", text, re.S | re.M)]


_COMMAND_START = re.compile(r"^(?:[A-Z_]+=\S+ )*fahras |^EVENT=|^curl ")


def help_commands(epilog: str) -> list[str]:
    """The commands of a help text's examples: indented lines that start a command (and the
    lines that continue them)."""
    lines, keep = [], False
    for raw in epilog.splitlines():
        stripped = raw.strip()
        if keep and raw.startswith("  ") and stripped:
            lines.append(stripped)
            keep = stripped.endswith("\\")
            continue
        keep = False
        if raw.startswith("  ") and _COMMAND_START.match(stripped):
            lines.append(stripped)
            keep = stripped.endswith("\\")
    return shell_commands(lines)


def units(source: str) -> list[tuple[str, str]]:
    """What a source asks a reader to run, in order: ("shell", command), ("api", shell text
    that calls a running server), ("python", code), ("python-api", code that calls it)."""
    if source == "README":
        out = []
        for lang, body in readme_blocks():
            if lang == "python":
                out.append(("python-api" if "127.0.0.1:7860" in body else "python", body))
            elif lang == "bash":
                commands = shell_commands(body.splitlines())
                if any("gradio_api" in c for c in commands):
                    out.append(("api", "\n".join(commands)))
                else:
                    out.extend(("shell", c) for c in commands)
        return [u for u in out if not (u[0] == "shell" and u[1].startswith(NOT_RUN))]
    commands = help_commands(EXAMPLES[source])
    api = [c for c in commands if "gradio_api" in c]
    out = [("shell", c) for c in commands if "gradio_api" not in c]
    if api:
        out.append(("api", "\n".join(api)))
    return out


SOURCES = ["README", *EXAMPLES]


def test_the_examples_are_read_from_the_docs():
    """The extraction sees what a reader sees (a change here means the docs changed)."""
    readme = units("README")
    shell = [u[1] for u in readme if u[0] == "shell"]
    assert shell[0] == "fahras serve"
    assert 'fahras search "ما دور القنصليات؟"' in shell
    assert "fahras eval fahras/data/examples.tsv --compare" in shell
    assert not any(c.startswith(NOT_RUN) for c in shell)
    assert [u[0] for u in readme].count("api") == 1 and "EVENT=$(curl" in dict(
        (k, v) for k, v in readme if k == "api")["api"]
    assert [u[0] for u in readme].count("python-api") == 1
    assert [u[0] for u in readme].count("python") == 1
    serve = units("serve")
    assert [c for k, c in serve if k == "shell"] == [
        "fahras serve", "fahras serve --port 8080", "fahras serve --host 0.0.0.0"]
    api = dict(serve)["api"]
    assert '"data": ["ما دور القنصليات؟", 3, null, null, "hybrid"]' in api  # all five values
    assert "fahras index --remove new-report.en" in [c for _, c in units("index")]
    for source in SOURCES:
        assert units(source), source
        for kind, text in units(source):
            assert "../shared" not in text, (source, text)  # a file a reader does not have


# -- the reader's files and home -------------------------------------------------------------
def _reader_folder(tmp: Path, model_home: Path) -> tuple[Path, dict]:
    from docfixtures import make_pdf

    from fahras.config import bundled_corpus

    work, home = tmp / "work", tmp / "home"
    work.mkdir()
    home.mkdir()
    shutil.copytree(model_home / "models", home / "models", copy_function=os.link)
    corpus = DATA / "corpus"
    reports = work / "reports"
    reports.mkdir()
    shutil.copy(bundled_corpus(), reports / bundled_corpus().name)
    shutil.copy(corpus / "fx-2023-report.ar.txt", reports / "wg-2023.ar.txt")
    shutil.copy(corpus / "fx-2023-report.en.txt", reports / "wg-2023.en.txt")
    shutil.copy(corpus / "fx-2023-report.ar.txt", work / "report-2023.ar.txt")
    shutil.copy(bundled_corpus(), work / "report-2024.ar.txt")
    make_pdf(corpus / "fx-2023-report.en.txt", work / "new-report.en.pdf", visual=False)
    make_pdf(corpus / "fx-2022-background.ar.txt", work / "wg-2025.ar.pdf")
    (work / "questions.txt").write_text("ما دور القنصليات؟\nWho opened the meeting?\n"
                                        "حماية الأطفال المهربين\n", encoding="utf-8")
    # Examples that name fahras/data/... or tests/data/... are typed in a checkout: the
    # folder has them where a checkout does (a copy of just those files would be a folder
    # "fahras" that `python -m fahras` would take for the package).
    for name in ("fahras", "tests", "tools"):
        (work / name).symlink_to(REPO / name, target_is_directory=True)
    shutil.copy(REPO / "fahras/data/examples.tsv", work / "questions.tsv")
    env = dict(os.environ, FAHRAS_HOME=str(home), HF_HUB_OFFLINE="1",
               GRADIO_ANALYTICS_ENABLED="False", NO_PROXY="127.0.0.1,localhost",
               no_proxy="127.0.0.1,localhost", PYTHONUNBUFFERED="1",
               PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    env.pop("FAHRAS_MODEL", None)
    return work, env


# What the context of an example assumes is already there, made by other documented examples.
SETUP = {"search": ["fahras index reports/",
                    "fahras index reports/ --backend milvus --uri ./fahras.db"],
         "ask": ["fahras index reports/ --backend milvus --uri ./fahras.db"]}


def _run_shell(command: str, work: Path, env: dict) -> None:
    r = subprocess.run(["bash", "-c", command], cwd=work, env=env, capture_output=True,
                       timeout=COMMAND_TIMEOUT_S)
    err = r.stderr.decode("utf-8", "replace")
    assert r.returncode == 0, f"{command!r} exited {r.returncode}:\n{err[-3000:]}"
    assert "Traceback" not in err, f"{command!r}:\n{err[-3000:]}"


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Server:
    """``fahras serve ...`` as written, on a free port; ready when it answers."""

    def __init__(self, command: str, work: Path, env: dict):
        self.port = _free_port()
        command = re.sub(r" --port \d+", "", command) + f" --port {self.port}"
        self.log = work / f"serve-{self.port}.log"
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen(["bash", "-c", f"exec {command}"], cwd=work, env=env,
                                         stdout=log, stderr=subprocess.STDOUT)
        import urllib.request

        deadline = time.monotonic() + SERVER_START_S
        while True:
            assert self.proc.poll() is None, f"{command!r} exited:\n{self.log.read_text()}"
            if "Fahras is running on" in self.log.read_text(errors="replace"):
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/gradio_api/info",
                                                timeout=5) as r:
                        if r.status == 200:
                            break
                except OSError:
                    pass
            assert time.monotonic() < deadline, f"{command!r} did not answer:\n{self.log.read_text()}"
            time.sleep(0.5)

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(timeout=30)
        log = self.log.read_text(errors="replace")
        assert code == 0 and "Traceback" not in log, log[-3000:]

    def address(self, text: str) -> str:
        return text.replace("127.0.0.1:7860", f"127.0.0.1:{self.port}")


@pytest.mark.integration
@pytest.mark.slow
@pytest.mark.parametrize("source", SOURCES)
def test_every_example_runs_and_succeeds(source, tmp_path, model_home):
    work, env = _reader_folder(tmp_path, model_home)
    for command in SETUP.get(source, []):
        _run_shell(command, work, env)
    server = None
    try:
        for kind, text in units(source):
            if server is not None and kind in ("shell", "python"):
                server.stop()  # a server runs for the API examples that follow it
                server = None
            if kind == "shell" and text.startswith("fahras serve"):
                server = _Server(text, work, env)
                continue
            if kind == "shell":
                _run_shell(text, work, env)
            elif kind == "api":
                assert server is not None, "an API example before any `fahras serve`"
                r = subprocess.run(["bash", "-c", server.address(text)], cwd=work, env=env,
                                   capture_output=True, timeout=300)
                out = r.stdout.decode("utf-8", "replace")
                assert r.returncode == 0 and "event: complete" in out, out + r.stderr.decode()
                assert '"hits": [{"rank": 1' in out, out
            else:
                code = server.address(text) if kind == "python-api" else text
                assert kind == "python" or server is not None
                r = subprocess.run([sys.executable, "-c", code], cwd=work, env=env,
                                   capture_output=True, timeout=600)
                assert r.returncode == 0, r.stderr.decode("utf-8", "replace")[-3000:]
                assert r.stdout.strip(), code
    finally:
        if server is not None:
            server.stop()
