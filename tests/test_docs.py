"""The docs cannot drift: every `chatbot` command shown with its output in the README and docs/
is run, and its output compared with what the page shows; generated sections are current.

In a ```console block, `$ command` is followed by its output. A line of output that starts with
`...` stands for any number of lines (the rest of it is a comment for the reader), and `...`
inside a line for any text on that line.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BLOCK = re.compile(r"```console\n(.*?)```", re.S)


def examples() -> list[tuple[str, str, list[str]]]:
    """(page, command, expected output lines) for each `chatbot` command shown with its output."""
    found = []
    for page in PAGES:
        for block in BLOCK.findall(page.read_text(encoding="utf-8")):
            command, output = None, []
            for line in block.splitlines() + ["$ "]:
                if line.startswith("$ "):
                    if command and command.startswith("chatbot ") and output and not _runs_forever(command):
                        found.append((page.name, command, output))
                    command, output = line[2:].strip(), []
                elif command is not None:
                    output.append(line)
    return found


def _runs_forever(command: str) -> bool:
    """`chatbot serve` and the interactive chat do not end by themselves; their pages show them
    for the reader only (the service's own tests cover what they print)."""
    return command.split()[1] in ("serve", "chat")


def run(command: str) -> str:
    """Run a documented command from the project's root, as a reader would, and return its output."""
    words = shlex.split(command, comments=True)
    script = Path(sys.executable).with_name("chatbot")
    argv = [str(script), *words[1:]] if script.exists() else [sys.executable, "-m", "chatbot", *words[1:]]
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHATBOT_")}
    env.update(COLUMNS="100", NO_COLOR="1")
    result = subprocess.run(argv, capture_output=True, text=True, cwd=ROOT, env=env, timeout=120,
                            stdin=subprocess.DEVNULL)
    return result.stdout + result.stderr


def matches(expected: list[str], actual: str) -> bool:
    """True when the output fits the documented lines (see the module's docstring for `...`)."""
    pattern = []
    for line in expected:
        if line.startswith("..."):
            pattern.append(r"(?:.*\n)*?")
            continue
        pattern.append(".*".join(re.escape(part) for part in line.rstrip().split("...")) + r"[ \t]*\n")
    return re.fullmatch("".join(pattern) + r"(?:\s*)", actual.rstrip() + "\n") is not None


@pytest.mark.parametrize("page, command, expected", examples(), ids=[f"{p}: {c}" for p, c, _ in examples()])
def test_a_documented_command_prints_what_the_page_shows(page: str, command: str, expected: list[str]) -> None:
    actual = run(command)
    assert matches(expected, actual), f"{page} shows for `{command}`:\n" + "\n".join(expected) + \
        f"\n\nbut it prints:\n{actual}"


def test_the_pages_show_commands_to_check() -> None:
    pages = {page for page, _, _ in examples()}
    assert {"README.md", "data-format.md"} <= pages


def test_the_ellipsis_rules() -> None:
    assert matches(["a ... c", "...", "z"], "a b c\nx\ny\nz\n")
    assert matches(["one"], "one\n")
    assert not matches(["one"], "one\ntwo\n")
    assert not matches(["a ... c"], "a b\nc\n")


def test_the_data_format_tables_are_generated_from_the_model() -> None:
    from chatbot.tools.reference import replace_section

    page = ROOT / "docs" / "data-format.md"
    assert replace_section(page.read_text(encoding="utf-8")) == page.read_text(encoding="utf-8"), \
        "docs/data-format.md is stale: run python scripts/update_docs.py"
