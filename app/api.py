"""The HTTP API served by `rag serve` beside the chat page (OpenAPI docs at /docs).

Two faces over the same `Assistant`:
- `/api/*`: this project's JSON (`POST /api/ask` returns the `rag ask --json` object,
  `GET /api/articles`, `POST /api/ingest`);
- `/v1/*`: the assistant as one OpenAI "model", so any OpenAI-compatible client (Open WebUI,
  LibreChat, the `openai` library) can talk to it. Answers carry `[n]` markers; the response's
  extra top-level field `citations` (in the last chunk when streaming) lists what they refer to.

Every bad request gets a 4xx JSON error in OpenAI's shape, `{"error": {"message", "type", "code"}}`,
never a 500 with a traceback; bodies are read into memory only up to a bound.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import threading
import time
import uuid
from base64 import b64decode
from collections.abc import Callable, Iterator
from typing import Annotated, Any, Literal

from fastapi import FastAPI, File, HTTPException, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictStr

from rag.answer import Answer
from rag.assistant import MAX_QUESTION_CHARS, Assistant, BadQuestion
from rag.chat import Conversation, Turn
from rag.config import Settings
from rag.ingest import NothingToIndex
from rag.store import IndexProblem
from rag.uploads import Upload, ingest_uploads

log = logging.getLogger(__name__)

MODEL_ID = "rag-vn-news"
API_PREFIXES = ("/api/", "/v1/")
MAX_JSON_BYTES = 1 << 20        # 1 MiB: a question, or a conversation of many turns
MAX_UPLOAD_BYTES = 8 << 20      # 8 MiB of articles per ingest request
MAX_MESSAGES = 64
MAX_MESSAGE_CHARS = 32_000      # earlier answers quote passages; system prompts of chat UIs are long
HISTORY_TURNS = 3               # earlier questions replayed to resolve a follow-up


# ---------------------------------------------------------------- request and response shapes


class AskRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: StrictStr = Field(min_length=1, max_length=MAX_QUESTION_CHARS,
                                description="A question in Vietnamese or English.")
    language: Literal["vi", "en"] | None = Field(None, description="Answer language; default: the question's.")


class CitationOut(BaseModel):
    n: int
    doc_id: str
    title: str
    date: str = Field(description="YYYY-MM or YYYY-MM-DD, or `unknown`.")
    text: str = Field(description="The cited passage.")
    score: float
    sentence: str = Field(description="The sentence the answer rests on.")
    sentence_start: int = Field(description="Offset of `sentence` in `text`.")
    sentence_end: int
    chunk_id: str


class AskResponse(BaseModel):
    question: str
    answer: str = Field(description="The answer; `[n]` markers refer to `citations[].n`.")
    language: str
    abstained: bool
    citations: list[CitationOut]
    notes: list[str]


class Article(BaseModel):
    id: str
    title: str
    date: str
    url: str
    passages: int = Field(description="How many passages the article was split into.")


class IngestResponse(BaseModel):
    added: list[str]
    updated: list[str]
    unchanged: list[str]
    removed: list[str]
    skipped: list[dict[str, str]]
    passages: int


class ChatMessageIn(BaseModel):
    role: Literal["system", "user", "assistant", "developer", "tool"]
    content: StrictStr | list[dict[str, Any]] | None = None

    def text(self) -> str:
        """The message's text; OpenAI's list-of-parts form keeps only its text parts."""
        if isinstance(self.content, list):
            return " ".join(str(p.get("text", "")) for p in self.content if p.get("type") == "text")
        return self.content or ""


class ChatRequest(BaseModel):
    """OpenAI's chat-completions request; sampling options are accepted and ignored."""

    model_config = ConfigDict(extra="allow")

    model: StrictStr = Field(MODEL_ID, description=f"`{MODEL_ID}` (see GET /v1/models).")
    messages: list[ChatMessageIn] = Field(min_length=1, max_length=MAX_MESSAGES)
    stream: StrictBool = False


# ---------------------------------------------------------------- errors and bounds


class ApiError(Exception):
    def __init__(self, status: int, message: str, kind: str = "invalid_request_error", code: str | None = None):
        super().__init__(message)
        self.status, self.message, self.kind, self.code = status, message, kind, code


def error_body(message: str, kind: str, code: str | None = None, param: str | None = None) -> dict:
    return {"error": {"message": message, "type": kind, "param": param, "code": code}}


def _is_api(request: Request) -> bool:
    return request.url.path.startswith(API_PREFIXES)


def _validation_message(exc: RequestValidationError) -> tuple[str, str | None]:
    """One line from pydantic's errors: what is wrong and where."""
    first = exc.errors()[0] if exc.errors() else {}
    where = ".".join(str(p) for p in first.get("loc", ()) if p != "body")
    if first.get("type") == "json_invalid":
        return "the request body is not valid JSON", None
    return f"{where or 'body'}: {first.get('msg', 'invalid')}", where or None


class BodyLimit:
    """ASGI middleware: an API request whose body exceeds its bound gets 413 before any parsing.

    It reads the body (declared length or not) up to the bound, then replays it to the app.
    """

    def __init__(self, app: Callable) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or not path.startswith(API_PREFIXES):
            await self.app(scope, receive, send)
            return
        limit = MAX_UPLOAD_BYTES if path == "/api/ingest" else MAX_JSON_BYTES
        declared = dict(scope.get("headers") or []).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > limit:
            await self._refuse(send, limit)
            return
        chunks, size, more = [], 0, True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            more = message.get("more_body", False)
            if size > limit:
                await self._refuse(send, limit)
                return
        body = b"".join(chunks)
        replayed = False

        async def replay() -> dict:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    @staticmethod
    async def _refuse(send: Callable, limit: int) -> None:
        body = json.dumps(error_body(f"request body larger than {limit} bytes", "invalid_request_error",
                                     "body_too_large")).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                                (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})


# ---------------------------------------------------------------- access


def api_key_from_env() -> str:
    return os.environ.get("RAG_API_KEY", "").strip()


def ui_auth_from_env() -> tuple[str, str] | None:
    user, sep, password = os.environ.get("RAG_UI_AUTH", "").strip().partition(":")
    return (user, password) if sep and user and password else None


class Access:
    """Who may call the API: anyone when no credential is set (loopback by default), otherwise a
    bearer `RAG_API_KEY` or HTTP Basic with the page's `RAG_UI_AUTH` login. Ingesting needs one set."""

    def __init__(self, api_key: str = "", login: tuple[str, str] | None = None) -> None:
        self.api_key, self.login = api_key, login

    @property
    def protected(self) -> bool:
        return bool(self.api_key or self.login)

    def check(self, request: Request) -> None:
        if not self.protected:
            return
        scheme, _, value = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer" and self.api_key and secrets.compare_digest(value.strip(), self.api_key):
            return
        if scheme.lower() == "basic" and self.login and self._basic_ok(value.strip()):
            return
        raise ApiError(401, "missing or wrong credentials (Authorization: Bearer RAG_API_KEY, "
                            "or Basic with the RAG_UI_AUTH login)", "authentication_error", "invalid_api_key")

    def _basic_ok(self, value: str) -> bool:
        try:
            user, _, password = b64decode(value, validate=True).decode("utf-8").partition(":")
        except (ValueError, UnicodeDecodeError):
            return False
        return secrets.compare_digest(user, self.login[0]) and secrets.compare_digest(password, self.login[1])


# ---------------------------------------------------------------- conversations from messages


def conversation_from_messages(assistant: Assistant, messages: list[ChatMessageIn]) -> tuple[Conversation, str]:
    """A `Conversation` holding the earlier user turns of `messages`, and the question to ask now.

    The client sends the whole conversation each time; earlier questions are not asked again, only
    made standalone in order (rag/chat.py's follow-up logic), with the assistant's replies as their
    answers, so "And Hanoi?" after "Who leads Hai Phong police?" asks about Hanoi's police.
    """
    turns: list[tuple[str, str]] = []
    for i, message in enumerate(messages):
        if message.role != "user":
            continue
        following = messages[i + 1] if i + 1 < len(messages) else None
        reply = following.text() if following is not None and following.role == "assistant" else ""
        turns.append((message.text(), reply))
    if not turns or messages[-1].role != "user":
        raise ApiError(400, "the last message must be the user's question", code="no_question")
    conversation = Conversation(assistant)
    for question, reply in turns[:-1][-HISTORY_TURNS:]:
        if not question.strip():
            continue
        standalone = conversation.standalone(question)
        conversation.turns.append(Turn(question, standalone, Answer(question, reply, "", False)))
    return conversation, turns[-1][0]


def _checked_question(text: str) -> str:
    if not text.strip():
        raise ApiError(400, "the question is empty", code="empty_question")
    if len(text) > MAX_QUESTION_CHARS:
        raise ApiError(400, f"the question is longer than {MAX_QUESTION_CHARS} characters", code="question_too_long")
    return text


def _completion_id() -> str:
    return f"chatcmpl-{uuid.uuid4().hex[:24]}"


def _citations(answer: Answer) -> list[dict]:
    return answer.to_json()["citations"]


def completion_body(answer: Answer) -> dict:
    """A non-streamed chat completion; `citations` and `rag` are this API's documented extras."""
    return {
        "id": _completion_id(), "object": "chat.completion", "created": int(time.time()), "model": MODEL_ID,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": answer.answer},
                     "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
        "citations": _citations(answer),
        "rag": {"abstained": answer.abstained, "language": answer.language, "notes": answer.notes},
    }


def _sse(data: dict | str) -> str:
    return f"data: {data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)}\n\n"


def completion_events(items: Iterator[str | Answer]) -> Iterator[str]:
    """Server-sent events of chat-completion chunks; the last chunk carries `citations`.

    A generated answer that fails its citation check after streaming is followed by the checked
    answer (separated by a blank line), since a stream cannot take back what it sent.
    """
    cid, created = _completion_id(), int(time.time())

    def chunk(delta: dict, finish: str | None = None, **extra: Any) -> str:
        return _sse({"id": cid, "object": "chat.completion.chunk", "created": created, "model": MODEL_ID,
                     "choices": [{"index": 0, "delta": delta, "finish_reason": finish}], **extra})

    yield chunk({"role": "assistant", "content": ""})
    shown = ""
    try:
        for item in items:
            if isinstance(item, str):
                shown += item
                yield chunk({"content": item})
                continue
            if item.answer != shown:
                yield chunk({"content": ("\n\n" if shown else "") + item.answer})
            yield chunk({}, "stop", citations=_citations(item),
                        rag={"abstained": item.abstained, "language": item.language, "notes": item.notes})
    except Exception as exc:  # a stream has already said 200: report the failure in the stream
        log.exception("answering failed")
        yield _sse(error_body(f"answering failed: {type(exc).__name__}", "server_error"))
    yield _sse("[DONE]")


# ---------------------------------------------------------------- the routes


def build_api(get_assistant: Callable[[], Assistant | None], settings: Settings,
              access: Access | None = None) -> FastAPI:
    """A FastAPI app with the API routes; the chat page is mounted on it afterwards (app/server.py).

    `get_assistant` returns the shared assistant (None while it loads), switched to the newest
    committed index first (`AssistantLoader.refresh`), so every request, the page's and the API's,
    sees articles ingested meanwhile, by `/api/ingest` or by `rag ingest` in another process.
    """
    access = access or Access(api_key_from_env(), ui_auth_from_env())
    ingest_lock = threading.Lock()
    app = FastAPI(title="Vietnamese news assistant", version="1", docs_url="/docs", redoc_url=None,
                  description=__doc__)
    app.add_middleware(BodyLimit)

    def ready(request: Request) -> Assistant:
        access.check(request)
        assistant = get_assistant()
        if assistant is None:
            raise ApiError(503, "the assistant is still loading; retry in a few seconds", "server_error", "loading")
        return assistant

    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        return JSONResponse(error_body(exc.message, exc.kind, exc.code), exc.status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        message, param = _validation_message(exc)
        return JSONResponse(error_body(message, "invalid_request_error", "invalid_request", param), 400)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        return JSONResponse(error_body(str(exc.detail), "invalid_request_error"), exc.status_code,
                            headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def crashed(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s", request.url.path)
        return JSONResponse(error_body(f"internal error ({type(exc).__name__})", "server_error"), 500)

    @app.post("/api/ask", response_model=AskResponse, tags=["assistant"],
              summary="Answer one question with cited passages (the `rag ask --json` object)")
    def ask(body: AskRequest, request: Request) -> dict:
        assistant = ready(request)
        try:
            return assistant.ask(_checked_question(body.question), body.language).to_json()
        except BadQuestion as problem:
            raise ApiError(400, str(problem), code="empty_question") from None

    @app.get("/api/articles", response_model=list[Article], tags=["assistant"], summary="The indexed articles")
    def articles(request: Request) -> list[dict]:
        out: dict[str, dict] = {}
        store = ready(request).store
        for chunk in store.chunks(store.all_keys()):
            row = out.setdefault(chunk.doc_id, {"id": chunk.doc_id, "title": chunk.title, "date": chunk.date,
                                                "url": chunk.url, "passages": 0})
            row["passages"] += 1
        return list(out.values())

    @app.post("/api/ingest", response_model=IngestResponse, tags=["assistant"],
              summary="Add articles (.txt, .md, .jsonl files); needs RAG_API_KEY or RAG_UI_AUTH to be set")
    def ingest(request: Request, files: Annotated[list[UploadFile], File(description="Article files")]) -> dict:
        if not access.protected:
            raise ApiError(403, "ingesting over HTTP is off: set RAG_API_KEY (or RAG_UI_AUTH) to allow it",
                           "permission_error", "ingest_disabled")
        ready(request)
        uploads = [Upload(f.filename or "upload", f.file.read()) for f in files]
        with ingest_lock:
            try:
                report = ingest_uploads(uploads, settings)
            except NothingToIndex as problem:
                raise ApiError(422, str(problem), code="nothing_to_index") from None
            except IndexProblem as problem:
                raise ApiError(409, str(problem), code="index_problem") from None
            get_assistant()  # switch to the index that now holds the new articles
        return {"added": report.added, "updated": report.updated, "unchanged": report.unchanged,
                "removed": report.removed, "passages": report.chunks,
                "skipped": [{"file": s.path, "reason": s.reason} for s in report.skipped]}

    @app.get("/v1/models", tags=["openai"], summary="The one model: this assistant")
    def models(request: Request) -> dict:
        access.check(request)
        return {"object": "list", "data": [{"id": MODEL_ID, "object": "model", "created": 0, "owned_by": "rag"}]}

    @app.post("/v1/chat/completions", tags=["openai"],
              summary="OpenAI chat completions (stream or not); extra field `citations` lists the [n] passages")
    def chat_completions(body: ChatRequest, request: Request):
        assistant = ready(request)
        if body.model != MODEL_ID:
            raise ApiError(404, f"no model {body.model!r}; this server has {MODEL_ID!r}", code="model_not_found")
        if any(len(m.text()) > MAX_MESSAGE_CHARS for m in body.messages):
            raise ApiError(400, f"a message is longer than {MAX_MESSAGE_CHARS} characters", code="message_too_long")
        conversation, question = conversation_from_messages(assistant, body.messages)
        _checked_question(question)
        if body.stream:
            return StreamingResponse(completion_events(conversation.ask_stream(question)),
                                     media_type="text/event-stream", headers={"Cache-Control": "no-cache"})
        try:
            return completion_body(conversation.ask(question))
        except BadQuestion as problem:
            raise ApiError(400, str(problem), code="empty_question") from None

    return app
