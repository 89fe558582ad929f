"""The examples every ``--help`` ends with (tests/test_doc_examples.py runs each one)."""

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
  fahras ask "Who opened the meeting?" --backend milvus --uri ./fahras.db

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
  fahras eval questions.tsv --json --details
  fahras eval fahras/data/examples.tsv --compare   # beside Ctrl-F, rank-bm25, lexical, dense

fahras/data/examples.tsv and tests/data/ are in a checkout of Fahras; questions.tsv stands for
your own file, in the same tab-separated format (docs/evaluation.md); a file without an anchors
column holds questions the documents cannot answer; --index scores another index (another
corpus).

Every question is asked once (fahras ask): the ranking gives hit@k, MRR and nDCG on the
answerable rows; "answer" is the share of rows with answer_contains whose answer contains
one of its strings; "false refusals" the share of answerable rows given no answer; for
questions the documents cannot answer (a file without an anchors column, or rows with
answerable=no), "refused" is the share given no answer.
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
