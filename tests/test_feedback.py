"""The feedback log: records carry what a reviewer needs; concurrent writers never break lines."""

from __future__ import annotations

import json
import multiprocessing
import threading
from pathlib import Path

import pytest

from rag.answer import Answer, Citation
from rag.feedback import FeedbackLog, feedback_path, feedback_record

# Big lines (~200 KB, more than a pipe buffer or a page) make torn or interleaved writes likely
# if the writer were not atomic.
BIG = "Nguyễn Hải Trung " * 12_000


def _answer(tag: str) -> Answer:
    citation = Citation(1, "002_61ff474f94b66afa", "Tiêu đề", "2023-12", BIG, 0.9, "Câu trích.", 0, 10, "c1")
    return Answer(f"question {tag}", f"answer {tag} [1] {BIG}", "vi", False, [citation])


def _write_many(path: str, writer: str, count: int) -> None:
    log = FeedbackLog(Path(path))
    for i in range(count):
        log.append(feedback_record(_answer(f"{writer}-{i}"), "up" if i % 2 else "down"))


def test_record_fields():
    record = feedback_record(_answer("a"), "up")
    assert record["verdict"] == "up" and record["question"] == "question a"
    assert record["answer"].startswith("answer a [1]") and record["time"]
    assert record["citations"][0]["doc_id"] == "002_61ff474f94b66afa"
    with pytest.raises(ValueError):
        feedback_record(_answer("a"), "maybe")


def test_path_from_environment(monkeypatch, tmp_path, base_settings):
    monkeypatch.delenv("RAG_FEEDBACK_PATH", raising=False)
    assert feedback_path(base_settings) == base_settings.cache_dir / "feedback.jsonl"
    monkeypatch.setenv("RAG_FEEDBACK_PATH", str(tmp_path / "fb.jsonl"))
    assert feedback_path(base_settings) == tmp_path / "fb.jsonl"


def test_concurrent_threads_and_processes_write_whole_lines(tmp_path):
    path = tmp_path / "sub" / "feedback.jsonl"
    per_writer = 15
    threads = [threading.Thread(target=_write_many, args=(str(path), f"t{i}", per_writer)) for i in range(6)]
    spawn = multiprocessing.get_context("spawn")
    processes = [spawn.Process(target=_write_many, args=(str(path), f"p{i}", per_writer)) for i in range(3)]
    for worker in [*threads, *processes]:
        worker.start()
    for worker in [*threads, *processes]:
        worker.join(timeout=120)
    assert all(p.exitcode == 0 for p in processes)

    lines = path.read_bytes().split(b"\n")
    assert lines[-1] == b""  # ends with a newline: no half line at the end
    records = [json.loads(line) for line in lines[:-1]]  # every line parses on its own
    assert len(records) == 9 * per_writer
    assert {r["question"] for r in records} == {f"question {w}-{i}" for w in
                                                [*(f"t{i}" for i in range(6)), *(f"p{i}" for i in range(3))]
                                                for i in range(per_writer)}
    assert all(r["answer"].endswith(BIG) and r["citations"][0]["sentence"] == "Câu trích." for r in records)


def test_a_changed_vote_replaces_its_line_and_a_withdrawn_one_removes_it(tmp_path):
    log = FeedbackLog(tmp_path / "feedback.jsonl")
    log.append(feedback_record(_answer("other"), "up"))
    log.set_vote("a1", feedback_record(_answer("a"), "up"))
    log.set_vote("a1", feedback_record(_answer("a"), "down"))
    records = log.read()
    assert [r.get("id") for r in records] == [None, "a1"] and records[-1]["verdict"] == "down"
    log.set_vote("a1", None)
    assert [r["question"] for r in log.read()] == ["question other"]
