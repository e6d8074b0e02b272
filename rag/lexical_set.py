"""BM25 over several segments scored as one corpus, touching only the postings of the question.

Each segment keeps its own bm25s index, whose stored scores carry that segment's idf. A term
rare in a one-article segment but common overall would be over-ranked there, and a one-article
segment's idf is too small to rank at all; so each posting's score is rescaled by
idf(global) / idf(segment), with document frequencies summed over segments (Lucene's answer:
statistics of the whole index, not of one segment).

A question costs the postings of its terms, not a score per chunk: the scores are summed over
those postings only, and the top-k come from that sparse sum. Syllables found in more than
COMMON_SHARE of a large corpus ("của", "là"; their idf is small) are left out of the candidate
search, so a question's cost does not grow with the corpus.
"""

from __future__ import annotations

from collections import ChainMap
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from rag.lexical import LexicalIndex
from rag.store import LexicalCandidates, SparseScores

if TYPE_CHECKING:
    from rag.question import Question
from rag.text import STOPWORDS, query_terms

COMMON_SHARE = 0.02        # a term in more than this share of chunks is too common to search by…
COMMON_MIN_POSTINGS = 5_000  # …once its postings are this long (never on a small corpus)


def _idf(df: float, n: float) -> float:
    """bm25s's "lucene" idf, the one its stored scores carry."""
    return float(np.log(1 + (n - df + 0.5) / (df + 0.5)))


@dataclass
class _Part:
    lexical: LexicalIndex
    base: int                  # key of the segment's first chunk
    dead: np.ndarray | None    # tombstoned rows


class _AnyVocabulary:
    """`term in vocabulary` over every segment's folded vocabulary."""

    def __init__(self, parts: list[_Part]) -> None:
        self._vocabs = [p.lexical.folded.vocab_dict for p in parts]

    def __contains__(self, term: object) -> bool:
        return any(term in v for v in self._vocabs)


class SegmentedLexical:
    """The lexical side of a multi-segment index, with the methods retrieval uses."""

    # The question-side logic is LexicalIndex's own; it needs only `names`, `idf` and `size`.
    spell_names = LexicalIndex.spell_names
    term_weights = LexicalIndex.term_weights

    def __init__(self, parts: list[tuple[LexicalIndex, int, np.ndarray | None]]) -> None:
        self.parts = [_Part(*p) for p in parts]
        self.size = sum(p.lexical.size for p in self.parts)
        self.names = ChainMap(*[p.lexical.names for p in reversed(self.parts)])  # newest spelling first
        self.vocabulary = _AnyVocabulary(self.parts)

    def _postings(self, view: str, term: str) -> list[tuple[_Part, np.ndarray, np.ndarray]]:
        out = []
        for part in self.parts:
            index = getattr(part.lexical, view)
            token = index.vocab_dict.get(term)
            if token is None:
                continue
            lo, hi = int(index.scores["indptr"][token]), int(index.scores["indptr"][token + 1])
            out.append((part, np.asarray(index.scores["indices"][lo:hi]), np.asarray(index.scores["data"][lo:hi])))
        return out

    def df(self, term: str, view: str = "folded") -> int:
        return sum(len(rows) for _, rows, _ in self._postings(view, term))

    def idf(self, term: str) -> float | None:
        """Global BM25 idf of a folded term, None if no segment has it."""
        df = self.df(term)
        return _idf(df, self.size) if df else None

    def chunks_with(self, term: str) -> np.ndarray:
        """Keys of the live chunks whose folded text holds `term`."""
        keys = [part.base + rows[~part.dead[rows]] if part.dead is not None else part.base + rows
                for part, rows, _ in self._postings("folded", term)]
        return np.concatenate(keys).astype(np.int64) if keys else np.zeros(0, dtype=np.int64)

    def _view_scores(self, view: str, terms: list[str]) -> SparseScores:
        """Sum of rescaled BM25 scores per key, over the postings of `terms` (repeats count)."""
        common = max(COMMON_MIN_POSTINGS, COMMON_SHARE * self.size)
        per_part: dict[int, tuple[list[np.ndarray], list[np.ndarray]]] = {}
        for term in terms:
            postings = self._postings(view, term)
            df = sum(len(rows) for _, rows, _ in postings)
            if not df or df > common:
                continue
            idf = _idf(df, self.size)
            for part, rows, data in postings:
                n = getattr(part.lexical, view).scores["num_docs"]
                rows_list, values = per_part.setdefault(id(part), ([], []))
                rows_list.append(rows)
                values.append(data.astype(np.float64) * (idf / _idf(len(rows), n)))
        keys, scores = [], []
        for part in self.parts:
            if id(part) not in per_part:
                continue
            rows_list, values = per_part[id(part)]
            # A dense accumulator over the segment: linear in its size, cheaper than sorting postings.
            sums = np.bincount(np.concatenate(rows_list), np.concatenate(values), minlength=part.lexical.size)
            if part.dead is not None:
                sums[part.dead] = 0.0
            hit = np.flatnonzero(sums)
            keys.append(part.base + hit)
            scores.append(sums[hit].astype(np.float32))
        if not keys:
            return SparseScores()
        return SparseScores(np.concatenate(keys).astype(np.int64), np.concatenate(scores))

    def search(self, question: "Question", k: int) -> LexicalCandidates:
        """The k best chunks of each view, every matching chunk's scores, and the coverage
        (the same query terms and coverage as LexicalIndex.score)."""
        accented = [w.written.lower() for w in question.words]
        folded = question.folded
        content = [t for t in folded if t not in STOPWORDS] or folded
        known = sum(1 for t in content if t in self.vocabulary)
        coverage = known / len(content) if content else 0.0
        names = [w.syllable for w in question.words if w.capital]
        name_share = sum(n in self.vocabulary for n in names) / len(names) if names else 0.0
        accented_scores = self._view_scores("accented", query_terms(accented))
        folded_scores = self._view_scores("folded", query_terms(folded))
        top = np.union1d(accented_scores.top(k), folded_scores.top(k)).astype(np.int64)
        return LexicalCandidates(top, accented_scores, folded_scores, coverage, name_share)
