"""English (and Latin-script Arabic) queries over Arabic text: expansion into Arabic search terms.

- :mod:`.expander`: :class:`CrossLingualExpander`, what :class:`~fahras.retrieval.searcher.Searcher`
  calls on a Latin-script query; it returns expansion dicts
  ``{"source", "arabic", "terms", "weight", "kind"}``;
- :mod:`.glossary`: the English-Arabic glossary (English lemmas, longest-match lookup, Arabic
  terms with proclitics: :func:`clitic_terms`), read from ``data/`` and from a corpus's own
  glossary stored in its index;
- :mod:`.names`: Latin names matched phonetically to the corpus's Arabic words;
- :mod:`.countries`: the generator of ``data/countries.tsv``;
- :mod:`.lexicon`: the induced English-Arabic word lexicon (an experiment).

See docs/crosslingual.md.
"""

from fahras.retrieval.crosslingual.expander import CrossLingualExpander, ExpansionConfig, install
from fahras.retrieval.crosslingual.glossary import clitic_terms, english_words, load_glossary

__all__ = ["CrossLingualExpander", "ExpansionConfig", "install", "clitic_terms", "english_words",
           "load_glossary"]
