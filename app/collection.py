"""The collection panel: the indexed articles as a filterable list, and one article whole.

A list of radio choices rather than gr.Dataframe: the table virtualises its rows and keeps a
hidden measuring copy of them, which made rows neither reliably clickable nor readable by tests.

Everything comes from the index the assistant answers from (its chunk table), so the panel
shows exactly what questions can find, uploads included, and switches with it. An article's
text is put back together from its passages by their offsets (neighbouring passages overlap
by a sentence; a gap between them is whitespace).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import gradio as gr

from app.i18n import label
from app.loader import AssistantLoader
from app.render import article_html, date_label
from app.session import ChatSession
from rag.chunking import Chunk
from rag.store import Store


@dataclass
class ArticleEntry:
    doc_id: str
    title: str
    date: str
    url: str
    chunks: list[Chunk] = field(default_factory=list)

    def text(self) -> str:
        """The article's text from its passages, placed at their offsets."""
        parts, end = [], None
        for chunk in sorted(self.chunks, key=lambda c: c.start):
            if end is None:
                parts.append(chunk.text)
            elif chunk.end > end:
                # A gap between passages is whitespace between sentences: keep its length so
                # offsets (for highlighting cited sentences) stay exact.
                parts.append("\n" * max(0, chunk.start - end) + chunk.text[max(0, end - chunk.start):])
            end = chunk.end if end is None else max(end, chunk.end)
        return "".join(parts)

    def offset(self) -> int:
        return min(c.start for c in self.chunks) if self.chunks else 0


def _short(title: str, limit: int = 70) -> str:
    return title if len(title) <= limit else title[:limit].rsplit(" ", 1)[0] + " …"


def _entries(store: Store) -> dict[str, ArticleEntry]:
    entries: dict[str, ArticleEntry] = {}
    for chunk in store.chunks(store.all_keys()):
        entry = entries.get(chunk.doc_id)
        if entry is None:
            entry = entries[chunk.doc_id] = ArticleEntry(chunk.doc_id, chunk.title, chunk.date, chunk.url)
        entry.chunks.append(chunk)
    return entries


class Collection:
    """The articles of the loader's current index, cached per index generation."""

    def __init__(self, loader: AssistantLoader) -> None:
        self.loader = loader
        self._directory = None
        self._entries: dict[str, ArticleEntry] = {}

    def entries(self) -> dict[str, ArticleEntry]:
        assistant = self.loader.assistant
        if assistant is None:
            return {}
        data = assistant.store
        if data.directory != self._directory:
            self._entries, self._directory = _entries(data), data.directory
        return self._entries

    def table(self, filter_text: str, language: str) -> tuple[Any, Any]:
        """The table (newest first, undated last) filtered by title, id or date, and its count."""
        entries = list(self.entries().values())
        wanted = (filter_text or "").casefold().split()
        shown = [e for e in entries
                 if all(w in f"{e.title} {e.doc_id} {e.date}".casefold() for w in wanted)]
        shown.sort(key=lambda e: (e.date[:1].isdigit(), e.date, e.doc_id), reverse=True)
        choices = [(label(language, "article_line", title=_short(e.title), date=date_label(e.date, language),
                          doc_id=e.doc_id, passages=len(e.chunks)), e.doc_id) for e in shown]
        count = f'<div class="rag-note">{label(language, "articles_count", shown=len(shown), total=len(entries))}</div>'
        return gr.Radio(choices=choices, value=None), count

    def article(self, doc_id: str, session: ChatSession | None, language: str) -> str:
        entry = self.entries().get(doc_id)
        if entry is None:
            return f'<p class="rag-note">{label(language, "pick_article")}</p>'
        base = entry.offset()
        starts = {c.chunk_id: c.start - base for c in entry.chunks}
        cited = session.cited_spans(doc_id, starts) if session else []
        return article_html(entry.doc_id, entry.title, entry.date, entry.url, entry.text(), cited, language)
