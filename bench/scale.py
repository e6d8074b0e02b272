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
       python bench/scale.py --cold DIR   (as root, on an index kept with --keep: the first 200
           questions after the page cache is dropped, as opened and after `Store.warm()`)
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.append(str(ROOT))  # after PYTHONPATH: another checkout's `rag` can be measured

from rag.chunking import Chunk  # noqa: E402
from rag.config import Settings  # noqa: E402
from rag.embedding import load_embedder  # noqa: E402
from rag.text import split_sentences  # noqa: E402

try:
    from rag.local_store import LocalStore
    from rag.store import NewDocument, StoredDocument
    BEFORE = False
except ImportError:  # the release before segments (run with its checkout on PYTHONPATH, --before)
    from collections import namedtuple
    BEFORE = True
    StoredDocument = namedtuple("StoredDocument", "doc_id hash source title date chunks")
    NewDocument = namedtuple("NewDocument", "doc chunks passage_vectors sentence_vectors")

DATA = ROOT / "bench" / "data" / "xquad-vi"
CACHE = ROOT / "bench" / "out" / "scale-vectors.npz"
QUESTIONS = 200
PASSAGES_PER_ARTICLE = 4
ADDED_PASSAGES = 5  # about 600 words: the article added and removed
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


def _unit(v: np.ndarray) -> np.ndarray:
    return (v / np.linalg.norm(v, axis=-1, keepdims=True)).astype(np.float32)


@dataclass
class Synthetic:
    """Articles of recombined XQuAD sentences, as the store takes them (no encoder involved)."""

    real: dict
    rng: np.random.Generator
    by_passage: list[np.ndarray]

    @classmethod
    def make(cls, real: dict) -> "Synthetic":
        owner = real["sentence_owner"]
        return cls(real, _rng(), [np.nonzero(owner == p)[0] for p in range(len(real["passage_vectors"]))])

    def _passage(self) -> tuple[list[int], int]:
        topic = int(self.rng.integers(len(self.by_passage)))
        own = self.by_passage[topic]
        size = int(self.rng.integers(3, 7))
        start = int(self.rng.integers(len(own)))
        picked = [int(own[(start + i) % len(own)]) for i in range(min(size, len(own)))]
        while len(picked) < size or self.rng.random() < 0.3:  # a sentence from elsewhere
            picked.append(int(self.rng.integers(len(self.real["sentences"]))))
            if len(picked) >= 7:
                break
        return picked, topic

    def article(self, doc_id: str, passages: int) -> NewDocument:
        sv, pv = self.real["sentence_vectors"], self.real["passage_vectors"]
        d = sv.shape[1]
        chunks, passage_vectors, sentence_vectors, text = [], [], [], ""
        title = ""
        for c in range(passages):
            picked, topic = self._passage()
            title = title or str(self.real["titles"][topic]).replace("_", " ")
            start = len(text)
            spans, body = [], ""
            for s in picked:
                sentence = str(self.real["sentences"][s])
                if body:
                    body += " "
                spans.append((start + len(body), start + len(body) + len(sentence)))
                body += sentence
            text += body + "\n"
            chunks.append(Chunk(f"{doc_id}#{c}", doc_id, title, "2026-11", "", body, start, start + len(body), tuple(spans)))
            mean = sv[picked].mean(axis=0) + pv[topic]
            passage_vectors.append(_unit(_unit(mean) + self.rng.normal(0, PASSAGE_NOISE / np.sqrt(d), d)))
            sentence_vectors.append(_unit(sv[picked] + self.rng.normal(0, SENTENCE_NOISE / np.sqrt(d), (len(picked), d))))
        digest = hashlib.sha256(text.encode()).hexdigest()
        return NewDocument(StoredDocument(doc_id, digest, "synthetic", title, "2026-11", len(chunks)), chunks,
                           np.vstack(passage_vectors), np.vstack(sentence_vectors))


SEGMENT_BATCH = 100_000  # passages written per commit: an archive ingested over time


def dir_bytes(directory: Path) -> int:
    return sum(p.stat().st_size for p in Path(directory).rglob("*") if p.is_file())


def build(index_dir: Path, passages: int, synthetic: Synthetic, model: str, chunking: dict) -> float:
    """Write the corpus through the store, in commits of SEGMENT_BATCH passages; seconds taken."""
    if BEFORE:
        docs = [synthetic.article(f"syn-00-{i:07d}", min(PASSAGES_PER_ARTICLE, passages - i))
                for i in range(0, passages, PASSAGES_PER_ARTICLE)]
        started = time.perf_counter()
        _write_before(index_dir, docs, model, chunking)
        return time.perf_counter() - started
    from rag.store import create_store

    settings = Settings.from_env().with_index_dir(index_dir)
    store = create_store(settings, model, synthetic.real["sentence_vectors"].shape[1], chunking)
    seconds, made, batch_no = 0.0, 0, 0
    while made < passages:
        n = min(SEGMENT_BATCH, passages - made)
        docs = [synthetic.article(f"syn-{batch_no:02d}-{i:07d}", min(PASSAGES_PER_ARTICLE, n - i))
                for i in range(0, n, PASSAGES_PER_ARTICLE)]
        started = time.perf_counter()
        store.commit(docs, [], [], replace_all=batch_no == 0)
        seconds += time.perf_counter() - started
        made += n
        batch_no += 1
        store = LocalStore.open(index_dir, model)
    return seconds


def rss_gb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024 ** 2
    return float("nan")


def written_bytes() -> int:
    for line in Path("/proc/self/io").read_text().splitlines():
        if line.startswith("wchar:"):
            return int(line.split()[1])
    return 0


class CachedQueries:
    """The real embedder, answering the benchmark's questions from their cached vectors."""

    def __init__(self, embedder, questions: np.ndarray, vectors: np.ndarray) -> None:
        self.embedder = embedder
        self.cached = {str(q): v for q, v in zip(questions, vectors)}

    def __getattr__(self, name):
        return getattr(self.embedder, name)

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        if all(t in self.cached for t in texts):
            return np.vstack([self.cached[t] for t in texts])
        return self.embedder.encode_queries(texts)


def _percentiles(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def _write_before(index_dir: Path, docs: list, model: str, chunking: dict) -> None:
    """The release before segments: every write is a whole generation (what its ingest did)."""
    from rag.lexical import LexicalIndex
    from rag.store import WHOLE_CHUNK, write_index

    chunks, rows, vectors = [], [], []
    for d in docs:
        at = 0
        for chunk, passage in zip(d.chunks, d.passage_vectors):
            index = len(chunks)
            chunks.append(chunk)
            rows.append((index, WHOLE_CHUNK))
            vectors.append(passage[None, :])
            rows += [(index, s) for s in range(len(chunk.sentences))]
            vectors.append(d.sentence_vectors[at:at + len(chunk.sentences)])
            at += len(chunk.sentences)
    manifest = {"model": model, "dim": int(vectors[0].shape[1]), "chunking": chunking, "roots": [],
                "documents": {d.doc.doc_id: {"hash": d.doc.hash, "source": "", "title": d.doc.title,
                                             "date": d.doc.date, "chunks": len(d.chunks)} for d in docs}}
    write_index(index_dir, manifest, chunks, np.vstack(vectors), np.asarray(rows, dtype=np.int64),
                LexicalIndex.build([c.text for c in chunks]))


@dataclass
class Opened:
    """An index opened in this process and timed: what both the before and after rows measure first."""

    assistant: object
    embedder: object
    real: dict
    questions: list[str]
    rss_model_gb: float
    open_s: float
    rss_gb: float
    first: list  # the first pass after open, from disk
    full: list
    retrieval_only: list
    encode: list

    def figures(self) -> dict:
        """Open time, memory and `ask` timings, under the names other tools read."""
        ms = lambda seconds: round(seconds * 1000, 1)  # noqa: E731
        (f50, f95), (p50, p95) = _percentiles(self.first), _percentiles(self.full)
        (r50, r95), (e50, _) = _percentiles(self.retrieval_only), _percentiles(self.encode)
        return {"open_s": round(self.open_s, 3), "rss_gb": round(self.rss_gb, 3),
                "rss_model_gb": round(self.rss_model_gb, 3), "first_pass_p50_ms": ms(f50),
                "first_pass_p95_ms": ms(f95), "ask_p50_ms": ms(p50), "ask_p95_ms": ms(p95),
                "retrieval_answer_p50_ms": ms(r50), "retrieval_answer_p95_ms": ms(r95), "encode_p50_ms": ms(e50)}


def _open_and_ask(index_dir: Path) -> Opened:
    """Load the model (memory counted apart), open the index (timed), then time `ask`."""
    from rag.assistant import Assistant

    settings = Settings.from_env().with_index_dir(index_dir)
    real = real_vectors(settings)
    embedder = load_embedder(settings)
    embedder.encode_queries(["khởi động"])
    gc.collect()
    rss_model = rss_gb()
    started = time.perf_counter()
    assistant = Assistant.open(settings=settings)
    open_s = time.perf_counter() - started
    rss_open = rss_gb()
    questions = [str(q) for q in real["questions"]][:QUESTIONS]
    first, full, retrieval_only, encode = _ask_timings(assistant, embedder, real, questions)
    return Opened(assistant, embedder, real, questions, rss_model, open_s, rss_open, first, full, retrieval_only,
                  encode)


def measure_before(index_dir: Path, passages: int) -> dict:
    """Open, ask, add and remove with the release before segments (exact search: recall 1)."""
    opened = _open_and_ask(index_dir)
    assistant, real = opened.assistant, opened.real
    synthetic = Synthetic.make(real)
    synthetic.rng = np.random.default_rng(passages)
    # Rebuild the synthetic corpus's documents from the index, plus one article: a whole generation.
    index_bytes = dir_bytes(index_dir)
    data = assistant.data
    article = synthetic.article("added-article", ADDED_PASSAGES)
    words = sum(len(c.text.split()) for c in article.chunks)
    docs, by_doc = [], {}
    for i, chunk in enumerate(data.chunks):
        by_doc.setdefault(chunk.doc_id, []).append(i)
    vectors = data.all_vectors()
    rows = data.vector_rows
    whole = np.nonzero(rows[:, 1] == -1)[0]
    sentence_rows = np.nonzero(rows[:, 1] != -1)[0]
    sentence_chunk = rows[sentence_rows, 0]
    for doc_id, idx in by_doc.items():
        lo, hi = np.searchsorted(sentence_chunk, [idx[0], idx[-1] + 1])
        docs.append(NewDocument(StoredDocument(doc_id, "", "", "", "", len(idx)), [data.chunks[i] for i in idx],
                                vectors[whole[idx]], vectors[sentence_rows[lo:hi]]))
    before = written_bytes()
    t = time.perf_counter()
    _write_before(index_dir, docs + [article], assistant.embedder.name, data.manifest["chunking"])
    add_s = time.perf_counter() - t
    add_bytes = written_bytes() - before
    before = written_bytes()
    t = time.perf_counter()
    _write_before(index_dir, docs, assistant.embedder.name, data.manifest["chunking"])
    remove_s = time.perf_counter() - t
    remove_bytes = written_bytes() - before
    return {
        "passages": passages, "segments": 1, "index_bytes": index_bytes,
        **opened.figures(), "recall_at_10": 1.0,
        "add_one_words": words, "add_one_s": round(add_s, 3), "add_one_bytes": add_bytes,
        "add_one_share": round(add_bytes / index_bytes, 5), "added_article_found": True,
        "remove_one_s": round(remove_s, 3), "remove_one_bytes": remove_bytes, "removed_article_gone": True,
    }


def _ask_timings(assistant, embedder, real: dict, questions: list[str]) -> tuple[list, list, list, list]:
    """`ask` right after open (the first pass reads the memory-mapped files from disk), `ask` again
    (what a running server answers in), the query encoding alone, and `ask` with cached vectors."""
    for q in questions[:5]:
        assistant.ask(q)  # warm: first touches of the memory-mapped files
    first, full, retrieval_only, encode = [], [], [], []
    for q in questions:
        t = time.perf_counter()
        assistant.ask(q)
        first.append(time.perf_counter() - t)
    for q in questions:
        t = time.perf_counter()
        assistant.ask(q)
        full.append(time.perf_counter() - t)
        t = time.perf_counter()
        embedder.encode_queries([q])
        encode.append(time.perf_counter() - t)
    assistant.embedder = CachedQueries(embedder, real["questions"], real["question_vectors"])
    for q in questions:
        t = time.perf_counter()
        assistant.ask(q)
        retrieval_only.append(time.perf_counter() - t)
    assistant.embedder = embedder
    return first, full, retrieval_only, encode


def measure(index_dir: Path, passages: int) -> dict:
    """Open, ask, recall, add and remove, in this (fresh) process."""
    from rag.ingest import _merge_if_needed, IngestReport
    from rag.local_store import folder_lock as _locked

    opened = _open_and_ask(index_dir)
    assistant, real = opened.assistant, opened.real
    settings = assistant.settings
    store = assistant.store
    recall = dense_recall(store, real["question_vectors"][:QUESTIONS])
    synthetic = Synthetic.make(real)
    synthetic.rng = np.random.default_rng(passages)
    article = synthetic.article("added-article", ADDED_PASSAGES)
    words = sum(len(c.text.split()) for c in article.chunks)
    index_bytes = dir_bytes(index_dir)
    with _locked(index_dir):
        before = written_bytes()
        t = time.perf_counter()
        stats = store.commit([article], [], store.roots)
        _merge_if_needed(settings, store.model, IngestReport())
        add_s = time.perf_counter() - t
        add_bytes = written_bytes() - before
    reopened = LocalStore.open(index_dir, store.model)
    found = reopened.dense_search(article.passage_vectors[0], 1)[0]
    answerable = bool(len(found)) and reopened.doc_ids(found)[0] == "added-article"
    with _locked(index_dir):
        before = written_bytes()
        t = time.perf_counter()
        reopened.commit([], ["added-article"], reopened.roots)
        remove_s = time.perf_counter() - t
        remove_bytes = written_bytes() - before
    after = LocalStore.open(index_dir, store.model)
    removed_ok = "added-article" not in after.documents()
    return {
        "passages": passages, "segments": len(store.segments), "index_bytes": index_bytes,
        **opened.figures(), "recall_at_10": round(recall, 4),
        "add_one_words": words, "add_one_s": round(add_s, 3), "add_one_bytes": add_bytes,
        "add_one_segment_bytes": stats.bytes_written, "add_one_share": round(add_bytes / index_bytes, 5),
        "added_article_found": answerable, "remove_one_s": round(remove_s, 3), "remove_one_bytes": remove_bytes,
        "removed_article_gone": removed_ok,
    }


def dense_recall(store, queries: np.ndarray, k: int = 10) -> float:
    """Share of the exact top-k (brute force over every live passage) the store's search returns."""
    hits = 0
    exact_sims = []
    for s, segment in enumerate(store.segments):
        sims = np.asarray(segment.passages @ queries.T, dtype=np.float32)  # (n, q)
        if store.dead[s] is not None:
            sims[store.dead[s]] = -np.inf
        exact_sims.append((store.bases[s], sims))
    for j, query in enumerate(queries):
        candidates = []
        for base, sims in exact_sims:
            column = sims[:, j]
            top = np.argpartition(-column, min(k, len(column) - 1))[:k] if len(column) > k else np.arange(len(column))
            candidates += [(float(column[i]), int(base + i)) for i in top]
        exact = {key for _, key in sorted(candidates, reverse=True)[:k]}
        found = set(int(x) for x in store.dense_search(query, k)[0])
        hits += len(exact & found)
    return hits / (k * len(queries))


def print_table(result: dict) -> None:
    rows = [
        ("passages (segments)", f"{result['passages']:,} ({result.get('segments', '?')})"),
        ("build, encoding excluded", f"{result.get('build_s', float('nan')):.1f} s"),
        ("bytes on disk", f"{result['index_bytes'] / 1e6:,.1f} MB"),
        ("open", f"{result['open_s']:.2f} s"),
        ("resident memory after open (model alone)", f"{result['rss_gb']:.2f} GB ({result['rss_model_gb']:.2f} GB)"),
        ("`ask` p50 / p95, first 200 questions after open (files read from disk)",
         f"{result.get('first_pass_p50_ms', float('nan')):.0f} / {result.get('first_pass_p95_ms', float('nan')):.0f} ms"),
        ("`ask` p50 / p95, with query encoding (the same questions again)", f"{result['ask_p50_ms']:.0f} / {result['ask_p95_ms']:.0f} ms"),
        ("`ask` p50 / p95, retrieval + answer", f"{result['retrieval_answer_p50_ms']:.0f} / {result['retrieval_answer_p95_ms']:.0f} ms"),
        ("query encoding alone, p50", f"{result['encode_p50_ms']:.0f} ms"),
        ("dense recall@10 vs exact", f"{result['recall_at_10']:.3f}"),
        (f"add one {result['add_one_words']}-word article", f"{result['add_one_s']:.2f} s, {result['add_one_bytes'] / 1e6:.2f} MB written "
         f"({100 * result['add_one_share']:.3f} % of the index); found right after: {result['added_article_found']}"),
        ("remove one article", f"{result['remove_one_s']:.3f} s, {result['remove_one_bytes'] / 1e3:.1f} kB written; "
         f"gone: {result['removed_article_gone']}"),
    ]
    print(f"\n| {result['passages']:,} passages | value |\n|---|---|")
    for name, value in rows:
        print(f"| {name} | {value} |")


def first_pass(index_dir: Path, warm: bool) -> dict:
    """The first questions a fresh process answers, straight after open or after warming the index."""
    from rag.assistant import Assistant

    settings = Settings.from_env().with_index_dir(index_dir)
    real = real_vectors(settings)
    assistant = Assistant.open(settings=settings)
    assistant.embedder.encode_queries(["khởi động"])
    started = time.perf_counter()
    if warm:
        assistant.store.warm().join()
    warm_s = time.perf_counter() - started
    questions = [str(q) for q in real["questions"]][:QUESTIONS]
    figures = {"warm_s": round(warm_s, 2)}
    for name in ("first", "again"):  # again: the same questions once every page they need is in memory
        times = []
        for q in questions:
            t = time.perf_counter()
            assistant.ask(q)
            times.append(time.perf_counter() - t)
        p50, p95 = _percentiles(times)
        figures |= {f"{name}_p50_ms": round(p50 * 1000, 1), f"{name}_p95_ms": round(p95 * 1000, 1)}
    return figures


def in_fresh_process(*args: str) -> dict:
    """Run this script with `args` in a new process and return the JSON object it prints last."""
    child = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True,
                           env={**os.environ, "PYTHONPATH": os.environ.get("PYTHONPATH", str(ROOT))})
    if child.returncode != 0:
        raise SystemExit(child.stderr[-3000:])
    return json.loads(child.stdout.strip().splitlines()[-1])


def drop_page_cache() -> None:
    """Forget every file's cached pages (root only): what a server sees after a reboot."""
    os.sync()
    try:
        Path("/proc/sys/vm/drop_caches").write_text("1\n")
    except OSError as problem:
        raise SystemExit(f"--cold needs root to drop the page cache ({problem.strerror})") from None


def cold(index_dir: Path) -> None:
    """First-pass `ask` timings from a cold page cache, without and with warming, each in a fresh process."""
    print(f"\n| {index_dir} ({dir_bytes(index_dir) / 1e9:.2f} GB), page cache dropped | warming | "
          f"`ask` p50 / p95, first {QUESTIONS} questions | the same questions again |\n|---|---|---|---|")
    for warm in (False, True):
        drop_page_cache()
        r = in_fresh_process("--first-pass", str(index_dir), *(["--warm"] if warm else []))
        print(f"| {'Store.warm() first' if warm else 'as opened'} | {r['warm_s']:.1f} s | "
              f"{r['first_p50_ms']:.0f} / {r['first_p95_ms']:.0f} ms | {r['again_p50_ms']:.0f} / {r['again_p95_ms']:.0f} ms |")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--passages", type=int, default=10_000)
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--keep", type=Path, default=None, help="build the index here and keep it")
    parser.add_argument("--prepare", action="store_true", help="only encode and cache the real vectors")
    parser.add_argument("--measure", type=Path, default=None, help=argparse.SUPPRESS)  # the child process
    parser.add_argument("--cold", type=Path, default=None, help="first questions from a cold page cache (root)")
    parser.add_argument("--first-pass", type=Path, default=None, help=argparse.SUPPRESS)  # --cold's child
    parser.add_argument("--warm", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.cold:
        cold(args.cold)
        return
    if args.first_pass:
        print(json.dumps(first_pass(args.first_pass, args.warm)))
        return
    settings = Settings.from_env()
    real = real_vectors(settings)
    if args.prepare:
        print({k: v.shape for k, v in real.items()})
        return
    if args.measure:
        print(json.dumps((measure_before if BEFORE else measure)(args.measure, args.passages)))
        return
    from rag.ingest import chunking_settings

    embedder = load_embedder(settings)
    chunking = chunking_settings(settings, embedder).__dict__
    work = args.keep or Path(tempfile.mkdtemp(prefix="rag-scale-", dir=ROOT / "bench" / "out"))
    shutil.rmtree(work, ignore_errors=True)
    try:
        build_s = build(work, args.passages, Synthetic.make(real), embedder.name, chunking)
        # Measured in a fresh process: memory and open time are those of a server starting up.
        result = {**in_fresh_process("--passages", str(args.passages), "--measure", str(work)), "build_s": round(build_s, 1)}
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    print_table(result)
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
