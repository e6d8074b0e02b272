"""Cold start: a whole `rag ask` process, and `rag serve` until the page and the assistant are up.

Each `ask` is a new Python process timed by `/usr/bin/time` (wall seconds, as a user sees it),
median of --runs, on an index of the seed articles, for the encoder path before issue 12
(RAG_RUNTIME=torch, RAG_SENTENCE_VECTORS=separate) and the default one. The files are read once
before timing, so the figures are a new process, not a cold disk.

Usage: python bench/cold_start.py [--runs 5] [--question "..."] [--no-serve] [--now-only]
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PATHS = {"before: torch, separate sentences": {"RAG_RUNTIME": "torch", "RAG_SENTENCE_VECTORS": "separate"},
         "now (default): onnx fp32, separate sentences": {"RAG_RUNTIME": "onnx", "RAG_SENTENCE_VECTORS": "separate"},
         "fastest: onnx-int8, late sentences": {"RAG_RUNTIME": "onnx-int8", "RAG_SENTENCE_VECTORS": "late"}}
QUESTION = "Ai là Giám đốc Công an TP Hải Phòng?"


def env_for(extra: dict[str, str], index_dir: Path) -> dict[str, str]:
    env = {**os.environ, **extra, "RAG_INDEX_DIR": str(index_dir)}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


def rag(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "rag.cli", *args], env=env, capture_output=True, text=True)


def timed_ask(question: str, env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU (user + system) seconds of one whole `rag ask` process, from /usr/bin/time;
    on a shared machine the CPU seconds are what a quiet one would show as wall time."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as report:
        done = subprocess.run(["/usr/bin/time", "-f", "%e %U %S", "-o", report.name, sys.executable, "-m", "rag.cli",
                               "ask", question, "--json"], env=env, capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(f"rag ask failed: {done.stderr.strip()[-300:]}")
        wall, user, system = map(float, report.read().strip().splitlines()[-1].split())
        return wall, user + system


def import_seconds(env: dict[str, str]) -> float:
    code = "import time; t = time.perf_counter(); import rag.cli; print(time.perf_counter() - t)"
    return float(subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                                check=True).stdout)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve_seconds(env: dict[str, str]) -> tuple[float, float]:
    """Seconds from `rag serve` starting to the page answering, and to the assistant being ready."""
    port = free_port()
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "rag.cli", "serve", "--port", str(port)], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        page = None
        while page is None and time.perf_counter() - started < 120:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2).read(64)
                page = time.perf_counter() - started
            except OSError:
                time.sleep(0.1)
        for line in process.stderr:
            if "assistant ready" in line:
                return page or float("nan"), time.perf_counter() - started
        return page or float("nan"), float("nan")
    finally:
        process.terminate()
        process.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--question", default=QUESTION)
    parser.add_argument("--no-serve", action="store_true")
    parser.add_argument("--now-only", action="store_true", help="only the default path")
    args = parser.parse_args()
    rows = []
    paths = dict(list(PATHS.items())[1:2]) if args.now_only else PATHS
    with tempfile.TemporaryDirectory() as tmp:
        for label, extra in paths.items():
            env = env_for(extra, Path(tmp) / extra["RAG_RUNTIME"])
            built = rag(["ingest", str(ROOT / "seeds")], env)
            if built.returncode != 0:
                raise SystemExit(f"indexing failed: {built.stderr.strip()[-300:]}")
            timed_ask(args.question, env)  # page cache and one-off builds, not timed
            asks = [timed_ask(args.question, env) for _ in range(args.runs)]
            imports = statistics.median(import_seconds(env) for _ in range(3))
            page, ready = (float("nan"),) * 2 if args.no_serve else serve_seconds(env)
            rows.append((label, asks, imports, page, ready))
    print(f"\ncold start on the seed index, {args.runs} whole processes per path (wall, /usr/bin/time)\n")
    print("| path | `rag ask` median wall | runs (wall) | median CPU | `import rag.cli` | serve: page up "
          "| serve: assistant ready |")
    print("|---|---|---|---|---|---|---|")
    for label, asks, imports, page, ready in rows:
        walls, cpus = [a[0] for a in asks], [a[1] for a in asks]
        print(f"| {label} | **{statistics.median(walls):.2f} s** | {', '.join(f'{w:.2f}' for w in walls)} | "
              f"{statistics.median(cpus):.2f} s | {imports:.2f} s | {page:.1f} s | {ready:.1f} s |")


if __name__ == "__main__":
    main()
