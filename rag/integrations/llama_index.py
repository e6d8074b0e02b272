"""The assistant's hybrid retrieval as a llama-index retriever, and a query engine over it.

For llama-index pipelines: `NewsRetriever.open("index")` returns `NodeWithScore`s whose
metadata carry the article (doc id, title, date, url) and the sentence the assistant would cite
in the passage (its text and character span in the node's text), so a pipeline can show or
check citations like the assistant does. `query_engine(...)` wraps it in llama-index's
`RetrieverQueryEngine` with any llama-index LLM (default: the one `RAG_LLM` configures).

    from rag.integrations.llama_index import NewsRetriever, query_engine
    retriever = NewsRetriever.open("index")
    nodes = retriever.retrieve("Who leads Hai Phong police?")
    print(query_engine(retriever).query("Who leads Hai Phong police?"))
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from llama_index.core.base.base_retriever import BaseRetriever
from llama_index.core.llms import LLM
from llama_index.core.query_engine import RetrieverQueryEngine
from llama_index.core.schema import NodeWithScore, QueryBundle, TextNode

from rag.answer import extractive_answer
from rag.assistant import Assistant, prepare_question
from rag.config import Settings
from rag.llm import LLMUnavailable, load_backend
from rag.retrieval import PassageHit

# Metadata an LLM prompt or an embedding should not see (offsets mean nothing to a model).
HIDDEN_KEYS = ["sentence", "sentence_start", "sentence_end", "chunk_id", "url"]


def _node(hit: PassageHit, cited: dict[str, tuple[int, int]]) -> NodeWithScore:
    """One passage as a node; the span is the assistant's cited sentence, else its closest one."""
    chunk = hit.chunk
    if chunk.chunk_id in cited:
        start, end = cited[chunk.chunk_id]
    else:
        best = int(np.argmax(hit.sentence_dense)) if len(hit.sentence_dense) else 0
        s, e = chunk.sentences[best] if chunk.sentences else (chunk.start, chunk.end)
        start, end = s - chunk.start, e - chunk.start
    metadata = {"doc_id": chunk.doc_id, "title": chunk.title, "date": chunk.date, "url": chunk.url,
                "chunk_id": chunk.chunk_id, "sentence": chunk.text[start:end],
                "sentence_start": start, "sentence_end": end}
    node = TextNode(id_=chunk.chunk_id, text=chunk.text, metadata=metadata,
                    excluded_llm_metadata_keys=HIDDEN_KEYS, excluded_embed_metadata_keys=HIDDEN_KEYS)
    return NodeWithScore(node=node, score=hit.score)


class NewsRetriever(BaseRetriever):
    """Hybrid retrieval (dense + accent-aware BM25, rag/retrieval.py) over an existing index.

    Returns up to `passages_per_document` passages from each of the best `documents`, best first.
    """

    def __init__(self, assistant: Assistant, documents: int = 5, passages_per_document: int = 2,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.assistant = assistant
        self.documents = documents
        self.passages_per_document = passages_per_document

    @classmethod
    def open(cls, index_dir: Path | str | None = None, settings: Settings | None = None,
             **kwargs: Any) -> "NewsRetriever":
        """Open the index at `index_dir` (default: RAG_INDEX_DIR); raises `rag.store.IndexProblem`."""
        return cls(Assistant.open(index_dir, settings), **kwargs)

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        prepared = prepare_question(query_bundle.query_str)
        retrieval = self.assistant.retriever.search(prepared.text, k_documents=self.documents,
                                                    passages_per_document=self.passages_per_document)
        threshold = self.assistant.settings.abstain_thresholds[prepared.language]
        answer = extractive_answer(retrieval, prepared.language, threshold)
        cited = {c.chunk_id: (c.sentence_start, c.sentence_end) for c in answer.citations}
        hits = [p for d in retrieval.documents for p in d.passages]
        hits.sort(key=lambda p: -p.score)
        return [_node(hit, cited) for hit in hits]


def query_engine(retriever: NewsRetriever, llm: LLM | None = None, **kwargs: Any) -> RetrieverQueryEngine:
    """llama-index's `RetrieverQueryEngine` over `retriever`; `kwargs` go to `from_args`
    (e.g. `streaming=True`, `response_mode=...`).

    Without `llm`, the LLM configured by `RAG_LLM` is used; raises `LLMUnavailable` if none is.
    """
    if llm is None:
        settings = retriever.assistant.settings
        if settings.llm in ("", "none"):
            raise LLMUnavailable("a query engine needs an LLM: pass llm=… or set RAG_LLM (see README)")
        llm = load_backend(settings).llm
    return RetrieverQueryEngine.from_args(retriever, llm=llm, **kwargs)
