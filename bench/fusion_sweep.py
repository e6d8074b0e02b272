"""XQuAD-vi: the retrieval variants tried for issue 11 (third session), on halves A and B of each set.

Parameters are chosen on half A (the first 595 questions of a set) and reported on both halves.
Each question is encoded and scored once; the variants re-fuse those scores, as the retriever does
(z(dense) + weight * z(lexical)), so the rows are comparable to the hybrid rows of bench/xquad.py.

Rows:
- "vi, no diacritics": dense as typed vs with diacritics restored from the index (the retriever's
  way now), how the restoration weighs single syllables and how many spellings it keeps
  (rag/diacritics.py), and the multiplier of the lexical weight for such questions (3 before, 1 now);
- "en→vi": pseudo-relevance feedback, lexical (the Vietnamese terms of the m best passages,
  tf x idf, fed back into folded BM25) and dense (Rocchio: the question vector moved toward the
  m best passage vectors), and a heavier lexical weight.

Usage: python bench/fusion_sweep.py [--index-dir DIR] [--limit N] [--restoration-only]
       (DIR as in xquad.py --quality-only; --restoration-only: how many words come back as written)
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from rag import diacritics  # noqa: E402
from rag.assistant import Assistant, prepare_question  # noqa: E402
from rag.config import Settings  # noqa: E402
from rag.corpus import load_corpus  # noqa: E402
from rag.ingest import index_documents  # noqa: E402
from rag.retrieval import LEXICAL_CANDIDATES, Retriever, _zscore  # noqa: E402
from rag.text import STOPWORDS, fold, folded_syllables, normalize, with_bigrams  # noqa: E402
from xquad import DATA, question_sets  # noqa: E402

FEEDBACK_TERMS = 20
_WORD = re.compile(r"\w+")


class Scorer:
    """Per-question scores over every passage of a small index (XQuAD-vi: 240)."""

    def __init__(self, assistant: Assistant) -> None:
        self.store, self.embedder = assistant.store, assistant.embedder
        self.retriever = Retriever(self.store, self.embedder)
        self.keys = self.store.all_keys()
        self.doc_of = self.store.doc_ids(self.keys)
        # rows of the segments in key order: the index is built fresh (no deleted rows)
        self.passages = np.vstack([np.asarray(s.passages, dtype=np.float32) for s in self.store.segments])
        self.terms = [Counter(with_bigrams(folded_syllables(c.text))) for c in self.store.chunks(self.keys)]

    def dense(self, vector: np.ndarray) -> np.ndarray:
        return self.retriever._dense(vector, self.keys)[0]

    def features(self, text: str) -> dict:
        question = self.retriever.as_searched(prepare_question(text).parsed)
        vector = self.embedder.encode_queries([question.encoded])[0]
        found = self.store.lexical_search(question, LEXICAL_CANDIDATES)
        lexical, weight = self.retriever._lexical(question, found, self.keys)
        out = {"vector": vector, "dense": self.dense(vector), "lexical": lexical, "weight": weight}
        if question.restored:
            out["dense_as_typed"] = self.dense(self.embedder.encode_queries([question.text])[0])
        return out

    def feedback_lexical(self, top: np.ndarray) -> np.ndarray:
        """Folded BM25 of the FEEDBACK_TERMS best terms (tf/length x idf) of the passages `top`."""
        weights: Counter = Counter()
        for i in top:
            length = sum(self.terms[i].values())
            for term, tf in self.terms[i].items():
                if fold(term) not in STOPWORDS and not term.isdigit():
                    weights[term] += tf / length * (self.store.lexical.idf(term) or 0.0)
        terms = [t for t, _ in weights.most_common(FEEDBACK_TERMS)]
        return self.store.lexical._view_scores("folded", terms).at(self.keys)

    def rocchio(self, vector: np.ndarray, top: np.ndarray, beta: float) -> np.ndarray:
        moved = vector + beta * self.passages[top].mean(axis=0)
        return self.dense((moved / np.linalg.norm(moved)).astype(np.float32))

    def metrics(self, scores: np.ndarray, sources: list[str]) -> tuple[float, float]:
        ranked: list[str] = []
        for i in np.argsort(-scores, kind="stable"):
            if self.doc_of[i] not in ranked:
                ranked.append(self.doc_of[i])
            if len(ranked) == 10:
                break
        return float(ranked[0] in sources), next((1 / (r + 1) for r, d in enumerate(ranked) if d in sources), 0.0)


def row(scorer: Scorer, name: str, label: str, scores: list[np.ndarray], questions: list) -> None:
    m = np.array([scorer.metrics(s, q.sources) for s, q in zip(scores, questions)])
    half = len(m) // 2
    a, b = m[:half].mean(axis=0), m[half:].mean(axis=0)
    print(f"| {name} | {label} | {a[0]:.3f} / {a[1]:.3f} | {b[0]:.3f} / {b[1]:.3f} | "
          f"{m[:, 0].mean():.3f} / {m[:, 1].mean():.3f} |", flush=True)


def hybrid(f: dict, dense: np.ndarray | None = None, weight_times: float = 1.0, extra=None, extra_weight=0.0):
    fused = _zscore(f["dense"] if dense is None else dense) + weight_times * f["weight"] * _zscore(f["lexical"])
    return fused + extra_weight * _zscore(extra) if extra is not None else fused


@contextmanager
def restoration(single_weight: float, candidates: int):
    """rag/diacritics.py with other parameters, for the duration of a block."""
    saved = diacritics.SINGLE_WEIGHT, diacritics.CANDIDATES
    diacritics.SINGLE_WEIGHT, diacritics.CANDIDATES = single_weight, candidates
    try:
        yield
    finally:
        diacritics.SINGLE_WEIGHT, diacritics.CANDIDATES = saved


def restoration_accuracy(scorer: Scorer, accented: list, plain: list) -> None:
    """How many words come back exactly as the accented question wrote them, and the time it takes."""
    words = right = 0
    started = time.perf_counter()
    restored = [scorer.retriever.as_searched(prepare_question(q.question).parsed).encoded for q in plain]
    ms = 1000 * (time.perf_counter() - started) / len(plain)
    for guess, truth in zip(restored, accented):
        guessed, written = _WORD.findall(guess.lower()), _WORD.findall(normalize(truth.question).lower())
        if len(guessed) == len(written):
            words += len(written)
            right += sum(g == w for g, w in zip(guessed, written))
    print(f"\nrestored diacritics: {right / words:.3f} of {words} words as the question wrote them; "
          f"{ms:.1f} ms a question (names respelled and diacritics restored, no encoding)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--index-dir", type=Path, default=None)
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--restoration-only", action="store_true", help="only the restored words' accuracy and time")
    args = parser.parse_args()
    sets = question_sets(args.limit)
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings.from_env().with_index_dir(args.index_dir or Path(tmp) / "index")
        if not (settings.index_dir / "CURRENT").exists():
            index_documents(load_corpus([DATA / "corpus.jsonl"]).documents, settings, [str(DATA)], rebuild=True)
        scorer = Scorer(Assistant.open(settings=settings))
        restoration_accuracy(scorer, sets["vi"], sets["vi, no diacritics"])
        if args.restoration_only:
            return
        print("\n| questions | variant | half A hit@1 / MRR | half B hit@1 / MRR | all hit@1 / MRR |")
        print("|---|---|---|---|---|")
        plain = sets["vi, no diacritics"]
        feats = [scorer.features(q.question) for q in plain]
        row(scorer, "vi, no diacritics", "dense, as typed", [f["dense_as_typed"] for f in feats], plain)
        row(scorer, "vi, no diacritics", "dense, diacritics restored", [f["dense"] for f in feats], plain)
        row(scorer, "vi, no diacritics", "hybrid, as typed, lexical x3 (before)",
            [hybrid(f, f["dense_as_typed"], 3.0) for f in feats], plain)
        for single, candidates in ((0.3, 6), (1.0, 6), (0.1, 6), (0.1, 10)):
            with restoration(single, candidates):
                dense = [scorer.features(q.question)["dense"] for q in plain]
            row(scorer, "vi, no diacritics", f"restored, single-syllable weight {single}, {candidates} spellings: dense",
                dense, plain)
            row(scorer, "vi, no diacritics", f"restored, single-syllable weight {single}, {candidates} spellings: hybrid",
                [hybrid(f, d) for f, d in zip(feats, dense)], plain)
        for times in (0.5, 1.0, 1.5, 2.0, 3.0):
            row(scorer, "vi, no diacritics", f"hybrid, restored, lexical x{times:g}", [hybrid(f, None, times) for f in feats], plain)
        english = sets["en→vi"]
        feats = [scorer.features(q.question) for q in english]
        row(scorer, "en→vi", "dense", [f["dense"] for f in feats], english)
        row(scorer, "en→vi", "hybrid (now)", [hybrid(f) for f in feats], english)
        row(scorer, "en→vi", "hybrid, lexical weight +0.1", [_zscore(f["dense"]) + (f["weight"] + 0.1) * _zscore(f["lexical"])
                                                            for f in feats], english)
        for m in (1, 2, 3):
            tops = [np.argsort(-hybrid(f))[:m] for f in feats]
            feedback = [scorer.feedback_lexical(top) for top in tops]
            for w in (0.1, 0.2):
                row(scorer, "en→vi", f"+ lexical feedback, {m} passages, weight {w}",
                    [hybrid(f, extra=fb, extra_weight=w) for f, fb in zip(feats, feedback)], english)
            for beta in (0.3, 0.5):
                row(scorer, "en→vi", f"dense feedback (Rocchio), {m} passages, beta {beta}",
                    [hybrid(f, scorer.rocchio(f["vector"], top, beta)) for f, top in zip(feats, tops)], english)


if __name__ == "__main__":
    main()
