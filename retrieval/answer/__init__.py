"""Answers: the sentence of the documents that answers a question, cited, or an honest refusal.

``Searcher.ask`` calls :func:`ask`. The pieces: question types (``qtypes``), what a sentence
offers (``offers``), content words and coverage (``words``), the per-index sentence table
(``table``), the question's specifics (``question``), the features (``features``), the fitted
model (``model``, numbers in ``retrieval/data/answer_model.json``, fitted by
``tools/calibrate_answers.py``), the reasons (``reasons``) and the decision (``ask``). See
docs/answers.md.
"""

from fahras.retrieval.answer.ask import Answer, AskResult, Candidate, answer_scored, ask, decide
from fahras.retrieval.answer.model import AnswerModel, default_model
from fahras.retrieval.answer.table import sentence_table

__all__ = ["Answer", "AnswerModel", "AskResult", "Candidate", "answer_scored", "ask", "decide",
           "default_model", "sentence_table"]
