"""Broken files: every file of an index damaged every way, CURRENT damaged, the HNSW cache
damaged, and corpus files that cannot be read -- each detected with one clear line and a
rebuild hint, never a traceback, never wrong results, and never silently rebuilt over.

The figures go to artifacts/hardening.json (tests/hardening_ledger.py).
"""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from fahras import cli
from fahras.errors import CorpusError, IndexError_
from fahras.index import store
from fahras.index.builder import build_index
from fahras.retrieval import dense as dense_mod
from fahras.retrieval.dense import DenseIndex
from fahras.retrieval.searcher import Searcher

FILES = ("documents.json", "passages.json", "terms.json", "vectors.npy", "sentences.npy",
         "sentence_vectors.npy", "manifest.json")
QUERIES = ("الأطفال المهربين", "التوصية 8", "search and rescue at sea")


def _missing(p):
    p.unlink()


def _empty(p):
    p.write_bytes(b"")


def _truncated(p):
    data = p.read_bytes()
    p.write_bytes(data[: len(data) // 2])


def _flipped(p):  # same size, one bit changed in the middle
    data = bytearray(p.read_bytes())
    data[len(data) // 2] ^= 0x01
    p.write_bytes(bytes(data))


def _appended(p):
    p.write_bytes(p.read_bytes() + b"\0garbage")


def _garbage(p):  # same size, random bytes
    p.write_bytes(np.random.default_rng(0).integers(0, 256, p.stat().st_size,
                                                    dtype=np.uint8).tobytes())


def _folder(p):
    p.unlink()
    p.mkdir()


DAMAGES = {"missing": _missing, "empty": _empty, "truncated": _truncated, "flipped": _flipped,
           "appended": _appended, "garbage": _garbage, "folder": _folder}


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    """An index of the bundled report (hashing embedder) and its answers to a few queries."""
    path = tmp_path_factory.mktemp("pristine") / "index"
    build_index(index_dir=path, model="hash")
    s = Searcher.open(path, model="hash", build_if_missing=False)
    return path, _answers(s)


def _answers(searcher) -> list[dict]:
    out = []
    for q in QUERIES:
        r = searcher.search(q, 5).to_json()
        r.pop("took_ms")
        out.append(r)
    return out


@pytest.fixture
def copy(pristine, tmp_path):
    path = tmp_path / "index"
    shutil.copytree(pristine[0], path)
    return path


def _cli_error(capsys, path) -> tuple[int, str]:
    code = cli.main(["search", "الأطفال", "--index", str(path), "--model", "hash", "--json"])
    out, err = capsys.readouterr()
    return code, err


def _assert_refused(path, capsys, what: str) -> str:
    """Opening is refused with one line naming the damage and the rebuild command, from the
    library and from the CLI (exit 1, nothing on stdout), and nothing is rebuilt over it."""
    before = sorted(p.name for p in path.iterdir())
    with pytest.raises(IndexError_) as e:
        Searcher.open(path, model="hash")  # build_if_missing: must not rebuild over damage
    msg = str(e.value)
    assert "\n" not in msg and store.REBUILD_HINT in msg and what in msg, msg
    code, err = _cli_error(capsys, path)
    assert code == 1 and err.startswith("fahras: error: the index at ") and err.count("\n") == 1
    assert "Traceback" not in err
    assert sorted(p.name for p in path.iterdir()) == before
    return msg


@pytest.mark.parametrize("damage", DAMAGES)
@pytest.mark.parametrize("name", FILES)
def test_every_file_damaged_every_way_is_detected(copy, capsys, name, damage, hardening):
    target = store.current_generation(copy) / name
    DAMAGES[damage](target)
    msg = _assert_refused(copy, capsys, "damaged")
    assert name in msg
    hardening.record("corrupt", target=name, damage=damage, detected=True, hint=True)


@pytest.mark.parametrize("name", FILES)
def test_a_rebuild_repairs_a_damaged_index(copy, pristine, name, hardening):
    _truncated(store.current_generation(copy) / name)
    build_index(index_dir=copy, model="hash")
    assert _answers(Searcher.open(copy, model="hash", build_if_missing=False)) == pristine[1]
    hardening.record("repair", target=name, repaired=True)


def _current_missing(path):
    (path / "CURRENT").unlink()


def _current_empty(path):
    (path / "CURRENT").write_bytes(b"")


def _current_spaces(path):
    (path / "CURRENT").write_bytes(b"  \n")


def _current_not_utf8(path):
    (path / "CURRENT").write_bytes(b"\xff\xfe\x00gen")


def _current_names_nothing(path):
    (path / "CURRENT").write_text("gen-00000000000000000001-1-0123456789abcdef")


def _current_escapes(path):
    (path / "CURRENT").write_text("../../etc")


def _current_names_temp(path):
    (path / "CURRENT").write_text(".tmp-gen-1")


def _current_nul(path):
    (path / "CURRENT").write_bytes(b"gen\x00x")


def _current_folder(path):
    (path / "CURRENT").unlink()
    (path / "CURRENT").mkdir()


def _current_other_manifest(path):
    """CURRENT pointed at a generation whose manifest belongs to another (a renamed folder)."""
    gen = store.current_generation(path)
    stem = gen.name.rsplit("-", 1)[0]
    other = gen.with_name(f"{stem}-{'0' * 16}")
    gen.rename(other)
    (path / "CURRENT").write_text(other.name)


CURRENT_DAMAGES = {
    "missing": (_current_missing, "CURRENT is missing"),
    "empty": (_current_empty, "CURRENT is invalid"),
    "spaces": (_current_spaces, "CURRENT is invalid"),
    "not-utf8": (_current_not_utf8, "CURRENT unreadable"),
    "names-missing-generation": (_current_names_nothing, "which is missing"),
    "path-escape": (_current_escapes, "CURRENT is invalid"),
    "names-temporary": (_current_names_temp, "CURRENT is invalid"),
    "nul": (_current_nul, "CURRENT is invalid"),
    "folder": (_current_folder, "CURRENT: a folder, not a file"),
    "manifest-of-another-generation": (_current_other_manifest, "manifest.json does not match"),
}


@pytest.mark.parametrize("damage", CURRENT_DAMAGES)
def test_damaged_current_pointer_is_detected_and_repaired(copy, pristine, capsys, damage,
                                                          hardening):
    apply, what = CURRENT_DAMAGES[damage]
    apply(copy)
    _assert_refused(copy, capsys, what)
    build_index(index_dir=copy, model="hash")
    assert _answers(Searcher.open(copy, model="hash", build_if_missing=False)) == pristine[1]
    hardening.record("corrupt", target="CURRENT", damage=damage, detected=True, hint=True)


def test_files_that_are_intact_but_do_not_belong_together(copy, capsys, hardening):
    """A vectors file replaced by another index's (manifest updated to match, as a careless
    copy would): the counts or shapes give it away."""
    from test_index_store import rewrite_manifest

    gen = store.current_generation(copy)
    np.save(gen / "sentences.npy", np.array([[9999, 0, 5]], dtype=np.int32))
    np.save(gen / "sentence_vectors.npy", np.ones((1, 256), dtype=np.float32))
    manifest = json.loads((gen / "manifest.json").read_text())
    for name in ("sentences.npy", "sentence_vectors.npy"):
        from fahras.fsutil import sha256_file

        manifest["files"][name] = {"sha256": sha256_file(gen / name),
                                   "bytes": (gen / name).stat().st_size}
    rewrite_manifest(copy, manifest)
    _assert_refused(copy, capsys, "sentence rows out of range")
    hardening.record("corrupt", target="sentences.npy", damage="rows-of-another-index",
                     detected=True, hint=True)


def test_stale_temporary_generations_are_removed_by_the_next_build(copy, pristine):
    previous = store.current_generation(copy)
    (copy / ".tmp-gen-00000000000000000001-1").mkdir()
    (copy / ".tmp-gen-00000000000000000001-1" / "terms.json").write_text("[")
    never_current = copy / "gen-99999999999999999999-1-0123456789abcdef"
    shutil.copytree(previous, never_current)
    (copy / ".CURRENT.12345").write_text("x")
    build_index(index_dir=copy, model="hash")
    new = store.current_generation(copy)
    assert sorted(p.name for p in copy.iterdir() if p.name != ".lock") == sorted(
        ["CURRENT", previous.name, new.name])


# -- the HNSW cache ------------------------------------------------------------------------------
def _vectors(n=400, dim=16, seed=1):
    v = np.random.default_rng(seed).standard_normal((n, dim)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def _cache_damages(path):
    sidecar = path.with_name(path.name + ".sha256")
    return {
        "missing-hash": lambda: sidecar.unlink(),
        "wrong-hash": lambda: sidecar.write_text("0" * 64),
        "empty": lambda: _empty(path),
        "truncated": lambda: _truncated(path),
        "flipped": lambda: _flipped(path),
        "garbage": lambda: _garbage(path),
        "folder": lambda: _folder(path),
    }


@pytest.mark.parametrize("damage", list(_cache_damages(__import__("pathlib").Path("x"))))
def test_damaged_hnsw_cache_is_rebuilt_not_trusted(tmp_path, damage, hardening):
    vectors = _vectors()
    cache = tmp_path / "cache" / dense_mod.cache_name("ab" * 32)
    fresh = DenseIndex(vectors, kind="hnsw", cache=cache)
    assert not fresh.from_cache and cache.is_file()
    assert DenseIndex(vectors, kind="hnsw", cache=cache).from_cache  # intact: read back
    query = vectors[7]
    expected = fresh.search(query, 10)
    _cache_damages(cache)[damage]()
    if cache.is_dir():
        shutil.rmtree(cache)  # a folder in its place cannot be replaced by a file: rebuilt
        cache.mkdir()         # in memory, and searches are still right
    again = DenseIndex(vectors, kind="hnsw", cache=cache)
    assert not again.from_cache
    ids, scores = again.search(query, 10)
    assert ids.tolist() == expected[0].tolist() and np.allclose(scores, expected[1])
    if not cache.is_dir():  # rewritten intact
        assert DenseIndex(vectors, kind="hnsw", cache=cache).from_cache
    hardening.record("corrupt", target="cache/hnsw-*.faiss", damage=damage, detected=True,
                     hint=None)


def test_hnsw_cache_of_other_vectors_is_not_used(tmp_path):
    cache = tmp_path / dense_mod.cache_name("cd" * 32)
    DenseIndex(_vectors(seed=1), kind="hnsw", cache=cache)
    assert not DenseIndex(_vectors(seed=2), kind="hnsw", cache=cache).from_cache


def test_searcher_with_a_damaged_graph_cache_answers_as_before(copy, monkeypatch):
    monkeypatch.setattr(dense_mod, "HNSW_FROM", 10)  # the bundled report's 84 passages: HNSW
    first = Searcher.open(copy, model="hash", build_if_missing=False)
    assert first.dense.kind == "hnsw" and not first.dense.from_cache
    reference = _answers(first)
    graphs = sorted((copy / "cache").glob("hnsw-*.faiss"))
    assert len(graphs) == 2
    for g in graphs:
        _flipped(g)
    second = Searcher.open(copy, model="hash", build_if_missing=False)
    assert not second.dense.from_cache and not second.sentence_dense.from_cache
    assert _answers(second) == reference
    assert Searcher.open(copy, model="hash", build_if_missing=False).dense.from_cache


# -- corpus files --------------------------------------------------------------------------------
def _write(path, data: bytes):
    path.write_bytes(data)
    return path


def _valid_docx_without_text(path):
    import docx

    docx.Document().save(path)
    return path


def _pdf_without_text(path):
    from docfixtures import make_scanned_pdf

    return make_scanned_pdf(path)


BAD_CORPUS = {
    "empty.txt": (lambda p: _write(p, b""), "is empty"),
    "spaces.txt": (lambda p: _write(p, b" \n\t\n"), "is empty"),
    "utf16.txt": (lambda p: _write(p, "1- تقرير".encode("utf-16")), "is not UTF-8"),
    "cp1256.txt": (lambda p: _write(p, "1- تقرير عن الاجتماع".encode("cp1256")), "is not UTF-8"),
    "latin1.txt": (lambda p: _write(p, "1. caf\u00e9 r\u00e9union".encode("latin-1")),
                   "is not UTF-8"),
    "binary.txt": (lambda p: _write(p, bytes(range(256)) * 4), "is not UTF-8"),
    "nul.txt": (lambda p: _write(p, b"\x00" * 100), "no paragraph of text"),
    "no-letters.txt": (lambda p: _write(p, "1- 2024\n\n***\n".encode()), "no paragraph of text"),
    "empty.docx": (lambda p: _write(p, b""), "is empty"),
    "garbage.docx": (lambda p: _write(p, b"PK\x03\x04" + bytes(500)), "not a readable .docx"),
    "not-a-zip.docx": (lambda p: _write(p, "١- نص".encode()), "not a readable .docx"),
    "no-text.docx": (_valid_docx_without_text, "has no text"),
    "empty.pdf": (lambda p: _write(p, b""), "is empty"),
    "truncated.pdf": (lambda p: _write(p, b"%PDF-1.4\n1 0 obj <<"), "not a readable PDF"),
    "garbage.pdf": (lambda p: _write(p, bytes(range(256)) * 8), "not a readable PDF"),
    "scanned.pdf": (_pdf_without_text, "no text layer"),
    "old.doc": (lambda p: _write(p, b"\xd0\xcf\x11\xe0" + bytes(100)), ".doc file"),
}


@pytest.mark.parametrize("name", BAD_CORPUS)
def test_unreadable_corpus_files_are_refused_with_a_message(tmp_path, capsys, name, hardening):
    make, what = BAD_CORPUS[name]
    path = make(tmp_path / name)
    with pytest.raises(CorpusError, match=what):
        build_index([path], index_dir=tmp_path / "index", model="hash")
    code = cli.main(["index", str(path), "--index", str(tmp_path / "index"), "--model", "hash"])
    out, err = capsys.readouterr()
    assert code == 1 and out == "" and err.count("\n") == 1, err
    assert err.startswith("fahras: error: ") and name in err and what in err
    assert not store.exists(tmp_path / "index")  # nothing half-built
    hardening.record("corpus", file=name, refused=True, message=err.strip()[len("fahras: error: "):])


def test_a_bad_file_among_good_ones_is_skipped_and_named(copy, pristine, tmp_path, capsys):
    bad = _write(tmp_path / "broken.pdf", b"%PDF-1.4 broken")
    from fahras.config import bundled_corpus

    code = cli.main(["index", str(bundled_corpus()), str(bad), "--index", str(copy),
                     "--model", "hash"])
    err = capsys.readouterr().err
    assert code == 3 and f"fahras: skipped {bad}: is not a readable PDF" in err
    assert _answers(Searcher.open(copy, model="hash", build_if_missing=False)) == pristine[1]
