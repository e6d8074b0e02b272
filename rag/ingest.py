"""Incremental indexing: corpus → chunks → vectors + lexical index → store.

The manifest keeps a content hash per document, so a run re-embeds only documents that are new
or changed (embedding is ~all of the cost) and drops documents whose files are gone.

A whole run (reading the recorded folders, the previous index, writing the new one) holds the
index's writer lock, so two runs at once on different paths both end up in the index; only the
model is loaded before the lock, as it takes seconds and touches no index.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from rag.chunking import Chunk, ChunkingSettings, chunk_document
from rag.config import Settings
from rag.corpus import Document, SkippedFile, load_corpus
from rag.embedding import Embedder, describe_vectors, load_embedder
from rag.store import (recorded_roots, writer_lock, CommitStats, IndexMissing, IndexProblem, NewDocument, Store, StoredDocument, create_store,
                       open_store)

Progress = Callable[[int, int], None]
ENCODE_BLOCK = 32  # passages per progress step
# Articles are measured for the passage limit in slices this long (well under the tokenizer's
# 512-token window), stopping as soon as the limit is passed.
_MEASURE_SLICE = 500


class NothingToIndex(ValueError):
    """No readable article was found; the existing index is left as it was."""


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    skipped: list[SkippedFile] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    chunks: int = 0
    encoded_passages: int = 0
    encoded_texts: int = 0  # encoder inputs: passages, plus their sentences when encoded apart
    bytes_written: int = 0
    seconds: float = 0.0


@dataclass
class _DocEntry:
    """One document's chunks and their vectors (rows: chunk vector, then its sentences)."""

    doc: Document
    chunks: list[Chunk]
    vectors: np.ndarray


def vector_texts(chunk: Chunk) -> list[str]:
    """What the vectors of a chunk stand for: the passage itself, then each of its sentences.

    Scoring a passage by its own vector and its best sentence lifts dense hit@1 on XQuAD-vi
    (DESIGN.md: 0.892 to 0.925 with sentence windows); the sentence vectors also let the
    extractive answerer pick sentences without encoding them at question time. With late
    sentence vectors (the default) only the passage goes through the encoder.
    """
    return [chunk.text, *chunk.sentence_texts()]


def _sentence_spans(chunk: Chunk) -> list[tuple[int, int]]:
    """Sentence spans as character offsets into the chunk's own text."""
    return [(a - chunk.start, b - chunk.start) for a, b in chunk.sentences]


def chunking_settings(settings: Settings, embedder: Embedder) -> ChunkingSettings:
    return ChunkingSettings(min(settings.chunk_tokens, embedder.max_tokens), settings.chunk_overlap_sentences)


def _previous(settings: Settings, embedder: Embedder, report: IngestReport) -> Store | None:
    try:
        return open_store(settings, embedder.name)
    except IndexMissing:
        return None
    except IndexProblem as err:
        report.notes.append(f"rebuilding from scratch: {err}".split(": run")[0])
        return None


def _encode(embedder: Embedder, chunks: list[Chunk], on_progress: Progress | None) -> list[np.ndarray]:
    """Vectors per chunk (passage, then sentences), in blocks of passages for the progress bar,
    longest first so each block pads little: on XQuAD-vi, blocks in document order took 65.7 s,
    the same blocks sorted 51.6 s, and one `encode` call of everything 56.2 s."""
    order = sorted(range(len(chunks)), key=lambda i: -len(chunks[i].text))
    vectors: list[np.ndarray] = [np.zeros((0, embedder.dim), dtype=np.float32)] * len(chunks)
    for start in range(0, len(chunks), ENCODE_BLOCK):
        rows = order[start:start + ENCODE_BLOCK]
        block = embedder.encode_with_sentences([(chunks[i].text, _sentence_spans(chunks[i])) for i in rows])
        for i, rows_of_chunk in zip(rows, block):
            vectors[i] = rows_of_chunk
        if on_progress:
            on_progress(min(start + ENCODE_BLOCK, len(chunks)), len(chunks))
    return vectors


def build_entries(docs: list[Document], settings: Settings, embedder: Embedder,
                  known: dict[str, StoredDocument], report: IngestReport,
                  on_progress: Progress | None) -> list[_DocEntry]:
    """Chunk and embed, in one batch, the documents that are new or changed since `known`."""
    chunking = chunking_settings(settings, embedder)
    entries: list[_DocEntry] = []
    pending: list[tuple[int, list[Chunk]]] = []
    for doc in docs:
        prior = known.get(doc.doc_id)
        if prior and prior.hash == doc.content_hash:
            report.unchanged.append(doc.doc_id)
            continue
        (report.updated if prior else report.added).append(doc.doc_id)
        chunks = chunk_document(doc, embedder.count_tokens, chunking)
        pending.append((len(entries), chunks))
        entries.append(_DocEntry(doc, chunks, np.zeros((0, embedder.dim), dtype=np.float32)))
    all_chunks = [c for _, chunks in pending for c in chunks]
    vectors = _encode(embedder, all_chunks, on_progress)
    report.encoded_passages = len(all_chunks)
    report.encoded_texts = len(all_chunks) if embedder.sentence_vectors == "late" else \
        sum(1 + len(c.sentences) for c in all_chunks)
    offset = 0
    for entry_index, chunks in pending:
        entries[entry_index].vectors = np.vstack(vectors[offset:offset + len(chunks)]) if chunks else \
            np.zeros((0, embedder.dim), dtype=np.float32)
        offset += len(chunks)
    return entries


def to_new_document(entry: _DocEntry) -> NewDocument:
    """Split an entry's vectors (per chunk: the passage, then its sentences) for the store."""
    passage_rows, row = [], 0
    for chunk in entry.chunks:
        passage_rows.append(row)
        row += 1 + len(chunk.sentences)
    sentence_rows = np.setdiff1d(np.arange(row), passage_rows)
    doc = entry.doc
    stored = StoredDocument(doc.doc_id, doc.content_hash, doc.source, doc.title, doc.date, len(entry.chunks))
    return NewDocument(stored, entry.chunks, entry.vectors[passage_rows], entry.vectors[sentence_rows])


def _min_passages(text: str, embedder: Embedder, max_tokens: int, limit: int) -> int:
    """A lower bound on the passages `text` makes: its model tokens over the passage size.

    Counted slice by slice and stopped once over `limit`, so a 30 MB file costs about `limit`
    passages of tokenising instead of minutes of chunking before anything is said.
    """
    budget = limit * max_tokens
    if len(text) * 2 <= budget:  # a character is at most ~2 tokens: short articles need no count
        return 1
    overhead = embedder.count_tokens("")
    tokens = 0
    for start in range(0, len(text), _MEASURE_SLICE):
        tokens += embedder.count_tokens(text[start:start + _MEASURE_SLICE]) - overhead
        if tokens > budget:
            break
    return math.ceil(tokens / max(1, max_tokens - overhead))


def _within_limits(docs: list[Document], known: dict[str, StoredDocument], settings: Settings,
                   embedder: Embedder, report: IngestReport) -> list[Document]:
    """Drop new or changed articles over `settings.max_passages`, saying so (RAG_MAX_PASSAGES)."""
    max_tokens = chunking_settings(settings, embedder).max_tokens
    kept = []
    for doc in docs:
        unchanged = doc.doc_id in known and known[doc.doc_id].hash == doc.content_hash
        if not unchanged and _min_passages(doc.text, embedder, max_tokens, settings.max_passages) > settings.max_passages:
            report.skipped.append(SkippedFile(
                doc.source or doc.doc_id,
                f"article {doc.doc_id!r} is longer than {settings.max_passages} passages "
                f"(RAG_MAX_PASSAGES); split it or raise the limit"))
            continue
        kept.append(doc)
    return kept


def _nothing_to_index(report: IngestReport) -> NothingToIndex:
    reasons = "; ".join(f"{s.path}: {s.reason}" for s in report.skipped[:5])
    return NothingToIndex("nothing was indexed: no readable articles"
                          + (f" ({reasons})" if reasons else "") + "; the index is unchanged")


def _index_locked(docs: list[Document], settings: Settings, embedder: Embedder, roots: list[str],
                  report: IngestReport, rebuild: bool, on_progress: Progress | None) -> IngestReport:
    """Bring the index to exactly `docs`; the caller holds the writer lock.

    The write is one new segment for the new and changed articles plus tombstones for the
    changed and removed ones (rag/local_store.py): its cost grows with the change, not the corpus.
    """
    started = time.perf_counter()
    chunking = chunking_settings(settings, embedder).__dict__
    old = None if rebuild else _previous(settings, embedder, report)
    if old is not None and old.chunking != chunking:
        report.notes.append("passage size changed: every article is embedded again")
        old.close()
        old = None
    known = old.documents() if old is not None else {}
    docs = _within_limits(docs, known, settings, embedder, report)
    if not docs:
        raise _nothing_to_index(report)
    entries = build_entries(docs, settings, embedder, known, report, on_progress)
    report.removed = sorted(set(known) - {d.doc_id for d in docs})
    store = old if old is not None else create_store(settings, embedder.name, embedder.dim, chunking,
                                                     runtime=embedder.runtime_name,
                                                     sentence_vectors=embedder.sentence_vectors)
    try:
        if entries or report.removed or old is None or old.roots != roots:
            stats = store.commit([to_new_document(e) for e in entries], report.removed, roots,
                                 replace_all=old is None)
            report.bytes_written = stats.bytes_written
            _merge_if_needed(settings, embedder.name, report)
    finally:
        store.close()
    after = open_store(settings, embedder.name)
    report.chunks = after.n_chunks
    after.close()
    report.seconds = time.perf_counter() - started
    return report


def index_documents(docs: list[Document], settings: Settings, roots: list[str],
                    report: IngestReport | None = None, rebuild: bool = False,
                    on_progress: Progress | None = None) -> IngestReport:
    """Bring the index in `settings.index_dir` to exactly `docs`, embedding only what changed."""
    report = report or IngestReport()
    if not docs:
        raise _nothing_to_index(report)
    embedder = load_embedder(settings)
    with writer_lock(settings):
        return _index_locked(docs, settings, embedder, roots, report, rebuild, on_progress)


def _merge_if_needed(settings: Settings, model: str, report: IngestReport) -> None:
    """Merge segments that piled up (the writer lock is held)."""
    store = open_store(settings, model)
    try:
        plan = store.merge_plan()
        if plan:
            report.bytes_written += store.merge(plan).bytes_written
            report.notes.append(f"merged {sum(len(g) for g in plan)} segments")
    finally:
        store.close()


def compact(settings: Settings) -> CommitStats:
    """`rag compact`: merge every segment (up to the size cap) and drop deleted rows."""
    with writer_lock(settings):
        store = open_store(settings, describe_vectors(settings))
        try:
            return store.merge(store.merge_plan(everything=True))
        finally:
            store.close()


def check(settings: Settings) -> list[str]:
    """`rag check`: every segment's files against their checksums."""
    store = open_store(settings, describe_vectors(settings))
    try:
        return store.check()
    finally:
        store.close()


def _split_given(paths: list[Path] | None, report: IngestReport) -> list[str]:
    """The given paths that exist (resolved); the others are reported as skipped."""
    given: list[str] = []
    for path in paths or []:
        if not Path(path).exists():
            report.skipped.append(SkippedFile(str(path), "no such file or folder"))
        elif str(Path(path).resolve()) not in given:
            given.append(str(Path(path).resolve()))
    return given


def ingest(paths: list[Path] | None, settings: Settings, replace_roots: bool = False,
           rebuild: bool = False, on_progress: Progress | None = None) -> IngestReport:
    """Add `paths` to the folders this index mirrors, then sync the index with all of them.

    With no paths, re-sync the recorded folders (the seed articles for a new index). With
    `replace_roots`, the index mirrors exactly `paths`. A given path that does not exist is
    reported as skipped; the others are indexed. The recorded folders are read under the
    writer lock, so a concurrent run's folders are never dropped.
    """
    report = IngestReport()
    given = _split_given(paths, report)
    if paths and not given:
        raise _nothing_to_index(report)
    embedder = load_embedder(settings)
    with writer_lock(settings):
        roots = [] if replace_roots else recorded_roots(settings)
        roots += [p for p in given if p not in roots]
        if not roots:
            roots = [str(settings.seeds_dir.resolve())]
        present = [r for r in roots if Path(r).exists()]
        for gone in sorted(set(roots) - set(present)):
            report.notes.append(f"{gone} no longer exists: its articles leave the index")
        loaded = load_corpus([Path(r) for r in present], max_file_mb=settings.max_file_mb)
        report.skipped += loaded.skipped
        return _index_locked(loaded.documents, settings, embedder, present, report, rebuild, on_progress)
