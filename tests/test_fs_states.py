"""File-system states a user can be in: each gives one clear line and a non-zero status -- never
a traceback, never a process that waits for ever, never a rebuild that cannot succeed.

Unreadable index files (``chmod 000`` on each file of a generation), an unreadable index folder
or generation, a read-only ``FAHRAS_HOME`` for ``fahras index`` and ``index --add``, ``.lock``
being a folder, ``index`` being a file, and a FIFO in place of ``manifest.json`` or ``CURRENT``.

Permission bits do not stop root, and CI runs as root: the commands run here without the
capabilities that let root ignore them (``setpriv --bounding-set=-dac_override,
-dac_read_search``: for file access the process is an ordinary user, the files' owner), or
as they are when the tests run as an ordinary user. A control shows the set-up really denies
access (``cat`` of a ``chmod 000`` file fails). Hashing embedder; the temporary folders are made
with ``tempfile.mkdtemp``, outside pytest's private tree.

The figures go to artifacts/hardening.json (tests/hardening_ledger.py).
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from fahras.index import store
from fahras.index.builder import build_index

pytestmark = pytest.mark.integration  # fahras processes

PY = sys.executable
CORPUS = Path(__file__).parent / "data" / "corpus"
NEW_DOC = CORPUS / "fx-2023-report.en.txt"
DEADLINE_S = 60
DROP = ["setpriv", "--bounding-set=-dac_override,-dac_read_search", "--"]


def unprivileged(cmd: list[str]) -> list[str]:
    """``cmd`` run so that permission bits apply to it (see the module docstring)."""
    return [*DROP, *cmd] if os.geteuid() == 0 else cmd


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("fs-pristine") / "index"
    build_index(index_dir=path, model="hash")
    return path


@pytest.fixture
def home(pristine):
    """A fresh FAHRAS_HOME holding a copy of the index; permissions restored afterwards so it
    can be removed."""
    root = Path(tempfile.mkdtemp(prefix="fahras-fs-"))
    shutil.copytree(pristine, root / "index")
    yield root
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            with_mode(Path(dirpath) / name, 0o700)
    shutil.rmtree(root, ignore_errors=True)


def with_mode(path: Path, mode: int) -> None:
    try:
        if not path.is_symlink() and not stat.S_ISFIFO(path.lstat().st_mode):
            path.chmod(mode)
    except OSError:
        pass


def fahras(home: Path, *args: str) -> tuple[int, str, str, float]:
    """``fahras ARGS`` (hashing model) as an ordinary user, FAHRAS_HOME=home; (exit status,
    stdout, stderr, seconds)."""
    env = {**os.environ, "FAHRAS_HOME": str(home)}
    env.pop("FAHRAS_TEST_PAUSE_AT", None)
    t = time.monotonic()
    out = subprocess.run(unprivileged([PY, "-m", "fahras", *args, "--model", "hash"]),
                         env=env, capture_output=True, text=True, timeout=DEADLINE_S,
                         stdin=subprocess.DEVNULL)
    return out.returncode, out.stdout, out.stderr, time.monotonic() - t


def assert_one_line(result, *words: str) -> str:
    code, stdout, stderr, seconds = result
    assert code != 0, (code, stdout[:300], stderr[-1500:])
    assert stdout == "" and "Traceback" not in stderr, stderr[-3000:]
    assert stderr.startswith("fahras: error: ") and stderr.count("\n") == 1, stderr[-3000:]
    for w in words:
        assert w in stderr, (w, stderr)
    return stderr.strip()


def _command(args: list[str]) -> str:
    return "fahras " + args[0] + (" --add" if "--add" in args else "")


def _gen(home: Path) -> Path:
    return store.current_generation(home / "index")


def test_the_set_up_denies_access_as_a_user_would_see_it(home):
    """The control: as the tests run the commands, a ``chmod 000`` file cannot be read and a
    read-only folder cannot be written."""
    f = _gen(home) / "documents.json"
    f.chmod(0)
    assert subprocess.run(unprivileged(["cat", str(f)]), capture_output=True).returncode != 0
    home.chmod(0o555)
    assert subprocess.run(unprivileged(["touch", str(home / "x")]),
                          capture_output=True).returncode != 0


@pytest.mark.parametrize("name", [*store.JSON_FILES, *store.ARRAY_FILES, *store.OPTIONAL_ARRAYS])
def test_an_unreadable_index_file(home, name, hardening):
    (_gen(home) / name).chmod(0)
    for command in (["search", "تهريب المهاجرين"], ["ask", "Who opened the meeting?"],
                    ["index", "--add", str(NEW_DOC)]):
        result = fahras(home, *command)
        line = assert_one_line(result, name, "permission denied")
        hardening.record("fs", state=f"{name} unreadable (chmod 000)",
                         command=_command(command), one_line=True, exit=result[0],
                         seconds=round(result[3], 2), message=line)


def test_an_unreadable_index_folder_is_said_not_rebuilt(home, hardening):
    """``fahras search`` with no --index on a home whose index folder it cannot read: at once,
    not a rebuild of the bundled report that then fails to write."""
    (home / "index").chmod(0)
    for command in (["search", "تهريب المهاجرين"], ["index", "--add", str(NEW_DOC)]):
        result = fahras(home, *command)
        line = assert_one_line(result, "cannot read the index", "permission denied")
        assert result[3] < 20, result[3]
        hardening.record("fs", state="index folder unreadable (chmod 000)",
                         command=_command(command), one_line=True, exit=result[0],
                         seconds=round(result[3], 2), message=line)
    assert not any(p.name.startswith(".tmp-gen") for p in _listing(home / "index"))


def test_an_unreadable_generation_folder(home, hardening):
    _gen(home).chmod(0)
    result = fahras(home, "search", "تهريب المهاجرين")
    line = assert_one_line(result, "manifest.json", "permission denied")
    hardening.record("fs", state="generation folder unreadable (chmod 000)",
                     command="fahras search", one_line=True, exit=result[0],
                     seconds=round(result[3], 2), message=line)


def _listing(folder: Path) -> list[Path]:
    mode = folder.stat().st_mode
    folder.chmod(0o700)
    try:
        return list(folder.iterdir())
    finally:
        folder.chmod(stat.S_IMODE(mode))


def _read_only_tree(root: Path) -> None:
    for dirpath, dirnames, filenames in os.walk(root):
        for name in filenames:
            with_mode(Path(dirpath) / name, 0o444)
        Path(dirpath).chmod(0o555)


@pytest.mark.parametrize("command", ["index", "index --add"])
def test_a_read_only_home(home, command, hardening):
    """The whole FAHRAS_HOME read-only: the index is left as it was and the user told why,
    before anything is embedded."""
    before = sorted(p.name for p in (home / "index").iterdir())
    _read_only_tree(home)
    args = ["index"] if command == "index" else ["index", "--add", str(NEW_DOC)]
    result = fahras(home, *args)
    line = assert_one_line(result, "cannot write the index", "permission denied")
    assert "Embedding" not in result[2]
    assert sorted(p.name for p in (home / "index").iterdir()) == before
    hardening.record("fs", state="FAHRAS_HOME read-only", command=f"fahras {command}",
                     one_line=True, exit=result[0], seconds=round(result[3], 2), message=line)


def test_a_read_only_home_without_an_index_yet(hardening):
    root = Path(tempfile.mkdtemp(prefix="fahras-fs-"))
    try:
        root.chmod(0o555)
        result = fahras(root, "index")
        line = assert_one_line(result, "cannot write the index", "permission denied")
        assert not (root / "index").exists()
    finally:
        root.chmod(0o700)
        shutil.rmtree(root, ignore_errors=True)
    hardening.record("fs", state="FAHRAS_HOME read-only, no index yet", command="fahras index",
                     one_line=True, exit=result[0], seconds=round(result[3], 2), message=line)


def test_lock_that_is_a_folder(home, hardening):
    lock = home / "index" / ".lock"
    if lock.exists():
        lock.unlink()
    lock.mkdir()
    for args in (["index"], ["index", "--add", str(NEW_DOC)]):
        result = fahras(home, *args)
        line = assert_one_line(result, ".lock", "a folder")
        hardening.record("fs", state=".lock is a folder", command=_command(args),
                         one_line=True, exit=result[0], seconds=round(result[3], 2),
                         message=line)
    # Searching does not need the lock.
    code, stdout, stderr, _ = fahras(home, "search", "تهريب المهاجرين", "--json")
    assert code == 0 and stdout, stderr


def test_index_that_is_a_file(hardening):
    root = Path(tempfile.mkdtemp(prefix="fahras-fs-"))
    try:
        (root / "index").write_text("not a folder\n")
        for args in (["search", "تهريب المهاجرين"], ["index"],
                     ["index", "--add", str(NEW_DOC)]):
            result = fahras(root, *args)
            line = assert_one_line(result, "is a file, not an index folder")
            hardening.record("fs", state="index is a file", command=_command(args),
                             one_line=True, exit=result[0], seconds=round(result[3], 2),
                             message=line)
        assert (root / "index").read_text() == "not a folder\n"
    finally:
        shutil.rmtree(root, ignore_errors=True)


@pytest.mark.parametrize("target", ["manifest.json", "CURRENT"])
def test_a_fifo_in_place_of_a_file_ends_at_once(home, target, hardening):
    path = (_gen(home) if target == "manifest.json" else home / "index") / target
    path.unlink()
    os.mkfifo(path)
    for args in (["search", "تهريب المهاجرين"], ["index", "--add", str(NEW_DOC)]):
        result = fahras(home, *args)  # a read that waited for a writer would time out here
        line = assert_one_line(result, target, "FIFO")
        assert result[3] < 20, result[3]
        hardening.record("fs", state=f"FIFO in place of {target}", command=_command(args),
                         one_line=True, exit=result[0], seconds=round(result[3], 2),
                         message=line)
    # A full build replaces the damaged index (and the FIFO) with a good one.
    code, _, stderr, _ = fahras(home, "index", "--json")
    assert code == 0, stderr
    assert store.read_index(home / "index").passages
