"""`rag eval --report`: the HTML report's figures agree with the JSON report, and the page
renders in real Chromium (a screenshot is taken into tmp_path)."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest

from rag.config import PROJECT_ROOT
from rag.evaluation import evaluate, load_questions
from rag.report import figure_data, worst_misses, write_report

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def report_dir(tmp_path_factory, seed_assistant) -> Path:
    """A report over a few seed questions, answerable and not, in both languages."""
    questions = load_questions(PROJECT_ROOT / "eval" / "seeds.jsonl")
    chosen = [q for q in questions if q.answerable][:8] + [q for q in questions if not q.answerable][:3]
    result = evaluate(chosen, seed_assistant.ask)
    out = tmp_path_factory.mktemp("report")
    write_report(result, out, seed_assistant.settings.abstain_thresholds,
                 worst_misses(result, seed_assistant.retrieve), title="seed questions")
    return out


def _figure_values(page: str) -> dict[str, dict]:
    return {m.group(1): json.loads(html.unescape(m.group(2)))
            for m in re.finditer(r'<figure id="(\w+)" data-values="([^"]*)"', page)}


def test_figures_agree_with_the_json_report(report_dir, seed_assistant):
    saved = json.loads((report_dir / "report.json").read_text(encoding="utf-8"))
    shown = _figure_values((report_dir / "index.html").read_text(encoding="utf-8"))
    assert set(shown) == {"hit_at_k", "mrr_by_type", "evidence"}
    # The page shows exactly what the JSON report implies, recomputed from it alone.
    expected = figure_data(saved, seed_assistant.settings.abstain_thresholds)
    assert shown == json.loads(json.dumps(expected))
    for lang, metrics in saved["by_lang"].items():
        assert shown["hit_at_k"]["series"][lang] == [metrics[f"hit@{k}"] for k in (1, 3, 5, 10)]
    answerable = [r for r in saved["per_question"] if r["sources"]]
    assert sum(t["n"] for t in shown["mrr_by_type"].values()) == len(answerable)
    overall = sum(t["mrr"] * t["n"] for t in shown["mrr_by_type"].values()) / len(answerable)
    assert overall == pytest.approx(saved["metrics"]["mrr@10"], abs=1e-3)
    assert len(shown["evidence"]["unanswerable"]) == saved["abstention"]["unanswerable"] == 3
    assert shown["evidence"]["thresholds"] == seed_assistant.settings.abstain_thresholds
    for png in ("hit_at_k.png", "mrr_by_type.png", "evidence.png"):
        assert (report_dir / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (make browser)")
def test_report_renders_in_chromium(report_dir, tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.goto((report_dir / "index.html").as_uri())
            page.wait_for_load_state("load")
            widths = page.eval_on_selector_all("figure img", "imgs => imgs.map(i => i.complete ? i.naturalWidth : 0)")
            assert len(widths) == 3 and all(w > 100 for w in widths), widths
            assert page.locator("h2", has_text="Worst misses").count() == 1
            shot = tmp_path / "report.png"
            page.screenshot(path=str(shot), full_page=True)
            assert shot.stat().st_size > 10_000
        finally:
            browser.close()


def test_report_folder_that_is_a_file_is_refused(tmp_path):
    from typer.testing import CliRunner

    from rag.cli import app

    taken = tmp_path / "taken"
    taken.write_text("x")
    result = CliRunner().invoke(app, ["eval", "--questions", str(PROJECT_ROOT / "eval" / "seeds.jsonl"),
                                      "--report", str(taken)])
    assert result.exit_code == 2 and "must be a folder" in result.output
    assert taken.read_text() == "x"
