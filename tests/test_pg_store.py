"""The PostgreSQL backend on a real throwaway server: same answers as local files, incremental
ingest, concurrent writers with readers, per-corpus eval schema, a clear error when it is down."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from rag.assistant import Assistant
from rag.ingest import ingest
from rag.pg_store import PgStore
from rag.question import parse_question
from rag.store import create_store, open_store

RAG = [sys.executable, "-m", "rag.cli"]
QUESTIONS = [
    "Ai là Giám đốc Công an TP Hải Phòng?",
    "Who leads Hai Phong police?",
    "ai la giam doc cong an hai phong",
    "Đợt cao điểm tấn công trấn áp tội phạm kéo dài đến ngày nào?",
]


def copy_into(settings, local) -> None:
    """The local seed index's documents, with their very vectors, committed into PostgreSQL
    (cheaper than embedding the seeds again; `rag ingest` itself is tested below)."""
    docs = [d for s, segment in enumerate(local.segments) for d in segment.read_documents(local._deleted(s))]
    store = create_store(settings, local.model, local.dim, local.chunking)
    store.commit(docs, [], local.roots, replace_all=True)
    store.close()


@pytest.fixture(scope="module")
def pg_settings(pg_url, base_settings, seed_assistant):
    """The seed articles in PostgreSQL (schema `seeds`)."""
    settings = base_settings.with_database(pg_url, "seeds")
    copy_into(settings, seed_assistant.store)
    return settings


def test_postgres_answers_as_the_local_index_does(pg_settings, seed_assistant):
    pg = Assistant.open(settings=pg_settings)
    assert isinstance(pg.store, PgStore)
    assert pg.store.n_chunks == seed_assistant.store.n_chunks
    for question in QUESTIONS:
        local_hits = seed_assistant.retrieve(question).documents
        pg_hits = pg.retrieve(question).documents
        assert [d.doc_id for d in pg_hits[:3]] == [d.doc_id for d in local_hits[:3]], question
        # an unaccented question gets the same diacritics back from either backend's statistics
        assert pg.retrieve(question).parsed.restored == seed_assistant.retrieve(question).parsed.restored
        assert pg_hits[0].score == pytest.approx(local_hits[0].score, abs=0.05)
        local, found = seed_assistant.ask(question), pg.ask(question)
        assert found.abstained == local.abstained
        assert [c.doc_id for c in found.citations] == [c.doc_id for c in local.citations], question
    assert pg.store.check() == []
    pg.store.close()


@pytest.mark.parametrize("postings_budget", [None, 1])
def test_lexical_scores_match_the_local_bm25(pg_settings, seed_assistant, postings_budget, monkeypatch):
    """BM25 from stored statistics gives the local backend's scores (one segment: same avgdl);
    also when only the rarest term's postings are read and the rest looked up row by row."""
    import rag.pg_store

    if postings_budget:
        monkeypatch.setattr(rag.pg_store, "POSTINGS_BUDGET", postings_budget)
    pg = open_store(pg_settings, seed_assistant.store.model)
    question = parse_question("Công an Hải Phòng triệt phá tội phạm ma túy")
    local = seed_assistant.store.lexical_search(question, 50)
    with pg.snapshot():
        found = pg.lexical_search(question, 50)
        keys = pg.all_keys()
        local_order = {d: i for i, d in enumerate(seed_assistant.store.chunks(seed_assistant.store.all_keys()))}
        pg_chunks = pg.chunks(keys)
        ours = {view: getattr(found, view).at(keys) for view in ("folded", "accented")}
    for view, scores in ours.items():
        theirs = getattr(local, view).at(seed_assistant.store.all_keys())
        aligned = np.array([theirs[local_order[c]] for c in pg_chunks])
        assert scores.max() > 0
        np.testing.assert_allclose(scores, aligned, rtol=1e-3, atol=1e-3)
    pg.close()


def test_incremental_ingest_counts_changes_and_keeps_statistics(pg_url, base_settings, seed_copy):
    settings = base_settings.with_database(pg_url, "incremental")
    first = ingest([seed_copy], settings)
    assert len(first.added) == 5
    files = sorted(seed_copy.glob("*.txt"))
    files[0].write_text(files[0].read_text(encoding="utf-8") + "\nCông an Đà Nẵng bắt giữ nhóm trộm xe máy.",
                        encoding="utf-8")
    files[1].unlink()
    second = ingest(None, settings)
    assert (len(second.added), len(second.updated), len(second.removed), len(second.unchanged)) == (0, 1, 1, 3)
    assistant = Assistant.open(settings=settings)
    store = assistant.store
    assert store.check() == []
    assert "danang" in store.vocabulary and files[1].stem not in store.documents()
    retrieval = assistant.retrieve("Công an Đà Nẵng bắt nhóm trộm xe máy")
    assert retrieval.documents[0].doc_id == files[0].stem
    store.close()


def test_two_ingests_at_once_while_questions_are_answered(pg_url, base_settings, seed_assistant, tmp_path):
    """The advisory lock serialises the writers; readers never fail and then see both folders."""
    settings = base_settings.with_database(pg_url, "concurrent")
    copy_into(settings, seed_assistant.store)
    reader = Assistant.open(settings=settings)
    folders = []
    for name, text in [("a", "Cảng Lạch Huyện đón tàu container lớn nhất từ trước đến nay."),
                       ("b", "Nhà hát Lớn Hà Nội tổ chức đêm nhạc giao hưởng mừng năm mới.")]:
        folder = tmp_path / name
        folder.mkdir()
        (folder / f"new_{name}.txt").write_text(f"date 2026-11\n{text}\n", encoding="utf-8")
        folders.append(folder)
    errors: list[BaseException] = []
    done = threading.Event()

    def write(folder: Path) -> None:
        try:
            ingest([folder], settings)
        except BaseException as err:  # noqa: BLE001 - reported by the assertion below
            errors.append(err)

    def read() -> None:
        while not done.is_set():
            try:
                assert reader.ask("Ai là Giám đốc Công an TP Hải Phòng?").citations
            except BaseException as err:  # noqa: BLE001
                errors.append(err)
                return

    writers = [threading.Thread(target=write, args=(f,)) for f in folders]
    readers = [threading.Thread(target=read) for _ in range(2)]
    for t in readers + writers:
        t.start()
    for t in writers:
        t.join()
    done.set()
    for t in readers:
        t.join()
    assert not errors, errors
    docs = reader.store.documents()
    assert {"new_a", "new_b"} <= set(docs) and len(docs) == 7  # both folders mirrored, seeds kept
    assert reader.retrieve("Cảng Lạch Huyện đón tàu container").documents[0].doc_id == "new_a"
    assert reader.store.check() == []
    reader.store.close()


def test_eval_corpus_uses_its_own_schema(pg_url, base_settings, tmp_path):
    from typer.testing import CliRunner

    from rag.cli import app, eval_schema

    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text('{"id": "d1", "text": "Cầu Long Biên được sửa chữa trong năm 2026."}\n'
                      '{"id": "d2", "text": "Sân bay Long Thành đón chuyến bay đầu tiên."}\n', encoding="utf-8")
    questions = tmp_path / "q.jsonl"
    questions.write_text('{"id": "q1", "question": "Cầu Long Biên được sửa khi nào?", "sources": ["d1"]}\n',
                         encoding="utf-8")
    result = CliRunner().invoke(app, ["eval", "--questions", str(questions), "--corpus", str(corpus),
                                      "--database-url", pg_url, "--json", str(tmp_path / "out.json")])
    assert result.exit_code == 0, result.output
    schema = eval_schema(base_settings, corpus)
    assert schema != base_settings.database_schema
    import psycopg

    with psycopg.connect(pg_url) as conn:
        assert conn.execute(f'SELECT count(*) FROM "{schema}".documents').fetchone()[0] == 2
        assert conn.execute("SELECT to_regclass('rag.documents')").fetchone()[0] is None
    assert '"hit@1": 1.0' in (tmp_path / "out.json").read_text(encoding="utf-8")


@pytest.mark.parametrize("command", [["ask", "Ai là giám đốc?"], ["ingest"]])
def test_database_down_is_one_line_naming_the_host_never_the_password(command, tmp_path):
    url = "postgresql://reader:s3cret-pw@127.0.0.1:9/news"
    proc = subprocess.run([*RAG, *command, "--database-url", url], capture_output=True, text=True, timeout=300,
                          cwd=tmp_path)
    assert proc.returncode != 0
    message = proc.stderr.strip()
    assert "127.0.0.1" in message and "s3cret" not in message and "Traceback" not in message
    assert len(message.splitlines()) == 1, message
