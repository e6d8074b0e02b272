"""Articles uploaded from the page, indexed in a background thread the page polls for progress.

The work is `rag.uploads.ingest_uploads` (shared with the HTTP API); this module only runs it off
the request thread and keeps the counts a progress bar needs. Ingest writes a new index
generation and the running assistant keeps answering from the old one until it is committed
(app/loader.py switches between questions), so questions never wait for an upload.
One upload at a time per process: a second one is refused with a message rather than queued
behind a long embedding run.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

from rag.config import Settings
from rag.ingest import IngestReport, NothingToIndex
from rag.uploads import Upload, ingest_uploads


@dataclass
class UploadJob:
    """One upload's progress: step 1 check and save, 2 encode (done/total), 3 switch index."""

    files: int
    step: int = 1
    done: int = 0
    total: int = 0
    report: IngestReport | None = None
    error: str | None = None
    finished: threading.Event = field(default_factory=threading.Event)

    def progress(self, done: int, total: int) -> None:
        self.step = 3 if total and done >= total else 2
        self.done, self.total = done, total


class Uploader:
    """Starts upload jobs for one index; at most one runs at a time."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._busy = threading.Lock()

    def start(self, paths: list[Path], names: list[str] | None = None) -> UploadJob | None:
        """Index the files in a thread; None when another upload is still running."""
        if not self._busy.acquire(blocking=False):
            return None
        uploads = [Upload(name, Path(path).read_bytes())
                   for path, name in zip(paths, names or [Path(p).name for p in paths])]
        job = UploadJob(len(uploads))
        threading.Thread(target=self._run, args=(job, uploads), name="rag-upload", daemon=True).start()
        return job

    def _run(self, job: UploadJob, uploads: list[Upload]) -> None:
        try:
            job.report = ingest_uploads(uploads, self.settings, job.progress)
        except NothingToIndex as problem:
            job.error = str(problem)
        except Exception as problem:  # named on the page; the index is left as it was
            job.error = f"{type(problem).__name__}: {problem}"
        finally:
            job.step = 3
            self._busy.release()
            job.finished.set()
