"""How the weaker-matches rule (retrieval/relevance.py) behaves on question sets.

    python tools/weaker_matches.py [--index DIR] QUESTIONS.tsv [QUESTIONS.tsv ...]

For the answerable questions whose answering passage (by its anchors) is in the top 10 of a
search: the share of lists that get a divider, the share where that passage would be shown as
a weaker match (it should be near 0), and how many other passages per question are set apart.
One JSON line per file.
"""

from __future__ import annotations

import argparse
import json

from fahras.retrieval.evaluation.evaluate import is_relevant, load_questions
from fahras.retrieval.relevance import SHARE_OF_BEST, weaker_from
from fahras.retrieval.searcher import Searcher


def measure(searcher, questions, k: int = 10) -> dict:
    n = divided = lost = dimmed = 0
    for q in questions:
        if not q.answerable:
            continue
        hits = searcher.search(q.query, k).hits
        relevant = [is_relevant(h.text, q.anchors) for h in hits]
        if not any(relevant):
            continue
        n += 1
        start = weaker_from([h.score for h in hits])
        if start is None:
            continue
        divided += 1
        lost += relevant.index(True) >= start
        dimmed += sum(not r for r in relevant[start:])
    return {"questions": n, "with_divider": round(divided / n, 3),
            "answer_dimmed": round(lost / n, 3), "others_dimmed_per_question": round(dimmed / n, 2),
            "share_of_best": SHARE_OF_BEST, "k": k}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="+")
    parser.add_argument("--index", help="index folder (default: $FAHRAS_HOME/index)")
    parser.add_argument("--model", default=None)
    args = parser.parse_args()
    searcher = Searcher.open(args.index, model=args.model)
    for f in args.files:
        print(json.dumps({"file": f, **measure(searcher, load_questions(f))}), flush=True)


if __name__ == "__main__":
    main()
