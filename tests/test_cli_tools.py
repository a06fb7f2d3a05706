"""The maintainer commands through the CLI: validate, eval, review, ask --explain and the
unanswered log. Each asserts what a person (or a script) sees: output and exit status."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from chatbot.shells.cli import main

DATA = Path(__file__).resolve().parent / "data"
MINIMAL = DATA / "minimal"


@pytest.fixture()
def minimal(tmp_path: Path) -> list[str]:
    """--knowledge/--intents options pointing at a writable copy of the tiny data set."""
    shutil.copytree(MINIMAL, tmp_path / "data")
    return ["--knowledge", str(tmp_path / "data" / "knowledge"), "--intents", str(tmp_path / "data" / "intents")]


def test_validate_clean_data_exits_0(minimal: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", *minimal]) == 0
    assert capsys.readouterr().out == "The data is valid: no problems found.\n"


def test_validate_reports_problems_and_exits_1(minimal: list[str], tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    intents = tmp_path / "data" / "intents" / "main.yaml"
    intents.write_text(intents.read_text().replace("      - hello\n", "      - hello\n      - what are the steps\n"))
    assert main(["validate", *minimal]) == 1
    out = capsys.readouterr().out
    assert f"{intents}:6: list_steps.examples[0]: example 'what are the steps'" in out
    assert out.endswith("1 problem found.\n")


def test_validate_json(minimal: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    knowledge = tmp_path / "data" / "knowledge" / "steps.yaml"
    knowledge.write_text(knowledge.read_text().replace("ordered: true", "ordered: maybe"))
    assert main(["validate", "--json", *minimal]) == 1
    [problem] = json.loads(capsys.readouterr().out)
    assert problem == {"file": str(knowledge), "line": 4, "field": "ordered",
                       "message": "expected true or false, got text 'maybe'"}


def test_validate_a_missing_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--knowledge", str(tmp_path / "nope")]) == 1
    assert "no knowledge files" in capsys.readouterr().out


def write_cases(tmp_path: Path) -> Path:
    path = tmp_path / "cases.yaml"
    path.write_text("- q: what skills do i need\n  intent: list_skills\n"
                    "- q: what is the weather today\n  intent: out_of_scope\n"
                    "- q: what skills do i need\n  intent: list_duties\n", encoding="utf-8")
    return path


def test_eval_prints_the_figures(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", str(write_cases(tmp_path))]) == 0
    out = capsys.readouterr().out
    assert out.startswith("3 questions: 2 in scope, 1 that should fall back\n")
    assert "accuracy             50.0%" in out
    assert "list_duties -> list_skills" in out
    assert "misses (1):\n  line 5: 'what skills do i need'" in out


def test_eval_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", "--json", str(write_cases(tmp_path))]) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["questions"], data["accuracy"], data["fallback_recall"]) == (3, 0.5, 1.0)


def test_eval_min_accuracy_fails_below(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = str(write_cases(tmp_path))
    assert main(["eval", path, "--min-accuracy", "0.4"]) == 0
    assert main(["eval", path, "--min-accuracy", "0.9"]) == 1
    assert "accuracy 0.500 is below 0.9" in capsys.readouterr().err


def test_eval_detects_a_dialogue_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "dialogue.yaml"
    path.write_text("- name: walk\n  turns:\n    - say: how do i become a production technician\n"
                    "      intent: list_steps\n    - say: the first one\n      intent: explain_step\n"
                    "      item: step.education\n", encoding="utf-8")
    assert main(["eval", str(path)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("2 turns: 2 in scope")
    assert "1 of 1 played through without a miss" in out


def test_eval_a_missing_file_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", str(tmp_path / "nope.yaml")]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_eval_a_file_that_is_not_a_labelled_set_is_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("- q: hello\n  intent: greeting\n- q: bye\n")
    assert main(["eval", str(path)]) == 2  # the user's input, not the bot's data (exit 1)
    err = capsys.readouterr().err
    assert "not a labelled set" in err and f"{path}:3" in err


def test_eval_sweeps_a_tuning_value(capsys: pytest.CaptureFixture[str]) -> None:
    questions = str(Path(__file__).parent / "data" / "questions.yaml")
    assert main(["eval", questions, "--sweep", "threshold=0.3,0.9"]) == 0
    low, high = capsys.readouterr().out.splitlines()[1:3]
    assert low.split()[0] == "0.3" and high.split()[0] == "0.9"
    assert float(low.split()[1].rstrip("%")) > float(high.split()[1].rstrip("%"))
    assert main(["eval", questions, "--set", "thresold=0.5"]) == 2
    assert "unknown setting 'thresold'" in capsys.readouterr().err


def test_schema_prints_a_json_schema_for_each_kind_of_file(capsys: pytest.CaptureFixture[str]) -> None:
    import json

    assert main(["schema", "category"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert {"category", "items", "plural"} <= set(schema["properties"]) and "plural" in schema["required"]
    assert schema["properties"]["items"]["items"]["required"][:2] == ["id", "title"]


def test_ask_explain(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", "--explain", "what does step 3 involve"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("question:   what does step 3 involve\n")
    assert "decision:   best score" in out and "answered as explain_step" in out


def test_ask_explain_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", "--explain", "--json", "what skills do i need"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["candidates"][0]["intent"] == "list_skills" and data["reply"]["intent"] == "list_skills"


def test_log_unanswered_then_review(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = tmp_path / "unanswered.jsonl"
    for question in ("how much do technicians earn", "how much does a technician earn", "what skills do i need"):
        assert main(["ask", "--log-unanswered", str(log), question]) == 0
    entries = [json.loads(line) for line in log.read_text().splitlines()]
    assert [e["question"] for e in entries] == ["how much do technicians earn", "how much does a technician earn"]
    assert set(entries[0]) == {"time", "question", "reply_intent", "best_guess", "score"}
    capsys.readouterr()
    assert main(["review", str(log)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("2 unanswered questions in 1 group")
    assert "2x  'how much do technicians earn'  (closest intent: not_covered" in out


def test_the_log_can_be_set_by_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    log = tmp_path / "env.jsonl"
    monkeypatch.setenv("CHATBOT_UNANSWERED_LOG", str(log))
    assert main(["ask", "what is the capital of france"]) == 0
    assert json.loads(log.read_text())["question"] == "what is the capital of france"


def test_review_warns_about_malformed_lines(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = tmp_path / "log.jsonl"
    log.write_text('{"question": "is there overtime", "best_guess": "not_covered", "score": 0.3}\n{oops\n')
    assert main(["review", "--json", str(log)]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["skipped"] == 1
    assert "skipped 1 malformed line(s)" in captured.err


def test_review_a_missing_log_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["review", str(tmp_path / "nope.jsonl")]) == 2
    assert "cannot read" in capsys.readouterr().err
