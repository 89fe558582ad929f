"""`fahras index FOLDER` on documents as they come: a plain text, numbered texts, a Markdown
text, a UN report and a file that is not UTF-8 (skipped and named, exit status 3); the no-path
guard; progress as lines when piped."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from fahras import cli
from fahras.index import progress, store
from fahras.index.builder import build_index
from fahras.index.embedder import HashingEmbedder

CORPUS = Path(__file__).parent / "data" / "corpus"
LONG = "ويتناول هذا النص موضوع المياه في المنطقة، ويعرض ما جرى في السنوات الأخيرة بالتفصيل."

FILES = {
    "notes.ar.txt": f"ملاحظات عن المياه\n٢٦ تموز/يوليه ٢٠٢٤\n\n{LONG}\n\nالفقرة الثانية من الملاحظات.\n",
    "numbered-indic.ar.txt": f"مذكرة مرقمة\n\n١- {LONG}\n\n٢- والفقرة الثانية.\n\n٣- والثالثة.\n",
    "numbered-2022.en.txt": ("Numbered memo\n\n1. The first paragraph of the memo.\n\n"
                             "2. The second paragraph.\n\n3. The third paragraph.\n"),
    "guide.en.txt": ("# Field guide\n\n## Water\n\nWells and rivers of the region.\n\n"
                     "## Food\n\n### Markets\n\nWhere food is sold.\n"),
}
LEGACY = "legacy.ar.txt"  # Windows-1256, as old Arabic files often are


def make_folder(root: Path) -> Path:
    folder = root / "docs"
    folder.mkdir()
    for name, text in FILES.items():
        (folder / name).write_text(text, encoding="utf-8")
    (folder / LEGACY).write_bytes("1- تقرير قديم عن الاجتماع".encode("cp1256"))
    shutil.copy(CORPUS / "fx-2023-report.ar.txt", folder / "fx-2023-report.ar.txt")
    return folder


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("folder")
    folder = make_folder(root)
    manifest = build_index([folder], index_dir=root / "index", model="hash")
    return folder, root / "index", manifest, store.read_index(root / "index")


def test_every_readable_file_is_indexed_and_the_other_is_named(built):
    folder, _, manifest, data = built
    assert [s["path"] for s in manifest["skipped"]] == [str(folder / LEGACY)]
    assert manifest["skipped"][0]["reason"].startswith("is not UTF-8 text")
    assert manifest["skipped"][0]["kept"] is False
    docs = {d["id"]: d for d in data.documents}
    assert sorted(docs) == ["fx-2023-report.ar", "guide.en", "notes.ar", "numbered-2022.en",
                            "numbered-indic.ar"]
    meta = {i: (d["title"], d["year"], d["lang"], d["layout"]) for i, d in docs.items()}
    assert meta == {
        "fx-2023-report.ar": (docs["fx-2023-report.ar"]["title"], 2023, "ar", "un-ar"),
        "guide.en": ("Field guide", None, "en", "prose"),
        "notes.ar": ("ملاحظات عن المياه", 2024, "ar", "prose"),
        "numbered-2022.en": ("Numbered memo", 2022, "en", "numbered"),
        "numbered-indic.ar": ("مذكرة مرقمة", None, "ar", "numbered"),
    }
    assert docs["fx-2023-report.ar"]["title"].startswith("مؤتمر الأطراف") is False
    assert docs["notes.ar"]["date"] == "٢٦ تموز/يوليه ٢٠٢٤"


def test_labels_and_sections_of_each_layout(built):
    data = built[3]

    def cited(doc):
        return [(p.id.split(":")[1], p.label_ar, p.label_en, p.section) for p in data.passages
                if p.doc == doc and p.kind != "heading"]

    assert cited("notes.ar") == [("p1", "¶ 1", "¶ 1", ""), ("p2", "¶ 2", "¶ 2", "")]
    assert cited("numbered-indic.ar") == [
        ("p1", "الفقرة ١", "Paragraph 1", ""), ("p2", "الفقرة ٢", "Paragraph 2", ""),
        ("p3", "الفقرة ٣", "Paragraph 3", "")]
    assert cited("numbered-2022.en") == [
        (f"p{n}", f"الفقرة {n}", f"Paragraph {n}", "") for n in (1, 2, 3)]
    assert cited("guide.en") == [("p1", "¶ 1", "¶ 1", "Water"),
                                 ("p2", "¶ 2", "¶ 2", "Food › Markets")]
    assert cited("fx-2023-report.ar")[:2] == [
        ("p1", "الفقرة 1", "Paragraph 1", "أولاً - مقدمة"),
        ("p2", "الفقرة 2", "Paragraph 2", "أولاً - مقدمة")]
    texts = {p.id: p.text for p in data.passages}
    assert texts["numbered-indic.ar:p1"] == LONG  # the number is not part of the text


def _run(args, **kw):
    env = {**os.environ, "FAHRAS_MODEL": "hash"}
    return subprocess.run([sys.executable, "-m", "fahras", *args], capture_output=True,
                          text=True, env=env, timeout=120, **kw)


@pytest.mark.integration
def test_cli_exit_status_skipped_lines_and_piped_progress(tmp_path):
    folder = make_folder(tmp_path)
    r = _run(["index", str(folder), "--index", str(tmp_path / "index"), "--json"])
    assert r.returncode == 3, r.stderr
    out = json.loads(r.stdout)
    assert out["skipped"] == [{"path": str(folder / LEGACY), "kept": False,
                               "reason": out["skipped"][0]["reason"]}]
    lines = r.stderr.splitlines()
    assert "\r" not in r.stderr and "Traceback" not in r.stderr
    assert [f"[{i}/6]" in line for i, line in enumerate(lines[:6], 1)] == [True] * 6  # as read
    assert lines[6] == f"Read 5 document(s): {out['passages']} passages; 1 file(s) skipped"
    assert any(line.startswith("Embedding ") for line in lines)
    assert lines[-4].startswith("  embedded ") and lines[-4].split()[1].split("/")[0] == \
        lines[-4].split()[1].split("/")[1]  # the last progress line says all texts are done
    assert lines[-3].startswith("Keeping the token states of ")  # late interaction's
    assert lines[-2].startswith("Writing the index to ")
    assert lines[-1].startswith(f"fahras: skipped {folder / LEGACY}: is not UTF-8 text")
    assert len(out["documents"]) == 5


def test_a_skipped_file_keeps_the_version_indexed_before(tmp_path, capsys):
    folder = make_folder(tmp_path)
    (folder / LEGACY).unlink()
    index = tmp_path / "index"
    assert cli.main(["index", str(folder), "--index", str(index), "--model", "hash"]) == 0
    before = [p for p in store.read_index(index).passages if p.doc == "notes.ar"]
    (folder / "notes.ar.txt").write_bytes(b"\xff\xfe broken")
    capsys.readouterr()
    code = cli.main(["index", str(folder), "--index", str(index), "--model", "hash", "--json"])
    out, err = capsys.readouterr()
    assert code == 3
    assert json.loads(out)["skipped"][0]["kept"] is True
    assert "notes.ar.txt: is not UTF-8 text" in err and "(the version indexed before is kept)" in err
    assert [p for p in store.read_index(index).passages if p.doc == "notes.ar"] == before


def test_a_folder_where_every_file_fails_is_an_error(tmp_path, capsys):
    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "a.txt").write_bytes("نص".encode("cp1256"))
    (folder / "b.pdf").write_bytes(b"%PDF-1.4 broken")
    code = cli.main(["index", str(folder), "--index", str(tmp_path / "index"), "--model", "hash"])
    err = capsys.readouterr().err.splitlines()
    assert code == 1 and len(err) == 3 and "[1/2]" in err[0] and "[2/2]" in err[1]  # as read
    err = err[-1]
    assert err.startswith("fahras: error: none of the 2 files could be read: ")
    assert "a.txt: is not UTF-8" in err and "b.pdf: is not a readable PDF" in err
    assert not store.exists(tmp_path / "index")


def test_without_a_path_added_documents_are_never_silently_removed(tmp_path, capsys):
    index = tmp_path / "index"
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "notes.ar.txt").write_text(FILES["notes.ar.txt"], encoding="utf-8")
    assert cli.main(["index", str(folder), "--index", str(index), "--model", "hash"]) == 0
    current = store.current_generation(index)
    capsys.readouterr()
    code = cli.main(["index", "--index", str(index), "--model", "hash"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1
    assert "holds 1 document(s) besides the bundled report (notes.ar)" in err and "--replace" in err
    assert store.current_generation(index) == current  # nothing changed
    assert cli.main(["index", "--index", str(index), "--model", "hash", "--replace"]) == 0
    assert [d["id"] for d in store.read_index(index).documents] == ["wg-som-2024-report.ar"]
    # An index that holds only the bundled report is rebuilt without asking.
    assert cli.main(["index", "--index", str(index), "--model", "hash"]) == 0


def test_add_skips_an_unreadable_file_too(tmp_path, capsys):
    index = tmp_path / "index"
    assert cli.main(["index", str(CORPUS / "fx-2023-report.en.txt"), "--index", str(index),
                     "--model", "hash"]) == 0
    folder = make_folder(tmp_path)
    code = cli.main(["index", "--add", str(folder), "--index", str(index), "--model", "hash"])
    assert code == 3 and f"fahras: skipped {folder / LEGACY}" in capsys.readouterr().err
    assert len(store.read_index(index).documents) == 6


def test_piped_progress_is_lines_and_the_vectors_are_the_same(capsys, monkeypatch):
    texts = [f"نص رقم {n}" for n in range(300)]
    emb = HashingEmbedder()
    monkeypatch.setattr(progress, "on_terminal", lambda: False)
    chunked = progress.encode_documents(emb, texts, True)
    lines = capsys.readouterr().err.splitlines()
    assert np.allclose(chunked, emb.encode_documents(texts))
    size = progress.chunk_size(len(texts))
    assert len(lines) == -(-len(texts) // size) and lines[-1].startswith("  embedded 300/300 texts (100%)")
    assert progress.encode_documents(emb, texts[:5], False).shape == (5, emb.dim)
    assert capsys.readouterr().err == ""  # no progress asked: silence
