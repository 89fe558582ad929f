"""Moved to :mod:`fahras.text.arabic` (text analysis is the bottom layer, shared by index and
retrieval). Kept only for ``retrieval/searcher.py`` and ``retrieval/backends/milvus.py``, which
are being reworked on another branch: delete this file once they import ``fahras.text.arabic``."""

from fahras.text.arabic import NORMALIZER_VERSION, normalize

__all__ = ["NORMALIZER_VERSION", "normalize"]
