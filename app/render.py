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


def partial_html(text: str, language: str, stopped: bool = False) -> str:
    """The answer while it is being composed (plain escaped text, markers not yet links), or
    what was composed when the user stopped it."""
    if stopped:
        note = f'<div class="rag-note rag-stopped">{escape(label(language, "stopped"))}</div>'
        return f'<div class="rag-answer rag-partial rag-halted">{_lines(text)}</div>{note}'
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
    """One source: a closed line that leads with its number and date (never cut off, however long
    the title), then the cited sentence, so two citations of one article read differently."""
    title = escape(citation.title or citation.doc_id)
    date = escape(date_label(citation.date, language))
    quote = escape(citation.sentence or citation.text[:200])
    return (f'<details class="rag-source" id="{source_id(turn_id, citation.n)}">'
            f'<summary><span class="rag-line"><span class="rag-n">[{citation.n}]</span> '
            f'<span class="rag-date">{date}</span> <span class="rag-title">· {title}</span></span>'
            f'<span class="rag-quote">“{quote}”</span></summary>'
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


def status_html(lines: list[str], done: float = 0, total: float = 0) -> str:
    """A progress banner (start-up, upload): its lines of text and a bar of `done` out of `total`."""
    bar = f'<progress class="rag-progress" value="{done}" max="{total}"></progress>' if total > 0 else ""
    text = "".join(f"<div>{escape(line)}</div>" for line in lines)
    return f'<div class="rag-status">{text}{bar}</div>'


def article_html(doc_id: str, title: str, date: str, url: str, text: str,
                 cited: list[tuple[int, int]], language: str) -> str:
    """An article whole, its sentences cited in this conversation in <mark>, its URL linked."""
    marks = sorted((s, e) for s, e in cited if 0 <= s < e <= len(text))
    out, last = [], 0
    for start, end in marks:
        if start < last:
            continue  # overlapping citations: the first one is marked
        out.append(_lines(text[last:start]))
        out.append(f"<mark>{_lines(text[start:end])}</mark>")
        last = end
    out.append(_lines(text[last:]))
    link = ""
    if url.startswith(("http://", "https://")):
        link = (f' · <a href="{escape(url, quote=True)}" target="_blank" rel="noopener noreferrer">'
                f'{escape(label(language, "open_url"))}</a>')
    note = f'<div class="rag-note">{escape(label(language, "cited_here"))}</div>' if marks else ""
    return (f'<div class="rag-article-view" data-doc="{escape(doc_id, quote=True)}">'
            f'<h3>{escape(title or doc_id)}</h3>'
            f'<div class="rag-article-meta">{escape(date_label(date, language))} · {escape(doc_id)}{link}</div>'
            f'{note}<div class="rag-article-text">{"".join(out)}</div></div>')
