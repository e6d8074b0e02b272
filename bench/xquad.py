"""XQuAD-vi benchmark: retrieval quality per method and language, and indexing/eval speed.

Prints two tables from one run:
1. documents ranked by the hybrid retriever, dense alone and BM25 alone, for Vietnamese
   questions, English questions (cross-lingual) and Vietnamese questions with diacritics
   stripped (hit@1, hit@3, MRR@10, nDCG@10);
2. speed: indexing time vs the model's `encode` on the same texts alone (ratio), and the time
   of the whole evaluation (index + 2380 questions through `Assistant.ask`).

Usage: python bench/xquad.py [--limit N]   (N questions per language, for a quick look)
       python bench/xquad.py --report DIR   (also an HTML report with plots, rag/report.py)
       python bench/xquad.py --speed-only | --eval-time-only   (one of the timings alone)
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rag.assistant import Assistant  # noqa: E402
from rag.chunking import chunk_document  # noqa: E402
from rag.config import Settings  # noqa: E402
from rag.corpus import load_corpus  # noqa: E402
from rag.embedding import load_embedder  # noqa: E402
from rag.evaluation import evaluate, load_questions, ranking_metrics  # noqa: E402
from rag.ingest import chunking_settings, index_documents, vector_texts  # noqa: E402
from rag.retrieval import Retriever  # noqa: E402
from rag.text import fold  # noqa: E402

DATA = ROOT / "bench" / "data" / "xquad-vi"
COLUMNS = ("hit@1", "hit@3", "mrr@10", "ndcg@10")


def question_sets(limit: int | None) -> dict[str, list]:
    vi = load_questions(DATA / "queries_vi.jsonl")[:limit]
    en = load_questions(DATA / "queries_en.jsonl")[:limit]
    stripped = [type(q)(q.qid, fold(q.question), q.sources, q.answers, "vi") for q in vi]
    return {"vi": vi, "en→vi": en, "vi, no diacritics": stripped}


def mean_metrics(retriever: Retriever, questions: list) -> dict[str, float]:
    totals = dict.fromkeys(COLUMNS, 0.0)
    for q in questions:
        ranked = [d.doc_id for d in retriever.search(q.question, k_documents=10).documents]
        metrics = ranking_metrics(q.sources, ranked)
        for key in COLUMNS:
            totals[key] += metrics[key]
    return {k: v / len(questions) for k, v in totals.items()}


def speed(settings: Settings, documents: list) -> dict[str, float]:
    """Index from scratch, then encode the very same texts alone: the ratio is the overhead.

    The model encodes a batch first, so that neither timing pays torch's one-off warm-up."""
    embedder = load_embedder(settings)
    embedder.encode_passages([d.text[:2000] for d in documents[:64]])
    started = time.perf_counter()
    index_documents(documents, settings, [str(DATA)], rebuild=True)
    ingest_seconds = time.perf_counter() - started
    chunking = chunking_settings(settings, embedder)
    texts = [t for d in documents for c in chunk_document(d, embedder.count_tokens, chunking) for t in vector_texts(c)]
    started = time.perf_counter()
    embedder.encode_passages(texts)
    encode_seconds = time.perf_counter() - started
    return {"texts": len(texts), "ingest_s": ingest_seconds, "encode_s": encode_seconds}


def print_speed(timing: dict | None) -> None:
    print("\n| speed | value |\n|---|---|")
    if timing:
        print(f"| texts embedded (passages + sentences) | {timing['texts']} |")
        print(f"| ingest from scratch | {timing['ingest_s']:.1f} s |")
        print(f"| encode alone, same texts | {timing['encode_s']:.1f} s |")
        print(f"| ingest / encode ratio | {timing['ingest_s'] / timing['encode_s']:.3f} |")


def write_xquad_report(assistant: Assistant, questions: list, out_dir: Path) -> None:
    """The `rag eval --report` page for XQuAD-vi (Vietnamese and English questions together)."""
    from rag.report import worst_misses, write_report

    result = evaluate(questions, assistant.ask)
    page = write_report(result, out_dir, assistant.settings.abstain_thresholds,
                        worst_misses(result, assistant.retrieve), title=f"XQuAD-vi ({len(questions)} questions)")
    print(f"report: {page}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--eval-time-only", action="store_true",
                        help="time only the whole evaluation (index + questions through Assistant.ask)")
    parser.add_argument("--speed-only", action="store_true",
                        help="only the ingest / encode ratio")
    parser.add_argument("--report", type=Path, default=None, help="also write an HTML report into this folder")
    args = parser.parse_args()
    documents = load_corpus([DATA / "corpus.jsonl"]).documents
    if args.speed_only:
        with tempfile.TemporaryDirectory() as tmp:
            timing = speed(Settings.from_env().with_index_dir(Path(tmp) / "index"), documents)
        print_speed(timing)
        return
    sets = question_sets(args.limit)
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings.from_env().with_index_dir(Path(tmp) / "index")
        load_embedder(settings)  # model load is not part of any timing below
        timing = None if args.eval_time_only else speed(settings, documents)
        started = time.perf_counter()
        index_documents(documents, settings, [str(DATA)], rebuild=True)
        assistant = Assistant.open(settings=settings)
        full = {name: evaluate(qs, assistant.ask) for name, qs in sets.items() if name != "vi, no diacritics"}
        eval_seconds = time.perf_counter() - started
        if args.report:
            write_xquad_report(assistant, sets["vi"] + sets["en→vi"], args.report)
        rows = {}
        for mode in () if args.eval_time_only else ("hybrid", "dense", "lexical"):
            retriever = Retriever(assistant.data, assistant.embedder, mode=mode)
            for name, qs in sets.items():
                rows[(mode, name)] = mean_metrics(retriever, qs)
    print(f"\nXQuAD-vi, {len(documents)} passages; documents ranked (hit@k, MRR@10, nDCG@10)\n")
    print(f"| method | questions | n | {' | '.join(COLUMNS)} |")
    print("|---|---|---|" + "---|" * len(COLUMNS))
    for (mode, name), metrics in rows.items():
        print(f"| {mode} | {name} | {len(sets[name])} | " + " | ".join(f"{metrics[k]:.3f}" for k in COLUMNS) + " |")
    print_speed(timing)
    n_questions = sum(len(v) for k, v in sets.items() if k != "vi, no diacritics")
    print(f"| whole evaluation (index + {n_questions} questions through Assistant.ask) | {eval_seconds:.1f} s |")
    if args.json:
        args.json.write_text(json.dumps({"rows": {f"{m}|{n}": v for (m, n), v in rows.items()},
                                         "timing": timing, "eval_seconds": eval_seconds,
                                         "hybrid_answers": {k: v["metrics"] for k, v in full.items()}}, indent=1))


if __name__ == "__main__":
    main()
