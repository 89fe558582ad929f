"""Retrieval engines. Every engine provides the primitives of
:class:`~fahras.retrieval.backends.protocol.Backend` (lexical candidates, dense neighbours,
filters, passages, sentences) and gets one scoring flow and one answer layer from
:class:`fahras.retrieval.engine.Engine`:

- embedded (the default): :class:`fahras.retrieval.searcher.Searcher`, FAISS + BM25 over an
  index folder, in this process;
- :mod:`fahras.retrieval.backends.milvus`: Milvus -- Milvus Lite (a local ``.db`` file), a
  Milvus server or a cluster, by URI (storage: ``milvus_store``; building: ``milvus_index``;
  what it reads and keeps: ``milvus_reads``).
"""

BACKENDS = ("embedded", "milvus")
