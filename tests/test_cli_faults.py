"""The CLI where an outside attack found it weak: closed or full output, closed input, ASCII-only
locales, unreadable lines in an --explain batch, inputs without end, and a YAML CPU bomb. Each
case runs the real console script (`python -m chatbot`) with its file descriptors as a shell
would set them, and expects a clear message and a meaningful exit code, never a traceback."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from chatbot.shells.cli import main

CHATBOT = f"{sys.executable} -m chatbot"
HAVE_DEV_FULL = Path("/dev/full").exists()


def shell(command: str, *, env: dict[str, str] | None = None, memory: int | None = None,
          cpu_seconds: int | None = None) -> subprocess.CompletedProcess[str]:
    """`command` run by bash (so `>&-` and `<&-` mean what they do in a terminal), with limits on
    memory and CPU time so that a regression fails the test rather than the machine."""
    def limits() -> None:
        if memory is not None:
            resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        if cpu_seconds is not None:
            resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds))

    return subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=120,
                          env={**os.environ, **(env or {})}, preexec_fn=limits)


def clean_failure(result: subprocess.CompletedProcess[str], code: int, says: str) -> None:
    assert result.returncode == code, result.stderr
    assert says in result.stderr + result.stdout  # validate reports its problems on stdout
    assert "Traceback" not in result.stderr and "Exception ignored" not in result.stderr


@pytest.fixture(scope="module")
def questions(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("cli") / "questions.txt"
    path.write_text("what skills do I need?\nwhat are the steps?\n", encoding="utf-8")
    return path


# --- 8. closed and full output, closed input, ASCII-only encodings ------------------------------

@pytest.mark.parametrize("command", ['ask "hi"', "ask --json < {q}", "chat < {q}"])
def test_a_closed_standard_output_is_said_plainly(questions, command):
    result = shell(f"{CHATBOT} {command.format(q=questions)} >&-")
    clean_failure(result, 2, "chatbot: error: standard output is closed")


@pytest.mark.skipif(not HAVE_DEV_FULL, reason="needs /dev/full")
@pytest.mark.parametrize("command", ['ask "hi"', 'ask --json "hi"', "chat < {q}", "validate"])
def test_a_full_disk_for_the_output_is_said_plainly(questions, command):
    result = shell(f"{CHATBOT} {command.format(q=questions)} > /dev/full")
    clean_failure(result, 2, "chatbot: error: cannot write the output: No space left on device")


def test_a_closed_standard_input_is_said_plainly():
    clean_failure(shell(f"{CHATBOT} chat <&-"), 2, "chatbot: error: standard input is closed")


@pytest.mark.parametrize("env", [{"PYTHONIOENCODING": "ascii"}, {"LC_ALL": "POSIX", "PYTHONUTF8": "0"}],
                         ids=["PYTHONIOENCODING=ascii", "LC_ALL=POSIX"])
def test_an_ascii_only_terminal_gets_answers_not_a_crash(env):
    question = "whát skílls dö Ì nééd? \u2013 \U0001f914"
    plain = shell(f"{CHATBOT} ask '{question}'", env=env)
    assert plain.returncode == 0 and "Traceback" not in plain.stderr, plain.stderr
    assert "Analysis" in plain.stdout
    as_json = shell(f"{CHATBOT} ask --json '{question}'", env=env)
    assert as_json.returncode == 0, as_json.stderr
    answer = json.loads(as_json.stdout)
    assert answer["question"] == question  # the argument read as the UTF-8 it was, and escaped losslessly
    assert answer["intent"] == "list_skills" and as_json.stdout.isascii()
    piped = shell(f"printf '%s\\n' '{question}' | {CHATBOT} chat", env=env)
    assert piped.returncode == 0 and "Analysis" in piped.stdout and "Traceback" not in piped.stderr


# --- 9. --explain skips an unreadable line like plain ask ---------------------------------------

def test_ask_explain_skips_an_unreadable_line_and_goes_on(bot, monkeypatch, capsys):
    import io

    monkeypatch.setattr("chatbot.shells.cli.load_bot", lambda args, **overrides: bot)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"what skills do I need?\n\x01\x07\nwhat are the steps?\n")))
    assert main(["ask", "--explain", "--json"]) == 0
    out, err = capsys.readouterr()
    assert [json.loads(line)["reply"]["intent"] for line in out.splitlines()] == ["list_skills", "list_steps"]
    assert err == "chatbot: skipped a line: the question is empty\n"


# --- 10. reading within bounds -----------------------------------------------------------------

GIGABYTE = 1 << 30


@pytest.mark.parametrize("command", ["ask < /dev/zero", "ask --file /dev/zero", "chat < /dev/zero"])
def test_a_stream_without_line_breaks_is_refused_not_gathered(command):
    """These grew to gigabytes; under a 1.5 GB address-space limit they now stop with a message."""
    result = shell(f"{CHATBOT} {command}", memory=3 * GIGABYTE // 2)
    clean_failure(result, 2, "line 1 of ")
    assert "is over 16,777,216 bytes long" in result.stderr


@pytest.mark.parametrize("what", ["/dev/zero", "a named pipe", "a folder"])
def test_review_reads_only_a_regular_file(tmp_path, what):
    path = {"/dev/zero": Path("/dev/zero"), "a named pipe": tmp_path / "log.fifo", "a folder": tmp_path}[what]
    if what == "a named pipe":
        os.mkfifo(path)
    clean_failure(shell(f"{CHATBOT} review {path}", memory=3 * GIGABYTE // 2), 2, "not a regular file")


def test_a_10_mb_line_is_answered_and_not_echoed_whole(bot, monkeypatch, capsys):
    import io

    monkeypatch.setattr("chatbot.shells.cli.load_bot", lambda args, **overrides: bot)
    line = "what skills do I need? " + "padding " * (10 * 1024 * 1024 // 8)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(line.encode() + b"\nwhat are the steps?\n")))
    assert main(["ask", "--json"]) == 0
    first, second = (json.loads(row) for row in capsys.readouterr().out.splitlines())
    assert first["intent"] == "list_skills" and second["intent"] == "list_steps"
    limit = bot.settings.max_question_chars
    assert first["question"] == line[:limit].strip()  # what the bot read, not 10 MB


def test_a_long_log_line_is_skipped_as_malformed(tmp_path):
    log = tmp_path / "unanswered.jsonl"
    entry = json.dumps({"time": "2026-01-01T00:00:00Z", "question": "what is the pay", "reply_intent": "fallback",
                        "best_guess": None, "score": 0.2})
    log.write_text(entry + "\n" + '{"question": "' + "x" * 200_000 + '"}\n' + entry + "\n", encoding="utf-8")
    result = shell(f"{CHATBOT} review {log}")
    assert result.returncode == 0 and "2 unanswered questions in 1 group" in result.stdout
    assert "skipped 1 malformed line" in result.stderr


# --- 11. the YAML base-60 CPU bomb -------------------------------------------------------------

def bomb(parts: int = 600_000) -> str:
    """YAML 1.1 reads 1:59:59:... as one base-60 integer; building it took time quadratic in its
    length (88 s of CPU for 663,000 parts, under the 2 MB file limit)."""
    return "1" + ":59" * parts


@pytest.fixture()
def bombed_data(data_copy) -> tuple[Path, Path]:
    knowledge, intents = data_copy
    with (knowledge / "guide.yaml").open("a", encoding="utf-8") as guide:
        guide.write(f"\nbomb: {bomb()}\n")
    assert (knowledge / "guide.yaml").stat().st_size < 2_000_000
    return knowledge, intents


@pytest.mark.parametrize("command", ["validate", "serve --port 0", "ask hi"])
def test_a_base_60_bomb_in_the_data_is_refused_at_once(bombed_data, command):
    """Refused by the loader before any number is built: within a 20 s CPU limit (the bomb alone
    took 88 s), with the file and line."""
    knowledge, intents = bombed_data
    result = shell(f"{CHATBOT} {command} --knowledge {knowledge} --intents {intents}", cpu_seconds=20)
    clean_failure(result, 1, "base-60 numbers")
    assert "guide.yaml:" in result.stderr + result.stdout


def test_a_base_60_bomb_in_an_eval_file_is_refused_at_once(tmp_path):
    cases = tmp_path / "questions.yaml"
    cases.write_text(f"- q: what skills do I need?\n  intent: list_skills\n  item: {bomb()}\n", encoding="utf-8")
    clean_failure(shell(f"{CHATBOT} eval {cases}", cpu_seconds=20), 2, "base-60 numbers")  # a bad input file
