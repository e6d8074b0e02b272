"""Loading articles: formats, dates, titles, and bad files reported and skipped."""

import json

from rag.config import PROJECT_ROOT
from rag.corpus import UNKNOWN_DATE, load_corpus


def test_seed_articles_load_with_dates_and_titles():
    result = load_corpus([PROJECT_ROOT / "seeds"])
    assert not result.skipped
    docs = {d.doc_id: d for d in result.documents}
    assert len(docs) == 5
    assert docs["000_79f6f9c68346ee94"].date == UNKNOWN_DATE  # never guessed
    assert docs["001_f39855832cbb624f"].date == "2024-12"
    assert not docs["001_f39855832cbb624f"].text.startswith("date")
    assert docs["000_79f6f9c68346ee94"].title.startswith("Thiếu tướng Bùi Quang Bình, Giám đốc Công an TP.Hải Phòng")


def test_formats_and_bad_files(tmp_path):
    (tmp_path / "a.md").write_text("date 2024-05-09\n# Tiêu đề bài\n\nNội dung hoà bình.", encoding="utf-8")
    (tmp_path / "b.jsonl").write_text(
        json.dumps({"id": "x1", "text": "Bài một.", "title": "T1", "date": "2023-01", "url": "http://e/1"}) + "\n"
        + "not json\n" + json.dumps({"id": "x2", "text": ""}) + "\n", encoding="utf-8")
    (tmp_path / "latin1.txt").write_bytes("Hà Nội".encode("latin-1", errors="replace") + b"\xe0\xff")
    (tmp_path / "empty.txt").write_text("   \n", encoding="utf-8")
    (tmp_path / "bin.txt").write_bytes(b"\x00\x01\x02binary")
    result = load_corpus([tmp_path])
    docs = {d.doc_id: d for d in result.documents}
    assert set(docs) == {"a", "x1"}
    assert docs["a"].title == "Tiêu đề bài" and docs["a"].date == "2024-05-09"
    assert "hòa bình" in docs["a"].text  # tone placement normalised
    assert docs["x1"].url == "http://e/1" and docs["x1"].date == "2023-01"
    reasons = {s.path.split("/")[-1]: s.reason for s in result.skipped}
    assert reasons["latin1.txt"].startswith("not UTF-8")
    assert reasons["empty.txt"] == "empty file"
    assert reasons["bin.txt"] == "binary file"
    assert "invalid JSON" in reasons["b.jsonl:2"]
    assert "no 'text'" in reasons["b.jsonl:3"]


def test_content_hash_changes_with_text(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("Một câu.", encoding="utf-8")
    first = load_corpus([path]).documents[0].content_hash
    path.write_text("Một câu khác.", encoding="utf-8")
    assert load_corpus([path]).documents[0].content_hash != first
