"""Cutting documents into passages sized in the embedding model's own tokens.

A passage is a run of whole sentences that fits the model (prompt and special tokens
included), so nothing is silently truncated by the encoder; neighbouring passages share
`overlap` sentences so an answer that straddles a cut is still found whole.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rag.corpus import Document
from rag.text import Sentence, split_sentences

TokenCounter = Callable[[str], int]


@dataclass(frozen=True)
class Chunk:
    """A passage of one document; spans are character offsets into `Document.text`."""

    chunk_id: str
    doc_id: str
    title: str
    date: str
    url: str
    text: str
    start: int
    end: int
    sentences: tuple[tuple[int, int], ...]  # (start, end) of each sentence, document offsets

    def sentence_texts(self) -> list[str]:
        return [self.text[s - self.start:e - self.start] for s, e in self.sentences]

    def to_json(self) -> dict:
        return {"chunk_id": self.chunk_id, "doc_id": self.doc_id, "title": self.title,
                "date": self.date, "url": self.url, "text": self.text, "start": self.start,
                "end": self.end, "sentences": [list(s) for s in self.sentences]}

    @classmethod
    def from_json(cls, row: dict) -> "Chunk":
        return cls(row["chunk_id"], row["doc_id"], row["title"], row["date"], row["url"],
                   row["text"], row["start"], row["end"],
                   tuple((int(s), int(e)) for s, e in row["sentences"]))


@dataclass(frozen=True)
class ChunkingSettings:
    max_tokens: int
    overlap_sentences: int


def _split_long(sentence: Sentence, fits: Callable[[str], bool]) -> list[Sentence]:
    """Cut a sentence that alone exceeds the limit at word boundaries (rare: tables, lists)."""
    words = sentence.text.split(" ")
    pieces: list[Sentence] = []
    offset, current = sentence.start, ""
    for word in words:
        candidate = f"{current} {word}" if current else word
        if current and not fits(candidate):
            pieces.append(Sentence(current, offset, offset + len(current)))
            offset += len(current) + 1
            candidate = word
        current = candidate
    if current:
        pieces.append(Sentence(current, offset, offset + len(current)))
    return pieces


def _fitting_sentences(doc: Document, fits: Callable[[str], bool]) -> list[Sentence]:
    out: list[Sentence] = []
    for sentence in split_sentences(doc.text):
        out.extend([sentence] if fits(sentence.text) else _split_long(sentence, fits))
    return out


def chunk_document(doc: Document, count_tokens: TokenCounter, settings: ChunkingSettings) -> list[Chunk]:
    """Pack whole sentences into passages of at most `settings.max_tokens` model tokens."""

    def fits(text: str) -> bool:
        return count_tokens(text) <= settings.max_tokens

    sentences = _fitting_sentences(doc, fits)
    groups: list[list[Sentence]] = []
    i = 0
    while i < len(sentences):
        group = [sentences[i]]
        j = i + 1
        while j < len(sentences) and fits(doc.text[group[0].start:sentences[j].end]):
            group.append(sentences[j])
            j += 1
        groups.append(group)
        if j >= len(sentences):
            break
        i = max(i + 1, j - settings.overlap_sentences)
    return [_make_chunk(doc, n, group) for n, group in enumerate(groups)]


def _make_chunk(doc: Document, n: int, group: list[Sentence]) -> Chunk:
    start, end = group[0].start, group[-1].end
    return Chunk(f"{doc.doc_id}#{n}", doc.doc_id, doc.title, doc.date, doc.url,
                 doc.text[start:end], start, end, tuple((s.start, s.end) for s in group))
