"""The chat page's logic without a browser: HTML escaping, labels, long and empty messages."""

from __future__ import annotations

import threading

import pytest

from app import render
from app.i18n import resolve
from app.server import auth_from_env
from app.session import ChatSession
from rag.answer import Answer, Citation
from rag.assistant import MAX_QUESTION_CHARS
from rag.chat import Conversation

EVIL = '<script>window.__pwned=1</script><img src=x onerror="alert(1)"> **bold**'


def _citation(**changes) -> Citation:
    text = f"Đầu đoạn. Câu được trích {EVIL}. Cuối đoạn."
    sentence = f"Câu được trích {EVIL}."
    start = text.index(sentence)
    fields = dict(n=1, doc_id="d1", title=f"Tiêu đề {EVIL}", date="unknown", text=text, score=0.8,
                  sentence=sentence, sentence_start=start, sentence_end=start + len(sentence), chunk_id="c")
    fields.update(changes)
    return Citation(**fields)


def test_answer_html_escapes_everything_and_links_markers():
    answer = Answer("q", f"Theo các bài báo:\n- Bài không ghi ngày: “{EVIL}” [1] [7]", "vi", False, [_citation()])
    html = render.answer_html(answer, turn_id=5, language="vi", notes=[EVIL])
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in html and "**bold**" in html
    assert '<a class="rag-cite" href="#rag-src-5-1"' in html and 'id="rag-src-5-1"' in html
    assert "[7]" in html and "rag-src-5-7" not in html  # a marker without a citation stays text
    assert "không ghi ngày" in html and "Nguồn" in html
    assert f"<mark>Câu được trích {render.escape(EVIL)}.</mark>" in html


def test_highlight_falls_back_to_the_sentence_text_when_offsets_are_off():
    citation = _citation(sentence_start=0, sentence_end=3)
    assert "<mark>Câu được trích" in render.highlighted_passage(citation)
    assert "<mark>" not in render.highlighted_passage(_citation(sentence="absent", sentence_start=0, sentence_end=0))


def test_question_html_is_text():
    html = render.question_html(EVIL, note="cut")
    assert "<script" not in html and "&lt;img src=x" in html


def test_label_language_follows_switch_then_question():
    assert resolve("en", "vi") == "en"
    assert resolve("auto", "en") == "en"
    assert resolve("auto", None) == "vi"


def test_auth_from_env(monkeypatch):
    monkeypatch.delenv("RAG_UI_AUTH", raising=False)
    assert auth_from_env() is None
    monkeypatch.setenv("RAG_UI_AUTH", "reader:s3cret:x")
    assert auth_from_env() == ("reader", "s3cret:x")
    monkeypatch.setenv("RAG_UI_AUTH", "no-password")
    with pytest.raises(SystemExit):
        auth_from_env()


def test_empty_message_asks_nothing(seed_assistant):
    session = ChatSession(Conversation(seed_assistant))
    assert list(session.ask("  \n ")) == []
    assert session.messages() == [] and not session.conversation.turns


def test_20000_character_message_is_cut_with_a_note(seed_assistant):
    session = ChatSession(Conversation(seed_assistant))
    message = "Who leads Hai Phong police? " + "x" * (20_000 - 28)
    for _ in session.ask(message):
        pass
    turn = session.turns[0]
    assert len(turn.question) == MAX_QUESTION_CHARS and turn.was_cut and turn.typed_length == 20_000
    user, assistant = session.messages()
    assert "20,000" in user["content"] and f"{MAX_QUESTION_CHARS:,}" in user["content"]
    assert session.conversation.turns[0].question == turn.question  # only the cut text was asked
    assert session.answer_at(1) is turn.answer and session.answer_at(0) is None and session.answer_at(3) is None


def test_follow_up_is_noted_and_switch_relabels(seed_assistant):
    session = ChatSession(Conversation(seed_assistant))
    for question in ("Who leads Hai Phong police?", "Còn Hà Nội thì sao?"):
        for _ in session.ask(question):
            pass
    assert session.language == "vi"
    last = session.messages()[-1]["content"]
    assert "Đã tìm với câu hỏi:" in last and "Nguồn" in last
    session.choice = "en"
    assert "Searched for:" in session.messages()[-1]["content"]
    session.reset()
    assert session.messages() == [] and not session.conversation.turns


@pytest.mark.parametrize("follow_up,previous,expected", [
    ("And Hanoi?", "Who leads Hai Phong police?", "Who leads Hanoi police?"),
    ("Còn Hà Nội thì sao?", "Ai là Giám đốc Công an TP Hải Phòng?", "Ai là Giám đốc Công an TP Hà Nội?"),
    # A Vietnamese follow-up to an English question: the place is spelt the English way.
    ("Còn Hà Nội thì sao?", "Who leads Hai Phong police?", "Who leads Ha Noi police?"),
    # Typed without diacritics or capitals: the place after "tp" is the topic.
    ("con ha noi thi sao", "ai la giam doc cong an tp hai phong", "ai la giam doc cong an tp ha noi"),
])
def test_follow_up_rewrites(follow_up, previous, expected):
    from rag.chat import rewrite_follow_up

    assert rewrite_follow_up(follow_up, previous) == expected


def test_history_record_restores_a_conversation_that_follow_ups_continue(seed_assistant):
    import json

    session = ChatSession(Conversation(seed_assistant))
    for _ in session.ask("Who leads Hai Phong police?"):
        pass
    record = json.loads(json.dumps(session.to_record()))  # what the browser keeps
    restored = ChatSession.restore(Conversation(seed_assistant), record)
    assert restored.conversation_id == session.conversation_id
    assert restored.last_answer().answer == session.last_answer().answer
    assert restored.last_answer().citations == session.last_answer().citations
    for _ in restored.ask("And Hanoi?"):
        pass
    assert "Nguyễn Hải Trung" in restored.last_answer().answer
    assert restored.regenerate() == "And Hanoi?" and len(restored.conversation.turns) == 1


def test_vietnamese_numbers_use_dots():
    from app.i18n import label

    assert "20.000" in label("vi", "cut", length=20_000, limit=MAX_QUESTION_CHARS)
    assert "20,000" in label("en", "cut", length=20_000, limit=MAX_QUESTION_CHARS)


def test_stop_ends_the_answer_while_its_next_word_is_still_coming():
    """Stop must not wait for a slow LLM's next word: the page's answer event ends by itself."""
    from app.session import until_stopped

    release, closed = threading.Event(), threading.Event()

    def slow_words():
        try:
            yield "Theo"
            release.wait(30)  # the next word is not coming before the test lets it
            yield "bài báo"
        finally:
            closed.set()

    stop = threading.Event()
    words = until_stopped(slow_words(), stop.is_set, poll_s=0.05)
    assert next(words) == "Theo"
    stop.set()
    assert list(words) == []  # ends although the word after "Theo" has not arrived
    assert not closed.is_set()
    release.set()
    assert closed.wait(10), "the words' reader neither stopped nor closed the stream"


def test_an_unstopped_answer_keeps_every_word_and_its_errors():
    from app.session import until_stopped

    assert list(until_stopped(iter(["a", "b", "c"]), lambda: False, poll_s=0.05)) == ["a", "b", "c"]

    def failing():
        yield "a"
        raise RuntimeError("LLM went away")

    with pytest.raises(RuntimeError, match="went away"):
        list(until_stopped(failing(), lambda: False, poll_s=0.05))
