"""Where relevance ends in a ranked list: which hits are weaker matches.

A search always returns k passages, even when only the first one or two are about the question;
the rest are the corpus's nearest neighbours, not answers. :func:`weaker_from` says where the
weaker matches start, from the scores alone: at the first hit that scores less than
:data:`SHARE_OF_BEST` of the best hit (the fused scores are comparable within one result list:
0 is the least similar passage of the corpus). One general rule, no threshold per question or
per corpus; ``python tools/weaker_matches.py`` measures how often it would dim a passage that
answers (docs/evaluation.md).
"""

from __future__ import annotations

from collections.abc import Sequence

SHARE_OF_BEST = 0.5


def weaker_from(scores: Sequence[float], share: float = SHARE_OF_BEST) -> int | None:
    """The position (0-based) of the first weaker match in ``scores`` (best first), or None
    when every hit is close to the best one (or there is nothing to compare with)."""
    if len(scores) < 2 or not scores[0] > 0:
        return None
    limit = share * float(scores[0])
    for i, score in enumerate(scores[1:], start=1):
        if float(score) < limit:
            return i
    return None
