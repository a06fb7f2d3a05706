"""`chatbot ask`, driven through the CLI entry point and, once, as a real process."""

import io
import json
import subprocess
import sys

import pytest

from chatbot.shells.cli import main


def run(capsys, monkeypatch, args, stdin=None):
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8"))
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_one_question_as_text(capsys, monkeypatch):
    code, out, _ = run(capsys, monkeypatch, ["ask", "what skills do i need to be a manufacturing tech?"])
    assert code == 0
    assert "Teamwork" in out and "You could ask:" in out


def test_one_question_as_json(capsys, monkeypatch):
    code, out, _ = run(capsys, monkeypatch, ["ask", "--json", "do I need a degree?"])
    data = json.loads(out)
    assert code == 0
    assert data["question"] == "do I need a degree?"
    assert data["sources"][0]["id"] == "step.education"
    assert set(data) == {"question", "text", "body", "intent", "confidence", "fallback", "suggestions", "sources",
                         "context"}


def test_questions_from_stdin_one_json_object_per_line_in_order(capsys, monkeypatch):
    stdin = b"how much do they earn?\n\nwhat is step 2\nwhat's the weather?\n"
    code, out, _ = run(capsys, monkeypatch, ["ask", "--json"], stdin)
    lines = [json.loads(line) for line in out.splitlines()]
    assert code == 0
    assert [line["question"] for line in lines] == ["how much do they earn?", "what is step 2", "what's the weather?"]
    assert [line["fallback"] for line in lines] == [True, False, True]


def test_stdin_questions_are_independent_unless_conversation(capsys, monkeypatch):
    stdin = b"what is step 2\nnext\n"
    _, out, _ = run(capsys, monkeypatch, ["ask", "--json"], stdin)
    assert json.loads(out.splitlines()[1])["intent"] == "no_context"
    _, out, _ = run(capsys, monkeypatch, ["ask", "--json", "--conversation"], stdin)
    assert json.loads(out.splitlines()[1])["sources"][0]["id"] == "step.certification"


def test_a_file_of_questions(capsys, monkeypatch, tmp_path):
    path = tmp_path / "questions.txt"
    path.write_text("hello\nwhat are the duties\n", encoding="utf-8")
    code, out, _ = run(capsys, monkeypatch, ["ask", "--file", str(path)])
    assert code == 0
    assert out.startswith("> hello\n") and "> what are the duties\n" in out


def test_invalid_utf8_on_stdin_is_answered_not_a_crash(capsys, monkeypatch):
    code, out, _ = run(capsys, monkeypatch, ["ask", "--json"], b"what is step \xff2\n")
    assert code == 0 and json.loads(out)["question"] == "what is step \ufffd2"


@pytest.mark.parametrize("args, message", [
    (["ask", "   "], "empty"),
    (["ask", "--file", "/nonexistent/questions.txt"], "cannot read"),
])
def test_bad_input_is_a_clear_error_with_exit_code_2(capsys, monkeypatch, args, message):
    code, out, err = run(capsys, monkeypatch, args)
    assert code == 2 and out == ""
    assert message in err and "Traceback" not in err


def test_broken_data_is_exit_1_with_file_and_line(capsys, monkeypatch, data_copy):
    knowledge, intents = data_copy
    (knowledge / "steps.yaml").write_text("category: steps\nitems: [\n", encoding="utf-8")
    code, _, err = run(capsys, monkeypatch, ["ask", "--knowledge", str(knowledge), "--intents", str(intents), "hi"])
    assert code == 1
    assert "steps.yaml:3" in err and "Traceback" not in err


def test_help_explains_the_command(capsys, monkeypatch):
    with pytest.raises(SystemExit) as exit_:
        main(["ask", "--help"])
    out = capsys.readouterr().out
    assert exit_.value.code == 0
    assert "--json" in out and "--conversation" in out and "chatbot ask" in out


def test_the_console_script_runs_as_a_real_process():
    done = subprocess.run([sys.executable, "-m", "chatbot", "ask", "--json", "what is step 3"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["sources"][0]["id"] == "step.certification"
