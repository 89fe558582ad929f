"""Building an index from document files, updating it document by document, and checking that
an index fits the model in use.

``build_index`` reads the documents into passages (a file that cannot be read is skipped and
reported, :func:`read_documents`), analyzes their terms (the same analyzer the queries go
through), embeds passages and their sentences once with the model's ``passage`` prompt, and
writes everything as a new generation of the index folder (see :mod:`fahras.index.store`).

Without paths it builds the bundled report, but never silently drops documents a user added:
when the index holds others, :func:`check_default_rebuild` refuses unless ``replace``.
:func:`update_index` adds, replaces or removes documents without re-reading the others. Both
reuse what the current generation already computed (:mod:`fahras.index.incremental`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from fahras import config
from fahras.errors import CorpusError, IndexError_, UsageError
from fahras.index import incremental, progress as prog, store
from fahras.index.embedder import get_embedder
from fahras.index.report import Document
from fahras.text.arabic import NORMALIZER_VERSION


def _say(progress: bool, message: str) -> None:
    prog.say(progress, message)


@dataclass(frozen=True)
class Skipped:
    """A file that could not be read: its path, why, and whether the index keeps the version
    of it that it already held."""

    path: str
    reason: str
    kept: bool = False
    error: CorpusError | None = field(default=None, compare=False, repr=False)

    def to_json(self) -> dict:
        return {"path": self.path, "reason": self.reason, "kept": self.kept}


def _reason(path: Path, error: CorpusError) -> str:
    """The error's message without the path it starts with (the path is reported beside it)."""
    message = str(error)
    for prefix in (str(path), path.name):
        if message.startswith(prefix):
            return message[len(prefix):].lstrip(" :") or message
    return message


def read_corpus(paths: Sequence[str | Path] | None,
                progress: bool = False) -> list[Document | Skipped]:
    """Every file of the given files and folders (.txt, .docx, .pdf; default: the bundled
    report), in order: parsed, or skipped with the reason it cannot be read. A path that does
    not exist, two documents with one name, or no readable file at all is an error. With
    ``progress``, each file of several (or a large one) is named as it is read."""
    from fahras.index.loaders import expand_paths, load_document

    files = expand_paths(paths) if paths else [config.bundled_corpus()]
    out: list[Document | Skipped] = []
    for i, path in enumerate(files, 1):
        if len(files) > 1 or _large(path):
            _say(progress, f"  [{i}/{len(files)}] {path} ({_size(path)})")
        try:
            out.append(load_document(path))
        except CorpusError as e:
            out.append(Skipped(str(path), _reason(Path(path), e), error=e))
    skipped = [s for s in out if isinstance(s, Skipped)]
    if len(skipped) == len(out):
        if len(skipped) == 1:
            raise skipped[0].error
        raise CorpusError("corpus_none_readable", n=len(skipped), details="; ".join(
            f"{s.path}: {s.reason}" for s in skipped))
    seen: dict[str, str] = {}
    for d in out:
        if isinstance(d, Document):
            if d.id in seen:
                raise CorpusError("duplicate_name_sources", doc=d.id, first=seen[d.id],
                                  second=d.source)
            seen[d.id] = d.source
    return out


def _large(path: Path) -> bool:
    """A file big enough to take a while to read (one too big to read is refused at once)."""
    from fahras.index.loaders import MAX_FILE_BYTES, MAX_TEXT_BYTES

    try:
        size = Path(path).stat().st_size
    except OSError:
        return False
    limit = MAX_TEXT_BYTES if Path(path).suffix.lower() == ".txt" else MAX_FILE_BYTES
    return 1 << 20 < size <= limit


def _size(path: Path) -> str:
    try:
        n = Path(path).stat().st_size
    except OSError:
        return "?"
    return f"{n / (1 << 20):.1f} MB" if n >= 1 << 20 else f"{max(1, round(n / 1024))} KB"


def read_documents(paths: Sequence[str | Path] | None,
                   progress: bool = False) -> tuple[list[Document], list[Skipped]]:
    """:func:`read_corpus`, as the documents read and the files skipped."""
    read = read_corpus(paths, progress)
    return ([d for d in read if isinstance(d, Document)],
            [s for s in read if isinstance(s, Skipped)])


def waiting(progress: bool, index_dir: Path) -> None:
    _say(progress, f"Waiting for another Fahras process to finish writing {index_dir}...")


def load_documents(paths: Sequence[str | Path] | None, progress: bool = False) -> list[Document]:
    """Parse the given files and folders, refusing any file that cannot be read (with the
    first such file's error); :func:`read_documents` skips them instead."""
    docs, skipped = read_documents(paths, progress)
    if skipped:
        raise skipped[0].error
    return docs


def check_default_rebuild(index_dir: Path, replace: bool = False) -> None:
    """Refuse to rebuild ``index_dir`` with the bundled report alone when it holds documents a
    user added (they would be removed), unless ``replace``. A missing or unreadable index
    holds nothing to protect."""
    from fahras.index.report import doc_id_for

    if replace or not store.exists(index_dir):
        return
    try:
        _, manifest = store.read_manifest(index_dir)
    except IndexError_:
        return
    bundled = doc_id_for(config.bundled_corpus())
    added = [d.get("id") for d in manifest.get("documents") or [] if d.get("id") != bundled]
    if added:
        shown = ", ".join(map(str, added[:5]))
        if len(added) > 5:
            from fahras.messages import Message

            shown = Message("names_and_more", names=shown, n=len(added) - 5)
        raise UsageError("index_holds_added", path=index_dir, n=len(added), shown=shown)


def build_index(paths: Sequence[str | Path] | None = None, index_dir: str | Path | None = None,
                model: str | None = None, progress: bool = False,
                before_switch: Callable[[Path], None] | None = None,
                reuse: bool = True, replace: bool = False) -> dict:
    """Build (or rebuild) the index with exactly the documents of ``paths`` (default: the
    bundled report, see :func:`check_default_rebuild`); returns its manifest, with
    ``skipped``: the files that could not be read (a skipped file the index already held keeps
    its indexed version). The previous index stays in use until the new one is completely
    written. With ``reuse`` (the default) the vectors and terms of texts the current generation
    already holds are reused, not computed again."""
    from fahras.index.report import doc_id_for

    t0 = time.perf_counter()
    index_dir = Path(index_dir) if index_dir else config.default_index_dir()
    if not paths:
        check_default_rebuild(index_dir, replace)
    # The lock is held from here to the switch: a concurrent build or update of the same
    # index waits, then starts from what this one wrote (nothing is lost); a folder that
    # cannot be written is said now, not after the embedding.
    with store.write_lock(index_dir, on_wait=lambda: waiting(progress, index_dir)):
        terminal = prog.on_terminal()
        _say(progress and terminal, "Reading the documents...")
        read = read_corpus(paths, progress)
        docs = [d for d in read if isinstance(d, Document)]
        skipped = [s for s in read if isinstance(s, Skipped)]
        _say(progress, f"Read {len(docs)} document(s): {sum(len(d.passages) for d in docs):,} "
                       f"passages" + (f"; {len(skipped)} file(s) skipped" if skipped else ""))
        _say(progress and not terminal and config.model_spec(model) != "hash",
             "Loading the embedding model (the first run converts it: a minute or two)...")
        embedder = get_embedder(model, progress=progress and terminal)
        # Reuse the current generation's vectors and terms of unchanged texts (index/incremental.py).
        previous = incremental.previous_data(index_dir, embedder) if reuse else None
        # Nothing indexed before is lost: a skipped file the index held keeps its indexed version,
        # in its place in the corpus.
        held = {d["id"] for d in previous.documents} - {d.id for d in docs} if previous else set()
        units: list[Document | str] = []
        skipped = []
        for d in read:
            if isinstance(d, Document):
                units.append(d)
                continue
            doc_id = doc_id_for(d.path)
            if doc_id in held:
                held.discard(doc_id)
                units.append(doc_id)
                d = Skipped(d.path, d.reason, kept=True)
            skipped.append(d)
        data, changes, entries = incremental.prepare(units, embedder, previous, progress=progress)
        manifest = incremental.manifest_for(data, entries, embedder, changes)
        _say(progress, f"Writing the index to {index_dir}...")
        gen = store.write_index(index_dir, data, manifest, before_switch=before_switch)
        manifest = store.read_manifest(index_dir)[1]
    manifest["path"] = str(gen)
    manifest["build_seconds"] = round(time.perf_counter() - t0, 2)
    manifest["skipped"] = [s.to_json() for s in skipped]
    return manifest


def update_index(index_dir: str | Path | None = None, add: Sequence[str | Path] = (),
                 remove: Sequence[str] = (), model: str | None = None,
                 progress: bool = False) -> dict:
    """Add or replace the documents in ``add`` (files or folders) and remove the documents
    whose ids are in ``remove``, keeping every other document of the index as it is. A file
    of ``add`` that cannot be read is skipped (listed in the result's ``skipped``; the index
    keeps any version of it that it held)."""
    t0 = time.perf_counter()
    index_dir = Path(index_dir) if index_dir else config.default_index_dir()
    if not store.exists(index_dir):
        raise IndexError_("index_missing", path=index_dir)
    # Held from reading the current generation to the switch: a concurrent update waits and
    # then starts from this one's result, so neither change is lost.
    with store.write_lock(index_dir, on_wait=lambda: waiting(progress, index_dir)):
        return _update(index_dir, add, remove, model, progress, t0)


def _update(index_dir: Path, add, remove, model, progress: bool, t0: float) -> dict:
    """The body of :func:`update_index` (under the write lock)."""
    from fahras.index.embedder import identity
    from fahras.index.report import doc_id_for

    _, manifest = store.read_manifest(index_dir)
    name, sha, _ = identity(model)
    check_compatible(index_dir, manifest, name, sha)
    new_docs, skipped = read_documents(add, progress) if add else ([], [])
    embedder = get_embedder(model, progress=progress and prog.on_terminal())
    previous = store.read_index(index_dir)  # a damaged or unreadable index says why
    existing = [d["id"] for d in previous.documents]
    skipped = [Skipped(s.path, s.reason, kept=doc_id_for(s.path) in existing
                       and doc_id_for(s.path) not in remove) for s in skipped]
    unknown = [r for r in remove if r not in existing]
    if unknown:
        raise UsageError("no_such_document_listed", doc=unknown[0], documents=", ".join(existing))
    replaced = {d.id: d for d in new_docs}
    units: list[Document | str] = []
    for doc_id in existing:
        if doc_id in remove:
            continue
        units.append(replaced.pop(doc_id) if doc_id in replaced else doc_id)
    units.extend(d for d in new_docs if d.id in replaced)
    if not units:
        raise UsageError("remove_every_document")
    data, changes, entries = incremental.prepare(units, embedder, previous, progress=progress)
    gen = store.write_index(index_dir, data,
                             incremental.manifest_for(data, entries, embedder, changes))
    out = store.read_manifest(index_dir)[1]
    out["path"] = str(gen)
    out["build_seconds"] = round(time.perf_counter() - t0, 2)
    out["skipped"] = [s.to_json() for s in skipped]
    return out


def check_compatible(index_dir: Path, manifest: dict, model_name: str, model_sha256: str) -> None:
    """Refuse, with a clear message, an index built differently from what this search uses."""
    if manifest.get("normalizer_version") != NORMALIZER_VERSION:
        raise IndexError_("index_normalizer", path=index_dir,
                          built=manifest.get("normalizer_version"), ours=NORMALIZER_VERSION)
    built = manifest.get("model") or {}
    if built.get("sha256") != model_sha256:
        raise IndexError_("index_model_mismatch", path=index_dir, built=built.get("name"),
                          model=model_name)
