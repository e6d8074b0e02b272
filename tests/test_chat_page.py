"""The chat page end to end, in real headless Chromium (Debian's, driven by Playwright).

One app for the module: started in-process on a free loopback port, its index built from the
seed articles plus one article full of markup (a script, an onerror image, Markdown) through the
same background loader `rag serve` uses.
"""

from __future__ import annotations

import json
import shutil
import socket
import time
from dataclasses import replace
from pathlib import Path

import pytest

from rag.config import PROJECT_ROOT

playwright_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
HAI_PHONG_DIRECTORS = ("Bùi Quang Bình", "Vũ Thanh Chương")
HANOI_DIRECTOR = "Nguyễn Hải Trung"
SCREENSHOT = PROJECT_ROOT / "docs" / "screenshot.png"
ANSWER_TIMEOUT_MS = 90_000

# An article whose title and body carry markup that must stay text.
MARKUP_ARTICLE = """date 2024-11-12
# Mưa lớn ở Đà Nẵng <script>window.__pwned = 1</script>

Theo Đài Khí tượng Thủy văn, lượng mưa tại Đà Nẵng ngày 12/11 đạt 350 mm <img src=x onerror="window.__pwned = 2">, nhiều tuyến phố ngập sâu.

Lực lượng cứu hộ đã sơ tán **hơn 200 hộ dân** khỏi vùng ngập <b>an toàn</b>.
"""

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (make browser)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def browser():
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def app(tmp_path_factory, base_settings, browser):
    """The page on a free port, over a fresh index built by the page's own loader.

    A browser opens the page while the index is still building and keeps the banner it saw.
    """
    from app.loader import AssistantLoader
    from app.server import launch
    from rag.feedback import FeedbackLog

    root = tmp_path_factory.mktemp("chat-page")
    articles = root / "articles"
    shutil.copytree(PROJECT_ROOT / "seeds", articles)
    (articles / "900_markup.md").write_text(MARKUP_ARTICLE, encoding="utf-8")
    settings = replace(base_settings, index_dir=root / "index", seeds_dir=articles)
    loader = AssistantLoader.start(settings)
    feedback = FeedbackLog(root / "feedback.jsonl")
    port = _free_port()
    demo = launch(settings, host="127.0.0.1", port=port, block=False, loader=loader, feedback=feedback)
    url = f"http://127.0.0.1:{port}/"
    early = browser.new_page()
    early.goto(url)
    early.wait_for_selector("#rag-input textarea")
    ready_before_page = loader.status().ready
    banner = "" if ready_before_page else early.locator("#rag-status").inner_text()
    status = loader.wait(timeout=600)
    assert status.ready, status.error
    early.locator("#rag-status").wait_for(state="hidden", timeout=10_000)  # gone once ready
    early.close()
    yield {"url": url, "feedback": feedback, "banner": banner, "ready_before_page": ready_before_page}
    demo.close()


@pytest.fixture()
def page(app, browser):
    """A new browser session (so a new conversation) on the page, ready for questions."""
    context = browser.new_context(viewport={"width": 1280, "height": 1300})
    page = context.new_page()
    page.goto(app["url"])
    page.wait_for_selector("#rag-input textarea")
    yield page
    context.close()


def finished_answers(page) -> int:
    return page.locator("#rag-chat .rag-answer:not(.rag-partial)").count()


def ask(page, question: str) -> str:
    """Type a question, press Enter, wait for its finished answer; return that message's text."""
    before = finished_answers(page)
    page.fill("#rag-input textarea", question)
    page.press("#rag-input textarea", "Enter")
    page.wait_for_function(
        f"document.querySelectorAll('#rag-chat .rag-answer:not(.rag-partial)').length > {before}",
        timeout=ANSWER_TIMEOUT_MS)
    return page.locator("#rag-chat .rag-answer").last.inner_text()


def test_page_shows_progress_while_the_index_builds(app):
    if app["ready_before_page"]:
        pytest.skip("the index was built before the page loaded")
    assert "Preparing the assistant" in app["banner"] or "Indexing the articles" in app["banner"]


def test_first_screen_offers_examples_in_both_languages(page):
    examples = ["Who leads Hai Phong police?", "Ai là Giám đốc Công an TP Hà Nội?",
                "ai la giam doc cong an tp hai phong"]
    for i, example in enumerate(examples, 1):
        assert page.get_by_role("button", name=f"Select example {i}: {example}").is_visible()
    page.get_by_role("button", name=f"Select example 3: {examples[2]}").click()
    page.wait_for_selector("#rag-chat .rag-answer:not(.rag-partial)", timeout=ANSWER_TIMEOUT_MS)
    assert page.locator("#rag-chat .rag-question").inner_text() == examples[2]


def test_answer_citation_passage_and_follow_ups(page):
    answer = ask(page, "Who leads Hai Phong police?")
    assert "[1]" in answer
    assert any(name in answer for name in HAI_PHONG_DIRECTORS), answer
    # Labels follow the (English) question.
    assert page.locator("#rag-send").inner_text().strip() == "Send"
    assert page.locator(".rag-sources-title").last.inner_text().strip() == "Sources"

    page.locator("a.rag-cite", has_text="[1]").first.click()
    source = page.locator("details.rag-source[open]").first
    source.wait_for(timeout=5_000)
    assert source.locator("summary").inner_text().startswith("[1]")
    sentence = source.locator(".rag-passage mark").inner_text().strip()
    assert sentence and sentence in source.locator(".rag-passage").inner_text()
    assert source.locator(".rag-date").inner_text().strip(" ·") in ("2024-12", "undated")
    page.wait_for_timeout(500)  # let the smooth scroll settle
    SCREENSHOT.parent.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOT))

    follow_up = ask(page, "And Hanoi?")
    assert HANOI_DIRECTOR in follow_up, follow_up
    follow_up_vi = ask(page, "Còn Hà Nội thì sao?")
    assert HANOI_DIRECTOR in follow_up_vi, follow_up_vi
    assert page.locator("#rag-send").inner_text().strip() == "Gửi"  # now a Vietnamese question

    page.get_by_label("English").check()
    page.wait_for_function("document.querySelector('#rag-send').innerText.trim() === 'Send'")
    assert page.locator(".rag-sources-title").last.inner_text().strip() == "Sources"

    page.locator("#rag-new").click()
    page.wait_for_function("document.querySelectorAll('#rag-chat .rag-answer').length === 0")
    assert page.get_by_role("button", name="Select example 1: Who leads Hai Phong police?").is_visible()


def test_markup_in_articles_and_questions_is_shown_as_text(page):
    question = '<script>window.__pwned = 3</script><img src=x onerror="window.__pwned = 4"> Lượng mưa tại Đà Nẵng ngày 12/11 là bao nhiêu?'
    answer = ask(page, question)
    assert "350 mm" in answer
    chat = page.locator("#rag-chat")
    assert '<script>window.__pwned = 3</script><img src=x onerror="window.__pwned = 4">' in \
        page.locator("#rag-chat .rag-question").last.inner_text()
    source = page.locator("details.rag-source", has_text="Đà Nẵng").first
    source.locator("summary").click()
    assert "<script>window.__pwned = 1</script>" in source.locator("summary").inner_text()
    passage = source.locator(".rag-passage").inner_text()
    assert 'onerror="window.__pwned = 2"' in passage or "**hơn 200 hộ dân**" in passage
    assert chat.locator("script, img[src='x'], b").count() == 0
    page.wait_for_timeout(500)
    assert page.evaluate("window.__pwned") is None


def test_thumbs_up_and_down_append_to_the_feedback_log(page, app):
    feedback = app["feedback"]
    before = len(feedback.read())
    ask(page, "Ai là Giám đốc Công an TP Hà Nội?")
    page.get_by_role("button", name="Like", exact=True).last.click()
    deadline = time.monotonic() + 20
    while len(feedback.read()) <= before and time.monotonic() < deadline:
        time.sleep(0.2)
    records = feedback.read()
    assert len(records) == before + 1
    last = records[-1]
    assert last["verdict"] == "up" and last["question"] == "Ai là Giám đốc Công an TP Hà Nội?"
    assert last["citations"] and HANOI_DIRECTOR in last["answer"] and last["time"]
    page.get_by_role("button", name="Dislike", exact=True).last.click()
    deadline = time.monotonic() + 20
    while len(feedback.read()) <= before + 1 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert feedback.read()[-1]["verdict"] == "down"
    # Every line of the file is one whole JSON object.
    lines = Path(feedback.path).read_text(encoding="utf-8").splitlines()
    assert all(isinstance(json.loads(line), dict) for line in lines)


def test_empty_message_does_nothing_and_long_one_is_cut_with_a_note(page):
    page.fill("#rag-input textarea", "   ")
    page.press("#rag-input textarea", "Enter")
    page.wait_for_timeout(1500)
    assert page.locator("#rag-chat .rag-question").count() == 0

    long_message = "Who leads Hai Phong police? " + "x" * (20_000 - 28)
    assert len(long_message) == 20_000
    ask(page, long_message)
    note = page.locator("#rag-chat .rag-note").first.inner_text()
    assert "20,000" in note and "1,000" in note
    shown = page.locator("#rag-chat .rag-question").last.inner_text()
    assert len(shown) == 1000 and shown.startswith("Who leads Hai Phong police?")
