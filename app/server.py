"""The chat page: Gradio Blocks wired to `ChatSession`s over one shared `Assistant`.

No retrieval or answering happens here; the page turns questions into `Conversation` calls and
answers into HTML (app/render.py). One assistant per process (opened in the background by
`AssistantLoader`, switched to a newer index between questions), one `ChatSession` per browser
session (in `gr.State`), and the conversation history in the browser (`gr.BrowserState`, the
browser's localStorage; nothing of it is stored on the server).

Layout: the chat on the left; on the right (below, on a phone) tabs for the collection of
articles, adding articles, and past conversations.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gradio as gr

from app.assets import CSS, head
from app.collection import Collection
from app.i18n import AUTO, EXAMPLES, SWITCH_CHOICES, label, resolve
from app.loader import STEPS, AssistantLoader
from app.render import status_html
from app.session import ChatSession
from app.upload import Uploader, UploadJob
from rag.chat import Conversation
from rag.config import Settings
from rag.feedback import FeedbackLog, feedback_path, feedback_record
from rag.text import detect_language

# Questions answered at once; the assistant is read-only while serving, so this is safe, and
# more than a few buys nothing on a laptop CPU.
DEFAULT_CONCURRENCY = 4
# Past conversations kept in the browser; the oldest go first.
MAX_HISTORY = 50
# Gradio encrypts a BrowserState with this key. The data is the user's own conversation, kept in
# their browser; a fixed key lets it survive a server restart (a random one would not).
HISTORY_KEY = "rag-vn-conversations"
UPLOAD_POLL_S = 0.25


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
    # `lang` tells the page script which language to relabel Gradio's own buttons in.
    return (f'<div class="rag-header" lang="{language}"><h1>{label(language, "title")}</h1>'
            f'<p>{label(language, "intro")}</p></div>')


def _chrome(language: str, clear_box: bool = False) -> tuple[Any, ...]:
    """Updates for the labelled parts of the page, in the order of `build_app`'s `chrome` list."""
    box = gr.Textbox(placeholder=label(language, "placeholder"))
    if clear_box:
        box = gr.Textbox(value="", placeholder=label(language, "placeholder"))
    return (gr.HTML(_header_html(language)), box,
            gr.Button(label(language, "send")), gr.Button(label(language, "stop")),
            gr.Button(label(language, "new")), gr.Radio(label=label(language, "switch")),
            gr.Tab(label=label(language, "tab_articles")), gr.Tab(label=label(language, "tab_upload")),
            gr.Tab(label=label(language, "tab_history")),
            gr.Textbox(placeholder=label(language, "filter")),
            gr.File(label=label(language, "upload_files")), gr.Button(label(language, "upload_button")),
            gr.Radio(label=label(language, "history_label")), gr.Button(label(language, "delete")))


CHROME_COUNT = len(_chrome("vi"))


def _skips(count: int) -> tuple[Any, ...]:
    return tuple(gr.skip() for _ in range(count))


def _status_banner(loader: AssistantLoader) -> str | None:
    """The start-up banner (in both languages: no question yet), or None once ready."""
    status = loader.status()
    if status.ready:
        return None
    if status.error:
        return status_html([label("vi", "failed", error=status.error), label("en", "failed", error=status.error)])
    lines = []
    for lang in ("vi", "en"):
        what = {1: label(lang, "step_model"), 3: label(lang, "step_open")}.get(status.step) or \
            label(lang, "step_index", done=status.done, total=status.total)
        lines.append(label(lang, "loading", step=status.step, steps=STEPS, what=what, seconds=status.seconds))
    # The bar moves a step at a time, and within the indexing step by passages encoded.
    within = status.done / status.total if status.step == 2 and status.total else 0.0
    return status_html(lines, status.step - 1 + within, STEPS)


def _poll_status(loader: AssistantLoader, collection: Collection) -> tuple[Any, ...]:
    """Banner update, whether the timer polling it should keep running, and the collection
    (filled in once the assistant is ready)."""
    banner = _status_banner(loader)
    running = banner is not None and loader.status().error is None
    return (gr.HTML(banner or "", visible=banner is not None), gr.Timer(active=running),
            *collection.table("", "vi"))


def _upload_lines(job: UploadJob, language: str) -> tuple[list[str], float]:
    """What an upload is doing, and how far along its three steps it is (for the bar)."""
    if job.step == 1:
        return [label(language, "upload_step_check", files=job.files)], 0.0
    if job.step == 2 or not job.finished.is_set():
        if job.total and job.done < job.total:
            return [label(language, "upload_step_embed", done=job.done, total=job.total)], 1 + job.done / job.total
        return [label(language, "upload_step_switch")], 2.0
    return [], 3.0


def _upload_result(job: UploadJob, language: str) -> str:
    lines: list[str] = []
    if job.error:
        lines.append(label(language, "upload_nothing", reason=job.error))
    if job.report:
        lines.append(label(language, "upload_done", added=len(job.report.added),
                           updated=len(job.report.updated), chunks=job.report.chunks))
        lines += [label(language, "upload_skipped", name=s.path, reason=s.reason) for s in job.report.skipped]
    html = status_html(lines, 3 if job.report else 0, 3 if job.report else 0)
    return html.replace('class="rag-status"', f'class="rag-status {"rag-error" if job.error else "rag-done"}"')


def _history_choices(history: list[dict]) -> list[tuple[str, str]]:
    return [(str(item.get("title") or "…"), str(item.get("id"))) for item in history if item.get("id")]


def build_app(loader: AssistantLoader, feedback: FeedbackLog, concurrency: int = DEFAULT_CONCURRENCY,
              uploader: Uploader | None = None) -> gr.Blocks:
    """The page. `loader` hands out the shared assistant; `feedback` receives thumbs up/down;
    `uploader` indexes articles added from the page (None: no upload tab)."""

    def session_for(state: ChatSession | None, choice: str) -> ChatSession | None:
        assistant = loader.refresh()  # a newer committed index is picked up between questions
        if state is None:
            if assistant is None:
                return None
            state = ChatSession(Conversation(assistant))
        state.choice = choice or AUTO
        return state

    def answer_steps(session: ChatSession, question: str) -> Iterator[tuple[Any, ...]]:
        # After Stop, `session.ask` ends within a fraction of a second, LLM or not (app/session.py).
        for step, messages in enumerate(session.ask(question)):
            answer = session.last_answer()
            # Labels and the emptied box once: typing the next question while this one streams is kept.
            chrome = _chrome(session.language, clear_box=True) if step == 0 else _skips(CHROME_COUNT)
            yield (messages, answer.to_json() if answer else None, session, *chrome)

    def respond(message: str, choice: str, state: ChatSession | None) -> Iterator[tuple[Any, ...]]:
        if not (message or "").strip():
            yield _skips(3 + CHROME_COUNT)  # an empty message changes nothing on the page
            return
        session = session_for(state, choice)
        if session is None:
            language = resolve(choice, detect_language(message))
            gr.Warning(label(language, "not_ready"), title=label(language, "not_ready_title"))
            yield _skips(3 + CHROME_COUNT)  # the typed question stays in the box
            return
        yield from answer_steps(session, message)

    def regenerate(choice: str, state: ChatSession | None) -> Iterator[tuple[Any, ...]]:
        session = session_for(state, choice)
        question = session.regenerate() if session else None
        if session is None or question is None:
            yield _skips(3 + CHROME_COUNT)
            return
        yield from answer_steps(session, question)

    def stop(state: ChatSession | None) -> tuple[Any, ...]:
        if state is None or not state.turns or state.turns[-1].answer is not None:
            return gr.skip(), gr.skip()
        state.turns[-1].stopped = True
        return state.messages(), state

    def save_history(state: ChatSession | None, history: list[dict] | None) -> tuple[Any, Any]:
        record = state.to_record() if state else None
        if record is None:
            return gr.skip(), gr.skip()
        history = [h for h in (history or []) if h.get("id") != record["id"]]
        history = [record, *history][:MAX_HISTORY]
        return history, gr.Radio(choices=_history_choices(history), value=record["id"])

    def show_history(history: list[dict] | None) -> Any:
        return gr.Radio(choices=_history_choices(history or []), value=None)

    def open_past(choice: str, picked: str | None, state: ChatSession | None,
                  history: list[dict] | None) -> tuple[Any, ...]:
        assistant = loader.refresh()
        record = next((h for h in history or [] if h.get("id") == picked), None)
        if assistant is None or record is None:
            return gr.skip(), gr.skip(), gr.skip(), *_skips(CHROME_COUNT)
        session = ChatSession.restore(Conversation(assistant), record, choice or AUTO)
        return (session.messages(), session.last_answer().to_json() if session.last_answer() else None,
                session, *_chrome(session.language))

    def delete_past(picked: str | None, state: ChatSession | None,
                    history: list[dict] | None) -> tuple[Any, ...]:
        history = [h for h in history or [] if h.get("id") != picked]
        if state is not None and state.conversation_id == picked:
            state.reset()
            return history, gr.Radio(choices=_history_choices(history), value=None), [], None, state
        return history, gr.Radio(choices=_history_choices(history), value=None), gr.skip(), gr.skip(), state

    def new_conversation(choice: str, state: ChatSession | None) -> tuple[Any, ...]:
        session = session_for(state, choice)
        if session is not None:
            session.reset()
        return [], None, session, gr.Textbox(value=""), gr.Radio(value=None)

    def switch_language(choice: str, state: ChatSession | None, filter_text: str) -> tuple[Any, ...]:
        session = session_for(state, choice)
        messages = session.messages() if session else []
        language = session.language if session else resolve(choice, None)
        return (messages, session, *_chrome(language), *collection.table(filter_text, language))

    def record_feedback(state: ChatSession | None, data: gr.LikeData) -> None:
        if state is None:
            return
        index = data.index if isinstance(data.index, int) else data.index[0]
        turn = state.turn_at(index)
        if turn is None or turn.answer is None:
            return
        if data.liked not in (True, False):  # the thumb was taken back: its line goes
            feedback.set_vote(turn.answer_id, None)
            return
        feedback.set_vote(turn.answer_id, feedback_record(turn.answer, "up" if data.liked else "down"))
        gr.Info(label(state.language, "thanks"), title=label(state.language, "thanks_title"))

    def example_text(data: gr.SelectData) -> str:
        value = data.value
        return value.get("text", "") if isinstance(value, dict) else str(value)

    collection = Collection(loader)

    def filter_articles(text: str, choice: str, state: ChatSession | None) -> tuple[Any, Any]:
        language = state.language if state else resolve(choice, None)
        return collection.table(text, language)

    def open_article(doc_id: str | None, choice: str, state: ChatSession | None) -> str:
        language = state.language if state else resolve(choice, None)
        return collection.article(doc_id or "", state, language)

    def upload(paths: list[str] | None, choice: str, state: ChatSession | None,
               filter_text: str) -> Iterator[tuple[Any, ...]]:
        language = state.language if state else resolve(choice, None)
        if uploader is None:
            yield gr.skip(), gr.skip(), gr.skip(), gr.skip()
            return
        if not paths:
            yield status_html([label(language, "upload_none")]), gr.skip(), gr.skip(), gr.skip()
            return
        job = uploader.start([Path(p) for p in paths])
        if job is None:
            yield status_html([label(language, "upload_busy")]), gr.skip(), gr.skip(), gr.skip()
            return
        while not job.finished.wait(UPLOAD_POLL_S):
            lines, done = _upload_lines(job, language)
            yield status_html(lines, done, 3), gr.skip(), gr.skip(), gr.skip()
        loader.refresh()
        yield (_upload_result(job, language), gr.File(value=None), *collection.table(filter_text, language))

    with gr.Blocks(title="Hỏi đáp tin tức · Ask the news", analytics_enabled=False) as demo:
        state = gr.State(None)
        history = gr.BrowserState([], storage_key="rag-history", secret=HISTORY_KEY)
        with gr.Row(equal_height=True, elem_id="rag-top"):
            header = gr.HTML(_header_html("vi"), scale=4, elem_id="rag-header")
            switch = gr.Radio(SWITCH_CHOICES, value=AUTO, label=label("vi", "switch"), scale=1,
                              elem_id="rag-switch")
        banner = _status_banner(loader)
        status = gr.HTML(banner or "", visible=banner is not None, elem_id="rag-status")
        with gr.Row(elem_id="rag-main"):
            with gr.Column(scale=3, min_width=340):
                chatbot = gr.Chatbot(elem_id="rag-chat", show_label=False, height="62vh", render_markdown=False,
                                     sanitize_html=True, examples=[{"text": q} for q in EXAMPLES],
                                     feedback_options=("Like", "Dislike"), autoscroll=False,
                                     buttons=["copy", "copy_all"])  # no "share": it would post to a hub
                # Gradio's autoscroll (to the bottom) is off: the page script shows each new
                # question at the top with its answer below, which works after reading a citation.
                with gr.Row(equal_height=True, elem_id="rag-ask-row"):
                    box = gr.Textbox(show_label=False, placeholder=label("vi", "placeholder"), lines=1,
                                     max_lines=6, scale=8, elem_id="rag-input", autofocus=False)
                    send = gr.Button(label("vi", "send"), variant="primary", scale=1, min_width=64,
                                     elem_id="rag-send")
                    stop_button = gr.Button(label("vi", "stop"), variant="secondary", scale=1, min_width=64,
                                            elem_id="rag-stop")
                new = gr.Button(label("vi", "new"), size="sm", elem_id="rag-new")
            with gr.Column(scale=2, min_width=340, elem_id="rag-side"):
                with gr.Tabs(elem_id="rag-tabs"):
                    with gr.Tab(label("vi", "tab_articles"), elem_id="rag-tab-articles") as tab_articles:
                        filter_box = gr.Textbox(show_label=False, placeholder=label("vi", "filter"),
                                                elem_id="rag-filter")
                        count = gr.HTML("", elem_id="rag-article-count")
                        articles = gr.Radio(choices=[], show_label=False, elem_id="rag-articles")
                        article = gr.HTML(f'<p class="rag-note">{label("vi", "pick_article")}</p>',
                                          elem_id="rag-article")
                    with gr.Tab(label("vi", "tab_upload"), elem_id="rag-tab-upload",
                                visible=uploader is not None) as tab_upload:
                        files = gr.File(label=label("vi", "upload_files"), file_count="multiple",
                                        file_types=[".txt", ".md", ".jsonl"], elem_id="rag-upload")
                        upload_button = gr.Button(label("vi", "upload_button"), elem_id="rag-upload-button")
                        upload_status = gr.HTML("", elem_id="rag-upload-status")
                    with gr.Tab(label("vi", "tab_history"), elem_id="rag-tab-history") as tab_history:
                        past = gr.Radio(choices=[], label=label("vi", "history_label"), elem_id="rag-past")
                        delete = gr.Button(label("vi", "delete"), size="sm", variant="stop", elem_id="rag-delete")
        last_answer = gr.JSON(visible=False)  # the latest Answer as JSON, for API clients
        timer = gr.Timer(1.0, active=banner is not None)

        chrome = [header, box, send, stop_button, new, switch, tab_articles, tab_upload, tab_history,
                  filter_box, files, upload_button, past, delete]
        ask_outputs = [chatbot, last_answer, state, *chrome]
        ask_inputs = [box, switch, state]
        limits = {"concurrency_id": "ask", "concurrency_limit": concurrency}
        asked = [
            box.submit(respond, ask_inputs, ask_outputs, api_name="ask", **limits),
            send.click(respond, ask_inputs, ask_outputs, api_visibility="private", **limits),
            chatbot.example_select(example_text, None, box, api_visibility="private").then(
                respond, ask_inputs, ask_outputs, api_visibility="private", **limits),
            chatbot.retry(regenerate, [switch, state], ask_outputs, api_visibility="private", **limits),
        ]
        for event in asked:
            event.then(save_history, [state, history], [history, past], api_visibility="private")
        # Stop marks the turn; its answer's event then ends by itself. Not `cancels=`: a cancel that
        # raced the event's last step left the chat's busy overlay over "regenerate" (CI, twice).
        stop_button.click(stop, [state], [chatbot, state], api_visibility="private")
        new.click(new_conversation, [switch, state], [chatbot, last_answer, state, box, past],
                  api_name="new_conversation")
        chatbot.clear(new_conversation, [switch, state], [chatbot, last_answer, state, box, past],
                      api_visibility="private")
        past.input(open_past, [switch, past, state, history], ask_outputs, api_visibility="private")
        delete.click(delete_past, [past, state, history], [history, past, chatbot, last_answer, state],
                     api_visibility="private")
        switch.input(switch_language, [switch, state, filter_box], [chatbot, state, *chrome, articles, count],
                     api_visibility="private")
        chatbot.like(record_feedback, [state], None, api_visibility="private")
        # One filter at a time, the latest keystroke last: results never arrive out of order.
        filter_box.input(filter_articles, [filter_box, switch, state], [articles, count], api_visibility="private",
                         trigger_mode="always_last", concurrency_limit=1)
        articles.input(open_article, [articles, switch, state], article, api_visibility="private")
        upload_button.click(upload, [files, switch, state, filter_box], [upload_status, files, articles, count],
                            api_name="upload", concurrency_id="upload", concurrency_limit=1)
        polled = [status, timer, articles, count]
        timer.tick(lambda: _poll_status(loader, collection), None, polled, api_visibility="private")
        demo.load(lambda: _poll_status(loader, collection), None, polled, api_visibility="private")
        demo.load(show_history, [history], [past], api_visibility="private")
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
    demo = build_app(loader, log, _env_int("RAG_UI_CONCURRENCY", DEFAULT_CONCURRENCY), Uploader(settings))
    print(f"rag: feedback goes to {log.path}", flush=True)
    api = build_api(loader.refresh, settings)
    app = gr.mount_gradio_app(api, demo, path="/", server_name=host, server_port=port, auth=auth,
                              footer_links=["api"], run_history=False, mcp_server=False,
                              enable_monitoring=False, ssr_mode=False, show_error=True, head=head(), css=CSS)
    server = Server(Config(app, host=host, port=port, log_level="warning", timeout_graceful_shutdown=2))
    print(f"rag: page at http://{host}:{port}/, API docs at http://{host}:{port}/docs", flush=True)
    if block:
        server.run()
        return demo
    server.run_in_thread()
    demo.server, demo.is_running = server, True
    return demo

