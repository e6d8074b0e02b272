"""A real HTTP server on 127.0.0.1 speaking the OpenAI chat-completions protocol, with scripted replies.

It records every request body so tests can assert what the project sends, and answers with the
next scripted `Reply`: streamed as server-sent events (one chunk per word) or as one JSON body,
after an optional delay, or with an HTTP error.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Reply:
    """`text` may be a function of the request body (to cite the passage that holds a fact)."""

    text: str | Callable[[dict], str] = ""
    status: int = 200
    delay: float = 0.0
    error: str = "scripted failure"
    token_delay: float = 0.0  # seconds between streamed words (a slow model, for the page's stop button)

    def render(self, request: dict) -> str:
        return self.text(request) if callable(self.text) else self.text


@dataclass
class FakeOpenAI:
    server: ThreadingHTTPServer
    requests: list[dict] = field(default_factory=list)
    script: list[Reply] = field(default_factory=list)

    @property
    def base_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/v1"

    def reply(self, *replies: Reply) -> None:
        self.script[:] = list(replies)

    def next_reply(self) -> Reply:
        return self.script.pop(0) if self.script else Reply("")

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _chunk(model: str, delta: dict, finish: str | None = None) -> bytes:
    body = {"id": "chatcmpl-test", "object": "chat.completion.chunk", "created": 0, "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
    return f"data: {json.dumps(body)}\n\n".encode()


def _completion(model: str, text: str) -> dict:
    return {"id": "chatcmpl-test", "object": "chat.completion", "created": 0, "model": model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}


def make_handler(fake: "FakeOpenAI") -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args) -> None:  # keep test output clean
            pass

        def _send(self, status: int, body: bytes, content_type: str = "application/json") -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:
            request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            fake.requests.append(request)
            reply = fake.next_reply()
            time.sleep(reply.delay)
            try:
                if reply.status != 200:
                    error = {"error": {"message": reply.error, "type": "server_error", "code": reply.status}}
                    self._send(reply.status, json.dumps(error).encode())
                elif request.get("stream"):
                    self._stream(request, reply.render(request), reply.token_delay)
                else:
                    self._send(200, json.dumps(_completion(request["model"], reply.render(request))).encode())
            except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout tests)
                pass

        def _stream(self, request: dict, text: str, token_delay: float = 0.0) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Connection", "close")
            self.end_headers()
            model = request["model"]
            self.wfile.write(_chunk(model, {"role": "assistant", "content": ""}))
            for token in re.findall(r"\S+\s*|\s+", text):
                self.wfile.write(_chunk(model, {"content": token}))
                self.wfile.flush()
                time.sleep(token_delay)
            self.wfile.write(_chunk(model, {}, "stop"))
            self.wfile.write(b"data: [DONE]\n\n")
            self.wfile.flush()
            self.close_connection = True

    return Handler


def start() -> FakeOpenAI:
    """Serve on a free port of 127.0.0.1 in a daemon thread; call `close()` when done."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    fake = FakeOpenAI(server)
    server.RequestHandlerClass = make_handler(fake)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return fake
