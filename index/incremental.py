"""Incremental indexing: re-embed only what changed since the index's current generation.

A corpus grows one report at a time; embedding is the slow part of indexing (about 0.1 s a
text with the default model on 2 cores). So a new generation reuses, from the current one:

- the vectors of every text it already embedded (passages and sentences, keyed by their exact
  text: the same text under the same model and prompt always gets the same vector), and
- the analyzed terms of every passage text it already analyzed,

when the current generation was built with the same model and normalizer. Adding or changing
one document therefore embeds only its new or changed passages and sentences; a removed
document's passages are simply not carried over. Nothing is modified in place: the result is a
complete new generation, written atomically by :func:`fahras.index.store.write_index`, whose
manifest lists every document with its content hash and what changed (``changes``).

:func:`fahras.index.builder.update_index` adds, replaces or removes documents without re-reading
the others: their passages, terms and vectors are carried over from the current generation as
they are.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from fahras.errors import CorpusError, IndexError_, UsageError
from fahras.index import glossaries as glossary_files
from fahras.index import progress as progress_lines, store, token_states
from fahras.index.embedder import Embedder
from fahras.index.report import PARSER_VERSION, Document, Passage
from fahras.text.arabic import NORMALIZER_VERSION, analyze
from fahras.text.sentences import split_sentences


@dataclass
class Changes:
    """What a new generation changed, document by document, and how much it embedded."""

    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    embedded_texts: int = 0
    reused_texts: int = 0

    def to_json(self) -> dict:
        return dict(self.__dict__)


def previous_data(index_dir: Path, embedder: Embedder) -> store.IndexData | None:
    """The current generation, if it can be reused with this embedder (same model and
    normalizer, readable and intact); else None (a full build)."""
    index_dir = Path(index_dir)
    if not store.exists(index_dir):
        return None
    try:
        data = store.read_index(index_dir)
    except IndexError_:
        return None  # damaged or older format: rebuild everything
    m = data.manifest
    if (m.get("normalizer_version") != NORMALIZER_VERSION
            or (m.get("model") or {}).get("sha256") != embedder.fingerprint):
        return None
    return data


def _say(progress: bool, message: str) -> None:
    progress_lines.say(progress, message)


class _Cache:
    """Vectors and terms of the previous generation, by exact text."""

    def __init__(self, previous: store.IndexData | None):
        self.vectors: dict[str, np.ndarray] = {}
        self.terms: dict[str, list[str]] = {}
        if previous is None:
            return
        for p, t, v in zip(previous.passages, previous.terms, previous.vectors):
            self.vectors.setdefault(p.text, v)
            self.terms.setdefault(p.text, t)
        for (i, a, b), v in zip(previous.sentences.tolist(), previous.sentence_vectors):
            self.vectors.setdefault(previous.passages[i].text[a:b], v)


def _previous_by_doc(previous: store.IndexData) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for i, p in enumerate(previous.passages):
        out.setdefault(p.doc, []).append(i)
    return out


def prepare(docs: Sequence[Document | str], embedder: Embedder,
            previous: store.IndexData | None = None, progress: bool = False,
            ) -> tuple[store.IndexData, Changes, list[dict]]:
    """Analyze and embed a corpus, reusing the previous generation's work.

    ``docs`` are parsed documents, or ids of documents of ``previous`` to carry over as they
    are. Returns the data to write, what changed, and the manifest's document entries.
    """
    changes = Changes()
    cache = _Cache(previous)
    prev_docs = {d["id"]: d for d in (previous.documents if previous else [])}
    prev_entries = {d["id"]: d for d in ((previous.manifest.get("documents") or [])
                                         if previous else [])}
    prev_rows = _previous_by_doc(previous) if previous else {}
    prev_sent: dict[int, list[int]] = {}
    if previous is not None:
        for j, i in enumerate(previous.sentences[:, 0].tolist()):
            prev_sent.setdefault(i, []).append(j)

    passages: list[Passage] = []
    terms: list[list[str]] = []
    documents: list[dict] = []
    entries: list[dict] = []
    # Vectors: either a row of the previous arrays or a text to look up / embed.
    passage_src: list[tuple[str, object]] = []  # ("prev", row) | ("text", text)
    sent_rows: list[tuple[int, int, int]] = []
    sent_src: list[tuple[str, object]] = []

    seen: set[str] = set()
    for d in docs:
        doc_id = d if isinstance(d, str) else d.id
        if doc_id in seen:
            raise CorpusError("duplicate_name", doc=doc_id)
        seen.add(doc_id)
        if isinstance(d, str):  # carried over from the previous generation as it is
            if previous is None or d not in prev_docs:
                raise UsageError("no_such_document", doc=d)
            changes.unchanged.append(d)
            documents.append(prev_docs[d])
            entries.append(prev_entries.get(d, {"id": d}))
            for i in prev_rows.get(d, []):
                p = previous.passages[i]
                new_index = len(passages)
                passages.append(_renumber(p, new_index))
                terms.append(previous.terms[i])
                passage_src.append(("prev", i))
                for j in prev_sent.get(i, []):
                    _, a, b = previous.sentences[j].tolist()
                    sent_rows.append((new_index, a, b))
                    sent_src.append(("prevs", j))
            continue
        old = prev_entries.get(d.id)
        if old is None:
            changes.added.append(d.id)
        elif old.get("sha256") == d.sha256 and old.get("parser_version") == PARSER_VERSION:
            changes.unchanged.append(d.id)
        else:
            changes.changed.append(d.id)
        documents.append(d.metadata())
        entries.append(document_entry(d))
        for p in d.passages:
            new_index = len(passages)
            passages.append(_renumber(p, new_index))
            cached = cache.terms.get(p.text)
            terms.append(cached if cached is not None else analyze(p.text))
            passage_src.append(("text", p.text))
            if p.kind == "heading":
                continue
            for s in split_sentences(p.text):
                sent_rows.append((new_index, s.start, s.end))
                sent_src.append(("text", p.text[s.start:s.end]))
    if previous is not None:
        changes.removed = [d for d in prev_docs if d not in seen]
    # The corpus's own glossary files (read before embedding: a malformed one stops here).
    glossaries = glossary_files.collect(
        [(d.id, d.source) for d in docs if not isinstance(d, str)],
        previous.glossaries if previous is not None else (),
        kept=[d for d in docs if isinstance(d, str)])

    todo = list(dict.fromkeys(t for kind, t in (*passage_src, *sent_src)
                              if kind == "text" and t not in cache.vectors))
    changes.embedded_texts = len(todo)
    changes.reused_texts = sum(1 for kind, t in (*passage_src, *sent_src)
                               if kind != "text" or t in cache.vectors)
    if todo:
        _say(progress, f"Embedding {len(todo)} new texts with {embedder.name} "
                       f"(reusing {changes.reused_texts})...")
        fresh = progress_lines.encode_documents(embedder, todo, progress)
        cache.vectors.update(zip(todo, fresh))
    dim = embedder.dim

    def vector(kind: str, ref) -> np.ndarray:
        if kind == "prev":
            return previous.vectors[ref]
        if kind == "prevs":
            return previous.sentence_vectors[ref]
        return cache.vectors[ref]

    vectors = np.asarray([vector(k, r) for k, r in passage_src], dtype=np.float32).reshape(-1, dim)
    sentence_vectors = np.asarray([vector(k, r) for k, r in sent_src],
                                  dtype=np.float32).reshape(-1, dim)
    states = token_states.build(
        embedder, [p.text for p in passages],
        [passages[i].text[a:b] for i, a, b in sent_rows], previous, progress)
    data = store.IndexData(
        documents=documents, passages=passages, terms=terms, vectors=vectors,
        sentences=np.asarray(sent_rows, dtype=np.int32).reshape(-1, 3),
        sentence_vectors=sentence_vectors, glossaries=glossaries, token_states=states)
    return data, changes, entries


def _renumber(p: Passage, order: int) -> Passage:
    """The passage with its position in the whole corpus (``order`` is corpus-wide)."""
    if p.order == order:
        return p
    d = p.to_json()
    d["order"] = order
    return Passage.from_json(d)


def document_entry(d: Document) -> dict:
    """A document's line in the manifest: what identifies its content and its metadata."""
    return {"id": d.id, "source": d.source, "sha256": d.sha256, "parser_version": PARSER_VERSION,
            "symbol": d.symbol, "lang": d.lang, "year": d.year,
            "n_passages": len(d.passages)}


def corpus_hash_of(entries: Sequence[dict]) -> str:
    import hashlib

    h = hashlib.sha256()
    for d in entries:
        h.update(f"{d['id']}\0{d.get('sha256')}\n".encode())
    return h.hexdigest()


def manifest_for(data: store.IndexData, entries: list[dict], embedder: Embedder,
                 changes: Changes) -> dict:
    import fahras

    return {
        "fahras_version": fahras.__version__,
        "normalizer_version": NORMALIZER_VERSION,
        "parser_version": PARSER_VERSION,
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "model": {"name": embedder.name, "sha256": embedder.fingerprint, "dim": embedder.dim},
        "documents": entries,
        "corpus_sha256": corpus_hash_of(entries),
        "n_passages": len(data.passages),
        "n_sentences": int(data.sentences.shape[0]),
        "glossaries": [{"file": g["file"], "docs": g["docs"], "rows": len(g["rows"])}
                       for g in data.glossaries],
        "changes": changes.to_json(),
    }
