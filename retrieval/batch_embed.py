"""Batch embedding on a Dask cluster, into the files a Milvus bulk import reads.

For a corpus too large to embed on one machine (the UN archive: millions of documents in six
languages), embedding is spread over the workers of a Dask ``distributed`` cluster -- a
``LocalCluster`` on one machine, or ``dask-scheduler`` / ``dask-worker`` processes on many
(``Client("tcp://scheduler:8786")``). Each task takes a group of documents, parses them,
analyzes and embeds their passages and sentences (the model loads once per worker process)
and writes row-based files with exactly the fields of the Milvus collections
(:mod:`fahras.retrieval.backends.milvus`), minus the BM25 sparse vector that Milvus computes
itself from ``terms`` (a function output is never imported)::

    OUT/
      manifest.json                          model, normalizer, files, counts
      passages/part-00000.json ...           {"rows": [{id, doc, kind, part, lang, year,
                                              number, version_key, ord, passage, terms, dense}]}
      sentences/part-00000.json ...          {"rows": [{id, passage, doc, kind, part, lang,
                                              year, dense}]}
      documents/part-00000.json ...          {"rows": [{id, meta, dense}]}

(``file_type="parquet"`` writes the same columns as Parquet.) Then:

- Milvus server or cluster: create the collections (``MilvusStore.create``), upload the files
  to the bucket Milvus reads (MinIO/S3), and call ``pymilvus.bulk_writer.bulk_import(url,
  collection_name, files=[[path], ...])`` once per collection -- docs/scale.md shows it;
- Milvus Lite, which has no bulk import: :func:`import_files` inserts the rows from the files.

Documents are read on the workers (paths are sent, not texts): on a multi-machine cluster the
corpus must be on storage every worker sees. (This module is in ``retrieval/``, not ``index/``,
because the rows it writes are the Milvus backend's.)
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from pathlib import Path

from fahras.errors import FahrasError, UsageError

FILE_TYPES = ("json", "parquet")
DOCS_PER_TASK = 8


def _require_dask():
    try:
        import distributed
    except ImportError:
        raise FahrasError("batch_needs_dask") from None
    return distributed


def _write_rows(path: Path, rows: list[dict], file_type: str) -> None:
    from fahras.fsutil import atomic_file

    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_file(path, durable=False) as tmp:  # a file is complete or absent
        if file_type == "parquet":
            import pyarrow as pa
            import pyarrow.parquet as pq

            pq.write_table(pa.Table.from_pylist(rows), tmp)
        else:
            tmp.write_text(json.dumps({"rows": rows}, ensure_ascii=False), encoding="utf-8")


def embed_task(task_id: int, paths: Sequence[str], out_dir: str, model: str | None,
               file_type: str, order_offset: int) -> dict:
    """One task: parse, analyze and embed some documents; write their rows. Runs on a worker."""
    from fahras.index import incremental
    from fahras.index.builder import load_documents
    from fahras.index.embedder import get_embedder
    from fahras.retrieval.backends.milvus import passage_rows, sentence_rows

    t0 = time.perf_counter()
    docs = load_documents(paths)
    embedder = get_embedder(model)
    data, changes, entries = incremental.prepare(docs, embedder, None)
    out = Path(out_dir)
    name = f"part-{task_id:05d}.{file_type}"
    metas = {d["id"]: d for d in data.documents}
    files = {
        "passages": passage_rows(data, order_offset),
        "sentences": sentence_rows(data),
        "documents": [{"id": e["id"], "meta": json.dumps({**metas[e["id"]], "entry": e},
                                                         ensure_ascii=False),
                       "dense": [0.0, 0.0]} for e in entries],
    }
    for kind, rows in files.items():
        _write_rows(out / kind / name, rows, file_type)
    return {"task": task_id, "documents": [d.id for d in docs],
            "passages": len(data.passages), "sentences": int(data.sentences.shape[0]),
            "embedded_texts": changes.embedded_texts, "file": name,
            "seconds": round(time.perf_counter() - t0, 2),
            "model": {"name": embedder.name, "sha256": embedder.fingerprint,
                      "dim": embedder.dim}}


def embed_to_files(paths: Sequence[str | Path], out_dir: str | Path, model: str | None = None,
                   client=None, file_type: str = "json",
                   docs_per_task: int = DOCS_PER_TASK) -> dict:
    """Embed a corpus on a Dask cluster (``client``: a ``distributed.Client``) into bulk-import
    files under ``out_dir``; returns (and writes) the manifest."""
    from fahras.index.loaders import expand_paths
    from fahras.index.report import PARSER_VERSION, parse_file_text
    from fahras.index.loaders import document_text
    from fahras.text.arabic import NORMALIZER_VERSION

    if file_type not in FILE_TYPES:
        raise UsageError("batch_file_type", choices=", ".join(FILE_TYPES))
    _require_dask()
    files = [str(p) for p in expand_paths(paths)]
    if not files:
        raise UsageError("batch_nothing")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    # Passage numbers ("ord", reading order across the corpus) need each group's offset:
    # parsing is cheap next to embedding, so the driver counts passages first.
    counts = [len(parse_file_text(document_text(Path(f)), f).passages) for f in files]
    groups, offsets, offset = [], [], 0
    for i in range(0, len(files), docs_per_task):
        groups.append(files[i:i + docs_per_task])
        offsets.append(offset)
        offset += sum(counts[i:i + docs_per_task])
    t0 = time.perf_counter()
    futures = [client.submit(embed_task, i, g, str(out), model, file_type, o, pure=False)
               for i, (g, o) in enumerate(zip(groups, offsets))]
    results = client.gather(futures)
    results.sort(key=lambda r: r["task"])
    manifest = {
        "format": "milvus-bulk-import", "file_type": file_type,
        "model": results[0]["model"], "normalizer_version": NORMALIZER_VERSION,
        "parser_version": PARSER_VERSION,
        "collections": {kind: [f"{kind}/{r['file']}" for r in results]
                        for kind in ("passages", "sentences", "documents")},
        "documents": [d for r in results for d in r["documents"]],
        "n_passages": sum(r["passages"] for r in results),
        "n_sentences": sum(r["sentences"] for r in results),
        "tasks": [{k: r[k] for k in ("task", "passages", "embedded_texts", "seconds")}
                  for r in results],
        "seconds": round(time.perf_counter() - t0, 2),
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False),
                                       encoding="utf-8")
    return manifest


def read_rows(path: Path) -> list[dict]:
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        return pq.read_table(path).to_pylist()
    return json.loads(path.read_text(encoding="utf-8"))["rows"]


def import_files(out_dir: str | Path, uri: str, collection: str = "fahras",
                 index_type: str = "HNSW") -> dict:
    """Load bulk-import files into Milvus by inserting their rows (for Milvus Lite, which has
    no bulk import; a server imports the same files with ``bulk_import``)."""
    from fahras.retrieval.backends import milvus as mv

    out = Path(out_dir)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    client = mv.connect(uri)
    try:
        store = mv.MilvusStore(client, collection)
        store.drop()
        store.create(int(manifest["model"]["dim"]), index_type)
        store.write_info({"model": manifest["model"],
                          "normalizer_version": manifest["normalizer_version"],
                          "parser_version": manifest["parser_version"],
                          "next_ord": manifest["n_passages"]})
        names = {"passages": store.passages, "sentences": store.sentences,
                 "documents": store.documents}
        for kind in ("passages", "sentences", "documents"):
            for rel in manifest["collections"][kind]:
                rows = read_rows(out / rel)
                for i in range(0, len(rows), mv.INSERT_BATCH):
                    client.upsert(names[kind], rows[i:i + mv.INSERT_BATCH])
        store.flush()
        return {"n_passages": store.count(), "n_sentences": store.count(store.sentences)}
    finally:
        client.close()
