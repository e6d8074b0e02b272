"""An English question searched with its Vietnamese translation too, by the configured LLM.

The articles are Vietnamese, and the small bundled encoder places an English question among
them less well than the same question asked in Vietnamese (XQuAD-vi hit@1 0.813 against 0.951).
With an LLM configured and `RAG_TRANSLATE_QUESTIONS=1` (off by default: a second LLM call per
English question, and a small model's mistranslations cost some quotes), one short call puts the
question into Vietnamese; retrieval then ranks by the sum of both questions' vectors
(rag/retrieval.py), so a weak translation is tempered by the question itself (docs/benchmarks.md,
"Issue 11, fifth session"). Lexical search, the answer and the refusal threshold keep the
question as asked. Any failure leaves the question untranslated: it is searched as before.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from rag.generation import Generator
from rag.question import Question

log = logging.getLogger(__name__)

TRANSLATE_MAX_TOKENS = 96
MAX_TRANSLATION_CHARS = 400
INSTRUCTION = "Translate the user's question from English into Vietnamese. Reply with the Vietnamese question only."
# Written for this module (not from any evaluation set): the shape of the reply, names kept as written.
EXAMPLES = (
    ("Who is the director of the Hanoi police?", "Ai là giám đốc Công an Hà Nội?"),
    ("How many people were arrested in the drug case?", "Bao nhiêu người bị bắt trong vụ án ma túy?"),
    ("When did the new road traffic law take effect?", "Luật giao thông đường bộ mới có hiệu lực khi nào?"),
    ("Where did the fire break out last night?", "Vụ cháy tối qua xảy ra ở đâu?"),
)


def clean(reply: str, question: str) -> str:
    """The translation in the LLM's reply: its first line, or "" when it is empty, too long, or
    the question given back unchanged."""
    lines = [line.strip() for line in reply.strip().splitlines() if line.strip()]
    text = lines[0].removeprefix("Vietnamese:").strip().strip('"“”').strip() if lines else ""
    if not text or len(text) > MAX_TRANSLATION_CHARS or text.casefold() == question.casefold():
        return ""
    return text


def translate_question(generator: Generator | None, question: Question) -> Question:
    """`question` with `translated` filled in when it is an English question and an LLM answers;
    otherwise `question` unchanged."""
    if generator is None or generator.backend is None or question.language != "en" or question.foreign:
        return question
    if not question.asks or question.small_talk_only or not question.content:
        return question  # nothing to look up: its refusal must not depend on a translation
    from llama_index.core.llms import ChatMessage, MessageRole

    messages = [ChatMessage(role=MessageRole.SYSTEM, content=INSTRUCTION)]
    for english, vietnamese in EXAMPLES:
        messages += [ChatMessage(role=MessageRole.USER, content=english),
                     ChatMessage(role=MessageRole.ASSISTANT, content=vietnamese)]
    messages.append(ChatMessage(role=MessageRole.USER, content=question.text))
    try:
        reply = generator.backend.llm.chat(messages, max_tokens=TRANSLATE_MAX_TOKENS, temperature=0.0)
    except Exception:  # the question untranslated is a fine search on any LLM failure
        log.debug("translating the question failed", exc_info=True)
        return question
    translated = clean(reply.message.content or "", question.text)
    return replace(question, translated=translated) if translated else question
