"""The llama-index retriever over a real seed index, and llama-index's RetrieverQueryEngine with it,
answering through the loopback OpenAI-protocol server (tests/fake_openai.py)."""

from __future__ import annotations

import dataclasses

import pytest

from rag.integrations.llama_index import NewsRetriever, query_engine
from rag.llm import LLMUnavailable
import fake_openai

HAI_PHONG_DIRECTORS = ("Bùi Quang Bình", "Vũ Thanh Chương")


@pytest.fixture(scope="module")
def retriever(seed_assistant):
    return NewsRetriever(seed_assistant)


def test_nodes_carry_the_article_and_the_cited_sentence(retriever, seed_assistant):
    nodes = retriever.retrieve("Ai là Giám đốc Công an TP Hải Phòng?")
    assert nodes and [n.score for n in nodes] == sorted((n.score for n in nodes), reverse=True)
    doc_ids = [n.node.metadata["doc_id"] for n in nodes]
    assert len(set(doc_ids)) <= retriever.documents
    for n in nodes:
        meta = n.node.metadata
        assert {"doc_id", "title", "date", "url"} <= set(meta)
        assert meta["sentence"] and n.node.text[meta["sentence_start"]:meta["sentence_end"]] == meta["sentence"]
    # The spans of cited passages are the sentences the assistant itself cites.
    answer = seed_assistant.ask("Ai là Giám đốc Công an TP Hải Phòng?")
    by_chunk = {n.node.node_id: n.node.metadata["sentence"] for n in nodes}
    cited = [c for c in answer.citations if c.chunk_id in by_chunk]
    assert cited and all(by_chunk[c.chunk_id] == c.sentence for c in cited)
    assert {name for name in HAI_PHONG_DIRECTORS if any(name in s for s in by_chunk.values())} == set(HAI_PHONG_DIRECTORS)


def test_retriever_query_engine_answers_through_an_openai_endpoint(retriever, fake):
    from llama_index.llms.openai_like import OpenAILike

    def reply(request: dict) -> str:
        prompt = " ".join(str(m["content"]) for m in request["messages"])
        found = [name for name in HAI_PHONG_DIRECTORS if name in prompt]
        return "Directors: " + ", ".join(found)

    fake.reply(fake_openai.Reply(reply))
    llm = OpenAILike(model="fake", api_base=fake.base_url, api_key="x", is_chat_model=True, max_retries=0)
    response = query_engine(retriever, llm=llm).query("Who leads Hai Phong police?")
    assert str(response) == "Directors: " + ", ".join(HAI_PHONG_DIRECTORS)
    prompt = " ".join(str(m["content"]) for m in fake.requests[0]["messages"])
    assert "Who leads Hai Phong police?" in prompt and "date: 2024-12" in prompt
    assert "sentence_start" not in prompt  # offsets are for programs, not for the model
    assert response.source_nodes and response.source_nodes[0].node.metadata["doc_id"]


def test_query_engine_without_an_llm_says_so(seed_assistant):
    plain = dataclasses.replace(seed_assistant, settings=dataclasses.replace(seed_assistant.settings, llm=""))
    with pytest.raises(LLMUnavailable, match="RAG_LLM"):
        query_engine(NewsRetriever(plain))
