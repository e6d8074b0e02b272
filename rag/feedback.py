"""A log of users' verdicts on answers (thumbs up/down), one JSON object a line.

Many users of one chat page (threads) or several servers (processes) may append at once, so
each record is written as one whole line with a single `os.write` on an `O_APPEND` descriptor,
under a per-path thread lock and an exclusive `flock` on a `.lock` file next to the log: lines
never interleave or break. A vote that is changed or taken back replaces or removes its line
(`set_vote`), so the log holds each answer's final verdict only.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from rag.answer import Answer
from rag.config import Settings

try:  # POSIX only; elsewhere the thread lock still keeps one process's lines whole.
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

VERDICTS = ("up", "down")

_locks: dict[Path, threading.Lock] = {}
_locks_guard = threading.Lock()


def feedback_path(settings: Settings) -> Path:
    """`RAG_FEEDBACK_PATH`, else `feedback.jsonl` in the cache dir (kept when the index is rebuilt)."""
    raw = os.environ.get("RAG_FEEDBACK_PATH", "").strip()
    return Path(raw).expanduser() if raw else settings.cache_dir / "feedback.jsonl"


def feedback_record(answer: Answer, verdict: str, when: datetime | None = None) -> dict:
    """What a reviewer needs to judge the verdict later: the question, the answer and its sources."""
    if verdict not in VERDICTS:
        raise ValueError(f"verdict must be one of {VERDICTS}, got {verdict!r}")
    when = when or datetime.now(timezone.utc)
    return {
        "time": when.isoformat(timespec="seconds"),
        "verdict": verdict,
        "question": answer.question,
        "answer": answer.answer,
        "language": answer.language,
        "abstained": answer.abstained,
        "citations": [{"n": c.n, "doc_id": c.doc_id, "chunk_id": c.chunk_id, "title": c.title,
                       "date": c.date, "sentence": c.sentence, "score": c.score}
                      for c in answer.citations],
        "notes": list(answer.notes),
    }


def _lock_for(path: Path) -> threading.Lock:
    with _locks_guard:
        return _locks.setdefault(path, threading.Lock())


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """This thread and process alone write `path`. The flock is on a sidecar file because
    `set_vote` replaces the log itself (a lock on the old inode would not exclude anyone)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with _lock_for(path):
        fd = os.open(path.with_name(path.name + ".lock"), os.O_WRONLY | os.O_CREAT, 0o644)
        try:
            if fcntl is not None:
                fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing releases the flock


@dataclass(frozen=True)
class FeedbackLog:
    """Appends records to a JSON Lines file; safe to share between threads and processes."""

    path: Path

    def append(self, record: dict) -> None:
        line = (json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")
        path = Path(self.path).resolve()
        with _locked(path):
            fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                written = os.write(fd, line)
                if written != len(line):  # a full disk; say so rather than leave half a line unnoticed
                    raise OSError(f"feedback log {path}: wrote {written} of {len(line)} bytes")
            finally:
                os.close(fd)

    def set_vote(self, vote_id: str, record: dict | None) -> None:
        """The vote on one answer is now `record` (None: taken back). Earlier lines for `vote_id`
        go; the log is rewritten to a temporary file and swapped in, so readers see whole files."""
        path = Path(self.path).resolve()
        with _locked(path):
            lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
            kept = [line for line in lines if line.strip() and json.loads(line).get("id") != vote_id]
            if record is not None:
                kept.append(json.dumps({**record, "id": vote_id}, ensure_ascii=False, separators=(",", ":")))
            tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            with tmp.open("w", encoding="utf-8") as handle:
                handle.write("".join(line + "\n" for line in kept))
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, path)

    def read(self) -> list[dict]:
        """All records (for tests and reviews); a missing file is an empty log."""
        if not Path(self.path).exists():
            return []
        with open(self.path, encoding="utf-8") as f:
            return [json.loads(line) for line in f if line.strip()]
