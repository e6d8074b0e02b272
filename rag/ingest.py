"""Incremental indexing: corpus → chunks → vectors + lexical index → store.

The manifest keeps a content hash per document, so a run re-embeds only documents that are new
or changed (embedding is ~all of the cost) and drops documents whose files are gone.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from rag.chunking import Chunk, ChunkingSettings, chunk_document
from rag.config import Settings
from rag.corpus import Document, SkippedFile, load_corpus
from rag.embedding import Embedder, describe_model, load_embedder
from rag.store import (CommitStats, IndexMissing, IndexProblem, NewDocument, Store, StoredDocument, create_store,
                       recorded_roots, writer_lock,
                       open_store)

Progress = Callable[[int, int], None]
ENCODE_BLOCK = 256


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
    encoded_texts: int = 0
    bytes_written: int = 0
    seconds: float = 0.0


@dataclass
class _DocEntry:
    """One document's chunks and their vectors (rows: chunk vector, then its sentences)."""

    doc: Document
    chunks: list[Chunk]
    vectors: np.ndarray


def vector_texts(chunk: Chunk) -> list[str]:
    """What gets embedded for a chunk: the passage itself, then each of its sentences.

    Scoring a passage by its own vector and its best sentence lifts dense hit@1 on XQuAD-vi
    (DESIGN.md: 0.892 to 0.925 with sentence windows); the sentence vectors also let the
    extractive answerer pick sentences without encoding them at question time.
    """
    return [chunk.text, *chunk.sentence_texts()]


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


def _encode(embedder: Embedder, texts: list[str], on_progress: Progress | None) -> np.ndarray:
    """Encode in blocks (for the progress bar), longest texts first so each block pads little:
    on XQuAD-vi, blocks in document order took 65.7 s, the same blocks sorted 51.6 s, and one
    `encode` call of everything 56.2 s."""
    order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
    vectors = np.zeros((len(texts), embedder.dim), dtype=np.float32)
    for start in range(0, len(texts), ENCODE_BLOCK):
        rows = order[start:start + ENCODE_BLOCK]
        vectors[rows] = embedder.encode_passages([texts[i] for i in rows])
        if on_progress:
            on_progress(min(start + ENCODE_BLOCK, len(texts)), len(texts))
    return vectors


def build_entries(docs: list[Document], settings: Settings, embedder: Embedder,
                  known: dict[str, StoredDocument], report: IngestReport,
                  on_progress: Progress | None) -> list[_DocEntry]:
    """Chunk and embed, in one batch, the documents that are new or changed since `known`."""
    chunking = chunking_settings(settings, embedder)
    entries: list[_DocEntry] = []
    pending: list[tuple[int, list[str]]] = []
    for doc in docs:
        prior = known.get(doc.doc_id)
        if prior and prior.hash == doc.content_hash:
            report.unchanged.append(doc.doc_id)
            continue
        (report.updated if prior else report.added).append(doc.doc_id)
        chunks = chunk_document(doc, embedder.count_tokens, chunking)
        texts = [t for c in chunks for t in vector_texts(c)]
        pending.append((len(entries), texts))
        entries.append(_DocEntry(doc, chunks, np.zeros((0, embedder.dim), dtype=np.float32)))
    all_texts = [t for _, texts in pending for t in texts]
    vectors = _encode(embedder, all_texts, on_progress)
    report.encoded_texts = len(all_texts)
    offset = 0
    for entry_index, texts in pending:
        entries[entry_index].vectors = vectors[offset:offset + len(texts)]
        offset += len(texts)
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


def index_documents(docs: list[Document], settings: Settings, roots: list[str],
                    report: IngestReport | None = None, rebuild: bool = False,
                    on_progress: Progress | None = None) -> IngestReport:
    """Bring the index in `settings.index_dir` to exactly `docs`, embedding only what changed.

    The write is one new segment for the new and changed articles plus tombstones for the
    changed and removed ones (rag/local_store.py): its cost grows with the change, not the corpus.
    """
    report = report or IngestReport()
    if not docs:
        reasons = "; ".join(f"{s.path}: {s.reason}" for s in report.skipped[:5])
        raise NothingToIndex("nothing was indexed: no readable articles"
                             + (f" ({reasons})" if reasons else "") + "; the index is unchanged")
    started = time.perf_counter()
    embedder = load_embedder(settings)
    chunking = chunking_settings(settings, embedder).__dict__
    with writer_lock(settings):
        old = None if rebuild else _previous(settings, embedder, report)
        if old is not None and old.chunking != chunking:
            report.notes.append("passage size changed: every article is embedded again")
            old = None
        known = old.documents() if old is not None else {}
        entries = build_entries(docs, settings, embedder, known, report, on_progress)
        report.removed = sorted(set(known) - {d.doc_id for d in docs})
        store = old if old is not None else create_store(settings, embedder.name, embedder.dim, chunking)
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
    embedder_name = describe_model(settings)
    with writer_lock(settings):
        store = open_store(settings, embedder_name)
        try:
            return store.merge(store.merge_plan(everything=True))
        finally:
            store.close()


def check(settings: Settings) -> list[str]:
    """`rag check`: every segment's files against their checksums."""
    store = open_store(settings, describe_model(settings))
    try:
        return store.check()
    finally:
        store.close()


def ingest(paths: list[Path] | None, settings: Settings, replace_roots: bool = False,
           rebuild: bool = False, on_progress: Progress | None = None) -> IngestReport:
    """Add `paths` to the folders this index mirrors, then sync the index with all of them.

    With no paths, re-sync the recorded folders (the seed articles for a new index). With
    `replace_roots`, the index mirrors exactly `paths`.
    """
    with writer_lock(settings):  # the recorded folders are read and rewritten by one writer
        return _ingest(paths, settings, replace_roots, rebuild, on_progress)


def _ingest(paths: list[Path] | None, settings: Settings, replace_roots: bool, rebuild: bool,
            on_progress: Progress | None) -> IngestReport:
    given = [str(Path(p).resolve()) for p in (paths or [])]
    roots = [] if replace_roots else recorded_roots(settings)
    roots += [p for p in given if p not in roots]
    if not roots:
        roots = [str(settings.seeds_dir.resolve())]
    report = IngestReport()
    present = [r for r in roots if Path(r).exists()]
    for gone in sorted(set(roots) - set(present)):
        report.notes.append(f"{gone} no longer exists: its articles leave the index")
    loaded = load_corpus([Path(r) for r in present])
    report.skipped = loaded.skipped
    return index_documents(loaded.documents, settings, present, report, rebuild, on_progress)
