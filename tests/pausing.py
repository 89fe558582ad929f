"""Running a Fahras command that stops at a named stage: the environment that puts the pause
hook of tests/pausehooks/sitecustomize.py on PYTHONPATH (the product has no test hook)."""

from __future__ import annotations

import os
from pathlib import Path

PAUSEHOOKS = Path(__file__).parent / "pausehooks"
MARKER = "fahras-test-hook: paused at "  # what the hook prints when it pauses


def paused_at(stage: str, seconds: float, env: dict | None = None) -> dict:
    """``env`` (default: this process's) for a child that pauses ``seconds`` at ``stage``."""
    env = dict(os.environ if env is None else env)
    path = os.pathsep.join(filter(None, [str(PAUSEHOOKS), env.get("PYTHONPATH")]))
    return {**env, "PYTHONPATH": path, "FAHRAS_TEST_PAUSE_AT": stage,
            "FAHRAS_TEST_PAUSE_SECONDS": str(seconds)}
