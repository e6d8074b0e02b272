"""BM25 over Vietnamese syllables, in two views: as written and with diacritics folded away.

The accented view is the sharper one for questions typed with diacritics; the folded view is
what still matches "ai la giam doc cong an" (dense retrieval drops from 0.89 to 0.23 hit@1 on
such questions, folded BM25 keeps 0.88: DESIGN.md).
"""

from __future__ import annotations

import re
import json
from dataclasses import dataclass, field
from pathlib import Path

import bm25s
import numpy as np

from rag.glossary import vietnamese_equivalents
from rag.question import Question, parse_question
from rag.text import STOPWORDS, fold, folded_syllables, query_terms, syllables, with_bigrams

_WORD = re.compile(r"\w+")
_LETTERS = re.compile(r"[^\W\d_]+")
NAMES_FILE = "names.json"


def _bm25(tokens: list[list[str]]) -> bm25s.BM25:
    index = bm25s.BM25()
    index.index([t or [""] for t in tokens], show_progress=False)
    return index


def _scores(index: bm25s.BM25, tokens: list[str], n: int) -> np.ndarray:
    ids = index.get_tokens_ids(tokens)
    if not ids:
        return np.zeros(n, dtype=np.float32)
    return np.asarray(index.get_scores(ids), dtype=np.float32)


@dataclass
class LexicalScores:
    accented: np.ndarray
    folded: np.ndarray
    coverage: float    # share of the question's (folded) content syllables found in the corpus
    name_share: float  # share of its capitalised words (names, after the first word) found


def joined_names(texts: list[str]) -> dict[str, str]:
    """Two-syllable names as written in the corpus, keyed as a plain keyboard writes them joined.

    English text writes "Hà Nội" as "Hanoi" and "Việt Nam" as "Vietnam"; neither the model nor
    BM25 links the two forms reliably, so questions get the corpus spelling back.
    """
    names: dict[str, str] = {}
    for text in texts:
        words = list(_LETTERS.finditer(text))
        for a, b in zip(words, words[1:]):
            first, second = a.group(0), b.group(0)
            if first[0].isupper() and second[0].isupper() and text[a.end():b.start()] == " ":
                names.setdefault(fold(first + second).lower(), f"{first} {second}")
    return names


@dataclass
class LexicalIndex:
    accented: bm25s.BM25
    folded: bm25s.BM25
    size: int
    names: dict[str, str] = field(default_factory=dict)

    @classmethod
    def build(cls, texts: list[str]) -> "LexicalIndex":
        return cls(_bm25([with_bigrams(syllables(t)) for t in texts]),
                   _bm25([with_bigrams(folded_syllables(t)) for t in texts]), len(texts),
                   joined_names(texts))

    def spell_names(self, question: str) -> str:
        """Replace joined spellings of corpus names ("Hanoi") with the corpus form ("Hà Nội")."""
        def respell(m: re.Match) -> str:
            word = m.group(0)
            return self.names.get(fold(word).lower(), word) if word[0].isupper() else word
        return _WORD.sub(respell, question)

    def score(self, question: Question | str) -> LexicalScores:
        if isinstance(question, str):
            question = parse_question(question)
        accented = [w.written.lower() for w in question.searched]
        folded = [w.syllable for w in question.searched]
        content = [t for t in folded if t not in STOPWORDS] or folded
        known = sum(1 for t in content if t in self.folded.vocab_dict)
        coverage = known / len(content) if content else 0.0
        names = [w.syllable for w in question.searched if w.capital]
        name_share = sum(n in self.folded.vocab_dict for n in names) / len(names) if names else 0.0
        return LexicalScores(_scores(self.accented, query_terms(accented), self.size),
                             _scores(self.folded, query_terms(folded), self.size),
                             coverage, name_share)

    def chunks_with(self, term: str) -> np.ndarray:
        """Indices of the chunks whose folded text holds `term` (BM25's own postings)."""
        token = self.folded.vocab_dict.get(term)
        if token is None:
            return np.zeros(0, dtype=np.int64)
        indptr = self.folded.scores["indptr"]
        return np.asarray(self.folded.scores["indices"][indptr[token]:indptr[token + 1]])

    def idf(self, term: str) -> float | None:
        """BM25's inverse document frequency of a folded term, None if the corpus lacks it."""
        if term not in self.folded.vocab_dict:
            return None
        df = float(len(self.chunks_with(term)))
        return float(np.log(1 + (self.size - df + 0.5) / (df + 0.5)))

    def term_weights(self, question: Question) -> tuple[dict[str, float], set[str]]:
        """The question's content terms (folded syllables and pairs) weighted by rarity, and
        which of them the corpus lacks.

        A term the corpus lacks gets the highest weight when it can matter: any term of a
        Vietnamese question, or a name in an English one ("Đà Nẵng" in a question about
        articles that never mention it is the sign that they cannot answer it).
        """
        vietnamese = question.vietnamese
        # Capitalised words after the first are names: "Da" in "Da Nang" is not the stopword "đã".
        kept = [(w.syllable, w.capital) for w in question.searched if w.syllable not in STOPWORDS or w.capital]
        terms = kept + [(a + b, na and nb) for (a, na), (b, nb) in zip(kept, kept[1:])]
        if not vietnamese:
            for phrase in vietnamese_equivalents(question.text):
                terms += [(w, False) for w in with_bigrams(phrase)]
        rarest = float(np.log(1 + (self.size + 0.5) / 0.5))
        weights: dict[str, float] = {}
        unknown: set[str] = set()
        for term, is_name in terms:
            idf = self.idf(term)
            if idf is None and (vietnamese or is_name):
                idf = rarest
                unknown.add(term)
            if idf is not None:
                weights[term] = idf
        return weights, unknown

    def save(self, directory: Path) -> None:
        self.accented.save(str(directory / "bm25_accented"))
        self.folded.save(str(directory / "bm25_folded"))
        (directory / NAMES_FILE).write_text(json.dumps(self.names, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, directory: Path, size: int, mmap: bool = False) -> "LexicalIndex":
        accented = bm25s.BM25.load(str(directory / "bm25_accented"), mmap=mmap, show_progress=False)
        folded = bm25s.BM25.load(str(directory / "bm25_folded"), mmap=mmap, show_progress=False)
        for index in (accented, folded):
            if int(index.scores["num_docs"]) != size:
                raise ValueError("lexical index does not match the chunk table")
        names = json.loads((directory / NAMES_FILE).read_text(encoding="utf-8"))
        return cls(accented, folded, size, names)
