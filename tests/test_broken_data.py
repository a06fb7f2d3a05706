"""Every kind of broken data file stops the bot from starting, with an error that names the file
and the line, through the library and through the command line, and never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from chatbot import Chatbot, DataError
from chatbot.shells.cli import main

BILLION_LAUGHS = "".join(
    f"l{n}: &l{n} [{', '.join([f'*l{n - 1}'] * 9)}]\n" if n else 'l0: &l0 ["lol"]\n' for n in range(9)
)


@dataclass(frozen=True)
class Break:
    """One way to break one data file: what to write over it, what the error says, and the line."""

    name: str
    file: str
    """Path relative to the copied data folder (knowledge/... or intents/...)."""
    change: Callable[[str], str | bytes]
    """The broken content, from the file's current text."""
    message: str
    line: Callable[[str], int] | int | None
    """The line the error must name: a number, or computed from the original text."""


def replace(old: str, new: str) -> Callable[[str], str]:
    def change(text: str) -> str:
        assert old in text, old
        return text.replace(old, new, 1)
    return change


def line_of(snippet: str) -> Callable[[str], int]:
    return lambda text: text[: text.index(snippet)].count("\n") + 1


def deep(levels: int) -> Callable[[str], str]:
    return lambda text: text + "extra:\n" + "".join("  " * i + "- \n" for i in range(1, levels)) + "  " * levels + "- x\n"


BREAKS = [
    Break("invalid YAML (unclosed bracket)", "knowledge/skills.yaml",
          replace('synonyms: ["skills",', 'synonyms: ["skills",\n  [broken'), "invalid YAML", None),
    Break("invalid YAML (tab indentation)", "knowledge/steps.yaml",
          replace("  - id: step.education", "\t- id: step.education"), "invalid YAML", line_of("  - id: step.education")),
    Break("invalid YAML (two documents)", "intents/smalltalk.yaml", lambda t: t + "---\nintents: []\n",
          "single document", lambda t: t.count("\n") + 1),
    Break("wrong type (text for true/false)", "knowledge/steps.yaml", replace("ordered: true", "ordered: yes please"),
          "expected true or false", line_of("ordered: true")),
    Break("wrong type (text for a list)", "knowledge/duties.yaml", lambda t: t[: t.index("items:\n")] + "items: many\n",
          "expected a list", line_of("items:\n")),
    Break("wrong type (number in a list of text)", "knowledge/skills.yaml",
          replace('synonyms: ["skills", "skill",', 'synonyms: ["skills", 42,'), "expected non-empty text",
          line_of('synonyms: ["skills", "skill",')),
    Break("wrong type (date for text)", "knowledge/steps.yaml", replace("title: Get an education", "title: 2024-01-01"),
          "unsupported value type 'timestamp'", line_of("title: Get an education")),
    Break("wrong type (number too long)", "knowledge/steps.yaml", replace("title: Get an education", "title: " + "9" * 5000),
          "too many digits", line_of("title: Get an education")),
    Break("missing required field", "knowledge/skills.yaml", replace("    title: Teamwork\n", ""),
          "missing required field 'title'", line_of("  - id: skill.teamwork")),
    Break("missing required field (intent answer)", "intents/career.yaml", replace("    answer: list\n", "", ),
          "missing required field 'answer'", line_of("  - name: list_steps")),
    Break("unknown key (typo)", "knowledge/skills.yaml", replace("    short: >-", "    shrt: >-"),
          "did you mean 'short'", line_of("    short: >-")),
    Break("unknown key (typo in an intent)", "intents/career.yaml", replace("    examples:", "    exemples:"),
          "did you mean 'examples'", line_of("    examples:")),
    Break("duplicate key", "knowledge/steps.yaml", replace("ordered: true\n", "ordered: true\nordered: false\n"),
          "duplicate key 'ordered'", lambda t: line_of("ordered: true")(t) + 1),
    Break("empty file", "knowledge/role.yaml", lambda t: "", "file is empty", 1),
    Break("only comments", "knowledge/role.yaml", lambda t: "# nothing here yet\n", "file is empty", 1),
    Break("a list instead of a mapping", "knowledge/topics.yaml", lambda t: "- one\n- two\n", "expected a mapping", 1),
    Break("huge file (over the size limit)", "knowledge/topics.yaml", lambda t: t + "#" * 2_000_001 + "\n",
          "over the limit", None),
    Break("YAML bomb (billion laughs)", "intents/vocabulary.yaml", lambda t: t + BILLION_LAUGHS,
          "aliases", lambda t: t.count("\n") + 1),
    Break("YAML bomb (one long text repeated by aliases)", "knowledge/steps.yaml",
          replace('synonyms: ["steps",', 'synonyms: [&x "' + "steps " * 10_000 + '", *x, *x, *x, *x,'),
          "aliases", line_of('synonyms: ["steps",')),
    Break("YAML bomb (merge key)", "knowledge/steps.yaml", lambda t: t + "a: &a {b: 1}\nc:\n  <<: *a\n",
          "unsupported value type 'merge'", lambda t: t.count("\n") + 3),
    Break("deep nesting (900 levels)", "knowledge/steps.yaml", deep(900), "nested more than", None),
    Break("code execution tag", "knowledge/steps.yaml",
          replace("title: Get an education", "title: !!python/object/apply:os.system ['touch {marker}']"),
          "unsupported value type", line_of("title: Get an education")),
    Break("not UTF-8 (Latin-1)", "knowledge/skills.yaml",
          lambda t: t.replace("title: Teamwork", "title: Teamw\xf6rk").encode("latin-1"),
          "not UTF-8", line_of("title: Teamwork")),
    Break("not UTF-8 (UTF-16)", "knowledge/skills.yaml", lambda t: t.encode("utf-16"), "not UTF-8", 1),
    Break("NUL byte", "intents/smalltalk.yaml", replace("intents:", "intents:\x00"), "NUL byte", line_of("intents:")),
    Break("intent names an unknown item", "intents/role.yaml", replace("item: role.workplaces", "item: role.workplace"),
          "unknown knowledge item 'role.workplace'", line_of("item: role.workplaces")),
    Break("intent with an unknown answer kind", "intents/career.yaml", replace("answer: list", "answer: lsit"),
          "unknown answer 'lsit'", line_of("answer: list")),
    Break("intent defined twice", "intents/smalltalk.yaml",
          lambda t: t + "\n  - name: list_steps\n    answer: text\n    text: hi\n    examples: [hi]\n",
          "defined twice", lambda t: t.count("\n") + 2),
]


def break_file(data: Path, case: Break, marker: Path) -> tuple[Path, int | None]:
    """Apply `case` to the copy under `data`; return the broken file and the line the error must name."""
    path = data / case.file
    text = path.read_text(encoding="utf-8")
    broken = case.change(text)
    if isinstance(broken, str):
        broken = broken.replace("{marker}", str(marker)).encode("utf-8")
    path.write_bytes(broken)
    line = case.line(text) if callable(case.line) else case.line
    return path, line


@pytest.fixture()
def data(data_copy) -> Path:
    return data_copy[0].parent


@pytest.mark.parametrize("case", BREAKS, ids=[b.name for b in BREAKS])
def test_the_library_refuses_to_load_with_file_and_line(data, case, tmp_path):
    marker = tmp_path / "code-ran"
    path, line = break_file(data, case, marker)
    with pytest.raises(DataError, match=case.message) as error:
        Chatbot.load(data / "knowledge", data / "intents")
    assert Path(error.value.path) == path
    if line is not None:
        assert error.value.line == line
        assert f"{path}:{line}: " in str(error.value)
    assert not marker.exists()


@pytest.mark.parametrize("case", BREAKS, ids=[b.name for b in BREAKS])
def test_chatbot_ask_exits_1_naming_the_file_and_answers_nothing(data, case, tmp_path, capsys):
    path, line = break_file(data, case, tmp_path / "code-ran")
    code = main(["ask", "--knowledge", str(data / "knowledge"), "--intents", str(data / "intents"), "what are the steps?"])
    out, err = capsys.readouterr()
    assert code == 1 and out == ""
    assert err.startswith("chatbot: error: ") and str(path) + (f":{line}: " if line else ":") in err
    assert len(err.splitlines()) == 1


def test_a_traceback_never_reaches_the_user(data, tmp_path):
    """The real console script, for the cases most likely to escape as a Python exception."""
    for case in (BREAKS[7], BREAKS[20], BREAKS[23]):  # long number, deep nesting, UTF-16
        break_file(data, case, tmp_path / "code-ran")
    result = subprocess.run([sys.executable, "-m", "chatbot", "ask", "--knowledge", str(data / "knowledge"),
                             "--intents", str(data / "intents"), "hello"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 1 and result.stdout == ""
    assert "Traceback" not in result.stderr and result.stderr.startswith("chatbot: error: ")


@pytest.mark.parametrize("command", [["chat"], ["serve", "--port", "0"]])
def test_no_shell_starts_on_broken_data(data, command, capsys):
    (data / "knowledge" / "skills.yaml").write_text("category: [\n", encoding="utf-8")
    assert main([command[0], "--knowledge", str(data / "knowledge"), "--intents", str(data / "intents"), *command[1:]]) == 1
    assert "skills.yaml:" in capsys.readouterr().err


@pytest.mark.parametrize("what", ["a folder", "a device", "a pipe", "a dangling link"])
def test_a_yaml_name_on_something_that_is_not_a_file(data, what):
    path = data / "knowledge" / "extra.yaml"
    if what == "a folder":
        path.mkdir()
    elif what == "a device":
        path.symlink_to("/dev/zero")  # would never stop reading if read whole
    elif what == "a pipe":
        os.mkfifo(path)  # would block forever if opened
    else:
        path.symlink_to(data / "nowhere.yaml")
    with pytest.raises(DataError, match="not a regular file|cannot read file") as error:
        Chatbot.load(data / "knowledge", data / "intents")
    assert error.value.path == str(path)


def test_missing_vocabulary_and_empty_folders(data, tmp_path):
    (data / "intents" / "vocabulary.yaml").unlink()
    with pytest.raises(DataError, match="missing vocabulary.yaml"):
        Chatbot.load(data / "knowledge", data / "intents")
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match="no knowledge files"):
        Chatbot.load(tmp_path / "empty", data / "intents")


def test_a_file_just_under_the_size_limit_loads(data):
    """The size cap refuses what is over it, not what is near it: a big but valid file loads."""
    path = data / "knowledge" / "topics.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text + "#" * (1_999_000 - len(text.encode("utf-8"))) + "\n", encoding="utf-8")
    assert Chatbot.load(data / "knowledge", data / "intents").ask("what are the steps?").intent == "list_steps"


def test_a_good_load_after_a_bad_one_is_whole(data, bot):
    """Loading is all or nothing: nothing from a failed load leaks into the next."""
    steps = data / "knowledge" / "steps.yaml"
    good = steps.read_bytes()
    steps.write_bytes(good.replace(b"ordered: true", b"ordered: maybe"))
    with pytest.raises(DataError):
        Chatbot.load(data / "knowledge", data / "intents")
    steps.write_bytes(good)
    reloaded = Chatbot.load(data / "knowledge", data / "intents")
    assert reloaded.ask("what are the steps?") == bot.ask("what are the steps?")
