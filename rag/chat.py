"""Conversations: follow-up questions use what came before, without needing an LLM.

After "Who leads Hai Phong police?", a follow-up like "And Hanoi?" or "Còn Hà Nội thì sao?" says
only what changed. Such a short, elliptical question is rewritten into a standalone one by
putting its new topic in place of the previous question's topic, then retrieved as usual.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

from rag.answer import Answer
from rag.condense import condense_question
from rag.text import detect_language, fold, normalize

# Follow-up openers and closers that carry no topic ("And …?", "Còn … thì sao?").
_LEAD = re.compile(r"^\s*(and|what about|how about|and what about|còn|vậy còn|thế còn|con|vay con|the con)\b[\s,]*",
                   re.IGNORECASE)
_TAIL = re.compile(r"[\s,]*(thì sao|thi sao|thì thế nào|thi the nao|nữa|nua|then|too)?\s*[?.!]*\s*$", re.IGNORECASE)
# Words that can start a capitalised run without being part of a place or person name.
_TITLE_WORDS = {
    "giam", "doc", "cong", "an", "tp", "thanh", "pho", "tinh", "bo", "truong", "chu", "tich",
    "ubnd", "hdnd", "pho", "thu", "tuong", "dai", "trung", "thieu", "ai", "who", "what", "when",
    "where", "which", "how", "is", "the", "city", "police", "province", "director",
}
_NAME_RUN = re.compile(r"(?:\b[A-ZÀ-Ỹ][\wÀ-ỹ]*\.?)(?:[ .]+[A-ZÀ-Ỹ][\wÀ-ỹ]*)*", re.UNICODE)
MAX_FOLLOWUP_WORDS = 6
# A place follows these words even when typed in lower case without diacritics
# ("ai la giam doc cong an tp hai phong"), where there is no capitalised name to find.
_PLACE_AFTER = re.compile(r"\b(?:tp\.?|thành phố|thanh pho|tỉnh|tinh)\s+([^\W\d_][^\W\d_ ]*(?: [^\W\d_]+)*?)\s*(?=[?.!,]|$)",
                          re.IGNORECASE)


def _topic_spans(question: str) -> list[tuple[int, int]]:
    """Spans of capitalised names in a question, with leading title words dropped."""
    spans = []
    for m in _NAME_RUN.finditer(question):
        words = list(re.finditer(r"[\wÀ-ỹ]+", m.group(0)))
        while words and fold(words[0].group(0)).lower() in _TITLE_WORDS:
            words.pop(0)
        if words:
            spans.append((m.start() + words[0].start(), m.start() + words[-1].end()))
    if not spans:
        spans = [m.span(1) for m in _PLACE_AFTER.finditer(question)]
    return spans


def is_follow_up(question: str) -> bool:
    return bool(_LEAD.match(question)) and len(question.split()) <= MAX_FOLLOWUP_WORDS


def rewrite_follow_up(question: str, previous: str | None) -> str:
    """A standalone question: `previous` with its topic replaced by the follow-up's topic."""
    if not previous or not is_follow_up(question):
        return question
    topic = _TAIL.sub("", _LEAD.sub("", question)).strip()
    spans = _topic_spans(previous)
    if not topic or not spans:
        return question
    if detect_language(previous) == "en":
        # English spells Vietnamese places without diacritics ("Ha Noi"); "Who leads Hà Nội police?"
        # reads as neither language and its evidence falls below the abstention threshold.
        topic = fold(topic)
    start, end = spans[-1]
    return previous[:start] + topic + previous[end:]


@dataclass
class Turn:
    question: str
    standalone: str
    answer: Answer


@dataclass
class Conversation:
    """A conversation with an assistant (anything with `ask_stream`); one per user/session."""

    assistant: object
    turns: list[Turn] = field(default_factory=list)

    def standalone(self, question: str) -> str:
        """With an LLM, it condenses history and follow-up (rag/condense.py); else the rewrite above."""
        condensed = condense_question(getattr(self.assistant, "generator", None), self.turns, question)
        if condensed:
            return normalize(condensed)
        previous = self.turns[-1].standalone if self.turns else None
        return rewrite_follow_up(normalize(question.strip()), previous)

    def ask_stream(self, question: str, language: str | None = None) -> Iterator[str | Answer]:
        """Like `Assistant.ask_stream`, answering in the language of the follow-up itself, or in
        `language` when the user chose one (the chat page's language switch)."""
        from rag.assistant import prepare_question

        standalone = self.standalone(question)
        language = language or prepare_question(question).language
        for item in self.assistant.ask_stream(standalone, language=language):
            if isinstance(item, Answer):
                item = replace(item, question=question)
                if standalone != normalize(question.strip()):
                    item.notes.append(f"searched for: {standalone}")
                self.turns.append(Turn(question, standalone, item))
            yield item

    def ask(self, question: str) -> Answer:
        answer = None
        for item in self.ask_stream(question):
            if isinstance(item, Answer):
                answer = item
        assert answer is not None
        return answer

    def reset(self) -> None:
        self.turns.clear()
