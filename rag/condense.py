"""Condensing a follow-up into a standalone question with the LLM, before retrieval.

The condense step of llama-index's condense-plus-context chat engine, with its prompt, without
the engine: it would also own retrieval and answering, which here need citation checks and
fallbacks. Any failure returns None and the caller keeps the rule-based rewrite (rag/chat.py).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import Any

from rag.generation import Generator

log = logging.getLogger(__name__)

MAX_TURNS = 3
MAX_ANSWER_CHARS = 300
MAX_QUESTION_CHARS = 300
CONDENSE_MAX_TOKENS = 96
_MARKERS = re.compile(r"\s*\[\d+\]")
_LABEL = re.compile(r"^\s*(standalone question|question|câu hỏi)\s*:\s*", re.IGNORECASE)


def chat_history(turns: Sequence[Any]) -> str:
    """The last turns as plain text: each question and a short answer without markers."""
    lines = []
    for turn in turns[-MAX_TURNS:]:
        answer = _MARKERS.sub("", turn.answer.answer)[:MAX_ANSWER_CHARS]
        lines.append(f"User: {turn.question}\nAssistant: {answer}")
    return "\n".join(lines)


def clean(reply: str) -> str | None:
    """The question in the LLM's reply, or None if it gave nothing usable."""
    lines = [line for line in reply.strip().splitlines() if line.strip()]
    if not lines:
        return None
    text = _LABEL.sub("", lines[0]).strip().strip('"“”').strip()
    return text if 0 < len(text) <= MAX_QUESTION_CHARS else None


def condense_question(generator: Generator | None, turns: Sequence[Any], question: str) -> str | None:
    """A standalone question from the conversation and the follow-up, or None to fall back."""
    if generator is None or generator.backend is None or not turns:
        return None
    from llama_index.core.chat_engine.condense_plus_context import DEFAULT_CONDENSE_PROMPT_TEMPLATE
    from llama_index.core.llms import ChatMessage, MessageRole
    from llama_index.core.prompts import PromptTemplate

    prompt = PromptTemplate(DEFAULT_CONDENSE_PROMPT_TEMPLATE).format(
        chat_history=chat_history(turns), question=question)
    messages = [ChatMessage(role=MessageRole.SYSTEM,
                            content="Reply with the standalone question only, in the language of the follow up."),
                ChatMessage(role=MessageRole.USER, content=prompt)]
    try:
        reply = generator.backend.llm.chat(messages, max_tokens=CONDENSE_MAX_TOKENS, temperature=0.0)
    except Exception:  # the rule-based rewrite is a fine answer to any LLM failure here
        log.debug("condensing the follow-up failed", exc_info=True)
        return None
    return clean(reply.message.content or "")
