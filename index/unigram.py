"""The query tokenizer of the ONNX path: the model's XLM-R Unigram tokenizer, loaded in a few
milliseconds instead of the second and 290 MB that ``tokenizers.Tokenizer.from_file`` takes.

Loading the model's ``tokenizer.json`` with the ``tokenizers`` library builds a byte trie of its
250,002 pieces: about 1 s and 290 MB on this machine, most of a one-shot search's budget (a
Python dict of the pieces still takes 0.2-0.4 s and 55 MB). Here the pieces are a sorted numpy
array of fixed-width strings, memory-mapped: a text's candidate substrings are looked up with
one ``searchsorted``, and the same Viterbi search runs as in ``tokenizers``' Unigram model
(``encode_optimized``: best path by summed piece scores, earlier start kept on ties, an unknown
character scored ``min score - 10`` and consecutive unknowns fused). Normalization and
pre-tokenization are the ``tokenizers`` library's own (the model's normalizer and Metaspace
pre-tokenizer, read from a copy of ``tokenizer.json`` whose vocabulary is cut to the special
tokens, so it loads at once), and special tokens written in a text are split off first, as
the library's added vocabulary does.

:func:`write_files` derives the three files from ``tokenizer.json`` (when the ONNX export is
made); :func:`fahras.index.onnx_export.verify` checks that :meth:`UnigramTokenizer.encode`
gives exactly the ids of ``tokenizers`` before the export is installed, and the tests compare
the two on every text of the evaluation sets and on random Unicode.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np

PIECES = "pieces.npy"           # the pieces, sorted (numpy fixed-width unicode strings)
PIECE_IDS = "piece_ids.npy"     # int32: the id of each sorted piece
SCORES = "scores.npy"           # float64 log-probabilities, in id order
PIPELINE = "tokenizer-pipeline.json"  # tokenizer.json with the vocabulary cut to the specials
FILES = (PIECES, PIECE_IDS, SCORES, PIPELINE)
UNK_PENALTY = 10.0              # tokenizers' K_UNK_PENALTY
# char::is_whitespace in Rust (the White_Space property): what ``lstrip`` of a special token
# takes from its left. Python's \s also takes U+001C-U+001F, which Rust does not.
_WHITE_SPACE_CHARS = ("\t\n\x0b\x0c\r \x85\xa0\u1680" + "".join(map(chr, range(0x2000, 0x200B)))
                      + "\u2028\u2029\u202f\u205f\u3000")


class TokenizerFormatError(ValueError):
    """A ``tokenizer.json`` this module does not reproduce (not a Unigram/Metaspace one)."""


def write_files(tokenizer_json: str | Path, out_dir: str | Path) -> None:
    """Write :data:`FILES` into ``out_dir`` from a model's ``tokenizer.json``."""
    spec = json.loads(Path(tokenizer_json).read_text(encoding="utf-8"))
    model = spec.get("model") or {}
    pre = spec.get("pre_tokenizer") or {}
    if model.get("type") != "Unigram" or model.get("byte_fallback"):
        raise TokenizerFormatError("not a Unigram tokenizer without byte fallback")
    if pre.get("type") != "Metaspace" or not pre.get("split", True):
        raise TokenizerFormatError("not a splitting Metaspace pre-tokenizer")
    if any(not t.get("special") or t.get("normalized") or t.get("single_word") or t.get("rstrip")
           for t in spec.get("added_tokens") or []):
        raise TokenizerFormatError("added tokens other than plain special tokens")
    pieces = [p for p, _ in model["vocab"]]
    if "" in pieces or any("\0" in p for p in pieces) or len(set(pieces)) != len(pieces):
        raise TokenizerFormatError("empty or repeated pieces, or pieces with NUL characters")
    out = Path(out_dir)
    order = sorted(range(len(pieces)), key=pieces.__getitem__)
    width = max(map(len, pieces))
    np.save(out / PIECES, np.array([pieces[i] for i in order], dtype=f"<U{width}"),
            allow_pickle=False)
    np.save(out / PIECE_IDS, np.array(order, dtype=np.int32), allow_pickle=False)
    np.save(out / SCORES, np.array([s for _, s in model["vocab"]], dtype=np.float64),
            allow_pickle=False)
    small = dict(spec, model={"type": "Unigram", "unk_id": model.get("unk_id"),
                              "vocab": model["vocab"][:max(4, (model.get("unk_id") or 0) + 1)],
                              "byte_fallback": False})
    _template(small.get("post_processor") or {})  # refused here rather than at load
    (out / PIPELINE).write_text(json.dumps(small, ensure_ascii=False), encoding="utf-8")


def _template(post: dict) -> list[int]:
    """The ids around a single sequence: ``[bos, eos]`` of ``<s> $A </s>``."""
    single = post.get("single") if post.get("type") == "TemplateProcessing" else None
    if not single or len(single) != 3 or "Sequence" not in single[1]:
        raise TokenizerFormatError("not a '<s> $A </s>' post-processor")
    try:
        return [int(post["special_tokens"][single[k]["SpecialToken"]["id"]]["ids"][0])
                for k in (0, 2)]
    except (KeyError, IndexError, TypeError, ValueError):
        raise TokenizerFormatError("the template's special tokens have no ids") from None


class UnigramTokenizer:
    """Token ids of a text, as ``tokenizers.Tokenizer.encode(text).ids`` gives them."""

    def __init__(self, folder: str | Path):
        from tokenizers import Tokenizer

        folder = Path(folder)
        spec = (folder / PIPELINE).read_text(encoding="utf-8")
        pipeline = Tokenizer.from_str(spec)
        spec = json.loads(spec)
        self._normalize = pipeline.normalizer.normalize_str if pipeline.normalizer else str
        self._pre_tokenize = pipeline.pre_tokenizer.pre_tokenize_str
        self._pieces = np.load(folder / PIECES, mmap_mode="r", allow_pickle=False)
        self._piece_ids = np.load(folder / PIECE_IDS, mmap_mode="r", allow_pickle=False)
        scores = np.load(folder / SCORES, mmap_mode="r", allow_pickle=False)
        if (self._pieces.ndim != 1 or self._piece_ids.shape != self._pieces.shape
                or scores.shape != self._pieces.shape or self._pieces.dtype.kind != "U"):
            raise TokenizerFormatError(f"the files in {folder} do not belong together")
        self._scores = scores
        self.unk_id = int(spec["model"]["unk_id"])
        self._unk_score = float(scores.min()) - UNK_PENALTY
        self._longest = self._pieces.dtype.itemsize // 4
        self.bos_id, self.eos_id = _template(spec.get("post_processor") or {})
        added = {t["content"]: t for t in spec.get("added_tokens") or []}
        self._special = {token: int(t["id"]) for token, t in added.items()}
        self.pad_id = self._special.get("<pad>", self.eos_id)  # masked out: any id would do
        alternatives = []
        for token in sorted(added, key=len, reverse=True):  # leftmost-longest
            lstrip = bool(added[token].get("lstrip"))
            strip = f"[{re.escape(_WHITE_SPACE_CHARS)}]*" if lstrip else ""
            alternatives.append(strip + re.escape(token))
        self._split = re.compile("|".join(alternatives)) if alternatives else None

    def encode(self, text: str, max_length: int | None = None) -> list[int]:
        """``[bos] + ids + [eos]``; with ``max_length``, the ids cut so that the whole is at
        most that long (truncation from the end, as sentence-transformers asks for)."""
        ids: list[int] = []
        for segment, special in self._segments(text):
            if special is not None:
                ids.append(special)
                continue
            normalized = self._normalize(segment)
            if normalized:
                words = [w for w, _ in self._pre_tokenize(normalized)]
                for word, found in zip(words, self._lookup(words)):
                    ids.extend(self._viterbi(word, found))
        if max_length is not None:
            ids = ids[:max(0, max_length - 2)]
        return [self.bos_id, *ids, self.eos_id]

    def _lookup(self, words: list[str]) -> list[dict[tuple[int, int], tuple[int, float]]]:
        """For each word, ``(start, end) -> (piece id, score)`` of its substrings that are
        pieces: one binary search over the sorted pieces for all the candidates of all the
        words, and one read of their scores."""
        longest = self._longest
        spans = [[(i, j) for i in range(len(w)) for j in range(i + 1, min(len(w), i + longest) + 1)]
                 for w in words]
        candidates = [w[i:j] for w, sp in zip(words, spans) for i, j in sp]
        if not candidates:
            return [{} for _ in words]
        wanted = np.array(candidates, dtype=self._pieces.dtype)
        at = np.minimum(np.searchsorted(self._pieces, wanted), len(self._pieces) - 1)
        hit = self._pieces[at] == wanted
        found = np.where(hit, self._piece_ids[at], -1)
        scores = self._scores[np.maximum(found, 0)].tolist()
        pids = found.tolist()
        if any("\0" in w for w in words):  # numpy drops trailing NULs: "x\0" would be "x"
            pids = [-1 if "\0" in c else pid for c, pid in zip(candidates, pids)]
        out, k = [], 0
        for sp in spans:
            out.append({span: (pid, score) for span, pid, score
                        in zip(sp, pids[k:k + len(sp)], scores[k:k + len(sp)]) if pid >= 0})
            k += len(sp)
        return out

    def _segments(self, text: str):
        """The text cut at the special tokens written in it: (segment, None) or (None, id)."""
        pos = 0
        if self._split is not None:
            for m in self._split.finditer(text):
                if m.start() > pos:
                    yield text[pos:m.start()], None
                yield None, self._special[m.group().lstrip(_WHITE_SPACE_CHARS)]
                pos = m.end()
        if pos < len(text):
            yield text[pos:], None

    def _viterbi(self, word: str, found: dict[tuple[int, int], tuple[int, float]]) -> list[int]:
        """The best segmentation of one pre-token into pieces (tokenizers' encode_optimized);
        ``found``: its substrings that are pieces (:meth:`_lookup`)."""
        n = len(word)
        best = [0.0] * (n + 1)
        start: list[int | None] = [None] * (n + 1)
        piece = [0] * (n + 1)
        for i in range(n):
            here = best[i]
            for end in range(i + 1, min(n, i + self._longest) + 1):
                hit = found.get((i, end))
                if hit is None:
                    continue
                pid, score = hit
                score += here
                if start[end] is None or score > best[end]:
                    best[end], start[end], piece[end] = score, i, pid
            if (i, i + 1) not in found:  # no piece for this character: unknown
                score = self._unk_score + here
                if start[i + 1] is None or score > best[i + 1]:
                    best[i + 1], start[i + 1], piece[i + 1] = score, i, self.unk_id
        out: list[int] = []
        unknown = ""  # consecutive unknown characters, fused into one token
        end = n
        while end > 0:
            begin = start[end]
            if piece[end] == self.unk_id:
                unknown = word[begin:end] + unknown
            else:
                if unknown:
                    out.append(self._id_of(unknown))
                    unknown = ""
                out.append(piece[end])
            end = begin
        if unknown:
            out.append(self._id_of(unknown))
        out.reverse()
        return out

    def _id_of(self, text: str) -> int:
        """The id of the piece ``text`` (fused unknown characters), else the unknown id."""
        if len(text) > self._longest:
            return self.unk_id
        at = int(np.searchsorted(self._pieces, text))
        return int(self._piece_ids[at]) if at < len(self._pieces) and self._pieces[at] == text \
            else self.unk_id
