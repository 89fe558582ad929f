"""Building an index from report files, and checking that an index fits the model in use.

``build_index`` parses the reports into passages, analyzes their terms (the same analyzer the
queries go through), embeds passages and their sentences once with the model's ``passage``
prompt, and writes everything as a new generation of the index folder (see
:mod:`fahras.index.store`).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from fahras import config
from fahras.errors import CorpusError, IndexError_
from fahras.index import incremental, store
from fahras.index.embedder import Embedder, get_embedder
from fahras.index.report import Document
from fahras.retrieval.arabic import NORMALIZER_VERSION, analyze
from fahras.retrieval.sentences import split_sentences
from fahras.testhooks import pause_at


def _say(progress: bool, message: str) -> None:
    if progress:
        print(message, file=sys.stderr, flush=True)


def load_documents(paths: Sequence[str | Path] | None) -> list[Document]:
    """Parse the given report files and folders of reports (.txt, .docx, .pdf; default: the
    bundled report); refuse duplicates."""
    from fahras.index.loaders import expand_paths, load_document

    paths = expand_paths(paths) if paths else [config.bundled_corpus()]
    docs = [load_document(p) for p in paths]
    seen: dict[str, str] = {}
    for d in docs:
        if d.id in seen:
            raise CorpusError("duplicate_name_sources", doc=d.id, first=seen[d.id], second=d.source)
        seen[d.id] = d.source
    return docs


def corpus_hash(docs: Sequence[Document]) -> str:
    return incremental.corpus_hash_of([{"id": d.id, "sha256": d.sha256} for d in docs])


def prepare(docs: Sequence[Document], embedder: Embedder, progress: bool = False,
            ) -> store.IndexData:
    """Analyze and embed the documents' passages and sentences (nothing is written)."""
    passages = [p for d in docs for p in d.passages]
    terms = [analyze(p.text) for p in passages]
    rows = []
    for i, p in enumerate(passages):
        if p.kind == "heading":
            continue
        rows.extend((i, s.start, s.end) for s in split_sentences(p.text))
    sentences = np.asarray(rows, dtype=np.int32).reshape(-1, 3)
    texts = [p.text for p in passages] + [passages[i].text[a:b] for i, a, b in rows]
    _say(progress, f"Embedding {len(passages)} passages and {len(rows)} sentences with {embedder.name}...")
    vectors = embedder.encode_documents(texts, progress=progress)
    return store.IndexData(
        documents=[d.metadata() for d in docs], passages=passages, terms=terms,
        vectors=vectors[: len(passages)], sentences=sentences,
        sentence_vectors=vectors[len(passages):],
    )


def build_index(paths: Sequence[str | Path] | None = None, index_dir: str | Path | None = None,
                model: str | None = None, progress: bool = False,
                before_switch: Callable[[Path], None] | None = None,
                reuse: bool = True) -> dict:
    """Build (or rebuild) the index; returns its manifest. The previous index stays in use
    until the new one is completely written. With ``reuse`` (the default) the vectors and
    terms of texts the current generation already holds are reused, not computed again."""
    t0 = time.perf_counter()
    index_dir = Path(index_dir) if index_dir else config.default_index_dir()
    _say(progress, "Reading the report(s)...")
    docs = load_documents(paths)
    pause_at("parsed")  # a test hook (fahras/testhooks.py): no-op unless a test sets it
    embedder = get_embedder(model, progress=progress)
    # Reuse the current generation's vectors and terms of unchanged texts (index/incremental.py).
    previous = incremental.previous_data(index_dir, embedder) if reuse else None
    data, changes, entries = incremental.prepare(docs, embedder, previous, progress=progress)
    manifest = incremental.manifest_for(data, entries, embedder, changes)
    _say(progress, f"Writing the index to {index_dir}...")
    gen = store.write_index(index_dir, data, manifest, before_switch=before_switch)
    manifest = store.read_manifest(index_dir)[1]
    manifest["path"] = str(gen)
    manifest["build_seconds"] = round(time.perf_counter() - t0, 2)
    return manifest


def check_compatible(index_dir: Path, manifest: dict, model_name: str, model_sha256: str) -> None:
    """Refuse, with a clear message, an index built differently from what this search uses."""
    if manifest.get("normalizer_version") != NORMALIZER_VERSION:
        raise IndexError_("index_normalizer", path=index_dir,
                          built=manifest.get("normalizer_version"), ours=NORMALIZER_VERSION)
    built = manifest.get("model") or {}
    if built.get("sha256") != model_sha256:
        raise IndexError_("index_model_mismatch", path=index_dir, built=built.get("name"),
                          model=model_name)
