"""The store interface: what retrieval, ingest and evaluation need from an index, whatever holds it.

A backend is one module (`rag/local_store.py` today, PostgreSQL next) implementing `Store`;
`open_store` picks it from `Settings.store` (`RAG_STORE`). Chunks are addressed by integer keys
that are stable for one opened store (a reader holds one commit for its whole life), so the
retriever can gather candidates as numpy arrays and read text only for the few it shows.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Container, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ContextManager, Protocol

import numpy as np

from rag.chunking import Chunk

if TYPE_CHECKING:
    from rag.config import Settings
    from rag.question import Question


class IndexProblem(RuntimeError):
    """The index cannot be used; the message is one line that says what to run."""


class IndexMissing(IndexProblem):
    pass


class IndexCorrupt(IndexProblem):
    pass


class IndexModelMismatch(IndexProblem):
    """The index's vectors were made by another model, runtime or sentence pooling."""


MATCH_SETTINGS = "RAG_EMBED_MODEL, RAG_RUNTIME and RAG_SENTENCE_VECTORS"  # what the vectors' identity is made of


class IndexWriteFailed(IndexProblem):
    """Writing failed (e.g. a full disk); what was written is removed, the previous index stands."""


class IndexOutdated(IndexProblem):
    """Written by an older release in a format this one does not read."""


@dataclass
class StoredDocument:
    """What the store remembers of an article: enough to skip it when its file did not change."""

    doc_id: str
    hash: str
    source: str = ""
    title: str = ""
    date: str = ""
    chunks: int = 0


@dataclass
class NewDocument:
    """An article ready to store: its chunks, one vector per chunk and one per sentence."""

    doc: StoredDocument
    chunks: list[Chunk]
    passage_vectors: np.ndarray   # (len(chunks), dim) float32
    sentence_vectors: np.ndarray  # (sum of sentences per chunk, dim), chunk by chunk


@dataclass
class SparseScores:
    """Scores of the chunks that have one (sorted keys); every other chunk scores 0."""

    keys: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    values: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.float32))

    def at(self, keys: np.ndarray) -> np.ndarray:
        where = np.clip(np.searchsorted(self.keys, keys), 0, max(len(self.keys) - 1, 0))
        found = (self.keys[where] == keys) if len(self.keys) else np.zeros(len(keys), dtype=bool)
        return np.where(found, self.values[where] if len(self.keys) else 0.0, 0.0).astype(np.float32)

    def top(self, k: int) -> np.ndarray:
        if len(self.keys) <= k:
            return self.keys
        return self.keys[np.argpartition(-self.values, k - 1)[:k]]


@dataclass
class LexicalCandidates:
    """BM25 of the chunks that match the question (both views), keyed like `Store`."""

    keys: np.ndarray       # int64 chunk keys: the top-k of either view
    accented: SparseScores  # every matching key's score (not only the top-k), per view
    folded: SparseScores
    coverage: float        # share of the question's (folded) content syllables found in the corpus
    name_share: float      # share of its capitalised words (names, after the first word) found


@dataclass
class CommitStats:
    """What one write did: for benchmarks and the ingest report."""

    bytes_written: int = 0
    segments: int = 0
    merged: list[str] = field(default_factory=list)


class Store(Protocol):
    """One committed state of an index, open for reading (and the writer's entry points)."""

    model: str
    dim: int
    chunking: dict
    roots: list[str]

    @property
    def n_chunks(self) -> int: ...

    def documents(self) -> dict[str, StoredDocument]: ...

    def all_keys(self) -> np.ndarray:
        """Every live chunk's key (a small index scores them all)."""

    # ---- reading, for retrieval
    def dense_search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(keys, cosine) of the k passages nearest `query`, best first (approximate when large)."""

    def passage_similarity(self, query: np.ndarray, keys: np.ndarray) -> np.ndarray: ...

    def sentence_similarities(self, query: np.ndarray, keys: np.ndarray) -> list[np.ndarray]:
        """cosine(query, sentence) for each sentence of each chunk in `keys`."""

    def chunks(self, keys: np.ndarray) -> list[Chunk]: ...

    def doc_ids(self, keys: np.ndarray) -> list[str]: ...

    def lexical_search(self, question: "Question", k: int) -> LexicalCandidates: ...

    def spell_names(self, question: str) -> str: ...

    def term_weights(self, question: "Question") -> tuple[dict[str, float], set[str]]: ...

    @property
    def names(self) -> Container[str]: ...

    @property
    def vocabulary(self) -> Container[str]: ...

    def accented_df(self, terms: list[str]) -> dict[str, int]:
        """How many passages hold each accented syllable or joined pair (0 when none): what
        restoring the diacritics of an unaccented question reads."""

    def documents_with(self, term: str) -> frozenset[str]: ...

    # ---- writing (one writer at a time; readers keep the commit they opened)
    def commit(self, added: list[NewDocument], removed: list[str], roots: list[str]) -> CommitStats: ...

    def compact(self) -> CommitStats: ...

    def check(self) -> list[str]:
        """Problems found by verifying every checksum (empty when the index is sound)."""

    def close(self) -> None: ...

    def warm(self) -> threading.Thread | None:
        """Start bringing the index into memory in the background (long-lived processes); the
        thread doing it, or None when the backend has nothing to do."""

    def snapshot(self) -> ContextManager[None]:
        """Reads inside see one committed state (a question never mixes two ingests)."""


StoreOpener = Callable[["Settings", str], Store]


def open_store(settings: "Settings", model: str) -> Store:
    """Open the index for `settings` with the backend named by `settings.store`."""
    if settings.store == "postgres":
        from rag.pg_store import PgStore

        return PgStore.open(settings.database_url, settings.database_schema, model)
    if settings.store == "local":
        from rag.local_store import LocalStore

        return LocalStore.open(settings.index_dir, model)
    raise IndexProblem(f"unknown RAG_STORE {settings.store!r}: use 'local' or 'postgres'")


def create_store(settings: "Settings", model: str, dim: int, chunking: dict, **facts: str) -> Store:
    """An empty index (replacing whatever is there at its first commit); `facts` are recorded
    in its manifest (e.g. the encoder runtime)."""
    if settings.store == "postgres":
        from rag.pg_store import PgStore

        return PgStore.create(settings.database_url, settings.database_schema, model, dim, chunking, **facts)
    if settings.store == "local":
        from rag.local_store import LocalStore

        return LocalStore.create(settings.index_dir, model, dim, chunking, **facts)
    raise IndexProblem(f"unknown RAG_STORE {settings.store!r}: use 'local' or 'postgres'")


_held = threading.local()


@contextmanager
def writer_lock(settings: "Settings") -> Iterator[None]:
    """One writer at a time per index: a file lock in the index folder, or an advisory lock held
    in PostgreSQL (which also serialises ingests started on different machines). Re-entrant in
    one thread, so an ingest can hold it from reading the mirrored folders to its commit."""
    key = (settings.store, settings.database_url, settings.database_schema, str(settings.index_dir))
    held = getattr(_held, "keys", None)
    if held is None:
        held = _held.keys = set()
    if key in held:
        yield
        return
    held.add(key)
    try:
        with _writer_lock(settings):
            yield
    finally:
        held.discard(key)


@contextmanager
def _writer_lock(settings: "Settings") -> Iterator[None]:
    if settings.store == "postgres":
        from rag.pg_store import advisory_lock

        with advisory_lock(settings.database_url, settings.database_schema):
            yield
        return
    from rag.local_store import folder_lock

    with folder_lock(settings.index_dir):
        yield


def recorded_roots(settings: "Settings") -> list[str]:
    """The folders the index mirrors, read without opening it (no model needed)."""
    if settings.store == "postgres":
        from rag.pg_store import recorded_roots as pg_roots

        return pg_roots(settings.database_url, settings.database_schema)
    from rag.local_store import recorded_roots as local_roots

    return local_roots(settings.index_dir)


def describe_location(settings: "Settings") -> str:
    """Where the index lives, for messages (never a password)."""
    if settings.store == "postgres":
        from rag.pg_store import where

        return f"PostgreSQL schema {settings.database_schema} at {where(settings.database_url)}"
    return str(settings.index_dir)
