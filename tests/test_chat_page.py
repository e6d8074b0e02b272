"""The chat page end to end, in real headless Chromium (Debian's, driven by Playwright).

One app for the module: started in-process on a free loopback port, its index built from the
seed articles plus one article full of markup (a script, an onerror image, Markdown) through the
same background loader `rag serve` uses. Two small extra apps share its index: one whose
assistant never becomes ready, one whose answers come from a slow (scripted, real HTTP) LLM.
Everything written goes under tmp_path; the README screenshots are `make screenshot`'s job.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from rag.config import PROJECT_ROOT

playwright_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
HAI_PHONG_DIRECTORS = ("Bùi Quang Bình", "Vũ Thanh Chương")
HANOI_DIRECTOR = "Nguyễn Hải Trung"
ANSWER_TIMEOUT_MS = 90_000
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 1100}
TRACKED_PICTURES = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in (PROJECT_ROOT / "docs").glob("*.png")}

# An article whose title and body carry markup that must stay text.
MARKUP_ARTICLE = """date 2024-11-12
# Mưa lớn ở Đà Nẵng <script>window.__pwned = 1</script>

Theo Đài Khí tượng Thủy văn, lượng mưa tại Đà Nẵng ngày 12/11 đạt 350 mm <img src=x onerror="window.__pwned = 2">, nhiều tuyến phố ngập sâu.

Lực lượng cứu hộ đã sơ tán **hơn 200 hộ dân** khỏi vùng ngập <b>an toàn</b>.
"""
# Articles added while the page runs: by upload, and by `rag ingest` in another process.
UPLOADED = """date 2025-03
# Quảng Ninh có Giám đốc Sở Du lịch mới

Ngày 3/3, UBND tỉnh Quảng Ninh bổ nhiệm ông Trịnh Văn Khải làm Giám đốc Sở Du lịch tỉnh Quảng Ninh.

Ông Trịnh Văn Khải cho biết Sở Du lịch sẽ tập trung quảng bá vịnh Hạ Long trong năm 2025.
"""
INGESTED = """date 2025-04
# Cần Thơ khánh thành cầu Trần Hoàng Na

Sáng 10/4, TP Cần Thơ khánh thành cầu Trần Hoàng Na dài 1.200 mét bắc qua sông Cần Thơ.

Chủ tịch UBND TP Cần Thơ Trần Việt Trường cắt băng khánh thành cầu Trần Hoàng Na.
"""

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (make browser)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(settings, loader, feedback):
    from app.server import launch

    port = _free_port()
    demo = launch(settings, host="127.0.0.1", port=port, block=False, loader=loader, feedback=feedback)
    return demo, f"http://127.0.0.1:{port}/"


@pytest.fixture(scope="module")
def browser():
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def app(tmp_path_factory, base_settings, browser):
    """The page on a free port, over a fresh index built by the page's own loader.

    A browser opens the page while the index is still building and keeps the banners it saw.
    """
    from app.loader import AssistantLoader
    from rag.feedback import FeedbackLog

    root = tmp_path_factory.mktemp("chat-page")
    articles = root / "articles"
    shutil.copytree(PROJECT_ROOT / "seeds", articles)
    (articles / "900_markup.md").write_text(MARKUP_ARTICLE, encoding="utf-8")
    settings = replace(base_settings, index_dir=root / "index", seeds_dir=articles)
    loader = AssistantLoader.start(settings)
    feedback = FeedbackLog(root / "feedback.jsonl")
    demo, url = _serve(settings, loader, feedback)
    early = browser.new_page()
    early.goto(url)
    early.wait_for_selector("#rag-input textarea")
    ready_before_page = loader.status().ready
    banners = []
    while not loader.status().ready and len(banners) < 4:
        banners.append(early.locator("#rag-status").inner_html())
        time.sleep(1.5)
    status = loader.wait(timeout=600)
    assert status.ready, status.error
    early.locator("#rag-status").wait_for(state="hidden", timeout=10_000)  # gone once ready
    early.close()
    yield {"url": url, "feedback": feedback, "banners": banners, "ready_before_page": ready_before_page,
           "settings": settings, "loader": loader, "root": root}
    demo.close()


@pytest.fixture(scope="module")
def unready_url(app):
    """A page whose assistant never becomes ready."""
    from app.loader import AssistantLoader
    from rag.feedback import FeedbackLog

    demo, url = _serve(app["settings"], AssistantLoader(), FeedbackLog(app["root"] / "unready.jsonl"))
    yield url
    demo.close()


@pytest.fixture(scope="module")
def slow_llm(app):
    """A page over the same index whose answers come word by word from a slow LLM endpoint."""
    from fake_openai import Reply, start

    from app.loader import AssistantLoader
    from rag.feedback import FeedbackLog
    from rag.generation import Generator

    fake = start()
    assistant = app["loader"].assistant
    settings = dataclasses.replace(assistant.settings, llm="openai", llm_model="test-model",
                                   llm_base_url=fake.base_url, llm_timeout=30.0)
    slow = dataclasses.replace(assistant, settings=settings, generator=Generator.from_settings(settings))
    demo, url = _serve(settings, AssistantLoader.ready_with(slow), FeedbackLog(app["root"] / "slow.jsonl"))
    words = "Theo bài báo , Trung tướng Nguyễn Hải Trung là Giám đốc Công an TP Hà Nội [1] . " * 2
    yield {"url": url, "fake": fake, "reply": lambda delay: fake.reply(Reply(words, token_delay=delay),
                                                                       Reply(words, token_delay=delay))}
    demo.close()
    fake.close()


def _new_page(browser, url: str, viewport: dict, **options):
    context = browser.new_context(viewport=viewport, **options)
    page = context.new_page()
    page.goto(url)
    page.wait_for_selector("#rag-input textarea")
    return page


@pytest.fixture()
def page(app, browser):
    """A new browser session (so a new conversation) on the page, ready for questions."""
    page = _new_page(browser, app["url"], DESKTOP, permissions=["clipboard-read", "clipboard-write"])
    yield page
    page.context.close()


@pytest.fixture()
def phone(app, browser):
    page = _new_page(browser, app["url"], PHONE, is_mobile=True, has_touch=True)
    yield page
    page.context.close()


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


def wait_for_records(feedback, count: int) -> list[dict]:
    deadline = time.monotonic() + 20
    while len(feedback.read()) != count and time.monotonic() < deadline:
        time.sleep(0.2)
    return feedback.read()


def rect(page, selector: str) -> dict:
    return page.locator(selector).first.evaluate("e => e.getBoundingClientRect().toJSON()")


# --- start-up ----------------------------------------------------------------------------------

def test_start_up_shows_steps_counts_and_a_bar(app):
    """Defect 5: not one static message for a minute, but step k of 3, seconds, and a bar."""
    if app["ready_before_page"]:
        pytest.skip("the index was built before the page loaded")
    first = app["banners"][0]
    assert "<progress" in first
    assert re.search(r"Step [123] of 3", first) and re.search(r"Bước [123]/3", first)
    assert re.search(r"\(\d+ s\)", first)
    if len(app["banners"]) > 1:
        assert app["banners"][1] != first  # it moves: seconds, step or passages


# --- defects -----------------------------------------------------------------------------------

def test_first_screen_offers_examples_in_both_languages(page):
    examples = ["Who leads Hai Phong police?", "Ai là Giám đốc Công an TP Hà Nội?",
                "ai la giam doc cong an tp hai phong"]
    for i, example in enumerate(examples, 1):
        assert page.get_by_role("button", name=f"Select example {i}: {example}").is_visible()
    page.get_by_role("button", name=f"Select example 3: {examples[2]}").click()
    page.wait_for_selector("#rag-chat .rag-answer:not(.rag-partial)", timeout=ANSWER_TIMEOUT_MS)
    assert page.locator("#rag-chat .rag-question").inner_text() == examples[2]


def test_empty_message_leaves_the_page_and_conversation_as_they_were(page):
    """Defect 1: Enter or Send on an empty box used to blank the title, buttons, switch and chat."""
    ask(page, "Who leads Hai Phong police?")
    page.fill("#rag-input textarea", "  ")
    page.press("#rag-input textarea", "Enter")
    page.locator("#rag-send").click()
    page.wait_for_timeout(1500)
    assert page.locator(".rag-header h1").inner_text() == "Ask the news"
    assert page.locator("#rag-send").inner_text().strip() == "Send"
    assert page.locator("#rag-new").inner_text().strip() == "New conversation"
    assert page.locator("#rag-switch input:checked").count() == 1
    assert page.locator("#rag-chat .rag-question").count() == 1 and finished_answers(page) == 1


def test_question_before_ready_keeps_the_text_and_warns_in_its_language(browser, unready_url):
    """Defect 1: asking before the assistant is ready erased the question and warned in Vietnamese."""
    page = _new_page(browser, unready_url, DESKTOP)
    try:
        page.fill("#rag-input textarea", "Who leads Hai Phong police?")
        page.press("#rag-input textarea", "Enter")
        toast = page.locator(".toast-body").first
        toast.wait_for(timeout=10_000)
        assert "not ready yet" in toast.inner_text() and "Info" not in toast.inner_text()
        assert page.locator("#rag-input textarea").input_value() == "Who leads Hai Phong police?"
        assert page.locator(".rag-header h1").inner_text() == "Hỏi đáp tin tức"
        assert page.locator("#rag-switch input:checked").count() == 1
    finally:
        page.context.close()


def test_answer_citations_sources_and_follow_ups(page):
    """Defect 4: a closed source line shows its date whatever the title's length, and two
    citations of one article read differently."""
    answer = ask(page, "Who leads Hai Phong police?")
    assert "[1]" in answer
    assert any(name in answer for name in HAI_PHONG_DIRECTORS), answer
    assert page.locator("#rag-send").inner_text().strip() == "Send"
    assert page.locator(".rag-sources-title").last.inner_text().strip() == "Sources"

    page.locator("a.rag-cite", has_text="[1]").first.click()
    source = page.locator("details.rag-source[open]").first
    source.wait_for(timeout=5_000)
    assert source.locator("summary").inner_text().startswith("▾ [1]") or \
        source.locator("summary").inner_text().startswith("[1]")
    sentence = source.locator(".rag-passage mark").inner_text().strip()
    assert sentence and sentence in source.locator(".rag-passage").inner_text()
    assert source.locator(".rag-date").inner_text().strip() in ("2024-12", "undated")

    follow_up = ask(page, "And Hanoi?")
    assert HANOI_DIRECTOR in follow_up, follow_up
    follow_up_vi = ask(page, "Còn Hà Nội thì sao?")
    assert HANOI_DIRECTOR in follow_up_vi, follow_up_vi
    assert page.locator("#rag-send").inner_text().strip() == "Gửi"  # now a Vietnamese question

    # An answer quoting two sentences of one article (the Hanoi director's remarks).
    ask(page, "What did the Hanoi police director say?")
    summaries = page.locator("#rag-chat .rag-sources").last.locator("details.rag-source summary")
    texts = [summaries.nth(i).inner_text() for i in range(summaries.count())]
    assert len(set(texts)) == len(texts), texts
    doc_ids = page.locator("#rag-chat .rag-sources").last.locator("details.rag-source .rag-doc").all_text_contents()
    assert len(set(doc_ids)) < len(doc_ids), "this question should cite one article twice"
    for i in range(summaries.count()):
        box, date = summaries.nth(i).evaluate(
            "s => [s.getBoundingClientRect().toJSON(), s.querySelector('.rag-date').getBoundingClientRect().toJSON()]")
        assert date["width"] > 0 and date["right"] <= box["right"] + 1

    page.locator("#rag-new").click()
    page.wait_for_function("document.querySelectorAll('#rag-chat .rag-answer').length === 0")
    assert page.get_by_role("button", name="Select example 1: Who leads Hai Phong police?").is_visible()


def test_copy_buttons_copy_plain_text(page):
    """Defect 2: the copy buttons put the message's HTML on the clipboard."""
    ask(page, "Ai là Giám đốc Công an TP Hà Nội?")
    # Found by either language's label, so this checks the copying alone.
    page.locator("#rag-chat :is(button[aria-label='Sao chép tin nhắn'], button[aria-label='Copy message'])").last.click()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert HANOI_DIRECTOR in copied and "[1]" in copied and "Nguồn" in copied
    assert "<" not in copied and "class=" not in copied
    page.locator("#rag-chat :is(button[aria-label='Sao chép cuộc trò chuyện'], button[aria-label='Copy conversation'])").click()
    everything = page.evaluate("navigator.clipboard.readText()")
    assert everything.startswith("Ai là Giám đốc Công an TP Hà Nội?") and HANOI_DIRECTOR in everything
    assert "<" not in everything


def test_phone_layout(phone):
    """Defect 3 at 390×844: the page opens at the top, a compact header, a placeholder that fits,
    dated source lines, and the next answer scrolled into view after opening a citation."""
    assert phone.evaluate("window.scrollY") == 0
    assert rect(phone, ".rag-header h1")["top"] >= 0
    top = rect(phone, "#rag-top")
    assert top["height"] < 0.15 * PHONE["height"], top
    fits = phone.locator("#rag-input textarea").evaluate("""t => {
        const style = getComputedStyle(t), ctx = document.createElement('canvas').getContext('2d');
        ctx.font = `${style.fontSize} ${style.fontFamily}`;
        const room = t.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
        return ctx.measureText(t.placeholder).width <= room; }""")
    assert fits

    ask(phone, "Who leads Hai Phong police?")
    summary = phone.locator("details.rag-source summary").first
    assert summary.locator(".rag-date").is_visible()
    box, date = summary.evaluate(
        "s => [s.getBoundingClientRect().toJSON(), s.querySelector('.rag-date').getBoundingClientRect().toJSON()]")
    assert date["right"] <= box["right"] + 1
    phone.locator("a.rag-cite", has_text="[1]").first.click()
    phone.wait_for_timeout(800)
    ask(phone, "And Hanoi?")
    phone.wait_for_timeout(800)
    question = rect(phone, "#rag-chat .rag-question >> nth=-1")
    chat = rect(phone, "#rag-chat")
    assert chat["top"] - 2 <= question["top"] and question["bottom"] <= min(chat["bottom"], PHONE["height"]) + 2, \
        (question, chat)


def test_votes_changed_or_taken_back_leave_only_the_final_one(page, app):
    """Defect 6: 👍 then 👎 appended "up" then "down"; taking a vote back appended nothing."""
    feedback = app["feedback"]
    before = len(feedback.read())
    ask(page, "Ai là Giám đốc Công an TP Hà Nội?")
    like = page.locator("#rag-chat :is(button[aria-label='Thích'], button[aria-label='Like'])").last
    dislike = page.locator("#rag-chat :is(button[aria-label='Không thích'], button[aria-label='Dislike'])").last
    like.click()
    records = wait_for_records(feedback, before + 1)
    assert records[-1]["verdict"] == "up" and records[-1]["question"] == "Ai là Giám đốc Công an TP Hà Nội?"
    assert records[-1]["citations"] and HANOI_DIRECTOR in records[-1]["answer"] and records[-1]["time"]
    dislike.click()
    deadline = time.monotonic() + 20
    while feedback.read()[-1]["verdict"] != "down" and time.monotonic() < deadline:
        time.sleep(0.2)
    records = feedback.read()
    assert len(records) == before + 1 and records[-1]["verdict"] == "down"
    page.locator("#rag-chat :is(button[aria-label='Đã không thích'], button[aria-label='Disliked'])").last.click()  # taken back
    assert len(wait_for_records(feedback, before)) == before
    lines = Path(feedback.path).read_text(encoding="utf-8").splitlines()
    assert all(isinstance(json.loads(line), dict) for line in lines)


def test_labels_follow_the_page_language(page):
    """Defect 7: Gradio's own labels, the answer's framing words and numbers in one language."""
    ask(page, "Ai là Giám đốc Công an TP Hà Nội?")
    chat = page.locator("#rag-chat")
    for english in ("Copy message", "Like", "Dislike", "Clear", "Retry", "Copy conversation"):
        assert chat.locator(f"button[aria-label='{english}']").count() == 0, english
    assert chat.locator("button[aria-label='Xoá']").count() == 1
    chat.locator("button[aria-label='Thích']").last.click()
    toast = page.locator(".toast-body").last
    toast.wait_for(timeout=10_000)
    assert "Cảm ơn" in toast.inner_text() and "Info" not in toast.inner_text()

    page.get_by_label("English").check()
    page.wait_for_function("document.querySelector('#rag-send').innerText.trim() === 'Send'")
    page.wait_for_function("document.querySelectorAll(\"#rag-chat button[aria-label='Like']\").length > 0")
    answer = ask(page, "Ai là Giám đốc Công an TP Hà Nội?")
    assert "According to the articles" in answer, answer  # after the short answer
    assert "Bài ngày" not in answer and HANOI_DIRECTOR in answer

    page.get_by_label("Tiếng Việt").check()
    page.wait_for_function("document.querySelector('#rag-send').innerText.trim() === 'Gửi'")
    opening = "Ai là Giám đốc Công an TP Hà Nội? "
    long_message = opening + "x" * (5_000 - len(opening))
    ask(page, long_message)
    note = page.locator("#rag-chat .rag-note", has_text="ký tự").last.inner_text()
    assert "5.000" in note and "1.000" in note, note
    shown = page.locator("#rag-chat .rag-question").last.inner_text()
    assert len(shown) == 1000 and shown.startswith("Ai là Giám đốc")


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


# --- what chat users expect --------------------------------------------------------------------

def test_collection_panel_lists_filters_and_opens_articles(page):
    ask(page, "Ai là Giám đốc Công an TP Hà Nội?")
    cited_doc = page.locator("details.rag-source .rag-doc").first.text_content().strip()  # closed: not rendered
    rows = page.locator("#rag-articles label")
    assert rows.count() >= 6
    listing = page.locator("#rag-articles").inner_text()
    assert "2023-12" in listing and "không ghi ngày" in listing and "000_79f6f9c68346ee94" in listing
    assert re.search(r"\d+ đoạn", listing)
    filter_box = page.locator("#rag-filter textarea")
    filter_box.press_sequentially("2023-12")  # typed: Gradio's input event wants keystrokes
    page.wait_for_function("Array.from(document.querySelectorAll('#rag-articles label'))"
                           ".every(label => label.innerText.includes('2023-12'))")
    shown = page.locator("#rag-articles label").all_inner_texts()
    assert shown and all("2023-12" in text for text in shown), shown
    filter_box.fill("")
    filter_box.press_sequentially(cited_doc)  # an article id finds that article alone
    page.wait_for_function("Array.from(document.querySelectorAll('#rag-articles label'))"
                           f".every(label => label.innerText.includes('{cited_doc}'))")
    page.locator("#rag-articles label", has_text=cited_doc).click()
    view = page.locator(f"#rag-article .rag-article-view[data-doc='{cited_doc}']")
    view.wait_for(timeout=10_000)
    assert HANOI_DIRECTOR in view.locator("mark").first.inner_text()
    assert len(view.locator(".rag-article-text").inner_text()) > 500  # the whole article


def test_upload_indexes_good_files_names_bad_ones_and_keeps_the_old(page, app, tmp_path):
    good = tmp_path / "quang_ninh.md"
    good.write_text(UPLOADED, encoding="utf-8")
    bad = tmp_path / "broken.txt"
    bad.write_bytes(b"\xff\xfe\x00\x00binary\x00")
    before = ask(page, "Ai là Giám đốc Sở Du lịch tỉnh Quảng Ninh?")
    assert "Trịnh Văn Khải" not in before

    page.get_by_role("tab", name="Thêm bài").click()
    page.locator("#rag-upload input[type=file]").set_input_files([str(good), str(bad)])
    page.wait_for_timeout(1000)  # Gradio uploads the files to the server first
    page.locator("#rag-upload-button").click()
    page.locator("#rag-upload-status progress").first.wait_for(timeout=20_000)  # a bar with counts
    done = page.locator("#rag-upload-status .rag-done")
    done.wait_for(timeout=180_000)
    text = done.inner_text()
    assert "Đã thêm 1 bài" in text and "broken.txt" in text, text

    after = ask(page, "Ai là Giám đốc Sở Du lịch tỉnh Quảng Ninh?")
    assert "Trịnh Văn Khải" in after, after
    assert HANOI_DIRECTOR in ask(page, "Ai là Giám đốc Công an TP Hà Nội?")
    assert (app["settings"].index_dir / "uploads" / "quang_ninh.md").is_file()
    assert not (app["settings"].index_dir / "uploads" / "broken.txt").exists()


def test_ingest_in_another_process_is_answered_within_one_question(page, app, tmp_path):
    """Issue 14, finding 4: `rag serve` kept answering from its old index after a `rag ingest`."""
    folder = tmp_path / "more"
    folder.mkdir()
    (folder / "can_tho.md").write_text(INGESTED, encoding="utf-8")
    assert "1.200 mét" not in ask(page, "Cầu Trần Hoàng Na dài bao nhiêu mét?")
    subprocess.run([sys.executable, "-m", "rag.cli", "ingest", str(folder),
                    "--index-dir", str(app["settings"].index_dir)],
                   check=True, capture_output=True, timeout=600, cwd=PROJECT_ROOT)
    assert "1.200 mét" in ask(page, "Cầu Trần Hoàng Na dài bao nhiêu mét?")


def test_history_survives_a_reload_and_can_be_deleted(page):
    ask(page, "Ai là Giám đốc Công an TP Hà Nội?")
    page.get_by_role("tab", name="Lịch sử").click()
    entry = page.locator("#rag-past label", has_text="Ai là Giám đốc Công an TP Hà Nội?")
    entry.wait_for(timeout=30_000)  # saved in the browser once the answer is finished
    page.reload()
    page.wait_for_selector("#rag-input textarea")
    page.get_by_role("tab", name="Lịch sử").click()
    entry.wait_for(timeout=30_000)
    entry.click()
    page.wait_for_function("document.querySelectorAll('#rag-chat .rag-answer').length === 1")
    assert HANOI_DIRECTOR in page.locator("#rag-chat .rag-answer").inner_text()
    follow_up = ask(page, "Còn Hải Phòng thì sao?")  # the restored conversation still has its context
    assert any(name in follow_up for name in HAI_PHONG_DIRECTORS), follow_up
    page.locator("#rag-delete").click()
    page.wait_for_function("document.querySelectorAll('#rag-past label').length === 0")
    page.reload()
    page.wait_for_selector("#rag-input textarea")
    page.get_by_role("tab", name="Lịch sử").click()
    page.wait_for_timeout(1000)
    assert page.locator("#rag-past label").count() == 0


def test_answers_stream_and_can_be_stopped_and_regenerated(browser, slow_llm):
    page = _new_page(browser, slow_llm["url"], DESKTOP)
    try:
        slow_llm["reply"](1.0)
        page.fill("#rag-input textarea", "Ai là Giám đốc Công an TP Hà Nội?")
        page.press("#rag-input textarea", "Enter")
        # Streamed: words show before the answer is finished.
        page.wait_for_function("(document.querySelector('#rag-chat .rag-partial') || {}).innerText"
                               " && document.querySelector('#rag-chat .rag-partial').innerText.includes('Trung')",
                               timeout=30_000)
        assert finished_answers(page) == 0
        page.locator("#rag-stop").click()
        page.locator("#rag-chat .rag-stopped").wait_for(timeout=30_000)
        page.wait_for_timeout(3000)  # more words would have arrived by now
        assert finished_answers(page) == 0
        slow_llm["reply"](0.0)
        page.locator("#rag-chat button[aria-label='Tạo lại câu trả lời']").click()
        page.wait_for_function("document.querySelectorAll('#rag-chat .rag-answer:not(.rag-partial)').length === 1",
                               timeout=ANSWER_TIMEOUT_MS)
        assert HANOI_DIRECTOR in page.locator("#rag-chat .rag-answer").inner_text()
        assert page.locator("#rag-chat .rag-question").count() == 1
    finally:
        page.context.close()


def test_screenshots_are_written_where_asked_and_tracked_ones_are_left_alone(browser, app, tmp_path):
    """Defect 8: the tests rewrote docs/screenshot.png; `make screenshot` refreshes it instead."""
    from app.screenshot import capture

    desktop, phone = capture(browser, app["url"], tmp_path)
    assert desktop.stat().st_size > 10_000 and phone.stat().st_size > 10_000
    for path, digest in TRACKED_PICTURES.items():
        assert hashlib.sha256(path.read_bytes()).hexdigest() == digest, f"a test changed {path}"
