"""The local backend: immutable segments listed by a small manifest, switched atomically.

Layout of an index folder:
    CURRENT                  one line: the name of the committed manifest
    manifest-000042.json     model, chunking, mirrored folders, and the segments with their
                             tombstones (documents deleted or replaced since the segment was written)
    seg-<id>/                one segment (rag/segment.py), never modified once written

A commit writes its new segment, then a new manifest, then switches CURRENT with `os.replace`:
a reader sees the old manifest or the new one, never a mix, and a process killed at any moment
leaves the last committed state in place (the next writer deletes the orphans). Deleting an
article writes only a manifest (a tombstone). When segments of one size pile up they are merged
(MERGE_FACTOR of a size tier into one, up to MAX_MERGED_CHUNKS); `rag compact` merges all and
drops tombstoned rows.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import sqlite3
import shutil
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from rag.chunking import Chunk
from rag.lexical_set import SegmentedLexical
from rag.segment import ANN, CHUNK_DOCS, CHUNKS_DB, OFFSETS, PASSAGES, SENTENCES, Segment, write_segment
from rag.store import (MATCH_SETTINGS, CommitStats, IndexCorrupt, IndexProblem, IndexMissing, IndexModelMismatch,
                       IndexOutdated, IndexWriteFailed, LexicalCandidates, NewDocument, StoredDocument)

FORMAT_VERSION = 2
CURRENT_FILE = "CURRENT"
MANIFEST_PREFIX = "manifest-"
SEGMENT_PREFIX = "seg-"
LEGACY_PREFIX = "gen-"  # format 1: one folder rewritten whole at every ingest
ROOTS_FILE = "roots.json"
MERGE_FACTOR = 10
MAX_MERGED_CHUNKS = 200_000
OPEN_RETRIES = 5


@contextmanager
def folder_lock(index_dir: Path) -> Iterator[None]:
    """One writer at a time per index folder."""
    index_dir.mkdir(parents=True, exist_ok=True)
    with (index_dir / ".lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _rebuild_hint(index_dir: Path) -> str:
    return f"run `rag ingest --rebuild --index-dir {index_dir}`"


def _has_committed(index_dir: Path) -> bool:
    """Whether an index was ever committed here (then a missing CURRENT is damage, not "no index",
    and a read command must not build a new index over it)."""
    return (index_dir / ROOTS_FILE).is_file() or any(
        p.name.startswith((MANIFEST_PREFIX, SEGMENT_PREFIX, LEGACY_PREFIX)) for p in index_dir.iterdir())


def current_manifest_path(index_dir: Path) -> Path | None:
    """The committed manifest (or, for a format-1 index, its generation folder); None when no
    index was ever committed. Raises `IndexCorrupt` when CURRENT is damaged."""
    pointer = index_dir / CURRENT_FILE
    try:
        raw = pointer.read_bytes()
    except FileNotFoundError:
        if index_dir.is_dir() and _has_committed(index_dir):
            raise IndexCorrupt(f"{CURRENT_FILE} is missing") from None
        return None
    except OSError as err:
        raise IndexCorrupt(f"{CURRENT_FILE} cannot be read: {err.strerror}") from None
    try:
        name = raw.decode("utf-8").strip()
    except UnicodeDecodeError:
        raise IndexCorrupt(f"{CURRENT_FILE} is not text") from None
    if not name or "/" in name or not name.startswith((MANIFEST_PREFIX, LEGACY_PREFIX)):
        raise IndexCorrupt(f"{CURRENT_FILE} does not name a manifest")
    return index_dir / name


def _pointer(index_dir: Path) -> bytes | None:
    try:
        return (index_dir / CURRENT_FILE).read_bytes()
    except OSError:
        return None


def recorded_roots(index_dir: Path) -> list[str]:
    """The folders the index mirrors: kept in ROOTS_FILE beside the manifests, so a rebuild after
    a damaged manifest (or of a format-1 index, from its manifest) still knows them."""
    for read in (lambda: json.loads((index_dir / ROOTS_FILE).read_text(encoding="utf-8")),
                 lambda: (read_manifest(index_dir) or {}).get("roots")):
        try:
            roots = read()
        except (OSError, ValueError):
            continue
        if isinstance(roots, list) and all(isinstance(r, str) for r in roots):
            return roots
    return []


def read_manifest(index_dir: Path) -> dict | None:
    """The committed manifest (either format), or None when there is no readable one."""
    try:
        path = current_manifest_path(index_dir)
    except IndexCorrupt:
        return None
    if path is None:
        return None
    if path.name.startswith(LEGACY_PREFIX):
        path = path / "manifest.json"
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    return manifest if isinstance(manifest, dict) else None


# What a question reads first: the dense graph and vectors, then chunk rows; sentence vectors
# (the largest file, read only for candidates) and the lexical postings follow.
WARM_ORDER = (ANN, PASSAGES, CHUNK_DOCS, CHUNKS_DB, OFFSETS, SENTENCES)
WARM_BLOCK = 8 << 20


def _read_through(paths: list[Path]) -> None:
    """Read each file to its end (the page cache keeps it); a file merged away meanwhile is skipped."""
    buffer = bytearray(WARM_BLOCK)
    for path in paths:
        try:
            with open(path, "rb", buffering=0) as f:
                while f.readinto(buffer):
                    pass
        except OSError:
            continue


@dataclass
class LocalStore:
    """One committed state of a local index, open for reading; also the writer's entry point."""

    index_dir: Path
    manifest: dict
    segments: list[Segment] = field(default_factory=list)
    dead: list[np.ndarray | None] = field(default_factory=list)

    def __post_init__(self) -> None:
        sizes = [s.n_chunks for s in self.segments]
        self.bases = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        self.lexical = SegmentedLexical([(s.lexical, int(b), d) for s, b, d in zip(self.segments, self.bases, self.dead)])

    # ---------------------------------------------------------------- opening
    @classmethod
    def open(cls, index_dir: Path, model: str) -> "LocalStore":
        """Open the committed state; raise an `IndexProblem` whose message says what to run."""
        index_dir = Path(index_dir)
        for attempt in range(OPEN_RETRIES):
            before = _pointer(index_dir)
            try:
                path = current_manifest_path(index_dir)
                if path is None:
                    raise IndexMissing(f"no index in {index_dir}: run `rag ingest --index-dir {index_dir}` to build it")
                if path.name.startswith(LEGACY_PREFIX) and path.is_dir():
                    raise IndexOutdated(
                        f"index in {index_dir} was written by an older release (format 1): "
                        f"{_rebuild_hint(index_dir)} to upgrade it (the folders it mirrors are kept)")
                return cls._open(index_dir, path, model)
            except (IndexMissing, IndexOutdated, IndexModelMismatch):
                raise
            except Exception as err:  # any unreadable part (faiss, numpy, sqlite, bm25s raise their own)
                if attempt + 1 < OPEN_RETRIES and _pointer(index_dir) != before:
                    continue  # a writer committed (and cleaned up) while we opened: take the new state
                raise IndexCorrupt(f"index in {index_dir} is damaged ({err or type(err).__name__}): "
                                   f"{_rebuild_hint(index_dir)}") from None
        raise AssertionError("unreachable")

    @classmethod
    def _open(cls, index_dir: Path, path: Path, model: str) -> "LocalStore":
        manifest = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(manifest, dict):
            raise IndexCorrupt("the manifest is not an object")
        if manifest.get("format_version") != FORMAT_VERSION:
            raise IndexCorrupt(f"unknown index format {manifest.get('format_version')!r}")
        checksums = manifest.get("checksums")
        if not isinstance(checksums, dict) or set(checksums) != {i["name"] for i in manifest["segments"]}:
            raise IndexCorrupt("the manifest lists no checksums for its segments")
        if manifest["model"] != model:
            raise IndexModelMismatch(
                f"index in {index_dir} was built with {manifest['model']!r}, not {model!r}: "
                f"{_rebuild_hint(index_dir)} or set {MATCH_SETTINGS} to match")
        segments, dead = [], []
        for info in manifest["segments"]:
            segment = Segment.open(index_dir / info["name"], info, checksums[info["name"]])
            segments.append(segment)
            dead.append(segment.rows_of(info.get("deleted", [])))
        return cls(index_dir, manifest, segments, dead)

    @classmethod
    def create(cls, index_dir: Path, model: str, dim: int, chunking: dict, **facts: str) -> "LocalStore":
        """An empty store; its first commit replaces whatever the folder held."""
        manifest = {"format_version": FORMAT_VERSION, "generation": 0, "model": model, "dim": dim,
                    "chunking": chunking, **facts, "roots": [], "segments": [], "checksums": {}}
        return cls(Path(index_dir), manifest)

    def snapshot(self):
        """Already one commit for the store's whole life: nothing to hold."""
        return nullcontext()

    def close(self) -> None:
        for segment in self.segments:
            segment.close()

    def warm(self) -> threading.Thread:
        """Read the open segments' files once, in a background thread, so their pages are in
        memory before questions touch them. Everything is memory-mapped: right after open each
        question reads its own pages from disk (1M passages: the first 200 questions p95 253 ms,
        45 ms once warm). For long-lived processes (`rag serve`, `rag chat`); `rag ask` skips it."""
        paths = [s.directory / name for s in self.segments for name in WARM_ORDER if (s.directory / name).is_file()]
        paths += [p for s in self.segments for p in sorted(s.directory.rglob("*"))
                  if p.is_file() and p.name not in WARM_ORDER]
        thread = threading.Thread(target=_read_through, args=(paths,), name="rag-warm", daemon=True)
        thread.start()
        return thread

    # ---------------------------------------------------------------- facts
    @property
    def directory(self) -> Path:
        """The committed manifest this store was opened at: a newer one means a newer index."""
        return self.index_dir / f"{MANIFEST_PREFIX}{int(self.manifest.get('generation', 0)):06d}.json"

    @property
    def model(self) -> str:
        return self.manifest["model"]

    @property
    def dim(self) -> int:
        return int(self.manifest["dim"])

    @property
    def chunking(self) -> dict:
        return self.manifest["chunking"]

    @property
    def roots(self) -> list[str]:
        return list(self.manifest.get("roots", []))

    @property
    def n_chunks(self) -> int:
        """Live chunks (tombstoned ones excluded)."""
        return int(self.bases[-1]) - sum(int(d.sum()) for d in self.dead if d is not None)

    def _deleted(self, s: int) -> set[str]:
        return set(self.manifest["segments"][s].get("deleted", []))

    def documents(self) -> dict[str, StoredDocument]:
        out: dict[str, StoredDocument] = {}
        for s, segment in enumerate(self.segments):
            deleted = self._deleted(s)
            for stored, _ in segment.documents():
                if stored.doc_id not in deleted:
                    out[stored.doc_id] = stored
        return out

    # ---------------------------------------------------------------- reading
    def _split(self, keys: np.ndarray) -> Iterable[tuple[int, np.ndarray, np.ndarray]]:
        """(segment number, positions in `keys`, local rows) for each segment keys fall in."""
        keys = np.asarray(keys, dtype=np.int64)
        which = np.searchsorted(self.bases, keys, side="right") - 1
        for s in np.unique(which):
            positions = np.nonzero(which == s)[0]
            yield int(s), positions, keys[positions] - self.bases[s]

    def dense_search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        keys, sims = [], []
        for s, (segment, dead) in enumerate(zip(self.segments, self.dead)):
            rows, found = segment.dense_search(query, k, dead)
            keys.append(rows + self.bases[s])
            sims.append(found)
        if not keys:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        keys_all, sims_all = np.concatenate(keys), np.concatenate(sims)
        order = np.argsort(-sims_all, kind="stable")[:k]
        return keys_all[order], sims_all[order]

    def passage_similarity(self, query: np.ndarray, keys: np.ndarray) -> np.ndarray:
        out = np.zeros(len(keys), dtype=np.float32)
        for s, positions, rows in self._split(keys):
            out[positions] = self.segments[s].passage_similarity(query, rows)
        return out

    def sentence_similarities(self, query: np.ndarray, keys: np.ndarray) -> list[np.ndarray]:
        out: list[np.ndarray] = [np.zeros(0, dtype=np.float32)] * len(keys)
        for s, positions, rows in self._split(keys):
            for p, sims in zip(positions, self.segments[s].sentence_similarities(query, rows)):
                out[p] = sims
        return out

    def chunks(self, keys: np.ndarray) -> list[Chunk]:
        out: list[Chunk | None] = [None] * len(keys)
        for s, positions, rows in self._split(keys):
            for p, chunk in zip(positions, self.segments[s].chunks([int(r) for r in rows])):
                out[p] = chunk
        return out  # type: ignore[return-value]

    def doc_ids(self, keys: np.ndarray) -> list[str]:
        out = [""] * len(keys)
        for s, positions, rows in self._split(keys):
            segment = self.segments[s]
            names = segment.doc_ids()
            for p, doc_row in zip(positions, segment.chunk_docs[rows]):
                out[p] = names[int(doc_row)]
        return out

    def all_keys(self) -> np.ndarray:
        """Every live chunk key (small indexes score every chunk, as exact as before)."""
        parts = [np.arange(b, b + s.n_chunks)[~d] if d is not None else np.arange(b, b + s.n_chunks)
                 for s, b, d in zip(self.segments, self.bases, self.dead)]
        return np.concatenate(parts).astype(np.int64) if parts else np.zeros(0, dtype=np.int64)

    def lexical_search(self, question, k: int) -> LexicalCandidates:
        return self.lexical.search(question, k)

    def spell_names(self, question: str) -> str:
        return self.lexical.spell_names(question)

    def term_weights(self, question) -> tuple[dict[str, float], set[str]]:
        return self.lexical.term_weights(question)

    @property
    def names(self):
        return self.lexical.names

    @property
    def vocabulary(self):
        return self.lexical.vocabulary

    def accented_df(self, terms: list[str]) -> dict[str, int]:
        return {t: self.lexical.df(t, "accented") for t in terms}

    def documents_with(self, term: str) -> frozenset[str]:
        return frozenset(self.doc_ids(self.lexical.chunks_with(term)))

    # ---------------------------------------------------------------- writing
    def commit(self, added: list[NewDocument], removed: list[str], roots: list[str],
               replace_all: bool = False) -> CommitStats:
        """Write `added` as one new segment and tombstone `removed` (and the replaced versions of
        `added`), then switch to the new manifest. The caller holds the writer lock."""
        stats = CommitStats()
        infos = [] if replace_all else [dict(i) for i in self.manifest["segments"]]
        checksums = {} if replace_all else dict(self.manifest.get("checksums", {}))
        gone = set(removed) | {d.doc.doc_id for d in added}
        if not replace_all and gone:
            self._tombstone(infos, gone)
        with self._writing() as new_segment:
            if added:
                info, digest = write_segment(new_segment(), added, self.dim)
                infos.append(info)
                checksums[info["name"]] = digest
                stats.bytes_written += info["bytes"]
                stats.segments = 1
            stats.bytes_written += self._switch({**self.manifest, "roots": roots, "segments": infos,
                                                 "checksums": checksums})
        return stats

    @contextmanager
    def _writing(self) -> Iterator[Callable[[], Path]]:
        """Hand out new segment folders; if writing fails (a full disk), remove them and every
        file of the unfinished commit, and say so in one line: the previous commit stands."""
        made: list[Path] = []

        def new_segment() -> Path:
            made.append(self.index_dir / f"{SEGMENT_PREFIX}{uuid.uuid4().hex[:12]}")
            return made[-1]

        committed = _pointer(self.index_dir)
        try:
            yield new_segment
        except (OSError, sqlite3.Error, RuntimeError) as err:  # SQLite and FAISS report a full disk their own way
            if isinstance(err, IndexProblem):
                raise
            if _pointer(self.index_dir) == committed:
                for path in made:
                    shutil.rmtree(path, ignore_errors=True)
                for path in self.index_dir.glob(f".{CURRENT_FILE}.*"):
                    path.unlink(missing_ok=True)
                current = current_manifest_path(self.index_dir) if committed else None
                for path in self.index_dir.glob(f"{MANIFEST_PREFIX}*"):
                    if current is None or path.name != current.name:
                        path.unlink(missing_ok=True)
                for path in self.index_dir.glob(f".{ROOTS_FILE}.*"):
                    path.unlink(missing_ok=True)
            reason = (err.strerror if isinstance(err, OSError) else None) or str(err)
            if "full" in reason.lower() or "no space" in reason.lower():
                reason = os.strerror(errno.ENOSPC)
            raise IndexWriteFailed(f"cannot write the index in {self.index_dir}: "
                                   f"{reason}; the previous index is unchanged") from None

    def _tombstone(self, infos: list[dict], doc_ids: set[str]) -> None:
        for s, (info, segment) in enumerate(zip(infos, self.segments)):
            live = segment.holds(doc_ids) - self._deleted(s)
            if live:
                info["deleted"] = sorted(self._deleted(s) | live)

    def _switch(self, manifest: dict) -> int:
        """Commit `manifest`: write it, point CURRENT at it, delete what no manifest references."""
        self.index_dir.mkdir(parents=True, exist_ok=True)
        generation = int(self.manifest.get("generation", 0)) + 1
        previous = read_manifest(self.index_dir)
        if previous and previous.get("format_version") == FORMAT_VERSION:
            generation = max(generation, int(previous.get("generation", 0)) + 1)
        manifest = {**manifest, "format_version": FORMAT_VERSION, "generation": generation,
                    "n_chunks": sum(int(i["n_chunks"]) for i in manifest["segments"])}
        path = self.index_dir / f"{MANIFEST_PREFIX}{generation:06d}.json"
        text = json.dumps(manifest, ensure_ascii=False, indent=1)
        _write_durably(path, text)
        if recorded_roots(self.index_dir) != manifest["roots"] or not (self.index_dir / ROOTS_FILE).is_file():
            roots_tmp = self.index_dir / f".{ROOTS_FILE}.{uuid.uuid4().hex[:6]}"
            _write_durably(roots_tmp, json.dumps(manifest["roots"], ensure_ascii=False))
            os.replace(roots_tmp, self.index_dir / ROOTS_FILE)
        tmp = self.index_dir / f".{CURRENT_FILE}.{uuid.uuid4().hex[:6]}"
        _write_durably(tmp, path.name + "\n")
        os.replace(tmp, self.index_dir / CURRENT_FILE)
        _fsync_dir(self.index_dir)
        self.manifest = manifest
        remove_unreferenced(self.index_dir)
        return len(text.encode("utf-8")) + len(path.name) + 1

    # ---------------------------------------------------------------- merging
    def merge_plan(self, everything: bool = False) -> list[list[int]]:
        """Groups of segment numbers to merge.

        Automatic: MERGE_FACTOR segments of one size tier (powers of ten of live chunks) become
        one, so an index of N chunks holds O(log N) segments and each row is rewritten O(log N)
        times. `everything` (rag compact): every segment, in groups of at most MAX_MERGED_CHUNKS,
        rewriting tombstoned segments too.
        """
        live = [s.n_chunks - (int(d.sum()) if d is not None else 0) for s, d in zip(self.segments, self.dead)]
        if everything:
            groups, current, size = [], [], 0
            for i, n in enumerate(live):
                if current and size + n > MAX_MERGED_CHUNKS:
                    groups.append(current)
                    current, size = [], 0
                current.append(i)
                size += n
            if current:
                groups.append(current)
            return [g for g in groups if len(g) > 1 or self._deleted(g[0])]
        tiers: dict[int, list[int]] = {}
        for i, n in enumerate(live):
            if n < MAX_MERGED_CHUNKS:
                tiers.setdefault(len(str(max(n, 1))), []).append(i)
        return [group[:MERGE_FACTOR] for group in tiers.values()
                if len(group) >= MERGE_FACTOR and sum(live[i] for i in group[:MERGE_FACTOR]) <= MAX_MERGED_CHUNKS]

    def merge(self, groups: list[list[int]]) -> CommitStats:
        """Rewrite each group as one segment (live rows only), then commit all at once."""
        stats = CommitStats()
        if not groups:
            return stats
        infos = [dict(i) for i in self.manifest["segments"]]
        checksums = dict(self.manifest["checksums"])
        replaced: set[int] = set()
        new_infos = []
        with self._writing() as new_segment:
            for group in groups:
                docs = [d for i in group for d in self.segments[i].read_documents(self._deleted(i))]
                if docs:
                    info, digest = write_segment(new_segment(), docs, self.dim)
                    new_infos.append(info)
                    checksums[info["name"]] = digest
                    stats.bytes_written += info["bytes"]
                replaced.update(group)
                stats.merged += [self.segments[i].directory.name for i in group]
            kept = [info for i, info in enumerate(infos) if i not in replaced]
            for i in replaced:
                checksums.pop(infos[i]["name"], None)
            stats.segments = len(new_infos)
            stats.bytes_written += self._switch({**self.manifest, "segments": kept + new_infos,
                                                 "checksums": checksums})
        return stats

    def check(self) -> list[str]:
        problems = []
        for segment in self.segments:
            problems += segment.verify()
        return problems


def _write_durably(path: Path, text: str) -> None:
    with path.open("w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def remove_unreferenced(index_dir: Path) -> None:
    """Delete segments, manifests and format-1 generations the committed manifest does not use
    (left by older commits, merges, or runs killed half-way). Called by the writer only."""
    try:
        current = current_manifest_path(index_dir)
    except IndexCorrupt:
        return
    manifest = read_manifest(index_dir)
    if current is None or manifest is None or manifest.get("format_version") != FORMAT_VERSION:
        return
    used = {info["name"] for info in manifest["segments"]}
    for path in index_dir.iterdir():
        name = path.name
        if name.startswith(SEGMENT_PREFIX) and name not in used or name.startswith(LEGACY_PREFIX):
            shutil.rmtree(path, ignore_errors=True)
        elif (name.startswith(MANIFEST_PREFIX) and name != current.name
              or name.startswith((f".{CURRENT_FILE}.", f".{ROOTS_FILE}."))):
            path.unlink(missing_ok=True)


def dir_bytes(directory: Path) -> int:
    return sum(p.stat().st_size for p in Path(directory).rglob("*") if p.is_file())

