"""HTML for the chat messages: questions, answers with clickable [n], and their sources.

Questions and articles are untrusted text, so every piece of them goes through `html.escape`
before it meets markup; the chat shows them as typed (`<script>` appears as text and never runs,
Markdown is not interpreted). The only markup is ours: a `[n]` becomes a link to the `<details>`
of its passage under the answer, which a small script (app/assets.py) opens on click.
"""

from __future__ import annotations

import re
from html import escape

from app.i18n import label
from rag.answer import Answer, Citation
from rag.corpus import UNKNOWN_DATE

_MARKER = re.compile(r"\[(\d+)\]")


def source_id(turn_id: int, n: int) -> str:
    """Element id of a citation's passage; unique on the page because turn ids never repeat."""
    return f"rag-src-{turn_id}-{n}"


def _lines(text: str) -> str:
    return "<br>".join(escape(line) for line in text.split("\n"))


def question_html(question: str, note: str | None = None) -> str:
    note_html = f'<div class="rag-note">{escape(note)}</div>' if note else ""
    return f'<div class="rag-question">{_lines(question)}</div>{note_html}'


def partial_html(text: str, language: str) -> str:
    """The answer while it is being composed: plain escaped text, markers not yet links."""
    body = _lines(text) if text else escape(label(language, "composing"))
    return f'<div class="rag-answer rag-partial">{body}</div>'


def _with_links(line: str, turn_id: int, citations: dict[int, Citation]) -> str:
    """Escape a line of answer text, turning each known [n] into a link to its passage."""
    out, last = [], 0
    for m in _MARKER.finditer(line):
        n = int(m.group(1))
        if n not in citations:
            continue
        out.append(escape(line[last:m.start()]))
        title = escape(citations[n].title, quote=True)
        out.append(f'<a class="rag-cite" href="#{source_id(turn_id, n)}" title="{title}">[{n}]</a>')
        last = m.end()
    out.append(escape(line[last:]))
    return "".join(out)


def _body(answer: Answer, turn_id: int) -> str:
    """Answer text: the lead line as a paragraph, "- " lines as a list."""
    citations = {c.n: c for c in answer.citations}
    paragraphs, items = [], []
    for line in answer.answer.split("\n"):
        if line.startswith("- "):
            items.append(f"<li>{_with_links(line[2:], turn_id, citations)}</li>")
        elif line.strip():
            paragraphs.append(f"<p>{_with_links(line, turn_id, citations)}</p>")
    listing = f"<ul>{''.join(items)}</ul>" if items else ""
    return "".join(paragraphs) + listing


def highlighted_passage(citation: Citation) -> str:
    """The passage with its cited sentence in <mark>; found by offsets, else by text."""
    text, start, end = citation.text, citation.sentence_start, citation.sentence_end
    if not (0 <= start < end <= len(text)) or (citation.sentence and text[start:end] != citation.sentence):
        start = text.find(citation.sentence) if citation.sentence else -1
        end = start + len(citation.sentence)
    if start < 0:
        return _lines(text)
    return f"{_lines(text[:start])}<mark>{_lines(text[start:end])}</mark>{_lines(text[end:])}"


def date_label(date: str, language: str) -> str:
    return label(language, "undated") if date == UNKNOWN_DATE else date


def source_html(citation: Citation, turn_id: int, language: str) -> str:
    """One source: a compact summary line that opens onto the passage."""
    title = escape(citation.title or citation.doc_id)
    date = escape(date_label(citation.date, language))
    return (f'<details class="rag-source" id="{source_id(turn_id, citation.n)}">'
            f'<summary><span class="rag-n">[{citation.n}]</span> <span class="rag-title">{title}</span>'
            f' <span class="rag-date">· {date}</span></summary>'
            f'<div class="rag-passage">{highlighted_passage(citation)}</div>'
            f'<div class="rag-doc">{escape(citation.doc_id)}</div></details>')


def answer_html(answer: Answer, turn_id: int, language: str, notes: list[str] | None = None) -> str:
    """A finished answer: text with linked markers, then its sources, then any notes."""
    parts = [f'<div class="rag-answer">{_body(answer, turn_id)}</div>']
    if answer.citations:
        sources = "".join(source_html(c, turn_id, language) for c in answer.citations)
        parts.append(f'<div class="rag-sources"><div class="rag-sources-title">{escape(label(language, "sources"))}</div>'
                     f"{sources}</div>")
    for note in notes or []:
        parts.append(f'<div class="rag-note">{escape(note)}</div>')
    return "".join(parts)


def status_html(text: str, done: int = 0, total: int = 0) -> str:
    """The start-up banner (model loading, seed indexing) with a progress bar when counts are known."""
    bar = ""
    if total > 0:
        bar = f'<progress class="rag-progress" value="{done}" max="{total}"></progress>'
    return f'<div class="rag-status">{escape(text)}{bar}</div>'
