"""Stop a Fahras process at a named stage, so that a test can kill it exactly there: put this
folder on PYTHONPATH and set ``FAHRAS_TEST_PAUSE_AT`` to the stage. The product has no hook of
its own: this module wraps, as each module is imported, the function that marks the stage.

When the process reaches the stage it prints ``fahras-test-hook: paused at <stage>`` on
standard error and sleeps ``FAHRAS_TEST_PAUSE_SECONDS`` (default 600) -- tests/test_crash_safety.py
then sends SIGKILL, tests/test_concurrent_index.py lets two writers overlap. Without
``FAHRAS_TEST_PAUSE_AT`` nothing is wrapped.

Stages (the function wrapped, and whether the pause is before or after it):

- ``parsed``: the documents read, nothing embedded (``index.builder.get_embedder``, before);
- ``embed``: about to embed (``index.progress.encode_documents``, before);
- ``write``: a new generation half written -- its JSON files, not its arrays
  (``index.store.write_synced`` of ``vectors.npy``, before);
- ``switch``: a complete generation, ``CURRENT`` not yet switched (``index.store.atomic_write``
  of ``CURRENT``, before); ``switched``: switched, old generations not yet removed (after);
- the one-time model conversion: ``model-convert`` (weights written, tokenizer not yet: the
  progress step "writing the tokenizer" of ``index.e5_convert.convert``), ``model-verify``
  (``index.model_default.verify_model``, before), ``model-install`` (verified and recorded, not
  yet renamed into place: ``index.model_default.fsync_tree``, after);
- the one-time ONNX export: ``onnx-export`` (graph exported, not optimized:
  ``index.onnx_export._optimize``, before), ``onnx-verify`` (``index.onnx_export.verify``,
  before), ``onnx-install`` (``index.onnx_export.fsync_tree``, after).
"""

import functools
import importlib.abc
import importlib.machinery
import os
import sys
import time

ENV = "FAHRAS_TEST_PAUSE_AT"
MARKER = "fahras-test-hook: paused at "
STAGE = os.environ.get(ENV)


def _pause(stage: str) -> None:
    sys.stderr.write(f"{MARKER}{stage}\n")
    sys.stderr.flush()
    time.sleep(float(os.environ.get("FAHRAS_TEST_PAUSE_SECONDS", "600")))


def _name(args, kwargs, key="path") -> str:
    target = kwargs.get(key, args[0] if args else "")
    return os.path.basename(str(target))


def _wrap(fn, stage: str, when: str = "before", only=None):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        hit = only is None or only(args, kwargs)
        if hit and when == "before":
            _pause(stage)
        out = fn(*args, **kwargs)
        if hit and when == "after":
            _pause(stage)
        return out

    return wrapper


def _convert_with_tokenizer_pause(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        progress = kwargs.get("progress")
        if progress is not None:
            def step(name, fraction, _inner=progress):
                if name == "writing the tokenizer":
                    _pause("model-convert")
                return _inner(name, fraction)

            kwargs["progress"] = step
        return fn(*args, **kwargs)

    return wrapper


def _current(args, kwargs):
    return _name(args, kwargs) == "CURRENT"


# stage -> (module, attribute, how to wrap it)
_HOOKS = {
    "parsed": ("fahras.index.builder", "get_embedder", lambda f: _wrap(f, "parsed")),
    "embed": ("fahras.index.progress", "encode_documents", lambda f: _wrap(f, "embed")),
    "write": ("fahras.index.store", "write_synced", lambda f: _wrap(
        f, "write", only=lambda a, k: _name(a, k) == "vectors.npy")),
    "switch": ("fahras.index.store", "atomic_write", lambda f: _wrap(f, "switch", only=_current)),
    "switched": ("fahras.index.store", "atomic_write", lambda f: _wrap(
        f, "switched", "after", only=_current)),
    "model-convert": ("fahras.index.e5_convert", "convert", _convert_with_tokenizer_pause),
    "model-verify": ("fahras.index.model_default", "verify_model",
                     lambda f: _wrap(f, "model-verify")),
    "model-install": ("fahras.index.model_default", "fsync_tree",
                      lambda f: _wrap(f, "model-install", "after")),
    "onnx-export": ("fahras.index.onnx_export", "_optimize", lambda f: _wrap(f, "onnx-export")),
    "onnx-verify": ("fahras.index.onnx_export", "verify", lambda f: _wrap(f, "onnx-verify")),
    "onnx-install": ("fahras.index.onnx_export", "fsync_tree",
                     lambda f: _wrap(f, "onnx-install", "after")),
}


class _Patcher(importlib.abc.MetaPathFinder):
    """Wraps the stage's function right after its module is executed."""

    def __init__(self, module: str, attribute: str, wrap):
        self.module, self.attribute, self.wrap = module, attribute, wrap

    def find_spec(self, fullname, path=None, target=None):
        if fullname != self.module:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None and spec.loader is not None:
                break
        else:
            return None
        loader, patcher = spec.loader, self

        class Loader(importlib.abc.Loader):
            def create_module(self, spec):
                return loader.create_module(spec)

            def exec_module(self, module):
                loader.exec_module(module)
                setattr(module, patcher.attribute,
                        patcher.wrap(getattr(module, patcher.attribute)))

        spec.loader = Loader()
        return spec


if STAGE in _HOOKS:
    sys.meta_path.insert(0, _Patcher(*_HOOKS[STAGE]))
