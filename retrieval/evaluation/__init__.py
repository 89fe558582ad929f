"""Measuring the search and the answers: question files, hit@k, MRR, nDCG, answer accuracy and
refusals (``evaluate``: what ``fahras eval`` prints), and the baselines the README compares with
-- Ctrl-F, naive rank-bm25, each side alone (``compare``: ``fahras eval --compare``)."""
