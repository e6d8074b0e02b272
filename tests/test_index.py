"""The index on disk: incremental ingest, atomic writes, damage and model checks."""

import json

import pytest

from rag.embedding import Embedder
from rag.ingest import ingest
from rag.local_store import LocalStore, read_manifest
from rag.store import IndexCorrupt, IndexMissing, IndexModelMismatch


def load_index(index_dir, model):
    return LocalStore.open(index_dir, model)


def segment_dirs(index_dir):
    return sorted(p for p in index_dir.glob("seg-*"))


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
    assert set(data.documents()) == {
        "000_79f6f9c68346ee94", "001_f39855832cbb624f", "002_61ff474f94b66afa", "003_f74e899145c90a99", "005_new"}
    assert data.n_chunks == changed.chunks == sum(d.chunks for d in data.documents().values())
    assert "Một câu mới được thêm vào." in " ".join(c.text for c in data.chunks(data.all_keys()))
    # The change was written as one small segment plus tombstones: nothing older was rewritten.
    assert len(data.segments) == 2 and data.manifest["segments"][0]["deleted"] == [
        "002_61ff474f94b66afa", "004_03279662ad3bc2ee"]


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
    vectors = segment_dirs(copy)[0] / "passages.npy"
    raw = bytearray(vectors.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    vectors.write_bytes(bytes(raw))
    # Opening does not hash gigabytes; `check` does, and names the damaged file.
    assert any("passages.npy is damaged" in p for p in load_index(copy, name).check())
    vectors.write_bytes(bytes(raw[:-10]))  # a truncated file is caught at open (sizes are cheap)
    with pytest.raises(IndexCorrupt, match="damaged.*rag ingest --rebuild"):
        load_index(copy, name)
    with pytest.raises(IndexModelMismatch, match="built with"):
        load_index(seed_index_dir, "some/other-model")


def test_corrupt_index_is_rebuilt_by_ingest(tmp_path, base_settings, seed_copy):
    settings = base_settings.with_index_dir(tmp_path / "index")
    ingest([seed_copy], settings)
    (segment_dirs(settings.index_dir)[0] / "chunks.sqlite").write_text("garbage", encoding="utf-8")
    report = ingest(None, settings)
    assert any("rebuilding" in n for n in report.notes) and len(report.added) == 5
    assert load_index(settings.index_dir, first_model(settings)).n_chunks == report.chunks


def test_manifest_records_model_chunking_and_hashes(seed_index_dir, base_settings):
    manifest = read_manifest(seed_index_dir)
    assert manifest["model"] == first_model(base_settings) and manifest["dim"] == 384
    assert manifest["chunking"]["max_tokens"] <= 512
    store = load_index(seed_index_dir, first_model(base_settings))
    assert all(len(d.hash) == 64 for d in store.documents().values())
    checksums = json.loads((segment_dirs(seed_index_dir)[0] / "checksums.json").read_text(encoding="utf-8"))
    assert set(checksums) >= {"chunks.sqlite", "passages.npy", "sentences.npy"}
    assert all(len(f["sha256"]) == 64 for f in checksums.values())


def test_nothing_readable_leaves_the_index_as_it_was(tmp_path, base_settings, seed_copy):
    from rag.ingest import NothingToIndex

    settings = base_settings.with_index_dir(tmp_path / "index")
    ingest([seed_copy], settings)
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "x.txt").write_bytes(b"\x00binary")
    with pytest.raises(NothingToIndex, match="x.txt: binary file"):
        ingest([bad], settings, replace_roots=True)
    assert len(load_index(settings.index_dir, first_model(settings)).documents()) == 5
