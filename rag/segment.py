"""One immutable segment of the local index: chunk table, vectors and lexical index of a batch.

A segment is written once into its own folder and never changed (Lucene's model, DESIGN.md):
an ingest writes one small segment for what it adds, so its cost grows with the change, not
with the corpus. Files:
- `chunks.sqlite`: the chunk table and the documents it holds, read on demand (a question reads
  the few chunks it shows instead of the process holding one Python object per chunk);
- `passages.npy` (float32, one row per chunk) and `sentences.npy` (float16, one row per sentence,
  `sentence_offsets.npy` says which rows belong to which chunk), memory-mapped: only the rows of
  a question's candidates are read, and the sentence vectors stay out of the ANN index;
- `dense.hnsw`: a FAISS HNSW index over the passages, only for segments of ANN_MIN_PASSAGES or
  more (below that, exact search over the memory-mapped rows is exact and as fast);
- BM25 in two views (rag/lexical.py), `chunk_docs.npy` (each chunk's document row);
- `checksums.json`, written last: sha256 and size of every other file. Opening checks sizes
  only; `rag check` verifies every sha256 (hashing gigabytes at each open is what this replaces).
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

import faiss
import numpy as np

from rag.chunking import Chunk
from rag.lexical import LexicalIndex
from rag.store import IndexCorrupt, NewDocument, StoredDocument

CHUNKS_DB = "chunks.sqlite"
PASSAGES = "passages.npy"
SENTENCES = "sentences.npy"
OFFSETS = "sentence_offsets.npy"
CHUNK_DOCS = "chunk_docs.npy"
ANN = "dense.hnsw"
CHECKSUMS = "checksums.json"
# HNSW settings measured by bench/scale.py and DESIGN.md (M=32: efSearch 128 gives recall@10
# 0.99 at 100k structured vectors in ~1 ms); exact search below the threshold.
ANN_MIN_PASSAGES = 20_000
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 64
HNSW_EF_SEARCH = 128

_SCHEMA = """
CREATE TABLE chunks (ord INTEGER PRIMARY KEY, chunk_id TEXT, doc_id TEXT, title TEXT, date TEXT,
                     url TEXT, text TEXT, start INTEGER, end INTEGER, sentences TEXT);
CREATE TABLE documents (row INTEGER PRIMARY KEY, doc_id TEXT UNIQUE, hash TEXT, source TEXT,
                        title TEXT, date TEXT, first INTEGER, count INTEGER);
"""


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fsync_tree(directory: Path) -> None:
    for path in [*directory.rglob("*"), directory]:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write_segment(directory: Path, docs: list[NewDocument], dim: int) -> tuple[dict, str]:
    """Write `docs` as a new segment in `directory` (which must not exist); returns its info and
    the sha256 of its checksums file (the manifest records it: a swapped segment is caught)."""
    directory.mkdir(parents=True)
    chunks = [c for d in docs for c in d.chunks]
    _write_tables(directory / CHUNKS_DB, docs)
    passages = (np.vstack([d.passage_vectors for d in docs]) if docs else np.zeros((0, dim))).astype(np.float32)
    sentences = (np.vstack([d.sentence_vectors for d in docs]) if docs else np.zeros((0, dim))).astype(np.float16)
    counts = np.array([len(c.sentences) for c in chunks], dtype=np.int64)
    np.save(directory / PASSAGES, passages)
    np.save(directory / SENTENCES, sentences)
    np.save(directory / OFFSETS, np.concatenate([[0], np.cumsum(counts)]).astype(np.int64))
    np.save(directory / CHUNK_DOCS, np.repeat(np.arange(len(docs), dtype=np.int32),
                                              [len(d.chunks) for d in docs]))
    LexicalIndex.build([c.text for c in chunks]).save(directory)
    ann = len(chunks) >= ANN_MIN_PASSAGES
    if ann:
        index = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        index.add(passages)
        faiss.write_index(index, str(directory / ANN))
    files = {str(p.relative_to(directory)): {"sha256": sha256(p), "bytes": p.stat().st_size}
             for p in sorted(directory.rglob("*")) if p.is_file()}
    (directory / CHECKSUMS).write_text(json.dumps(files, indent=0), encoding="utf-8")
    fsync_tree(directory)
    info = {"name": directory.name, "n_chunks": len(chunks), "n_docs": len(docs), "ann": ann,
            "bytes": sum(f["bytes"] for f in files.values()) + (directory / CHECKSUMS).stat().st_size}
    return info, sha256(directory / CHECKSUMS)


def _write_tables(path: Path, docs: list[NewDocument]) -> None:
    db = sqlite3.connect(path)
    try:
        db.execute("PRAGMA journal_mode=OFF")  # a new file in a new folder: the manifest is the commit
        db.executescript(_SCHEMA)
        first = 0
        for row, d in enumerate(docs):
            db.execute("INSERT INTO documents VALUES (?,?,?,?,?,?,?,?)",
                       (row, d.doc.doc_id, d.doc.hash, d.doc.source, d.doc.title, d.doc.date,
                        first, len(d.chunks)))
            db.executemany("INSERT INTO chunks VALUES (?,?,?,?,?,?,?,?,?,?)", [
                (first + i, c.chunk_id, c.doc_id, c.title, c.date, c.url, c.text, c.start, c.end,
                 json.dumps(c.sentences)) for i, c in enumerate(d.chunks)])
            first += len(d.chunks)
        db.commit()
    finally:
        db.close()


def _chunk(row: tuple) -> Chunk:
    chunk_id, doc_id, title, date, url, text, start, end, sentences = row
    return Chunk(chunk_id, doc_id, title, date, url, text, start, end,
                 tuple((int(s), int(e)) for s, e in json.loads(sentences)))


@dataclass
class Segment:
    """An open segment: arrays memory-mapped, tables read on demand, BM25 loaded."""

    directory: Path
    n_chunks: int
    passages: np.ndarray
    sentences: np.ndarray
    offsets: np.ndarray
    chunk_docs: np.ndarray
    lexical: LexicalIndex
    ann: faiss.Index | None
    _db: sqlite3.Connection
    _lock: threading.Lock
    _doc_ids: list[str] | None = None

    @classmethod
    def open(cls, directory: Path, info: dict, digest: str) -> "Segment":
        """Open without hashing the data: the small checksums file must match the manifest's
        digest and every file its recorded size; `rag check` hashes everything."""
        raw = (directory / CHECKSUMS).read_bytes()
        if hashlib.sha256(raw).hexdigest() != digest:
            raise IndexCorrupt(f"{directory.name}/{CHECKSUMS} does not match the manifest")
        expected = json.loads(raw)
        for name, facts in expected.items():
            path = directory / name
            if not path.is_file():
                raise IndexCorrupt(f"missing {directory.name}/{name}")
            if path.stat().st_size != facts["bytes"]:
                raise IndexCorrupt(f"{directory.name}/{name} has the wrong size")
        n = int(info["n_chunks"])
        db = sqlite3.connect(f"file:{directory / CHUNKS_DB}?mode=ro", uri=True, check_same_thread=False)
        ann = None
        if info.get("ann"):
            # Memory-mapped in place: opening reads no vectors, a search touches the nodes it visits.
            ann = faiss.read_index(str(directory / ANN), faiss.IO_FLAG_MMAP_IFC)
            ann.hnsw.efSearch = HNSW_EF_SEARCH
        segment = cls(directory, n, np.load(directory / PASSAGES, mmap_mode="r"),
                      np.load(directory / SENTENCES, mmap_mode="r"), np.load(directory / OFFSETS),
                      np.load(directory / CHUNK_DOCS, mmap_mode="r"),
                      LexicalIndex.load(directory, n, mmap=True), ann, db, threading.Lock())
        if len(segment.passages) != n or len(segment.offsets) != n + 1:
            raise IndexCorrupt(f"{directory.name} does not match its manifest")
        return segment

    def close(self) -> None:
        self._db.close()

    # ---------------------------------------------------------------- dense
    def dense_search(self, query: np.ndarray, k: int, dead: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        """Local rows and cosines of the k nearest live passages."""
        k = min(k, self.n_chunks)
        if k <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        if self.ann is None:
            sims = np.asarray(self.passages @ query, dtype=np.float32)
            if dead is not None:
                sims[dead] = -np.inf
            top = np.argpartition(-sims, k - 1)[:k] if k < len(sims) else np.arange(len(sims))
            top = top[np.argsort(-sims[top], kind="stable")]
            top = top[np.isfinite(sims[top])]
            return top.astype(np.int64), sims[top]
        extra = int(dead.sum()) if dead is not None else 0
        sims, ids = self.ann.search(query.reshape(1, -1).astype(np.float32), min(k + extra, self.n_chunks))
        keep = ids[0] >= 0
        rows, sims = ids[0][keep].astype(np.int64), sims[0][keep]
        if dead is not None:
            alive = ~dead[rows]
            rows, sims = rows[alive], sims[alive]
        return rows[:k], sims[:k]

    def passage_similarity(self, query: np.ndarray, rows: np.ndarray) -> np.ndarray:
        return np.asarray(self.passages[np.sort(rows)] @ query, dtype=np.float32)[np.argsort(np.argsort(rows))]

    def sentence_similarities(self, query: np.ndarray, rows: np.ndarray) -> list[np.ndarray]:
        out = []
        q16 = query.astype(np.float32)
        for row in rows:
            block = self.sentences[self.offsets[row]:self.offsets[row + 1]]
            out.append(np.asarray(block, dtype=np.float32) @ q16)
        return out

    # ---------------------------------------------------------------- tables
    def chunks(self, rows: list[int]) -> list[Chunk]:
        if not rows:
            return []
        marks = ",".join("?" * len(rows))
        with self._lock:
            found = {r[0]: _chunk(r[1:]) for r in self._db.execute(
                f"SELECT ord, chunk_id, doc_id, title, date, url, text, start, end, sentences "
                f"FROM chunks WHERE ord IN ({marks})", [int(r) for r in rows])}
        return [found[int(r)] for r in rows]

    def doc_ids(self) -> list[str]:
        """Document id per document row (loaded once, on first use)."""
        if self._doc_ids is None:
            with self._lock:
                self._doc_ids = [r[0] for r in self._db.execute("SELECT doc_id FROM documents ORDER BY row")]
        return self._doc_ids

    def documents(self) -> list[tuple[StoredDocument, int]]:
        """Every document of the segment with its first chunk row."""
        with self._lock:
            rows = self._db.execute(
                "SELECT doc_id, hash, source, title, date, count, first FROM documents ORDER BY row").fetchall()
        return [(StoredDocument(*r[:6]), int(r[6])) for r in rows]

    def _ranges(self, doc_ids: list[str]) -> list[tuple[str, int, int]]:
        out = []
        with self._lock:
            for start in range(0, len(doc_ids), 500):
                part = doc_ids[start:start + 500]
                out += self._db.execute(f"SELECT doc_id, first, count FROM documents WHERE doc_id IN "
                                        f"({','.join('?' * len(part))})", part).fetchall()
        return out

    def holds(self, doc_ids: set[str]) -> set[str]:
        """Which of `doc_ids` this segment was written with (tombstoned or not)."""
        return {r[0] for r in self._ranges(sorted(doc_ids))}

    def rows_of(self, doc_ids: list[str]) -> np.ndarray | None:
        """A mask of the rows of `doc_ids` (None when there are none: nothing is tombstoned)."""
        if not doc_ids:
            return None
        mask = np.zeros(self.n_chunks, dtype=bool)
        for _, first, count in self._ranges(list(doc_ids)):
            mask[first:first + count] = True
        return mask

    def read_documents(self, deleted: set[str]) -> list[NewDocument]:
        """The live documents with their chunks and vectors, for a merge."""
        out = []
        for stored, first in self.documents():
            if stored.doc_id in deleted:
                continue
            rows = list(range(first, first + stored.chunks))
            chunks = self.chunks(rows)
            lo, hi = (int(self.offsets[first]), int(self.offsets[first + stored.chunks]))
            out.append(NewDocument(stored, chunks, np.asarray(self.passages[first:first + stored.chunks], np.float32),
                                   np.asarray(self.sentences[lo:hi])))
        return out

    def verify(self) -> list[str]:
        """Every file against its recorded sha256."""
        problems = []
        expected = json.loads((self.directory / CHECKSUMS).read_text(encoding="utf-8"))
        for name, facts in expected.items():
            path = self.directory / name
            if not path.is_file():
                problems.append(f"{self.directory.name}/{name} is missing")
            elif sha256(path) != facts["sha256"]:
                problems.append(f"{self.directory.name}/{name} is damaged (checksum mismatch)")
        return problems
