"""A folder's files as they were recorded -- each one's size and sha256 -- checked cheaply.

:func:`record` lists every file of a folder (a model folder when it is provisioned) with its
size and sha256. :func:`verify` checks the folder against that list each time it is about to be
used: a file missing, of another size, with other bytes, or a file that was not there is a
:class:`Mismatch` naming it. Hashing a 470 MB model on every open would cost seconds, so what was
verified is remembered in a small cache file, by each file's size, mtime, ctime and inode: a
file whose ``stat`` is unchanged since it was verified is not read again. Writing to a file,
or restoring its mtime afterwards, changes its ctime (which no user can set), so an edit is
always read and checked. Nothing here knows what the files are.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
from pathlib import Path

from fahras.fsutil import atomic_write, describe, kind_of, sha256_file
from fahras.messages import Message


class Mismatch(Exception):
    """A file of the folder is not as recorded."""

    def __init__(self, rel: str, reason: str):
        super().__init__(f"{rel} {reason}")
        self.rel, self.reason = rel, reason


def _files(folder: Path, exclude: frozenset[str]) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")
                  if not p.is_dir() and p.relative_to(folder).as_posix() not in exclude)


def record(folder: str | Path, exclude=()) -> dict[str, dict]:
    """``{relative path: {"bytes": size, "sha256": hex}}`` for every file under ``folder``
    (but the relative paths in ``exclude``)."""
    folder = Path(folder)
    return {rel: {"bytes": (folder / rel).stat().st_size, "sha256": sha256_file(folder / rel)}
            for rel in _files(folder, frozenset(exclude))}


def _state(st: os.stat_result) -> list[int]:
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev]


def _read_cache(cache: Path | None, folder: Path) -> dict:
    if cache is None:
        return {}
    try:
        data = json.loads(cache.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("folder") != str(folder):
        return {}
    files = data.get("files")
    return files if isinstance(files, dict) else {}


def verify(folder: str | Path, files: dict[str, dict], cache: str | Path | None = None,
           exclude=()) -> None:
    """Raise :class:`Mismatch` unless ``folder`` holds exactly ``files`` (as :func:`record`
    gave them; the paths in ``exclude`` are not checked). ``cache``: the file that remembers
    what was verified (written when it changes; a cache that cannot be written only costs
    time)."""
    folder = Path(folder).absolute()
    cache = Path(cache) if cache is not None else None
    known = _read_cache(cache, folder)
    seen: dict[str, list] = {}
    for rel, meta in sorted(files.items()):
        path = folder / rel
        try:
            st = os.stat(path)
            if not stat.S_ISREG(st.st_mode):
                raise Mismatch(rel, Message("check_not_a_file", kind=kind_of(st.st_mode)))
            if st.st_size != meta["bytes"]:
                raise Mismatch(rel, Message("check_size", size=st.st_size, expected=meta["bytes"]))
            state = _state(st)
            if known.get(rel) != [*state, meta["sha256"]]:
                if sha256_file(path) != meta["sha256"]:
                    raise Mismatch(rel, Message("check_other_bytes"))
            seen[rel] = [*state, meta["sha256"]]
        except FileNotFoundError:
            raise Mismatch(rel, Message("check_missing")) from None
        except OSError as e:
            raise Mismatch(rel, Message("check_unreadable", detail=describe(e, folder))) from None
    extra = [rel for rel in _files(folder, frozenset(exclude)) if rel not in files]
    if extra:
        raise Mismatch(extra[0], Message("check_extra"))
    if cache is not None and seen != known:
        with contextlib.suppress(OSError):
            atomic_write(cache, json.dumps({"folder": str(folder), "files": seen},
                                           indent=1).encode("utf-8"), durable=False)


def remember(folder: str | Path, files: dict[str, dict], cache: str | Path) -> None:
    """Write the cache for files just recorded by this process (so that their first
    :func:`verify` need not read them again); only for a folder no one else can have changed
    since :func:`record` read it."""
    folder = Path(folder).absolute()
    seen = {rel: [*_state(os.stat(folder / rel)), meta["sha256"]] for rel, meta in files.items()}
    with contextlib.suppress(OSError):
        atomic_write(Path(cache), json.dumps({"folder": str(folder), "files": seen},
                                             indent=1).encode("utf-8"), durable=False)
