"""Retrieval backends other than the embedded default (FAISS + BM25 in this process).

- :mod:`fahras.retrieval.backends.milvus`: Milvus -- Milvus Lite (a local ``.db`` file), a
  Milvus server or a cluster, by URI -- with the same ``.search()`` / hits contract as
  :class:`fahras.retrieval.searcher.Searcher`.
"""

BACKENDS = ("embedded", "milvus")
