"""The index on disk: incremental ingest, atomic writes, damage and model checks."""

import json
import subprocess
import sys
import textwrap

import pytest

from rag.embedding import Embedder
from rag.ingest import ingest
from rag.store import IndexCorrupt, IndexMissing, IndexModelMismatch, current_generation, load_index


@pytest.fixture()
def counted(monkeypatch):
    """Count passages sent to the encoder (the real one still runs)."""
    calls: list[int] = []
    real = Embedder.encode_with_sentences

    def counting(self, passages):
        calls.append(len(passages))
        return real(self, passages)

    monkeypatch.setattr(Embedder, "encode_with_sentences", counting)
    return calls


def test_incremental_ingest_embeds_only_changes(tmp_path, base_settings, seed_copy, counted):
    settings = base_settings.with_index_dir(tmp_path / "index")
    first = ingest([seed_copy], settings)
    assert len(first.added) == 5 and sum(counted) == first.encoded_passages > 0
    counted.clear()

    again = ingest(None, settings)  # re-sync the recorded folder: nothing changed
    assert len(again.unchanged) == 5 and sum(counted) == 0

    target = seed_copy / "002_61ff474f94b66afa.txt"
    target.write_text(target.read_text(encoding="utf-8") + "\nMột câu mới được thêm vào.", encoding="utf-8")
    (seed_copy / "004_03279662ad3bc2ee.txt").unlink()
    (seed_copy / "005_new.md").write_text("# Tin mới\n\nCông an TP Đà Nẵng ra quân.", encoding="utf-8")
    changed = ingest(None, settings)
    assert changed.updated == ["002_61ff474f94b66afa"]
    assert changed.added == ["005_new"] and changed.removed == ["004_03279662ad3bc2ee"]
    assert 0 < sum(counted) == changed.encoded_passages
    data = load_index(settings.index_dir, first_model(settings))
    assert set(data.manifest["documents"]) == {
        "000_79f6f9c68346ee94", "001_f39855832cbb624f", "002_61ff474f94b66afa", "003_f74e899145c90a99", "005_new"}
    assert data.vectors.ntotal == len(data.vector_rows) == data.manifest["n_vectors"]
    assert "Một câu mới được thêm vào." in " ".join(c.text for c in data.chunks)


def first_model(settings):
    from rag.embedding import load_embedder

    return load_embedder(settings).name


def test_missing_and_corrupt_index_are_detected(tmp_path, base_settings, seed_index_dir):
    import shutil

    name = first_model(base_settings)
    with pytest.raises(IndexMissing, match="rag ingest"):
        load_index(tmp_path / "nothing", name)
    copy = tmp_path / "copy"
    shutil.copytree(seed_index_dir, copy)
    faiss_file = current_generation(copy) / "vectors.faiss"
    raw = bytearray(faiss_file.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    faiss_file.write_bytes(bytes(raw))
    with pytest.raises(IndexCorrupt, match="damaged.*rag ingest --rebuild"):
        load_index(copy, name)
    with pytest.raises(IndexModelMismatch, match="built with"):
        load_index(seed_index_dir, "some/other-model")


def test_corrupt_index_is_rebuilt_by_ingest(tmp_path, base_settings, seed_copy):
    settings = base_settings.with_index_dir(tmp_path / "index")
    ingest([seed_copy], settings)
    (current_generation(settings.index_dir) / "chunks.jsonl").write_text("garbage", encoding="utf-8")
    report = ingest(None, settings)
    assert any("rebuilding" in n for n in report.notes) and len(report.added) == 5
    assert len(load_index(settings.index_dir, first_model(settings)).chunks) == report.chunks


def test_killed_ingest_leaves_previous_index_usable(tmp_path, base_settings, seed_copy):
    """A second ingest is killed while writing its new generation; the old one still opens."""
    settings = base_settings.with_index_dir(tmp_path / "index")
    ingest([seed_copy], settings)
    before = current_generation(settings.index_dir)
    (seed_copy / "006.txt").write_text("Bài mới về an ninh trật tự.", encoding="utf-8")
    script = textwrap.dedent(f"""
        import os, rag.store as store
        from pathlib import Path
        from rag.config import Settings
        from rag.ingest import ingest
        real = store.LexicalIndex.save
        def die(self, directory):
            real(self, directory)
            os._exit(9)  # killed after part of the new generation is on disk
        store.LexicalIndex.save = die
        ingest(None, Settings.from_env().with_index_dir(Path({str(settings.index_dir)!r})))
    """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert proc.returncode == 9, proc.stderr
    assert current_generation(settings.index_dir) == before
    data = load_index(settings.index_dir, first_model(settings))
    assert "006" not in data.manifest["documents"] and len(data.manifest["documents"]) == 5
    report = ingest(None, settings)  # the next run completes and cleans up
    assert report.added == ["006"]
    assert len(list(settings.index_dir.glob("gen-*"))) == 1


def test_manifest_records_model_chunking_and_hashes(seed_index_dir, base_settings):
    manifest = json.loads((current_generation(seed_index_dir) / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["model"] == first_model(base_settings) and manifest["dim"] == 384
    assert manifest["chunking"]["max_tokens"] <= 512
    assert all(len(d["hash"]) == 64 for d in manifest["documents"].values())
    assert set(manifest["files"]) >= {"chunks.jsonl", "vectors.faiss", "vector_rows.npy"}


def test_nothing_readable_leaves_the_index_as_it_was(tmp_path, base_settings, seed_copy):
    from rag.ingest import NothingToIndex

    settings = base_settings.with_index_dir(tmp_path / "index")
    ingest([seed_copy], settings)
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "x.txt").write_bytes(b"\x00binary")
    with pytest.raises(NothingToIndex, match="x.txt: binary file"):
        ingest([bad], settings, replace_roots=True)
    assert len(load_index(settings.index_dir, first_model(settings)).manifest["documents"]) == 5
