"""Short answers read by the configured LLM out of the quotes (RAG_LLM_SHORT_ANSWERS=1), on XQuAD-vi.

For a seeded sample of XQuAD-vi's who / when / how-many / where questions, per language: the F1
of the span finder's short answer (rag/short_answer.py), of the answer with the LLM's phrase
(rag/llm_short_answer.py, the product path: the phrase is kept only when a quote holds it), and
of an oracle keeping whichever of the two scores higher: what any rule choosing between them
could reach at best. Also how many short answers the LLM changed and its seconds per call.

Usage: RAG_LLM=llamacpp RAG_LLM_GGUF=model.gguf python bench/llm_short_answers.py --index-dir DIR [--per-language N]
       (or RAG_LLM=openai with RAG_LLM_BASE_URL / RAG_LLM_MODEL); DIR is an XQuAD-vi index
       (built there when missing, as bench/xquad.py does)
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rag.answer import extractive_answer  # noqa: E402
from rag.assistant import Assistant  # noqa: E402
from rag.evaluation import load_questions, short_answer_scores  # noqa: E402
from rag.generation import Generator  # noqa: E402
from rag.llm_short_answer import FACT_KINDS, with_llm_short_answer  # noqa: E402
from rag.question import parse_question  # noqa: E402
from translation import DATA, llm_over_xquad  # noqa: E402  (bench/translation.py: the same setup)

SETS = {"vi": "queries_vi.jsonl", "en→vi": "queries_en.jsonl"}


def sample(name: str, per_language: int) -> list:
    questions = [q for q in load_questions(DATA / SETS[name])
                 if q.answerable and parse_question(q.question).kind in FACT_KINDS]
    random.Random(7).shuffle(questions)
    return questions[:per_language]


def value(answer) -> str | None:
    return answer.short.value if answer.short is not None else None


def score(assistant: Assistant, generator: Generator, questions: list) -> dict[str, float]:
    spans, with_llm, oracle, seconds, changed = [], [], [], [], 0
    for q in questions:
        retrieval = assistant.retrieve(q.question)
        language = retrieval.parsed.language
        answer = extractive_answer(retrieval, language, assistant.settings.abstain_thresholds[language])
        started = time.perf_counter()
        read = with_llm_short_answer(generator, retrieval.parsed, answer)
        seconds.append(time.perf_counter() - started)
        before, after = short_answer_scores(answer, q)["f1"], short_answer_scores(read, q)["f1"]
        changed += value(read) != value(answer)
        spans.append(before)
        with_llm.append(after)
        oracle.append(max(before, after))
    n = len(questions)
    return {"n": n, "span finder": sum(spans) / n, "with the LLM": sum(with_llm) / n, "best of both": sum(oracle) / n,
            "changed": changed, "s per LLM call": sum(seconds) / n}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--index-dir", type=Path, required=True, help="built here once, then reused")
    parser.add_argument("--per-language", type=int, default=200)
    args = parser.parse_args()
    settings, generator = llm_over_xquad(args.index_dir)
    assistant = Assistant.open(settings=replace(settings, llm="none"))  # quotes; the LLM reads them below
    rows = {name: score(assistant, generator, sample(name, args.per_language)) for name in SETS}
    columns = ("span finder", "with the LLM", "best of both")
    print(f"\nShort-answer F1, XQuAD-vi who / when / how many / where, {generator.backend.name}\n")
    print("| questions | n | " + " | ".join(columns) + " | short answers changed | LLM s per question |")
    print("|---|---|" + "---|" * (len(columns) + 2))
    for name, row in rows.items():
        print(f"| {name} | {row['n']} | " + " | ".join(f"{row[c]:.3f}" for c in columns)
              + f" | {row['changed']} | {row['s per LLM call']:.2f} |")


if __name__ == "__main__":
    main()
