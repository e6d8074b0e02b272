"""Opens (or first builds) the assistant in the background, and keeps it on the newest index.

On a fresh machine, converting the model and indexing seeds/ takes a minute; the page shows
that progress (step k of 3, seconds, passages encoded) instead of the browser failing to
connect. The assistant is opened once per process and shared by every browser session.

An index changes under a running page when someone runs `rag ingest` in another process or
uploads articles from the page. Each write commits a new generation (rag/store.py), so before a
question the loader compares the committed generation with the one in memory and, if newer,
reopens the index with the already-loaded model. A question in flight keeps the index it began
with; the next one sees the new articles.
"""

from __future__ import annotations

import sys
import threading
import time
from dataclasses import dataclass

from rag.assistant import Assistant
from rag.config import Settings
from rag.embedding import load_embedder
from rag.generation import Generator
from rag.ingest import ingest
from rag.local_store import current_manifest_path
from rag.store import IndexMissing, IndexProblem, open_store

STEPS = 3  # load the model, index the seed articles (only when there is no index), open the index


@dataclass(frozen=True)
class LoadStatus:
    ready: bool
    step: int = 1
    done: int = 0
    total: int = 0
    seconds: int = 0
    error: str | None = None


class AssistantLoader:
    """Holds the one `Assistant` of the process once it is open; reports progress until then."""

    def __init__(self) -> None:
        self._assistant: Assistant | None = None
        self._error: str | None = None
        self._step = 1
        self._done = 0
        self._total = 0
        self._started = time.monotonic()
        self._ready = threading.Event()
        self._swap = threading.Lock()
        self._last_print = 0.0

    @classmethod
    def ready_with(cls, assistant: Assistant) -> "AssistantLoader":
        """A loader around an assistant that is already open (tests, embedding in other apps)."""
        loader = cls()
        loader._assistant = assistant
        loader._ready.set()
        return loader

    @classmethod
    def start(cls, settings: Settings) -> "AssistantLoader":
        """Open or build the assistant in a daemon thread."""
        loader = cls()
        threading.Thread(target=loader._run, args=(settings,), name="rag-loader", daemon=True).start()
        return loader

    def _run(self, settings: Settings) -> None:
        try:
            embedder = load_embedder(settings)
            self._step = 2
            try:
                data = open_store(settings, embedder.name)
            except IndexMissing:
                ingest(None, settings, on_progress=self._progress)
                self._step = 3
                data = open_store(settings, embedder.name)
            self._step = 3
            data.warm()  # the index's pages come into memory while the first questions arrive
            self._assistant = Assistant(settings, data, embedder, Generator.from_settings(settings))
            print("rag: assistant ready", file=sys.stderr, flush=True)
        except Exception as problem:  # shown on the page; the server stays up to say so
            self._error = str(problem) or type(problem).__name__
            print(f"rag: the assistant could not start: {self._error}", file=sys.stderr, flush=True)
        finally:
            self._ready.set()

    def _progress(self, done: int, total: int) -> None:
        self._done, self._total = done, total
        now = time.monotonic()
        if done >= total or now - self._last_print > 2:
            self._last_print = now
            print(f"rag: indexing seed articles {done}/{total}", file=sys.stderr, flush=True)

    def status(self) -> LoadStatus:
        return LoadStatus(self._assistant is not None, self._step, self._done, self._total,
                          int(time.monotonic() - self._started), self._error)

    def wait(self, timeout: float | None = None) -> LoadStatus:
        self._ready.wait(timeout)
        return self.status()

    @property
    def assistant(self) -> Assistant | None:
        return self._assistant

    def refresh(self) -> Assistant | None:
        """The assistant, switched to the committed index generation if that is newer.

        The `Assistant` object stays the same (every conversation holds it); only its `data` is
        replaced, in one assignment, so a question already retrieving keeps its own index.
        A generation that cannot be opened (half-deleted, another model) is ignored: the page
        keeps answering from the index it has and says so in the server log.
        """
        assistant = self._assistant
        if assistant is None or assistant.settings.store != "local":
            return assistant  # PostgreSQL is read live: every question sees the last commit
        index_dir = assistant.settings.index_dir
        try:
            committed = current_manifest_path(index_dir)
        except IndexProblem:
            return assistant
        if committed is None or committed == assistant.store.directory:
            return assistant
        with self._swap:
            if current_manifest_path(index_dir) != assistant.store.directory:
                try:
                    assistant.store = open_store(assistant.settings, assistant.embedder.name)
                    print(f"rag: switched to index {assistant.store.directory.name}", file=sys.stderr, flush=True)
                except IndexProblem as problem:
                    print(f"rag: kept the previous index: {problem}", file=sys.stderr, flush=True)
        return assistant
