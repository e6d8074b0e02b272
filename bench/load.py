"""Load on the chat page: 16 concurrent conversations of 3 questions through the page's API,
idle and while an upload is being indexed.

Starts `rag serve` as a subprocess on a free loopback port (over a fresh index of seeds/ unless
--index-dir is given), waits until the assistant is ready, then:
  1. one user asks the three questions of each conversation (warm-up, then the single-user baseline);
  2. N users (default 16), each in their own session, ask their three questions at once (idle);
  3. the XQuAD-vi corpus (240 articles, bench/data/xquad-vi) is uploaded through the page's
     `/upload` event, and while it is being indexed the N users ask again.
Every question goes through the same `/ask` event a browser uses (gradio_client), follow-ups
included. It fails if any call errors, any answer comes back without citations, the upload
fails, or the upload finished before the loaded run did (then it did not measure "during").
Prints a table with p50/p95 latencies, and p95 under load / single-user p50.

Bounded: loopback only, a fixed number of calls, a timeout on every wait; the server is
stopped at the end.

Usage: python bench/load.py [--users 16] [--index-dir DIR] [--concurrency 4] [--no-upload]
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
UPLOAD = ROOT / "bench" / "data" / "xquad-vi" / "corpus.jsonl"
STARTUP_TIMEOUT_S = 600
CALL_TIMEOUT_S = 300

# Three-question conversations with follow-ups, in English, Vietnamese and without diacritics.
CONVERSATIONS = [
    ["Who leads Hai Phong police?", "And Hanoi?", "When did the Hanoi campaign start?"],
    ["Ai là Giám đốc Công an TP Hải Phòng?", "Còn Hà Nội thì sao?", "Ai là Bộ trưởng Bộ Công an?"],
    ["ai la giam doc cong an tp hai phong", "con ha noi thi sao", "Ai là Giám đốc Công an TP Hà Nội?"],
]


@dataclass
class Call:
    user: int
    question: str
    seconds: float
    cited: bool
    error: str | None = None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int, index_dir: Path, concurrency: int) -> subprocess.Popen:
    """`rag serve` on loopback; returns once it says the assistant is ready (or fails)."""
    env = dict(os.environ, RAG_INDEX_DIR=str(index_dir), RAG_UI_CONCURRENCY=str(concurrency),
               RAG_FEEDBACK_PATH=str(index_dir / "feedback.jsonl"), GRADIO_ANALYTICS_ENABLED="False")
    env.pop("RAG_UI_AUTH", None)
    proc = subprocess.Popen([sys.executable, "-m", "rag.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    ready = threading.Event()
    failed: list[str] = []
    tail: list[str] = []

    def watch() -> None:
        for line in proc.stdout:  # keep draining so the server never blocks on a full pipe
            tail[:] = [*tail[-20:], line.rstrip()]
            if "assistant ready" in line:
                ready.set()
            elif "could not start" in line:
                failed.append(line.strip())
                ready.set()
        failed.append("the server exited: " + " | ".join(tail[-5:]))  # output ended: it is gone
        ready.set()

    threading.Thread(target=watch, daemon=True).start()
    if not ready.wait(STARTUP_TIMEOUT_S) or failed or proc.poll() is not None:
        proc.kill()
        raise SystemExit(f"server did not start: {failed or proc.returncode}")
    return proc


def converse(url: str, user: int, questions: list[str]) -> list[Call]:
    """One session (one gradio_client Client) asking its questions in order."""
    from gradio_client import Client

    client = Client(url, verbose=False)
    calls = []
    for question in questions:
        start = time.perf_counter()
        try:
            job = client.submit(question, "auto", api_name="/ask")
            outputs = job.result(timeout=CALL_TIMEOUT_S)
            answer = outputs[1] or {}  # outputs: chatbot, answer JSON, labels
            cited = bool(answer.get("citations")) and not answer.get("abstained", True)
            calls.append(Call(user, question, time.perf_counter() - start, cited))
        except Exception as problem:  # counted and reported, never hidden
            calls.append(Call(user, question, time.perf_counter() - start, False, repr(problem)))
    client.close()
    return calls


@dataclass
class UploadRun:
    seconds: float = 0.0
    finished_at: float = 0.0
    result: str = ""
    error: str | None = None


def upload(url: str, run: UploadRun) -> None:
    """Upload the XQuAD-vi corpus through the page's `/upload` event and wait until it is indexed."""
    from gradio_client import Client, handle_file

    client = Client(url, verbose=False)
    with tempfile.TemporaryDirectory(prefix="rag-upload-") as tmp:
        copy = Path(tmp) / "xquad-vi-upload.jsonl"
        copy.write_bytes(UPLOAD.read_bytes())
        start = time.perf_counter()
        try:
            outputs = client.submit([handle_file(str(copy))], "auto", "", api_name="/upload").result(
                timeout=CALL_TIMEOUT_S * 4)
            run.result = str(outputs[0] if isinstance(outputs, (list, tuple)) else outputs)
            if "rag-done" not in run.result:
                run.error = f"upload did not finish well: {run.result[:300]}"
        except Exception as problem:  # reported, never hidden
            run.error = repr(problem)
        run.seconds = time.perf_counter() - start
        run.finished_at = time.perf_counter()
    client.close()


def many(url: str, users: int) -> tuple[list[Call], float]:
    """`users` sessions asking their conversations at once; the calls and the wall time."""
    t = time.perf_counter()
    with ThreadPoolExecutor(max_workers=users) as pool:
        futures = [pool.submit(converse, url, u, CONVERSATIONS[u % len(CONVERSATIONS)]) for u in range(users)]
        calls = [c for f in futures for c in f.result(timeout=CALL_TIMEOUT_S * 3 + 60)]
    return calls, time.perf_counter() - t


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def row(name: str, calls: list[Call], wall: float) -> str:
    seconds = [c.seconds for c in calls]
    errors = sum(c.error is not None for c in calls)
    uncited = sum(not c.cited for c in calls)
    return (f"| {name} | {len(calls)} | {statistics.median(seconds):.2f} | {percentile(seconds, 0.95):.2f} | "
            f"{max(seconds):.2f} | {len(calls) / wall:.2f} | {errors} | {uncited} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=16)
    parser.add_argument("--concurrency", type=int, default=4, help="RAG_UI_CONCURRENCY for the server")
    parser.add_argument("--index-dir", type=Path, default=None, help="existing index (default: a fresh one)")
    parser.add_argument("--no-upload", action="store_true", help="skip the run during an upload")
    args = parser.parse_args()
    during: list[Call] = []
    run = UploadRun()

    with tempfile.TemporaryDirectory(prefix="rag-load-") as tmp:
        index_dir = args.index_dir or Path(tmp) / "index"
        port = free_port()
        url = f"http://127.0.0.1:{port}/"
        t0 = time.perf_counter()
        proc = start_server(port, index_dir, args.concurrency)
        print(f"server ready in {time.perf_counter() - t0:.1f}s at {url} (concurrency {args.concurrency})")
        try:
            for questions in CONVERSATIONS:  # warm-up: first calls pay for lazy loading
                converse(url, -1, questions)
            t = time.perf_counter()
            single = [c for questions in CONVERSATIONS for c in converse(url, 0, questions)]
            single_wall = time.perf_counter() - t

            loaded, load_wall = many(url, args.users)
            if not args.no_upload:
                uploading = threading.Thread(target=upload, args=(url, run))
                uploading.start()
                time.sleep(3)  # the files reach the server and the indexing starts
                during, during_wall = many(url, args.users)
                during_end = time.perf_counter()
                uploading.join(CALL_TIMEOUT_S * 4)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()

    print()
    print("| scenario | questions | p50 s | p95 s | max s | questions/s | errors | uncited |")
    print("|---|---|---|---|---|---|---|---|")
    print(row("1 user, 3 conversations in turn", single, single_wall))
    print(row(f"{args.users} users at once, 3 questions each", loaded, load_wall))
    if during:
        print(row(f"{args.users} users at once while {UPLOAD.name} (240 articles) is indexed", during, during_wall))
    base = statistics.median(c.seconds for c in single)
    print(f"\np95 under load / single-user p50 = {percentile([c.seconds for c in loaded], 0.95) / base:.1f}x"
          f"  ({os.cpu_count()} CPUs)")
    if during:
        print(f"p95 during the upload / single-user p50 = {percentile([c.seconds for c in during], 0.95) / base:.1f}x;"
              f" the upload took {run.seconds:.1f} s and was still indexing when the loaded run ended: "
              f"{'yes' if run.finished_at > during_end else 'no'}")
    problems = [c for c in single + loaded + during if c.error or not c.cited]
    for c in problems[:10]:
        print(f"problem: user {c.user} {c.question!r}: {c.error or 'answer without citations'}", file=sys.stderr)
    if run.error:
        raise SystemExit(f"the upload failed: {run.error}")
    if during and run.finished_at <= during_end:
        raise SystemExit("the upload finished before the loaded run did: use a bigger upload")
    if problems:
        raise SystemExit(f"{len(problems)} of {len(single) + len(loaded) + len(during)} questions failed or were not cited")


if __name__ == "__main__":
    main()
