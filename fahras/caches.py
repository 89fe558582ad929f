"""Memoization with a bound on memory: a fixed number of entries, and no long keys.

A per-word cache (stems, lemmas, clitic variants) is fed by every query a server answers. An
``lru_cache`` with a size bounds the number of entries but not their size: 100,000 words of
5,000 letters each is half a gigabyte. :func:`short_key_cache` keeps only keys of at most
``max_len`` characters (real words); a longer one is computed and not remembered.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

MAX_KEY = 64


def short_key_cache(maxsize: int, max_len: int = MAX_KEY) -> Callable:
    """``lru_cache(maxsize)`` for a function of one string, bypassed for strings longer than
    ``max_len``."""
    def decorate(fn):
        cached = functools.lru_cache(maxsize=maxsize)(fn)

        @functools.wraps(fn)
        def wrapper(key: str):
            return fn(key) if len(key) > max_len else cached(key)

        wrapper.cache_info = cached.cache_info
        wrapper.cache_clear = cached.cache_clear
        return wrapper
    return decorate
