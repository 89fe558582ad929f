"""The real model's ONNX export: made at provisioning, verified against sentence-transformers,
the same rankings as the sentence-transformers path, refused when damaged, safe to kill, and a
one-shot search that imports no torch."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from conftest import SHARED
from fahras.errors import ModelError
from fahras.index import model, model_default, model_folder, onnx_export, onnx_files
from fahras.index.embedder import OnnxQueryEmbedder, SentenceTransformerEmbedder, get_embedder

pytestmark = [pytest.mark.slow, pytest.mark.integration]
PY = sys.executable


@pytest.fixture
def e5_home(model_home, monkeypatch) -> Path:
    monkeypatch.setenv("FAHRAS_HOME", str(model_home))
    return model_home


def test_provisioning_exports_and_verifies(e5_home):
    info = model.resolve()
    folder = onnx_export.installed(info)
    assert folder == e5_home / "models" / f"{model_default.DEFAULT_DIR}-onnx"
    record = onnx_files.read_record(folder)
    assert record["model_sha256"] == info.sha256 and record["dim"] == 384
    assert record["max_seq_length"] == 512 and record["prompts"]["query"] == "query: "
    cosines = record["verification"]["cosines"]
    assert len(cosines["query"]) == len(cosines["passage"]) == len(model_folder.PROBES)
    assert min(cosines["query"] + cosines["passage"]) >= onnx_export.MIN_COSINE
    assert onnx_export.verify_files(folder)
    assert isinstance(get_embedder("e5-small"), OnnxQueryEmbedder)


def test_onnx_and_sentence_transformers_embed_alike(e5_home):
    fast, slow = get_embedder("e5-small"), SentenceTransformerEmbedder("e5-small")
    texts = [*model_folder.PROBES, "ما هي ميزانية الفريق العامل؟", "Who opened the meeting?"]
    cos = (fast.encode_queries(texts) * slow.encode_queries(texts)).sum(axis=1)
    assert cos.min() >= 0.9999, cos
    docs = (fast.encode_documents(texts[:3]) * slow.encode_documents(texts[:3])).sum(axis=1)
    assert docs.min() >= 0.99999  # documents go through sentence-transformers either way


def test_onnx_and_sentence_transformers_give_the_same_token_states(e5_home):
    fast, slow = get_embedder("e5-small"), SentenceTransformerEmbedder("e5-small")
    texts = ["ما هي ميزانية الفريق العامل؟", "Who opened the meeting?"]
    for text in texts:
        (qa, ta), (qb, tb) = fast.encode_query_tokens(text), slow.encode_query_tokens(text)
        assert ta.shape == tb.shape and len(ta) > 0
        assert (ta * tb).sum(axis=1).min() >= 0.9999
        assert float(qa @ qb) >= 0.9999
    for a, b, pa, pb in zip(fast.encode_document_tokens(texts), slow.encode_document_tokens(texts),
                            fast.pieces(texts), slow.pieces(texts)):
        assert pa.tolist() == pb.tolist() and a.shape == b.shape == (len(pa), fast.dim)
        assert (a * b).sum(axis=1).min() >= 0.9999


def test_same_top10_on_the_broad_development_set(real_index_dir, e5_home, monkeypatch):
    from fahras.retrieval.evaluation.evaluate import load_questions
    from fahras.retrieval.searcher import Searcher

    questions = load_questions(SHARED / "eval" / "dev-broad.tsv")
    assert len(questions) >= 150
    fast = Searcher.open(real_index_dir, model="e5-small", build_if_missing=False)
    assert isinstance(fast.embedder, OnnxQueryEmbedder)
    monkeypatch.setenv("FAHRAS_QUERY_ENCODER", "sentence-transformers")
    slow = Searcher.open(real_index_dir, model="e5-small", build_if_missing=False)
    assert isinstance(slow.embedder, SentenceTransformerEmbedder)
    for q in questions:
        a = [h.id for h in fast.search(q.query, 10).hits]
        b = [h.id for h in slow.search(q.query, 10).hits]
        assert a == b, q.query


def _copy_export(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst


def test_tampered_weights_are_refused_naming_the_file(e5_home, tmp_path):
    info = model.resolve()
    copy = _copy_export(onnx_export.installed(info), tmp_path / "export")
    import onnx

    proto = onnx.load(str(copy / onnx_files.MODEL_FILE), load_external_data=False)
    rng = np.random.default_rng(1)
    with open(copy / onnx_files.DATA_FILE, "r+b") as f:  # same size: weights permuted
        for tensor in proto.graph.initializer:
            where = {e.key: e.value for e in tensor.external_data}
            if ("offset" not in where or int(where["length"]) > 50_000_000
                    or tensor.data_type != onnx.TensorProto.FLOAT):
                continue  # inline, the word embeddings, or indexes
            f.seek(int(where["offset"]))
            values = np.frombuffer(f.read(int(where["length"])), dtype=np.float32)
            f.seek(int(where["offset"]))
            f.write(rng.permutation(values).tobytes())
    st = onnx_export._load(info.path)
    with pytest.raises(ModelError) as e:
        onnx_export.verify(st, info.path, copy)
    assert str(copy / onnx_files.MODEL_FILE) in str(e.value) and "disagrees" in str(e.value)
    assert not onnx_export.verify_files(copy)


def test_a_wrong_tokenizer_is_refused_naming_the_file(e5_home, tmp_path):
    from fahras.index import unigram

    info = model.resolve()
    copy = _copy_export(onnx_export.installed(info), tmp_path / "export")
    ids = np.load(copy / unigram.PIECE_IDS)
    np.save(copy / unigram.PIECE_IDS, np.random.default_rng(2).permutation(ids))  # wrong ids
    with pytest.raises(ModelError) as e:
        onnx_export.verify(onnx_export._load(info.path), info.path, copy)
    assert str(copy / unigram.PIECES) in str(e.value)


def _linked_home(model_home: Path, home: Path) -> Path:
    """A FAHRAS_HOME holding the converted model (a link to the session's) but no export."""
    (home / "models").mkdir(parents=True)
    (home / "models" / model_default.DEFAULT_DIR).symlink_to(model_home / "models" / model_default.DEFAULT_DIR)
    return home


def test_killed_export_at_every_stage_leaves_nothing_and_recovers(model_home, tmp_path,
                                                                  monkeypatch, hardening):
    from test_crash_safety import _kill_at

    home = _linked_home(model_home, tmp_path / "home")
    env = {**os.environ, "FAHRAS_HOME": str(home)}
    final = home / "models" / f"{model_default.DEFAULT_DIR}-onnx"
    cmd = [PY, "-c", "from fahras.index import model; model.resolve()"]
    for stage in ("onnx-export", "onnx-verify", "onnx-install"):
        _kill_at(stage, cmd, env, timeout=600)
        assert not final.exists(), stage  # nothing half-made at the export's place
        leftovers = [p.name for p in final.parent.iterdir() if p.name.startswith(f".{final.name}")]
        assert leftovers, stage  # the killed process's temporary folder
        hardening.record("kill", target="ONNX export", stage=stage, killed=True,
                         half_folder_installed=False)
    monkeypatch.setenv("FAHRAS_HOME", str(home))
    info = model.resolve()
    assert onnx_export.installed(info) == final and onnx_export.verify_files(final)
    assert not [p for p in final.parent.iterdir() if p.name.startswith(f".{final.name}")]
    hardening.record("kill", target="ONNX export", stage="next use", converted=True,
                     same_sha256=onnx_files.read_record(final)["model_sha256"] == info.sha256)


ONE_SHOT = """
import io, json, sys, contextlib
from fahras.cli import main
out = io.StringIO()
with contextlib.redirect_stdout(out):
    code = main(sys.argv[1:])
print(json.dumps({"code": code, "result": json.loads(out.getvalue()),
                  "modules": sorted(m for m in sys.modules if "." not in m)}))
"""


@pytest.mark.parametrize("command", ["search", "ask"])
def test_one_shot_commands_import_no_torch(real_index_dir, real_searcher, e5_home, command):
    env = {k: v for k, v in os.environ.items() if k != "FAHRAS_QUERY_ENCODER"}
    r = subprocess.run([PY, "-c", ONE_SHOT, command, "ما دور القنصليات؟", "--index",
                        str(real_index_dir), "--json"], capture_output=True, text=True,
                       env=env, timeout=300)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout.strip().splitlines()[-1])
    heavy = {"torch", "transformers", "sentence_transformers", "gradio", "camel_tools"}
    assert not heavy & set(out["modules"]), heavy & set(out["modules"])
    assert "onnxruntime" in out["modules"]
    expected = getattr(real_searcher, command)("ما دور القنصليات؟")
    assert [h["id"] for h in out["result"]["hits"]] == [h.id for h in expected.hits]
