"""Grouping the unanswered-question log: what `chatbot review` shows a maintainer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chatbot.errors import InputError
from chatbot.tools.review import Entry, cluster, read_log, review


def entry(question: str, guess: str | None = "not_covered", score: float = 0.4) -> dict:
    return {"time": "2026-01-01T00:00:00Z", "question": question, "reply_intent": "fallback",
            "best_guess": guess, "score": score}


def write_log(tmp_path: Path, lines: list[object]) -> Path:
    path = tmp_path / "unanswered.jsonl"
    path.write_text("".join((line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines),
                    encoding="utf-8")
    return path


LOG = [
    entry("how much do technicians earn", score=0.5),
    entry("How much do technicians earn?", score=0.3),
    entry("how much does a technician earn", score=0.4),
    entry("what is the weather", guess="out_of_scope", score=0.2),
    entry("how much do technicians earn"),
    entry("can I work from home", guess=None, score=0.0),
]


def test_similar_questions_share_a_group_most_frequent_first(tmp_path: Path) -> None:
    result = review(write_log(tmp_path, LOG))
    assert (result.entries, result.skipped) == (6, 0)
    first = result.clusters[0]
    assert first.count == 4
    assert first.question == "how much do technicians earn"
    assert dict(first.variants) == {"how much do technicians earn": 2, "How much do technicians earn?": 1,
                                    "how much does a technician earn": 1}
    assert first.closest == "not_covered"
    assert first.mean_score == pytest.approx(0.4)
    assert sorted(c.question for c in result.clusters[1:]) == ["can I work from home", "what is the weather"]


def test_the_closest_intent_is_the_most_common_guess(tmp_path: Path) -> None:
    clusters = review(write_log(tmp_path, LOG)).clusters
    by_question = {c.question: c for c in clusters}
    assert by_question["what is the weather"].closest == "out_of_scope"
    assert by_question["can I work from home"].closest is None


def test_malformed_lines_are_skipped_and_counted(tmp_path: Path) -> None:
    lines = [entry("what is the pay"), "not json", "[1, 2]", json.dumps({"question": ""}),
             json.dumps({"question": "x", "score": "high"}), "", entry("what is the pay")]
    result = review(write_log(tmp_path, lines))
    assert (result.entries, result.skipped) == (2, 4)
    assert "(4 malformed lines skipped)" in result.to_text()


def test_a_stricter_score_splits_groups() -> None:
    entries = [Entry("how much do technicians earn", None, 0.1), Entry("how much do techs earn", None, 0.1)]
    assert len(cluster(entries, min_score=75)) == 1
    assert len(cluster(entries, min_score=95)) == 2


def test_different_subjects_stay_apart() -> None:
    entries = [Entry(q, None, 0.1) for q in ("how much do technicians earn", "how much do nurses earn",
                                             "what is the weather", "what's the weather like today",
                                             "what is the pay")]
    groups = sorted(sorted(v for v, _ in c.variants) for c in cluster(entries))
    assert groups == [["how much do nurses earn"], ["how much do technicians earn"], ["what is the pay"],
                      ["what is the weather", "what's the weather like today"]]


def test_the_score_must_be_a_percentage() -> None:
    with pytest.raises(InputError):
        cluster([], min_score=150)


def test_a_missing_log_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read"):
        read_log(tmp_path / "nope.jsonl")


def test_text_and_json_output(tmp_path: Path) -> None:
    result = review(write_log(tmp_path, LOG))
    text = result.to_text()
    assert text.splitlines()[0] == "6 unanswered questions in 3 groups, most frequent first:"
    assert "4x  'how much do technicians earn'  (closest intent: not_covered, mean score 0.40)" in text
    assert "also: 'How much do technicians earn?', 'how much does a technician earn'" in text
    data = result.to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["clusters"][0]["count"] == 4 and data["clusters"][0]["closest_intent"] == "not_covered"


def test_an_empty_log_says_so(tmp_path: Path) -> None:
    assert review(write_log(tmp_path, [])).to_text() == "No unanswered questions logged."
