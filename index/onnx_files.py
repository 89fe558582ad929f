"""The files of an ONNX export folder (:mod:`fahras.index.onnx_export` writes them,
:mod:`fahras.index.onnx_encoder` reads them) and its record."""

from __future__ import annotations

import json
from pathlib import Path

RECORD = "fahras-onnx.json"
MODEL_FILE = "model.onnx"
DATA_FILE = "model.onnx.data"
PIPELINE = "pipeline.json"  # prompts, maximum length, dimension


def read_record(folder: Path) -> dict | None:
    """The export's record (written last), or None if it is missing or unreadable."""
    try:
        record = json.loads((Path(folder) / RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) else None
