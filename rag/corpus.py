"""Loading articles from .txt, .md and .jsonl files into normalised `Document`s.

A bad file (not UTF-8, binary, empty, unreadable, over the size limit, not a regular file) never
stops a run: it is reported by name with the reason and skipped, so one broken download does not
block indexing the rest. JSONL fields must have the types the contract gives them: a number or a
list as `text` would otherwise be indexed as its Python repr.
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
_DATE_VALUE = re.compile(r"\d{4}-\d{2}(?:-\d{2})?")


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
    sentences = split_sentences(text[:4 * _TITLE_MAX_CHARS])  # the first sentence is enough
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


def _looks_utf16(data: bytes) -> bool:
    """UTF-16 without a byte-order mark: text whose every other byte is mostly NUL."""
    if len(data) < 2 or len(data) % 2:
        return False
    sample = data[:8192]
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    if max(even, odd) < len(sample) // 4 or min(even, odd) > len(sample) // 50:
        return False
    try:
        data.decode("utf-16-be" if even > odd else "utf-16-le")
    except UnicodeDecodeError:
        return False
    return True


def _read_text(path: Path) -> str:
    """Read a UTF-8 text file; raise ValueError with a reason a user understands."""
    data = path.read_bytes()
    if data[:2] in (b"\xff\xfe", b"\xfe\xff") or _looks_utf16(data):
        raise ValueError("not UTF-8 (it is UTF-16; save it as UTF-8)")
    if b"\x00" in data:
        raise ValueError("binary file")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise ValueError(f"not UTF-8 (bad byte at offset {err.start})") from None
    if not text.strip():
        raise ValueError("empty file")
    return text


def _jsonl_problem(row: object) -> str | None:
    """Why a JSONL line is not an article, or None when it is one."""
    if not isinstance(row, dict):
        return "line is not a JSON object"
    text = row.get("text")
    if text is None or text == "":
        return "line has no 'text'"
    if not isinstance(text, str):
        return f"'text' must be a string, not {type(text).__name__}"
    if not text.strip():
        return "line has no 'text'"
    doc_id = row.get("id")
    if doc_id is not None and (not isinstance(doc_id, (str, int)) or isinstance(doc_id, bool)):
        return f"'id' must be a string, not {type(doc_id).__name__}"
    for key in ("title", "url", "date"):
        if row.get(key) is not None and not isinstance(row[key], str):
            return f"'{key}' must be a string, not {type(row[key]).__name__}"
    date = (row.get("date") or "").strip()
    if date and not _DATE_VALUE.fullmatch(date):
        return f"'date' must look like 2024-05 or 2024-05-09, not {date[:20]!r}"
    return None


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
        problem = _jsonl_problem(row)
        if problem:
            result.skipped.append(SkippedFile(where, problem))
            continue
        doc_id = str(row.get("id") or f"{path.stem}-{lineno}")
        result.documents.append(make_document(
            doc_id, row["text"], row.get("title") or "", row.get("date") or "",
            row.get("url") or "", source=str(path)))


def load_file(path: Path, result: LoadResult, max_file_mb: float | None = None) -> None:
    """Append the documents in `path` to `result`, or record why it was skipped."""
    try:
        size = path.stat().st_size
        if max_file_mb is not None and size > max_file_mb * 1_000_000:
            raise ValueError(f"{size / 1_000_000:.1f} MB, over the {max_file_mb:g} MB limit "
                             "(RAG_MAX_FILE_MB); split it or raise the limit")
        text = _read_text(path)
    except (OSError, ValueError) as err:
        reason = err.strerror if isinstance(err, OSError) and err.strerror else str(err)
        result.skipped.append(SkippedFile(str(path), reason))
        return
    if path.suffix.lower() == ".jsonl":
        _load_jsonl(path, text, result)
    else:
        result.documents.append(make_document(path.stem, text, source=str(path)))


def _not_a_file(path: Path) -> str | None:
    """Why an entry named like an article is not one (a folder, a dangling link), else None."""
    if path.is_symlink() and not path.exists():
        return "a link to nothing (dangling symlink)"
    if path.is_dir():
        return "a folder, not an article file (its files, if any, are read as a folder)"
    if path.exists() and not path.is_file():
        return "not a regular file"
    return None


def iter_files(paths: Iterable[Path], skipped: list[SkippedFile] | None = None) -> Iterable[Path]:
    """Supported files under each path (a folder is walked; a file is taken as given).

    Entries of a folder named like articles that are not files are reported in `skipped`.
    """
    for path in paths:
        if not path.is_dir():
            yield path
            continue
        for entry in sorted(path.rglob("*")):
            if entry.suffix.lower() not in SUPPORTED_SUFFIXES \
                    or any(part.startswith(".") for part in entry.relative_to(path).parts):
                continue
            reason = _not_a_file(entry)
            if reason is None:
                yield entry
            elif skipped is not None:
                skipped.append(SkippedFile(str(entry), reason))


def load_corpus(paths: Iterable[Path], max_file_mb: float | None = None) -> LoadResult:
    """Load every article under `paths`; duplicate ids keep the first and report the rest.

    Files over `max_file_mb` are skipped unread (RAG_MAX_FILE_MB).
    """
    result = LoadResult()
    for path in iter_files(paths, result.skipped):
        if not path.exists():
            result.skipped.append(SkippedFile(str(path), "no such file or folder"))
            continue
        if path.suffix.lower() not in SUPPORTED_SUFFIXES:
            result.skipped.append(SkippedFile(str(path), f"unsupported type (use {', '.join(SUPPORTED_SUFFIXES)})"))
            continue
        load_file(path, result, max_file_mb)
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
