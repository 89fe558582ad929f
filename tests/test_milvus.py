"""The Milvus backend on Milvus Lite (a local file, no server): same hits contract, filters,
linked versions, incremental updates, and parity with the embedded default."""

import csv
import json
import shutil
import subprocess
import sys

import pytest


from conftest import DATA, DEV_SET
from docfixtures import make_corpus
from fahras.errors import IndexError_, UsageError
from fahras.index import builder, store
from fahras.retrieval.backends import milvus as mv
from fahras.retrieval.backends.milvus import MilvusSearcher, encode_term, export_index
from fahras.retrieval.searcher import Hit, SearchResult
from test_multidoc import AR, BG, EN, CountingEmbedder, _texts_of

pytestmark = pytest.mark.integration  # Milvus Lite

pytest.importorskip("milvus_lite", reason="the Milvus tests need milvus-lite (fahras[milvus])")


def _questions(path):
    with open(path, encoding="utf-8") as f:
        return [r["query"] for r in csv.DictReader(f, delimiter="\t")]


def top1_agreement(embedded, milvus, queries, **kw):
    same = [embedded.search(q, 3).hits[0].id == milvus.search(q, 3, **kw).hits[0].id
            for q in queries]
    return sum(same) / len(same)


@pytest.fixture(scope="module")
def hash_milvus(hash_index_dir, tmp_path_factory):
    uri = str(tmp_path_factory.mktemp("milvus") / "report.db")
    export_index(store.read_index(hash_index_dir), uri)
    s = MilvusSearcher.open(uri, model="hash")
    yield s
    s.close()


def test_terms_are_opaque_tokens_any_tokenizer_keeps():
    t = encode_term("ctoc/cop/wg.7/2024/3")
    assert t.startswith("t") and len(t) == 17 and t.isalnum() and t.islower()
    assert encode_term("تموز/يوليه") != encode_term("تموز")


def test_same_contract_as_the_embedded_searcher(hash_milvus, hash_searcher):
    result = hash_milvus.search("حماية الأطفال المهربين", 5)
    assert isinstance(result, SearchResult) and all(isinstance(h, Hit) for h in result.hits)
    j = result.to_json()
    assert set(j) == set(hash_searcher.search("حماية الأطفال المهربين", 5).to_json())
    assert set(j["hits"][0]) == set(hash_searcher.search("x y", 1).to_json()["hits"][0])
    assert [h.rank for h in result.hits] == [1, 2, 3, 4, 5]
    assert j["hits"][0]["document"]["id"] == "wg-som-2024-report.ar"


def test_milvus_and_embedded_agree_on_the_dev_and_heldout_sets(hash_milvus, hash_searcher):
    # Same terms, same vectors, same fusion: the same top passage (hashing embedder).
    for path in (DEV_SET, DATA / "heldout.tsv"):
        assert top1_agreement(hash_searcher, hash_milvus, _questions(path)) >= 0.95, path
    # And the same scores for the whole top 5, lexical and dense parts included.
    for q in ["دور القنصليات", "Frontex", "search and rescue at sea", "التوصية 8"]:
        a = hash_searcher.search(q, 5).hits
        b = hash_milvus.search(q, 5).hits
        assert [h.id for h in a] == [h.id for h in b], q
        for x, y in zip(a, b):
            assert x.score == pytest.approx(y.score, abs=1e-4)
            assert x.lexical == pytest.approx(y.lexical, rel=1e-4)
            assert x.dense == pytest.approx(y.dense, abs=1e-4)
            assert x.pinned == y.pinned


def test_bm25_in_milvus_ranks_like_fahras_bm25(hash_milvus, hash_searcher):
    for q in ["تهريب المهاجرين عن طريق البحر", "القنصليات", "CTOC/COP/WG.7/2024/3"]:
        # Passages that match (the embedded lexical mode lists non-matching ones after them).
        a = [(h.id, round(h.lexical, 4)) for h in hash_searcher.search(q, 10, mode="lexical").hits
             if h.lexical > 0]
        b = [(h.id, round(h.lexical, 4)) for h in hash_milvus.search(q, 10, mode="lexical").hits]
        assert a and a == b, q


def test_eval_runs_on_the_milvus_backend(hash_milvus, hash_searcher):
    from fahras.retrieval.evaluate import evaluate_searcher, load_questions

    assert [p.id for p in hash_milvus.passages] == [p.id for p in hash_searcher.passages]
    questions = load_questions(DATA / "heldout.tsv")[:15]
    a = evaluate_searcher(hash_searcher, questions).to_json()["overall"]
    b = evaluate_searcher(hash_milvus, questions).to_json()["overall"]
    ranking = ("n", "hit1", "hit5", "mrr10", "ndcg10")
    assert {k: a[k] for k in ranking} == {k: b[k] for k in ranking}
    assert b["answer_accuracy"] is None  # answers (ask) are the embedded searcher's


def test_server_side_rrf_fusion(hash_milvus):
    hits = hash_milvus.search("دور القنصليات", 5, fusion="rrf").hits
    assert len(hits) == 5 and hits[0].score > hits[-1].score > 0
    with pytest.raises(UsageError, match="unknown fusion"):
        hash_milvus.search("x", fusion="best")


def test_structural_reference_and_missing_one(hash_milvus):
    r = hash_milvus.search("recommendation 12", 3)
    assert r.hits[0].id == "wg-som-2024-report.ar:r12" and r.hits[0].pinned
    assert hash_milvus.search("التوصية 99", 3).notes == [
        "there is no recommendation 99 in the index"]


@pytest.fixture(scope="module")
def corpus_milvus(tmp_path_factory):
    folder = make_corpus(tmp_path_factory.mktemp("mcorpus"))
    uri = str(tmp_path_factory.mktemp("mdb") / "corpus.db")
    m = mv.index_milvus([folder], uri=uri, model="hash")
    s = MilvusSearcher.open(uri, model="hash")
    yield folder, uri, m, s
    s.close()


def test_index_a_folder_filters_and_linked_versions(corpus_milvus):
    _, _, m, s = corpus_milvus
    assert m["n_passages"] == 13 + 13 + 7
    assert sorted(m["changes"]["added"]) == sorted(m["documents"])
    hits = s.search("consular services identifying victims abroad", 3, langs=["en"]).hits
    assert hits[0].id == "fx-2023-report.en:p2"
    assert [x["id"] for x in hits[0].linked] == ["fx-2023-report.ar:p2"]
    assert hits[0].document["symbol"] == "FAHRAS/TEST/2023/1"
    assert {h.doc for h in s.search("الضحايا المهاجرين", 50, years=[2022]).hits} == {
        "fx-2022-background.ar"}
    assert {h.doc for h in s.search("الضحايا", 50, langs=["ar"], years=["2023"]).hits} == {
        "fx-2023-report.ar"}
    assert {h.doc for h in s.search("victims", 50, docs=["fx-2023-report.en"]).hits} == {
        "fx-2023-report.en"}


def test_incremental_milvus_updates(corpus_milvus, monkeypatch, tmp_path):
    folder, uri, _, _ = corpus_milvus
    emb = CountingEmbedder()
    monkeypatch.setattr("fahras.index.embedder._CACHE", {"hash": emb})
    work = tmp_path / "c"
    shutil.copytree(folder, work)
    m = mv.index_milvus([work], uri=uri, model="hash")
    assert emb.encoded == [] and len(m["changes"]["unchanged"]) == 3
    (work / BG.name).unlink()
    text = EN.read_text(encoding="utf-8").replace("chaired by a representative of Brazil",
                                                  "chaired by a representative of Mexico")
    (work / EN.name).write_text(text, encoding="utf-8")
    m = mv.index_milvus([work], uri=uri, model="hash")
    assert m["changes"]["changed"] == ["fx-2023-report.en"]
    assert m["changes"]["removed"] == ["fx-2022-background.ar"]
    # Only the changed document is embedded (all its passages: Milvus keeps no text cache).
    assert set(emb.encoded) == _texts_of(builder.load_documents([work / EN.name])[0])
    s = MilvusSearcher.open(uri, model="hash")
    try:
        assert s.search("البحر", 50, years=[2022]).hits == []
        p1 = s.search("paragraph 1", 1, langs=["en"]).hits[0]
        assert "Mexico" in p1.text and p1.linked[0]["id"] == "fx-2023-report.ar:p1"
        assert m["n_passages"] == 26
    finally:
        s.close()


def test_errors_are_one_line_fahras_errors(tmp_path, hash_index_dir):
    with pytest.raises(IndexError_, match="no Milvus Lite file"):
        MilvusSearcher.open(str(tmp_path / "missing.db"), model="hash")
    with pytest.raises(UsageError, match="ending in .db"):
        mv.connect(str(tmp_path / "fahras.sqlite"))
    uri = str(tmp_path / "x.db")
    export_index(store.read_index(hash_index_dir), uri)
    client = mv.connect(uri)
    mv.MilvusStore(client).write_info({"model": {"name": "other-model", "sha256": "0" * 64},
                                       "normalizer_version": "1"})
    client.close()
    with pytest.raises(IndexError_, match="built with the model 'other-model', not 'hash'"):
        MilvusSearcher.open(uri, model="hash")


def test_cli_milvus_backend(tmp_path):
    uri = str(tmp_path / "cli.db")
    run = [sys.executable, "-m", "fahras"]
    out = subprocess.run(run + ["index", str(EN), str(AR), "--backend", "milvus", "--uri", uri,
                                "--model", "hash", "--json"],
                         capture_output=True, text=True, check=True).stdout
    assert json.loads(out)["n_passages"] == 26
    out = subprocess.run(run + ["search", "recommendation 2", "--backend", "milvus", "--uri",
                                uri, "--model", "hash", "--lang", "ar", "-k", "1", "--json"],
                         capture_output=True, text=True, check=True)
    hit = json.loads(out.stdout)["hits"][0]
    assert hit["id"] == "fx-2023-report.ar:r2" and hit["linked"][0]["id"] == "fx-2023-report.en:r2"
    assert out.stderr == ""
    bad = subprocess.run(run + ["search", "x", "--backend", "milvus", "--uri",
                                str(tmp_path / "nope.db"), "--model", "hash"],
                         capture_output=True, text=True)
    assert bad.returncode == 1 and bad.stderr.startswith("fahras: error: there is no Milvus")


@pytest.mark.slow
def test_parity_with_the_embedded_default_real_model(real_searcher, real_index_dir, tmp_path):
    """On the bundled report with the real model: the Milvus backend and the embedded default
    agree on the top passage for at least 95% of the dev questions."""
    uri = str(tmp_path / "real.db")
    export_index(store.read_index(real_index_dir), uri)
    milvus = MilvusSearcher.open(uri, model="e5-small")
    try:
        # (heldout.tsv too, in docs/scale.md: python tools/scale_bench.py --parity)
        assert top1_agreement(real_searcher, milvus, _questions(DEV_SET)) >= 0.95
    finally:
        milvus.close()
