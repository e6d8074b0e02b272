"""The README's screenshots of the chat page, refreshed on demand (`make screenshot`), never by tests.

Serves the page over the seed articles (a fresh index in a temporary folder unless --index-dir is
given), asks a question in real Chromium, opens its first citation and the cited article in the
collection panel, and saves a desktop and a phone-size picture.

Usage: python -m app.screenshot [--out docs] [--index-dir DIR]
"""

from __future__ import annotations

import argparse
import socket
import tempfile
from pathlib import Path

from rag.config import PROJECT_ROOT, Settings

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
QUESTION = "Ai là Giám đốc Công an TP Hà Nội?"
ANSWER_TIMEOUT_MS = 120_000


def _ask(page, question: str) -> None:
    before = page.locator("#rag-chat .rag-answer:not(.rag-partial)").count()
    page.fill("#rag-input textarea", question)
    page.press("#rag-input textarea", "Enter")
    page.wait_for_function(
        f"document.querySelectorAll('#rag-chat .rag-answer:not(.rag-partial)').length > {before}",
        timeout=ANSWER_TIMEOUT_MS)


def capture(browser, url: str, out: Path) -> list[Path]:
    """Save `screenshot.png` (desktop: a cited answer and the collection panel) and
    `screenshot-phone.png` into `out`; returns their paths."""
    out.mkdir(parents=True, exist_ok=True)
    desktop, phone = out / "screenshot.png", out / "screenshot-phone.png"
    page = browser.new_page(viewport=DESKTOP)
    page.goto(url)
    page.wait_for_selector("#rag-input textarea")
    _ask(page, QUESTION)
    page.locator("a.rag-cite").first.click()
    doc_id = page.locator("details.rag-source[open] .rag-doc").first.inner_text().strip()
    page.locator("#rag-articles label", has_text=doc_id).click()
    page.wait_for_selector(f"#rag-article .rag-article-view[data-doc='{doc_id}'] mark")
    page.wait_for_timeout(600)  # let the smooth scroll settle
    page.screenshot(path=str(desktop))
    page.close()

    page = browser.new_page(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)
    page.goto(url)
    page.wait_for_selector("#rag-input textarea")
    _ask(page, QUESTION)
    page.wait_for_timeout(600)
    page.screenshot(path=str(phone))
    page.close()
    return [desktop, phone]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    from playwright.sync_api import sync_playwright

    from app.loader import AssistantLoader
    from app.server import launch
    from rag.feedback import FeedbackLog

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "docs")
    parser.add_argument("--index-dir", type=Path, default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="rag-screenshot-") as tmp:
        settings = Settings.from_env().with_index_dir(args.index_dir or Path(tmp) / "index")
        loader = AssistantLoader.start(settings)
        port = _free_port()
        demo = launch(settings, port=port, block=False, loader=loader,
                      feedback=FeedbackLog(Path(tmp) / "feedback.jsonl"))
        try:
            status = loader.wait(timeout=900)
            if not status.ready:
                raise SystemExit(f"error: the assistant did not start: {status.error}")
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                for path in capture(browser, f"http://127.0.0.1:{port}/", args.out):
                    print(f"wrote {path}")
                browser.close()
        finally:
            demo.close()


if __name__ == "__main__":
    main()
