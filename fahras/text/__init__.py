"""Text analysis shared by indexing and retrieval -- the bottom layer: it imports neither
``fahras.index`` nor ``fahras.retrieval``. Arabic normalization, tokens and search terms
(:mod:`fahras.text.arabic`, with camel-tools' character steps as a table,
:mod:`fahras.text.camel_chars`), the one segmentation of Arabic proclitics
(:mod:`fahras.text.clitics`), sentences (:mod:`fahras.text.sentences`), dates and month names
(:mod:`fahras.text.dates`), digits (:mod:`fahras.text.digits`). General vocabulary only: what
belongs to one corpus lives beside that corpus."""
