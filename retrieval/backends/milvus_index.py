"""Building a Milvus corpus: from document files (:func:`index_milvus`, incremental: unchanged
documents are kept, changed ones replaced, missing ones removed) or from an embedded index as
it is (:func:`export_index`: no text is embedded again). See
:mod:`fahras.retrieval.backends.milvus_store` for what is stored."""

from __future__ import annotations

import sys
import time

from fahras.index import glossaries as glossary_files
from fahras.index.report import PARSER_VERSION
from fahras.text.arabic import NORMALIZER_VERSION
from fahras.retrieval.backends.milvus_store import (
    DEFAULT_COLLECTION,
    MilvusStore,
    connect,
    default_uri,
    milvus_errors,
)


def _info(embedder) -> dict:
    import fahras

    return {"model": {"name": embedder.name, "sha256": embedder.fingerprint, "dim": embedder.dim},
            "normalizer_version": NORMALIZER_VERSION, "parser_version": PARSER_VERSION,
            "fahras_version": fahras.__version__}


def _compatible(info: dict | None, embedder) -> bool:
    return bool(info) and info.get("normalizer_version") == NORMALIZER_VERSION and (
        info.get("model") or {}).get("sha256") == embedder.fingerprint


@milvus_errors
def index_milvus(paths=None, uri: str | None = None, collection: str = DEFAULT_COLLECTION,
                 model: str | None = None, progress: bool = False, index_type: str = "HNSW",
                 token: str | None = None) -> dict:
    """Index report files/folders into Milvus. Documents whose content is unchanged are kept;
    changed ones are replaced (their passages only are embedded); missing ones removed."""
    from fahras.index import incremental
    from fahras.index.builder import load_documents
    from fahras.index.embedder import get_embedder

    t0 = time.perf_counter()
    docs = load_documents(paths)
    # The corpus's own glossary files (read before anything is written: a malformed one stops
    # here), as the documents given now have them.
    glossaries = glossary_files.collect([(d.id, d.source) for d in docs])
    embedder = get_embedder(model, progress=progress)
    client = connect(uri, token)
    try:
        store = MilvusStore(client, collection)
        if store.exists():
            store.load()
        if store.exists() and not _compatible(store.info(), embedder):
            store.drop()  # another model or normalizer: its vectors/terms cannot be mixed
        if not store.exists():
            store.create(embedder.dim, index_type)
            store.write_info(_info(embedder))
        existing = store.document_entries()
        keep, todo = [], []
        for d in docs:
            entry = (existing.get(d.id) or {}).get("entry") or {}
            same = entry.get("sha256") == d.sha256 and entry.get("parser_version") == PARSER_VERSION
            (keep if same else todo).append(d)
        changes = incremental.Changes(
            added=[d.id for d in todo if d.id not in existing],
            changed=[d.id for d in todo if d.id in existing],
            unchanged=[d.id for d in keep],
            removed=[i for i in existing if i not in {d.id for d in docs}])
        store.delete_documents(changes.changed + changes.removed)
        if not todo and (changes.changed or changes.removed):
            store.flush()
        if todo:
            if progress:
                print(f"Embedding {len(todo)} document(s) for Milvus...", file=sys.stderr)
            data, sub, entries = incremental.prepare(todo, embedder, None, progress=progress)
            changes.embedded_texts = sub.embedded_texts
            info = store.info() or _info(embedder)
            store.insert(data, entries, order_offset=int(info.get("next_ord", 0)))
            store.write_info({**info, "next_ord": int(info.get("next_ord", 0)) + len(data.passages)})
        if glossaries != store.glossaries():
            store.write_glossaries(glossaries)
        n_passages = store.count()
        n_sentences = store.count(store.sentences)
    finally:
        client.close()
    return {"backend": "milvus", "uri": str(uri or default_uri()), "collection": collection,
            "documents": [d.id for d in docs], "n_passages": n_passages,
            "n_sentences": n_sentences, "model": _info(embedder)["model"],
            "changes": changes.to_json(), "build_seconds": round(time.perf_counter() - t0, 2)}


@milvus_errors
def export_index(data, uri: str, collection: str = DEFAULT_COLLECTION, index_type: str = "HNSW",
                 token: str | None = None) -> dict:
    """Copy an embedded index (``IndexData`` as read by :func:`fahras.index.store.read_index`)
    into Milvus as it is: no text is embedded again."""
    from fahras.index.incremental import Changes

    client = connect(uri, token)
    try:
        store = MilvusStore(client, collection)
        store.drop()
        m = data.manifest.get("model") or {}
        store.create(int(m.get("dim") or data.vectors.shape[1]), index_type)
        store.write_info({"model": m, "normalizer_version": data.manifest.get(
            "normalizer_version", NORMALIZER_VERSION), "parser_version": PARSER_VERSION,
            "next_ord": len(data.passages)})
        entries = data.manifest.get("documents") or [{"id": d["id"]} for d in data.documents]
        store.insert(data, entries)
        store.write_glossaries(list(data.glossaries))
        return {"n_passages": store.count(), "changes": Changes(
            added=[e["id"] for e in entries]).to_json()}
    finally:
        client.close()


