"""The commands: each calls the library and prints what it returns (:mod:`fahras.cli.render`)."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

from fahras.cli.render import (
    clean,
    print_json,
    progress_wanted,
    render_ask,
    render_search,
    terminal_safe,
    want_json,
)
from fahras.errors import UsageError


def open_searcher(args):
    if getattr(args, "backend", "embedded") == "milvus":
        from fahras.retrieval.backends.milvus import MilvusSearcher

        return MilvusSearcher.open(args.uri, model=args.model, collection=args.collection)
    from fahras.retrieval.searcher import Searcher

    return Searcher.open(args.index, model=args.model, progress=progress_wanted())


def read_queries(path: str) -> list[str]:
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


def run_queries(args, what: str, call, render, failed: dict) -> int:
    """A query command: one query (JSON or a readable rendering), or ``--queries FILE`` (JSON
    Lines, one object per query; a query that cannot be run gets ``error`` and ``failed``)."""
    if args.queries is None and not args.query:
        raise UsageError("cli_no_query" if what == "query" else "cli_no_question")
    if args.queries is not None and args.query:
        raise UsageError("cli_query_and_file" if what == "query" else "cli_question_and_file")
    searcher = open_searcher(args)
    kwargs = filters_of(args, searcher)
    if args.queries is not None:
        for q in read_queries(args.queries):
            try:
                print_json(call(searcher, clean(q), args.k, **kwargs).to_json())
            except UsageError as e:
                print_json({"query": clean(q), "error": str(e), **failed})
        return 0
    result = call(searcher, clean(" ".join(args.query)), args.k, **kwargs)
    if want_json(args):
        print_json(result.to_json())
    else:
        print(terminal_safe(render(result)))
    return 0


def cmd_search(args) -> int:
    return run_queries(args, "query", lambda s, *a, **kw: s.search(*a, **kw), render_search,
                        {"hits": []})


def documents_of(searcher) -> list[dict]:
    """The metadata of the documents a searcher holds (an index, or a Milvus collection)."""
    documents = getattr(searcher, "documents", None)
    if isinstance(documents, list):
        return documents
    return list(searcher.store.document_entries().values())


def filters_of(args, searcher) -> dict:
    """The filters of a query command. The document, year and language filters become the
    documents they select, and one that matches no document of the index is refused."""
    from fahras.retrieval.corpus import select_documents

    kwargs = dict(kinds=args.kind or None, parts=args.part or None, mode=args.mode)
    if args.kind is None:
        kwargs.pop("kinds")
    if args.doc or args.year or args.lang:
        kwargs["docs"] = select_documents(documents_of(searcher), args.doc, args.year, args.lang)
    return kwargs


def cmd_ask(args) -> int:
    return run_queries(args, "question", lambda s, *a, **kw: s.ask(*a, **kw),
                        lambda r: render_ask(r, bold=sys.stdout.isatty()),
                        {"found": False, "answer": None, "hits": []})


def cmd_index(args) -> int:
    from fahras.index.builder import build_index

    if args.backend == "milvus":
        from fahras.retrieval.backends.milvus import index_milvus

        if args.add or args.remove:
            raise UsageError("milvus_whole_corpus")
        m = index_milvus(args.paths or None, uri=args.uri, collection=args.collection,
                         model=args.model, progress=progress_wanted())
        if want_json(args):
            print_json(m)
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
        print(terminal_safe(f"fahras: skipped {s['path']}: {s['reason']}{kept}"),
              file=sys.stderr)
    summary = {
        "path": manifest["path"], "documents": [d["id"] for d in manifest["documents"]],
        "passages": manifest["n_passages"], "sentences": manifest["n_sentences"],
        "model": manifest["model"]["name"], "seconds": manifest["build_seconds"],
        "changes": manifest.get("changes"), "skipped": skipped,
        "glossaries": manifest.get("glossaries") or [],
    }
    if want_json(args):
        print_json(summary)
    else:
        glossaries = summary["glossaries"]
        print(terminal_safe(
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
    if want_json(args):
        print_json({"documents": [d.metadata() for d in docs],
                     "passages": [p.to_json() for p in rows]})
    else:
        for p in rows:
            first = p.text.split("\n")[0]
            print(terminal_safe(f"{p.id:<34} {p.label_en:<20} {first[:70]}"))
    return 0


def cmd_eval(args) -> int:
    from fahras.retrieval.evaluation.evaluate import evaluate_searcher, load_questions, render_report

    if args.compare:
        return _eval_compare(args)
    questions = load_questions(args.file)
    searcher = open_searcher(args)
    report = evaluate_searcher(searcher, questions, mode=args.mode)
    if want_json(args):
        print_json(report.to_json(details=args.details))
    else:
        print(terminal_safe(render_report(report, args.details)))
    return 0


def _eval_compare(args) -> int:
    from fahras.retrieval.evaluation.compare import compare, render_comparison
    from fahras.retrieval.evaluation.evaluate import load_questions

    if args.backend != "embedded":
        raise UsageError("compare_needs_embedded_cli")
    questions = load_questions(args.file)
    comparison = compare(open_searcher(args), questions, source=args.file)
    if want_json(args):
        print_json(comparison.to_json(details=args.details))
    else:
        print(terminal_safe(render_comparison(comparison, args.details)))
    return 0


def cmd_serve(args) -> int:
    if args.threads is not None:  # read by fahras.config.query_threads
        os.environ["FAHRAS_THREADS"] = str(args.threads)
    from fahras.ui.server import serve  # gradio is imported here only, never by other commands

    serve(host=args.host, port=args.port, index_dir=args.index, model=args.model,
          concurrency=args.concurrency, progress=progress_wanted(), max_queue=args.max_queue)
    return 0


def cmd_model(args) -> int:
    from fahras.index import model as model_mod

    info = model_mod.resolve(args.model, progress=progress_wanted())
    if want_json(args):
        print_json(info.to_json())
    else:
        print(f"{info.name}\n  path:   {info.path}\n  dim:    {info.dim}\n  sha256: {info.sha256}")
    return 0
