"""Reading a document's text into passages: the layout is chosen from the text.

- :mod:`.un`: the UN report layouts (Arabic and English), when their markers dominate: the text
  has a UN chapter heading («أولاً - ...», "I. ..."), a title of at most
  :data:`UN_TITLE_MAX` characters before it (else the lines before the first chapter are text,
  not a header), and at most :data:`UN_UNREAD_MAX` of the body is outside every numbered
  paragraph and recommendation (text the layout would not index);
- :mod:`.prose`: every other text -- numbered paragraphs when most paragraphs carry
  consecutive numbers, else plain prose -- with Markdown, UN-style and short-line headings.

:func:`parse` is the one entry point; the document's ``layout`` says which was read.
"""

from __future__ import annotations

from fahras.index.document import Document
from fahras.index.header import TITLE_MAX
from fahras.index.layouts import prose, un

UN_TITLE_MAX = 2 * TITLE_MAX
UN_UNREAD_MAX = 0.2


def parse(text: str, doc_id: str, source: str = "") -> Document:
    """The document in ``text``, read with the layout it is in."""
    doc, reading = un.parse(text, doc_id, source)
    if (reading.chapters and doc.citable and reading.title_chars <= UN_TITLE_MAX
            and reading.skipped_chars <= UN_UNREAD_MAX * reading.body_chars):
        return doc
    return prose.parse(text, doc_id, source)
