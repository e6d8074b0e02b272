"""The seed articles: eval/seeds.jsonl bars, the Hai Phong questions, and warm `ask` latency.

Prints: retrieval metrics on answerable questions (all and per language), abstention rates,
answer match (expected string inside the cited sentences), short answers on the fact questions
(who / when / how many / where: SQuAD exact match and F1 per language), the two Hai Phong
answers, and the median/p95 time of a warm `Assistant.ask` (model loaded, index open).

Usage: python bench/seeds_eval.py
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rag.assistant import Assistant  # noqa: E402
from rag.config import Settings  # noqa: E402
from rag.evaluation import evaluate, load_questions  # noqa: E402
from rag.ingest import ingest  # noqa: E402

QUESTIONS = ROOT / "eval" / "seeds.jsonl"
HAI_PHONG = ("Who leads Hai Phong police?", "Ai là Giám đốc Công an TP Hải Phòng?")
NAMES = ("Bùi Quang Bình", "Vũ Thanh Chương")
LATENCY_ROUNDS = 3


def main() -> None:
    questions = load_questions(QUESTIONS)
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings.from_env().with_index_dir(Path(tmp))
        ingest([ROOT / "seeds"], settings)
        assistant = Assistant.open(settings=settings)
        report = evaluate(questions, assistant.ask)
        timings = []
        for _ in range(LATENCY_ROUNDS):
            for q in questions:
                started = time.perf_counter()
                assistant.ask(q.question)
                timings.append((time.perf_counter() - started) * 1000)
        hai_phong = [assistant.ask(q) for q in HAI_PHONG]
    a = report["abstention"]
    print(f"\neval/seeds.jsonl: {report['n']} questions ({a['answerable']} answerable, {a['unanswerable']} not)\n")
    keys = list(report["metrics"])
    print("| set | " + " | ".join(keys) + " |\n|---|" + "---|" * len(keys))
    print("| all | " + " | ".join(f"{report['metrics'][k]:.3f}" for k in keys) + " |")
    for lang, metrics in report["by_lang"].items():
        print(f"| {lang} | " + " | ".join(f"{metrics[k]:.3f}" for k in keys) + " |")
    no_diacritics = [r for r, q in zip(report["per_question"], questions)
                     if q.answerable and r["lang"] == "vi" and q.question.isascii()]
    if no_diacritics:
        print(f"| vi, no diacritics ({len(no_diacritics)}) | hit@3 "
              f"{statistics.mean(r['metrics']['hit@3'] for r in no_diacritics):.3f} |")
    print("\n| bar | value |\n|---|---|")
    print(f"| unanswerable abstained | {a['abstained_correctly']}/{a['unanswerable']} = {a['abstained_correctly'] / max(1, a['unanswerable']):.3f} |")
    print(f"| answerable wrongly abstained | {a['abstained_wrongly']}/{a['answerable']} = {a['abstained_wrongly'] / max(1, a['answerable']):.3f} |")
    print(f"| expected answer in cited sentences | {report['answer_match']:.3f} |")
    print(f"| warm ask, median ({len(timings)} calls) | {statistics.median(timings):.0f} ms |")
    print(f"| warm ask, p95 | {sorted(timings)[int(0.95 * len(timings)) - 1]:.0f} ms |")
    print("\n| short answers, fact questions | n | answered | exact match | F1 |\n|---|---|---|---|---|")
    for lang, kinds in report["short_answer"].items():
        for kind, k in kinds.items():
            print(f"| {lang}, {kind} | {k['n']} | {k['answered']:.3f} | {k['exact_match']:.3f} | {k['f1']:.3f} |")
    for r in report["per_question"]:
        if "short" in r:
            print(f"  short: {r['id']} {r['short']['kind']} {r['short']['short_answer']!r} F1 {r['short']['f1']:.2f}")
    for answer in hai_phong:
        print(f"| {answer.question} | short answer: {answer.short_answer} |")
        named = [n for n in NAMES if n in answer.answer]
        print(f"| {answer.question} | names {', '.join(named) or 'none'}; dates "
              f"{', '.join(sorted({c.date for c in answer.citations}))} |")
    misses = [r for r in report["per_question"] if r.get("answer_match") is False or
              (r["sources"] and r["abstained"]) or (not r["sources"] and not r["abstained"])]
    for r in misses:
        print(f"  miss: {r['id']} {r['question']!r} abstained={r['abstained']} evidence={r['evidence']}")


if __name__ == "__main__":
    main()
