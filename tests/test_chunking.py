"""Chunks are sized in the model's own tokens, keep whole sentences, overlap, and keep spans."""

from rag.chunking import ChunkingSettings, chunk_document
from rag.config import PROJECT_ROOT
from rag.corpus import load_corpus


def test_chunks_fit_the_model_and_keep_spans(embedder):
    docs = load_corpus([PROJECT_ROOT / "seeds"]).documents
    settings = ChunkingSettings(max_tokens=96, overlap_sentences=1)
    for doc in docs:
        chunks = chunk_document(doc, embedder.count_tokens, settings)
        assert len(chunks) > 1
        for chunk in chunks:
            assert embedder.count_tokens(chunk.text) <= 96  # prompt and special tokens included
            assert doc.text[chunk.start:chunk.end] == chunk.text
            assert chunk.doc_id == doc.doc_id and chunk.date == doc.date and chunk.title == doc.title
            for s, e in chunk.sentences:
                assert chunk.start <= s < e <= chunk.end
        for before, after in zip(chunks, chunks[1:]):
            if len(before.sentences) > 1:  # one sentence of overlap, unless that is all it holds
                assert before.sentences[-1] == after.sentences[0]
            else:
                assert before.end < after.start
        covered = {span for c in chunks for span in c.sentences}
        assert min(s for s, _ in covered) == 0 and max(e for _, e in covered) == len(doc.text)


def test_abbreviation_stays_inside_one_sentence(embedder):
    doc = load_corpus([PROJECT_ROOT / "seeds" / "001_f39855832cbb624f.txt"]).documents[0]
    chunks = chunk_document(doc, embedder.count_tokens, ChunkingSettings(512, 0))
    sentences = [t for c in chunks for t in c.sentence_texts()]
    assert any(t.startswith("Sáng 15/12, Công an TP. Hải Phòng đã ra quân") for t in sentences)


def test_overlong_sentence_is_cut_under_the_limit(embedder):
    from rag.corpus import make_document

    doc = make_document("long", "An ninh trật tự " * 400 + ".")
    chunks = chunk_document(doc, embedder.count_tokens, ChunkingSettings(64, 1))
    assert len(chunks) > 5
    assert all(embedder.count_tokens(c.text) <= 64 for c in chunks)
