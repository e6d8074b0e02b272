"""Calibrate the abstention threshold on XQuAD-vi with passages held out of the index.

A quarter of the passages (fixed seed) is left out of the index; their questions become
questions the articles cannot answer, the rest stay answerable. For each threshold the table
shows how many unanswerable questions would be abstained and how many answerable ones wrongly;
the chosen threshold, per question language (English questions carry less lexical evidence
against Vietnamese text, so their scores sit lower), is the highest one that wrongly abstains
on at most 5 % of answerable questions. Put them in rag/config.py DEFAULT_ABSTAIN_THRESHOLDS.

Usage: python bench/calibrate_abstention.py [--limit N]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rag.assistant import Assistant  # noqa: E402
from rag.config import Settings  # noqa: E402
from rag.corpus import load_corpus  # noqa: E402
from rag.evaluation import load_questions  # noqa: E402
from rag.ingest import index_documents  # noqa: E402

DATA = ROOT / "bench" / "data" / "xquad-vi"
HELD_OUT_SHARE = 0.25
MAX_WRONG = 0.05


def evidences(assistant: Assistant, questions: list, held_out: set[str]) -> tuple[np.ndarray, np.ndarray]:
    answerable, unanswerable = [], []
    for q in questions:
        evidence = assistant.ask(q.question).evidence
        (unanswerable if q.sources[0] in held_out else answerable).append(evidence)
    return np.array(answerable), np.array(unanswerable)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--limit", type=int, default=None)
    args = parser.parse_args()
    documents = load_corpus([DATA / "corpus.jsonl"]).documents
    rng = random.Random(7)
    held_out = set(rng.sample([d.doc_id for d in documents], int(len(documents) * HELD_OUT_SHARE)))
    questions = (load_questions(DATA / "queries_vi.jsonl")[:args.limit]
                 + load_questions(DATA / "queries_en.jsonl")[:args.limit])
    with tempfile.TemporaryDirectory() as tmp:
        settings = replace(Settings.from_env().with_index_dir(Path(tmp)), abstain_thresholds={"vi": float("-inf"), "en": float("-inf")})
        index_documents([d for d in documents if d.doc_id not in held_out], settings, [str(DATA)])
        assistant = Assistant.open(settings=settings)
        by_lang = {lang: evidences(assistant, [q for q in questions if q.lang == lang], held_out)
                   for lang in ("vi", "en")}
    print(f"\nAbstention calibration on XQuAD-vi, {len(held_out)} of {len(documents)} passages held out\n")
    for lang, (ok, no) in by_lang.items():
        chosen = float(np.quantile(ok, MAX_WRONG))
        print(f"{lang}: {len(ok)} answerable, {len(no)} unanswerable questions")
        print("| threshold | unanswerable abstained | answerable wrongly abstained |\n|---|---|---|")
        grid = sorted({round(t, 2) for t in np.linspace(np.quantile(ok, 0.01), np.quantile(ok, 0.2), 8)} | {round(chosen, 3)})
        for t in grid:
            print(f"| {t:.3f} | {np.mean(no < t):.3f} | {np.mean(ok < t):.3f} |")
        print(f"chosen {lang} threshold (≤ {MAX_WRONG:.0%} answerable wrongly abstained): {chosen:.3f}\n")

if __name__ == "__main__":
    main()
