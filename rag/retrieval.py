"""Hybrid retrieval: dense (passage + best sentence) fused with two-view BM25, ranked per document.

Plain reciprocal-rank fusion lifts Vietnamese questions but drags English ones far below dense
alone (0.77 → 0.45–0.58 hit@1, DESIGN.md), because BM25 over Vietnamese text is noise for an
English question. So the lexical side is weighted by how much of the question's wording exists
in the corpus.

A Vietnamese question typed without diacritics is encoded with its diacritics put back from the
index's own words (rag/diacritics.py): the encoder reads unaccented Vietnamese poorly (dense hit@1
0.29 on XQuAD-vi questions stripped of them, 0.91 restored). Before restoring, the lexical side
was weighted three times higher for such questions; with restored questions the plain weight
ranks best (docs/benchmarks.md, issue 11, third session).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from rag.chunking import Chunk
from rag.diacritics import restore_diacritics
from rag.embedding import Embedder
from rag.store import LexicalCandidates, Store
from rag.support import Requirements, requirements
from rag.question import Question, parse_question, question_words
from rag.text import STOPWORDS, respell_variants

# Fusion constants, chosen on XQuAD-vi (bench/fusion_sweep.py prints the variants; docs/benchmarks.md).
PASSAGE_WEIGHT = 0.5        # dense chunk score = w * passage vector + (1 - w) * best sentence
FOLDED_WEIGHT = 0.5         # accented questions: lexical = accented BM25 + w * folded BM25
LEXICAL_WEIGHT = 0.5        # z(dense) + weight * z(lexical), weight = LEXICAL_WEIGHT * coverage^4
COVERAGE_POWER = 4.0        #   + NAME_WEIGHT * share of the question's names found in the corpus
NAME_WEIGHT = 0.1
# Candidates: the dense top-k and the lexical top-k; fusion and sentence scoring run on those
# only, so a question costs the same on 10k chunks as on 1M. An index this small scores every
# chunk (exactly what it did before candidates existed).
DENSE_CANDIDATES = 200
LEXICAL_CANDIDATES = 200
SCORE_ALL_UP_TO = 2048
# How many of the best article's passages are kept: its best `passages_per_document` for quoting,
# the others (DocumentHit.further) in case those hold no sentence of the kind asked; a long
# article's answer may sit in a passage less like the question as a whole. Quoting from all of
# them at once lowered answer-in-quotes on XQuAD-vi's joined articles (vi 0.869 → 0.868, en→vi
# 0.682 → 0.677).
BEST_DOCUMENT_PASSAGES = 12
# A word the model knows is one piece of its vocabulary, or a few long ones ("declare|d");
# gibberish splits into short pieces ("as|d|f|gh": 1.5 characters a piece, "xxx|xx|xxx…": 2.9).
MIN_CHARS_PER_PIECE = 3.5


@dataclass
class PassageHit:
    """A chunk with its scores; `sentence_dense` is cosine(question, sentence) per sentence.

    `asked_dense` is the same for the question as asked, without an LLM's translation
    (rag/translation.py): the abstention thresholds were calibrated on it, so refusals read it
    while the translation helps rank. None when there was no translation (then it equals
    `sentence_dense`)."""

    chunk_index: int
    chunk: Chunk
    score: float
    dense: float
    lexical: float
    sentence_dense: np.ndarray
    asked_dense: np.ndarray | None = None

    @property
    def gate_dense(self) -> np.ndarray:
        return self.sentence_dense if self.asked_dense is None else self.asked_dense


@dataclass
class DocumentHit:
    doc_id: str
    score: float
    passages: list[PassageHit]  # best first
    # The best article's next passages (up to BEST_DOCUMENT_PASSAGES in all): quoted from only when
    # its best ones hold no sentence that meets the question's requirements (rag/answer.py).
    further: list[PassageHit] = field(default_factory=list)

    @property
    def title(self) -> str:
        return self.passages[0].chunk.title

    @property
    def date(self) -> str:
        return self.passages[0].chunk.date


@dataclass
class Retrieval:
    parsed: Question                # the question as searched (names respelled as the corpus writes them)
    documents: list[DocumentHit]
    query_vector: np.ndarray
    term_weights: dict[str, float]  # the question's content terms and their rarity (see lexical)
    unknown_share: float = 0.0      # share of that weight on terms no article contains
    known_terms: frozenset[str] = frozenset()  # the question's terms some article contains
    model_knows_a_word: bool = True  # some content word is one piece of the model's vocabulary
    requirements: Requirements = field(default_factory=Requirements)  # what an answer must hold

    @property
    def question(self) -> str:
        return self.parsed.text


def _zscore(values: np.ndarray) -> np.ndarray:
    std = float(values.std())
    if std < 1e-9:
        return np.zeros_like(values)
    return (values - float(values.mean())) / std


def _summed(vectors: np.ndarray) -> np.ndarray:
    """One unit query vector from the question's encodings (one, or the question and its
    translation: rag/translation.py)."""
    if len(vectors) == 1:
        return vectors[0]
    total = vectors.sum(axis=0)
    return (total / np.linalg.norm(total)).astype(vectors.dtype)


@dataclass
class Retriever:
    store: Store
    embedder: Embedder
    mode: str = "hybrid"  # "hybrid", "dense" or "lexical" (the last two for benchmarks)

    def _candidates(self, query: np.ndarray, lexical: LexicalCandidates) -> np.ndarray:
        if self.store.n_chunks <= SCORE_ALL_UP_TO:
            return self.store.all_keys()
        dense_keys, _ = self.store.dense_search(query, DENSE_CANDIDATES)
        return np.union1d(dense_keys, lexical.keys).astype(np.int64)

    def _dense(self, query: np.ndarray, keys: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
        """Per candidate: fused dense score, and the cosine of each of its sentences."""
        passage = self.store.passage_similarity(query, keys)
        sentences = self.store.sentence_similarities(query, keys)
        best_sentence = np.array([s.max() if len(s) else p for s, p in zip(sentences, passage)], dtype=np.float32)
        return PASSAGE_WEIGHT * passage + (1 - PASSAGE_WEIGHT) * best_sentence, sentences

    def _lexical(self, question: Question, found: LexicalCandidates, keys: np.ndarray) -> tuple[np.ndarray, float]:
        """Lexical scores per candidate and how much to trust them for this question."""
        folded = found.folded.at(keys)
        lexical = found.accented.at(keys) + FOLDED_WEIGHT * folded if question.accented else folded
        weight = LEXICAL_WEIGHT * found.coverage ** COVERAGE_POWER + NAME_WEIGHT * found.name_share
        return lexical, weight

    def search(self, question: Question | str, k_documents: int = 5, passages_per_document: int = 3) -> Retrieval:
        """Rank documents for a question (parsed once here when given as text)."""
        with self.store.snapshot():  # every read of one question sees one committed state
            return self._search(question, k_documents, passages_per_document)

    def as_searched(self, question: Question) -> Question:
        """The question as this index reads it: names in the corpus spelling ("Hanoi" → "Hà Nội"),
        words the articles spell another way in their spelling ("gam" → "gram"),
        and, typed in Vietnamese without diacritics, the diacritics put back for the encoder."""
        vocabulary = self.store.vocabulary
        respelled = respell_variants(self.store.spell_names(question.text), vocabulary.__contains__)
        if respelled != question.text:
            question = replace(question, text=respelled, words=question_words(respelled))
        if question.vietnamese and not question.accented and self.store.n_chunks:
            question = replace(question, restored=restore_diacritics(question.text, self.store.accented_df))
        return question

    def _search(self, question: Question | str, k_documents: int, passages_per_document: int) -> Retrieval:
        question = self.as_searched(parse_question(question) if isinstance(question, str) else question)
        vectors = self.embedder.encode_queries(question.encoder_texts)
        query = _summed(vectors)
        if not self.store.n_chunks:
            return Retrieval(question, [], query, {})  # an empty index answers nothing
        found = self.store.lexical_search(question, LEXICAL_CANDIDATES)
        keys = self._candidates(query, found)
        dense, sentence_dense = self._dense(query, keys)
        lexical, weight = self._lexical(question, found, keys)
        if self.mode == "dense":
            fused = dense
        elif self.mode == "lexical":
            fused = lexical
        else:
            fused = _zscore(dense) + weight * _zscore(lexical)
        order = np.argsort(-fused, kind="stable")
        doc_of = self.store.doc_ids(keys)
        picked: dict[str, list[int]] = {}
        best = doc_of[order[0]] if len(order) else None
        for i in order:
            doc = picked.get(doc_of[i])
            if doc is None:
                if len(picked) >= k_documents:
                    continue
                picked[doc_of[i]] = [int(i)]
            elif len(doc) < (BEST_DOCUMENT_PASSAGES if doc_of[i] == best else passages_per_document):
                doc.append(int(i))
        shown = [i for positions in picked.values() for i in positions]
        chunks = dict(zip(shown, self.store.chunks(keys[shown])))
        asked = dict(zip(shown, self.store.sentence_similarities(vectors[0], keys[shown]))) if len(vectors) > 1 else {}
        def hit(i: int) -> PassageHit:
            return PassageHit(int(keys[i]), chunks[i], float(fused[i]), float(dense[i]), float(lexical[i]),
                              sentence_dense[i], asked.get(i))
        documents = [DocumentHit(doc_id, float(fused[positions[0]]), [hit(i) for i in positions[:passages_per_document]],
                                 [hit(i) for i in positions[passages_per_document:]])
                     for doc_id, positions in picked.items()]
        weights, unknown = self.store.term_weights(question)
        total = sum(weights.values())
        unknown_share = sum(weights[t] for t in unknown) / total if total else 0.0
        needs = requirements(question, self.store.names, self.store.vocabulary, self.store.documents_with,
                             self.store.accented_df)
        known = frozenset(weights.keys() - unknown)
        return Retrieval(question, documents, query, weights, unknown_share, known,
                         requirements=needs,
                         model_knows_a_word=any(not t.isdigit() for t in known) or self._model_knows_a_word(question))

    def _model_knows_a_word(self, question: Question) -> bool:
        """Does the model's vocabulary hold one of the question's content words whole? Gibberish
        ("asdfgh qwerty", "xxxxxxxx") falls apart into pieces; words of any language it read do not."""
        words = [w.written.lower() for w in question.searched if w.syllable not in STOPWORDS and not w.syllable.isdigit()]
        for word in words:
            pieces = self.embedder.word_pieces(word)
            if len(pieces) == 1 or len(word) / max(1, len(pieces)) >= MIN_CHARS_PER_PIECE:
                return True
        return False
