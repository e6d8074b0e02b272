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
       python bench/xquad.py --encoders [--limit N]   (issue 12: the encoder path before and now)
       python bench/xquad.py --quality-only [--index-dir DIR]   (retrieval and short answers only;
           DIR is built once and reused)

`--encoders` runs the encoder paths of ENCODER_PATHS in one process: the old one (RAG_RUNTIME=torch,
RAG_SENTENCE_VECTORS=separate), the default (onnx, separate sentences) and the fastest (onnx-int8,
late sentence vectors); `--paths 0,2` picks some. For each:
passages indexed per second (wall and CPU time; the machine is shared, CPU time is the steadier),
the hybrid retrieval table (hit@1, MRR@10 per question set), and the median warm `ask`.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from dataclasses import replace
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
    chunks = [c for d in documents for c in chunk_document(d, embedder.count_tokens, chunking)]
    texts = [t for c in chunks for t in vector_texts(c)]
    started = time.perf_counter()  # the encoder's own work for these passages, as ingest asks it
    embedder.encode_with_sentences([(c.text, [(a - c.start, b - c.start) for a, b in c.sentences]) for c in chunks])
    encode_seconds = time.perf_counter() - started
    return {"texts": len(texts), "ingest_s": ingest_seconds, "encode_s": encode_seconds}


def print_speed(timing: dict | None) -> None:
    print("\n| speed | value |\n|---|---|")
    if timing:
        print(f"| texts embedded (passages + sentences) | {timing['texts']} |")
        print(f"| ingest from scratch | {timing['ingest_s']:.1f} s |")
        print(f"| encode alone, same texts | {timing['encode_s']:.1f} s |")
        print(f"| ingest / encode ratio | {timing['ingest_s'] / timing['encode_s']:.3f} |")


ENCODER_PATHS = {"before: torch, separate sentences": ("torch", "separate"),
                 "default: onnx fp32, separate sentences": ("onnx", "separate"),
                 "fastest: onnx-int8, late sentences": ("onnx-int8", "late")}
ASK_SAMPLE = 60  # warm `ask` timings per path (vi and en questions alternating)


def encoder_path(settings: Settings, documents: list, sets: dict[str, list]) -> dict:
    """Index with one encoder path, then its retrieval rows and warm `ask` latency."""
    embedder = load_embedder(settings)
    embedder.encode_passages([d.text[:2000] for d in documents[:16]])  # warm-up, not timed
    wall, cpu = time.perf_counter(), time.process_time()
    report = index_documents(documents, settings, [str(DATA)], rebuild=True)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    assistant = Assistant.open(settings=settings)
    retriever = Retriever(assistant.store, assistant.embedder)
    rows = {name: mean_metrics(retriever, qs) for name, qs in sets.items()}
    mixed = [q.question for pair in zip(sets["vi"], sets["en→vi"]) for q in pair][:ASK_SAMPLE]
    latencies = []
    for question in mixed:
        started = time.perf_counter()
        assistant.ask(question)
        latencies.append(time.perf_counter() - started)
    return {"passages": report.chunks, "encoder_inputs": report.encoded_texts, "wall_s": wall, "cpu_s": cpu,
            "rows": rows, "ask_ms": 1000 * statistics.median(latencies)}


def compare_encoders(documents: list, sets: dict[str, list], paths: list[int] | None = None) -> dict:
    """The encoder paths (all, or those numbered in `paths`; the first listed is the baseline)."""
    chosen = list(ENCODER_PATHS.items())
    chosen = [chosen[i] for i in paths] if paths else chosen
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for label, (runtime, sentences) in chosen:
            settings = replace(Settings.from_env(), runtime=runtime, sentence_vectors=sentences,
                               index_dir=Path(tmp) / f"{runtime}-{sentences}")
            results[label] = encoder_path(settings, documents, sets)
            print(label, json.dumps(results[label], ensure_ascii=False), flush=True)
    before = next(iter(results.values()))
    print(f"\nXQuAD-vi, {before['passages']} passages: encoder paths, one run\n")
    print("| path | encoder inputs | index wall | passages/s (wall) | index CPU | passages/s (CPU) | warm ask median |")
    print("|---|---|---|---|---|---|---|")
    for label, r in results.items():
        print(f"| {label} | {r['encoder_inputs']} | {r['wall_s']:.1f} s | {r['passages'] / r['wall_s']:.2f} | "
              f"{r['cpu_s']:.1f} s | {r['passages'] / r['cpu_s']:.2f} | {r['ask_ms']:.0f} ms |")
    for label, now in list(results.items())[1:]:
        print(f"| **{label} / before** | | | **{before['wall_s'] / now['wall_s']:.2f}×** | | "
              f"**{before['cpu_s'] / now['cpu_s']:.2f}×** | {now['ask_ms'] / before['ask_ms']:.2f} |")
    print("\n| path | questions | n | hit@1 | Δ before | MRR@10 | Δ before |")
    print("|---|---|---|---|---|---|---|")
    for label, now in results.items():
        for name, qs in sets.items():
            b, n = before["rows"][name], now["rows"][name]
            print(f"| {label} | {name} | {len(qs)} | {n['hit@1']:.3f} | {n['hit@1'] - b['hit@1']:+.3f} | "
                  f"{n['mrr@10']:.3f} | {n['mrr@10'] - b['mrr@10']:+.3f} |")
    return results


FACT_KINDS = ("person", "date", "number", "place")  # the bar: who / when / how many / where
SHORT_KINDS = (*FACT_KINDS, "rank", "role", "duration", "which", "all")


def _fact_row(kinds: dict) -> dict | None:
    """The four fact kinds together (weighted by their n): what the short-answer bar reads."""
    rows = [kinds[k] for k in FACT_KINDS if k in kinds]
    n = sum(r["n"] for r in rows)
    if not n:
        return None
    return {"n": n, **{key: sum(r[key] * r["n"] for r in rows) / n for key in ("answered", "exact_match", "f1")}}


def print_short_answers(full: dict) -> None:
    """Short answers (`rag eval`'s short_answer): exact match and F1 per language and kind; the
    row "who/when/how many/where" is the four fact kinds the issue's bar reads, "all" every kind
    (with "which" questions, Vietnamese "X nào", and "how long" ones since 2026-12-03)."""
    print("\nShort answers per question kind (SQuAD EM and token F1; gold = answers + answers_vi)\n")
    print("| questions | kind | n | answered | exact match | F1 |\n|---|---|---|---|---|---|")
    for name, report in full.items():
        for lang, kinds in report["short_answer"].items():
            rows = [(kind, kinds[kind]) for kind in SHORT_KINDS[:-1] if kind in kinds]
            rows += [("who/when/how many/where", _fact_row(kinds)), ("all", kinds.get("all"))]
            for kind, k in rows:
                if k:
                    print(f"| {name} | {kind} | {k['n']} | {k['answered']:.3f} | {k['exact_match']:.3f} | {k['f1']:.3f} |")
    print("\n| questions | n | hit@1 | MRR@10 | answerable wrongly abstained | expected answer in cited sentences |")
    print("|---|---|---|---|---|---|")
    for name, report in full.items():
        a, m = report["abstention"], report["metrics"]
        print(f"| {name} | {report['n']} | {m['hit@1']:.3f} | {m['mrr@10']:.3f} | "
              f"{a['abstained_wrongly']}/{a['answerable']} | {report['answer_match']:.3f} |")


def quality_only(limit: int | None, index_dir: Path | None) -> None:
    """Retrieval (hybrid) and answers through `Assistant.ask`, on an index built once in DIR."""
    documents = load_corpus([DATA / "corpus.jsonl"]).documents
    sets = question_sets(limit)
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings.from_env().with_index_dir(index_dir or Path(tmp) / "index")
        if not (settings.index_dir / "CURRENT").exists():
            index_documents(documents, settings, [str(DATA)], rebuild=True)
        assistant = Assistant.open(settings=settings)
        full = {name: evaluate(qs, assistant.ask) for name, qs in sets.items()}
    print(f"\nXQuAD-vi, {len(documents)} passages, hybrid retrieval through Assistant.ask")
    print_short_answers(full)


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
    parser.add_argument("--encoders", action="store_true",
                        help="the encoder path before issue 12 vs now: speed, retrieval, warm ask")
    parser.add_argument("--paths", type=str, default=None,
                        help="with --encoders: which paths, by number (0 = before, 1 = default...), e.g. 0,2")
    parser.add_argument("--quality-only", action="store_true", help="retrieval and short answers only")
    parser.add_argument("--index-dir", type=Path, default=None, help="with --quality-only: build once, reuse")
    parser.add_argument("--report", type=Path, default=None, help="also write an HTML report into this folder")
    args = parser.parse_args()
    if args.quality_only:
        quality_only(args.limit, args.index_dir)
        return
    documents = load_corpus([DATA / "corpus.jsonl"]).documents
    if args.encoders:
        paths = [int(n) for n in args.paths.split(",")] if args.paths else None
        results = compare_encoders(documents, question_sets(args.limit), paths)
        if args.json:
            args.json.write_text(json.dumps(results, ensure_ascii=False, indent=1))
        return
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
            retriever = Retriever(assistant.store, assistant.embedder, mode=mode)
            for name, qs in sets.items():
                rows[(mode, name)] = mean_metrics(retriever, qs)
    print(f"\nXQuAD-vi, {len(documents)} passages; documents ranked (hit@k, MRR@10, nDCG@10)\n")
    print(f"| method | questions | n | {' | '.join(COLUMNS)} |")
    print("|---|---|---|" + "---|" * len(COLUMNS))
    for (mode, name), metrics in rows.items():
        print(f"| {mode} | {name} | {len(sets[name])} | " + " | ".join(f"{metrics[k]:.3f}" for k in COLUMNS) + " |")
    print_speed(timing)
    if full:
        print_short_answers(full)
    n_questions = sum(len(v) for k, v in sets.items() if k != "vi, no diacritics")
    print(f"| whole evaluation (index + {n_questions} questions through Assistant.ask) | {eval_seconds:.1f} s |")
    if args.json:
        args.json.write_text(json.dumps({"rows": {f"{m}|{n}": v for (m, n), v in rows.items()},
                                         "timing": timing, "eval_seconds": eval_seconds,
                                         "hybrid_answers": {k: v["metrics"] for k, v in full.items()}}, indent=1))


if __name__ == "__main__":
    main()
