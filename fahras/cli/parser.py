"""The ``fahras`` command's arguments: one subcommand per command of
:mod:`fahras.cli.commands`, each with its ``--help`` examples (:mod:`fahras.cli.examples`)."""

from __future__ import annotations

import argparse
from pathlib import Path

from fahras import __version__
import fahras.cli.commands as commands
from fahras.cli.examples import EXAMPLES


def thread_count(text: str) -> int:
    """An argparse type: a number of threads, at least 1."""
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"a number of threads, at least 1 (not {text!r})")
    return n


def _backend(p: argparse.ArgumentParser) -> None:
    p.add_argument("--backend", choices=("embedded", "milvus"), default="embedded",
                   help="embedded (default: FAISS + BM25 in the index folder) or milvus")
    p.add_argument("--uri", help="Milvus: a Milvus Lite file (./fahras.db, the default "
                   "$FAHRAS_HOME/milvus/fahras.db) or a server, http://host:19530 "
                   "(token from FAHRAS_MILVUS_TOKEN)")
    p.add_argument("--collection", default="fahras", help="Milvus collection name prefix")


def common_options(p: argparse.ArgumentParser, index: bool = True) -> None:
    """--model, --index (unless ``index`` is false) and --json."""
    p.add_argument("--model", help="embedding model: e5-small (default), a local "
                   "sentence-transformers folder, or a hub id (env FAHRAS_MODEL)")
    if index:
        p.add_argument("--index", type=Path, help="index folder (default: $FAHRAS_HOME/index)")
    p.add_argument("--json", action="store_true", help="print JSON (default when piped)")


def _query_options(p: argparse.ArgumentParser, what: str, k: int, k_help: str) -> None:
    """The options of the commands that take queries (search, ask)."""
    p.add_argument("query", nargs="*", help=f"the {what}, in Arabic or English")
    p.add_argument("-k", type=int, default=k, help=k_help)
    p.add_argument("--queries", metavar="FILE", help=f"one {what} per line ('-' for stdin); "
                   "prints one JSON object per line")
    p.add_argument("--kind", action="append", choices=("paragraph", "recommendation", "heading"),
                   help="only passages of this kind (repeatable)")
    p.add_argument("--part", action="append",
                   choices=("introduction", "recommendations", "deliberations", "organization",
                            "adoption", "other"), help="only this part of the report (repeatable)")
    p.add_argument("--mode", choices=("hybrid", "lexical", "dense"), default="hybrid",
                   help="hybrid (default), lexical only or dense only")
    p.add_argument("--doc", action="append", metavar="ID",
                   help="only this document (its id, e.g. wg-som-2024-report.ar; repeatable)")
    p.add_argument("--year", action="append", metavar="YEAR",
                   help="only documents of this year or range: 2024, 2022-2024 (repeatable)")
    p.add_argument("--lang", action="append", metavar="CODE",
                   help="only documents in this language: ar, en, fr, es, ru, zh (repeatable)")


def build_parser() -> argparse.ArgumentParser:
    fmt = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(
        prog="fahras", formatter_class=fmt, epilog=EXAMPLES["main"],
        description="Fahras (فهرس): search and question answering over Arabic UN reports, "
                    "in Arabic or English, offline.")
    parser.add_argument("--version", action="version", version=f"fahras {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("search", help="find the passages that answer a query",
                       formatter_class=fmt, epilog=EXAMPLES["search"])
    _query_options(p, "query", 10, "number of passages (default 10)")
    _backend(p)
    common_options(p)
    p.set_defaults(func=commands.cmd_search)

    p = sub.add_parser("ask", help="answer a question with a sentence of the report, cited",
                       formatter_class=fmt, epilog=EXAMPLES["ask"])
    _query_options(p, "question", 5, "number of passages listed (default 5)")
    _backend(p)
    common_options(p)
    p.set_defaults(func=commands.cmd_ask)

    p = sub.add_parser("index", help="build the index (default: the bundled report)",
                       formatter_class=fmt, epilog=EXAMPLES["index"])
    p.add_argument("paths", nargs="*", help="document files (UTF-8 text, .docx, .pdf) or folders "
                   "of them: the whole corpus (unchanged texts are not embedded again)")
    p.add_argument("--add", action="append", metavar="PATH",
                   help="add or replace this report (file or folder) in the current index")
    p.add_argument("--remove", action="append", metavar="DOC",
                   help="remove this document (its id) from the current index")
    p.add_argument("--replace", action="store_true",
                   help="without a path: rebuild with the bundled report even though the index "
                   "holds other documents (they are removed)")
    _backend(p)
    common_options(p)
    p.set_defaults(func=commands.cmd_index)

    p = sub.add_parser("passages", help="list the passages of the report(s)",
                       formatter_class=fmt, epilog=EXAMPLES["passages"])
    p.add_argument("paths", nargs="*", help="report files (default: the bundled report)")
    p.add_argument("--kind", action="append", choices=("paragraph", "recommendation", "heading"))
    p.add_argument("--json", action="store_true", help="print JSON (default when piped)")
    p.set_defaults(func=commands.cmd_passages)

    p = sub.add_parser("eval", help="score a question file (hit@1, hit@5, MRR@10, nDCG@10, "
                       "answers, refusals)",
                       formatter_class=fmt, epilog=EXAMPLES["eval"])
    p.add_argument("file", help="tab-separated questions (see docs/evaluation.md)")
    p.add_argument("--mode", choices=("hybrid", "lexical", "dense"), default="hybrid")
    p.add_argument("--details", action="store_true", help="include every question's result")
    p.add_argument("--compare", action="store_true",
                   help="side by side: Ctrl-F and naive rank-bm25 baselines, Fahras lexical, "
                   "dense and hybrid (the default), in one table (--mode is ignored)")
    _backend(p)
    common_options(p)
    p.set_defaults(func=commands.cmd_eval)

    p = sub.add_parser("serve", help="the web interface (and its HTTP API) in your browser",
                       formatter_class=fmt, epilog=EXAMPLES["serve"])
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1: this machine only). WARNING: "
                        "another address, e.g. 0.0.0.0, lets anyone who can reach this machine "
                        "use the interface and its API, with no login and no encryption")
    p.add_argument("--port", type=int, default=7860, help="port (default 7860)")
    p.add_argument("--concurrency", type=int, default=4,
                   help="searches run at the same time (default 4)")
    p.add_argument("--max-queue", type=int, default=64,
                   help="requests that may wait for their turn; more are refused at once with "
                        "'queue full' (default 64)")
    p.add_argument("--threads", type=thread_count, metavar="N",
                   help="threads that encode one query (default: FAHRAS_THREADS, else "
                   "OMP_NUM_THREADS, else 1: concurrent searches each use their own)")
    p.add_argument("--model", help="embedding model: e5-small (default), a local "
                   "sentence-transformers folder, or a hub id (env FAHRAS_MODEL)")
    p.add_argument("--index", type=Path, help="index folder (default: $FAHRAS_HOME/index)")
    p.set_defaults(func=commands.cmd_serve)

    p = sub.add_parser("model", help="provision the embedding model and show it",
                       formatter_class=fmt, epilog=EXAMPLES["model"])
    common_options(p, index=False)
    p.set_defaults(func=commands.cmd_model)
    return parser
