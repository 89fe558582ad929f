"""The per-character table of camel-tools' normalizers (fahras/text/data/camel-chars.json) is
what camel-tools itself gives, so a search can skip importing it."""

import json
import random

import pytest

from fahras.text import arabic, camel_chars


@pytest.fixture(scope="module")
def camel():
    return camel_chars.camel_steps()


def _table() -> dict:
    data = json.loads(camel_chars.OUT.read_text(encoding="utf-8"))
    assert data["camel_tools"] == camel_chars.camel_version()
    return data


def test_the_table_is_made_for_this_python_and_is_used():
    import unicodedata

    data = _table()
    assert data["unicode"] == unicodedata.unidata_version  # else arabic.py calls camel-tools
    assert arabic._camel_table() == data["chars"]
    assert len(data["chars"]) > 5000  # NFKC's compatibility characters, Arabic marks...


def test_the_table_agrees_with_camel_tools_on_the_arabic_and_latin_blocks(camel):
    table = _table()["chars"]
    points = [*range(0x0000, 0x3000), *range(0xFB00, 0x10000)]
    points += random.Random(14).sample(range(0x10000, 0x110000), 3000)
    for cp in points:
        if 0xD800 <= cp <= 0xDFFF:
            continue
        ch = chr(cp)
        assert table.get(ch, ch) == camel(ch), hex(cp)


@pytest.mark.slow
def test_the_table_agrees_with_camel_tools_on_every_code_point(camel):
    assert _table()["chars"] == camel_chars.build()


def test_normalization_through_the_table_is_normalization_through_camel_tools(monkeypatch,
                                                                               report):
    texts = [p.text for p in report.passages[:40]] + [
        "الأَطْفَال «الأطفـــال» ٢٠٢٤ ﷺ ﻻ ﷽ Ǆ ﬁ", "CTOC/COP/WG.7/2024/3 — تموز/يوليه"]
    via_table = [arabic.normalize(t) for t in texts]
    monkeypatch.setattr(arabic, "_camel_table", lambda: None)
    arabic.normalize_char.cache_clear()
    try:
        assert [arabic.normalize(t) for t in texts] == via_table
    finally:
        arabic.normalize_char.cache_clear()
