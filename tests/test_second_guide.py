"""The second guide, tests/data/guides/wind/: another career, with other categories, names and
counts (requirements, a day in six parts, tools), run with no code of its own. Its labelled
questions pass at the bundled guide's floors, none of them is copied into its data, and every
command works on it as a user would run it: `ask` (text, --json, --conversation, --explain),
`validate`, `eval`, the chat on a pipe and the HTTP service."""

from __future__ import annotations

import json
import re
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from redis_server import free_port
from test_accuracy import describe
from test_repl import chatbot_command, clean_env

from chatbot import Chatbot
from chatbot.tools.evaluation import Report, evaluate, evaluate_dialogues, load_cases, load_dialogues
from chatbot.understanding.text import normalize

WIND = Path(__file__).resolve().parent / "data" / "guides" / "wind"
QUESTIONS, DIALOGUES = WIND / "questions.yaml", WIND / "dialogues.yaml"
GUIDE = ["--knowledge", str(WIND / "knowledge"), "--intents", str(WIND / "intents")]


@pytest.fixture(scope="module")
def wind() -> Chatbot:
    return Chatbot.load(WIND / "knowledge", WIND / "intents")


def chatbot(tmp_path: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """The `chatbot` console script on the wind guide, in a clean environment."""
    return subprocess.run(chatbot_command(*args), input=stdin, capture_output=True, text=True,
                          env=clean_env(tmp_path, COLUMNS="100"), timeout=120,
                          stdin=subprocess.DEVNULL if stdin is None else None)


# --- its own labelled questions, at the bundled guide's floors (tests/test_accuracy.py) ----------

@pytest.fixture(scope="module")
def report(wind: Chatbot) -> Report:
    return evaluate(wind, load_cases(QUESTIONS))


def test_the_question_set_is_big_and_varied(report: Report) -> None:
    assert len(report.outcomes) >= 180
    assert len(report.out_of_scope) >= 40


def test_in_scope_accuracy_is_at_least_95_percent(report: Report) -> None:
    assert report.accuracy >= 0.95, describe([o for o in report.in_scope if not o.correct])


def test_not_covered_and_out_of_scope_questions_fall_back(report: Report) -> None:
    assert report.fallback_rate >= 0.95, describe([o for o in report.out_of_scope if not o.correct])


def test_dialogues_are_followed_turn_by_turn(wind: Chatbot) -> None:
    dialogues = load_dialogues(DIALOGUES)
    assert len(dialogues) >= 15
    report = evaluate_dialogues(wind, dialogues)
    assert report.accuracy >= 0.90, describe(report.misses)


def test_no_labelled_question_is_copied_into_the_data(wind: Chatbot) -> None:
    """Intent examples, item synonyms and descriptions are written apart from the labelled
    questions: none of more than six words is one of them, and the short stock phrasings that
    coincide ("what can you do", "tell me more") stay few."""
    content = wind.content
    ours = {normalize(e) for intent in content.intents.values() for e in intent.examples}
    ours |= {normalize(t) for item in content.items.values() for t in (item.title, *item.descriptions, *item.synonyms)}
    questions = [c.question for c in load_cases(QUESTIONS)]
    questions += [t.question for _, turns in load_dialogues(DIALOGUES) for t in turns]
    longer = [q for q in questions if len(normalize(q)) >= 4]
    same = [q for q in longer if normalize(q) in ours]
    assert not [q for q in same if len(normalize(q)) > 6], same
    assert len(same) / len(longer) < 0.1, same  # 7 of 185 today


def test_the_data_says_it_in_its_own_words() -> None:
    """No run of nine words of the article is repeated in the data (as ../shared/tools/own_words.py
    checks for the bundled guide): key terms are shared, sentences are not."""
    def words(text: str) -> list[str]:
        return re.findall(r"[a-z0-9']+", text.lower())

    article = words((WIND / "article.txt").read_text(encoding="utf-8"))
    runs = {tuple(article[i:i + 9]) for i in range(len(article) - 8)}
    copied = []
    for path in sorted((WIND / "knowledge").glob("*.yaml")) + sorted((WIND / "intents").glob("*.yaml")):
        found = words(path.read_text(encoding="utf-8"))
        copied += [f"{path.name}: {' '.join(found[i:i + 9])}" for i in range(len(found) - 8)
                   if tuple(found[i:i + 9]) in runs]
    assert not copied, copied


# --- every command, run as a user would --------------------------------------------------------

def test_ask_answers_from_the_wind_guide(tmp_path: Path) -> None:
    done = chatbot(tmp_path, "ask", *GUIDE, "what tools do they use?")
    assert done.returncode == 0, done.stderr
    assert "Torque wrench" in done.stdout and "Two-way radio" in done.stdout and "You could ask:" in done.stdout
    assert "production technician" not in done.stdout


def test_ask_json_names_the_wind_item(tmp_path: Path) -> None:
    done = chatbot(tmp_path, "ask", "--json", *GUIDE, "do I need a driving licence?")
    assert done.returncode == 0, done.stderr
    reply = json.loads(done.stdout)
    assert reply["intent"] == "explain_requirement" and reply["fallback"] is False
    assert reply["sources"][0]["id"] == "req.driving-licence"


def test_ask_conversation_walks_the_day_with_its_own_labels(tmp_path: Path) -> None:
    questions = "what is a typical day like?\nthe second one\nwhat happens next?\n"
    done = chatbot(tmp_path, "ask", "--json", "--conversation", *GUIDE, stdin=questions)
    assert done.returncode == 0, done.stderr
    replies = [json.loads(line) for line in done.stdout.splitlines()]
    assert [r["intent"] for r in replies] == ["list_day", "explain_part", "explain_part"]
    assert [r["sources"][0]["id"] for r in replies[1:]] == ["day.travel", "day.climb"]
    assert replies[2]["text"].startswith("Part 3 of 6: Safety checks and the climb.")


def test_validate_finds_no_problems(tmp_path: Path) -> None:
    done = chatbot(tmp_path, "validate", *GUIDE)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "The data is valid" in done.stdout


def test_eval_scores_both_labelled_files_above_the_floor(tmp_path: Path) -> None:
    questions = chatbot(tmp_path, "eval", *GUIDE, "--min-accuracy", "0.95", str(QUESTIONS))
    assert questions.returncode == 0, questions.stdout + questions.stderr
    assert questions.stdout.startswith("184 questions: 136 in scope, 48 that should fall back")
    dialogues = chatbot(tmp_path, "eval", "--json", *GUIDE, "--min-accuracy", "0.9", str(DIALOGUES))
    assert dialogues.returncode == 0, dialogues.stdout + dialogues.stderr
    scored = json.loads(dialogues.stdout)
    assert scored["questions"] == 90 and len(scored["dialogues"]) == 15 and scored["accuracy"] >= 0.9


def test_explain_shows_the_clarifying_decision_between_two_wind_categories(tmp_path: Path) -> None:
    done = chatbot(tmp_path, "ask", "--explain", *GUIDE, "tell me about the climb")
    assert done.returncode == 0, done.stderr
    assert "req.climbing / day.climb" in done.stdout
    assert "asked which was meant" in done.stdout
    assert 'the requirement "A head for heights and climbing fitness"' in done.stdout
    assert 'the part of the day "Safety checks and the climb"' in done.stdout


def test_the_chat_on_a_pipe_picks_walks_and_lists_the_wind_topics(tmp_path: Path) -> None:
    lines = "what is a typical day like?\n2\nnext\n/topics\n/quit\n"
    done = subprocess.run(chatbot_command("chat", *GUIDE), input=lines, capture_output=True, text=True,
                          env=clean_env(tmp_path, COLUMNS="100"), timeout=120)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "> 2\nPart 2 of 6: Travelling to the turbine." in out  # a number picks from the list shown
    assert "> next\nPart 3 of 6: Safety checks and the climb." in out
    topics = out[out.index("> /topics"):]
    assert topics.index("What you need to become") < topics.index("A day in the job") < topics.index("Tools of the trade")
    assert out.rstrip().endswith("Goodbye, and good luck up the tower!")


class Served:
    """`chatbot serve` on the wind guide, on a free port, for the length of a `with` block."""

    def __init__(self, tmp_path: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = tmp_path / "serve.log"
        self.tmp_path = tmp_path

    def __enter__(self) -> Served:
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(chatbot_command("serve", "--port", str(self.port), *GUIDE),
                                            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                            env=clean_env(self.tmp_path))
        deadline = time.monotonic() + 30
        while True:
            assert self.process.poll() is None, self.log.read_text()
            assert time.monotonic() < deadline, "the service did not start:\n" + self.log.read_text()
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.TransportError:
                time.sleep(0.05)

    def __exit__(self, *exc: object) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture()
def served(tmp_path: Path) -> Iterator[httpx.Client]:
    with Served(tmp_path) as service, httpx.Client(base_url=service.url, timeout=10) as client:
        yield client


def test_the_service_greets_and_holds_one_conversation_over_two_turns(served: httpx.Client) -> None:
    config = served.get("/v1/config").json()
    assert config["subject"] == "becoming a wind turbine technician"
    assert config["starters"][0] == "What does a wind turbine technician do?"
    first = served.post("/v1/chat", json={"message": "what kit do they rely on?"})
    assert first.status_code == 200, first.text
    assert first.json()["intent"] == "list_tools"
    session = first.json()["session_id"]
    second = served.post("/v1/chat", json={"message": "the fourth one", "session_id": session})
    assert second.status_code == 200, second.text
    reply = second.json()
    assert reply["session_id"] == session
    assert reply["intent"] == "explain_tool" and reply["sources"][0]["id"] == "tool.laptop"
    alone = served.post("/v1/chat", json={"message": "the fourth one"}).json()  # a new conversation
    assert alone["sources"][0]["id"] == "day.maintenance"  # the guide's default list is the day
