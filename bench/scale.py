"""Scale: one synthetic corpus of N passages, measured the way a newsroom would use it.

The corpus is built without the encoder, from XQuAD-vi's real sentences and real vectors:
- a passage is a run of 3-6 sentences drawn from one or two XQuAD passages; its vector is the
  normalised mean of the real vectors of its sentences and of its source passage, plus small
  Gaussian noise; each sentence vector is its real vector plus smaller noise. The vectors keep
  the structure of real e5 embeddings (on i.i.d. random vectors every ANN index looks broken);
- four passages make an article;
- questions are real XQuAD questions (Vietnamese and English), with their real query vectors.
The real vectors are encoded once and cached in bench/out/ (git-ignored).

Printed, one table for the size: build time (encoding excluded), bytes on disk, open time,
resident memory after open, `ask` p50/p95 over 200 questions (retrieval + answer, and with
query encoding), query encoding alone, dense recall@10 against exact search, time and bytes
written to add one 600-word article and to remove one.

Usage: python bench/scale.py --passages N [--json OUT] [--keep DIR]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rag.config import Settings  # noqa: E402
from rag.embedding import load_embedder  # noqa: E402
from rag.text import split_sentences  # noqa: E402

DATA = ROOT / "bench" / "data" / "xquad-vi"
CACHE = ROOT / "bench" / "out" / "scale-vectors.npz"
QUESTIONS = 200
PASSAGES_PER_ARTICLE = 4
PASSAGE_NOISE = 0.25
SENTENCE_NOISE = 0.10
SEED = 8


def _rng() -> np.random.Generator:
    return np.random.default_rng(SEED)


def real_vectors(settings: Settings) -> dict:
    """XQuAD-vi sentences, passage and question vectors from the real model (cached)."""
    if CACHE.is_file():
        with np.load(CACHE, allow_pickle=False) as cached:
            return {k: cached[k] for k in cached.files}
    rows = [json.loads(line) for line in (DATA / "corpus.jsonl").read_text(encoding="utf-8").splitlines() if line]
    sentences, owner = [], []
    for i, row in enumerate(rows):
        for s in split_sentences(row["text"]):
            sentences.append(s.text)
            owner.append(i)
    questions = []
    for name in ("queries_vi.jsonl", "queries_en.jsonl"):
        lines = (DATA / name).read_text(encoding="utf-8").splitlines()
        questions += [json.loads(line)["question"] for line in lines[:QUESTIONS // 2]]
    embedder = load_embedder(settings)
    out = {
        "titles": np.array([r.get("title", "") for r in rows]),
        "sentences": np.array(sentences),
        "sentence_owner": np.array(owner, dtype=np.int64),
        "sentence_vectors": embedder.encode_passages(sentences),
        "passage_vectors": embedder.encode_passages([r["text"] for r in rows]),
        "questions": np.array(questions),
        "question_vectors": embedder.encode_queries(questions),
    }
    CACHE.parent.mkdir(parents=True, exist_ok=True)
    np.savez(CACHE, **out)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--passages", type=int, default=10_000)
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--prepare", action="store_true", help="only encode and cache the real vectors")
    args = parser.parse_args()
    settings = Settings.from_env()
    real = real_vectors(settings)
    if args.prepare:
        print({k: v.shape for k, v in real.items()})
        return


if __name__ == "__main__":
    main()
