"""The unanswered-question log holds only whole JSON lines, whatever happens to its writers, and
a log that cannot be written never stops the bot from answering: pipes are written without
blocking, a size cap rotates it, and a failure is warned about once per run of failures."""

from __future__ import annotations

import dataclasses
import fcntl
import json
import multiprocessing
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from chatbot import Chatbot
from chatbot.dialogue.reply import Reply
from chatbot.shells.cli import main
from chatbot.tools import unanswered

REPLY = Reply("Sorry, I am not sure.", "fallback", 0.25, True)
UNANSWERABLE = "what is the salary of a production technician"


class Warnings(list):
    """Collects what a log warns about."""

    def __call__(self, message: str) -> None:
        self.append(message)


def log_at(path: Path, **options) -> tuple[unanswered.UnansweredLog, Warnings]:
    warnings = Warnings()
    return unanswered.UnansweredLog(path, warn=warnings, **options), warnings


def entries(path: Path) -> list[dict]:
    """Every line of the log, parsed; fails the test on a line that is not a whole JSON object."""
    raw = path.read_bytes()
    assert raw == b"" or raw.endswith(b"\n"), "the log ends in the middle of a line"
    return [json.loads(line) for line in raw.decode("utf-8").splitlines()]


def logging_bot(bot: Chatbot, log: Path | str) -> Chatbot:
    """The shared bot with the unanswered log switched on (loading is the slow part, so reuse it)."""
    settings = dataclasses.replace(bot.settings, unanswered_log=Path(log))
    return Chatbot(bot.content, bot.matcher, settings)


def test_an_entry_is_one_json_line_with_what_a_reviewer_needs(tmp_path):
    log = tmp_path / "unanswered.jsonl"
    assert unanswered.record(log, "how much do they earn?", REPLY, "not_covered")
    [entry] = entries(log)
    assert entry["question"] == "how much do they earn?"
    assert entry["reply_intent"] == "fallback" and entry["best_guess"] == "not_covered"
    assert entry["score"] == 0.25 and entry["time"].endswith("Z")


@pytest.mark.parametrize("question", ["x" * 1_000_000, "\x00\x1b" * 50_000, "\U0001f600" * 100_000,
                                      "\ud800 lone surrogate " * 1000, '"\\' * 100_000],
                         ids=["1MB", "control", "emoji", "surrogates", "quotes"])
def test_an_entry_never_exceeds_one_page(tmp_path, question):
    log = tmp_path / "unanswered.jsonl"
    assert unanswered.record(log, question, REPLY, "x" * 10_000)
    assert len(log.read_bytes()) <= unanswered.MAX_ENTRY_BYTES
    [entry] = entries(log)
    assert entry["question"] and question.startswith(entry["question"].replace("?", "\ud800"))


def _write_many(path: str, writer: int, count: int) -> None:
    for n in range(count):
        question = f"writer {writer} question {n} " + "padding " * (n % 300)
        unanswered.record(Path(path), question, REPLY, None)


def test_concurrent_writers_never_interleave(tmp_path):
    log = tmp_path / "unanswered.jsonl"
    context = multiprocessing.get_context("spawn")
    writers = [context.Process(target=_write_many, args=(str(log), w, 500)) for w in range(4)]
    for process in writers:
        process.start()
    for process in writers:
        process.join(timeout=60)
        assert process.exitcode == 0
    questions = [e["question"] for e in entries(log)]
    assert len(questions) == 2000
    for writer in range(4):
        assert len([q for q in questions if q.startswith(f"writer {writer} ")]) == 500


WRITER_LOOP = """
import sys
from pathlib import Path
from chatbot.tools import unanswered
from chatbot.dialogue.reply import Reply
reply = Reply("?", "fallback", 0.1, True)
n = 0
while True:
    unanswered.record(Path(sys.argv[1]), f"question {n} " + "long " * 700, reply, None)
    n += 1
"""


def test_a_writer_killed_mid_write_leaves_only_whole_lines(tmp_path):
    log = tmp_path / "unanswered.jsonl"
    writer = subprocess.Popen([sys.executable, "-c", WRITER_LOOP, str(log)])
    try:
        deadline = time.monotonic() + 30
        while (not log.exists() or log.stat().st_size < 500 * unanswered.MAX_ENTRY_BYTES) and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        writer.send_signal(signal.SIGKILL)
        writer.wait()
    assert writer.returncode == -signal.SIGKILL
    raw = log.read_bytes()
    whole = raw[: raw.rfind(b"\n") + 1]
    assert len([json.loads(line) for line in whole.splitlines()]) >= 400
    assert unanswered.record(log, "after the crash", REPLY, None)
    assert entries(log)[-1]["question"] == "after the crash"


def test_an_entry_torn_by_a_crash_is_dropped_by_the_next_writer(tmp_path):
    log = tmp_path / "unanswered.jsonl"
    unanswered.record(log, "first", REPLY, None)
    whole = log.read_bytes()
    log.write_bytes(whole + whole[:40])  # what a writer killed after 40 bytes would leave
    assert unanswered.record(log, "second", REPLY, None)
    assert [e["question"] for e in entries(log)] == ["first", "second"]


def test_text_that_is_not_ours_is_never_cut(tmp_path):
    log = tmp_path / "notes.txt"
    log.write_bytes(b"someone's notes without a final newline")
    assert unanswered.record(log, "a question", REPLY, None)
    first, second = log.read_bytes().split(b"\n", 1)
    assert first == b"someone's notes without a final newline"
    assert json.loads(second)["question"] == "a question"


def test_a_short_write_is_taken_back(tmp_path, monkeypatch, capsys):
    log = tmp_path / "unanswered.jsonl"
    unanswered.record(log, "kept", REPLY, None)
    real_write = os.write
    monkeypatch.setattr(unanswered.os, "write", lambda fd, data: real_write(fd, data[: len(data) // 2]))
    assert unanswered.record(log, "half written", REPLY, None) is False
    monkeypatch.undo()
    assert [e["question"] for e in entries(log)] == ["kept"]
    assert "disk is full" in capsys.readouterr().err


@pytest.mark.parametrize("where", ["parent is a file", "a folder", "no such folder"])
def test_an_unwritable_path_warns_once_and_returns_false(tmp_path, capsys, where):
    (tmp_path / "file").write_text("x")
    path = {"parent is a file": tmp_path / "file" / "log.jsonl", "a folder": tmp_path,
            "no such folder": tmp_path / "missing" / "log.jsonl"}[where]
    log = unanswered.UnansweredLog(path)
    results = [log.record(f"question {n}", REPLY, None) for n in range(3)]
    assert results == [False, False, False]
    warnings = capsys.readouterr().err.strip().splitlines()
    assert len(warnings) == 1 and str(path) in warnings[0] and "answering goes on" in warnings[0]


def test_a_failure_is_warned_again_after_the_log_recovers(tmp_path):
    """One warning per run of failures: locked (warned), written again (said so), locked again
    (warned again), not one warning per entry and not one for ever."""
    path = tmp_path / "unanswered.jsonl"
    path.touch()
    log, warnings = log_at(path)
    with open(path, "rb") as holder:
        fcntl.flock(holder.fileno(), fcntl.LOCK_EX)
        assert [log.record("q", REPLY, None) for _ in range(3)] == [False] * 3
        fcntl.flock(holder.fileno(), fcntl.LOCK_UN)
        assert log.record("q", REPLY, None) and log.record("q", REPLY, None)
        fcntl.flock(holder.fileno(), fcntl.LOCK_EX)
        assert log.record("q", REPLY, None) is False
    assert len(warnings) == 3
    assert "locked" in warnings[0] and "written again" in warnings[1] and "locked" in warnings[2]


def test_a_pipe_nobody_reads_is_skipped_at_once(tmp_path):
    fifo = tmp_path / "unanswered.fifo"
    os.mkfifo(fifo)
    log, warnings = log_at(fifo)
    assert finishes(lambda: [log.record("q", REPLY, None) for _ in range(3)]) == [False] * 3
    assert len(warnings) == 1 and "nobody is reading" in warnings[0]


def test_a_stalled_reader_never_blocks_the_writer(tmp_path):
    """A reader that opened the pipe and stopped reading: the pipe fills, and then each entry is
    skipped at once (the first version blocked for ever, and the service with it)."""
    fifo = tmp_path / "unanswered.fifo"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        log, warnings = log_at(fifo)
        results = finishes(lambda: [log.record(f"question {n}", REPLY, None) for n in range(2000)])
        assert results[0] is True and results[-1] is False  # 64 KiB of pipe took a few hundred entries
        assert len(warnings) == 1 and "not keeping up" in warnings[0]
        received = os.read(reader, 1 << 20)
        assert all(json.loads(line)["question"].startswith("question ") for line in received.splitlines())
        assert log.record("after the reader caught up", REPLY, None)
        assert "written again" in warnings[-1]
    finally:
        os.close(reader)


def finishes(work, timeout: float = 30.0):
    """Run `work` in a thread and return its result, failing (not hanging) if it blocks."""
    result: list = []
    thread = threading.Thread(target=lambda: result.append(work()), daemon=True)
    thread.start()
    thread.join(timeout)
    assert not thread.is_alive(), "writing the log blocked"
    return result[0]


def test_the_log_is_rotated_at_its_size_cap(tmp_path):
    path = tmp_path / "unanswered.jsonl"
    log, warnings = log_at(path, max_bytes=2_000)
    for n in range(40):
        assert log.record(f"question {n} " + "x" * 100, REPLY, None)
    backup = tmp_path / "unanswered.jsonl.1"
    assert path.stat().st_size <= 2_000 and backup.stat().st_size <= 2_000
    newest = [e["question"] for e in entries(path)]
    older = [e["question"] for e in entries(backup)]
    assert newest[-1].startswith("question 39 ") and older and int(older[-1].split()[1]) + 1 == int(newest[0].split()[1])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["unanswered.jsonl", "unanswered.jsonl.1"]
    assert warnings == []


def _write_rotating(path: str, writer: int, count: int) -> None:
    log = unanswered.UnansweredLog(Path(path), max_bytes=30_000)
    for n in range(count):
        log.record(f"writer {writer} question {n} " + "padding " * (n % 40), REPLY, None)


def test_concurrent_writers_rotate_without_tearing_a_line(tmp_path):
    log = tmp_path / "unanswered.jsonl"
    context = multiprocessing.get_context("spawn")
    writers = [context.Process(target=_write_rotating, args=(str(log), w, 400)) for w in range(4)]
    for process in writers:
        process.start()
    for process in writers:
        process.join(timeout=60)
        assert process.exitcode == 0
    for path in (log, tmp_path / "unanswered.jsonl.1"):
        assert path.stat().st_size <= 30_000
        assert all(e["question"].startswith("writer ") for e in entries(path))
    assert any(e["question"].startswith("writer ") and " 399 " in e["question"] for e in entries(log))


def test_the_service_writes_the_log_off_the_event_loop(tmp_path, bot, monkeypatch):
    """Answering hands the entry over and goes on: the write happens in the log's own thread."""
    asyncio = pytest.importorskip("asyncio")
    httpx = pytest.importorskip("httpx")
    from chatbot.shells.server.app import create_app

    threads: list[str] = []
    real_append = unanswered._append
    monkeypatch.setattr(unanswered, "_append", lambda *a: (threads.append(threading.current_thread().name),
                                                           real_append(*a))[1])
    path = tmp_path / "unanswered.jsonl"
    app = create_app(bot, dataclasses.replace(bot.settings, unanswered_log=path))

    async def run() -> int:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://chatbot") as client:
            response = await client.post("/v1/chat", json={"message": UNANSWERABLE})
            return response.status_code

    assert asyncio.run(run()) == 200
    assert app.state.service.log_writer.flush(10)
    assert threads == ["unanswered-log"]
    assert [e["question"] for e in entries(path)] == [UNANSWERABLE]


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_a_full_disk_warns_and_returns_false(capsys):
    assert unanswered.record(Path("/dev/full"), "question", REPLY, None) is False
    assert "No space left" in capsys.readouterr().err


def test_a_log_locked_for_too_long_is_skipped_not_waited_for(tmp_path, capsys):
    log = tmp_path / "unanswered.jsonl"
    log.touch()
    with open(log, "rb") as holder:
        fcntl.flock(holder.fileno(), fcntl.LOCK_EX)
        assert unanswered.record(log, "question", REPLY, None) is False
    assert "locked" in capsys.readouterr().err
    assert unanswered.record(log, "question", REPLY, None)


def test_the_library_itself_writes_no_log(bot, tmp_path):
    """`Chatbot.ask` decides and writes nothing; the shells attach the log."""
    log = tmp_path / "unanswered.jsonl"
    logging = logging_bot(bot, log)
    assert logging.ask(UNANSWERABLE) == bot.ask(UNANSWERABLE)
    assert not log.exists()


def test_chatbot_ask_logs_what_it_could_not_answer_and_nothing_else(tmp_path, capsys):
    log = tmp_path / "unanswered.jsonl"
    questions = tmp_path / "questions.txt"
    questions.write_text(f"what skills do I need?\n{UNANSWERABLE}\n", encoding="utf-8")
    assert main(["ask", "--log-unanswered", str(log), "--file", str(questions)]) == 0
    [entry] = entries(log)
    assert entry["question"] == UNANSWERABLE and entry["reply_intent"] == "not_covered"
    assert "best_guess" in entry


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_chatbot_ask_answers_with_a_full_disk(capsys):
    assert main(["ask", "--log-unanswered", "/dev/full", UNANSWERABLE]) == 0
    out, err = capsys.readouterr()
    assert out.strip() and "warning" in err and "Traceback" not in err
