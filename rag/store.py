"""The index on disk: FAISS vectors, chunk table, lexical index and manifest, written atomically.

Each write goes to a fresh `gen-*` folder; the one-line `CURRENT` file is switched with
`os.replace` only once that folder is complete, so a run killed half-way leaves the previous
index in use. The manifest stores a sha256 per artifact, so a damaged file is detected on open
rather than giving wrong answers.
"""

from __future__ import annotations

import hashlib
import json
import os
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


def current_generation(index_dir: Path) -> Path | None:
    pointer = index_dir / CURRENT_FILE
    if not pointer.is_file():
        return None
    name = pointer.read_text(encoding="utf-8").strip()
    return index_dir / name if name else None


def write_index(index_dir: Path, manifest: dict, chunks: list[Chunk], vectors: np.ndarray,
                vector_rows: np.ndarray, lexical: LexicalIndex) -> Path:
    """Write a complete new generation, then point CURRENT at it and drop older ones."""
    index_dir.mkdir(parents=True, exist_ok=True)
    gen = index_dir / f"gen-{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:6]}"
    gen.mkdir()
    with (gen / CHUNKS).open("w", encoding="utf-8") as out:
        for chunk in chunks:
            out.write(json.dumps(chunk.to_json(), ensure_ascii=False) + "\n")
    flat = faiss.IndexFlatIP(int(manifest["dim"]))
    if len(vectors):
        flat.add(np.ascontiguousarray(vectors, dtype=np.float32))
    faiss.write_index(flat, str(gen / VECTORS))
    np.save(gen / VECTOR_ROWS, vector_rows.astype(np.int64))
    lexical.save(gen)
    manifest = {**manifest, "format_version": FORMAT_VERSION, "n_chunks": len(chunks),
                "n_vectors": int(len(vectors)),
                "files": {str(p.relative_to(gen)): _sha256(p) for p in _artifact_files(gen)}}
    (gen / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    _fsync_tree(gen)
    tmp = index_dir / f".{CURRENT_FILE}.{uuid.uuid4().hex[:6]}"
    tmp.write_text(gen.name + "\n", encoding="utf-8")
    os.replace(tmp, index_dir / CURRENT_FILE)
    _remove_stale_generations(index_dir, keep=gen.name)
    return gen


def _fsync_tree(gen: Path) -> None:
    for path in [*gen.rglob("*"), gen]:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _remove_stale_generations(index_dir: Path, keep: str) -> None:
    for old in index_dir.glob("gen-*"):
        if old.name != keep:
            shutil.rmtree(old, ignore_errors=True)
    for tmp in index_dir.glob(f".{CURRENT_FILE}.*"):
        tmp.unlink(missing_ok=True)


def read_manifest(index_dir: Path) -> dict | None:
    """The manifest of the current generation, or None when there is no usable index."""
    gen = current_generation(index_dir)
    if gen is None or not (gen / MANIFEST).is_file():
        return None
    try:
        return json.loads((gen / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None


def _verify(gen: Path, manifest: dict) -> None:
    expected = manifest.get("files") or {}
    for name, digest in expected.items():
        path = gen / name
        if not path.is_file():
            raise IndexCorrupt(f"missing {name}")
        if _sha256(path) != digest:
            raise IndexCorrupt(f"{name} is damaged (checksum mismatch)")


def load_index(index_dir: Path, model: str) -> IndexData:
    """Open and verify the index; raise an `IndexProblem` whose message says what to do."""
    rebuild = f"run `rag ingest --index-dir {index_dir}` to build it"
    gen = current_generation(index_dir)
    if gen is None:
        raise IndexMissing(f"no index in {index_dir}: {rebuild}")
    try:
        manifest = json.loads((gen / MANIFEST).read_text(encoding="utf-8"))
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
    except IndexModelMismatch:
        raise
    except (IndexCorrupt, OSError, ValueError, KeyError, RuntimeError) as err:
        raise IndexCorrupt(f"index in {index_dir} is damaged ({err}): "
                           f"run `rag ingest --rebuild --index-dir {index_dir}`") from None
    if vectors.ntotal != len(rows) or len(chunks) != manifest["n_chunks"]:
        raise IndexCorrupt(f"index in {index_dir} is inconsistent: "
                           f"run `rag ingest --rebuild --index-dir {index_dir}`")
    return IndexData(manifest, chunks, vectors, rows, lexical, gen)
