"""Every quality figure of the report's sets and the other corpora, in one run.

    python tools/quality_table.py               # hybrid, the table of docs/evaluation.md
    python tools/quality_table.py --mode dense  # one side alone

Each row is what ``fahras eval FILE [--index DIR]`` prints for one question file: the bundled
report's sets against the default index, the corpora of ../shared/corpora against their own
indexes (built once under $FAHRAS_HOME/fit-indexes/, as tools/fit_fusion.py does). Columns:
hit@1 overall / Arabic / English, hit@5, answer accuracy, answerable refused, unanswerable
refused.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fit_fusion import REPO, SHARED, corpus_index  # noqa: E402

REPORT_SETS = (
    SHARED / "eval" / "dev.tsv", SHARED / "eval" / "dev-broad.tsv",
    SHARED / "eval" / "dev-broad-unanswerable.tsv",
    REPO / "tests" / "data" / "heldout.tsv", REPO / "tests" / "data" / "unanswerable.tsv",
)
CORPORA = ("xquad-ar-dev", "arcd-dev")


def _f(v) -> str:
    return "-" if v is None else f"{v:.3f}"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mode", default="hybrid", choices=("hybrid", "lexical", "dense"))
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--only", help="comma-separated file stems to run")
    args = ap.parse_args(argv)

    from fahras.retrieval.evaluation.evaluate import evaluate_searcher, load_questions
    from fahras.retrieval.searcher import Searcher

    runs = [(None, p) for p in REPORT_SETS]
    runs += [(SHARED / "corpora" / c / "docs", SHARED / "corpora" / c / "questions.tsv")
             for c in CORPORA]
    only = set(args.only.split(",")) if args.only else None
    searchers: dict = {}
    out = []
    print("| set | n | hit@1 | ar | en | hit@5 | answer | refused (answerable) | "
          "refused (unanswerable) | s |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for docs, path in runs:
        name = path.parent.name if path.name == "questions.tsv" else path.stem
        if only and name not in only:
            continue
        if not path.exists():
            continue
        key = str(docs)
        if key not in searchers:
            index = corpus_index(docs, None) if docs else None
            searchers[key] = Searcher.open(index, build_if_missing=docs is None)
        t = time.perf_counter()
        report = evaluate_searcher(searchers[key], load_questions(path), mode=args.mode)
        o, by = report.overall, report.by_lang
        row = {"set": name, "n": o.n or o.unanswerable_n, "hit1": o.hit1 if o.n else None,
               "ar": by["ar"].hit1 if "ar" in by and by["ar"].n else None,
               "en": by["en"].hit1 if "en" in by and by["en"].n else None,
               "hit5": o.hit5 if o.n else None, "answer": o.answer_accuracy,
               "refused": o.refused, "unanswerable_refused": o.unanswerable_refused,
               "seconds": round(time.perf_counter() - t, 1)}
        out.append(row)
        print(f"| {name} | {row['n']} | {_f(row['hit1'])} | {_f(row['ar'])} | {_f(row['en'])} | "
              f"{_f(row['hit5'])} | {_f(row['answer'])} | {_f(row['refused'])} | "
              f"{_f(row['unanswerable_refused'])} | {row['seconds']} |", flush=True)
    if args.json:
        print(json.dumps(out, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
