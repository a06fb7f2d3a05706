"""What the `chatbot` command says about itself: its version, its help texts, its exit codes, and
the install hint for the server extra."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from browser_support import chatbot_serve

import chatbot
from chatbot.shells import cli
from chatbot.shells.cli import main


def command(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """`chatbot ARGS` as a real process, standard input from /dev/null unless given."""
    script = Path(sys.executable).with_name("chatbot")
    argv = [str(script), *args] if script.exists() else [sys.executable, "-m", "chatbot", *args]
    env = {**os.environ, "COLUMNS": "100"}
    if stdin is None:
        with open(os.devnull) as nothing:
            return subprocess.run(argv, stdin=nothing, capture_output=True, text=True, env=env, timeout=60)
    return subprocess.run(argv, input=stdin, capture_output=True, text=True, env=env, timeout=60)


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out == f"chatbot {chatbot.__version__}\n"
    assert chatbot.__version__ not in ("", "0.0.0")  # the installed package's own version


def test_help_lists_the_exit_codes() -> None:
    result = command("--help")
    assert result.returncode == 0
    codes = result.stdout.split("exit codes:\n", 1)[1]
    assert [line.split()[0] for line in codes.splitlines()] == ["0", "1", "2", "130"]


@pytest.mark.parametrize("name", ["ask", "chat", "serve", "validate", "eval", "review", "schema"])
def test_every_help_text_is_wrapped_to_the_terminal(name: str) -> None:
    result = command(name, "--help")
    assert result.returncode == 0
    assert max(len(line) for line in result.stdout.splitlines()) <= 100
    assert "examples:\n  chatbot" in result.stdout  # examples keep their own lines


def test_ask_with_nothing_on_standard_input_is_exit_2() -> None:
    result = command("ask")
    assert result.returncode == 2
    assert result.stderr == "chatbot: error: no question given: the input has no line with a question on it\n"
    assert command("ask", stdin="\n  \n").returncode == 2
    assert command("ask", stdin="what is step 2\n").returncode == 0


def test_eval_of_a_file_with_no_labelled_question_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    empty = tmp_path / "empty.yaml"
    empty.write_text("[]\n", encoding="utf-8")
    assert main(["eval", str(empty)]) == 2
    assert "no labelled questions" in capsys.readouterr().err


def test_serve_writes_the_logs_its_flags_name(tmp_path: Path) -> None:
    unanswered, ratings = tmp_path / "unanswered.jsonl", tmp_path / "feedback.jsonl"
    with chatbot_serve({}, "--log-unanswered", str(unanswered), "--log-feedback", str(ratings)) as url:
        httpx.post(url + "/v1/chat", json={"message": "how much do technicians earn?"})
        httpx.post(url + "/v1/feedback", json={"question": "what skills do I need?", "intent": "list_skills",
                                              "confidence": 1.0, "rating": "down"})
        deadline = time.monotonic() + 5  # the rating is written after the response
        while not ratings.exists() and time.monotonic() < deadline:
            time.sleep(0.02)
    assert json.loads(unanswered.read_text(encoding="utf-8"))["question"] == "how much do technicians earn?"
    assert json.loads(ratings.read_text(encoding="utf-8"))["rating"] == "down"


class Distribution:
    """Installed-package metadata with a given PEP 610 direct_url.json (None: installed from an index)."""

    def __init__(self, direct_url: dict[str, object] | None) -> None:
        self.direct_url = direct_url

    def read_text(self, name: str) -> str | None:
        return json.dumps(self.direct_url) if name == "direct_url.json" and self.direct_url is not None else None


@pytest.mark.parametrize("direct_url, hint", [
    ({"url": "file:///srv/wheels/career-chatbot", "dir_info": {}}, 'pip install "/srv/wheels/career-chatbot[server]"'),
    ({"url": "https://example.com/career_chatbot-0.1.0-py3-none-any.whl", "archive_info": {}},
     'pip install "career-chatbot[server] @ https://example.com/career_chatbot-0.1.0-py3-none-any.whl"'),
    (None, 'pip install "career-chatbot[server]"'),
])
def test_an_installed_copy_gets_the_hint_for_where_it_came_from(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                                direct_url: dict[str, object] | None, hint: str) -> None:
    import importlib.metadata

    installed = tmp_path / "site-packages" / "chatbot" / "shells" / "cli.py"  # no pyproject.toml above it
    monkeypatch.setattr(cli, "__file__", str(installed))
    monkeypatch.setattr(importlib.metadata, "distribution", lambda name: Distribution(direct_url))
    assert cli.server_install_hint() == hint


def test_a_checkout_gets_the_editable_hint_with_its_folder() -> None:
    root = Path(__file__).resolve().parent.parent
    assert cli.server_install_hint() == f'pip install -e "{root}[server]"'
