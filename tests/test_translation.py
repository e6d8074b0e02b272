"""An English question searched with the LLM's Vietnamese translation (rag/translation.py): the real
model and seed index, the LLM a real OpenAI-protocol server on 127.0.0.1 (tests/fake_openai.py)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from fake_openai import Reply
from rag.assistant import Assistant
from rag.config import Settings
from rag.generation import Generator
from rag.translation import INSTRUCTION, clean

TRANSLATION = "Ai là giám đốc Công an thành phố Hải Phòng?"


def translating(seed_assistant: Assistant, fake, on: bool = True) -> Assistant:
    settings = dataclasses.replace(seed_assistant.settings, llm="openai", llm_model="test-model",
                                   llm_base_url=fake.base_url, llm_timeout=5.0, translate_questions=on)
    return dataclasses.replace(seed_assistant, settings=settings, generator=Generator.from_settings(settings))


def unit(vector: np.ndarray) -> np.ndarray:
    return vector / np.linalg.norm(vector)


def test_english_question_is_searched_with_the_sum_of_both_vectors(seed_assistant, fake):
    fake.reply(Reply(TRANSLATION))
    retrieval = translating(seed_assistant, fake).retrieve("Who leads Hai Phong police?")
    [request] = fake.requests
    assert request.get("stream") in (None, False) and request["temperature"] == 0
    assert request["messages"][0] == {"role": "system", "content": INSTRUCTION}
    assert request["messages"][-1] == {"role": "user", "content": "Who leads Hai Phong police?"}
    assert retrieval.parsed.translated == TRANSLATION and retrieval.parsed.language == "en"
    both = seed_assistant.embedder.encode_queries(["Who leads Hai Phong police?", TRANSLATION])
    np.testing.assert_allclose(retrieval.query_vector, unit(both.sum(axis=0)), atol=1e-5)
    alone = seed_assistant.retrieve("Who leads Hai Phong police?").query_vector
    assert not np.allclose(retrieval.query_vector, alone, atol=1e-3)


def test_the_answer_is_asked_with_the_question_as_written(seed_assistant, fake):
    fake.reply(Reply(TRANSLATION), Reply("Vũ Thanh Chương [1]."))
    answer = translating(seed_assistant, fake).ask("Who leads Hai Phong police?")
    translate, generate = fake.requests
    assert translate["temperature"] == 0 and generate["temperature"] > 0
    assert generate["stream"] is True and "Question: Who leads Hai Phong police?" in generate["messages"][-1]["content"]
    assert TRANSLATION not in generate["messages"][-1]["content"]
    assert answer.language == "en" and not answer.abstained and "Vũ Thanh Chương" in answer.answer


@pytest.mark.parametrize("question", ["Ai là Giám đốc Công an TP Hải Phòng?", "hello", "asdfgh qwerty",
                                      "Quién dirige la policía de Hai Phong?"])
def test_no_translation_is_asked_for_vietnamese_small_talk_gibberish_or_other_languages(seed_assistant, fake, question):
    retrieval = translating(seed_assistant, fake).retrieve(question)
    assert fake.requests == [] and retrieval.parsed.translated == ""


@pytest.mark.parametrize("question, translation", [
    # What a 1.5B model replied (docs/benchmarks.md): Hanoi invented, and a plain translation.
    ("What is the capital of Australia?", "Tỉnh Hà Nội là thủ đô của Australia không?"),
    ("Who is the president of France?", "Người đại diện của Pháp là ai?"),
])
def test_an_off_topic_question_is_still_refused_with_its_translation(seed_assistant, fake, question, translation):
    """The translation helps rank, but the refusal reads the question as asked: the thresholds were
    calibrated on it, and the summed vector scores Vietnamese sentences higher."""
    fake.reply(Reply(translation))
    assistant = translating(seed_assistant, fake)
    retrieval = assistant.retrieve(question)
    assert retrieval.parsed.translated == translation
    gated = [h for d in retrieval.documents for h in d.passages if h.asked_dense is not None]
    assert gated and not all(np.allclose(h.asked_dense, h.sentence_dense) for h in gated)
    fake.reply(Reply(translation))
    assert assistant.ask(question).abstained


def test_a_failing_llm_leaves_the_question_searched_as_asked(seed_assistant, fake):
    fake.reply(Reply(status=500))
    retrieval = translating(seed_assistant, fake).retrieve("Who leads Hai Phong police?")
    assert len(fake.requests) == 1 and retrieval.parsed.translated == ""
    alone = seed_assistant.retrieve("Who leads Hai Phong police?")
    np.testing.assert_allclose(retrieval.query_vector, alone.query_vector, atol=1e-6)
    assert [d.doc_id for d in retrieval.documents] == [d.doc_id for d in alone.documents]


def test_translation_is_asked_for_only_when_turned_on(seed_assistant, fake, monkeypatch):
    retrieval = translating(seed_assistant, fake, on=False).retrieve("Who leads Hai Phong police?")
    assert fake.requests == [] and retrieval.parsed.translated == ""
    monkeypatch.delenv("RAG_TRANSLATE_QUESTIONS", raising=False)
    assert Settings.from_env().translate_questions is False
    monkeypatch.setenv("RAG_TRANSLATE_QUESTIONS", "1")
    assert Settings.from_env().translate_questions is True
    monkeypatch.setenv("RAG_TRANSLATE_QUESTIONS", "maybe")
    with pytest.raises(SystemExit, match="RAG_TRANSLATE_QUESTIONS must be one of 1, 0"):
        Settings.from_env()


@pytest.mark.parametrize("reply, expected", [
    (TRANSLATION, TRANSLATION),
    (f"Vietnamese: {TRANSLATION}\n(This asks who the director is.)", TRANSLATION),
    (f"  “{TRANSLATION}”  ", TRANSLATION),
    ("Who leads Hai Phong police?", ""),   # given back untranslated
    ("", ""),
    ("x" * 401, ""),                       # not a question's translation
])
def test_the_translation_is_read_out_of_the_reply(reply, expected):
    assert clean(reply, "Who leads Hai Phong police?") == expected
