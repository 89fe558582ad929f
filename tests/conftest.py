"""Shared fixtures.

Most tests use the deterministic hashing embedder (model spec ``hash``) and a temporary
FAHRAS_HOME, so they need no model and never touch the user's cache. Tests marked ``slow`` use
the real multilingual-e5-small model, converted once per session into a temporary home;
``integration`` marks those that run processes, Milvus, Dask, a server or a browser.

Tests run in a random order (pytest-randomly prints its seed in the header: ``--randomly-seed=N``
repeats an order, ``-p no:randomly`` runs the written order). A module marked ``scenario``
(steps of one session against one running server, whose last step reads the server's log)
keeps its written order, wherever it falls among the others.
"""

from __future__ import annotations

import itertools
import os
from collections import defaultdict
from pathlib import Path

import pytest

_COLLECTED = pytest.StashKey[int]()
_COUNTER = itertools.count()


def pytest_itemcollected(item):
    item.stash[_COLLECTED] = next(_COUNTER)


def pytest_collection_modifyitems(config, items):
    """The tests of a ``scenario`` module in their written order, in the places the (random)
    order gave that module's tests."""
    places = defaultdict(list)
    for i, item in enumerate(items):
        if item.get_closest_marker("scenario") is not None:
            places[item.module].append(i)
    for slots in places.values():
        written = sorted((items[i] for i in slots), key=lambda it: it.stash[_COLLECTED])
        for i, item in zip(slots, written):
            items[i] = item

# The ``hardening`` fixture: figures for docs/hardening.md, recorded by the tests themselves.
pytest_plugins = ["hardening_ledger"]

REPO = Path(__file__).resolve().parents[1]
# ../shared beside the checkout (CI); a checkout elsewhere (a git worktree) names it in
# FAHRAS_SHARED.
SHARED = Path(os.environ.get("FAHRAS_SHARED") or REPO.parent / "shared")
DEV_SET = SHARED / "eval" / "dev.tsv"
DATA = Path(__file__).parent / "data"


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory, monkeypatch):
    """Every test gets FAHRAS_HOME in a temporary folder unless it sets its own."""
    home = os.environ.get("FAHRAS_TEST_HOME")
    if not home:
        home = str(tmp_path_factory.mktemp("fahras-home"))
    monkeypatch.setenv("FAHRAS_HOME", home)
    monkeypatch.delenv("FAHRAS_MODEL", raising=False)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("GRADIO_ANALYTICS_ENABLED", "False")
    yield


@pytest.fixture(scope="session")
def report():
    from fahras.config import bundled_corpus
    from fahras.index.report import load_report

    return load_report(bundled_corpus())


@pytest.fixture(scope="session")
def hash_index_dir(tmp_path_factory) -> Path:
    """An index of the bundled report built with the hashing embedder (no model)."""
    from fahras.index.builder import build_index

    path = tmp_path_factory.mktemp("hash-index") / "index"
    build_index(index_dir=path, model="hash")
    return path


@pytest.fixture(scope="session")
def hash_searcher(hash_index_dir):
    from fahras.retrieval.searcher import Searcher

    return Searcher.open(hash_index_dir, model="hash", build_if_missing=False)


@pytest.fixture(scope="session")
def model_home(tmp_path_factory) -> Path:
    """A FAHRAS_HOME holding the converted default model, shared by the slow tests."""
    home = os.environ.get("FAHRAS_TEST_MODEL_HOME")
    if home:
        return Path(home)
    home = tmp_path_factory.mktemp("model-home")
    old = os.environ.get("FAHRAS_HOME")
    os.environ["FAHRAS_HOME"] = str(home)
    try:
        from fahras.index import model

        model.resolve("e5-small")
    finally:
        if old is None:
            os.environ.pop("FAHRAS_HOME", None)
        else:
            os.environ["FAHRAS_HOME"] = old
    return home


@pytest.fixture(scope="session")
def real_index_dir(model_home, tmp_path_factory) -> Path:
    from fahras.index.builder import build_index

    path = tmp_path_factory.mktemp("real-index") / "index"
    old = os.environ.get("FAHRAS_HOME")
    os.environ["FAHRAS_HOME"] = str(model_home)
    try:
        build_index(index_dir=path, model="e5-small")
    finally:
        if old is not None:
            os.environ["FAHRAS_HOME"] = old
    return path


@pytest.fixture
def real_searcher(real_index_dir, model_home, monkeypatch):
    """The real searcher (e5-small) on the bundled report; loaded once, reused."""
    monkeypatch.setenv("FAHRAS_HOME", str(model_home))
    return _real_searcher(real_index_dir)


_SEARCHERS: dict = {}


def _real_searcher(index_dir):
    from fahras.retrieval.searcher import Searcher

    if index_dir not in _SEARCHERS:
        _SEARCHERS[index_dir] = Searcher.open(index_dir, model="e5-small", build_if_missing=False)
    return _SEARCHERS[index_dir]
