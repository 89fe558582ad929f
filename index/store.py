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
        glossaries.json  the corpus's own glossary files, as rows (index/glossaries.py; an
                         index written before it has none)
        vectors.npy      float32 passage embeddings, L2-normalized
        sentences.npy    int32 rows (passage index, start, end) of each sentence
        sentence_vectors.npy  float32 sentence embeddings
        token_vectors.npy, token_ids.npy, token_spans.npy  token states of the passages and
                         sentences (float16), their token ids and each unit's row span
                         (index/token_states.py; optional: an index over their budget, or
                         written before them, has none)

A new generation is written beside the current one under a temporary name
(``.tmp-gen-...``), flushed to disk, renamed to ``gen-<time>-<pid>-<manifest sha256, 16 hex>``,
then ``CURRENT`` is replaced in one ``os.replace``: a build killed at any point leaves the
previous index in use. The generation that was current before is kept (a reader may still be
opening it); every other generation -- older ones, and complete or half-written ones left by a
killed build -- is removed by the next build, under the write lock.

Every file's size and sha256 are in the manifest, and the manifest's own sha256 is in the
generation's name; all are checked when loading, so a truncated or modified file (manifest
included) is reported with a rebuild hint instead of giving wrong results. A ``CURRENT`` that
is missing while generations exist, empty, unreadable or naming a missing generation is
reported the same way (never silently rebuilt over).

A build or an update holds the write lock (``.lock``, :func:`fahras.fsutil.exclusive_lock`)
from before it reads the current generation until the new one is current, so two processes
changing one index never lose each other's changes: the second waits, then reads what the
first wrote. What the file system refuses -- an unreadable file or folder, a read-only home, a
FIFO or a folder where a file belongs, a file where the index folder belongs -- is an
:class:`~fahras.errors.IndexError_` naming the file, never a traceback nor a read that waits
for ever.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import stat
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from fahras import messages
from fahras.errors import IndexError_
from fahras.fsutil import (NotRegularFile, atomic_write, check_regular, describe, exclusive_lock,
                           fsync_dir, read_regular, sha256_file, write_synced)
from fahras.index import glossaries as glossary_rows
from fahras.index.report import Passage
from fahras.index.token_states import TokenStates
from fahras.index.token_states import check as check_token_states

FORMAT_VERSION = 1
JSON_FILES = ("documents.json", "passages.json", "terms.json")
# Written by every build; read when the manifest lists them (older generations lack them).
OPTIONAL_JSON = ("glossaries.json",)
ARRAY_FILES = ("vectors.npy", "sentences.npy", "sentence_vectors.npy")
OPTIONAL_ARRAYS = ("token_vectors.npy", "token_spans.npy", "token_ids.npy")  # all or none
REBUILD_HINT = messages.text("hint_rebuild")  # in every "damaged" message
LOCK = ".lock"
TMP_PREFIX = ".tmp-gen-"
# gen-<time ns>-<pid>-<first 16 hex of the manifest's sha256> (older indexes: no hash part)
_GEN_NAME = re.compile(r"gen-\d+-\d+(?:-([0-9a-f]{16}))?")


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
    glossaries: list[dict] = field(default_factory=list)  # see fahras.index.glossaries
    token_states: TokenStates | None = None               # see fahras.index.token_states


def _dump_json(obj) -> bytes:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def unreadable(index_dir: Path, e: OSError) -> IndexError_:
    """The error for an index the file system does not let us read."""
    if isinstance(e, NotRegularFile):
        return IndexError_("index_damaged", path=index_dir, detail=describe(e, index_dir))
    return IndexError_("index_unreadable", path=index_dir, detail=describe(e, index_dir))


def unwritable(index_dir: Path, e: OSError) -> IndexError_:
    """The error for an index folder the file system does not let us write."""
    index_dir = Path(index_dir)
    if isinstance(e, NotRegularFile):
        return IndexError_("index_unwritable_entry", path=index_dir,
                           detail=describe(e, index_dir))
    if isinstance(e, (FileExistsError, NotADirectoryError)) and not index_dir.is_dir():
        return not_a_folder(index_dir)
    return IndexError_("index_unwritable", path=index_dir, detail=describe(e, index_dir))


def not_a_folder(index_dir: Path) -> IndexError_:
    return IndexError_("index_not_a_folder", path=index_dir)


@contextlib.contextmanager
def write_lock(index_dir: Path, on_wait=None):
    """Hold the index folder's write lock, creating the folder if needed (another writer
    waits; ``on_wait`` is called if this one has to). Re-entrant within a thread."""
    index_dir = Path(index_dir)
    with contextlib.ExitStack() as stack:
        try:
            index_dir.mkdir(parents=True, exist_ok=True)
            stack.enter_context(exclusive_lock(index_dir / LOCK, on_wait=on_wait))
        except OSError as e:
            raise unwritable(index_dir, e) from None
        yield


def _generations(index_dir: Path) -> list[Path]:
    """The complete generations in an index folder (temporary ones excluded)."""
    try:
        return sorted(p for p in Path(index_dir).glob("gen-*") if p.is_dir())
    except OSError:
        return []


def current_generation(index_dir: Path) -> Path | None:
    """The generation ``CURRENT`` names; None when the folder holds no index at all."""
    index_dir = Path(index_dir)
    try:
        name = read_regular(index_dir / "CURRENT", limit=4096).decode("utf-8").strip()
    except (FileNotFoundError, NotADirectoryError):
        if not exists(index_dir):
            return None
        raise IndexError_("index_current_missing", path=index_dir) from None
    except (PermissionError, NotRegularFile) as e:
        raise unreadable(index_dir, e) from None
    except (OSError, UnicodeDecodeError):
        raise IndexError_("index_current_unreadable", path=index_dir) from None
    if not name or "/" in name or "\\" in name or name.startswith(".") or "\0" in name:
        raise IndexError_("index_current_invalid", path=index_dir)
    gen = index_dir / name
    try:
        if not stat.S_ISDIR(os.stat(gen).st_mode):
            raise FileNotFoundError(name)
    except PermissionError as e:
        raise unreadable(index_dir, e) from None
    except OSError:
        raise IndexError_("index_current_names_missing", path=index_dir, name=name[:80]) from None
    return gen


def generation_id(index_dir: Path) -> str | None:
    """The name of the generation ``CURRENT`` names, read cheaply (no check): a server
    compares it between requests to notice that the index it serves was rebuilt."""
    try:
        return (Path(index_dir) / "CURRENT").read_text(encoding="utf-8").strip() or None
    except (OSError, UnicodeDecodeError):
        return None


def exists(index_dir: Path) -> bool:
    """Whether the folder holds an index (intact or not): CURRENT or a generation. A folder
    that cannot be looked into, or a file in its place, is an error, not "no index" (which
    would send a search to rebuild it)."""
    index_dir = Path(index_dir)
    try:
        os.lstat(index_dir / "CURRENT")
        return True
    except FileNotFoundError:
        pass
    except NotADirectoryError:
        raise not_a_folder(index_dir) from None
    except PermissionError as e:
        raise unreadable(index_dir, e) from None
    return bool(_generations(index_dir))


def write_index(index_dir: Path, data: IndexData, manifest: dict,
                before_switch=None) -> Path:
    """Write ``data`` as a new generation and make it current; returns the generation folder.

    ``before_switch`` (for tests of crash safety) is called after the files are written and
    before ``CURRENT`` is replaced.
    """
    index_dir = Path(index_dir)
    with write_lock(index_dir):
        try:
            return _write_generation(index_dir, data, manifest, before_switch)
        except OSError as e:
            raise unwritable(index_dir, e) from None


def _write_generation(index_dir: Path, data: IndexData, manifest: dict, before_switch) -> Path:
    """The body of :func:`write_index` (under the lock)."""
    try:
        previous = current_generation(index_dir)
    except IndexError_:
        previous = None  # a damaged index is replaced, not kept
    # One clock reading, zero-padded: names sort in the order generations were written.
    stem = f"gen-{time.time_ns():020d}-{os.getpid()}"
    tmp_gen = index_dir / f"{TMP_PREFIX}{stem}"
    tmp_gen.mkdir()
    try:
        payloads = {
            "documents.json": _dump_json(data.documents),
            "passages.json": _dump_json([p.to_json() for p in data.passages]),
            "terms.json": _dump_json(data.terms),
            "glossaries.json": _dump_json(data.glossaries),
        }
        for name, blob in payloads.items():
            write_synced(tmp_gen / name, blob)
        arrays = {
            "vectors.npy": np.ascontiguousarray(data.vectors, dtype=np.float32),
            "sentences.npy": np.ascontiguousarray(data.sentences, dtype=np.int32).reshape(-1, 3),
            "sentence_vectors.npy": np.ascontiguousarray(data.sentence_vectors, dtype=np.float32),
        }
        if data.token_states is not None:
            arrays["token_vectors.npy"] = np.ascontiguousarray(data.token_states.vectors)
            arrays["token_spans.npy"] = np.ascontiguousarray(data.token_states.spans,
                                                             dtype=np.int64)
            arrays["token_ids.npy"] = np.ascontiguousarray(data.token_states.ids,
                                                           dtype=np.int32)
        for name, arr in arrays.items():
            write_synced(tmp_gen / name, lambda f, a=arr: np.save(f, a, allow_pickle=False))
        files = {name: {"sha256": sha256_file(tmp_gen / name),
                        "bytes": (tmp_gen / name).stat().st_size}
                 for name in (*JSON_FILES, *OPTIONAL_JSON, *arrays)}
        full = {"format": FORMAT_VERSION, **manifest, "files": files}
        blob = json.dumps(full, ensure_ascii=False, indent=2).encode()
        write_synced(tmp_gen / "manifest.json", blob)
        fsync_dir(tmp_gen)
        gen = index_dir / f"{stem}-{hashlib.sha256(blob).hexdigest()[:16]}"
        os.replace(tmp_gen, gen)
    except BaseException:
        shutil.rmtree(tmp_gen, ignore_errors=True)  # a failed write leaves nothing behind
        raise
    fsync_dir(index_dir)
    if before_switch is not None:
        before_switch(gen)
    current = index_dir / "CURRENT"
    if current.is_dir() and not current.is_symlink():
        shutil.rmtree(current)  # damage: a folder where the pointer belongs
    atomic_write(current, gen.name.encode())
    _remove_old_generations(index_dir, keep=(gen, previous))
    return gen


def _remove_old_generations(index_dir: Path, keep: tuple[Path | None, ...]) -> None:
    """Remove every generation but ``keep`` (the new one and the one current before it, for
    readers opening it right now): older ones, and what killed builds left (half-written
    temporary folders, complete generations never made current). Called under the lock."""
    for old in _generations(index_dir):
        if old not in keep:
            shutil.rmtree(old, ignore_errors=True)
    for stale in index_dir.glob(f"{TMP_PREFIX}*"):
        shutil.rmtree(stale, ignore_errors=True)
    for tmp in index_dir.glob(".CURRENT.*"):
        with contextlib.suppress(OSError):
            tmp.unlink()


def read_manifest(index_dir: Path) -> tuple[Path, dict]:
    index_dir = Path(index_dir)
    gen = current_generation(index_dir)
    if gen is None:
        raise IndexError_("index_missing", path=index_dir)
    try:
        blob = read_regular(gen / "manifest.json")
        named = _GEN_NAME.fullmatch(gen.name)
        if named and named.group(1) and hashlib.sha256(blob).hexdigest()[:16] != named.group(1):
            raise IndexError_("index_manifest_mismatch", path=index_dir)
        manifest = json.loads(blob.decode("utf-8"))
        if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict):
            raise ValueError("not a manifest")
    except (FileNotFoundError, NotADirectoryError):
        raise IndexError_("index_manifest_missing", path=index_dir) from None
    except (PermissionError, NotRegularFile) as e:
        raise unreadable(index_dir, e) from None
    except (ValueError, UnicodeDecodeError, OSError):
        raise IndexError_("index_manifest_unreadable", path=index_dir) from None
    if manifest.get("format") != FORMAT_VERSION:
        raise IndexError_("index_format", path=index_dir, format=manifest.get("format"),
                          expected=FORMAT_VERSION)
    return gen, manifest


def has_token_states(index_dir: Path) -> bool:
    """Whether the index's current generation lists its token states (the manifest alone)."""
    return _lists_token_states(read_manifest(index_dir)[1])


def _lists_token_states(manifest: dict) -> bool:
    return all(n in manifest["files"] for n in OPTIONAL_ARRAYS)  # all or none


def read_index(index_dir: Path, verify: bool = True) -> IndexData:
    """Load an index, checking every file against the manifest."""
    index_dir = Path(index_dir)
    gen, manifest = read_manifest(index_dir)
    optional = [n for n in OPTIONAL_JSON if n in manifest["files"]]
    with_tokens = _lists_token_states(manifest)
    for name in (*JSON_FILES, *optional, *ARRAY_FILES, *(OPTIONAL_ARRAYS if with_tokens else ())):
        path = gen / name
        meta = manifest["files"].get(name)
        try:
            size = check_regular(path).st_size if isinstance(meta, dict) else None
            same = size == meta.get("bytes") and (not verify
                                                  or sha256_file(path) == meta.get("sha256"))
        except (FileNotFoundError, NotADirectoryError):
            size = None
        except (PermissionError, NotRegularFile) as e:
            raise unreadable(index_dir, e) from None
        if size is None:
            raise IndexError_("index_file_missing", path=index_dir, name=name)
        if not same:
            raise IndexError_("index_file_mismatch", path=index_dir, name=name)
    try:
        documents = json.loads((gen / "documents.json").read_text(encoding="utf-8"))
        passages = [Passage.from_json(p) for p in
                    json.loads((gen / "passages.json").read_text(encoding="utf-8"))]
        terms = json.loads((gen / "terms.json").read_text(encoding="utf-8"))
        vectors = np.load(gen / "vectors.npy", allow_pickle=False)
        sentences = np.load(gen / "sentences.npy", allow_pickle=False)
        sentence_vectors = np.load(gen / "sentence_vectors.npy", allow_pickle=False)
        glossaries = (json.loads((gen / "glossaries.json").read_text(encoding="utf-8"))
                      if "glossaries.json" in optional else [])
        states = (TokenStates(*(np.load(gen / name, allow_pickle=False)
                                for name in OPTIONAL_ARRAYS)) if with_tokens else None)
    except PermissionError as e:
        raise unreadable(index_dir, e) from None
    except (ValueError, TypeError, KeyError, AttributeError, OSError) as e:
        raise IndexError_("index_damaged", path=index_dir, detail=_first_line(e)) from None
    problem = (_inconsistency(documents, passages, terms, vectors, sentences, sentence_vectors)
               or glossary_rows.check(glossaries)
               or (states is not None and check_token_states(
                   states, len(passages) + len(sentences), vectors.shape[1])))
    if problem:
        raise IndexError_("index_inconsistent", path=index_dir, problem=problem)
    return IndexData(documents, passages, terms, vectors, sentences, sentence_vectors, manifest,
                     glossaries, states)


def _first_line(e: Exception) -> str:
    text = str(e).strip().splitlines()
    return (text[0] if text else type(e).__name__)[:200]


def _inconsistency(documents, passages, terms, vectors, sentences, sentence_vectors) -> str | None:
    """What does not fit together in loaded index files (None: all fits). The manifest's
    hashes catch damage; this catches files that are each intact but do not belong together."""
    if not isinstance(documents, list) or not isinstance(terms, list):
        return "documents or terms are not lists"
    if vectors.ndim != 2 or sentence_vectors.ndim != 2 or sentences.ndim != 2:
        return "arrays of the wrong shape"
    if not (len(passages) == len(terms) == vectors.shape[0]
            and sentences.shape[0] == sentence_vectors.shape[0]):
        return "counts differ"
    if sentences.shape[1] != 3 or (len(sentence_vectors) and sentence_vectors.shape[1] != vectors.shape[1]):
        return "arrays of the wrong shape"
    if len(sentences):
        rows, starts, ends = sentences[:, 0], sentences[:, 1], sentences[:, 2]
        if rows.min() < 0 or rows.max() >= len(passages) or (starts < 0).any() or (ends < starts).any():
            return "sentence rows out of range"
        lengths = np.array([len(p.text) for p in passages])
        if (ends > lengths[rows]).any():
            return "sentence rows out of range"
    # A NaN or an infinity anywhere makes the sum one (no copy of a large array).
    if not (np.isfinite(vectors.sum(dtype=np.float64))
            and np.isfinite(sentence_vectors.sum(dtype=np.float64))):
        return "vectors that are not finite numbers"
    return None
