"""The segmented local store: small writes, tombstones, merges, kill -9 at any moment, upgrades."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from rag.assistant import Assistant
from rag.config import Settings
from rag.embedding import describe_vectors
from rag.question import parse_question
from rag.chunking import Chunk
from rag.ingest import ingest
from rag.local_store import MERGE_FACTOR, LocalStore, dir_bytes
from rag.store import IndexOutdated, NewDocument, StoredDocument

RAG = [sys.executable, "-m", "rag.cli"]
ARTICLES = {
    "quangninh": "Công an tỉnh Quảng Ninh bắt giữ 12 đối tượng buôn lậu than trái phép tại cảng Cẩm Phả.",
    "nghean": "Ông Trần Văn Minh được bổ nhiệm làm Giám đốc Sở Y tế tỉnh Nghệ An từ tháng 3.",
    "yenbai": "Lũ lớn trên sông Hồng khiến 300 hộ dân ở Yên Bái phải sơ tán khẩn cấp trong đêm.",
}
LATE = ("camau", "Ngư dân Cà Mau trúng mẻ cá ngừ đại dương nặng hơn hai tấn ngoài khơi.")


def write_articles(folder: Path, articles: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in articles.items():
        (folder / f"{name}.txt").write_text(text, encoding="utf-8")
    return folder


def top_document(assistant: Assistant, question: str) -> str:
    return assistant.retrieve(question).documents[0].doc_id


def synthetic_doc(doc_id: str, text: str, rng: np.random.Generator, dim: int = 8) -> NewDocument:
    """An article with made-up vectors: enough for the store's own mechanics (no encoder)."""
    chunk = Chunk(f"{doc_id}#0", doc_id, doc_id, "2026-11", "", text, 0, len(text), ((0, len(text)),))
    vectors = rng.normal(size=(2, dim)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return NewDocument(StoredDocument(doc_id, doc_id * 2, "test", doc_id, "2026-11", 1), [chunk],
                       vectors[:1], vectors[1:])


def run_killed(args: list[str], hook: str, env: dict, marker: Path) -> None:
    """Run `rag ARGS` with `hook` patched in; SIGKILL it once the hook has written `marker`."""
    script = "\n".join([
        "import os, sys, time",
        "from pathlib import Path",
        "def reached():",
        f"    Path({str(marker)!r}).write_text('here')",
        "    time.sleep(120)",
        hook,
        "from rag.cli import app",
        f"sys.argv = ['rag'] + {args!r}",
        "app()",
    ])
    proc = subprocess.Popen([sys.executable, "-c", script], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 300
    while not marker.exists():
        if proc.poll() is not None:
            raise AssertionError(f"exited before the kill point: {proc.stderr.read()[-2000:]}")
        assert time.monotonic() < deadline, "the kill point was never reached"
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    assert proc.wait() == -signal.SIGKILL


# A kill in the middle of writing the new segment, and once the new manifest is on disk but
# CURRENT does not point at it yet.
KILL_POINTS = {
    "segment": "import rag.segment as m\nreal = m.LexicalIndex.save\n"
               "def save(self, d):\n    real(self, d); reached()\nm.LexicalIndex.save = save",
    "manifest": "import rag.local_store as m\nreal = m.os.replace\n"
                "def replace(a, b):\n    reached() if str(b).endswith('CURRENT') else None; real(a, b)\nm.os.replace = replace",
}


@pytest.mark.parametrize("point", sorted(KILL_POINTS))
def test_kill_during_ingest_keeps_what_was_committed(tmp_path, base_settings, point):
    settings = base_settings.with_index_dir(tmp_path / "index")
    folder = write_articles(tmp_path / "articles", ARTICLES)
    ingest([folder], settings)
    write_articles(folder, dict([LATE]))
    env = {**os.environ, "RAG_INDEX_DIR": str(settings.index_dir)}
    run_killed(["ingest"], KILL_POINTS[point], env, tmp_path / "marker")

    assistant = Assistant.open(settings=settings)
    assert set(assistant.store.documents()) == set(ARTICLES)  # the killed run committed nothing
    assert top_document(assistant, "Ai là Giám đốc Sở Y tế Nghệ An?") == "nghean"
    assert top_document(assistant, "Bao nhiêu hộ dân ở Yên Bái phải sơ tán?") == "yenbai"

    report = ingest(None, settings)  # the next run completes and removes what the kill left
    assert report.added == ["camau"] and sorted(report.unchanged) == sorted(ARTICLES)
    assert top_document(Assistant.open(settings=settings), "Ngư dân Cà Mau trúng cá gì?") == "camau"
    leftovers = [p.name for p in settings.index_dir.iterdir() if p.name.startswith((".CURRENT", "manifest-"))]
    assert len(leftovers) == 1 and len(list(settings.index_dir.glob("seg-*"))) == 2


def test_kill_during_merge_keeps_every_article(tmp_path):
    index_dir = tmp_path / "index"
    rng = np.random.default_rng(0)
    model = describe_vectors(replace(Settings.from_env(), embed_model="test-model"))  # what `rag compact` expects
    store = LocalStore.create(index_dir, model, 8, {})
    names = [f"doc{i}" for i in range(4)]
    for name in names:  # one commit each: four segments
        store.commit([synthetic_doc(name, f"bài {name} về an ninh trật tự số {name}", rng)], [], [])
        store = LocalStore.open(index_dir, model)
    store.commit([], ["doc0"], [])
    env = {**os.environ, "RAG_INDEX_DIR": str(index_dir), "RAG_EMBED_MODEL": "test-model"}
    hook = ("import rag.segment as m\nreal = m.np.save\n"
            "def save(path, array):\n    real(path, array); reached() if str(path).endswith('sentences.npy') else None\n"
            "m.np.save = save")
    run_killed(["compact"], hook, env, tmp_path / "marker")

    after_kill = LocalStore.open(index_dir, model)
    assert sorted(after_kill.documents()) == ["doc1", "doc2", "doc3"] and len(after_kill.segments) == 4
    assert len(list(index_dir.glob("seg-*"))) == 5  # the half-written merge is ignored…
    proc = subprocess.run([*RAG, "compact"], env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    merged = LocalStore.open(index_dir, model)
    assert sorted(merged.documents()) == ["doc1", "doc2", "doc3"] and len(merged.segments) == 1
    assert len(list(index_dir.glob("seg-*"))) == 1  # …and removed by the next writer
    assert merged.manifest["segments"][0].get("deleted", []) == []
    assert sorted(merged.doc_ids(merged.lexical.chunks_with("doc2"))) == ["doc2"]


def test_segments_pile_up_then_merge_on_their_own(tmp_path, base_settings):
    settings = base_settings.with_index_dir(tmp_path / "index")
    rng = np.random.default_rng(1)
    store = LocalStore.create(settings.index_dir, "test-model", 8, {})
    from rag.ingest import IngestReport, _merge_if_needed

    for i in range(MERGE_FACTOR):
        store.commit([synthetic_doc(f"d{i}", f"tin số {i} về giao thông", rng)], [], [])
        store = LocalStore.open(settings.index_dir, "test-model")
        report = IngestReport()
        _merge_if_needed(settings, "test-model", report)
    merged = LocalStore.open(settings.index_dir, "test-model")
    assert len(merged.segments) == 1 and len(merged.documents()) == MERGE_FACTOR
    assert report.notes == [f"merged {MERGE_FACTOR} segments"]


def test_a_reader_keeps_its_commit_while_a_writer_merges(tmp_path):
    index_dir = tmp_path / "index"
    rng = np.random.default_rng(2)
    store = LocalStore.create(index_dir, "test-model", 8, {})
    for name in ("a", "b"):
        store.commit([synthetic_doc(name, f"bài {name}", rng)], [], [])
        store = LocalStore.open(index_dir, "test-model")
    reader = LocalStore.open(index_dir, "test-model")
    LocalStore.open(index_dir, "test-model").merge([[0, 1]])  # deletes the reader's segment folders
    assert len(list(index_dir.glob("seg-*"))) == 1
    assert [c.doc_id for c in reader.chunks(reader.all_keys())] == ["a", "b"]
    assert sorted(reader.doc_ids(reader.dense_search(np.ones(8, np.float32), 2)[0])) == ["a", "b"]


def test_one_article_segment_is_scored_with_global_statistics(tmp_path):
    """BM25 of an article alone in its segment matches the same article in one big segment."""
    rng = np.random.default_rng(3)
    filler = [f"Tin giao thông số {i}: xe khách va chạm trên quốc lộ {i}, công an điều tra." for i in range(30)]
    target = "Cảnh sát biển bắt tàu chở dầu lậu gần đảo Phú Quốc."
    docs = [synthetic_doc(f"f{i}", t, rng) for i, t in enumerate(filler)]
    split = LocalStore.create(tmp_path / "split", "m", 8, {})
    split.commit(docs, [], [])
    split = LocalStore.open(tmp_path / "split", "m")
    split.commit([synthetic_doc("target", target, rng)], [], [])
    whole = LocalStore.create(tmp_path / "whole", "m", 8, {})
    whole.commit(docs + [synthetic_doc("target", target, rng)], [], [])
    question = "tàu chở dầu lậu ở Phú Quốc công an"
    scores = []
    for directory in ("split", "whole"):
        store = LocalStore.open(tmp_path / directory, "m")
        found = store.lexical_search(parse_question(question), 5)
        best = found.folded.keys[np.argmax(found.folded.values)]
        assert store.doc_ids(np.array([best])) == ["target"]
        scores.append(float(found.folded.values.max()))
        assert store.lexical.idf("dau") == pytest.approx(np.log(1 + (31 - 1 + 0.5) / 1.5))
    assert scores[0] == pytest.approx(scores[1], rel=0.25)


def test_adding_an_article_writes_little_and_rag_check_finds_damage(tmp_path, base_settings, seed_index_dir):
    import shutil

    index_dir = tmp_path / "index"
    shutil.copytree(seed_index_dir, index_dir)
    settings = base_settings.with_index_dir(index_dir)
    folder = write_articles(tmp_path / "more", dict([LATE]))
    size = dir_bytes(index_dir)
    report = ingest([folder], settings)
    assert report.added == ["camau"] and len(report.unchanged) == 5
    assert report.bytes_written < 0.5 * size  # one small segment and a manifest, nothing rewritten
    env = {**os.environ, "RAG_INDEX_DIR": str(index_dir)}
    ok = subprocess.run([*RAG, "check"], env=env, capture_output=True, text=True)
    assert ok.returncode == 0 and "sound" in ok.stderr
    damaged = next(index_dir.glob("seg-*/passages.npy"))
    raw = bytearray(damaged.read_bytes())
    raw[-5] ^= 0xFF
    damaged.write_bytes(bytes(raw))
    bad = subprocess.run([*RAG, "check"], env=env, capture_output=True, text=True)
    assert bad.returncode == 1 and "passages.npy is damaged" in bad.stderr and "Traceback" not in bad.stderr


def test_an_index_of_the_previous_release_says_how_to_upgrade(tmp_path, base_settings):
    """Format 1 (one `gen-*` folder per ingest): ask names the command; `--rebuild` keeps the folders."""
    index_dir = tmp_path / "index"
    folder = write_articles(tmp_path / "articles", ARTICLES)
    generation = index_dir / "gen-20261120-101010-abcdef"
    generation.mkdir(parents=True)
    (generation / "manifest.json").write_text(json.dumps(
        {"format_version": 1, "model": "x", "roots": [str(folder)], "documents": {}}), encoding="utf-8")
    (index_dir / "CURRENT").write_text(generation.name + "\n", encoding="utf-8")
    env = {**os.environ, "RAG_INDEX_DIR": str(index_dir), "COLUMNS": "300"}
    proc = subprocess.run([*RAG, "ask", "Ai là Giám đốc Sở Y tế Nghệ An?"], env=env, capture_output=True, text=True)
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    assert f"older release (format 1): run `rag ingest --rebuild --index-dir {index_dir}`" in proc.stderr
    with pytest.raises(IndexOutdated):
        LocalStore.open(index_dir, "x")
    report = ingest(None, base_settings.with_index_dir(index_dir), rebuild=True)
    assert sorted(report.added) == sorted(ARTICLES)  # the mirrored folder came from the old manifest
    assert not list(index_dir.glob("gen-*"))
    assert top_document(Assistant.open(settings=base_settings.with_index_dir(index_dir)),
                        "Ai là Giám đốc Sở Y tế Nghệ An?") == "nghean"


def read_bytes_so_far() -> int:
    """Bytes this process has read through read(2) (Linux /proc/self/io `rchar`)."""
    line = next(l for l in Path("/proc/self/io").read_text().splitlines() if l.startswith("rchar:"))
    return int(line.split()[1])


@pytest.mark.skipif(not Path("/proc/self/io").exists(), reason="needs Linux /proc/self/io")
def test_warming_reads_every_segment_file_in_the_background(seed_assistant):
    store = seed_assistant.store
    files = [p for s in store.segments for p in s.directory.rglob("*") if p.is_file()]
    before = read_bytes_so_far()
    thread = store.warm()
    thread.join(timeout=60)
    assert not thread.is_alive() and thread.daemon  # never holds up the process's exit
    assert read_bytes_so_far() - before >= sum(p.stat().st_size for p in files)
    assert seed_assistant.ask("Who leads Hai Phong police?").citations  # still answering
