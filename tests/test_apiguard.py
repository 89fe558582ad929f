"""The HTTP API's argument checks (ui/apiguard.py) and the bounded queue of ``fahras serve``.
Against a running server: tests/test_hardening_live.py."""

from __future__ import annotations

import math

import pytest

from fahras.errors import UsageError
from fahras.ui.apiguard import api_k, api_list


@pytest.mark.parametrize("value,want", [(None, 7), (3, 3), (3.0, 3), (0, 0), (10**9, 10**9)])
def test_k_whole_numbers_accepted(value, want):
    assert api_k(value, 7) == want


@pytest.mark.parametrize("value", ["3", "abc", 2.5, True, False, math.nan, math.inf, [3], {}])
def test_k_anything_else_refused_with_one_line(value):
    with pytest.raises(UsageError) as e:
        api_k(value, 7)
    assert str(e.value).startswith("k must be a whole number") and "\n" not in str(e.value)


def test_lists_of_names():
    assert api_list(None, "kinds") is None and api_list([], "kinds") is None
    assert api_list("paragraph", "kinds") == ["paragraph"]
    assert api_list(["paragraph", "recommendation"], "kinds") == ["paragraph", "recommendation"]
    for bad in (5, [1], ["a", None], {"a": 1}, True):
        with pytest.raises(UsageError, match="^parts must be a list of names"):
            api_list(bad, "parts")


def test_serve_refuses_a_queue_of_nothing(capsys):
    from fahras.cli import main

    assert main(["serve", "--max-queue", "0"]) == 2
    err = capsys.readouterr().err
    assert err == "fahras: error: --max-queue must be at least 1\n"


def test_app_refuses_calls_with_too_few_values(hash_searcher, tmp_path):
    import gradio as gr

    from fahras.ui.app import build_app

    demo = build_app(hash_searcher, export_dir=tmp_path)
    search = next(fn for fn in demo.fns.values() if fn.api_name == "search")
    with pytest.raises(gr.Error) as e:
        demo.validate_inputs(search, ["x"])
    assert "takes 5 values, [query, k, kinds, parts, mode]" in str(e.value)
    demo.validate_inputs(search, ["x", 3, None, None, "hybrid"])  # the right number passes
