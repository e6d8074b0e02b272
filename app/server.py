"""The chat page: Gradio Blocks wired to `ChatSession`s over one shared `Assistant`.

No retrieval or answering happens here; the page turns questions into `Conversation` calls and
answers into HTML (app/render.py). One assistant per process (opened in the background by
`AssistantLoader`), one `ChatSession` per browser session (in `gr.State`).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import gradio as gr

from app.assets import CSS, HEAD
from app.i18n import AUTO, EXAMPLES, SWITCH_CHOICES, label, resolve
from app.loader import AssistantLoader
from app.render import status_html
from app.session import ChatSession
from rag.chat import Conversation
from rag.config import Settings
from rag.feedback import FeedbackLog, feedback_path, feedback_record

# Questions answered at once; the assistant is read-only while serving, so this is safe, and
# more than a few buys nothing on a laptop CPU.
DEFAULT_CONCURRENCY = 4


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    return int(raw) if raw.isdigit() else default


def auth_from_env() -> tuple[str, str] | None:
    """`RAG_UI_AUTH=user:password` turns on Gradio's login page; unset means no login."""
    raw = os.environ.get("RAG_UI_AUTH", "").strip()
    if not raw:
        return None
    user, sep, password = raw.partition(":")
    if not sep or not user or not password:
        raise SystemExit("error: RAG_UI_AUTH must look like user:password")
    return user, password


def _header_html(language: str) -> str:
    return (f'<div class="rag-header"><h1>{label(language, "title")}</h1>'
            f'<p>{label(language, "intro")}</p></div>')


def _chrome(language: str, clear_box: bool = False) -> tuple[Any, ...]:
    """Updates for the labelled parts of the page: header, input box, buttons, switch."""
    box = gr.Textbox(placeholder=label(language, "placeholder"))
    if clear_box:
        box = gr.Textbox(value="", placeholder=label(language, "placeholder"))
    return (gr.HTML(_header_html(language)), box,
            gr.Button(label(language, "send")),
            gr.Button(label(language, "new")),
            gr.Radio(label=label(language, "switch")))


def _status_banner(loader: AssistantLoader) -> str | None:
    """The start-up banner (in both languages: no question yet), or None once ready."""
    status = loader.status()
    if status.ready:
        return None
    if status.error:
        return status_html(label("en", "failed", error=status.error))
    if status.total:
        counts = {"done": status.done, "total": status.total}
        return status_html(f'{label("vi", "indexing", **counts)} · {label("en", "indexing", **counts)}',
                           status.done, status.total)
    return status_html(f'{label("vi", "loading")} · {label("en", "loading")}')


def _poll_status(loader: AssistantLoader) -> tuple[Any, Any]:
    """Banner update, and whether the timer polling it should keep running."""
    banner = _status_banner(loader)
    running = banner is not None and loader.status().error is None
    return gr.HTML(banner or "", visible=banner is not None), gr.Timer(active=running)


def build_app(loader: AssistantLoader, feedback: FeedbackLog, concurrency: int = DEFAULT_CONCURRENCY) -> gr.Blocks:
    """The page. `loader` hands out the shared assistant; `feedback` receives thumbs up/down."""

    def session_for(state: ChatSession | None, choice: str) -> ChatSession | None:
        if state is None:
            if loader.assistant is None:
                return None
            state = ChatSession(Conversation(loader.assistant))
        state.choice = choice or AUTO
        return state

    def respond(message: str, choice: str, state: ChatSession | None) -> Iterator[tuple[Any, ...]]:
        session = session_for(state, choice)
        if not (message or "").strip():
            return  # an empty message does nothing
        if session is None:
            gr.Warning(label(resolve(choice, None), "not_ready"))
            return
        for step, messages in enumerate(session.ask(message)):
            answer = session.last_answer()
            # The box is emptied once, so typing the next question while this one streams is kept.
            yield (messages, answer.to_json() if answer else None, session,
                   *_chrome(session.language, clear_box=step == 0))

    def new_conversation(choice: str, state: ChatSession | None) -> tuple[Any, ...]:
        session = session_for(state, choice)
        if session is not None:
            session.reset()
        return [], None, session, gr.Textbox(value="")

    def switch_language(choice: str, state: ChatSession | None) -> tuple[Any, ...]:
        session = session_for(state, choice)
        messages = session.messages() if session else []
        return (messages, session, *_chrome(session.language if session else resolve(choice, None)))

    def record_feedback(state: ChatSession | None, data: gr.LikeData) -> None:
        if state is None or data.liked not in (True, False):
            return  # a thumb taken back records nothing
        index = data.index if isinstance(data.index, int) else data.index[0]
        answer = state.answer_at(index)
        if answer is None:
            return
        feedback.append(feedback_record(answer, "up" if data.liked else "down"))
        gr.Info(label(state.language, "thanks"))

    def example_text(data: gr.SelectData) -> str:
        value = data.value
        return value.get("text", "") if isinstance(value, dict) else str(value)

    with gr.Blocks(title="Hỏi đáp tin tức · Ask the news", analytics_enabled=False) as demo:
        state = gr.State(None)
        with gr.Row(equal_height=True):
            header = gr.HTML(_header_html("vi"), scale=4)
            switch = gr.Radio(SWITCH_CHOICES, value=AUTO, label=label("vi", "switch"), scale=1,
                              elem_id="rag-switch")
        banner = _status_banner(loader)
        status = gr.HTML(banner or "", visible=banner is not None, elem_id="rag-status")
        chatbot = gr.Chatbot(elem_id="rag-chat", show_label=False, height="62vh", render_markdown=False,
                             sanitize_html=True, examples=[{"text": q} for q in EXAMPLES],
                             feedback_options=("Like", "Dislike"), autoscroll=True,
                             buttons=["copy", "copy_all"])  # no "share": it would post to a hub
        with gr.Row(equal_height=True):
            box = gr.Textbox(show_label=False, placeholder=label("vi", "placeholder"), lines=1, max_lines=6,
                             scale=8, elem_id="rag-input", autofocus=True)
            send = gr.Button(label("vi", "send"), variant="primary", scale=1, min_width=80, elem_id="rag-send")
        new = gr.Button(label("vi", "new"), size="sm", elem_id="rag-new")
        last_answer = gr.JSON(visible=False)  # the latest Answer as JSON, for API clients
        timer = gr.Timer(1.0, active=banner is not None)

        chrome = [header, box, send, new, switch]
        ask_outputs = [chatbot, last_answer, state, *chrome]
        ask_inputs = [box, switch, state]
        box.submit(respond, ask_inputs, ask_outputs, api_name="ask", concurrency_limit=concurrency,
                   concurrency_id="ask")
        send.click(respond, ask_inputs, ask_outputs, api_visibility="private", concurrency_id="ask",
                   concurrency_limit=concurrency)
        chatbot.example_select(example_text, None, box, api_visibility="private").then(
            respond, ask_inputs, ask_outputs, api_visibility="private", concurrency_id="ask",
            concurrency_limit=concurrency)
        new.click(new_conversation, [switch, state], [chatbot, last_answer, state, box], api_name="new_conversation")
        chatbot.clear(new_conversation, [switch, state], [chatbot, last_answer, state, box], api_visibility="private")
        switch.input(switch_language, [switch, state], [chatbot, state, *chrome], api_visibility="private")
        chatbot.like(record_feedback, [state], None, api_visibility="private")
        timer.tick(lambda: _poll_status(loader), None, [status, timer], api_visibility="private")
        demo.load(lambda: _poll_status(loader), None, [status, timer], api_visibility="private")
    demo.queue(default_concurrency_limit=concurrency)
    return demo


def launch(settings: Settings, host: str = "127.0.0.1", port: int = 7860, block: bool = True,
           loader: AssistantLoader | None = None, feedback: FeedbackLog | None = None) -> gr.Blocks:
    """Serve the page and the HTTP API (app/api.py) on one port, no share link.

    The assistant opens, or the seed index builds, meanwhile. The page is mounted on the API's
    FastAPI app, as Gradio recommends for adding routes, and served by uvicorn through Gradio's
    own server class, so `demo.close()` stops it as it would stop `demo.launch()`.
    """
    from gradio.http_server import Server
    from uvicorn import Config

    from app.api import build_api

    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    auth = auth_from_env()
    loader = loader or AssistantLoader.start(settings)
    log = feedback or FeedbackLog(feedback_path(settings))
    demo = build_app(loader, log, _env_int("RAG_UI_CONCURRENCY", DEFAULT_CONCURRENCY))
    print(f"rag: feedback goes to {log.path}", flush=True)
    api = build_api(lambda: loader.assistant, settings, loader.use)
    app = gr.mount_gradio_app(api, demo, path="/", server_name=host, server_port=port, auth=auth,
                              footer_links=["api"], run_history=False, mcp_server=False,
                              enable_monitoring=False, ssr_mode=False, show_error=True, head=HEAD, css=CSS)
    server = Server(Config(app, host=host, port=port, log_level="warning", timeout_graceful_shutdown=2))
    print(f"rag: page at http://{host}:{port}/, API docs at http://{host}:{port}/docs", flush=True)
    if block:
        server.run()
        return demo
    server.run_in_thread()
    demo.server, demo.is_running = server, True
    return demo
