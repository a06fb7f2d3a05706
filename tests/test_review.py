"""Grouping the unanswered-question log: what `chatbot review` shows a maintainer."""

from __future__ import annotations

import io
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


# --- a big log --------------------------------------------------------------------------------

PLANTED = ["how much do technicians earn", "what are the working hours", "is there a night shift",
           "can I work from home", "do they get a pension", "what is the weather like"]


def big_log(path: Path, count: int, *, seed: int = 12) -> Path:
    """`count` entries: a third of them the planted questions with a typo or a word added, the rest
    distinct strings of dictionary words (the worst case: nothing to group them by but words)."""
    import random

    words_file = Path(__file__).resolve().parent.parent / "chatbot" / "understanding" / "english_words.txt"
    words = [w.strip() for w in words_file.read_text(encoding="utf-8").splitlines() if w.strip() and not w.startswith("#")]
    rng = random.Random(seed)
    lines = []
    for n in range(count):
        if n % 3 == 0:
            question = rng.choice(PLANTED)
            if rng.random() < 0.5:
                at = rng.randrange(1, len(question) - 1)
                question = question[:at] + question[at + 1:]  # a letter dropped
            question += rng.choice(["", "?", " please", " in Ohio", " exactly"])
        else:
            question = " ".join(rng.choice(words) for _ in range(rng.randint(2, 7))) + f" {n}"
        lines.append(json.dumps(entry(question, score=0.3)))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_log_of_100000_questions_is_grouped_in_seconds(tmp_path: Path) -> None:
    """Comparing every question with every other took 27 s for 10,000 and would take about 45
    minutes for 100,000; now they are bucketed by shared words first. The run must fit in 120 s
    of CPU (it takes a few seconds), and the planted questions come out on top."""
    import resource
    import subprocess
    import sys

    log = big_log(tmp_path / "unanswered.jsonl", 100_000)

    def cpu_limit() -> None:
        resource.setrlimit(resource.RLIMIT_CPU, (120, 120))

    result = subprocess.run([sys.executable, "-m", "chatbot", "review", str(log), "--json"], capture_output=True,
                            text=True, timeout=300, preexec_fn=cpu_limit)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["entries"] == 100_000 and report["skipped"] == 0
    top = report["clusters"][:len(PLANTED)]
    for question in PLANTED:  # each planted question leads one of the largest groups
        assert len([c for c in top if question in {v["question"] for v in c["variants"]}]) == 1
    assert sum(c["count"] for c in top) >= 0.8 * 100_000 / 3  # most variants found their group (as comparing all did)
    alone = [c for c in report["clusters"] if c["question"][-1].isdigit() and c["count"] == 1]
    assert len(alone) >= 0.95 * 100_000 * 2 / 3  # the distinct strings of words nearly all stay apart


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_long_review_shows_progress_on_a_terminal(tmp_path: Path, monkeypatch, capsys) -> None:
    from chatbot.shells.cli import main

    log = big_log(tmp_path / "unanswered.jsonl", 9_000)  # 6,000 distinct wordings and the planted ones
    terminal = Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    assert main(["review", str(log)]) == 0
    shown = terminal.getvalue()
    assert "\rgrouping  [" in shown and "100% of" in shown and shown.endswith("\r\x1b[K")
    assert capsys.readouterr().out.startswith("9000 unanswered questions in ")


def test_no_progress_when_not_on_a_terminal(tmp_path: Path, capsys) -> None:
    from chatbot.shells.cli import main

    assert main(["review", str(big_log(tmp_path / "unanswered.jsonl", 9_000))]) == 0
    assert capsys.readouterr().err == ""
