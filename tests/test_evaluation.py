"""Scoring labelled questions and dialogues: the figures `chatbot eval` prints."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chatbot import Chatbot
from chatbot.errors import DataError
from chatbot.tools.evaluation import evaluate, evaluate_file, is_dialogue_file, load_cases, load_dialogues

QUESTIONS = """\
- q: what skills do i need
  intent: list_skills
- q: how do i become a production technician
  intent: list_steps
- q: what does step 3 involve
  intent: explain_step
  item: step.certification
- q: what does step 3 involve
  intent: explain_step
  item: step.education
- q: what is the weather like today
  intent: out_of_scope
- q: what skills do i need
  intent: not_covered
"""

DIALOGUES = """\
- name: steps then the third
  turns:
    - say: how do i become a production technician
      intent: list_steps
    - say: the third one
      intent: explain_step
      item: step.certification
- name: a wrong label
  turns:
    - say: what skills do i need
      intent: list_duties
"""


@pytest.fixture(scope="module")
def bundled() -> Chatbot:
    return Chatbot.load()


def write(tmp_path: Path, text: str, name: str = "cases.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_accuracy_and_fallback_figures(bundled: Chatbot, tmp_path: Path) -> None:
    report = evaluate(bundled, load_cases(write(tmp_path, QUESTIONS)))
    assert len(report.outcomes) == 6 and len(report.in_scope) == 4
    assert report.accuracy == 3 / 4  # step 3 is not step.education
    assert report.fallback_rate == 1 / 2  # "what skills do i need" is answered, not a fallback
    assert report.fallback_precision == 1.0  # the only fallback was meant


def test_every_miss_says_what_was_expected_and_what_came_back(bundled: Chatbot, tmp_path: Path) -> None:
    report = evaluate(bundled, load_cases(write(tmp_path, QUESTIONS)))
    misses = report.to_dict()["misses"]
    assert [m["line"] for m in misses] == [8, 13]
    assert misses[0]["expected"] == {"intent": ["explain_step"], "item": ["step.education"]}
    assert misses[0]["got"]["item"] == "step.certification"
    assert misses[1]["got"]["intent"] == "list_skills"


def test_per_intent_table_and_confusions(bundled: Chatbot, tmp_path: Path) -> None:
    report = evaluate(bundled, load_cases(write(tmp_path, QUESTIONS)))
    table = report.per_intent()
    assert table["list_skills"]["recall"] == 1.0 and table["list_skills"]["precision"] == 0.5
    assert table["explain_step"]["recall"] == 0.5 and table["explain_step"]["support"] == 2
    confusions = report.confusions()
    assert ("explain_step", "explain_step (step.certification)", 1) in confusions
    assert ("not_covered", "list_skills", 1) in confusions


def test_the_text_report_has_the_summary_table_and_misses(bundled: Chatbot, tmp_path: Path) -> None:
    text = evaluate(bundled, load_cases(write(tmp_path, QUESTIONS))).to_text()
    lines = text.splitlines()
    assert lines[0] == "6 questions: 4 in scope, 2 that should fall back"
    assert lines[1].startswith("accuracy") and "75.0%" in lines[1] and "(3 of 4 in-scope answered right)" in lines[1]
    assert "fallback recall" in lines[2] and "50.0%" in lines[2]
    assert "fallback precision" in lines[3] and "100.0%" in lines[3]
    assert "most confused (expected -> got):" in text
    assert "misses (2):" in text
    assert "  line 8: 'what does step 3 involve'" in lines
    assert any(line.strip().startswith("expected explain_step (step.education); got explain_step (step.certification)")
               for line in lines)


def test_dialogues_are_scored_turn_by_turn(bundled: Chatbot, tmp_path: Path) -> None:
    report = evaluate_file(bundled, write(tmp_path, DIALOGUES))
    assert len(report.outcomes) == 3
    assert report.dialogues() == {"steps then the third": (2, 2), "a wrong label": (0, 1)}
    assert "1 of 2 played through without a miss" in report.to_text()
    assert report.to_dict()["dialogues"][1] == {"name": "a wrong label", "turns": 1, "right": 0}
    assert "'a wrong label', line 10: 'what skills do i need'" in report.to_text()


def test_a_file_is_recognised_by_its_kind(tmp_path: Path) -> None:
    assert is_dialogue_file(load_yaml(write(tmp_path, DIALOGUES)))
    assert not is_dialogue_file(load_yaml(write(tmp_path, QUESTIONS)))
    assert len(load_dialogues(write(tmp_path, DIALOGUES))) == 2


def test_the_report_is_json_ready(bundled: Chatbot, tmp_path: Path) -> None:
    data = evaluate_file(bundled, write(tmp_path, QUESTIONS)).to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["accuracy"] == 0.75 and "dialogues" not in data


@pytest.mark.parametrize("text, line", [
    ("- q: hello\n", 1),
    ("- q: hello\n  intent: greeting\n- intent: greeting\n", 3),
    ("q: hello\n", 1),
])
def test_a_malformed_case_file_names_the_line(tmp_path: Path, text: str, line: int) -> None:
    with pytest.raises(DataError) as error:
        load_cases(write(tmp_path, text))
    assert error.value.line == line


def test_the_bundled_labelled_sets_load() -> None:
    data = Path(__file__).resolve().parent / "data"
    assert len(load_cases(data / "questions.yaml")) > 100
    assert len(load_dialogues(data / "dialogues.yaml")) > 10


def load_yaml(path: Path) -> object:
    from chatbot.content.yamlfile import read_yaml

    return read_yaml(path, max_bytes=1_000_000)
