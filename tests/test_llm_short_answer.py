"""A fact question's short answer read by the LLM out of the quotes (rag/llm_short_answer.py): the
real model and seed index, the LLM a real OpenAI-protocol server on 127.0.0.1 (tests/fake_openai.py)."""

from __future__ import annotations

import dataclasses

import pytest

from fake_openai import Reply
from rag.assistant import Assistant
from rag.config import Settings
from rag.generation import Generator
from rag.llm_short_answer import INSTRUCTION

WHO = "Who leads Hai Phong police?"
# A generated answer giving both directors, citing the passages as the prompt numbers them.
GENERATED = "Vũ Thanh Chương [1]; Bùi Quang Bình [2]."


def with_llm(seed_assistant: Assistant, fake, on: bool = True) -> Assistant:
    settings = dataclasses.replace(seed_assistant.settings, llm="openai", llm_model="test-model",
                                   llm_base_url=fake.base_url, llm_timeout=5.0, llm_short_answers=on)
    return dataclasses.replace(seed_assistant, settings=settings, generator=Generator.from_settings(settings))


def test_the_llms_phrase_found_in_a_quote_is_the_short_answer(seed_assistant, fake):
    fake.reply(Reply("Thiếu tướng Vũ Thanh Chương."), Reply(GENERATED))
    answer = with_llm(seed_assistant, fake).ask(WHO)
    asked, generated = fake.requests
    assert asked["messages"][0] == {"role": "system", "content": INSTRUCTION} and asked["temperature"] == 0
    assert f"Question: {WHO}" in asked["messages"][-1]["content"]
    assert "Thiếu tướng Vũ Thanh Chương, Giám đốc Công an thành phố" in asked["messages"][-1]["content"]
    assert generated["stream"] is True
    assert answer.short.value == "Thiếu tướng Vũ Thanh Chương"
    # The other article's director still shows beside it, each with its citation.
    cited = {c.n: c.sentence for c in answer.citations}
    assert [s.value in cited[s.n] for s in answer.short.spans] == [True, True]
    assert "Bùi Quang Bình" in answer.short.text and answer.short.text.startswith("The articles differ:")


@pytest.mark.parametrize("reply", [Reply("Nguyễn Văn An"), Reply("Chương"), Reply("NONE"), Reply(""), Reply(status=500)],
                         ids=["not in any quote", "a part of the span found", "none", "empty", "server error"])
def test_otherwise_the_span_finders_answer_stays(seed_assistant, fake, reply):
    """A phrase no quote holds would be an answer the articles do not give; a part of the span the
    rules found ("150" of "hơn 150", "2024" of "tháng 11/2024") says less than it."""
    fake.reply(reply, Reply(GENERATED))
    answer = with_llm(seed_assistant, fake).ask(WHO)
    assert len(fake.requests) == 2 and not answer.abstained
    assert {s.value for s in answer.short.spans} == {"Vũ Thanh Chương", "Bùi Quang Bình"}  # the spans found


def test_only_fact_questions_and_only_when_turned_on(seed_assistant, fake, monkeypatch):
    fake.reply(Reply("Lễ ra quân [1]."))
    with_llm(seed_assistant, fake).ask("Đợt cao điểm tấn công trấn áp tội phạm nhằm mục đích gì?")
    assert len(fake.requests) == 1 and fake.requests[0]["stream"] is True  # the answer only
    fake.requests.clear()
    fake.reply(Reply(GENERATED))
    with_llm(seed_assistant, fake, on=False).ask(WHO)
    assert len(fake.requests) == 1 and fake.requests[0]["stream"] is True
    monkeypatch.delenv("RAG_LLM_SHORT_ANSWERS", raising=False)
    assert Settings.from_env().llm_short_answers is False
    monkeypatch.setenv("RAG_LLM_SHORT_ANSWERS", "1")
    assert Settings.from_env().llm_short_answers is True
