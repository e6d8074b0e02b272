"""A fact question's short answer read by the configured LLM out of the quoted sentences.

The span finder (rag/short_answer.py) reads a name, a date, a number or a place out of the quotes
by rules, and misses often when an English question shares few words with the Vietnamese
sentence. Asked for the phrase copied from the quotes, a 1.5B local model did better on XQuAD-vi
(bench/llm_short_answers.py: F1 0.558 → 0.614 for Vietnamese questions, 0.447 → 0.513 for
English ones). The LLM's phrase is kept only when a quoted sentence holds it word for word, so the
short answer is still read out of the articles and never composed; otherwise, or on any LLM
failure, the span finder's answer stays. So does a span the LLM's phrase is part of: the model
drops a bound, a unit or a month ("150" of "hơn 150", "2024" of "tháng 11/2024") that the rules
keep. One short LLM call per fact question, so only with `RAG_LLM_SHORT_ANSWERS=1` (about 2 s per
question with that model on this CPU).
"""

from __future__ import annotations

import logging
from dataclasses import replace

from rag.answer import Answer, Citation, compose
from rag.generation import Generator
from rag.question import Question
from rag.short_answer import Span
from rag.short_answer_text import short_answer
from rag.text import normalize

log = logging.getLogger(__name__)

FACT_KINDS = ("person", "date", "number", "place")  # what bench/llm_short_answers.py measured
MAX_PHRASE_TOKENS = 32
INSTRUCTION = ("You answer questions about the numbered sentences the user gives. Reply with the answer "
               "only: the shortest phrase copied exactly from the sentences (a name, a date, a number with "
               "its unit, or a place). If the sentences do not answer, reply NONE.")


def llm_phrase(generator: Generator, question: str, sentences: list[str]) -> str:
    """The LLM's answer to `question` copied from `sentences`: its first line, "" for none."""
    from llama_index.core.llms import ChatMessage, MessageRole

    text = "\n".join(f"[{i}] {s}" for i, s in enumerate(sentences, 1))
    messages = [ChatMessage(role=MessageRole.SYSTEM, content=INSTRUCTION),
                ChatMessage(role=MessageRole.USER, content=f"Sentences:\n{text}\n\nQuestion: {question}")]
    reply = generator.backend.llm.chat(messages, max_tokens=MAX_PHRASE_TOKENS, temperature=0.0).message.content
    phrase = ((reply or "").strip().splitlines() or [""])[0].strip().strip('."“”').strip()
    return "" if phrase.upper() == "NONE" else phrase


def quoted(phrase: str, citations: list[Citation]) -> tuple[Citation, str] | None:
    """The first quote holding `phrase` (case aside), and the phrase as that quote writes it."""
    wanted = normalize(phrase).lower()
    if not wanted:
        return None
    for c in citations:
        sentence = normalize(c.sentence)
        at = sentence.lower().find(wanted)
        if at >= 0:
            return c, sentence[at:at + len(wanted)]
    return None


def _part_of_a_span(phrase: str, answer: Answer) -> bool:
    """Is `phrase` (part of) a span the rules found ("150" of "hơn 150")?"""
    spans = answer.short.spans if answer.short is not None else []
    return any(phrase.lower() in normalize(s.value).lower() for s in spans)


def with_llm_short_answer(generator: Generator | None, question: Question, answer: Answer) -> Answer:
    """`answer` with the LLM's phrase as its short answer when a quote holds it; its other
    articles' spans stay beside it (two articles naming two directors still both show)."""
    if generator is None or generator.backend is None or answer.abstained or question.kind not in FACT_KINDS:
        return answer
    try:
        phrase = llm_phrase(generator, question.text, [c.sentence for c in answer.citations])
    except Exception:  # the span finder's answer is a fine short answer on any LLM failure
        log.debug("the LLM gave no short answer", exc_info=True)
        return answer
    found = quoted(phrase, answer.citations)
    if found is None or _part_of_a_span(found[1], answer):
        return answer
    citation, value = found
    others = [s for s in answer.short.spans if s.doc_id != citation.doc_id] if answer.short else []
    best = max((s.score for s in others), default=0.0) + 1.0
    spans = [Span(value, value, citation.n, citation.doc_id, citation.date, best, question.kind), *others]
    short = short_answer(spans, answer.language)
    text = "".join(compose(answer.question, answer.language, answer.citations, short))
    return replace(answer, answer=text, short=short)
