"""Batch embedding on a Dask LocalCluster (loopback only) into Milvus bulk-import files."""

import json

import pytest

from docfixtures import make_corpus
from fahras.config import bundled_corpus
from fahras.index import builder, store
from fahras.retrieval import batch_embed
from fahras.retrieval.backends import milvus as mv
from fahras.retrieval.searcher import Searcher

pytestmark = pytest.mark.integration  # a Dask cluster and Milvus Lite

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def dask_client():
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       host="127.0.0.1", dashboard_address=None,
                                       silence_logs=50)
    client = distributed.Client(cluster)
    yield client
    client.close()
    cluster.close()


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return make_corpus(tmp_path_factory.mktemp("batch-corpus"), bundled_corpus())


def _schema_fields(client, name):
    return {f["name"] for f in client.describe_collection(name)["fields"]}


@pytest.mark.parametrize("file_type", ["json", "parquet"])
def test_dask_batch_embedding_writes_what_milvus_imports(dask_client, folder, tmp_path,
                                                          file_type):
    out = tmp_path / "bulk"
    m = batch_embed.embed_to_files([folder], out, model="hash", client=dask_client,
                                   file_type=file_type, docs_per_task=1)
    assert len(m["tasks"]) == 4  # one task a document, spread over the two workers
    assert m["n_passages"] == 84 + 7 + 13 + 13
    assert json.loads((out / "manifest.json").read_text())["n_passages"] == m["n_passages"]

    # Every file holds exactly the collection's fields, less the BM25 output Milvus computes.
    client = mv.connect(str(tmp_path / "schema.db"))
    try:
        st = mv.MilvusStore(client, "schema")
        st.create(256)
        expected = {kind: _schema_fields(client, name) - {"sparse"} for kind, name in
                    (("passages", st.passages), ("sentences", st.sentences),
                     ("documents", st.documents))}
    finally:
        client.close()
    orders = []
    for kind, files in m["collections"].items():
        for rel in files:
            rows = batch_embed.read_rows(out / rel)
            assert rows and all(set(r) == expected[kind] for r in rows), (kind, rel)
            if kind == "passages":
                orders += [r["ord"] for r in rows]
                assert all(len(r["dense"]) == 256 for r in rows)
    assert sorted(orders) == list(range(m["n_passages"]))

    # Imported into Milvus Lite, the corpus searches like the embedded index of the folder.
    uri = str(tmp_path / "imported.db")
    assert batch_embed.import_files(out, uri)["n_passages"] == m["n_passages"]
    index = tmp_path / "index"
    builder.build_index([folder], index_dir=index, model="hash")
    embedded = Searcher.open(index, model="hash")
    milvus = mv.MilvusSearcher.open(uri, model="hash")
    try:
        for q in ["consular services and victims", "ضحايا الاتجار", "دور القنصليات",
                  "البحث والإنقاذ في البحر المتوسط"]:
            a = [h.id for h in embedded.search(q, 5).hits]
            b = [h.id for h in milvus.search(q, 5).hits]
            assert a == b, q
        hit = milvus.search("consular services identifying victims abroad", 1, langs=["en"]).hits[0]
        assert hit.linked[0]["id"] == "fx-2023-report.ar:p2"
    finally:
        milvus.close()
    assert store.exists(index)
