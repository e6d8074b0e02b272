"""Opens (or first builds) the assistant in the background, so the page is up at once.

On a fresh machine, converting the model and indexing seeds/ takes a minute; the page shows
that progress instead of the browser failing to connect. The assistant is opened once per
process and shared by every browser session.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from rag.assistant import Assistant
from rag.config import Settings
from rag.ingest import Progress


@dataclass(frozen=True)
class LoadStatus:
    ready: bool
    done: int = 0
    total: int = 0
    error: str | None = None


class AssistantLoader:
    """Holds the one `Assistant` of the process once it is open; reports progress until then."""

    def __init__(self) -> None:
        self._assistant: Assistant | None = None
        self._error: str | None = None
        self._done = 0
        self._total = 0
        self._ready = threading.Event()
        self._last_print = 0.0

    @classmethod
    def ready_with(cls, assistant: Assistant) -> "AssistantLoader":
        """A loader around an assistant that is already open (tests, embedding in other apps)."""
        loader = cls()
        loader._assistant = assistant
        loader._ready.set()
        return loader

    @classmethod
    def start(cls, settings: Settings,
              open_fn: Callable[[Settings, Progress], Assistant] | None = None) -> "AssistantLoader":
        """Open or build the assistant in a daemon thread."""
        loader = cls()
        open_fn = open_fn or (lambda s, cb: Assistant.open_or_build(s, on_progress=cb)[0])
        threading.Thread(target=loader._run, args=(open_fn, settings), name="rag-loader", daemon=True).start()
        return loader

    def _run(self, open_fn: Callable[[Settings, Progress], Assistant], settings: Settings) -> None:
        try:
            self._assistant = open_fn(settings, self._progress)
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
        return LoadStatus(self._assistant is not None, self._done, self._total, self._error)

    def wait(self, timeout: float | None = None) -> LoadStatus:
        self._ready.wait(timeout)
        return self.status()

    @property
    def assistant(self) -> Assistant | None:
        return self._assistant

    def use(self, assistant: Assistant) -> None:
        """Hand out `assistant` from now on (the index was reopened after an ingest)."""
        self._assistant = assistant
