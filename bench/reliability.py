"""Reliability figures for issue 14: readers opening the index while a writer commits, and
concurrent `rag ingest` runs on different paths. Prints a table of runs and failures.

    python bench/reliability.py [--rounds 30] [--runs 2]

Run it with PYTHONPATH pointing at another checkout to measure that code (e.g. the main branch
before the fixes); the readers use the documented Python API, the writers the `rag` command.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

from rag.assistant import Assistant
from rag.config import PROJECT_ROOT, Settings
from rag.store import IndexProblem

RAG = [sys.executable, "-m", "rag.cli"]
WRITER = textwrap.dedent("""
    import sys
    from pathlib import Path
    from rag.cli import app
    folder, rounds = Path(sys.argv[1]), int(sys.argv[2])
    for i in range(rounds):
        (folder / "tick.txt").write_text(f"Bản tin số {i} về thời tiết.", encoding="utf-8")
        app(["ingest"], standalone_mode=False)
""")


def env(index: Path) -> dict[str, str]:
    return {**os.environ, "RAG_INDEX_DIR": str(index)}


def article(folder: Path, tag: str) -> tuple[str, str]:
    """A tiny article about a made-up company; returns (doc id, the question only it answers)."""
    folder.mkdir(parents=True, exist_ok=True)
    place = f"Zentr{tag}"
    (folder / f"{tag}.txt").write_text(f"Ông Lê Văn {place}an là Giám đốc Công ty cấp nước {place}.", encoding="utf-8")
    return tag, f"Ai là Giám đốc Công ty cấp nước {place}?"


def readers_during_commits(work: Path, settings: Settings, rounds: int) -> tuple[int, int]:
    """Open the index in a loop while a writer commits `rounds` times: (opens, false damage)."""
    import shutil

    folder = work / "seeds"
    shutil.copytree(PROJECT_ROOT / "seeds", folder)
    index = work / "reader-index"
    subprocess.run([*RAG, "ingest", str(folder)], env=env(index), check=True, capture_output=True)
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(folder), str(rounds)], env=env(index),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    opens = failures = 0
    while writer.poll() is None:
        try:
            Assistant.open(index, settings)
        except IndexProblem:
            failures += 1
        opens += 1
    return opens, failures


def concurrent_writers(work: Path, settings: Settings, writers: int, run: int) -> int:
    """Start `writers` ingests of different folders at once; return how many articles are lost."""
    index = work / f"w{writers}-{run}"
    folders = [work / f"w{writers}-{run}-{i}" for i in range(writers)]
    expected = [article(f, f"r{run}n{writers}i{i}") for i, f in enumerate(folders)]
    procs = [subprocess.Popen([*RAG, "ingest", str(f)], env=env(index), stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL) for f in folders]
    for proc in procs:
        proc.wait()
    assistant = Assistant.open(index, settings)
    return sum(assistant.ask(q).retrieved_doc_ids[:1] != [doc] for doc, q in expected)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30, help="writer commits while readers open")
    parser.add_argument("--runs", type=int, default=2, help="runs of 2 and of 4 concurrent writers")
    args = parser.parse_args()
    settings = Settings.from_env()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        started = time.perf_counter()
        opens, failures = readers_during_commits(work, settings, args.rounds)
        rows.append((f"reader opens during {args.rounds} commits", opens, f"{failures} false 'damaged'"))
        for writers in (2, 4):
            lost = [concurrent_writers(work, settings, writers, run) for run in range(args.runs)]
            rows.append((f"{writers} concurrent `rag ingest`, different paths", args.runs,
                         f"{sum(1 for n in lost if n)} runs lost articles ({sum(lost)} of {writers * args.runs})"))
        seconds = time.perf_counter() - started
    print("| scenario | runs | failures |\n|---|---|---|")
    for name, runs, failures_text in rows:
        print(f"| {name} | {runs} | {failures_text} |")
    print(f"\n({seconds:.0f} s)")


if __name__ == "__main__":
    main()
