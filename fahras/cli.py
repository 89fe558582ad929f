"""The ``fahras`` command: a thin layer over the library.

Output is JSON when ``--json`` is given or when standard output is not a terminal (for
machines), and a readable rendering on a terminal. Errors a user can cause are printed on one
line (``fahras: error: ...``) with a non-zero exit code, never as a traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import textwrap
from pathlib import Path

from fahras import __version__
from fahras.errors import FahrasError, UsageError

EXAMPLES = {
    "main": """\
examples:
  fahras search "ما دور القنصليات؟"
  fahras search "search and rescue at sea" -k 3 --json
  fahras ask "Who opened the meeting?"
  fahras serve                      # the web interface on http://127.0.0.1:7860
  fahras passages --kind recommendation
  fahras eval fahras/data/examples.tsv   # questions about the bundled report (in a checkout)
""",
    "search": """\
examples:
  fahras search "حماية الأطفال المهربين"
  fahras search "recommendation 8"
  fahras search "Frontex" -k 3 --json
  fahras search --queries questions.txt --json > results.jsonl
  fahras search "focal points" --kind recommendation --part recommendations
  fahras search "victims" --year 2022-2024 --lang en --doc wg-2023.en
  fahras search "victims" --backend milvus --uri ./fahras.db
""",
    "ask": """\
examples:
  fahras ask "Who opened the meeting?"
  fahras ask "متى عقد الاجتماع الأول للفريق العامل؟"
  fahras ask "Which chapters were adopted?" --json
  fahras ask --queries questions.txt > answers.jsonl
  fahras ask "ما الدول التي تكلمت؟" --part organization -k 3

The answer is a sentence of the report, cited with its paragraph (or list item); with middling
evidence it is a "likely answer" with its confidence. When the report does not answer, "found"
is false, the reason is given and the closest passages are still listed (docs/answers.md).
""",
    "index": """\
examples:
  fahras index                       # the bundled report
  fahras index report-2023.ar.txt report-2024.ar.txt --index ./my-index
  fahras index reports/                # a folder: UN reports, numbered or plain texts
  fahras index --add new-report.en.pdf # add or replace one report, keep the others
  fahras index --remove new-report.en # remove one report (its id)
  fahras index --replace               # back to the bundled report alone (removes the others)
  fahras index reports/ --backend milvus --uri ./fahras.db         # Milvus Lite file

A Milvus server or cluster is --uri http://HOST:19530. --model PATH (a sentence-transformers
folder) builds the index with another embedding model; search then uses the same one.

With paths, the index becomes exactly those documents (unchanged texts are not embedded
again). Without a path it is the bundled report; if the index holds documents you added,
nothing is changed: the command says what would be removed and asks for --replace.
A file that cannot be read (not UTF-8, a scanned PDF, ...) is skipped and named on stderr
("fahras: skipped PATH: reason"; --json lists them under "skipped"); the rest is indexed.

exit status: 0 indexed; 3 indexed, but some files were skipped; 1 nothing indexed (an
error; the previous index is unchanged); 2 a usage error (nothing changed).
""",
    "passages": """\
examples:
  fahras passages --json | head
  fahras passages --kind recommendation
""",
    "eval": """\
examples:
  fahras eval fahras/data/examples.tsv        # questions about the bundled report
  fahras eval tests/data/unanswerable.tsv     # rows with answerable=no: the share refused
  fahras eval ../shared/eval/dev-broad-unanswerable.tsv   # no anchors column: none answerable
  fahras eval ../shared/corpora/xquad-ar-dev/questions.tsv --index xquad-index
  fahras eval questions.tsv --json --details
  fahras eval fahras/data/examples.tsv --compare   # beside Ctrl-F, rank-bm25, lexical, dense

fahras/data/examples.tsv and tests/data/ are in a checkout of Fahras; questions.tsv stands for
your own file, in the same tab-separated format (docs/evaluation.md).

Every question is asked once (fahras ask): the ranking gives hit@k, MRR and nDCG on the
answerable rows; "answer" is the share of rows with answer_contains whose answer contains
one of its strings; "false refusals" the share of answerable rows given no answer; for
questions the documents cannot answer (a file without an anchors column, or rows with
answerable=no), "refused" is the share given no answer.
""",
    "bench": """\
examples:
  fahras bench                          # a few minutes; docs/evaluation.md quotes it
  fahras bench --quick --json           # one to two minutes (the notebook runs it in CI)
  fahras bench --sizes 1000,10000,100000 --hnsw   # the scale curve to 100k (add --milvus)

Medians (p50) and p95 over repeated runs, on 2 cores by default, of: query encoding alone,
search, ask (interleaved), their ratios; fresh `fahras search` and `fahras ask` processes
(launch to exit, peak memory) beside a plain bm25s script over the same passages; `fahras
serve` to its first answer; single-query encoding on 1 and 2 threads, quiet and beside a
CPU-bound process; the index build of the report; the model's encoding throughput (all cores
and 1 thread); conversion and load (fahras model --bench); and how build time, latency and
memory grow on synthetic corpora.
""",
    "serve": """\
examples:
  fahras serve                          # http://127.0.0.1:7860, this machine only
  fahras serve --port 8080
  fahras serve --host 0.0.0.0           # reachable from other machines (see --host and
                                        # docs/security.md: no login, no TLS)

API (while it runs): POST the values, [query, k, kinds, parts, mode] (null for a default),
then GET the result with the event id the POST returned (see README):
  EVENT=$(curl -s -X POST http://127.0.0.1:7860/gradio_api/call/search \\
       -H 'Content-Type: application/json' \\
       -d '{"data": ["ما دور القنصليات؟", 3, null, null, "hybrid"]}' \\
       | python3 -c 'import json,sys; print(json.load(sys.stdin)["event_id"])')
  curl -s http://127.0.0.1:7860/gradio_api/call/search/$EVENT
""",
    "model": """\
examples:
  fahras model --json
  FAHRAS_MODEL=e5-small fahras model

FAHRAS_MODEL (or --model) names the model: e5-small (the default), a local
sentence-transformers folder, or a hub id if you have a network.
""",
}


def _clean(text: str) -> str:
    """Command-line text with undecodable bytes (lone surrogates) made U+FFFD."""
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    except UnicodeEncodeError:  # surrogates that are not escaped bytes (main() called from Python)
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


# C0/C1 control characters (but newline and tab), escape sequences other than the bold on/off
# this module writes itself, and the bidirectional embeddings, overrides and isolates
# (U+202A-U+202E, U+2066-U+2069: "Trojan source" reordering), which a terminal that applies the
# bidi algorithm would let reorder the rest of the line: a passage or query can never drive the
# terminal. The marks U+200E/U+200F/U+061C stay: they only attach to their neighbours.
_TERMINAL_CONTROL = re.compile(
    r"\x1b(?!\[[01]m)|[\x00-\x08\x0b-\x1a\x1c-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _terminal_safe(text: str) -> str:
    """Readable output made safe for a terminal (control characters from a report removed)."""
    return _TERMINAL_CONTROL.sub("", text)


def _want_json(args) -> bool:
    return bool(getattr(args, "json", False)) or not sys.stdout.isatty()


def _progress() -> bool:
    return sys.stderr.isatty()


def _print_json(obj) -> None:
    # U+2028/U+2029 escaped: a line reader that splits at them (str.splitlines, JavaScript)
    # still sees one JSON object per line.
    text = json.dumps(obj, ensure_ascii=False).replace("\u2028", "\\u2028")
    sys.stdout.write(text.replace("\u2029", "\\u2029") + "\n")


def _open_searcher(args):
    if getattr(args, "backend", "embedded") == "milvus":
        from fahras.retrieval.backends.milvus import MilvusSearcher

        return MilvusSearcher.open(args.uri, model=args.model, collection=args.collection)
    from fahras.retrieval.searcher import Searcher

    return Searcher.open(args.index, model=args.model, progress=_progress())


def _read_queries(path: str) -> list[str]:
    try:
        raw = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
    except OSError as e:
        raise UsageError("queries_unreadable", path=path, reason=e.strerror) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        raise UsageError("queries_not_utf8", path=path, line=line) from None
    # One query per line: only line ends (\n, \r\n, \r) end one -- not a form feed or U+2028
    # inside a pasted query, where str.splitlines would also split.
    return [line.strip() for line in re.split(r"\r\n|\r|\n", text) if line.strip()]


# -- commands ------------------------------------------------------------------------------
def _run_queries(args, what: str, call, render, failed: dict) -> int:
    """A query command: one query (JSON or a readable rendering), or ``--queries FILE`` (JSON
    Lines, one object per query; a query that cannot be run gets ``error`` and ``failed``)."""
    if args.queries is None and not args.query:
        raise UsageError("cli_no_query" if what == "query" else "cli_no_question")
    if args.queries is not None and args.query:
        raise UsageError("cli_query_and_file" if what == "query" else "cli_question_and_file")
    searcher = _open_searcher(args)
    kwargs = _filters(args, searcher)
    if args.queries is not None:
        for q in _read_queries(args.queries):
            try:
                _print_json(call(searcher, _clean(q), args.k, **kwargs).to_json())
            except UsageError as e:
                _print_json({"query": _clean(q), "error": str(e), **failed})
        return 0
    result = call(searcher, _clean(" ".join(args.query)), args.k, **kwargs)
    if _want_json(args):
        _print_json(result.to_json())
    else:
        print(_terminal_safe(render(result)))
    return 0


def cmd_search(args) -> int:
    return _run_queries(args, "query", lambda s, *a, **kw: s.search(*a, **kw), render_search,
                        {"hits": []})


def render_search(result) -> str:
    lines = []
    for note in result.notes:
        lines.append(f"note: {note}")
    if result.expansions:
        terms = ", ".join(f"{e['source']} → {' / '.join(e['arabic'])}" for e in result.expansions)
        lines.append(f"matched on: {terms}")
    if not result.hits:
        lines.append("no passages found")
    for h in result.hits:
        lines.append(f"{h.rank}. {h.label_ar} | {h.label_en}   (score {h.score:.3f})")
        doc = getattr(h, "document", None) or {}
        if doc.get("symbol") or doc.get("date"):
            lines.append("   " + " · ".join(str(doc[k]) for k in ("symbol", "date", "lang")
                                            if doc.get(k)))
        lines.append(f"   {h.section}")
        snippet = h.text if len(h.text) <= 400 else h.text[:400] + "…"
        lines.extend("   " + line for line in textwrap.wrap(snippet, 100))
        for other in getattr(h, "linked", None) or []:
            text = other["text"] if len(other["text"]) <= 300 else other["text"][:300] + "…"
            lines.append(f"   [{other['lang'] or other['doc']}] {other['label_en']}:")
            lines.extend("     " + line for line in textwrap.wrap(text, 98))
        lines.append("")
    lines.append(f"({result.timings.get('total_ms', 0):.0f} ms)")
    return "\n".join(lines)


def _documents(searcher) -> list[dict]:
    """The metadata of the documents a searcher holds (an index, or a Milvus collection)."""
    documents = getattr(searcher, "documents", None)
    if isinstance(documents, list):
        return documents
    return list(searcher.store.document_entries().values())


def _filters(args, searcher) -> dict:
    """The filters of a query command. The document, year and language filters become the
    documents they select, and one that matches no document of the index is refused."""
    from fahras.retrieval.corpus import select_documents

    kwargs = dict(kinds=args.kind or None, parts=args.part or None, mode=args.mode)
    if args.kind is None:
        kwargs.pop("kinds")
    if args.doc or args.year or args.lang:
        kwargs["docs"] = select_documents(_documents(searcher), args.doc, args.year, args.lang)
    return kwargs


def cmd_ask(args) -> int:
    return _run_queries(args, "question", lambda s, *a, **kw: s.ask(*a, **kw),
                        lambda r: render_ask(r, bold=sys.stdout.isatty()),
                        {"found": False, "answer": None, "hits": []})


def _marked(text: str, start: int, end: int, bold: bool) -> str:
    """``text`` with ``[start, end)`` in ANSI bold (a terminal) or between » and «."""
    left, right = ("\033[1m", "\033[0m") if bold else ("»", "«")
    return text[:start] + left + text[start:end] + right + text[end:]


def render_ask(result, bold: bool = False) -> str:
    """A readable rendering of an :class:`~fahras.retrieval.answer.AskResult`."""
    lines = []
    a = result.answer
    if a is not None:
        passage = result.passage
        likely = getattr(result, "reason_code", None) == "likely_answer"
        confidence = getattr(result, "confidence", None)
        head = f"Likely answer, confidence {confidence:.0%}" if likely and confidence is not None \
            else "Answer"
        lines.append(f"{head} ({a.label_ar} | {a.label_en}):")
        lines.extend("  " + line for line in textwrap.wrap(a.text, 100))
        lines.append("")
        lines.append(f"In {passage.label_ar} | {passage.label_en}   {passage.section}")
        text = _marked(passage.text, a.start, a.end, bold)
        for para in text.split("\n"):
            lines.extend("  " + line for line in textwrap.wrap(para, 100))
        others = [h for h in result.hits if h.id != a.passage_id]
    else:
        why = f": {result.reason}" if result.reason else ""
        lines.append(f"Not in the report{why}.")
        others = result.hits
        if others:
            lines.append("The closest passages:")
    for h in others:
        lines.append("")
        lines.append(f"{h.rank}. {h.label_ar} | {h.label_en}   (score {h.score:.3f})")
        snippet = h.text if len(h.text) <= 300 else h.text[:300] + "…"
        lines.extend("   " + line for line in textwrap.wrap(snippet, 100))
    took = result.timings.get("total_ms", 0.0)
    lines.append("")
    lines.append(f"({took:.0f} ms)")
    return "\n".join(lines)


def cmd_index(args) -> int:
    from fahras.index.builder import build_index

    if args.backend == "milvus":
        from fahras.retrieval.backends.milvus import index_milvus

        if args.add or args.remove:
            raise UsageError("milvus_whole_corpus")
        m = index_milvus(args.paths or None, uri=args.uri, collection=args.collection,
                         model=args.model, progress=_progress())
        if _want_json(args):
            _print_json(m)
        else:
            print(f"Indexed {m['n_passages']} passages ({m['n_sentences']} sentences) of "
                  f"{len(m['documents'])} document(s) into Milvus at {m['uri']} "
                  f"(collection {m['collection']}) in {m['build_seconds']} s")
        return 0
    if args.add or args.remove:
        from fahras.index.builder import update_index

        if args.paths or args.replace:
            raise UsageError("index_paths_and_changes" if args.paths
                             else "index_replace_with_changes")
        manifest = update_index(args.index, add=args.add or (), remove=args.remove or (),
                                model=args.model, progress=True)
    else:
        # Progress on stderr, as lines when it is not a terminal (index/progress.py).
        manifest = build_index(args.paths or None, index_dir=args.index, model=args.model,
                               progress=True, replace=args.replace)
    skipped = manifest.get("skipped") or []
    for s in skipped:
        kept = " (the version indexed before is kept)" if s.get("kept") else ""
        print(_terminal_safe(f"fahras: skipped {s['path']}: {s['reason']}{kept}"),
              file=sys.stderr)
    summary = {
        "path": manifest["path"], "documents": [d["id"] for d in manifest["documents"]],
        "passages": manifest["n_passages"], "sentences": manifest["n_sentences"],
        "model": manifest["model"]["name"], "seconds": manifest["build_seconds"],
        "changes": manifest.get("changes"), "skipped": skipped,
        "glossaries": manifest.get("glossaries") or [],
    }
    if _want_json(args):
        _print_json(summary)
    else:
        glossaries = summary["glossaries"]
        print(_terminal_safe(
            f"Indexed {summary['passages']} passages ({summary['sentences']} sentences) of "
            f"{', '.join(summary['documents'])} with {summary['model']} in "
            f"{summary['seconds']} s -> {summary['path']}"
            + (f"; corpus glossary: {', '.join(g['file'] for g in glossaries)} "
               f"({sum(g['rows'] for g in glossaries)} entries)" if glossaries else "")
            + (f"; {len(skipped)} file(s) skipped" if skipped else "")))
    return 3 if skipped else 0  # 3: indexed, but some files could not be read (see --help)


def cmd_passages(args) -> int:
    from fahras.index.builder import load_documents

    docs = load_documents(args.paths or None)
    rows = [p for d in docs for p in d.passages if not args.kind or p.kind in args.kind]
    if _want_json(args):
        _print_json({"documents": [d.metadata() for d in docs],
                     "passages": [p.to_json() for p in rows]})
    else:
        for p in rows:
            first = p.text.split("\n")[0]
            print(_terminal_safe(f"{p.id:<34} {p.label_en:<20} {first[:70]}"))
    return 0


def cmd_eval(args) -> int:
    from fahras.retrieval.evaluate import evaluate_searcher, load_questions, render_report

    if args.compare:
        return _eval_compare(args)
    questions = load_questions(args.file)
    searcher = _open_searcher(args)
    report = evaluate_searcher(searcher, questions, mode=args.mode)
    if _want_json(args):
        _print_json(report.to_json(details=args.details))
    else:
        print(_terminal_safe(render_report(report, args.details)))
    return 0


def _eval_compare(args) -> int:
    from fahras.retrieval.compare import compare, render_comparison
    from fahras.retrieval.evaluate import load_questions

    if args.backend != "embedded":
        raise UsageError("compare_needs_embedded_cli")
    questions = load_questions(args.file)
    comparison = compare(_open_searcher(args), questions, source=args.file)
    if _want_json(args):
        _print_json(comparison.to_json(details=args.details))
    else:
        print(_terminal_safe(render_comparison(comparison, args.details)))
    return 0


def _sizes(text: str) -> tuple[int, ...]:
    try:
        sizes = tuple(int(s.replace("_", "")) for s in text.split(",") if s.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a comma-separated list of numbers: {text!r}")
    if any(n < 10 for n in sizes):
        raise argparse.ArgumentTypeError("corpus sizes are numbers of passages, at least 10")
    return sizes


def _threads(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"a number of threads, at least 1 (not {text!r})")
    return n


def cmd_bench(args) -> int:
    from fahras.retrieval.bench import render_bench, run_bench, settings_from

    settings = settings_from(args.quick, rounds=args.rounds, cold_runs=args.runs,
                             build_runs=args.runs, sizes=args.sizes, cores=args.cores,
                             hnsw=args.hnsw or None, milvus=args.milvus or None,
                             model_bench=False if args.no_model_bench else None,
                             serve=False if args.no_serve else None, threads=args.threads)
    questions = _read_queries(args.queries) if args.queries else None
    out = run_bench(args.index, model=args.model, settings=settings, questions=questions,
                    progress=_progress())
    if _want_json(args):
        _print_json(out)
    else:
        print(_terminal_safe(render_bench(out)))
    return 0


def cmd_serve(args) -> int:
    if args.threads is not None:  # read by fahras.config.query_threads
        os.environ["FAHRAS_THREADS"] = str(args.threads)
    from fahras.ui.app import serve  # gradio is imported here only, never by other commands

    serve(host=args.host, port=args.port, index_dir=args.index, model=args.model,
          concurrency=args.concurrency, progress=_progress(), max_queue=args.max_queue)
    return 0


def cmd_model(args) -> int:
    from fahras.index import model as model_mod

    if args.bench:
        from fahras.index.model_bench import benchmark

        _print_json(benchmark(args.model))
        return 0
    info = model_mod.resolve(args.model, progress=_progress())
    if _want_json(args):
        _print_json(info.to_json())
    else:
        print(f"{info.name}\n  path:   {info.path}\n  dim:    {info.dim}\n  sha256: {info.sha256}")
    return 0


# -- parser --------------------------------------------------------------------------------
def _backend(p: argparse.ArgumentParser) -> None:
    p.add_argument("--backend", choices=("embedded", "milvus"), default="embedded",
                   help="embedded (default: FAISS + BM25 in the index folder) or milvus")
    p.add_argument("--uri", help="Milvus: a Milvus Lite file (./fahras.db, the default "
                   "$FAHRAS_HOME/milvus/fahras.db) or a server, http://host:19530 "
                   "(token from FAHRAS_MILVUS_TOKEN)")
    p.add_argument("--collection", default="fahras", help="Milvus collection name prefix")


def _common(p: argparse.ArgumentParser, index: bool = True) -> None:
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
    _common(p)
    p.set_defaults(func=cmd_search)

    p = sub.add_parser("ask", help="answer a question with a sentence of the report, cited",
                       formatter_class=fmt, epilog=EXAMPLES["ask"])
    _query_options(p, "question", 5, "number of passages listed (default 5)")
    _common(p)
    p.set_defaults(func=cmd_ask)

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
    _common(p)
    p.set_defaults(func=cmd_index)

    p = sub.add_parser("passages", help="list the passages of the report(s)",
                       formatter_class=fmt, epilog=EXAMPLES["passages"])
    p.add_argument("paths", nargs="*", help="report files (default: the bundled report)")
    p.add_argument("--kind", action="append", choices=("paragraph", "recommendation", "heading"))
    p.add_argument("--json", action="store_true", help="print JSON (default when piped)")
    p.set_defaults(func=cmd_passages)

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
    _common(p)
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("bench", help="measure speed and memory (latency, cold start, index "
                       "build, scale curve)", formatter_class=fmt, epilog=EXAMPLES["bench"])
    p.add_argument("--quick", action="store_true",
                   help="fewer runs, encoding throughput on a sample, sizes 1k and 10k, no model "
                   "conversion (one to two minutes)")
    p.add_argument("--sizes", type=_sizes, metavar="N,N,...",
                   help="scale-curve corpus sizes in passages (default 1000,10000,30000; "
                   "100000 takes a few minutes more)")
    p.add_argument("--rounds", type=int, help="passes over the questions (default 5; quick 3)")
    p.add_argument("--runs", type=int, help="cold starts and index builds (default 3; quick 1)")
    p.add_argument("--cores", type=int, help="CPU cores to run on (default 2)")
    p.add_argument("--queries", metavar="FILE",
                   help="questions to time, one per line (default: a built-in mixed set)")
    p.add_argument("--hnsw", action="store_true", help="scale curve: also HNSW (slow to build)")
    p.add_argument("--milvus", action="store_true", help="scale curve: also Milvus Lite")
    p.add_argument("--no-model-bench", action="store_true",
                   help="skip the model's conversion and load figures (fahras model --bench)")
    p.add_argument("--no-serve", action="store_true",
                   help="skip the start-up of fahras serve to its first answer")
    p.add_argument("--threads", type=_threads, metavar="N",
                   help="threads that encode one query in the measured commands (default: "
                   "FAHRAS_THREADS, else OMP_NUM_THREADS, else 1)")
    _common(p)
    p.set_defaults(func=cmd_bench)

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
    p.add_argument("--threads", type=_threads, metavar="N",
                   help="threads that encode one query (default: FAHRAS_THREADS, else "
                   "OMP_NUM_THREADS, else 1: concurrent searches each use their own)")
    p.add_argument("--model", help="embedding model: e5-small (default), a local "
                   "sentence-transformers folder, or a hub id (env FAHRAS_MODEL)")
    p.add_argument("--index", type=Path, help="index folder (default: $FAHRAS_HOME/index)")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("model", help="provision the embedding model and show it",
                       formatter_class=fmt, epilog=EXAMPLES["model"])
    p.add_argument("--bench", action="store_true",
                   help="measure conversion, load and query-encoding time and memory")
    _common(p, index=False)
    p.set_defaults(func=cmd_model)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    try:
        return args.func(args)
    except FahrasError as e:
        print(f"fahras: error: {_terminal_safe(str(e))}", file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt:
        print("fahras: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as e:  # a file-system state no message foresaw: still one line
        from fahras.fsutil import describe

        print(f"fahras: error: {_terminal_safe(describe(e))}", file=sys.stderr)
        return 1
    except MemoryError:
        print("fahras: error: out of memory", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
