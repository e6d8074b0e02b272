"""Retrieval and extractive answers on the real seed index."""

import json

import pytest

from rag.assistant import BadQuestion
from rag.chat import Conversation
from rag.config import PROJECT_ROOT
from rag.retrieval import Retriever
from rag.text import fold

HAI_PHONG_OLD = "000_79f6f9c68346ee94"   # undated: Bùi Quang Bình
HAI_PHONG_NEW = "001_f39855832cbb624f"   # 2024-12: Vũ Thanh Chương
HANOI = {"002_61ff474f94b66afa", "003_f74e899145c90a99"}


@pytest.mark.parametrize("question", ["Who leads Hai Phong police?", "Ai là Giám đốc Công an TP Hải Phòng?"])
def test_both_hai_phong_directors_with_dates(seed_assistant, question):
    answer = seed_assistant.ask(question)
    assert not answer.abstained
    assert "Bùi Quang Bình" in answer.answer and "Vũ Thanh Chương" in answer.answer
    cited = {c.doc_id: c for c in answer.citations}
    assert {HAI_PHONG_OLD, HAI_PHONG_NEW} <= set(cited)
    assert cited[HAI_PHONG_NEW].date == "2024-12" and cited[HAI_PHONG_OLD].date == "unknown"
    for c in answer.citations:
        assert f"[{c.n}]" in answer.answer
        assert c.text[c.sentence_start:c.sentence_end] == c.sentence
    assert ("Article dated 2024-12" in answer.answer) == (answer.language == "en")
    assert ("Undated article" in answer.answer) or ("Bài không ghi ngày" in answer.answer)


def test_answer_language_follows_question(seed_assistant):
    assert "According to the articles:" in seed_assistant.ask("Who leads Hai Phong police?").answer
    assert "Theo các bài báo:" in seed_assistant.ask("Ai là Giám đốc Công an TP Hà Nội?").answer


def test_question_without_diacritics_finds_its_article(seed_assistant):
    retrieval = seed_assistant.retrieve("ai la giam doc cong an tp ha noi")
    assert retrieval.documents[0].doc_id in HANOI
    answer = seed_assistant.ask("ai la giam doc cong an tp ha noi")
    assert "Nguyễn Hải Trung" in answer.answer


SEED_QUESTIONS = [json.loads(line) for line in (PROJECT_ROOT / "eval" / "seeds.jsonl").open(encoding="utf-8")]
ACCENTED_VI = [q["question"] for q in SEED_QUESTIONS if q["lang"] == "vi" and q["sources"] and not q["question"].isascii()]


def test_unaccented_question_is_encoded_with_the_articles_diacritics(seed_assistant):
    """Typed without diacritics, a question reaches the encoder with them put back from the index's
    own words: its vector is nearly the accented question's, and dense retrieval alone ranks the
    same article first. The question itself (quoted, answered) is left as typed."""
    dense = Retriever(seed_assistant.store, seed_assistant.embedder, mode="dense")
    assert len(ACCENTED_VI) >= 10
    for question in ACCENTED_VI:
        accented, plain = dense.search(question), dense.search(fold(question))
        assert plain.parsed.text == fold(question) and plain.parsed.restored != plain.parsed.text
        as_typed = seed_assistant.embedder.encode_queries([plain.parsed.text])[0]
        closeness = float(plain.query_vector @ accented.query_vector)
        assert closeness >= 0.95 and closeness > float(as_typed @ accented.query_vector) + 0.05, question
        assert plain.documents[0].doc_id == accented.documents[0].doc_id, question
    restored = seed_assistant.retrieve("ai la giam doc cong an tp hai phong").parsed.restored
    assert restored == "ai là giám đốc công an tp hải phòng"


@pytest.mark.parametrize("question", ["Who leads Hai Phong police?", "Ai là Giám đốc Công an TP Hải Phòng?"])
def test_english_and_accented_questions_are_encoded_as_typed(seed_assistant, question):
    assert seed_assistant.retrieve(question).parsed.restored == ""


@pytest.mark.parametrize("question,lead", [
    ("Giá vàng hôm nay là bao nhiêu?", "Các bài báo không có thông tin"),
    ("Đội tuyển bóng đá Việt Nam thắng Thái Lan mấy bàn?", "Các bài báo không có thông tin"),
    ("What is the population of Brazil?", "The articles don't say"),
])
def test_abstains_when_articles_do_not_answer(seed_assistant, question, lead):
    answer = seed_assistant.ask(question)
    assert answer.abstained and answer.answer.startswith(lead) and not answer.citations


def test_empty_and_overlong_questions(seed_assistant):
    with pytest.raises(BadQuestion):
        seed_assistant.ask("   ")
    answer = seed_assistant.ask("Who leads Hai Phong police? " + "x" * 20000)
    assert any("cut to its first" in n for n in answer.notes)


@pytest.mark.parametrize("follow_up", ["And Hanoi?", "Còn Hà Nội thì sao?"])
def test_follow_up_uses_the_conversation(seed_assistant, follow_up):
    conversation = Conversation(seed_assistant)
    conversation.ask("Who leads Hai Phong police?")
    answer = conversation.ask(follow_up)
    assert "Nguyễn Hải Trung" in answer.answer
    assert answer.retrieved_doc_ids[0] in HANOI
    assert answer.language == ("en" if follow_up.startswith("And") else "vi")
