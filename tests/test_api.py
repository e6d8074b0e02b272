"""The HTTP API of `rag serve`: a real server process on 127.0.0.1, driven by the official
`openai` client and by plain HTTP (httpx).

One server for the module, over a copy of the session's seed index, with `RAG_API_KEY` set so
ingesting is allowed; a second, in-process app without a key checks that ingesting is refused.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time

import httpx
import pytest

openai = pytest.importorskip("openai")

KEY = "test-key-13"
HAI_PHONG_DIRECTORS = ("Bùi Quang Bình", "Vũ Thanh Chương")
HANOI_DIRECTOR = "Nguyễn Hải Trung"
START_TIMEOUT = 240


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory, seed_index_dir):
    """`rag serve` in a subprocess; yields its base URL once the assistant answers."""
    index = tmp_path_factory.mktemp("api") / "index"
    shutil.copytree(seed_index_dir, index)
    port = _free_port()
    env = {**os.environ, "RAG_API_KEY": KEY, "RAG_FEEDBACK_PATH": str(index.parent / "feedback.jsonl")}
    env.pop("RAG_UI_AUTH", None)
    log = (index.parent / "serve.log").open("wb")
    proc = subprocess.Popen([sys.executable, "-m", "rag.cli", "serve", "--port", str(port), "--index-dir", str(index)],
                            env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_TIMEOUT
    try:
        while True:
            assert proc.poll() is None, (index.parent / "serve.log").read_text()
            assert time.monotonic() < deadline, "rag serve did not become ready"
            try:
                if httpx.get(f"{url}/api/articles", headers={"Authorization": f"Bearer {KEY}"}).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(1)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()


@pytest.fixture(scope="module")
def client(server):
    return openai.OpenAI(base_url=f"{server}/v1", api_key=KEY, max_retries=0, timeout=120)


def _check_markers(text: str, citations: list[dict]) -> None:
    """Every [n] in the text names a listed citation, and every citation is cited."""
    markers = {int(n) for n in re.findall(r"\[(\d+)\]", text)}
    numbers = {c["n"] for c in citations}
    assert markers and markers == numbers, (markers, numbers)
    for c in citations:
        assert c["sentence"] and c["sentence"] == c["text"][c["sentence_start"]:c["sentence_end"]]


def test_openai_client_gets_both_directors_with_citations(client):
    models = [m.id for m in client.models.list()]
    assert models == ["rag-vn-news"]
    reply = client.chat.completions.create(model=models[0],
                                           messages=[{"role": "user", "content": "Who leads Hai Phong police?"}])
    text = reply.choices[0].message.content
    assert all(name in text for name in HAI_PHONG_DIRECTORS), text
    _check_markers(text, reply.citations)
    assert reply.rag["abstained"] is False and reply.rag["language"] == "en"


def test_streamed_follow_up_uses_the_messages_sent(client):
    first = "Who leads Hai Phong police?"
    earlier = client.chat.completions.create(model="rag-vn-news", messages=[{"role": "user", "content": first}])
    messages = [{"role": "system", "content": "You are helpful."},
                {"role": "user", "content": first},
                {"role": "assistant", "content": earlier.choices[0].message.content},
                {"role": "user", "content": "And Hanoi?"}]
    chunks = list(client.chat.completions.create(model="rag-vn-news", messages=messages, stream=True))
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert len(chunks) > 3 and HANOI_DIRECTOR in text, text
    assert chunks[-1].choices[0].finish_reason == "stop"
    _check_markers(text, chunks[-1].citations)
    assert any(HANOI_DIRECTOR in c["sentence"] for c in chunks[-1].citations)


def test_api_ask_is_the_rag_ask_json_object(server):
    r = httpx.post(f"{server}/api/ask", json={"question": "Ai là Giám đốc Công an TP Hà Nội?", "language": "en"},
                   headers={"Authorization": f"Bearer {KEY}"}, timeout=120)
    assert r.status_code == 200
    body = r.json()
    assert set(body) >= {"question", "answer", "language", "abstained", "citations"}
    assert body["language"] == "en" and HANOI_DIRECTOR in body["answer"]
    assert set(body["citations"][0]) >= {"n", "doc_id", "title", "date", "text", "score"}


@pytest.mark.parametrize("body, status", [
    (b'{"question": "Who', 400),                                  # malformed JSON
    (b'{"question": 42}', 400),                                   # wrong type
    (b'{"question": ["a"]}', 400),
    (b'{"question": "   "}', 400),                                # empty question
    (b'{"question": ""}', 400),
    (b'{"question": "' + b"x" * 1001 + b'"}', 400),               # longer than a question may be
    (b'{"question": "Who?", "language": "fr"}', 400),
    (b'{"question": "' + b"x" * (10 << 20) + b'"}', 413),         # a 10 MB body
])
def test_bad_ask_requests_get_json_errors(server, body, status):
    r = httpx.post(f"{server}/api/ask", content=body, timeout=60,
                   headers={"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"})
    assert r.status_code == status
    assert r.json()["error"]["message"]


@pytest.mark.parametrize("payload, status", [
    ({"model": "rag-vn-news", "messages": "hello"}, 400),
    ({"model": "rag-vn-news", "messages": []}, 400),
    ({"model": "rag-vn-news", "messages": [{"role": "user", "content": ""}]}, 400),
    ({"model": "rag-vn-news", "messages": [{"role": "user", "content": 3}]}, 400),
    ({"model": "rag-vn-news", "messages": [{"role": "user", "content": "Hi"}], "stream": "yes"}, 400),
    ({"model": "rag-vn-news", "messages": [{"role": "assistant", "content": "Hi"}]}, 400),
    ({"model": "gpt-4o", "messages": [{"role": "user", "content": "Hi"}]}, 404),
])
def test_bad_chat_requests_get_json_errors(server, payload, status):
    r = httpx.post(f"{server}/v1/chat/completions", json=payload, headers={"Authorization": f"Bearer {KEY}"})
    assert r.status_code == status and r.json()["error"]["message"]


def test_the_key_is_required_when_set(server):
    r = httpx.post(f"{server}/api/ask", json={"question": "Who?"})
    assert r.status_code == 401 and r.json()["error"]["type"] == "authentication_error"
    assert httpx.get(f"{server}/v1/models", headers={"Authorization": "Bearer wrong"}).status_code == 401


def test_openapi_docs_list_the_routes(server):
    paths = httpx.get(f"{server}/openapi.json").json()["paths"]
    assert {"/api/ask", "/api/articles", "/api/ingest", "/v1/chat/completions", "/v1/models"} <= set(paths)
    assert httpx.get(f"{server}/docs").status_code == 200
    assert "gradio" in httpx.get(f"{server}/").text.lower()  # the page is still served at /


def test_ingest_adds_an_article_that_is_then_answered(server):
    article = ("date 2024-10\nCông an tỉnh Quảng Trị\n\nĐại tá Lê Văn Thử nghiệm, Giám đốc Công an tỉnh Quảng Trị, "
               "chủ trì hội nghị tổng kết công tác năm 2024 của lực lượng công an tỉnh.\n")
    headers = {"Authorization": f"Bearer {KEY}"}
    r = httpx.post(f"{server}/api/ingest", headers=headers, timeout=300,
                   files=[("files", ("quang-tri.txt", article.encode(), "text/plain")),
                          ("files", ("notes.pdf", b"%PDF-1.4", "application/pdf"))])
    assert r.status_code == 200, r.text
    report = r.json()
    assert report["added"] == ["quang-tri"] and report["skipped"][0]["file"] == "notes.pdf"
    ids = [a["id"] for a in httpx.get(f"{server}/api/articles", headers=headers).json()]
    assert "quang-tri" in ids and len(ids) == 6
    answer = httpx.post(f"{server}/api/ask", json={"question": "Ai là Giám đốc Công an tỉnh Quảng Trị?"},
                        headers=headers, timeout=120).json()
    assert "Lê Văn Thử nghiệm" in answer["answer"] and answer["citations"][0]["doc_id"] == "quang-tri"
    bad = httpx.post(f"{server}/api/ingest", headers=headers, files=[("files", ("x.txt", b"\xff\xfe\x00", "text/plain"))])
    assert bad.status_code == 422 and "unchanged" in bad.json()["error"]["message"]


def test_ingest_is_refused_without_a_credential_setting(seed_assistant, monkeypatch):
    from fastapi.testclient import TestClient

    from app.api import Access, build_api

    app = build_api(lambda: seed_assistant, seed_assistant.settings, Access())
    r = TestClient(app).post("/api/ingest", files=[("files", ("a.txt", b"date 2024-01\nx y z", "text/plain"))])
    assert r.status_code == 403 and "RAG_API_KEY" in r.json()["error"]["message"]


def test_the_page_login_also_opens_the_api(seed_assistant):
    from fastapi.testclient import TestClient

    from app.api import Access, build_api

    app = build_api(lambda: seed_assistant, seed_assistant.settings, Access(login=("ana", "s3cret")))
    client = TestClient(app)
    assert client.get("/api/articles", auth=("ana", "s3cret")).status_code == 200
    assert client.get("/api/articles", auth=("ana", "wrong")).status_code == 401
    assert client.get("/api/articles", headers={"Authorization": "Basic !!"}).status_code == 401


def test_a_loading_assistant_is_a_503_json_error(seed_assistant):
    from fastapi.testclient import TestClient

    from app.api import Access, build_api

    client = TestClient(build_api(lambda: None, seed_assistant.settings, Access()))
    r = client.post("/api/ask", json={"question": "Who leads Hai Phong police?"})
    assert r.status_code == 503 and r.json()["error"]["code"] == "loading"
