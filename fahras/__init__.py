"""Fahras (فهرس): semantic search and question answering over Arabic UN reports.

The library is split into three packages of this one distribution:

- :mod:`fahras.index`     -- the report's structure, the embedding model, the index on disk;
- :mod:`fahras.retrieval` -- Arabic normalization, lexical and dense search, fusion, answers;
- :mod:`fahras.ui`        -- the Gradio interface.

Importing :mod:`fahras` is cheap: nothing heavy (torch, gradio) is imported until used.
"""

__version__ = "0.1.0"
