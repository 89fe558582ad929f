"""The index on disk: a folder of plain files (JSON and .npy, never pickle), written atomically.

Layout of an index folder::

    INDEX_DIR/
      CURRENT            name of the generation in use (replaced atomically)
      .lock              held by the process that is writing a generation
      gen-<time>-<pid>/
        manifest.json    format, Fahras and normalizer versions, model, corpus hashes, files
        documents.json   document metadata (title, date, languages, sha256)
        passages.json    passages with their original text, labels and section paths
        terms.json       the analyzed terms of each passage (BM25 input)
        vectors.npy      float32 passage embeddings, L2-normalized
        sentences.npy    int32 rows (passage index, start, end) of each sentence
        sentence_vectors.npy  float32 sentence embeddings

A new generation is written beside the current one, flushed to disk, then ``CURRENT`` is
replaced in one ``os.replace``: a build killed at any point leaves the previous index in use.
The generation before the current one is kept (a reader may still be opening it); older ones
are removed. Every file's size and sha256 are in the manifest and checked when loading, so a
truncated or modified file is reported with a rebuild hint instead of giving wrong results.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from fahras.errors import IndexError_
from fahras.fsutil import fsync_dir, sha256_file
from fahras.index.report import Passage

FORMAT_VERSION = 1
JSON_FILES = ("documents.json", "passages.json", "terms.json")
ARRAY_FILES = ("vectors.npy", "sentences.npy", "sentence_vectors.npy")
REBUILD_HINT = "rebuild it with: fahras index"


@dataclass
class IndexData:
    """Everything a searcher needs, as loaded from (or about to be written to) disk."""

    documents: list[dict]
    passages: list[Passage]
    terms: list[list[str]]
    vectors: np.ndarray
    sentences: np.ndarray
    sentence_vectors: np.ndarray
    manifest: dict = field(default_factory=dict)


def _write_file(path: Path, write) -> None:
    with path.open("wb") as f:
        write(f)
        f.flush()
        os.fsync(f.fileno())


def _dump_json(obj) -> bytes:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


@contextlib.contextmanager
def write_lock(index_dir: Path):
    """Hold the index folder's write lock (another writer waits)."""
    index_dir.mkdir(parents=True, exist_ok=True)
    with (index_dir / ".lock").open("a+") as f:
        fcntl.flock(f.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f.fileno(), fcntl.LOCK_UN)


def current_generation(index_dir: Path) -> Path | None:
    try:
        name = (index_dir / "CURRENT").read_text(encoding="utf-8").strip()
    except (FileNotFoundError, NotADirectoryError):
        return None
    except (OSError, UnicodeDecodeError):
        raise IndexError_(f"the index at {index_dir} is damaged (CURRENT unreadable); "
                          f"{REBUILD_HINT}") from None
    if not name or "/" in name or name.startswith("."):
        raise IndexError_(f"the index at {index_dir} is damaged (CURRENT is invalid); {REBUILD_HINT}")
    return index_dir / name


def exists(index_dir: Path) -> bool:
    return (Path(index_dir) / "CURRENT").is_file()


def write_index(index_dir: Path, data: IndexData, manifest: dict,
                before_switch=None) -> Path:
    """Write ``data`` as a new generation and make it current; returns the generation folder.

    ``before_switch`` (for tests of crash safety) is called after the files are written and
    before ``CURRENT`` is replaced.
    """
    index_dir = Path(index_dir)
    with write_lock(index_dir):
        # One clock reading, zero-padded: names sort in the order generations were written.
        gen = index_dir / f"gen-{time.time_ns():020d}-{os.getpid()}"
        gen.mkdir()
        payloads = {
            "documents.json": _dump_json(data.documents),
            "passages.json": _dump_json([p.to_json() for p in data.passages]),
            "terms.json": _dump_json(data.terms),
        }
        for name, blob in payloads.items():
            _write_file(gen / name, lambda f, b=blob: f.write(b))
        arrays = {
            "vectors.npy": np.ascontiguousarray(data.vectors, dtype=np.float32),
            "sentences.npy": np.ascontiguousarray(data.sentences, dtype=np.int32).reshape(-1, 3),
            "sentence_vectors.npy": np.ascontiguousarray(data.sentence_vectors, dtype=np.float32),
        }
        for name, arr in arrays.items():
            _write_file(gen / name, lambda f, a=arr: np.save(f, a, allow_pickle=False))
        files = {name: {"sha256": sha256_file(gen / name), "bytes": (gen / name).stat().st_size}
                 for name in (*JSON_FILES, *ARRAY_FILES)}
        full = {"format": FORMAT_VERSION, **manifest, "files": files}
        _write_file(gen / "manifest.json",
                    lambda f: f.write(json.dumps(full, ensure_ascii=False, indent=2).encode()))
        fsync_dir(gen)
        if before_switch is not None:
            before_switch(gen)
        tmp = index_dir / f".CURRENT.{os.getpid()}"
        _write_file(tmp, lambda f: f.write(gen.name.encode()))
        os.replace(tmp, index_dir / "CURRENT")
        fsync_dir(index_dir)
        _remove_old_generations(index_dir, keep=gen)
        return gen


def _remove_old_generations(index_dir: Path, keep: Path) -> None:
    gens = sorted(p for p in index_dir.glob("gen-*") if p.is_dir() and p != keep)
    # Keep the newest previous generation for readers that are opening it right now.
    for old in gens[:-1]:
        shutil.rmtree(old, ignore_errors=True)
    for tmp in index_dir.glob(".CURRENT.*"):
        with contextlib.suppress(OSError):
            tmp.unlink()


def read_manifest(index_dir: Path) -> tuple[Path, dict]:
    index_dir = Path(index_dir)
    gen = current_generation(index_dir)
    if gen is None:
        raise IndexError_(f"there is no index at {index_dir}; build it with: fahras index")
    try:
        manifest = json.loads((gen / "manifest.json").read_text(encoding="utf-8"))
        if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict):
            raise ValueError("not a manifest")
    except FileNotFoundError:
        raise IndexError_(f"the index at {index_dir} is damaged (manifest.json is missing); "
                          f"{REBUILD_HINT}") from None
    except (ValueError, UnicodeDecodeError, OSError):
        raise IndexError_(f"the index at {index_dir} is damaged (manifest.json is unreadable); "
                          f"{REBUILD_HINT}") from None
    if manifest.get("format") != FORMAT_VERSION:
        raise IndexError_(f"the index at {index_dir} has format {manifest.get('format')!r}; this "
                          f"Fahras reads format {FORMAT_VERSION}; {REBUILD_HINT}")
    return gen, manifest


def read_index(index_dir: Path, verify: bool = True) -> IndexData:
    """Load an index, checking every file against the manifest."""
    index_dir = Path(index_dir)
    gen, manifest = read_manifest(index_dir)
    for name in (*JSON_FILES, *ARRAY_FILES):
        path = gen / name
        meta = manifest["files"].get(name)
        if meta is None or not path.is_file():
            raise IndexError_(f"the index at {index_dir} is damaged ({name} is missing); {REBUILD_HINT}")
        if path.stat().st_size != meta.get("bytes") or (verify and sha256_file(path) != meta.get("sha256")):
            raise IndexError_(f"the index at {index_dir} is damaged ({name} does not match its "
                              f"manifest: truncated or modified); {REBUILD_HINT}")
    try:
        documents = json.loads((gen / "documents.json").read_text(encoding="utf-8"))
        passages = [Passage.from_json(p) for p in
                    json.loads((gen / "passages.json").read_text(encoding="utf-8"))]
        terms = json.loads((gen / "terms.json").read_text(encoding="utf-8"))
        vectors = np.load(gen / "vectors.npy", allow_pickle=False)
        sentences = np.load(gen / "sentences.npy", allow_pickle=False)
        sentence_vectors = np.load(gen / "sentence_vectors.npy", allow_pickle=False)
    except (ValueError, TypeError, KeyError, OSError) as e:
        raise IndexError_(f"the index at {index_dir} is damaged ({e}); {REBUILD_HINT}") from None
    if not (len(passages) == len(terms) == vectors.shape[0]
            and sentences.shape[0] == sentence_vectors.shape[0]):
        raise IndexError_(f"the index at {index_dir} is inconsistent (counts differ); {REBUILD_HINT}")
    return IndexData(documents, passages, terms, vectors, sentences, sentence_vectors, manifest)
