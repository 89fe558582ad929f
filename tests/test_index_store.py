"""The index on disk: plain files, atomic generations, damage and mismatch detection."""

import hashlib
import json
import os

import numpy as np
import pytest

from fahras.errors import IndexError_
from fahras.index import store
from fahras.index.builder import build_index
from fahras.text.arabic import NORMALIZER_VERSION
from fahras.retrieval.searcher import Searcher


@pytest.fixture
def built(tmp_path):
    path = tmp_path / "index"
    build_index(index_dir=path, model="hash")
    return path


def gen_of(path):
    return store.current_generation(path)


def rewrite_manifest(path, manifest: dict) -> None:
    """Replace the current generation's manifest the way a build would have written it (the
    generation renamed after the manifest's hash): a consistent index, built differently."""
    gen = gen_of(path)
    blob = json.dumps(manifest).encode()
    (gen / "manifest.json").write_bytes(blob)
    renamed = gen.with_name(f"{gen.name.rsplit('-', 1)[0]}-{hashlib.sha256(blob).hexdigest()[:16]}")
    gen.rename(renamed)
    (path / "CURRENT").write_text(renamed.name)


def test_files_are_plain_json_and_npy(built):
    gen = gen_of(built)
    names = sorted(p.name for p in gen.iterdir())
    assert names == ["documents.json", "glossaries.json", "manifest.json", "passages.json",
                     "sentence_vectors.npy", "sentences.npy", "terms.json", "token_ids.npy",
                     "token_spans.npy", "token_vectors.npy", "vectors.npy"]
    manifest = json.loads((gen / "manifest.json").read_text())
    assert manifest["model"]["name"] == "hash"
    assert manifest["normalizer_version"] == NORMALIZER_VERSION
    assert manifest["n_passages"] == 84
    assert manifest["documents"][0]["id"] == "wg-som-2024-report.ar"
    vectors = np.load(gen / "vectors.npy", allow_pickle=False)
    assert vectors.shape == (84, 256) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_rebuild_switches_generations_and_keeps_one_previous(built):
    first = gen_of(built)
    build_index(index_dir=built, model="hash")
    second = gen_of(built)
    build_index(index_dir=built, model="hash")
    third = gen_of(built)
    assert len({first, second, third}) == 3
    assert not first.exists() and second.exists() and third.exists()


def test_crash_before_switch_leaves_previous_index(built):
    before = gen_of(built)
    reference = Searcher.open(built, model="hash").search("الأطفال المهربين", 5).to_json()

    def crash(gen):
        raise KeyboardInterrupt("killed")

    with pytest.raises(KeyboardInterrupt):
        build_index(index_dir=built, model="hash", before_switch=crash)
    assert gen_of(built) == before
    again = Searcher.open(built, model="hash").search("الأطفال المهربين", 5).to_json()
    reference.pop("took_ms"), again.pop("took_ms")
    assert again == reference


@pytest.mark.parametrize("name", ["vectors.npy", "terms.json", "passages.json", "sentences.npy",
                                  "token_vectors.npy", "token_spans.npy", "token_ids.npy"])
def test_truncated_or_modified_files_are_detected(built, name):
    path = gen_of(built) / name
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(IndexError_, match=rf"damaged \({name} does not match.*fahras index"):
        Searcher.open(built, model="hash")
    # Same size, one byte changed: caught by the hash.
    path.write_bytes(data[:-1] + bytes([data[-1] ^ 1]))
    with pytest.raises(IndexError_, match="truncated or modified"):
        Searcher.open(built, model="hash")


def test_missing_file_and_manifest(built):
    gen = gen_of(built)
    (gen / "terms.json").unlink()
    with pytest.raises(IndexError_, match=r"terms.json is missing"):
        Searcher.open(built, model="hash")
    (gen / "manifest.json").write_text("{not json")
    with pytest.raises(IndexError_, match="manifest.json does not match its generation"):
        Searcher.open(built, model="hash")
    (gen / "manifest.json").unlink()
    with pytest.raises(IndexError_, match="manifest.json is missing"):
        Searcher.open(built, model="hash")


def test_no_index_and_no_build(tmp_path):
    with pytest.raises(IndexError_, match="there is no index .* fahras index"):
        Searcher.open(tmp_path / "nothing", model="hash", build_if_missing=False)


def test_search_builds_the_index_on_first_use(tmp_path):
    path = tmp_path / "fresh"
    s = Searcher.open(path, model="hash")
    assert store.exists(path)
    assert s.search("التوصية 8", 1).hits[0].label_en == "Recommendation 8"


def test_model_mismatch_is_refused(built):
    gen = gen_of(built)
    manifest = json.loads((gen / "manifest.json").read_text())
    manifest["model"] = {"name": "other-model", "sha256": "0" * 64, "dim": 256}
    rewrite_manifest(built, manifest)
    with pytest.raises(IndexError_, match=r"built with the model 'other-model', not 'hash'.*"
                                          r"fahras index --model 'hash'"):
        Searcher.open(built, model="hash")


def test_normalizer_or_format_mismatch_is_refused(built):
    gen = gen_of(built)
    manifest = json.loads((gen / "manifest.json").read_text())
    manifest["normalizer_version"] = "0"
    rewrite_manifest(built, manifest)
    with pytest.raises(IndexError_, match=f"normalizer v0; this Fahras uses v{NORMALIZER_VERSION}"):
        Searcher.open(built, model="hash")
    manifest["format"] = 99
    rewrite_manifest(built, manifest)
    with pytest.raises(IndexError_, match="format 99"):
        Searcher.open(built, model="hash")


def test_no_pickle_anywhere(built):
    for p in gen_of(built).iterdir():
        if p.suffix == ".npy":
            np.load(p, allow_pickle=False)  # raises if an object array was stored
    assert not any(p.suffix in (".pkl", ".pickle") for p in built.rglob("*"))


def test_concurrent_writers_are_serialized(built):
    import threading

    errors = []

    def rebuild():
        try:
            build_index(index_dir=built, model="hash")
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=rebuild) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert Searcher.open(built, model="hash").search("فيينا", 1).hits
    assert os.path.isdir(gen_of(built))


def test_an_index_written_without_token_states_still_opens(built, tmp_path):
    """An index over the token states' budget, or written before them, has none: it loads,
    and searches with the fusion fitted without them."""
    data = store.read_index(built)
    data.token_states = None
    other = tmp_path / "no-tokens"
    store.write_index(other, data, {k: v for k, v in data.manifest.items() if k != "files"})
    names = sorted(p.name for p in gen_of(other).iterdir())
    assert "token_vectors.npy" not in names and "token_spans.npy" not in names
    assert store.has_token_states(built) and not store.has_token_states(other)
    s = Searcher.open(other, model="hash")
    assert s.token_states is None and not s.late_ready()
    assert s.search("الأطفال المهربين", 3).hits
