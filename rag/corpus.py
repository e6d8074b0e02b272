"""Loading articles from .txt, .md and .jsonl files into normalised `Document`s.

A bad file (not UTF-8, binary, empty, unreadable) never stops a run: it is reported by name with
the reason and skipped, so one broken download does not block indexing the rest.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from rag.text import normalize, split_sentences

SUPPORTED_SUFFIXES = (".txt", ".md", ".jsonl")
UNKNOWN_DATE = "unknown"
_DATE_LINE = re.compile(r"^\s*date\s+(\d{4}-\d{2}(?:-\d{2})?)\b\s*")
_HEADING = re.compile(r"^\s*#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)
_TITLE_MAX_CHARS = 200


@dataclass(frozen=True)
class Document:
    """One article. `text` is normalised (NFC, one tone placement); spans index into it."""

    doc_id: str
    text: str
    title: str
    date: str = UNKNOWN_DATE
    url: str = ""
    source: str = ""

    @property
    def content_hash(self) -> str:
        """Changes whenever anything that ends up in the index changes."""
        payload = json.dumps([self.text, self.title, self.date, self.url], ensure_ascii=False)
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class SkippedFile:
    path: str
    reason: str


@dataclass
class LoadResult:
    documents: list[Document] = field(default_factory=list)
    skipped: list[SkippedFile] = field(default_factory=list)


def title_of(text: str) -> str:
    """The first Markdown heading, else the first sentence, cut to a readable length."""
    heading = _HEADING.search(text)
    if heading:
        return heading.group(1).strip()
    sentences = split_sentences(text)
    first = sentences[0].text if sentences else text.strip()
    if len(first) > _TITLE_MAX_CHARS:
        first = first[:_TITLE_MAX_CHARS].rsplit(" ", 1)[0] + " …"
    return first


def make_document(doc_id: str, raw: str, title: str = "", date: str = "", url: str = "",
                  source: str = "") -> Document:
    """Normalise text and fill in the title and date ("unknown" when not given, never guessed)."""
    raw = raw.lstrip("\ufeff")
    match = _DATE_LINE.match(raw)
    if match:
        date = date or match.group(1)
        raw = raw[match.end():]
    text = normalize(raw.strip())
    return Document(
        doc_id=doc_id,
        text=text,
        title=normalize(title.strip()) if title.strip() else title_of(text),
        date=date.strip() or UNKNOWN_DATE,
        url=url,
        source=source,
    )


def _read_text(path: Path) -> str:
    """Read a UTF-8 text file; raise ValueError with a reason a user understands."""
    data = path.read_bytes()
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise ValueError("not UTF-8 (it is UTF-16; save it as UTF-8)")
    if b"\x00" in data[:8192]:
        raise ValueError("binary file")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise ValueError(f"not UTF-8 (bad byte at offset {err.start})") from None
    if not text.strip():
        raise ValueError("empty file")
    return text


def _load_jsonl(path: Path, text: str, result: LoadResult) -> None:
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        where = f"{path}:{lineno}"
        try:
            row = json.loads(line)
        except json.JSONDecodeError as err:
            result.skipped.append(SkippedFile(where, f"invalid JSON ({err.msg})"))
            continue
        if not isinstance(row, dict) or not str(row.get("text") or "").strip():
            result.skipped.append(SkippedFile(where, "line has no 'text'"))
            continue
        doc_id = str(row.get("id") or f"{path.stem}-{lineno}")
        result.documents.append(make_document(
            doc_id, str(row["text"]), str(row.get("title") or ""), str(row.get("date") or ""),
            str(row.get("url") or ""), source=str(path)))


def load_file(path: Path, result: LoadResult) -> None:
    """Append the documents in `path` to `result`, or record why it was skipped."""
    try:
        text = _read_text(path)
    except (OSError, ValueError) as err:
        reason = err.strerror if isinstance(err, OSError) and err.strerror else str(err)
        result.skipped.append(SkippedFile(str(path), reason))
        return
    if path.suffix.lower() == ".jsonl":
        _load_jsonl(path, text, result)
    else:
        result.documents.append(make_document(path.stem, text, source=str(path)))


def iter_files(paths: Iterable[Path]) -> Iterable[Path]:
    """Supported files under each path (a folder is walked; a file is taken as given)."""
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*")
                              if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES
                              and not any(part.startswith(".") for part in p.relative_to(path).parts))
        else:
            yield path


def load_corpus(paths: Iterable[Path]) -> LoadResult:
    """Load every article under `paths`; duplicate ids keep the first and report the rest."""
    result = LoadResult()
    for path in iter_files(paths):
        if not path.exists():
            result.skipped.append(SkippedFile(str(path), "no such file or folder"))
            continue
        if path.suffix.lower() not in SUPPORTED_SUFFIXES:
            result.skipped.append(SkippedFile(str(path), f"unsupported type (use {', '.join(SUPPORTED_SUFFIXES)})"))
            continue
        load_file(path, result)
    seen: set[str] = set()
    unique: list[Document] = []
    for doc in result.documents:
        if doc.doc_id in seen:
            result.skipped.append(SkippedFile(doc.source, f"duplicate document id {doc.doc_id!r}"))
            continue
        seen.add(doc.doc_id)
        unique.append(doc)
    result.documents = unique
    return result
