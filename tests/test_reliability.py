"""Reliability as a hostile user and an unlucky operator meet it (issue 14), tested as black boxes.

Writers are real `rag` processes (`sys.executable -m rag.cli`), killed with SIGKILL, racing each
other, filling a real size-limited tmpfs; readers use the documented Python API
(`Assistant.open(...).ask(...)`). Nothing here looks inside the index folder beyond its one
documented pointer file `CURRENT` and "the manifest", so a new store layout (segments, a commit
file, tombstones) must pass these tests unchanged.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from rag.assistant import Assistant
from rag.store import IndexProblem

RAG = [sys.executable, "-m", "rag.cli"]
EXIT_SKIPPED = 3  # README "Exit codes"


# --- helpers ---------------------------------------------------------------------------------

def rag_env(index_dir: Path, **extra: str) -> dict[str, str]:
    return {**os.environ, "RAG_INDEX_DIR": str(index_dir), "COLUMNS": "200", **extra}


def rag(*args: str | bytes, index_dir: Path, timeout: float = 1200, **extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([*RAG, *args], capture_output=True, text=True, env=rag_env(index_dir, **extra),
                          timeout=timeout)


def start(*args: str, index_dir: Path, **extra: str) -> subprocess.Popen:
    return subprocess.Popen([*RAG, *args], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=rag_env(index_dir, **extra))


def finish(proc: subprocess.Popen, timeout: float = 1200) -> subprocess.CompletedProcess:
    out, err = proc.communicate(timeout=timeout)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


PROGRESS_LINE = re.compile(r"^[\w ]+: \d+/\d+$")


def assert_one_line_failure(proc: subprocess.CompletedProcess, *fragments: str) -> None:
    """A non-zero exit with one line saying why (progress lines aside), never a traceback."""
    assert proc.returncode not in (0, EXIT_SKIPPED), proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr, proc.stderr
    lines = [line for line in proc.stderr.strip().splitlines() if not PROGRESS_LINE.match(line)]
    assert len(lines) == 1, proc.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


@dataclass(frozen=True)
class Article:
    """A tiny article about a made-up water company, and the question only it answers."""

    doc_id: str
    place: str

    @property
    def text(self) -> str:
        return (f"date 2024-05\nÔng Lê Văn {self.place.split()[0]} được bổ nhiệm làm Giám đốc Công ty cấp nước "
                f"{self.place}. Công ty cấp nước {self.place} phục vụ hộ dân ở vùng ven biển.")

    @property
    def question(self) -> str:
        return f"Ai là Giám đốc Công ty cấp nước {self.place}?"


# Made-up two-syllable place names, all different, so that each article is told apart by its
# name's syllables as a real one would be (not by a digit inside one made-up token, which the
# syllable splitter cuts off and which every article then shares).
_SYLLABLES = ["Khương", "Thạch", "Vĩnh", "Bảo", "Lạc", "Tiên", "Quỳnh", "Mỹ", "Đoan", "Hưng", "Xuyên", "Phổ"]
_PLACES = itertools.cycle(f"{a} {b}" for a in _SYLLABLES for b in reversed(_SYLLABLES) if a != b)


def write_articles(folder: Path, tag: str, n: int = 1) -> list[Article]:
    """`n` articles in `folder`; within one test every place name differs (132 before a repeat)."""
    folder.mkdir(parents=True, exist_ok=True)
    articles = [Article(f"{tag}-{i}", next(_PLACES)) for i in range(n)]
    for a in articles:
        (folder / f"{a.doc_id}.txt").write_text(a.text, encoding="utf-8")
    return articles


@pytest.fixture()
def unanswered(base_settings, embedder):
    """Articles the index at `index_dir` does not answer first (it must open to say so)."""
    def check(index_dir: Path, articles: list[Article]) -> list[str]:
        assistant = Assistant.open(index_dir, base_settings)
        return [a.doc_id for a in articles if assistant.ask(a.question).retrieved_doc_ids[:1] != [a.doc_id]]
    return check


def snapshot(folder: Path) -> dict[str, str]:
    """Every file under `folder` with a hash of its bytes: "nothing was written" is equality."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and p.name != ".lock"}


# --- findings 1 and the bar: concurrent writers ----------------------------------------------

@pytest.mark.parametrize("round_", range(5))
@pytest.mark.parametrize("writers", [2, 4])
def test_concurrent_writers_with_different_paths_keep_every_article(tmp_path, writers, round_, unanswered):
    index = tmp_path / "index"
    folders = [tmp_path / f"w{i}" for i in range(writers)]
    articles = [a for i, f in enumerate(folders) for a in write_articles(f, f"r{round_}w{i}", 2)]
    procs = [start("ingest", str(f), index_dir=index) for f in folders]
    results = [finish(p) for p in procs]
    assert [r.returncode for r in results] == [0] * writers, [r.stderr for r in results]
    assert unanswered(index, articles) == []


# --- the bar: kill -9 at random moments of an ingest -----------------------------------------

def test_kill9_at_random_moments_keeps_every_committed_article(tmp_path, unanswered):
    rng = random.Random()
    seed = rng.randrange(1 << 30)
    rng.seed(seed)
    index = tmp_path / "index"
    committed = write_articles(tmp_path / "base", "base", 2)
    began = time.monotonic()
    first = rag("ingest", str(tmp_path / "base"), index_dir=index)
    duration = time.monotonic() - began
    assert first.returncode == 0, first.stderr
    killed: list[tuple[Path, list[Article]]] = []
    for i in range(10):
        folder = tmp_path / f"k{i}"
        articles = write_articles(folder, f"k{i}")
        proc = start("ingest", str(folder), index_dir=index)
        time.sleep(rng.uniform(0.2, 1.05) * duration)  # over the run, the writing end included
        proc.send_signal(signal.SIGKILL)
        finish(proc)
        if proc.returncode == 0:  # finished before the kill: its articles are committed
            committed += articles
        else:
            killed.append((folder, articles))
        assert unanswered(index, committed) == [], f"after kill {i} (seed {seed})"
    rerun = rag("ingest", *[str(f) for f, _ in killed], index_dir=index)
    assert rerun.returncode == 0, rerun.stderr
    assert unanswered(index, committed + [a for _, arts in killed for a in arts]) == [], f"seed {seed}"


# --- findings 2, 9, 10: a damaged pointer or manifest is damage; a read command never writes --

def _damage_current(index: Path, how: str) -> None:
    current = index / "CURRENT"
    if how == "deleted":
        current.unlink()
    else:
        current.write_bytes({"empty": b"", "binary": b"\x00\xff\xfe\x81garbage",
                             "nowhere": b"gen-19700101-000000-000000\n"}[how])


def _manifests(index: Path) -> list[Path]:
    found = [p for p in index.rglob("*manifest*") if p.is_file()]
    assert found, "no manifest in the index"
    return found


def _damage_manifest(index: Path, how: str) -> None:
    import json

    for path in _manifests(index):
        if how == "not-object":
            path.write_text("[1, 2, 3]", encoding="utf-8")
            continue
        data = json.loads(path.read_text(encoding="utf-8"))
        checksums = [k for k, v in data.items() if isinstance(v, dict) and v
                     and all(isinstance(x, str) and len(x) == 64 for x in v.values())]
        assert checksums, "the manifest lists no checksums"
        for key in checksums:
            del data[key]
        path.write_text(json.dumps(data), encoding="utf-8")


DAMAGE = ["current-empty", "current-deleted", "current-binary", "current-nowhere",
          "manifest-not-object", "manifest-no-checksums"]


def test_read_commands_report_damage_in_one_line_and_write_nothing(tmp_path, seed_index_dir):
    copies = {}
    for name in DAMAGE:
        copy = copies[name] = tmp_path / name
        shutil.copytree(seed_index_dir, copy)
        kind, how = name.split("-", 1)
        (_damage_current if kind == "current" else _damage_manifest)(copy, how)
    before = {name: snapshot(copy) for name, copy in copies.items()}
    procs = {name: start("ask", "Who leads Hai Phong police?", index_dir=copy) for name, copy in copies.items()}
    chat = start("chat", index_dir=copies["current-empty"])
    for name, proc in procs.items():
        assert_one_line_failure(finish(proc), "damaged", "rag ingest --rebuild")
        assert snapshot(copies[name]) == before[name], f"{name}: a read command wrote to the index"
    chat_result = finish(chat)
    assert chat_result.returncode != 0 and "damaged" in chat_result.stderr
    assert "Traceback" not in chat_result.stderr


# --- finding 6: --rebuild after damage keeps the folders the index mirrored ------------------

def test_rebuild_after_damaged_manifest_keeps_the_mirrored_folders(tmp_path, unanswered, seed_index_dir):
    index = tmp_path / "index"
    articles = write_articles(tmp_path / "a", "fa", 2) + write_articles(tmp_path / "b", "fb", 2)
    first = rag("ingest", str(tmp_path / "a"), str(tmp_path / "b"), index_dir=index)
    assert first.returncode == 0, first.stderr
    for path in _manifests(index):
        path.write_text("garbage", encoding="utf-8")
    rebuilt = rag("ingest", "--rebuild", index_dir=index)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert unanswered(index, articles) == []
    seeds = Assistant.open(index).ask("Ai là Giám đốc Công an TP Hải Phòng?")
    assert not any(d.startswith("00") for d in seeds.retrieved_doc_ids), "the seed articles were indexed instead"


# --- finding 3: a full disk -------------------------------------------------------------------

@pytest.fixture()
def small_disk(tmp_path):
    """A real 16 MB tmpfs (needs permission to mount; skipped, saying so, where there is none)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(mount)],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        pytest.skip(f"cannot mount a size-limited tmpfs here: {proc.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_full_disk_fails_in_one_line_leaves_nothing_and_a_retry_succeeds(tmp_path, small_disk, unanswered):
    index = small_disk / "index"
    first_articles = write_articles(tmp_path / "a", "da", 3)
    first = rag("ingest", str(tmp_path / "a"), index_dir=index)
    assert first.returncode == 0, first.stderr
    ballast = small_disk / "ballast"
    with ballast.open("wb") as out:  # leave 8 KiB free: less than a new generation needs
        out.write(b"\0" * (shutil.disk_usage(small_disk).free - 8 * 1024))
    before = snapshot(index)
    more = write_articles(tmp_path / "b", "db", 2)
    full = rag("ingest", str(tmp_path / "b"), index_dir=index)
    assert_one_line_failure(full, "No space left on device")
    assert snapshot(index) == before  # no partial generation, no temp file left behind
    assert unanswered(index, first_articles) == []
    ballast.unlink()
    retry = rag("ingest", str(tmp_path / "b"), index_dir=index)
    assert retry.returncode == 0, retry.stderr
    assert unanswered(index, first_articles + more) == []


# --- finding 5: a reader never sees false damage while a writer commits ----------------------

WRITER = textwrap.dedent("""
    import sys
    from pathlib import Path
    from rag.cli import app
    folder, rounds = Path(sys.argv[1]), int(sys.argv[2])
    for i in range(rounds):
        (folder / "tick.txt").write_text(f"Bản tin số {i} về thời tiết.", encoding="utf-8")
        code = app(["ingest"], standalone_mode=False)
        assert code in (None, 0), code
""")


def test_readers_never_see_false_damage_while_a_writer_commits(tmp_path, base_settings, embedder, seed_copy):
    index = tmp_path / "index"
    first = rag("ingest", str(seed_copy), index_dir=index)
    assert first.returncode == 0, first.stderr
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(seed_copy), "25"], env=rag_env(index),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    opens, problems = 0, []
    while writer.poll() is None:
        try:
            Assistant.open(index, base_settings)
            opens += 1
        except IndexProblem as problem:
            problems.append(str(problem))
    out, err = writer.communicate()
    assert writer.returncode == 0, err
    assert opens > 25 and problems == [], f"{len(problems)} of {opens + len(problems)} opens failed: {problems[:2]}"


# --- findings 7 and 12: limits, progress without a terminal, skips and exit codes ------------

def test_oversized_files_and_articles_are_refused_quickly_with_progress(tmp_path, unanswered):
    folder = tmp_path / "in"
    good = write_articles(folder, "ok")
    sentence = "Thời tiết ở vùng ven biển hôm nay có mưa rào và dông rải rác vào buổi chiều. "
    (folder / "huge.txt").write_text(sentence * 40_000, encoding="utf-8")  # ~3.4 MB
    (folder / "long.txt").write_text(sentence * 2_000, encoding="utf-8")  # ~170 kB: ~600 passages
    # Without the limits this run chunks and embeds megabytes (hours on a laptop): the timeout fails it.
    proc = rag("ingest", str(folder), index_dir=tmp_path / "index", timeout=900,
               RAG_MAX_FILE_MB="1", RAG_MAX_PASSAGES="50")
    assert proc.returncode == EXIT_SKIPPED, proc.stderr
    assert "huge.txt" in proc.stderr and "RAG_MAX_FILE_MB" in proc.stderr
    assert "long.txt" in proc.stderr and "RAG_MAX_PASSAGES" in proc.stderr
    assert "Embedding passages: " in proc.stderr  # stderr is a pipe: plain progress lines
    assert "Traceback" not in proc.stderr
    assert unanswered(tmp_path / "index", good) == []


def test_bad_entries_are_named_the_rest_indexed_and_the_exit_code_says_so(tmp_path, unanswered):
    import json

    folder = tmp_path / "in"
    good = write_articles(folder, "good", 2)
    lines = [{"id": "n", "text": 12345}, {"id": "l", "text": ["a", "b"]}, {"id": "d", "text": {"a": 1}},
             {"id": "b", "text": True}, {"id": "y", "text": "Bài có ngày là số.", "date": 2024},
             {"id": "j1", "text": good[0].text.replace(good[0].place, "Zjsonl")}]
    (folder / "c.jsonl").write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in lines), encoding="utf-8")
    (folder / "nul.txt").write_bytes(b"a" * 9000 + b"\x00tail")
    (folder / "utf16.txt").write_bytes("Hà Nội là thủ đô của Việt Nam. ".encode("utf-16-le") * 20)
    (folder / "x.txt").mkdir()
    (folder / "dangling.md").symlink_to(tmp_path / "nowhere.md")
    index = tmp_path / "index"
    proc = rag("ingest", str(folder), str(tmp_path / "missing"), index_dir=index)
    assert proc.returncode == EXIT_SKIPPED, proc.stderr
    assert "Traceback" not in proc.stderr
    skipped = [line for line in proc.stderr.splitlines() if line.startswith("skipped ")]
    expected = {"c.jsonl:1": "'text' must be a string", "c.jsonl:2": "'text' must be a string",
                "c.jsonl:3": "'text' must be a string", "c.jsonl:4": "'text' must be a string",
                "c.jsonl:5": "'date'", "nul.txt": "binary", "utf16.txt": "UTF-16",
                "x.txt": "folder", "dangling.md": "dangling", "missing": "no such file or folder"}
    for name, reason in expected.items():
        assert any(f"{name}:" in line and reason in line for line in skipped), (name, proc.stderr)
    assert len(skipped) == len(expected), proc.stderr
    assert unanswered(index, good) == []
    assert Assistant.open(index).ask("Ai là Giám đốc Công ty cấp nước Zjsonl?").retrieved_doc_ids[:1] == ["j1"]


def test_ingest_exit_code_is_zero_only_when_everything_was_indexed(tmp_path):
    write_articles(tmp_path / "in", "z0")
    assert rag("ingest", str(tmp_path / "in"), index_dir=tmp_path / "index").returncode == 0
    only_missing = rag("ingest", str(tmp_path / "nope"), index_dir=tmp_path / "index")
    assert_one_line_failure(only_missing, "no such file or folder")


# --- findings 9 and 13: questions the command line must take ----------------------------------

def test_question_starting_with_dash_and_invalid_utf8(seed_index_dir):
    dash = start("ask", "-5 độ C là gì?", "--json", index_dir=seed_index_dir)
    bad = subprocess.Popen([*RAG, "ask", b"Ai l\xe0 gi\xe1m \xff\xfe?"], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, env=rag_env(seed_index_dir))
    dash_result, bad_result = finish(dash), finish(bad)
    assert dash_result.returncode == 0, dash_result.stderr
    assert '"question": "-5 độ C là gì?"' in dash_result.stdout
    assert_one_line_failure(bad_result, "UTF-8")


# --- finding 9: `rag serve --port P` with P in use --------------------------------------------

def test_serve_on_a_busy_port_names_the_port_option(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        proc = rag("serve", "--port", str(port), index_dir=tmp_path / "index", timeout=120)
    assert_one_line_failure(proc, str(port), "--port")
    assert "GRADIO_SERVER_PORT" not in proc.stderr
    assert not (tmp_path / "index").exists()
