"""The `rag` command: ingest, ask, chat, eval (and serve, for the chat page).

Every expected failure (bad path, bad question, missing or damaged index, bad questions file,
full disk, port in use) ends with a one-line message on stderr and a non-zero exit, never a
traceback. Exit codes (README "Exit codes"): 0 done, 1 error (nothing changed), 2 bad command
line, 3 done but some files were skipped (each named on stderr), 130 interrupted.
"""

from __future__ import annotations

import errno
import hashlib
import json
import socket
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, ProgressColumn, TextColumn, TimeRemainingColumn
from rich.table import Table
from rich.text import Text

from rag.assistant import Assistant, BadQuestion, prepare_question
from rag.config import Settings
from rag.corpus import load_corpus
from rag.embedding import ModelError
from rag.evaluation import BadQuestionsFile, evaluate, load_questions
from rag.ingest import IngestReport, NothingToIndex, check, compact, index_documents, ingest
from rag.store import IndexProblem, describe_location

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Ask questions about Vietnamese news articles, in Vietnamese or English.")
out = Console()
err = Console(stderr=True)

EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_SKIPPED = 3
EXIT_INTERRUPTED = 130
# Without a terminal (a log file, CI), progress is a plain line this often instead of a bar.
PLAIN_PROGRESS_SECONDS = 5.0
# A question may start with "-" ("-5 độ C là gì?"): unknown options are taken as the question.
QUESTION_COMMAND = {"ignore_unknown_options": True}

IndexDirOption = Annotated[Optional[Path], typer.Option("--index-dir", help="Index folder (default: RAG_INDEX_DIR or ./index).")]
DatabaseOption = Annotated[Optional[str], typer.Option(
    "--database-url", help="Keep the index in this PostgreSQL database (default: RAG_DATABASE_URL; unset = local files).",
    show_default=False)]


def fail(message: str, code: int = EXIT_ERROR) -> None:
    err.print(f"[red]error:[/red] {escape(message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


@contextmanager
def friendly_errors() -> Iterator[None]:
    try:
        yield
    except (IndexProblem, BadQuestion, BadQuestionsFile, ModelError, NothingToIndex) as problem:
        fail(str(problem))
    except OSError as problem:  # a full disk, a folder that cannot be written, ...
        where = f"{problem.filename}: " if problem.filename else ""
        fail(f"{where}{problem.strerror or problem}")
    except KeyboardInterrupt:
        fail("interrupted", EXIT_INTERRUPTED)


class RateColumn(ProgressColumn):
    """Items per second (e.g. "12.3 passages/s"), from rich's own moving estimate."""

    def __init__(self, unit: str) -> None:
        super().__init__()
        self.unit = unit

    def render(self, task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(f"{speed:.1f} {self.unit}/s" if speed else f"– {self.unit}/s", style="progress.data.speed")


@contextmanager
def progress_bar(label: str, unit: str = "passages") -> Iterator[Callable[[int, int], None]]:
    """A rich progress bar on stderr with rate and time left, handed out as a (done, total) callback.

    A bar needs a terminal; without one (stderr to a file or a pipe) a plain line is printed
    now and then instead, so a long run is never silent.
    """
    if not err.is_terminal:
        yield plain_progress(label)
        return
    columns = (TextColumn(label), BarColumn(), MofNCompleteColumn(), RateColumn(unit), TimeRemainingColumn())
    with Progress(*columns, console=err, transient=True) as bar:
        task = bar.add_task(label, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


def plain_progress(label: str) -> Callable[[int, int], None]:
    """Print `label: done/total` on the first call, at the end, and every PLAIN_PROGRESS_SECONDS."""
    last = [float("-inf")]

    def update(done: int, total: int) -> None:
        now = time.monotonic()
        if done >= total or now - last[0] >= PLAIN_PROGRESS_SECONDS:
            last[0] = now
            err.print(f"{label}: {done}/{total}", highlight=False)

    return update


def settings_for(index_dir: Path | None, database_url: str | None = None) -> Settings:
    return Settings.from_env().with_index_dir(index_dir).with_database(database_url)


def print_report(report: IngestReport, settings: Settings) -> None:
    for skipped in report.skipped:
        err.print(f"skipped {skipped.path}: {skipped.reason}", highlight=False)
    for note in report.notes:
        err.print(f"note: {note}", highlight=False)
    err.print(f"{len(report.added)} added, {len(report.updated)} updated, {len(report.unchanged)} unchanged, "
              f"{len(report.removed)} removed; {report.chunks} passages in {describe_location(settings)} "
              f"({report.seconds:.1f}s)", highlight=False)


def open_or_build(settings: Settings) -> Assistant:
    """Open the index; build it from the seed articles first if there is none yet."""
    with progress_bar("Indexing seed articles") as update:
        assistant, report = Assistant.open_or_build(settings, on_progress=update)
    if report is not None:
        print_report(report, settings)
    return assistant


@app.command("ingest")
def ingest_command(
    paths: Annotated[Optional[list[Path]], typer.Argument(help="Files or folders of .txt, .md, .jsonl articles.")] = None,
    index_dir: IndexDirOption = None,
    database_url: DatabaseOption = None,
    rebuild: Annotated[bool, typer.Option(help="Re-embed everything (e.g. after changing model).")] = False,
    replace: Annotated[bool, typer.Option(help="Index exactly these paths, dropping folders ingested before.")] = False,
) -> None:
    """Index articles; only new or changed files are embedded again, deleted ones leave."""
    settings = settings_for(index_dir, database_url)
    if paths and not any(p.exists() for p in paths):
        fail(f"no such file or folder: {', '.join(map(str, paths))}", EXIT_USAGE)
    with friendly_errors(), progress_bar("Embedding passages") as update:
        report = ingest(list(paths or []), settings, replace_roots=replace, rebuild=rebuild, on_progress=update)
    print_report(report, settings)
    if report.skipped:
        raise typer.Exit(EXIT_SKIPPED)


@app.command("compact")
def compact_command(index_dir: IndexDirOption = None, database_url: DatabaseOption = None) -> None:
    """Merge the index's segments and drop deleted articles' rows (ingest also merges on its own)."""
    settings = settings_for(index_dir, database_url)
    with friendly_errors():
        stats = compact(settings)
    err.print(f"merged {len(stats.merged)} segments into {stats.segments}; "
              f"{stats.bytes_written / 1e6:.1f} MB written", highlight=False)


@app.command("check")
def check_command(index_dir: IndexDirOption = None, database_url: DatabaseOption = None) -> None:
    """Verify every file of the index against its checksum (opening the index only checks sizes)."""
    settings = settings_for(index_dir, database_url)
    with friendly_errors():
        problems = check(settings)
    if problems:
        fail(f"index in {describe_location(settings)} is damaged: {'; '.join(problems)}: "
             f"run `rag ingest --rebuild`")
    err.print(f"index in {describe_location(settings)} is sound", highlight=False)


@app.command("ask", context_settings=QUESTION_COMMAND)
def ask_command(
    question: Annotated[str, typer.Argument(help="A question in Vietnamese or English.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    index_dir: IndexDirOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Answer one question with cited passages."""
    with friendly_errors():
        prepare_question(question)  # an empty or undecodable question fails before the model loads
        assistant = open_or_build(settings_for(index_dir, database_url))
        if not as_json:
            print_stream(assistant.ask_stream(question))
            return
        answer = assistant.ask(question)
    out.print_json(data=answer.to_json(), ensure_ascii=False) if sys.stdout.isatty() else \
        print(json.dumps(answer.to_json(), ensure_ascii=False))


def print_stream(items: Iterator) -> None:
    """Print the answer as it streams; if checking replaced it afterwards, print the checked one."""
    shown = ""
    for item in items:
        if isinstance(item, str):
            shown += item
            print(item, end="", flush=True)
            continue
        if shown:
            print()
        if item.answer != shown:
            if shown:
                err.print("note: the answer above failed its checks; it is replaced by:", highlight=False)
            out.print(item.answer, highlight=False, markup=False)
        print_sources(item)


def print_sources(answer) -> None:
    for note in answer.notes:
        err.print(f"note: {note}", highlight=False, markup=False)
    if answer.citations:
        out.print()
    for c in answer.citations:
        date = "undated" if c.date == "unknown" else c.date
        out.print(f"[{c.n}] {c.title} ({date}) — {c.doc_id}", highlight=False, markup=False)


@app.command("chat")
def chat_command(index_dir: IndexDirOption = None, database_url: DatabaseOption = None) -> None:
    """A conversation in the terminal; follow-ups like "And Hanoi?" use the previous question."""
    from rag.chat import Conversation

    with friendly_errors():
        assistant = open_or_build(settings_for(index_dir, database_url))
        assistant.store.warm()
        conversation = Conversation(assistant)
        out.print("Ask about the articles (Vietnamese or English). /new starts over, /quit or Ctrl-D ends.")
        while True:
            try:
                question = input("\n> ").strip()
            except EOFError:
                break
            if question in ("/quit", "/exit"):
                break
            if question == "/new":
                conversation.reset()
                continue
            if not question:
                continue
            print_stream(conversation.ask_stream(question))


def eval_index_dir(settings: Settings, corpus: Path) -> Path:
    """A private index folder per evaluation corpus, so `--corpus` never touches the default."""
    key = hashlib.sha1(str(corpus.resolve()).encode()).hexdigest()[:10]
    return settings.cache_dir / "eval-indexes" / f"{corpus.stem}-{key}"


def eval_schema(settings: Settings, corpus: Path) -> str:
    """A private PostgreSQL schema per evaluation corpus, beside (never in) the default one."""
    key = hashlib.sha1(str(corpus.resolve()).encode()).hexdigest()[:10]
    stem = "".join(c if c.isalnum() else "_" for c in corpus.stem.lower())[:30]
    return f"{settings.database_schema}_eval_{stem}_{key}"


def metrics_table(report: dict) -> Table:
    table = Table(title=f"Retrieval over documents ({report['n']} questions)")
    keys = list(report["metrics"])
    table.add_column("set")
    for key in keys:
        table.add_column(key, justify="right")
    table.add_row("all", *[f"{report['metrics'][k]:.3f}" for k in keys])
    for lang, metrics in report["by_lang"].items():
        table.add_row(lang, *[f"{metrics[k]:.3f}" for k in keys])
    return table


@app.command("eval")
def eval_command(
    questions: Annotated[Path, typer.Option("--questions", help="JSONL test questions.")],
    corpus: Annotated[Optional[Path], typer.Option("--corpus", help="Index this corpus (in its own index folder) and evaluate on it.")] = None,
    index_dir: IndexDirOption = None,
    database_url: DatabaseOption = None,
    json_out: Annotated[Optional[Path], typer.Option("--json", help="Write the full report here.")] = None,
    report_dir: Annotated[Optional[Path], typer.Option("--report", help="Write an HTML report with plots into this folder.")] = None,
) -> None:
    """Measure hit@k, MRR, nDCG per language, abstention and answer match."""
    settings = settings_for(index_dir, database_url)
    if report_dir is not None and report_dir.exists() and not report_dir.is_dir():
        fail(f"--report must be a folder: {report_dir} is a file", 2)
    with friendly_errors():
        items = load_questions(questions)
        if corpus is not None:
            if not corpus.exists():
                fail(f"no such corpus: {corpus}", 2)
            settings = settings.with_index_dir(index_dir or eval_index_dir(settings, corpus))
            settings = settings.with_database(None, eval_schema(settings, corpus))
            loaded = load_corpus([corpus], max_file_mb=settings.max_file_mb)
            with progress_bar("Indexing corpus") as update:
                report = index_documents(loaded.documents, settings, [str(corpus.resolve())], on_progress=update)
            report.skipped = loaded.skipped
            print_report(report, settings)
        assistant = open_or_build(settings)
        with progress_bar("Asking", "questions") as update:
            result = evaluate(items, assistant.ask, on_progress=update)
    out.print(metrics_table(result))
    a = result["abstention"]
    out.print(f"abstention: {a['abstained_correctly']}/{a['unanswerable']} unanswerable abstained, "
              f"{a['abstained_wrongly']}/{a['answerable']} answerable wrongly abstained; "
              f"answer match {result['answer_match']}", highlight=False)
    if json_out:
        json_out.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    if report_dir:
        from rag.report import worst_misses, write_report  # matplotlib only when a report is asked for

        try:
            page = write_report(result, report_dir, assistant.settings.abstain_thresholds,
                                worst_misses(result, assistant.retrieve), title=f"rag eval: {questions.name}")
        except OSError as problem:
            fail(f"cannot write the report into {report_dir}: {problem.strerror or problem}")
        err.print(f"report: {page}", highlight=False)


@app.command("serve")
def serve_command(
    host: Annotated[str, typer.Option(envvar="RAG_HOST", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(envvar="RAG_PORT", help="Port to listen on.")] = 7860,
    index_dir: IndexDirOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Serve the chat page and the HTTP API, docs at /docs (builds the seed index first if there is none)."""
    check_port(host, port)
    from app.server import launch

    with friendly_errors():
        launch(settings_for(index_dir, database_url), host=host, port=port)


def check_port(host: str, port: int) -> None:
    """Fail with one line naming --port/--host before the page starts, not a server traceback."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server binds
            probe.bind(address)
    except OverflowError:
        fail(f"port {port} is not a port number (0-65535): choose another with --port", EXIT_USAGE)
    except socket.gaierror:
        fail(f"cannot listen on host {host!r} (unknown address): check --host", EXIT_USAGE)
    except OSError as problem:
        if problem.errno == errno.EADDRINUSE:
            fail(f"port {port} on {host} is already in use: choose another with --port")
        fail(f"cannot listen on {host}:{port} ({problem.strerror}): check --host and --port")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
