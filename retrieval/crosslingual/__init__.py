"""English (and Latin-script Arabic) queries over Arabic text: expansion into Arabic search terms.

- :mod:`.expander`: :class:`CrossLingualExpander`, what :class:`~fahras.retrieval.searcher.Searcher`
  calls on a Latin-script query; it returns expansion dicts
  ``{"source", "arabic", "terms", "weight", "kind"}``;
- :mod:`.glossary`: the English-Arabic glossary (English lemmas, longest-match lookup, Arabic
  terms of a word's written variants: :func:`clitic_terms`): the general one in ``data/``
  (:func:`load_glossary`; its ``country`` entries are what
  :func:`fahras.retrieval.answer.offers.country_forms` reads) and a corpus's own, stored in its
  index (:func:`with_corpus`);
- :mod:`.names`: Latin names matched phonetically to the corpus's Arabic words;
- :mod:`.countries`: the generator of ``data/countries.tsv``;

See docs/crosslingual.md.
"""

from fahras.retrieval.crosslingual.expander import (
    COMMON_WORDS,
    PIECES,
    CrossLingualExpander,
    ExpansionConfig,
    install,
)
from fahras.retrieval.crosslingual.glossary import (
    clitic_terms,
    english_words,
    load_glossary,
    with_corpus,
)

__all__ = ["COMMON_WORDS", "PIECES", "CrossLingualExpander", "ExpansionConfig", "install",
           "clitic_terms", "english_words", "load_glossary", "with_corpus"]
