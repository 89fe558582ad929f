"""The evaluation notebook, run headless top to bottom with the real model (slow), and the
figures it produces: the comparison table (dev and held-out sets) and `python tools/bench.py --quick`.

The notebook runs once (a module fixture); it saves its figures, its executed copy and the JSON
of the comparisons and of the benchmark in ``artifacts/notebook/`` (look at them), and the tests
below check those. This is how CI runs the table and the benchmark (about 3 minutes on 2 cores).
"""

import json
import sys

import pytest

from conftest import REPO, SHARED

pytestmark = [pytest.mark.slow, pytest.mark.integration]

FIGURES_DIR = REPO / "artifacts" / "notebook"
NOTEBOOK = REPO / "notebooks" / "evaluation.ipynb"
NOTEBOOK_KERNEL = "python3"
FIGURES = ("quality_hit1_by_group", "quality_overall", "answers_and_refusals",
           "latency_distributions", "scale_curves")


@pytest.fixture(scope="module")
def executed(real_index_dir, model_home):
    import nbformat
    from jupyter_client.kernelspec import KernelSpecManager
    from nbclient import NotebookClient

    # The kernel the notebook names must come with this environment (ipykernel's own
    # kernelspec), not from a machine-wide Jupyter installation.
    spec = KernelSpecManager().get_kernel_spec(NOTEBOOK_KERNEL)
    assert spec.argv[0] in ("python", "python3", sys.executable), spec.argv

    FIGURES_DIR.mkdir(parents=True, exist_ok=True)
    for old in [*FIGURES_DIR.glob("*.png"), *FIGURES_DIR.glob("*.json")]:
        old.unlink()
    nb = nbformat.read(NOTEBOOK, as_version=4)
    assert nb.metadata.kernelspec.name == NOTEBOOK_KERNEL
    assert not any(c.get("outputs") for c in nb.cells if c.cell_type == "code"), \
        "commit the notebook without outputs"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("FAHRAS_HOME", str(model_home))
        mp.delenv("FAHRAS_MODEL", raising=False)
        mp.setenv("FAHRAS_SHARED", str(SHARED))
        mp.setenv("FAHRAS_NOTEBOOK_INDEX", str(real_index_dir))
        mp.setenv("FAHRAS_NOTEBOOK_FIGURES", str(FIGURES_DIR))
        client = NotebookClient(nb, timeout=900, kernel_name=NOTEBOOK_KERNEL,
                                resources={"metadata": {"path": str(NOTEBOOK.parent)}})
        try:
            client.execute()  # raises CellExecutionError on the first failing cell
        finally:
            nbformat.write(nb, FIGURES_DIR / "evaluation.executed.ipynb")
    return nb



def _outputs(nb):
    return [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]


def _json(name):
    return json.loads((FIGURES_DIR / name).read_text(encoding="utf-8"))


def test_notebook_runs_top_to_bottom_with_this_python(executed):
    outputs = _outputs(executed)
    assert not [o for o in outputs if o.output_type == "error"]
    text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert f"python   {sys.executable}" in text  # the kernel is this environment's Python
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(images) == len(FIGURES)
    for name in FIGURES:
        png = FIGURES_DIR / f"{name}.png"
        assert png.exists() and png.stat().st_size > 20_000, png
    assert "Fahras hybrid (default)" in text and "Wins: " in text and "Losses: " in text
    assert "$ python tools/bench.py --quick --sizes 1000,3000,10000 --json" in text
    assert "cold start to first answer" in text


@pytest.mark.parametrize("name", ["dev", "heldout"])
def test_comparison_real_model(executed, name):
    d = _json(f"compare-{name}.json")
    conf = {c["name"]: c for c in d["configurations"]}
    assert list(conf) == ["ctrl-f", "bm25-naive", "lexical", "dense", "hybrid"]
    n = d["questions"]["answerable"]
    for c in conf.values():
        o = c["overall"]
        assert o["n"] == n
        assert 0 <= o["hit1"] <= o["hit5"] <= 1
        # Ranks 2-5 add at most 1/2 each to the MRR, ranks 6-10 at most 1/6.
        assert o["hit1"] <= o["mrr10"] <= o["hit1"] + (o["hit5"] - o["hit1"]) / 2 \
            + (1 - o["hit5"]) / 6 + 1e-3
    hybrid, ctrl, bm25 = conf["hybrid"], conf["ctrl-f"], conf["bm25-naive"]
    # Fahras beats what a researcher would otherwise use, by far, in both languages.
    assert hybrid["overall"]["hit1"] >= max(ctrl["overall"]["hit1"],
                                            bm25["overall"]["hit1"]) + 0.4
    assert hybrid["by_lang"]["ar"]["hit1"] >= ctrl["by_lang"]["ar"]["hit1"]
    assert hybrid["by_lang"]["en"]["hit1"] >= ctrl["by_lang"]["en"]["hit1"] + 0.6
    # Ctrl-F cannot cross from English to the Arabic text.
    assert ctrl["by_lang"]["en"]["hit1"] <= 0.1
    # At least the floors of issue 3 (the table reports the exact figures and their targets).
    assert hybrid["overall"]["hit1"] >= 0.85 and hybrid["overall"]["hit5"] >= 0.95
    assert hybrid["overall"]["answer_n"] > 0 and hybrid["overall"]["refused"] is not None
    targets = {(t["issue"], t["what"]): t for t in d["targets"]}
    assert targets[("issue 3", "hit@1 overall")]["value"] == hybrid["overall"]["hit1"]
    # Every answerable question has a rank (or None) under every configuration.
    rows = [r for r in d["question_results"] if r["answerable"]]
    assert len(rows) == n and all(set(r["rank"]) == set(conf) for r in rows)
    hit1 = sum(r["rank"]["hybrid"] == 1 for r in rows) / n
    assert hit1 == pytest.approx(hybrid["overall"]["hit1"], abs=1e-4)


def test_unanswerable_refusals_real_model(executed):
    d = _json("compare-unanswerable.json")
    (hybrid,) = d["configurations"]
    o = hybrid["overall"]
    assert d["questions"]["unanswerable"] == o["unanswerable_n"] == 50
    refused = sum(not r["found"] for r in d["question_results"]) / 50
    assert o["unanswerable_refused"] == pytest.approx(refused, abs=1e-4)


def test_bench_quick_real_model(executed):
    out = _json("bench-quick.json")
    assert out["model"]["name"] == "e5-small" and out["model"]["dim"] == 384
    assert out["machine"]["cores_used"] <= 2 and out["machine"]["torch_threads"] <= 2
    assert out["settings"]["sizes"] == [1000, 3000, 10000]
    lat = out["latency"]
    assert lat["encode"]["n"] == lat["search"]["n"] == lat["ask"]["n"] == 12 * 3
    # Generous bounds: a shared 2-core machine; a real model encodes in milliseconds, not 0.1.
    assert 1 < lat["encode"]["p50_ms"] <= 2000
    assert lat["search"]["p50_ms"] <= 3000 and lat["ask"]["p50_ms"] <= 4000
    # Search is query encoding plus well under a millisecond of scoring on this report: its
    # own parts say so, whatever the load on the machine.
    parts = lat["search_parts_p50_ms"]
    assert parts["lexical_ms"] + parts["dense_ms"] < 0.2 * parts["encode_ms"]
    assert 0.5 <= out["ratios"]["search_over_encode"] <= 3
    assert 0.5 <= lat["paired_ratio_p50"]["search_over_encode"] <= 3
    assert 0.5 <= out["ratios"]["ask_over_search"] <= 3
    cold = out["cold_start"]
    assert cold["n"] == 1 and cold["found"] is True and 0.5 < cold["p50_s"] < 300
    assert 100 < cold["peak_rss_mb"] < 8000  # about 200 MB since queries go through ONNX
    assert out["index_build"]["passages"] == 84 and 0 < out["index_build"]["p50_s"] < 600
    enc = out["encoding"]
    assert (enc["passages"], enc["sentences"]) == (24, 24) and enc["passages_per_s"] > 0.5
    assert enc["estimate_100k_passages_h"] > 0.5  # hours, not minutes
    rows = {r["passages"]: r["embedded"] for r in out["scale"]["results"]}
    assert set(rows) == {1000, 3000, 10000}
    small, large = rows[1000], rows[10000]
    assert large["lexical"]["rank-bm25"]["memory_mb"] > 5 * small["lexical"]["rank-bm25"][
        "memory_mb"]
    assert large["dense"]["flat"]["memory_mb"] > 5 * small["dense"]["flat"]["memory_mb"]
    assert large["lexical"]["rank-bm25"]["p50_ms"] < 50
    checked = {t["issue"]: t for t in out["targets"] if t["met"] is not None}
    assert {"issue 3", "issue 4"} <= set(checked)
    assert out["model_bench"] is None  # --quick leaves out the conversion
