"""Answers with numbered citations; the offline default is extractive.

The extractive answerer never states anything the articles do not: it quotes the sentences that
best answer the question (sentence vectors from the index, plus the question's words found in
the sentence), cites each, and abstains when even the best sentence is weak evidence.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field, replace

import numpy as np

from rag.corpus import UNKNOWN_DATE
from rag.question import Question
from rag.retrieval import DocumentHit, Retrieval
from rag.short_answer import ShortAnswer, Span, asks_role, find_span, question_terms
from rag.short_answer_text import short_answer
from rag.text import STOPWORDS, folded_syllables, with_bigrams, with_same_meaning

# Sentence score = cosine(question, sentence) + OVERLAP_WEIGHT * the rarity-weighted share of the
# question's terms found in the sentence (terms found only around it, in its passage or title,
# count CONTEXT_CREDIT) + DOC_WEIGHT * document relevance (1 for the best document).
OVERLAP_WEIGHT = 0.3
CONTEXT_CREDIT = 0.75
# A sentence holding the kind of thing the question asks for (a person for "who"/"ai", a number
# for "how many"/"bao nhiêu", a date for "when"/"khi nào") gets this much more.
ANSWER_TYPE_BONUS = 0.05
DOC_WEIGHT = 0.0
# Which sentences are quoted: rank = sentence score + PASSAGE_CREDIT * cosine(question, the
# sentence's passage). A sentence is read with its passage: in a long article, the passage that as a
# whole matches the question holds the answer more often than a lone sentence that echoes its words
# elsewhere. The abstention threshold still reads the sentence score alone (calibrated on it).
# 0.6: on XQuAD-vi's even half, answer in quotes en 0.727 -> 0.734, paragraphs joined into whole
# articles 0.704 -> 0.717 (vi level); more (1.5) gains on XQuAD but loses a seed news answer.
PASSAGE_CREDIT = 0.6
# Another sentence is quoted when it ranks within MARGIN of the best one (MARGIN on the rank scale;
# 0.08 before PASSAGE_CREDIT, widened so that answers keep about as many quotes as before).
MARGIN = 0.09
MAX_QUOTES = 3
# A second article gets a quote of its own ahead of the best article's runners-up only when
# retrieval ranks it close to the best: exp(its score - the best's) >= RIVAL_RELEVANCE. Articles
# that disagree (two directors at two dates) are both quoted; an unrelated article's near-miss
# sentence no longer pushes out the best article's second sentence.
RIVAL_RELEVANCE = 0.6
UNKNOWN_PENALTY = OVERLAP_WEIGHT
MIN_WORDS = 5
CANDIDATE_DOCUMENTS = 5
# Between quotes, the short answer is the span whose sentence ranks best plus this much of how
# closely the question's words surround it (a Vietnamese question's only: "bao nhiêu ca tử vong"
# → "2 ca tử vong" over "12.345 ca sốt xuất huyết" in the better-ranked sentence). On XQuAD-vi,
# Vietnamese F1 half A 0.559 → 0.577, half B 0.510 → 0.513; English questions lost 0.011 with it,
# so for them it weighs only how plainly a span counts something else than asked (`against`).
SPAN_FIT = 0.05
POST_CANDIDATES = 30  # sentences searched for a named person's post (see _with_spans)


LABELS = {
    "vi": {"lead": "Theo các bài báo:", "dated": "Bài ngày {date}", "undated": "Bài không ghi ngày",
           "abstain": "Các bài báo không có thông tin để trả lời câu hỏi này.",
           "abstain_name": "Các bài báo không có thông tin để trả lời câu hỏi này: không bài nào nhắc đến “{name}”.",
           "dates_differ": "Các bài báo có ngày khác nhau; bài mới hơn được đặt trước."},
    "en": {"lead": "According to the articles:", "dated": "Article dated {date}",
           "undated": "Undated article",
           "abstain": "The articles don't say: none of them answers this question.",
           "abstain_name": "The articles don't say: none of them mentions “{name}”.",
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
    short: ShortAnswer | None = None  # the name, date, number or place asked, read from the quotes

    @property
    def short_answer(self) -> str | None:
        """The short answer sentence shown first, or None when no quote holds such a span."""
        return self.short.text if self.short else None

    def to_json(self) -> dict:
        return {"question": self.question, "short_answer": self.short_answer, "answer": self.answer,
                "language": self.language, "abstained": self.abstained,
                "citations": [asdict(c) for c in self.citations], "notes": self.notes}


@dataclass
class Candidate:
    score: float  # ranks the sentences for quoting (see PASSAGE_CREDIT)
    doc_rank: int
    document: DocumentHit
    passage_index: int
    sentence_index: int
    evidence: float = 0.0   # the sentence's own score, shown with its citation
    gate: float = 0.0       # the same for the question as asked: what the abstention threshold reads
    relevance: float = 1.0  # its article's retrieval score relative to the best article's (1 for it)


_ANSWER_SHAPES = {
    # A rank, title or honorific before a name, or a name led by a common Vietnamese surname.
    "person": re.compile(
        r"\b(?:tướng|tá|úy|ông|bà|anh|chị|đồng chí|trưởng|giám đốc|chủ tịch|bí thư|tư lệnh),? "
        r"[A-ZĐ]|\b(?:Nguyễn|Trần|Lê|Phạm|Hoàng|Huỳnh|Phan|Vũ|Võ|Đặng|Bùi|Đỗ|Hồ|Ngô|Dương|Lý|Lương|Tô|"
        r"Đinh|Trịnh|Mai|Cao|Lâm|Đào|Đoàn|Trương|Lưu|Chu|Tạ) [A-ZĐ]"),
    "rank": re.compile(r"\b(?:tướng|tá|úy) [A-ZĐ]"),
    "number": re.compile(r"\d"),
    "duration": re.compile(r"\d\s*(?:giây|phút|giờ|tiếng|ngày|tuần|tháng|năm)\b", re.IGNORECASE),
    "date": re.compile(r"\b\d{1,2}/\d{1,2}\b|\b\d{4}\b|\b(?:ngày|tháng|năm) \d"),
}


def _answer_shape(question: Question) -> re.Pattern[str] | None:
    """What a sentence answering the question looks like; for "X nào?", X before a capitalised
    name ("Bệnh viện nào?" → "Bệnh viện Chợ Rẫy", "sống ở xã nào?" → "xã Tất Thắng")."""
    if question.kind != "which":
        return _ANSWER_SHAPES.get(question.kind or "")
    n = len(question.which_noun)
    at = next((i for i, w in enumerate(question.words) if w.syllable == "nao" and i >= n
               and tuple(x.syllable for x in question.words[i - n:i]) == question.which_noun), None)
    if at is None:
        return None  # an English question names the noun in English
    written = " ".join(re.escape(w.written) for w in question.words[at - n:at])
    return re.compile(rf"(?i:\b{written}) [A-ZĐ]")


def content_words(text: str) -> set[str]:
    """Folded syllables of `text` without question and function words."""
    return {w for w in folded_syllables(text) if w not in STOPWORDS}


@functools.lru_cache(maxsize=1 << 16)
def terms_of(text: str) -> frozenset[str]:
    """Folded syllables and pairs of a passage or sentence; cached, as the same passages recur."""
    return frozenset(with_bigrams(folded_syllables(text)))


def _candidates(retrieval: Retrieval) -> list[Candidate]:
    """Every sentence of the retrieved articles that meets the question's requirements, best
    first; from the best article's further passages too when its best ones hold none. When none
    counts the unit a "how many" question asks, the question is refused: quoting the sentences
    that name the unit beside some number (tried) answered the seeds' unanswerable "bao nhiêu vụ
    lừa đảo … ở Hải Phòng?" with other counts."""
    documents = retrieval.documents[:CANDIDATE_DOCUMENTS]
    if not documents:
        return []
    top = documents[0].score
    shape = _answer_shape(retrieval.parsed)
    out: list[Candidate] = []
    for rank, document in enumerate(documents):
        relevance = float(np.exp(document.score - top))  # 1 for the best document
        found = _document_candidates(retrieval, shape, document, rank, relevance)
        if not found and document.further:
            whole = replace(document, passages=[*document.passages, *document.further], further=[])
            found = _document_candidates(retrieval, shape, whole, rank, relevance)
        out.extend(found)
    out.sort(key=lambda c: -c.score)
    return out


def _document_candidates(retrieval: Retrieval, shape: re.Pattern[str] | None, document: DocumentHit, rank: int,
                         relevance: float) -> list[Candidate]:
    """The sentences of one article's passages that meet the question's requirements, scored;
    `shape` is what an answering sentence looks like (`_answer_shape`), `relevance` the article's
    retrieval score relative to the best article's (1 for it)."""
    needs = retrieval.requirements
    weights = retrieval.term_weights
    total = sum(weights.values())
    title_terms = terms_of(document.title)
    out: list[Candidate] = []
    for p, passage in enumerate(document.passages):
        around = weights.keys() & (terms_of(passage.chunk.text) | title_terms)
        for s, text in enumerate(passage.chunk.sentence_texts()):
            if len(text.split()) < MIN_WORDS:
                continue  # photo credits and captions ("Ảnh: haiphong.gov.vn") answer nothing
            if not needs.supported_by(text, document.doc_id):
                continue  # another city, a deputy's title, no count of what was asked (rag/support.py)
            found = weights.keys() & with_same_meaning(terms_of(text))  # "chết" finds "tử vong"
            credit = sum(weights[t] for t in found) + CONTEXT_CREDIT * sum(weights[t] for t in around - found)
            overlap = credit / total if total else 0.0
            typed = ANSWER_TYPE_BONUS if shape and shape.search(text) else 0.0
            extra = OVERLAP_WEIGHT * overlap + DOC_WEIGHT * relevance + typed
            evidence = float(passage.sentence_dense[s]) + extra
            score = evidence + PASSAGE_CREDIT * float(passage.dense)
            gate = float(passage.gate_dense[s]) + extra
            out.append(Candidate(score, rank, document, p, s, evidence, gate, relevance))
    return out


def _sentence(c: Candidate) -> str:
    return c.document.passages[c.passage_index].chunk.sentence_texts()[c.sentence_index]


def _select(candidates: list[Candidate]) -> list[Candidate]:
    """The best sentence and close runners-up, at most two per article; the best sentence of each
    article that retrieval ranks close to the best one (RIVAL_RELEVANCE) comes first.

    Taking one sentence per close article before a second from any lets articles that disagree
    (two directors named at two dates) both be quoted; an article retrieval ranks well below the
    best only gets a quote left over by the best article's runners-up (on XQuAD-vi's even half,
    one per article for every article: answer in quotes 0.838 vi, 0.687 en; close articles only:
    0.860, 0.727, the same number of quotes).
    """
    close = [c for c in candidates if c.score >= candidates[0].score - MARGIN]
    chosen: list[Candidate] = []
    seen: set[str] = set()
    for rivals_first in (True, False):
        for c in close:
            taken = sum(1 for x in chosen if x.document.doc_id == c.document.doc_id)
            if rivals_first and (taken or c.relevance < RIVAL_RELEVANCE):
                continue
            if len(chosen) < MAX_QUOTES and taken < 2 and _sentence(c) not in seen:
                seen.add(_sentence(c))
                chosen.append(c)
    return chosen


def _citation(n: int, c: Candidate) -> Citation:
    passage = c.document.passages[c.passage_index]
    chunk = passage.chunk
    s, e = chunk.sentences[c.sentence_index]
    return Citation(n, chunk.doc_id, chunk.title, chunk.date, chunk.text, round(c.evidence, 4), chunk.text[s - chunk.start:e - chunk.start],
                    s - chunk.start, e - chunk.start, chunk.chunk_id)


def _date_key(date: str) -> str:
    return "" if date == UNKNOWN_DATE else date


def compose(question: str, language: str, citations: list[Citation], short: ShortAnswer | None = None,
            ) -> Iterator[str]:
    """The answer text, piece by piece (so a UI can stream it): the short answer when there is
    one, then the lead-in and the dated quotes it rests on."""
    labels = LABELS[language]
    if short is not None:
        yield short.text + "\n"
    yield labels["lead"]
    dates = {c.date for c in citations}
    if len(dates) > 1:
        yield " " + labels["dates_differ"]
    for c in sorted(citations, key=lambda c: _date_key(c.date), reverse=True):
        source = labels["undated"] if c.date == UNKNOWN_DATE else labels["dated"].format(date=c.date)
        yield f"\n- {source}: “{c.sentence}” [{c.n}]"


LANGUAGE_NAMES = {"fr": "French", "es": "Spanish", "de": "German", "it": "Italian", "pt": "Portuguese",
                  "nl": "Dutch", "id": "Indonesian", "ms": "Malay", "tl": "Tagalog", "tr": "Turkish",
                  "pl": "Polish", "ro": "Romanian", "sv": "Swedish", "da": "Danish", "no": "Norwegian",
                  "fi": "Finnish", "cs": "Czech", "hu": "Hungarian", "sw": "Swahili", "non-Latin": "a non-Latin script"}


def refusal(retrieval: Retrieval) -> str | None:
    """Why the question asks the articles nothing (a note for the reader), "" when that is plain
    (a greeting, question words only), None when it may be answered.

    A question in a third language, a greeting, a string of nonsense or a command ("Ignore
    previous instructions…", an SQL string) still lands near some sentence in meaning, and
    nonsense even scores high; quoting it would be a confident wrong answer. When none of its
    words (letters, not numbers) occurs in any article, directly or through the glossary, only
    the model places it: then it must read as a question and hold a word the model knows.
    """
    question = retrieval.parsed
    if question.foreign:
        name = LANGUAGE_NAMES.get(question.foreign, question.foreign)
        return f"the question seems to be in {name}; questions are answered in Vietnamese or English"
    if not question.content or question.small_talk_only:
        return ""
    if any(not term.isdigit() for term in retrieval.known_terms):
        return None
    if not question.asks:
        return "this does not read as a question, and none of its words occurs in the articles"
    if not retrieval.model_knows_a_word:
        return "none of the question's words occurs in the articles or is a word the model knows"
    return None


def _with_spans(retrieval: Retrieval, chosen: list[Candidate],
                candidates: list[Candidate]) -> tuple[list[Candidate], dict[int, object]]:
    """The quotes to keep and the span each holds. For a question asking a name, date, number or
    place whose best sentence holds one, the quotes that hold one are kept and the others dropped
    (a vice-chairman who "assigned tasks to the police" does not answer "who leads the police").
    When the best sentence holds none, the question may ask something else ("signed a pledge
    with whom?" → "with the director of Hanoi police"): all quotes are kept, and a span only
    comes from the runners-up that hold one (on XQuAD-vi's first half, answered 0.83 → 0.91 of
    the Vietnamese fact questions, F1 0.499 → 0.520).

    For a question asking what a named person is, when no chosen quote writes their post, the
    best of the next candidates that does is quoted first: "Who is Bui Quang Binh?" is quoted the
    sentences most like the question ("Thiếu tướng Bùi Quang Bình nhấn mạnh …"), while the answer
    is "Thiếu tướng Bùi Quang Bình, Giám đốc Công an TP.Hải Phòng, đã kêu gọi …"."""
    question, needs = retrieval.parsed, retrieval.requirements
    terms = question_terms(question, retrieval.term_weights)

    def span(c: Candidate) -> object:
        return find_span(_sentence(c), question, needs, terms, [p.chunk.text for p in c.document.passages])
    found = {id(c): span(c) for c in chosen}
    if not any(found.values()) and asks_role(question, needs):
        for c in candidates[:POST_CANDIDATES]:
            if id(c) not in found and (post := span(c)):
                chosen, found[id(c)] = [c, *chosen[:MAX_QUOTES - 1]], post
                break
    if not found.get(id(chosen[0])):
        return chosen, found
    return [c for c in chosen if found[id(c)]], found


def extractive_answer(retrieval: Retrieval, language: str, threshold: float) -> Answer:
    """Quote and cite the best sentences, or abstain when the best one is below `threshold`."""
    doc_ids = [d.doc_id for d in retrieval.documents]
    why_not = refusal(retrieval)
    # A name no article contains ("Đà Nẵng") means none can answer, however close the wording.
    candidates = _candidates(retrieval) if why_not is None and not retrieval.requirements.unknown_name else []
    # Question terms that no article contains (a city the articles never name) count against.
    evidence = (max(c.gate for c in candidates) if candidates else 0.0) - UNKNOWN_PENALTY * retrieval.unknown_share
    if not candidates or evidence < threshold:
        name = retrieval.requirements.unknown_name
        text = LABELS[language]["abstain_name"].format(name=name) if name else LABELS[language]["abstain"]
        return Answer(retrieval.question, text, language, True, retrieved_doc_ids=doc_ids, evidence=evidence,
                      notes=[why_not] if why_not else [])
    chosen, found = _with_spans(retrieval, _select(candidates), candidates)
    # Number citations in the order they are shown (newest article first).
    shown = sorted(chosen, key=lambda c: _date_key(c.document.date), reverse=True)
    citations = [_citation(n, c) for n, c in enumerate(shown, 1)]
    vietnamese = retrieval.parsed.vietnamese
    kind = "role" if asks_role(retrieval.parsed, retrieval.requirements) else retrieval.parsed.kind or ""
    spans = [Span(found[id(c)].value, found[id(c)].shown, citation.n, citation.doc_id, citation.date,
                  c.score + SPAN_FIT * (found[id(c)].fit if vietnamese else -found[id(c)].against), kind)
             for c, citation in zip(shown, citations) if found.get(id(c))]
    short = short_answer(spans, language)
    text = "".join(compose(retrieval.question, language, citations, short))
    return Answer(retrieval.question, text, language, False, citations, doc_ids, evidence=evidence, short=short)
