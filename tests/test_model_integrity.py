"""A model folder changed after it was provisioned is refused, with a message naming the file.

Fast: :mod:`fahras.index.filecheck` on a small folder -- a same-size edit, an edit whose mtime
is put back, a missing, an added and a resized file are each named; an unchanged folder is not
read again (its files' ``stat`` is remembered). Slow (the real converted model, copied into a
temporary home -- never edited where other homes may share its files): two tokens swapped in
``tokenizer.json``, ``hidden_act`` and ``layer_norm_eps`` changed in ``config.json``, the
pooling configuration changed; ``fahras search`` on an index built with that model refuses each
with one line naming the file, and a normal open checks without reading the 470 MB again.

The figures go to artifacts/hardening.json (tests/hardening_ledger.py).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from fahras.errors import ModelError
from fahras.index import filecheck, model, model_default, model_folder

PY = sys.executable


@pytest.fixture
def folder(tmp_path) -> tuple[Path, dict, Path]:
    root = tmp_path / "m"
    (root / "1_Pooling").mkdir(parents=True)
    (root / "config.json").write_text('{"hidden_act": "gelu", "layer_norm_eps": 1e-12}')
    (root / "1_Pooling" / "config.json").write_text('{"pooling_mode_mean_tokens": true}')
    (root / "weights.bin").write_bytes(bytes(range(256)) * 64)
    return root, filecheck.record(root), tmp_path / "m.checked.json"


def _refused(folder_, files, cache) -> filecheck.Mismatch:
    with pytest.raises(filecheck.Mismatch) as e:
        filecheck.verify(folder_, files, cache)
    return e.value


def test_an_unchanged_folder_passes_and_is_not_read_again(folder, monkeypatch):
    root, files, cache = folder
    filecheck.verify(root, files, cache)
    assert cache.is_file()

    def no_hashing(path):
        raise AssertionError(f"read again: {path}")

    monkeypatch.setattr(filecheck, "sha256_file", no_hashing)
    filecheck.verify(root, files, cache)  # the stat of every file is as verified


def test_a_same_size_edit_is_named(folder):
    root, files, cache = folder
    filecheck.verify(root, files, cache)
    cfg = root / "config.json"
    cfg.write_text(cfg.read_text().replace("gelu", "relu"))  # same size
    e = _refused(root, files, cache)
    assert e.rel == "config.json" and "sha256" in e.reason


def test_an_edit_with_its_mtime_put_back_is_still_read(folder):
    root, files, cache = folder
    filecheck.verify(root, files, cache)
    w = root / "weights.bin"
    st = w.stat()
    data = bytearray(w.read_bytes())
    data[100] ^= 1
    w.write_bytes(bytes(data))
    os.utime(w, ns=(st.st_atime_ns, st.st_mtime_ns))  # same size, same mtime: ctime differs
    assert _refused(root, files, cache).rel == "weights.bin"


def test_missing_added_and_resized_files_are_named(folder):
    root, files, cache = folder
    (root / "1_Pooling" / "config.json").write_text('{"pooling_mode_cls_token": true}')
    e = _refused(root, files, cache)
    assert e.rel == "1_Pooling/config.json" and "bytes" in e.reason
    (root / "1_Pooling" / "config.json").unlink()
    assert _refused(root, files, cache).reason == "is missing"
    files = filecheck.record(root)
    (root / "added_tokens.json").write_text("{}")
    e = _refused(root, files, cache)
    assert e.rel == "added_tokens.json" and "was not there" in e.reason


# -- the real model -----------------------------------------------------------------------------
def _tokens_swapped(folder: Path) -> str:
    path = folder / "tokenizer.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    vocab = data["model"]["vocab"]
    vocab[1000][0], vocab[1001][0] = vocab[1001][0], vocab[1000][0]
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return "tokenizer.json"


def _config_edit(old: str, new: str):
    def edit(folder: Path) -> str:
        path = folder / "config.json"
        text = path.read_text(encoding="utf-8")
        assert old in text
        path.write_text(text.replace(old, new), encoding="utf-8")
        return "config.json"
    return edit


def _pooling_changed(folder: Path) -> str:
    path = folder / "1_Pooling" / "config.json"
    cfg = json.loads(path.read_text(encoding="utf-8"))
    cfg["pooling_mode_mean_tokens"], cfg["pooling_mode_cls_token"] = False, True
    path.write_text(json.dumps(cfg, indent=2), encoding="utf-8")
    return "1_Pooling/config.json"


TAMPERING = {
    "tokens swapped in tokenizer.json": _tokens_swapped,
    "hidden_act changed in config.json": _config_edit('"hidden_act": "gelu"',
                                                      '"hidden_act": "relu"'),
    "layer_norm_eps changed in config.json": _config_edit('"layer_norm_eps": 1e-12',
                                                          '"layer_norm_eps": 1e-11'),
    "pooling changed in 1_Pooling/config.json": _pooling_changed,
}


@pytest.fixture
def copied_home(model_home, tmp_path) -> Path:
    """A home with a real copy of the converted model (new files: the original may share its
    inodes with other homes)."""
    home = tmp_path / "home"
    src = model_home / "models" / model_default.DEFAULT_DIR
    shutil.copytree(src, home / "models" / model_default.DEFAULT_DIR, copy_function=shutil.copy2)
    return home


@pytest.mark.integration
@pytest.mark.slow
@pytest.mark.parametrize("name", TAMPERING)
def test_a_tampered_model_is_refused_naming_the_file(name, copied_home, real_index_dir,
                                                     hardening):
    env = {**os.environ, "FAHRAS_HOME": str(copied_home)}
    cmd = [PY, "-m", "fahras", "search", "حماية الأطفال المهربين", "--index",
           str(real_index_dir), "--json"]
    ok = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert ok.returncode == 0 and json.loads(ok.stdout)["hits"], ok.stderr[-2000:]
    target = TAMPERING[name](copied_home / "models" / model_default.DEFAULT_DIR)
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    err = out.stderr
    assert out.returncode == 1 and out.stdout == "", (out.returncode, out.stdout[:300], err)
    assert err.startswith("fahras: error: the model folder ") and err.count("\n") == 1, err
    assert f" {target} " in err and "Traceback" not in err, err
    hardening.record("model", tampering=name, file=target, refused=True, one_line=True)


@pytest.mark.slow
def test_a_normal_open_checks_without_reading_the_model_again(copied_home, monkeypatch):
    monkeypatch.setenv("FAHRAS_HOME", str(copied_home))
    folder = copied_home / "models" / model_default.DEFAULT_DIR
    first = model.resolve()  # a copy: new inodes, so read and verified once

    def no_hashing(path):
        raise AssertionError(f"read again: {path}")

    # Not a word of the weights is read again (how long it takes: tools/model_bench.py).
    monkeypatch.setattr(filecheck, "sha256_file", no_hashing)
    assert model.resolve() == first
    assert (copied_home / "models" / f"{model_default.DEFAULT_DIR}.checked.json").is_file()
    assert Path(first.path) == folder


def test_the_message_names_the_file_for_the_default_model(tmp_path, monkeypatch):
    """The refusal comes from the check, with the cache beside the folder (fast: a folder
    with a record in the default model's place, no conversion)."""
    monkeypatch.setenv("FAHRAS_HOME", str(tmp_path))
    from fahras.index import onnx_export
    from fahras.index.e5_convert import CONVERTER_VERSION

    # the ONNX export beside the folder is not what this test is about: taken as made
    monkeypatch.setattr(onnx_export, "installed", lambda info: True)
    folder = model_default.default_dir()
    folder.mkdir(parents=True)
    (folder / "config.json").write_text('{"hidden_act": "gelu", "hidden_size": 8}')
    files = filecheck.record(folder)
    record = {"format": model_default.RECORD_FORMAT, "converter_version": CONVERTER_VERSION,
              "source": model_default.source_identity(), "dim": 8, "sha256": "0" * 64,
              "files": {r: m["bytes"] for r, m in files.items()},
              "file_sha256": {r: m["sha256"] for r, m in files.items()}}
    (folder / model_folder.RECORD).write_text(json.dumps(record))
    assert model.resolve().path == str(folder)
    (folder / "config.json").write_text('{"hidden_act": "relu", "hidden_size": 8}')
    with pytest.raises(ModelError) as e:
        model.resolve()
    msg = str(e.value)
    assert "config.json has other bytes" in msg and "\n" not in msg and str(folder) in msg
