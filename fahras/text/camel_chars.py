"""Generate ``fahras/text/data/camel-chars.json``: what camel-tools' normalizers make of each
character, so that a search does not import camel-tools.

:func:`fahras.text.arabic.normalize_char` applies camel-tools to one character at a
time (``arclean`` on the Arabic blocks, then ``normalize_unicode``, ``dediac_ar``,
``normalize_alef_ar``, ``normalize_alef_maksura_ar``, ``normalize_teh_marbuta_ar``). Importing
camel-tools costs a second or more (``camel_tools.utils.charsets`` scans all of Unicode at import
time), most of a one-shot ``fahras search``. Since the steps see one character, their result is
a table: the file lists every code point whose result differs from itself, with the camel-tools
version and the Unicode version of ``unicodedata`` it was made with. The search reads the table
when its Unicode version is the running Python's, and calls camel-tools otherwise; the tests
check the table against camel-tools character by character (tests/test_arabic.py). Regenerate
it after upgrading camel-tools or Python::

    python -m fahras.text.camel_chars --write
"""

from __future__ import annotations

import argparse
import json
import sys
import unicodedata
from pathlib import Path

OUT = Path(__file__).parent / "data" / "camel-chars.json"
LAST = 0x10FFFF


def in_arabic_blocks(ch: str) -> bool:
    """Arabic, its supplements and presentation forms: where camel-tools' ``arclean`` applies.
    (Elsewhere ``arclean`` deletes letters: Cyrillic, Greek, CJK would vanish from queries.)"""
    cp = ord(ch)
    return (0x0600 <= cp <= 0x06FF or 0x0750 <= cp <= 0x077F or 0x08A0 <= cp <= 0x08FF
            or 0xFB50 <= cp <= 0xFDFF or 0xFE70 <= cp <= 0xFEFF)


def camel_steps():
    """camel-tools' character steps, in order (imports camel-tools: about a second)."""
    from camel_tools.utils.charmap import CharMapper
    from camel_tools.utils.dediac import dediac_ar
    from camel_tools.utils.normalize import (
        normalize_alef_ar,
        normalize_alef_maksura_ar,
        normalize_teh_marbuta_ar,
        normalize_unicode,
    )

    arclean = CharMapper.builtin_mapper("arclean")
    rest = (normalize_unicode, dediac_ar, normalize_alef_ar, normalize_alef_maksura_ar,
            normalize_teh_marbuta_ar)

    def apply(ch: str) -> str:
        out = arclean(ch) if in_arabic_blocks(ch) else ch
        for step in rest:
            out = step(out)
        return out

    return apply


def camel_version() -> str:
    from importlib.metadata import version

    return version("camel-tools")


def build(first: int = 0, last: int = LAST) -> dict[str, str]:
    """Every character of ``first..last`` that camel-tools changes, and what into."""
    apply = camel_steps()
    out = {}
    for cp in range(first, last + 1):
        if 0xD800 <= cp <= 0xDFFF:  # surrogates are not characters
            continue
        ch = chr(cp)
        mapped = apply(ch)
        if mapped != ch:
            out[ch] = mapped
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m fahras.text.camel_chars",
                                 description=__doc__.split("\n\n")[0])
    ap.add_argument("--write", action="store_true", help=f"write {OUT.name}")
    args = ap.parse_args(argv)
    table = build()
    data = {"camel_tools": camel_version(), "unicode": unicodedata.unidata_version,
            "chars": table}
    if args.write:
        OUT.write_text(json.dumps(data, ensure_ascii=True, sort_keys=True, indent=0) + "\n",
                       encoding="utf-8")
        print(f"wrote {len(table)} characters to {OUT}", file=sys.stderr)
    else:
        print(f"{len(table)} characters (camel-tools {data['camel_tools']}, Unicode "
              f"{data['unicode']}); --write to save", file=sys.stderr)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
