"""English questions searched with an LLM's Vietnamese translation (rag/translation.py), on XQuAD-vi.

Prints, per half of XQuAD-vi (A: passages with an even number, B: odd), for the English questions
searched as asked and searched with their translation: hit@1 / MRR@10, the expected answer in the
cited sentences, and the short answers' F1 on who / when / how-many / where questions (the
extractive answer, as `rag eval` scores them); and the LLM's time per translation. Translations are
cached in DIR/translations-<model>.json, so a re-run only searches.

Then, through `Assistant` on the seed articles with translation off and on (extractive answers):
the English seed questions' hit@1 / MRR@10, refusals, the expected answer in the cited sentences,
and how many of the 30 off-topic questions of tests/test_short_answers.py are answered.

Usage: RAG_LLM=llamacpp RAG_LLM_GGUF=model.gguf python bench/translation.py --index-dir DIR [--limit N]
       (or RAG_LLM=openai with RAG_LLM_BASE_URL / RAG_LLM_MODEL for an OpenAI-compatible server)
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rag.answer import extractive_answer  # noqa: E402
from rag.assistant import Assistant, prepare_question  # noqa: E402
from rag.config import Settings  # noqa: E402
from rag.corpus import load_corpus  # noqa: E402
from rag.embedding import load_embedder  # noqa: E402
from rag.evaluation import answer_matches, evaluate, load_questions, ranking_metrics, short_answer_scores  # noqa: E402
from rag.generation import Generator  # noqa: E402
from rag.ingest import index_documents, ingest  # noqa: E402
from rag.retrieval import Retriever  # noqa: E402
from rag.store import open_store  # noqa: E402
from rag.embedding import describe_vectors  # noqa: E402
from rag.translation import translate_question  # noqa: E402

DATA = ROOT / "bench" / "data" / "xquad-vi"
sys.path.insert(0, str(ROOT / "tests"))
from test_short_answers import NOT_ANSWERED  # noqa: E402  (the 30 off-topic questions, one list)


def half(question) -> str:
    return "A" if int(question.sources[0].rsplit("-", 1)[1]) % 2 == 0 else "B"


def translations(generator: Generator, questions: list, cache: Path) -> tuple[dict[str, str], float | None]:
    """Each question's translation ("" when the LLM gave none), and seconds per new translation."""
    done = json.loads(cache.read_text()) if cache.exists() else {}
    todo = [q for q in questions if q.qid not in done]
    started = time.perf_counter()
    for i, q in enumerate(todo, 1):
        done[q.qid] = translate_question(generator, prepare_question(q.question).parsed).translated
        if i % 50 == 0 or i == len(todo):
            cache.write_text(json.dumps(done, ensure_ascii=False, indent=0))
            print(f"  translated {i}/{len(todo)}", file=sys.stderr, flush=True)
    seconds = (time.perf_counter() - started) / len(todo) if todo else None
    return done, seconds


def mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def measure(retriever: Retriever, questions: list, translated: dict[str, str] | None,
            threshold: float) -> dict[str, dict[str, float]]:
    """Per half and for all: hit@1, MRR@10, answer in cited sentences, short-answer F1."""
    rows: dict[str, dict[str, list[float]]] = {h: {"hit@1": [], "mrr@10": [], "in quotes": [], "short F1": []}
                                               for h in ("A", "B")}
    for q in questions:
        parsed = prepare_question(q.question).parsed
        if translated is not None:
            parsed = replace(parsed, translated=translated.get(q.qid, ""))
        retrieval = retriever.search(parsed, k_documents=10)
        m = ranking_metrics(q.sources, [d.doc_id for d in retrieval.documents])
        answer = extractive_answer(retrieval, "en", threshold)
        row = rows[half(q)]
        row["hit@1"].append(m["hit@1"])
        row["mrr@10"].append(m["mrr@10"])
        row["in quotes"].append(float(not answer.abstained and answer_matches(answer, [*q.answers, *q.answers_vi])))
        short = short_answer_scores(answer, q)
        if short is not None:
            row["short F1"].append(short["f1"])
    rows["all"] = {k: rows["A"][k] + rows["B"][k] for k in rows["A"]}
    return {h: {k: mean(v) for k, v in r.items()} for h, r in rows.items() if r["hit@1"]}


def llm_over_xquad(index_dir: Path) -> tuple[Settings, Generator]:
    """The settings for an XQuAD-vi index in `index_dir` (built there when missing) and the
    configured LLM; exits saying what to set when no LLM is configured or it cannot load."""
    settings = Settings.from_env().with_index_dir(index_dir)
    generator = Generator.from_settings(settings)
    if generator is None or generator.backend is None:
        raise SystemExit("error: set RAG_LLM (and RAG_LLM_GGUF or RAG_LLM_BASE_URL / RAG_LLM_MODEL): "
                         + (generator.error if generator else "no LLM configured"))
    if not (index_dir / "CURRENT").exists():
        index_documents(load_corpus([DATA / "corpus.jsonl"]).documents, settings, [str(DATA)], rebuild=True)
    return settings, generator


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--index-dir", type=Path, required=True, help="built here once, then reused")
    parser.add_argument("--limit", type=int, default=None)
    args = parser.parse_args()
    settings, generator = llm_over_xquad(args.index_dir)
    retriever = Retriever(open_store(settings, describe_vectors(settings)), load_embedder(settings))
    questions = load_questions(DATA / "queries_en.jsonl")[:args.limit]
    cache = args.index_dir / f"translations-{generator.backend.name}.json".replace("/", "_")
    translated, seconds = translations(generator, questions, cache)
    given = sum(1 for q in questions if translated.get(q.qid))
    threshold = settings.abstain_thresholds["en"]
    before = measure(retriever, questions, None, threshold)
    after = measure(retriever, questions, translated, threshold)
    print(f"\nXQuAD-vi English questions, searched as asked and with {generator.backend.name}'s translation "
          f"({given}/{len(questions)} translated" + (f", {seconds:.2f} s each" if seconds else "") + ")\n")
    columns = ("hit@1", "mrr@10", "in quotes", "short F1")
    print("| half | " + " | ".join(f"{c} as asked → translated" for c in columns) + " |")
    print("|---|" + "---|" * len(columns))
    for key in after:
        print(f"| {key} | " + " | ".join(f"{before[key][c]:.3f} → {after[key][c]:.3f}" for c in columns) + " |")
    seed_rows(settings, generator)


def seed_rows(settings: Settings, generator: Generator) -> None:
    """Translation off → on through `Assistant` on seeds/: what the seed questions and the
    off-topic ones show (the extractive answer, so only retrieval and refusal change)."""
    questions = load_questions(ROOT / "eval" / "seeds.jsonl")
    with tempfile.TemporaryDirectory() as tmp:
        seeded = settings.with_index_dir(Path(tmp))
        ingest([ROOT / "seeds"], seeded)
        opened = Assistant(seeded, open_store(seeded, describe_vectors(seeded)), load_embedder(seeded), generator)
        print("\nSeeds and the 30 off-topic questions, translation off → on (extractive answers)\n")
        print("| translation | English hit@1 / MRR@10 | unanswerable refused | answerable refused "
              "| answer in cited sentences | off-topic answered |")
        print("|---|---|---|---|---|---|")
        for on in (False, True):
            assistant = replace(opened, settings=replace(seeded, translate_questions=on))

            def ask(question: str):
                retrieval = assistant.retrieve(question)
                language = retrieval.parsed.language
                return extractive_answer(retrieval, language, seeded.abstain_thresholds[language])

            report = evaluate(questions, ask)
            english, refusals = report["by_lang"]["en"], report["abstention"]
            answered = sum(not ask(q).abstained for q in NOT_ANSWERED)
            print(f"| {'on' if on else 'off'} | {english['hit@1']:.3f} / {english['mrr@10']:.3f} "
                  f"| {refusals['abstained_correctly']}/{refusals['unanswerable']} "
                  f"| {refusals['abstained_wrongly']}/{refusals['answerable']} | {report['answer_match']:.3f} "
                  f"| {answered}/{len(NOT_ANSWERED)} |")


if __name__ == "__main__":
    main()
