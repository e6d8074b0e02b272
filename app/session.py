"""One browser session's chat: its `Conversation`, its turns, and the messages they render to.

Kept free of Gradio so the page's behaviour (cutting long questions, labels, feedback lookup,
history records) can be tested directly. The messages are always rebuilt from the turns, so
switching the page language relabels earlier answers too.

History lives in the browser, not on the server: `to_record` turns a session into plain JSON
the page keeps in the browser's localStorage, and `ChatSession.restore` rebuilds a session (and
its `Conversation`, so follow-ups still work) from that JSON after a reload.
"""

from __future__ import annotations

import itertools
import queue
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, fields

from app import render
from app.i18n import AUTO, LANGUAGES, label, resolve
from rag.answer import Answer, Citation
from rag.assistant import MAX_QUESTION_CHARS, BadQuestion, prepare_question
from rag.chat import Conversation, Turn
from rag.text import normalize

# Turn ids are unique in the process, so element ids of passages never collide on a page.
_turn_ids = itertools.count(1)
# How often a waiting answer looks whether the user pressed Stop.
STOP_POLL_S = 0.2
_END = object()

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
    answer_id: str = field(default_factory=lambda: uuid.uuid4().hex)  # names the vote on it
    stopped: bool = False       # the user stopped it before it finished

    @property
    def was_cut(self) -> bool:
        return self.typed_length > len(self.question)


@dataclass
class ChatSession:
    conversation: Conversation
    choice: str = AUTO          # the language switch: "auto", "vi" or "en"
    turns: list[PageTurn] = field(default_factory=list)
    conversation_id: str = field(default_factory=lambda: uuid.uuid4().hex)

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
        # With the switch on a language, the answer's own words follow it too.
        language = self.choice if self.choice in LANGUAGES else None
        stream = self.conversation.ask_stream(prepared.text, language=language)
        for item in until_stopped(stream, lambda: turn.stopped):
            if isinstance(item, Answer):
                turn.answer = item
                standalone = self.conversation.turns[-1].standalone if self.conversation.turns else None
                if standalone and standalone != normalize(prepared.text):
                    turn.searched_for = standalone
            else:
                turn.partial += item
            yield self.messages()
        if turn.stopped:
            yield self.messages()  # last, so "stopped" shows whatever step reached the page before

    def regenerate(self) -> str | None:
        """Forget the last turn (finished or stopped) and return its question to ask again."""
        if not self.turns:
            return None
        turn = self.turns.pop()
        if turn.answer is not None and self.conversation.turns:
            self.conversation.turns.pop()
        return turn.question

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
            return render.partial_html(turn.partial, lang, turn.stopped)
        notes = [label(lang, "searched", question=turn.searched_for)] if turn.searched_for else []
        # The library's own notes, minus the ones the page already shows in the user's language.
        notes += [n for n in turn.answer.notes
                  if not n.startswith("searched for:") and not n.startswith("question cut")]
        return render.answer_html(turn.answer, turn.turn_id, lang, notes)

    def turn_at(self, index: int) -> PageTurn | None:
        """The turn whose answer is shown as message `index` (what a thumbs click refers to)."""
        if index % 2 != 1 or not 0 <= index // 2 < len(self.turns):
            return None
        return self.turns[index // 2]

    def answer_at(self, index: int) -> Answer | None:
        turn = self.turn_at(index)
        return turn.answer if turn else None

    def last_answer(self) -> Answer | None:
        return self.turns[-1].answer if self.turns else None

    def cited_spans(self, doc_id: str, chunk_starts: dict[str, int]) -> list[tuple[int, int]]:
        """Where this conversation's citations of `doc_id` sit in the article's text."""
        spans = []
        for turn in self.turns:
            for c in turn.answer.citations if turn.answer else []:
                if c.doc_id == doc_id and c.chunk_id in chunk_starts:
                    base = chunk_starts[c.chunk_id]
                    spans.append((base + c.sentence_start, base + c.sentence_end))
        return spans

    def reset(self) -> None:
        self.conversation.reset()
        self.turns.clear()
        self.conversation_id = uuid.uuid4().hex

    # --- history kept in the browser -------------------------------------------------------

    def to_record(self) -> dict | None:
        """This conversation as JSON for the browser, or None while it has no finished answer."""
        done = [t for t in self.turns if t.answer is not None]
        if not done:
            return None
        standalone = {id(t.answer): t.standalone for t in self.conversation.turns}
        return {"id": self.conversation_id, "title": done[0].question[:80], "updated": int(time.time()),
                "turns": [{"question": t.question, "language": t.language, "typed_length": t.typed_length,
                           "searched_for": t.searched_for, "answer_id": t.answer_id,
                           "standalone": standalone.get(id(t.answer), t.question),
                           "answer": _answer_record(t.answer)} for t in done]}

    @classmethod
    def restore(cls, conversation: Conversation, record: dict, choice: str = AUTO) -> "ChatSession":
        """A session rebuilt from `to_record` JSON; a damaged record gives what could be read."""
        session = cls(conversation, choice, conversation_id=str(record.get("id") or uuid.uuid4().hex))
        for item in record.get("turns") or []:
            try:
                answer = _answer_from(item["answer"])
                turn = PageTurn(str(item["question"]), str(item["language"]), next(_turn_ids),
                                int(item["typed_length"]), answer=answer,
                                searched_for=item.get("searched_for"), answer_id=str(item["answer_id"]))
            except (KeyError, TypeError, ValueError):
                continue
            session.turns.append(turn)
            conversation.turns.append(Turn(turn.question, str(item.get("standalone") or turn.question), answer))
        return session


def _answer_record(answer: Answer) -> dict:
    return {**answer.to_json(), "retrieved_doc_ids": answer.retrieved_doc_ids}


def _answer_from(data: dict) -> Answer:
    known = {f.name for f in fields(Citation)}
    citations = [Citation(**{k: v for k, v in c.items() if k in known}) for c in data.get("citations") or []]
    return Answer(str(data["question"]), str(data["answer"]), str(data["language"]), bool(data["abstained"]),
                  citations, list(data.get("retrieved_doc_ids") or []), list(data.get("notes") or []))


def until_stopped(items: Iterator, stopped: Callable[[], bool], poll_s: float = STOP_POLL_S) -> Iterator:
    """`items`, until `stopped()` turns true, even while the next item is slow to come.

    The items are read in a thread of their own, so a Stop is seen within `poll_s` although an
    LLM may take seconds per word: the answer's event then ends by itself, and the page never
    has to cancel it (a cancel racing the event's last step could leave the chat marked busy).
    The reading thread stops at the next item and closes `items`.
    """
    found: queue.Queue = queue.Queue()
    leave = threading.Event()

    def read() -> None:
        try:
            for item in items:
                if leave.is_set():
                    break
                found.put(item)
        except BaseException as error:  # handed to the reader, raised there
            found.put(error)
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()
            found.put(_END)

    threading.Thread(target=read, name="answer-reader", daemon=True).start()
    try:
        while not stopped():
            try:
                item = found.get(timeout=poll_s)
            except queue.Empty:
                continue
            if item is _END:
                return
            if isinstance(item, BaseException):
                raise item
            if stopped():
                return
            yield item
    finally:
        leave.set()
