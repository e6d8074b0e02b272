"""The `rag` command as a user runs it: contracts and clear failures (never a traceback)."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from rag.local_store import current_manifest_path

RAG = [sys.executable, "-m", "rag.cli"]


def run(*args, index_dir: Path, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "RAG_INDEX_DIR": str(index_dir), "COLUMNS": "200"}
    return subprocess.run([*RAG, *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=600)


def assert_clean_failure(proc: subprocess.CompletedProcess, fragment: str) -> None:
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr + proc.stdout
    assert fragment in proc.stderr


def test_ask_json_contract(seed_index_dir):
    proc = run("ask", "Ai là Giám đốc Công an TP Hải Phòng?", "--json", index_dir=seed_index_dir)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert set(data) >= {"question", "answer", "language", "abstained", "citations"}
    assert data["language"] == "vi" and data["abstained"] is False
    assert {"n", "doc_id", "title", "date", "text", "score"} <= set(data["citations"][0])
    for c in data["citations"]:
        assert f"[{c['n']}]" in data["answer"]


def test_ask_builds_seed_index_when_missing(tmp_path):
    proc = run("ask", "Who leads Hai Phong police?", index_dir=tmp_path / "fresh")
    assert proc.returncode == 0, proc.stderr
    assert "Bùi Quang Bình" in proc.stdout and "Vũ Thanh Chương" in proc.stdout
    assert "(2024-12)" in proc.stdout and "(undated)" in proc.stdout
    assert current_manifest_path(tmp_path / "fresh") is not None


def test_bad_inputs_fail_clearly(tmp_path, seed_index_dir):
    assert_clean_failure(run("ingest", str(tmp_path / "nope"), index_dir=tmp_path / "i"), "no such file or folder")
    assert_clean_failure(run("ask", "  ", index_dir=seed_index_dir), "the question is empty")
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"question": "x"}\nnot json\n', encoding="utf-8")
    assert_clean_failure(run("eval", "--questions", str(bad), index_dir=seed_index_dir), "bad.jsonl:1")
    only_bad = tmp_path / "only-bad"
    only_bad.mkdir()
    (only_bad / "x.txt").write_bytes(b"\x00\x01binary")
    proc = run("ingest", str(only_bad), index_dir=tmp_path / "i2")
    assert_clean_failure(proc, "nothing was indexed")
    assert "x.txt: binary file" in proc.stderr


def test_damaged_index_gives_one_line_with_what_to_run(tmp_path, seed_index_dir):
    copy = tmp_path / "copy"
    shutil.copytree(seed_index_dir, copy)
    next(copy.glob("seg-*/sentences.npy")).write_bytes(b"broken")
    proc = run("ask", "Who leads Hai Phong police?", index_dir=copy)
    assert_clean_failure(proc, "rag ingest --rebuild")
    assert len(proc.stderr.strip().splitlines()) == 1


def test_ingest_reports_skipped_files_and_indexes_the_rest(tmp_path, seed_copy):
    (seed_copy / "broken.txt").write_bytes("Hà Nội".encode("utf-16"))
    proc = run("ingest", str(seed_copy), index_dir=tmp_path / "index")
    assert proc.returncode == 3, proc.stderr  # done, some files skipped (README "Exit codes")
    assert "skipped" in proc.stderr and "broken.txt" in proc.stderr and "not UTF-8" in proc.stderr
    assert "5 added" in proc.stderr


def test_eval_on_its_own_corpus_writes_the_report(tmp_path):
    corpus = tmp_path / "corpus.jsonl"
    rows = [{"id": "a", "text": "Thiếu tướng Nguyễn Văn A là Giám đốc Công an tỉnh Nam Định."},
            {"id": "b", "text": "Giá lúa gạo ở đồng bằng sông Cửu Long tăng mạnh trong tháng 5."}]
    corpus.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    questions = tmp_path / "q.jsonl"
    qs = [{"id": "1", "question": "Ai là Giám đốc Công an tỉnh Nam Định?", "sources": ["a"], "answers": ["Nguyễn Văn A"]},
          {"id": "2", "question": "What happened to rice prices?", "passage_id": "b", "answers": ["rose sharply"],
           "answers_vi": ["tăng mạnh"]}]  # an English question's answer, as the Vietnamese article writes it
    questions.write_text("\n".join(json.dumps(q, ensure_ascii=False) for q in qs), encoding="utf-8")
    out = tmp_path / "report.json"
    default_index = tmp_path / "default-index"
    proc = run("eval", "--questions", str(questions), "--corpus", str(corpus), "--json", str(out),
               "--index-dir", str(tmp_path / "eval-index"), index_dir=default_index)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["n"] == 2 and report["metrics"]["hit@1"] == 1.0
    assert set(report["metrics"]) == {"hit@1", "hit@3", "hit@5", "hit@10", "mrr@10", "ndcg@10"}
    assert set(report["by_lang"]) == {"vi", "en"}
    assert set(report["abstention"]) >= {"unanswerable", "abstained_correctly", "abstained_wrongly"}
    assert report["answer_match"] == 1.0 and len(report["per_question"]) == 2
    assert not default_index.exists()  # --corpus never touches the default index
    assert current_manifest_path(tmp_path / "eval-index") is not None
