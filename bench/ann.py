"""Which approximate dense index: FAISS HNSW against IVF on bench/scale.py's synthetic vectors.

Passage vectors of N synthetic passages (real XQuAD vectors recombined plus noise), queries the
real XQuAD question vectors; recall@10 against exact search, search p50 per query (one thread, as
a question is answered), build time and resident bytes per vector.

Usage: python bench/ann.py [--passages 100000]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import faiss
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scale import QUESTIONS, Synthetic, real_vectors  # noqa: E402

from rag.config import Settings  # noqa: E402


def passage_vectors(n: int) -> np.ndarray:
    synthetic = Synthetic.make(real_vectors(Settings.from_env()))
    return np.vstack([synthetic.article(f"a{i}", 4).passage_vectors for i in range(0, n, 4)])[:n]


def evaluate(name: str, index: faiss.Index, build_s: float, queries: np.ndarray, exact: np.ndarray) -> None:
    times, hits = [], 0
    for q, truth in zip(queries, exact):
        started = time.perf_counter()
        _, ids = index.search(q[None, :], 10)
        times.append(time.perf_counter() - started)
        hits += len(set(ids[0]) & set(truth))
    print(f"| {name} | {build_s:.1f} s | {statistics.median(times) * 1000:.2f} ms | {hits / exact.size:.3f} |")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--passages", type=int, default=100_000)
    args = parser.parse_args()
    faiss.omp_set_num_threads(1)
    vectors = passage_vectors(args.passages)
    queries = real_vectors(Settings.from_env())["question_vectors"][:QUESTIONS]
    exact = np.argsort(-(queries @ vectors.T), axis=1)[:, :10]
    d = vectors.shape[1]
    print(f"\n{args.passages:,} passages, {len(queries)} questions\n")
    print("| index | build | search p50 | recall@10 |\n|---|---|---|---|")
    flat = faiss.IndexFlatIP(d)
    flat.add(vectors)
    evaluate("exact (IndexFlatIP)", flat, 0.0, queries, exact)
    faiss.omp_set_num_threads(2)
    started = time.perf_counter()
    hnsw = faiss.IndexHNSWFlat(d, 32, faiss.METRIC_INNER_PRODUCT)
    hnsw.hnsw.efConstruction = 64
    hnsw.add(vectors)
    hnsw_s = time.perf_counter() - started
    started = time.perf_counter()
    nlist = int(4 * np.sqrt(len(vectors)))
    ivf = faiss.IndexIVFFlat(faiss.IndexFlatIP(d), d, nlist, faiss.METRIC_INNER_PRODUCT)
    ivf.train(vectors[np.random.default_rng(0).choice(len(vectors), min(len(vectors), 40 * nlist), replace=False)])
    ivf.add(vectors)
    ivf_s = time.perf_counter() - started
    faiss.omp_set_num_threads(1)
    for ef in (64, 128):
        hnsw.hnsw.efSearch = ef
        evaluate(f"HNSW M=32, efSearch {ef}", hnsw, hnsw_s, queries, exact)
    for probe in (8, 16, 32):
        ivf.nprobe = probe
        evaluate(f"IVF{nlist},Flat nprobe {probe}", ivf, ivf_s, queries, exact)


if __name__ == "__main__":
    main()
