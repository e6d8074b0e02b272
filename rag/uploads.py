"""Articles added from the chat page or the HTTP API: kept as files, then ingested like any folder.

Uploads are saved into `<index_dir>/uploads/` so the index mirrors that folder as it mirrors any
other: a later `rag ingest` keeps them, `--rebuild` re-reads them, and an operator can see and
delete them as plain files. A file is checked on its own before it is saved, so a bad upload is
named back to the user and never lands in the folder (where it would be skipped at every ingest).
"""

from __future__ import annotations

import os
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

from rag.config import Settings
from rag.corpus import SUPPORTED_SUFFIXES, LoadResult, SkippedFile, load_file
from rag.ingest import IngestReport, NothingToIndex, Progress, ingest

UPLOADS_FOLDER = "uploads"


@dataclass(frozen=True)
class Upload:
    """One uploaded file: the name the user gave it and its bytes."""

    name: str
    data: bytes


def uploads_dir(index_dir: Path) -> Path:
    return index_dir / UPLOADS_FOLDER


def _safe_name(name: str) -> str | None:
    """The file's own name without any folder part, or None when it cannot be an article file."""
    base = Path(name.replace("\\", "/")).name.strip()
    if not base or base.startswith(".") or Path(base).suffix.lower() not in SUPPORTED_SUFFIXES:
        return None
    return base


def _check(upload: Upload, name: str) -> tuple[int, list[SkippedFile]]:
    """Load the upload from a private temporary copy: how many articles it holds, and what in it
    would be skipped, named as uploaded."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(upload.data)
        result = LoadResult()
        load_file(path, result)
    problems = [SkippedFile(s.path.replace(str(path), upload.name), s.reason) for s in result.skipped]
    if not result.documents and not problems:
        problems.append(SkippedFile(upload.name, "no article in it"))
    return len(result.documents), problems


def _save(folder: Path, name: str, data: bytes) -> None:
    """Write atomically: a reader (or a concurrent ingest) never sees half a file."""
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".{name}.{uuid.uuid4().hex[:8]}.part"
    with tmp.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, folder / name)


def ingest_uploads(uploads: list[Upload], settings: Settings,
                   on_progress: Progress | None = None) -> IngestReport:
    """Save the good uploads and index them; bad ones are reported in `skipped`, not saved.

    Raises `NothingToIndex` when no upload is usable; the index is then left as it was.
    """
    skipped: list[SkippedFile] = []
    accepted: list[tuple[str, bytes]] = []
    for upload in uploads:
        name = _safe_name(upload.name)
        if name is None:
            skipped.append(SkippedFile(upload.name, f"unsupported type (use {', '.join(SUPPORTED_SUFFIXES)})"))
            continue
        articles, problems = _check(upload, name)
        skipped.extend(problems)  # a JSONL file with some bad lines still brings its good ones
        if articles:
            accepted.append((name, upload.data))
    if not accepted:
        reasons = "; ".join(f"{s.path}: {s.reason}" for s in skipped[:5])
        raise NothingToIndex(f"nothing was indexed: no usable upload ({reasons}); the index is unchanged")
    folder = uploads_dir(settings.index_dir)
    for name, data in accepted:
        _save(folder, name, data)
    report = ingest([folder], settings, on_progress=on_progress)
    report.skipped = skipped + report.skipped
    return report

