"""The encoder path: ONNX runtimes against sentence-transformers, late sentence vectors, no mixed
index, and a question path that imports neither torch nor llama-index."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace

import numpy as np
import pytest

from rag.assistant import Assistant
from rag.config import PROJECT_ROOT
from rag.chunking import chunk_document
from rag.corpus import load_corpus
from rag.embedding import load_embedder
from rag.ingest import _sentence_spans, chunking_settings, ingest
from rag.store import IndexModelMismatch

SEEDS = PROJECT_ROOT / "seeds"


@pytest.fixture(scope="module")
def passages(base_settings, embedder):
    """Real passages of the seed articles, with their sentence spans."""
    docs = load_corpus([SEEDS]).documents
    chunking = chunking_settings(base_settings, embedder)
    chunks = [c for d in docs for c in chunk_document(d, embedder.count_tokens, chunking)]
    return [(c.text, _sentence_spans(c)) for c in chunks[::3][:6]]


@pytest.fixture(scope="module")
def torch_embedder(base_settings):
    """The encoder path before issue 12: sentence-transformers, sentences encoded apart."""
    return load_embedder(replace(base_settings, runtime="torch", sentence_vectors="separate"))


def test_onnx_runtimes_match_sentence_transformers(base_settings, torch_embedder, passages):
    texts = [text for text, _ in passages] + ["Ai là Giám đốc Công an TP Hải Phòng?"]
    reference = torch_embedder.encode_passages(texts)
    fp32 = load_embedder(replace(base_settings, runtime="onnx")).encode_passages(texts)
    int8 = load_embedder(replace(base_settings, runtime="onnx-int8")).encode_passages(texts)
    assert np.min(np.sum(fp32 * reference, axis=1)) > 0.9999  # the same model, exported
    assert np.min(np.sum(int8 * reference, axis=1)) > 0.985   # measured 0.992 on the seeds
    assert np.min(np.sum(int8 * reference, axis=1)) < 0.99999  # it is really the quantised file


def test_late_sentence_vectors_come_from_the_passage_pass(base_settings, torch_embedder, passages):
    late = load_embedder(replace(base_settings, runtime="onnx", sentence_vectors="late"))
    late_torch = load_embedder(replace(base_settings, runtime="torch", sentence_vectors="late"))
    separate = torch_embedder.encode_with_sentences(passages)
    pooled = late.encode_with_sentences(passages)
    assert [len(v) for v in pooled] == [1 + len(spans) for _, spans in passages]
    for ours, theirs in zip(pooled, late_torch.encode_with_sentences(passages)):
        assert np.min(np.sum(ours * theirs, axis=1)) > 0.9999  # same pooling in either runtime
    own = []
    for (text, spans), mine, apart in zip(passages, pooled, separate):
        assert float(mine[0] @ apart[0]) > 0.9999  # the passage vector is the model's own
        assert not np.allclose(mine[1:], apart[1:], atol=1e-3)  # context really changes them
        own.extend(np.sum(mine[1:] * apart[1:], axis=1))  # late sentence i vs sentence i alone
    assert min(own) > 0.7 and np.mean(own) > 0.85  # measured 0.80 and 0.92 on these passages


def test_vectors_of_another_runtime_or_pooling_are_refused_or_rebuilt(base_settings, seed_index_dir, tmp_path,
                                                                    seed_copy):
    own = (base_settings.runtime, base_settings.sentence_vectors)
    paths = (("torch", "separate"), ("onnx-int8", "separate"), ("onnx-int8", "late"), ("onnx", "late"), ("onnx", "separate"))
    for runtime, sentences in [p for p in paths if p != own]:
        other = replace(base_settings, runtime=runtime, sentence_vectors=sentences)
        with pytest.raises(IndexModelMismatch, match="runtime|model"):
            Assistant.open(seed_index_dir, other)
    index_dir = tmp_path / "index"
    ingest([seed_copy], base_settings.with_index_dir(index_dir))
    flipped = "late" if base_settings.sentence_vectors == "separate" else "separate"
    other = replace(base_settings, sentence_vectors=flipped, index_dir=index_dir)
    progress: list[tuple[int, int]] = []
    report = ingest(None, other, on_progress=lambda done, total: progress.append((done, total)))
    assert any("rebuilding from scratch" in note for note in report.notes)
    assert len(report.added) == 5 and report.encoded_passages == report.chunks
    assert (report.encoded_texts > report.encoded_passages) == (flipped == "separate")
    assert progress[-1] == (report.chunks, report.chunks)  # the bar counts passages
    assistant = Assistant.open(index_dir, other)
    assert assistant.store.manifest["sentence_vectors"] == flipped
    assert assistant.store.manifest["runtime"] == base_settings.runtime


def test_cli_refuses_a_mixed_index_in_one_line(seed_index_dir):
    import os

    env = {**os.environ, "RAG_RUNTIME": "onnx-int8", "RAG_SENTENCE_VECTORS": "late"}
    done = subprocess.run([sys.executable, "-m", "rag.cli", "ask", "Ai là Giám đốc?", "--index-dir",
                           str(seed_index_dir)], env=env, capture_output=True, text=True)
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert "runtime onnx;" in done.stderr and "--rebuild" in done.stderr
    assert "RAG_RUNTIME" in done.stderr and "RAG_SENTENCE_VECTORS" in done.stderr  # the settings to match


def test_a_question_imports_neither_torch_nor_llama_index(seed_index_dir):
    code = f"""
import sys
from rag.cli import main
sys.argv = ["rag", "ask", "Ai là Giám đốc Công an TP Hải Phòng?", "--json", "--index-dir", {str(seed_index_dir)!r}]
try:
    main()
except SystemExit as stop:
    assert not stop.code, stop.code
heavy = sorted(m for m in ("torch", "sentence_transformers", "transformers", "llama_index", "gradio")
               if m in sys.modules)
print("HEAVY", heavy)
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-500:]
    assert '"answer"' in done.stdout and "HEAVY []" in done.stdout


def test_a_bad_encoder_setting_stops_with_its_name(monkeypatch):
    from rag.config import Settings

    monkeypatch.setenv("RAG_RUNTIME", "tensorflow")
    with pytest.raises(SystemExit, match="RAG_RUNTIME must be one of onnx-int8, onnx, torch"):
        Settings.from_env()
    monkeypatch.setenv("RAG_RUNTIME", "ONNX")  # case does not matter
    monkeypatch.setenv("RAG_SENTENCE_VECTORS", "early")
    with pytest.raises(SystemExit, match="RAG_SENTENCE_VECTORS"):
        Settings.from_env()
