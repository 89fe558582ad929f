"""What the command line prints: JSON for machines (``--json``, or standard output not a
terminal), readable text on a terminal, made safe to print (control characters of a report
removed), and command-line text with undecodable bytes made U+FFFD."""

from __future__ import annotations

import json
import re
import sys
import textwrap


def clean(text: str) -> str:
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


def terminal_safe(text: str) -> str:
    """Readable output made safe for a terminal (control characters from a report removed)."""
    return _TERMINAL_CONTROL.sub("", text)


def want_json(args) -> bool:
    return bool(getattr(args, "json", False)) or not sys.stdout.isatty()


def progress_wanted() -> bool:
    """Progress on standard error when it is a terminal."""
    return sys.stderr.isatty()


def print_json(obj) -> None:
    # U+2028/U+2029 escaped: a line reader that splits at them (str.splitlines, JavaScript)
    # still sees one JSON object per line.
    text = json.dumps(obj, ensure_ascii=False).replace("\u2028", "\\u2028")
    sys.stdout.write(text.replace("\u2029", "\\u2029") + "\n")


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
