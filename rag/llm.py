"""LLM backends for generated answers, chosen by `RAG_LLM` and built through llama-index.

A small factory keyed by a config string, as in txtai: "openai" is any OpenAI-compatible endpoint
(Ollama, vLLM, llama.cpp server, hosted APIs) through llama-index's OpenAILike; "llamacpp" is a
local GGUF file through llama-index-llms-llama-cpp (rag/llamacpp_llm.py). Generation is optional,
so llama-index's LLM modules are imported only when one is configured (they cost seconds at
start-up).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rag.config import Settings

BACKENDS = ("openai", "llamacpp")
GGUF_MAGIC = b"GGUF"
# Without the model's tokenizer, count a token per 2 characters: Vietnamese costs 2-4 characters a
# token in common BPE vocabularies, so this errs towards sending fewer passages, never too many.
CHARS_PER_TOKEN_ESTIMATE = 2


class LLMUnavailable(Exception):
    """The configured LLM cannot be used; the message says why, in one line."""


@dataclass
class Backend:
    """A ready LLM and what the prompt builder must know about it."""

    llm: Any  # llama_index.core.llms.LLM
    name: str
    context_window: int
    max_tokens: int
    count_tokens: Callable[[str], int]


def estimate_tokens(text: str) -> int:
    return len(text) // CHARS_PER_TOKEN_ESTIMATE + 1


def load_backend(settings: Settings) -> Backend:
    """The LLM named by `settings.llm`; raises `LLMUnavailable` with a one-line reason."""
    if settings.llm == "openai":
        return _openai(settings)
    if settings.llm == "llamacpp":
        return _llamacpp(settings)
    raise LLMUnavailable(f"RAG_LLM={settings.llm!r} is not a backend; use one of: {', '.join(BACKENDS)}")


def _openai(settings: Settings) -> Backend:
    if not settings.llm_model:
        raise LLMUnavailable("RAG_LLM=openai needs RAG_LLM_MODEL (the model name the endpoint serves)")
    try:
        from llama_index.llms.openai_like import OpenAILike
    except ImportError:
        raise LLMUnavailable("llama-index-llms-openai-like is not installed: pip install -e .") from None
    llm = OpenAILike(
        model=settings.llm_model,
        api_base=settings.llm_base_url,
        api_key=settings.llm_api_key or "not-needed",  # local servers ignore it; the client wants one
        is_chat_model=True,
        context_window=settings.llm_context,
        max_tokens=settings.llm_max_tokens,
        timeout=settings.llm_timeout,
        # No retries: a user waiting on an answer is better served by the extractive fallback now
        # than by three more timeouts (the client's default).
        max_retries=0,
        temperature=0.1,
    )
    return Backend(llm, f"{settings.llm_model} at {settings.llm_base_url}", settings.llm_context,
                   settings.llm_max_tokens, estimate_tokens)


def check_gguf(path: Path) -> None:
    """Refuse early, with the reason, a path that is missing or is not a GGUF file."""
    if not path.is_file():
        raise LLMUnavailable(f"RAG_LLM_GGUF: no such model file: {path}")
    with path.open("rb") as f:
        if f.read(4) != GGUF_MAGIC:
            raise LLMUnavailable(f"RAG_LLM_GGUF: {path} is not a GGUF file")


def _llamacpp(settings: Settings) -> Backend:
    if not settings.llm_gguf:
        raise LLMUnavailable("RAG_LLM=llamacpp needs RAG_LLM_GGUF=/path/to/model.gguf")
    path = Path(settings.llm_gguf).expanduser()
    check_gguf(path)
    try:
        from rag import llamacpp_llm
    except ImportError:
        raise LLMUnavailable("llama-cpp-python or llama-index-llms-llama-cpp is not installed: "
                             "pip install -e '.[local]'") from None
    try:
        llm = llamacpp_llm.load(path, settings.llm_context, settings.llm_max_tokens)
    except (ValueError, RuntimeError, OSError) as exc:
        raise LLMUnavailable(f"llama.cpp could not load {path.name}: {one_line(exc)}") from None
    return Backend(llm, path.name, llm.context_window, settings.llm_max_tokens, llamacpp_llm.count_tokens(llm))


def one_line(exc: BaseException, limit: int = 200) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= limit else text[:limit] + "…"


def is_context_overflow(exc: BaseException) -> bool:
    """The model refused the prompt as longer than its window (servers word it differently)."""
    text = str(exc).lower()
    if type(exc).__name__ == "BadRequestError" or isinstance(exc, ValueError):
        return any(k in text for k in ("context length", "context window", "context size",
                                       "too long", "maximum context", "exceed"))
    return False


def _server_message(exc: BaseException) -> str:
    """The server's own error message (`{"error": {"message": …}}`), not the client's wrapping."""
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        inner = body.get("error", body)
        message = inner.get("message") if isinstance(inner, dict) else inner
        if message:
            return str(message)
    return str(exc)


def describe_failure(exc: BaseException, settings: Settings) -> str:
    """One line for the user: what went wrong with the LLM, without a traceback."""
    kind = type(exc).__name__
    if kind == "APITimeoutError":
        return f"the LLM did not answer within {settings.llm_timeout:g}s (RAG_LLM_TIMEOUT)"
    if kind == "APIConnectionError":
        return f"cannot reach the LLM endpoint {settings.llm_base_url}"
    status = getattr(exc, "status_code", None)
    if status is not None:
        return f"the LLM endpoint answered HTTP {status}: {one_line(_server_message(exc), 120)}"
    return f"the LLM failed ({kind}: {one_line(exc, 120)})"
