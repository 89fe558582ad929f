"""File-system helpers: durable and atomic writes, one inter-process lock, safe reads, hashing.

Every write that must never be seen half done goes through :func:`atomic_file` /
:func:`atomic_write` (a temporary name beside the target, flushed, then one ``os.replace``),
and every lock between processes through :func:`exclusive_lock` (the ``filelock`` library:
``flock`` on POSIX). Reads of files whose type is not trusted go through :func:`read_regular`,
which never blocks on a FIFO or a device and says which file is wrong.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import shutil
import stat
from collections.abc import Callable, Iterator
from pathlib import Path


class NotRegularFile(OSError):
    """A path that should be a regular file is something else (a FIFO, a folder, a device)."""

    def __init__(self, what: str, path: str | Path):
        super().__init__(errno.EINVAL, what, str(path))


def sha256_file(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def fsync_dir(path: str | Path) -> None:
    """Flush a folder's entries (new names, renames) to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def kind_of(mode: int) -> str:
    """A file type in words (for messages: a catalog message, its English text as a str)."""
    from fahras.messages import Message

    for test, name in ((stat.S_ISDIR, Message("kind_folder")),
                       (stat.S_ISFIFO, Message("kind_fifo")),
                       (stat.S_ISSOCK, Message("kind_socket")),
                       (stat.S_ISCHR, Message("kind_device")),
                       (stat.S_ISBLK, Message("kind_device")),
                       (stat.S_ISLNK, Message("kind_symlink"))):
        if test(mode):
            return name
    return Message("kind_not_regular")


def read_regular(path: str | Path, limit: int | None = None) -> bytes:
    """The bytes of a regular file, opened without blocking (a FIFO in its place raises
    :class:`NotRegularFile` at once instead of waiting for a writer). ``limit``: refuse a file
    larger than this many bytes (``NotRegularFile`` as well, saying so)."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise NotRegularFile(f"{kind_of(st.st_mode)}, not a file", str(path))
        if limit is not None and st.st_size > limit:
            raise NotRegularFile(f"larger than {limit} bytes", str(path))
        os.set_blocking(fd, True)
        with os.fdopen(fd, "rb", closefd=False) as f:
            return f.read()
    finally:
        os.close(fd)


def check_regular(path: str | Path) -> os.stat_result:
    """``os.stat`` of ``path``, raising :class:`NotRegularFile` unless it is a regular file."""
    st = os.stat(path)
    if not stat.S_ISREG(st.st_mode):
        raise NotRegularFile(f"{kind_of(st.st_mode)}, not a file", str(path))
    return st


def describe(e: OSError, base: str | Path | None = None) -> str:
    """An OSError as a short phrase naming the file: "gen-1/documents.json: permission
    denied" (the file relative to ``base`` when it is inside it)."""
    what = e.strerror or str(e) or type(e).__name__
    what = what[:1].lower() + what[1:]
    name = e.filename
    if name is None:
        return what
    if base is not None:
        with contextlib.suppress(ValueError):
            rel = Path(name).absolute().relative_to(Path(base).absolute()).as_posix()
            name = name if rel in ("", ".") else rel
    return f"{name}: {what}"


def write_synced(path: str | Path, write: bytes | Callable) -> None:
    """Write a new file and flush it to disk (``write`` is bytes, or a function of the open
    binary file)."""
    with open(path, "wb") as f:
        if isinstance(write, (bytes, bytearray, memoryview)):
            f.write(write)
        else:
            write(f)
        f.flush()
        os.fsync(f.fileno())


def remove_leftovers(final: str | Path) -> None:
    """Remove the temporary folders (``.NAME.*`` beside ``final``) that interrupted builds of
    ``final`` left; call it under the lock of ``final``, so none of them is in use."""
    final = Path(final)
    for stale in final.parent.glob(f".{final.name}.*"):
        shutil.rmtree(stale, ignore_errors=True)


@contextlib.contextmanager
def atomic_file(path: str | Path, durable: bool = True) -> Iterator[Path]:
    """A temporary path beside ``path`` to write to; when the block ends normally it replaces
    ``path`` in one rename (flushed to disk first if ``durable``), otherwise it is removed.
    A reader sees the old file or the new one, never part of one."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{os.urandom(4).hex()}.tmp")
    try:
        yield tmp
        if durable:
            fd = os.open(tmp, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        os.replace(tmp, path)
        if durable:
            with contextlib.suppress(OSError):
                fsync_dir(path.parent)
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()


def atomic_write(path: str | Path, data: bytes, durable: bool = True) -> None:
    """Replace ``path`` with ``data`` atomically (see :func:`atomic_file`)."""
    with atomic_file(path, durable=durable) as tmp:
        with open(tmp, "wb") as f:
            f.write(data)


# -- one lock between processes ---------------------------------------------------------------
def _lock_for(path: Path):
    import filelock

    # One lock object per path in a process (is_singleton): taking it again in the same thread
    # nests instead of waiting for itself; another thread or process waits. The lock file is
    # kept on release (unlinking a lock file lets two processes lock different files).
    return filelock.FileLock(str(path), is_singleton=True, preserve_lock_file=True)


@contextlib.contextmanager
def exclusive_lock(path: str | Path, on_wait: Callable[[], None] | None = None) -> Iterator[None]:
    """Hold the exclusive lock ``path`` names (waiting for another holder; ``on_wait`` is
    called once if it has to). Re-entrant within a thread. A lock path that is not a regular
    file raises :class:`NotRegularFile` (OSError) at once."""
    import filelock

    path = Path(path).absolute()
    with contextlib.suppress(FileNotFoundError):
        st = os.lstat(path)
        if not stat.S_ISREG(st.st_mode):
            raise NotRegularFile(f"{kind_of(st.st_mode)}, not a lock file", str(path))
    lock = _lock_for(path)
    try:
        lock.acquire(blocking=False)
    except filelock.Timeout:
        if on_wait is not None:
            on_wait()
        lock.acquire()
    try:
        yield
    finally:
        lock.release()


@contextlib.contextmanager
def lock_if_free(path: str | Path) -> Iterator[bool]:
    """Hold the lock ``path`` names if no one else does (yields True), else yield False at once;
    any error taking it counts as busy."""
    import filelock

    try:
        lock = _lock_for(Path(path).absolute())
        lock.acquire(blocking=False)
    except (filelock.Timeout, OSError, ValueError):
        yield False
        return
    try:
        yield True
    finally:
        lock.release()
