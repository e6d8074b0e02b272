"""Answers with numbered citations; the offline default is extractive.

The extractive answerer never states anything the articles do not: it quotes the sentences that
best answer the question (sentence vectors from the index, plus the question's words found in
the sentence), cites each, and abstains when even the best sentence is weak evidence.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass, field

import numpy as np

from rag.corpus import UNKNOWN_DATE
from rag.retrieval import DocumentHit, Retrieval
from rag.text import folded_syllables

# Sentence score = cosine(question, sentence) + OVERLAP_WEIGHT * share of the question's content
# words found in the sentence or its article title + DOC_WEIGHT * document relevance (0..1).
OVERLAP_WEIGHT = 0.3
DOC_WEIGHT = 0.1
# Another sentence is quoted when it scores within MARGIN of the best one.
MARGIN = 0.06
MAX_QUOTES = 3
CANDIDATE_DOCUMENTS = 3

_STOPWORDS = {
    # Vietnamese question and function words, folded.
    "ai", "la", "gi", "nao", "bao", "nhieu", "khi", "dau", "the", "sao", "cua", "va", "cac",
    "nhung", "duoc", "co", "khong", "trong", "o", "tai", "thi", "con", "mot", "nay", "do", "da",
    "dang", "se", "voi", "cho", "ve", "tu", "den", "hay", "hoac", "ma", "nhu", "vay", "a", "u",
    # English ones.
    "who", "what", "when", "where", "which", "how", "why", "is", "are", "was", "were", "did",
    "does", "do", "of", "in", "on", "at", "for", "to", "and", "or", "by", "with", "an", "many",
    "much", "that", "this", "it", "be", "been", "has", "have", "had", "from", "as", "about",
}

LABELS = {
    "vi": {"lead": "Theo các bài báo:", "dated": "Bài ngày {date}", "undated": "Bài không ghi ngày",
           "abstain": "Các bài báo không có thông tin để trả lời câu hỏi này.",
           "dates_differ": "Các bài báo có ngày khác nhau; bài mới hơn được đặt trước."},
    "en": {"lead": "According to the articles:", "dated": "Article dated {date}",
           "undated": "Undated article",
           "abstain": "The articles don't say: none of them answers this question.",
           "dates_differ": "The articles are from different dates; the most recent comes first."},
}


@dataclass
class Citation:
    """A cited passage; `sentence_start/end` locate the quoted sentence inside `text`."""

    n: int
    doc_id: str
    title: str
    date: str
    text: str
    score: float
    sentence: str = ""
    sentence_start: int = 0
    sentence_end: int = 0
    chunk_id: str = ""


@dataclass
class Answer:
    question: str
    answer: str
    language: str
    abstained: bool
    citations: list[Citation] = field(default_factory=list)
    retrieved_doc_ids: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    evidence: float = 0.0

    def to_json(self) -> dict:
        return {"question": self.question, "answer": self.answer, "language": self.language,
                "abstained": self.abstained, "citations": [asdict(c) for c in self.citations],
                "notes": self.notes}


@dataclass
class Candidate:
    score: float
    doc_rank: int
    document: DocumentHit
    passage_index: int
    sentence_index: int


def content_words(text: str) -> set[str]:
    return {w for w in folded_syllables(text) if w not in _STOPWORDS}


def _candidates(retrieval: Retrieval) -> list[Candidate]:
    query_words = content_words(retrieval.question)
    documents = retrieval.documents[:CANDIDATE_DOCUMENTS]
    if not documents:
        return []
    top = documents[0].score
    out: list[Candidate] = []
    for rank, document in enumerate(documents):
        relevance = float(np.exp(document.score - top))  # 1 for the best document
        title_words = content_words(document.title)
        for p, passage in enumerate(document.passages):
            for s, text in enumerate(passage.chunk.sentence_texts()):
                found = query_words & (content_words(text) | title_words)
                overlap = len(found) / len(query_words) if query_words else 0.0
                score = float(passage.sentence_dense[s]) + OVERLAP_WEIGHT * overlap + DOC_WEIGHT * relevance
                out.append(Candidate(score, rank, document, p, s))
    out.sort(key=lambda c: -c.score)
    return out


def _select(candidates: list[Candidate]) -> list[Candidate]:
    """The best sentence, plus close runners-up (at most two per article, no repeats)."""
    chosen: list[Candidate] = []
    seen_text: set[str] = set()
    per_doc: dict[str, int] = {}
    best = candidates[0].score
    for c in candidates:
        if c.score < best - MARGIN or len(chosen) >= MAX_QUOTES:
            break
        text = c.document.passages[c.passage_index].chunk.sentence_texts()[c.sentence_index]
        if text in seen_text or per_doc.get(c.document.doc_id, 0) >= 2:
            continue
        seen_text.add(text)
        per_doc[c.document.doc_id] = per_doc.get(c.document.doc_id, 0) + 1
        chosen.append(c)
    return chosen


def _citation(n: int, c: Candidate) -> Citation:
    passage = c.document.passages[c.passage_index]
    chunk = passage.chunk
    s, e = chunk.sentences[c.sentence_index]
    return Citation(n, chunk.doc_id, chunk.title, chunk.date, chunk.text, round(c.score, 4), chunk.text[s - chunk.start:e - chunk.start],
                    s - chunk.start, e - chunk.start, chunk.chunk_id)


def _date_key(date: str) -> str:
    return "" if date == UNKNOWN_DATE else date


def compose(question: str, language: str, citations: list[Citation]) -> Iterator[str]:
    """The answer text, piece by piece (so a UI can stream it): lead-in, then dated quotes."""
    labels = LABELS[language]
    yield labels["lead"]
    dates = {c.date for c in citations}
    if len(dates) > 1:
        yield " " + labels["dates_differ"]
    for c in sorted(citations, key=lambda c: _date_key(c.date), reverse=True):
        source = labels["undated"] if c.date == UNKNOWN_DATE else labels["dated"].format(date=c.date)
        yield f"\n- {source}: “{c.sentence}” [{c.n}]"


def extractive_answer(retrieval: Retrieval, language: str, threshold: float) -> Answer:
    """Quote and cite the best sentences, or abstain when the best one is below `threshold`."""
    doc_ids = [d.doc_id for d in retrieval.documents]
    candidates = _candidates(retrieval)
    evidence = candidates[0].score if candidates else 0.0
    if evidence < threshold:
        return Answer(retrieval.question, LABELS[language]["abstain"], language, True,
                      retrieved_doc_ids=doc_ids, evidence=evidence)
    chosen = _select(candidates)
    # Number citations in the order they are shown (newest article first).
    chosen.sort(key=lambda c: _date_key(c.document.date), reverse=True)
    citations = [_citation(n, c) for n, c in enumerate(chosen, 1)]
    text = "".join(compose(retrieval.question, language, citations))
    return Answer(retrieval.question, text, language, False, citations, doc_ids, evidence=evidence)
