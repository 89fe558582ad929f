"""A test hook for crash-safety tests: stop a process at a named stage so a test can kill it.

When the environment variable ``FAHRAS_TEST_PAUSE_AT`` names a stage, the process prints
``fahras-test-hook: paused at <stage>`` on standard error when it reaches that stage and then
sleeps (``FAHRAS_TEST_PAUSE_SECONDS``, default 600), so that a test can send it SIGKILL exactly
there (tests/test_crash_safety.py). Unset -- always, outside those tests -- :func:`pause_at`
costs one environment lookup and does nothing.

Stages: ``parsed`` (reports read, nothing embedded), ``embed`` (about to embed), ``write`` (a
new generation half written), ``switch`` (a complete generation, ``CURRENT`` not yet switched),
``switched`` (``CURRENT`` switched, old generations not yet removed); for the one-time model
conversion: ``model-convert`` (weights written, tokenizer not yet), ``model-verify`` (converted,
not verified), ``model-install`` (verified and recorded, not yet renamed into place); for the
one-time ONNX export: ``onnx-export`` (graph exported, not yet optimized), ``onnx-verify``
(exported, not verified), ``onnx-install`` (verified and recorded, not yet renamed).
"""

from __future__ import annotations

import os
import sys
import time

ENV = "FAHRAS_TEST_PAUSE_AT"
MARKER = "fahras-test-hook: paused at "


def pause_at(stage: str) -> None:
    """Pause here if ``FAHRAS_TEST_PAUSE_AT`` names ``stage`` (see the module docstring)."""
    if os.environ.get(ENV) != stage:
        return
    sys.stderr.write(f"{MARKER}{stage}\n")
    sys.stderr.flush()
    time.sleep(float(os.environ.get("FAHRAS_TEST_PAUSE_SECONDS", "600")))
