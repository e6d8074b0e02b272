"""The Python API: `Assistant.open(index_dir).ask(question)`; the CLI and chat page use it.

It holds the loaded model and index for the life of the process, so a question costs one query
encoding plus in-memory search.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from rag.answer import Answer, extractive_answer
from rag.config import Settings
from rag.embedding import Embedder, describe_vectors, load_embedder
from rag.generation import Generator
from rag.ingest import IngestReport, Progress, ingest
from rag.llm_short_answer import with_llm_short_answer
from rag.retrieval import Retrieval, Retriever
from rag.store import IndexMissing, Store, open_store
from rag.question import Question, parse_question
from rag.translation import translate_question
from rag.text import normalize

MAX_QUESTION_CHARS = 1000
REPEAT_WINDOW = 20 * MAX_QUESTION_CHARS


class BadQuestion(ValueError):
    """The question cannot be asked (empty); the message says why."""


@dataclass
class PreparedQuestion:
    parsed: Question
    notes: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return self.parsed.text

    @property
    def language(self) -> str:
        return self.parsed.language


def repeated_unit(text: str) -> str | None:
    """The question a text repeats ("Q? Q? Q? …", perhaps cut inside the last copy), or None.
    Only the first REPEAT_WINDOW characters are read: what follows is never asked anyway."""
    text = text[:REPEAT_WINDOW]
    for space in re.finditer(r"\s", text[:MAX_QUESTION_CHARS + 1]):
        unit = text[:space.start()]
        pieces = text[space.start():].split(unit)
        if len(pieces) >= 2 and not any(p.strip() for p in pieces[:-1]) and unit.startswith(pieces[-1].strip()):
            return unit
    return None


def prepare_question(question: str) -> PreparedQuestion:
    """Normalise and parse; refuse an empty question; read a repeated question once; cut an
    over-long one to MAX_QUESTION_CHARS."""
    try:
        (question or "").encode("utf-8")
    except UnicodeEncodeError:  # undecodable bytes from a terminal arrive as lone surrogates
        raise BadQuestion("the question is not valid UTF-8 text") from None
    text = normalize(" ".join((question or "").split()))
    if not text:
        raise BadQuestion("the question is empty")
    notes = []
    if len(text) > MAX_QUESTION_CHARS:
        unit = repeated_unit(text)
        if unit:
            text = unit
            notes.append("the question repeats itself; it was read once")
        else:
            text = text[:MAX_QUESTION_CHARS]
            notes.append(f"question cut to its first {MAX_QUESTION_CHARS} characters")
    return PreparedQuestion(parse_question(text), notes)


@dataclass
class Assistant:
    settings: Settings
    store: Store
    embedder: Embedder
    generator: Generator | None = None  # an LLM when RAG_LLM is set (rag/generation.py)

    @classmethod
    def open(cls, index_dir: Path | str | None = None, settings: Settings | None = None) -> "Assistant":
        """Open an existing index; raises `rag.store.IndexProblem` with what to run if unusable."""
        settings = (settings or Settings.from_env()).with_index_dir(Path(index_dir) if index_dir else None)
        store = open_store(settings, describe_vectors(settings))  # fail fast, before the model loads
        return cls(settings, store, load_embedder(settings), Generator.from_settings(settings))

    @classmethod
    def open_or_build(cls, settings: Settings | None = None, on_progress: Progress | None = None,
                      ) -> tuple["Assistant", IngestReport | None]:
        """Open the index, building it from the seed articles first if there is none."""
        settings = settings or Settings.from_env()
        try:
            return cls.open(settings=settings), None
        except IndexMissing:
            report = ingest(None, settings, on_progress=on_progress)
            return cls.open(settings=settings), report

    @property
    def retriever(self) -> Retriever:
        return Retriever(self.store, self.embedder)

    def retrieve(self, question: str) -> Retrieval:
        return self.retriever.search(self._searched(prepare_question(question).parsed), k_documents=10)

    def _searched(self, question: Question) -> Question:
        """The question as searched: an English one with its Vietnamese translation, when an LLM
        is configured and `RAG_TRANSLATE_QUESTIONS=1` (rag/translation.py)."""
        return translate_question(self.generator, question) if self.settings.translate_questions else question

    def ask(self, question: str, language: str | None = None) -> Answer:
        """Answer in the question's language (or `language`), with citations or an abstention."""
        answer = None
        for item in self.ask_stream(question, language):
            if isinstance(item, Answer):
                answer = item
        assert answer is not None
        return answer

    def ask_stream(self, question: str, language: str | None = None) -> Iterator[str | Answer]:
        """Yield the answer text in pieces as it is composed, then the finished `Answer`.

        The final `Answer.answer` is authoritative: when a generated answer fails its citation
        check after streaming, it differs from the pieces and should be shown in their place.
        """
        prepared = prepare_question(question)
        # The search reads the text in its own language; `language` only sets the answer's.
        retrieval = self.retriever.search(self._searched(prepared.parsed), k_documents=10)
        language = language or prepared.language
        answer = extractive_answer(retrieval, language, self.settings.abstain_thresholds[language])
        answer = replace(answer, notes=prepared.notes + answer.notes)
        if self.settings.llm_short_answers:
            answer = with_llm_short_answer(self.generator, retrieval.parsed, answer)
        if self.generator is not None:
            yield from self.generator.answer_stream(retrieval, answer)
            return
        for piece in _pieces(answer.answer):
            yield piece
        yield answer


def _pieces(text: str) -> Iterator[str]:
    """Line by line: the extractive answer is composed whole, but a UI can still show it grow."""
    lines = text.split("\n")
    for i, line in enumerate(lines):
        yield line if i == 0 else "\n" + line
