"""The index on disk: FAISS vectors, chunk table, lexical index and manifest, written atomically.

Each write goes to a fresh `gen-*` folder; the one-line `CURRENT` file is switched with
`os.replace` only once that folder is complete, so a run killed half-way leaves the previous
index in use, and the next writer removes what it left. A write that fails (a full disk) removes
its own partial folder and says so in one line. The manifest stores a sha256 per artifact, so a
damaged file is detected on open rather than giving wrong answers.

`CURRENT` missing while an index was committed, empty, not text or naming nothing is damage,
never "no index": a reader that took it for a missing index would build a new one over the real
one. The folders the index mirrors are also kept in `roots.json`, outside the generations, so a
rebuild after damage still knows them.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import faiss
import numpy as np

from rag.chunking import Chunk
from rag.lexical import LexicalIndex

FORMAT_VERSION = 1
CURRENT_FILE = "CURRENT"
MANIFEST = "manifest.json"
CHUNKS = "chunks.jsonl"
VECTORS = "vectors.faiss"
VECTOR_ROWS = "vector_rows.npy"
ROOTS_FILE = "roots.json"
REQUIRED_FILES = (CHUNKS, VECTORS, VECTOR_ROWS)
_GENERATION = re.compile(r"gen-[A-Za-z0-9_-]+")
_TEMP_SUFFIX = ".tmp"
# A reader that finds its generation removed by a writer under it re-reads CURRENT and retries.
OPEN_ATTEMPTS = 5
# A vector row is (chunk index, sentence index within the chunk); WHOLE_CHUNK marks the
# vector of the whole passage.
WHOLE_CHUNK = -1


class IndexProblem(RuntimeError):
    """The index cannot be used; the message is one line that says what to run."""


class IndexMissing(IndexProblem):
    pass


class IndexCorrupt(IndexProblem):
    pass


class IndexModelMismatch(IndexProblem):
    pass


class IndexWriteFailed(IndexProblem):
    """Writing a new generation failed (e.g. a full disk); the previous index is untouched."""


@dataclass
class IndexData:
    """Everything retrieval needs, in memory."""

    manifest: dict
    chunks: list[Chunk]
    vectors: faiss.Index
    vector_rows: np.ndarray  # shape (n_vectors, 2): chunk index, sentence index or WHOLE_CHUNK
    lexical: LexicalIndex
    directory: Path = field(default=Path("."))

    @property
    def model(self) -> str:
        return self.manifest["model"]

    def all_vectors(self) -> np.ndarray:
        return self.vectors.reconstruct_n(0, self.vectors.ntotal) if self.vectors.ntotal else \
            np.zeros((0, self.vectors.d), dtype=np.float32)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _artifact_files(gen: Path) -> list[Path]:
    return sorted(p for p in gen.rglob("*") if p.is_file() and p.name != MANIFEST)


def _has_committed(index_dir: Path) -> bool:
    """Whether an index was ever committed here (so a missing CURRENT is damage)."""
    return (index_dir / ROOTS_FILE).is_file() or any((g / MANIFEST).is_file() for g in index_dir.glob("gen-*"))


def current_generation(index_dir: Path) -> Path | None:
    """The generation CURRENT names; None when no index was ever committed in `index_dir`.

    Raises `IndexCorrupt` when CURRENT is damaged: missing after a commit, unreadable, empty,
    not UTF-8 text, or naming a generation that is not there.
    """
    pointer = index_dir / CURRENT_FILE
    try:
        raw = pointer.read_bytes()
    except FileNotFoundError:
        if _has_committed(index_dir):
            raise IndexCorrupt(f"{CURRENT_FILE} is missing") from None
        return None
    except OSError as err:
        raise IndexCorrupt(f"{CURRENT_FILE} cannot be read: {err.strerror}") from None
    try:
        name = raw.decode("utf-8").strip()
    except UnicodeDecodeError:
        raise IndexCorrupt(f"{CURRENT_FILE} is not text") from None
    if not name:
        raise IndexCorrupt(f"{CURRENT_FILE} is empty")
    if not _GENERATION.fullmatch(name):
        raise IndexCorrupt(f"{CURRENT_FILE} does not name a generation")
    gen = index_dir / name
    if not (gen / MANIFEST).is_file():
        raise IndexCorrupt(f"{CURRENT_FILE} names {name}, which is not there")
    return gen


def index_version(index_dir: Path) -> str | None:
    """The name of the committed generation, read from CURRENT alone; None if there is none.

    Cheap enough to poll before each question: a long-running reader (the chat page) compares
    it with `IndexData.directory.name` and re-opens the index when a writer committed a new one.
    Damage also reads as None; opening then reports it.
    """
    try:
        name = (index_dir / CURRENT_FILE).read_bytes().decode("utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return name if _GENERATION.fullmatch(name) else None


def _write_atomic(path: Path, text: str) -> None:
    """Write `text` to a temp file beside `path`, fsync it, and rename it over `path`."""
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:6]}{_TEMP_SUFFIX}")
    try:
        with tmp.open("w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _write_generation(gen: Path, manifest: dict, chunks: list[Chunk], vectors: np.ndarray,
                      vector_rows: np.ndarray, lexical: LexicalIndex) -> None:
    gen.mkdir()
    with (gen / CHUNKS).open("w", encoding="utf-8") as out:
        for chunk in chunks:
            out.write(json.dumps(chunk.to_json(), ensure_ascii=False) + "\n")
    flat = faiss.IndexFlatIP(int(manifest["dim"]))
    if len(vectors):
        flat.add(np.ascontiguousarray(vectors, dtype=np.float32))
    # Serialised here and written by Python, so a full disk raises OSError(ENOSPC) with its
    # reason rather than faiss's opaque "fwrite failed".
    (gen / VECTORS).write_bytes(faiss.serialize_index(flat).tobytes())
    np.save(gen / VECTOR_ROWS, vector_rows.astype(np.int64))
    lexical.save(gen)
    manifest = {**manifest, "format_version": FORMAT_VERSION, "n_chunks": len(chunks),
                "n_vectors": int(len(vectors)),
                "files": {str(p.relative_to(gen)): _sha256(p) for p in _artifact_files(gen)}}
    (gen / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    _fsync_tree(gen)


def write_index(index_dir: Path, manifest: dict, chunks: list[Chunk], vectors: np.ndarray,
                vector_rows: np.ndarray, lexical: LexicalIndex) -> Path:
    """Write a complete new generation, then point CURRENT at it and drop older ones.

    The caller holds the writer lock. On any failure the partial generation is removed and
    CURRENT still names the previous one; an OSError (full disk, read-only folder) becomes an
    `IndexWriteFailed` whose message says what happened.
    """
    index_dir.mkdir(parents=True, exist_ok=True)
    _remove_leftovers(index_dir)
    gen = index_dir / f"gen-{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:6]}"
    try:
        _write_generation(gen, manifest, chunks, vectors, vector_rows, lexical)
        # The roots go first: a kill between the two leaves them naming a folder the user asked
        # for, never missing one the index mirrors.
        _write_atomic(index_dir / ROOTS_FILE, json.dumps(list(manifest.get("roots", [])), ensure_ascii=False))
        _write_atomic(index_dir / CURRENT_FILE, gen.name + "\n")
        _fsync_path(index_dir)
    except BaseException as err:
        shutil.rmtree(gen, ignore_errors=True)
        if isinstance(err, OSError):
            reason = err.strerror or str(err)
            raise IndexWriteFailed(f"could not write the index in {index_dir} ({reason}); "
                                   "the previous index is unchanged") from None
        raise
    _remove_stale_generations(index_dir, keep=gen.name)
    return gen


def _fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_tree(gen: Path) -> None:
    for path in [*gen.rglob("*"), gen]:
        _fsync_path(path)


def _remove_leftovers(index_dir: Path) -> None:
    """Remove what killed writers left: generations CURRENT does not name, temp files."""
    try:
        keep = current_generation(index_dir)
    except IndexCorrupt:
        keep = None  # the caller is rebuilding; every generation is dead weight
    _remove_stale_generations(index_dir, keep=keep.name if keep else "")


def _remove_stale_generations(index_dir: Path, keep: str) -> None:
    for old in index_dir.glob("gen-*"):
        if old.name != keep:
            shutil.rmtree(old, ignore_errors=True)
    for tmp in [*index_dir.glob(f".*{_TEMP_SUFFIX}"), *index_dir.glob(f".{CURRENT_FILE}.*")]:
        tmp.unlink(missing_ok=True)


def read_manifest(index_dir: Path) -> dict | None:
    """The manifest of the current generation, or None when there is no usable index."""
    try:
        gen = current_generation(index_dir)
        manifest = json.loads((gen / MANIFEST).read_text(encoding="utf-8")) if gen else None
    except (IndexProblem, OSError, ValueError):
        return None
    return manifest if isinstance(manifest, dict) else None


def recorded_roots(index_dir: Path) -> list[str]:
    """The folders the index mirrors: from roots.json, which survives a damaged generation
    (indexes written before it existed keep them only in their manifest)."""
    try:
        roots = json.loads((index_dir / ROOTS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        roots = (read_manifest(index_dir) or {}).get("roots")
    if not isinstance(roots, list):
        return []
    return [r for r in roots if isinstance(r, str)]


def _verify(gen: Path, manifest: dict) -> None:
    """Every artifact is listed with its checksum and matches it; a manifest without its
    checksum list is damage, not a reason to skip the check."""
    expected = manifest.get("files")
    if not isinstance(expected, dict) or not set(REQUIRED_FILES) <= set(expected):
        raise IndexCorrupt(f"{MANIFEST} has no checksum list")
    for name, digest in expected.items():
        path = gen / name
        if not path.is_file():
            raise IndexCorrupt(f"missing {name}")
        if _sha256(path) != digest:
            raise IndexCorrupt(f"{name} is damaged (checksum mismatch)")


def _load_generation(index_dir: Path, gen: Path, model: str) -> IndexData:
    try:
        manifest = json.loads((gen / MANIFEST).read_text(encoding="utf-8"))
        if not isinstance(manifest, dict):
            raise IndexCorrupt(f"{MANIFEST} is not a JSON object")
        if manifest.get("format_version") != FORMAT_VERSION:
            raise IndexCorrupt(f"unknown index format {manifest.get('format_version')!r}")
        _verify(gen, manifest)
        if manifest["model"] != model:
            raise IndexModelMismatch(
                f"index in {index_dir} was built with {manifest['model']!r}, not {model!r}: "
                f"run `rag ingest --rebuild --index-dir {index_dir}` or set RAG_EMBED_MODEL to match")
        chunks = [Chunk.from_json(json.loads(line))
                  for line in (gen / CHUNKS).read_text(encoding="utf-8").splitlines() if line]
        vectors = faiss.read_index(str(gen / VECTORS))
        rows = np.load(gen / VECTOR_ROWS)
        lexical = LexicalIndex.load(gen, len(chunks))
        consistent = vectors.ntotal == len(rows) and len(chunks) == manifest["n_chunks"]
    except IndexModelMismatch:
        raise
    except Exception as err:  # any unreadable part (faiss, numpy, bm25s raise their own types)
        raise IndexCorrupt(str(err) or type(err).__name__) from None
    if not consistent:
        raise IndexCorrupt("its parts are inconsistent")
    return IndexData(manifest, chunks, vectors, rows, lexical, gen)


def _pointer(index_dir: Path) -> bytes | None:
    try:
        return (index_dir / CURRENT_FILE).read_bytes()
    except OSError:
        return None


def load_index(index_dir: Path, model: str) -> IndexData:
    """Open and verify the index; raise an `IndexProblem` whose message says what to do.

    A writer may commit and remove the generation this reader is opening; then CURRENT has
    changed, and the reader opens the new one instead of reporting damage.
    """
    for attempt in range(OPEN_ATTEMPTS):
        before = _pointer(index_dir)
        try:
            gen = current_generation(index_dir)
            if gen is None:
                raise IndexMissing(f"no index in {index_dir}: run `rag ingest --index-dir {index_dir}` to build it")
            return _load_generation(index_dir, gen, model)
        except IndexCorrupt as err:
            if attempt + 1 < OPEN_ATTEMPTS and _pointer(index_dir) != before:
                continue
            raise IndexCorrupt(f"index in {index_dir} is damaged ({err}): "
                               f"run `rag ingest --rebuild --index-dir {index_dir}`") from None
    raise AssertionError("unreachable")
