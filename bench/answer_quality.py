"""Generated-answer quality with the configured LLM (RAG_LLM, …) on eval/seeds.jsonl.

Prints one markdown table, overall and per language:
- expected: share of answerable questions whose answer text contains an expected string;
- kept: share of non-abstained answers where the LLM's own answer was kept (it cited at least one
  passage, so no extractive fallback); citations valid: share of the LLM's outputs in which every
  [n] marker named a passage that was given;
- abstained: unanswerable questions abstained on, and answerable ones wrongly abstained on;
- time to first token and tokens per second (streamed pieces / time after the first), medians.
With RAG_LLM unset it measures the extractive answerer, as a baseline.

Usage: RAG_LLM=llamacpp RAG_LLM_GGUF=/path/model.gguf python bench/answer_quality.py [QUESTIONS]
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rag.answer import Answer  # noqa: E402
from rag.assistant import Assistant  # noqa: E402
from rag.config import Settings  # noqa: E402
from rag.evaluation import EvalQuestion, load_questions  # noqa: E402
from rag.ingest import ingest  # noqa: E402
from rag.text import normalize  # noqa: E402

QUESTIONS = ROOT / "eval" / "seeds.jsonl"
FALLBACK = "extractive answer shown"
INVALID = "removed citations naming no passage"


@dataclass
class Run:
    question: EvalQuestion
    answer: Answer
    first_token: float  # seconds from asking to the first streamed piece
    pieces_per_second: float
    llm: bool
    streamed: str  # what the user saw stream (the LLM's text, before any fallback)

    @property
    def generated(self) -> bool:
        return self.llm and not self.answer.abstained and not any(FALLBACK in n for n in self.answer.notes)

    @property
    def asked_llm(self) -> bool:
        """False when no LLM is configured or the evidence gate abstained before asking it."""
        return self.llm and not (self.answer.abstained and not self.streamed.strip())

    @property
    def citations_valid(self) -> bool:
        return not any(INVALID in n for n in self.answer.notes)

    @property
    def expected_found(self) -> bool:
        text = normalize(self.answer.answer)
        return any(normalize(a) in text for a in self.question.answers)


def timed(assistant: Assistant, question: EvalQuestion) -> Run:
    started = time.perf_counter()
    first = last = None
    pieces = []
    for item in assistant.ask_stream(question.question):
        if isinstance(item, Answer):
            answer = item
            break
        last = time.perf_counter()
        first = first or last
        pieces.append(item)
    first = first or time.perf_counter()
    rate = (len(pieces) - 1) / (last - first) if len(pieces) > 1 and last > first else 0.0
    return Run(question, answer, first - started, rate, assistant.generator is not None, "".join(pieces))


def share(hits: int, total: int) -> str:
    return f"{hits}/{total} = {hits / total:.2f}" if total else "–"


def row(label: str, runs: list[Run]) -> str:
    answerable = [r for r in runs if r.question.answerable]
    unanswerable = [r for r in runs if not r.question.answerable]
    answered = [r for r in runs if not r.answer.abstained]
    generated = [r for r in answered if r.generated]
    asked = [r for r in runs if r.asked_llm]
    rates = [r.pieces_per_second for r in asked if r.pieces_per_second]
    cells = [
        label, str(len(runs)),
        share(sum(r.expected_found for r in answerable), len(answerable)),
        share(len(generated), len(answered)) if runs[0].llm else "–",
        share(sum(r.citations_valid for r in asked), len(asked)),
        share(sum(r.answer.abstained for r in unanswerable), len(unanswerable)),
        share(sum(r.answer.abstained for r in answerable), len(answerable)),
        f"{statistics.median(r.first_token for r in runs):.2f}",
        f"{statistics.median(rates):.1f}" if rates else "–",
    ]
    return "| " + " | ".join(cells) + " |"


def main() -> None:
    questions = load_questions(Path(sys.argv[1]) if len(sys.argv) > 1 else QUESTIONS)
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings.from_env().with_index_dir(Path(tmp))
        ingest([ROOT / "seeds"], settings)
        assistant = Assistant.open(settings=settings)
        if assistant.generator and assistant.generator.error:
            sys.exit(f"error: {assistant.generator.error}")
        model = assistant.generator.backend.name if assistant.generator else "none (extractive)"
        assistant.ask(questions[0].question)  # warm-up: first-call costs are not per-question costs
        runs = [timed(assistant, q) for q in questions]
    print(f"\nLLM: {model}; {len(runs)} questions from eval/seeds.jsonl\n")
    print("| set | n | expected string in answer | LLM answer kept | LLM citations all valid "
          "| unanswerable abstained | answerable abstained | first token, s (median) | tokens/s (median) |")
    print("|---" * 9 + "|")
    print(row("all", runs))
    for lang in sorted({r.question.lang for r in runs}):
        print(row(lang, [r for r in runs if r.question.lang == lang]))
    for r in runs:
        if r.asked_llm and not r.generated or r.question.answerable and not r.expected_found:
            llm = f" LLM said: {r.streamed[:120]!r}" if r.streamed != r.answer.answer else ""
            print(f"  miss: {r.question.qid} {r.question.question!r}: {r.answer.answer[:80]!r} {r.answer.notes}{llm}")


if __name__ == "__main__":
    main()
