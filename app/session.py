"""One browser session's chat: its `Conversation`, its turns, and the messages they render to.

Kept free of Gradio so the page's behaviour (cutting long questions, labels, feedback lookup)
can be tested directly. The messages are always rebuilt from the turns, so switching the page
language relabels earlier answers too.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field

from app import render
from app.i18n import AUTO, label, resolve
from rag.answer import Answer
from rag.assistant import MAX_QUESTION_CHARS, BadQuestion, prepare_question
from rag.chat import Conversation
from rag.text import normalize

# Turn ids are unique in the process, so element ids of passages never collide on a page.
_turn_ids = itertools.count(1)

Message = dict[str, str]


@dataclass
class PageTurn:
    question: str               # as used (cut to MAX_QUESTION_CHARS)
    language: str               # the question's language
    turn_id: int
    typed_length: int           # characters the user typed (after collapsing whitespace)
    partial: str = ""
    answer: Answer | None = None
    searched_for: str | None = None

    @property
    def was_cut(self) -> bool:
        return self.typed_length > len(self.question)


@dataclass
class ChatSession:
    conversation: Conversation
    choice: str = AUTO          # the language switch: "auto", "vi" or "en"
    turns: list[PageTurn] = field(default_factory=list)

    @property
    def language(self) -> str:
        """The page's label language now."""
        return resolve(self.choice, self.turns[-1].language if self.turns else None)

    def ask(self, message: str) -> Iterator[list[Message]]:
        """Ask a question; yields the messages each time the answer grows. Empty: yields nothing."""
        try:
            prepared = prepare_question(message)
        except BadQuestion:
            return
        typed = len(normalize(" ".join((message or "").split())))
        turn = PageTurn(prepared.text, prepared.language, next(_turn_ids), typed)
        self.turns.append(turn)
        yield self.messages()
        for item in self.conversation.ask_stream(prepared.text):
            if isinstance(item, Answer):
                turn.answer = item
                standalone = self.conversation.turns[-1].standalone if self.conversation.turns else None
                if standalone and standalone != normalize(prepared.text):
                    turn.searched_for = standalone
            else:
                turn.partial += item
            yield self.messages()

    def messages(self) -> list[Message]:
        """The chat as Gradio message dicts (HTML content), user and assistant alternating."""
        out: list[Message] = []
        for turn in self.turns:
            lang = resolve(self.choice, turn.language)
            note = None
            if turn.was_cut:
                note = label(lang, "cut", length=turn.typed_length, limit=MAX_QUESTION_CHARS)
            out.append({"role": "user", "content": render.question_html(turn.question, note)})
            out.append({"role": "assistant", "content": self._answer_content(turn, lang)})
        return out

    def _answer_content(self, turn: PageTurn, lang: str) -> str:
        if turn.answer is None:
            return render.partial_html(turn.partial, lang)
        notes = [label(lang, "searched", question=turn.searched_for)] if turn.searched_for else []
        # The library's own notes, minus the ones the page already shows in the user's language.
        notes += [n for n in turn.answer.notes
                  if not n.startswith("searched for:") and not n.startswith("question cut")]
        return render.answer_html(turn.answer, turn.turn_id, lang, notes)

    def answer_at(self, index: int) -> Answer | None:
        """The finished answer shown as message `index` (what a thumbs click refers to)."""
        if index % 2 != 1 or not 0 <= index // 2 < len(self.turns):
            return None
        return self.turns[index // 2].answer

    def last_answer(self) -> Answer | None:
        return self.turns[-1].answer if self.turns else None

    def reset(self) -> None:
        self.conversation.reset()
        self.turns.clear()
