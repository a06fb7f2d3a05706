"""Platforms without libyaml or without fcntl: the bot loads, answers and logs the same."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PROGRAM = """
import json, sys
{block}
from chatbot import Chatbot
from chatbot.content import yamlfile
from chatbot.tools import unanswered
bot = Chatbot.load()
reply = bot.ask("what skills do I need?")
unanswered.record(__import__("pathlib").Path(sys.argv[1]), "what is the salary", reply, "not_covered")
print(json.dumps({{"loader": yamlfile.Loader.__name__, "fcntl": unanswered.fcntl is not None,
                  "reply": reply.to_dict(), "topics": bot.topics()}}))
"""


def run(block: str, log: Path) -> dict:
    result = subprocess.run([sys.executable, "-c", PROGRAM.format(block=block), str(log)], capture_output=True,
                            text=True, timeout=60, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_the_bundled_data_reads_the_same_without_libyaml(tmp_path: Path) -> None:
    fast = run("", tmp_path / "a.jsonl")
    pure = run("sys.modules['yaml._yaml'] = None  # as if libyaml were not installed", tmp_path / "b.jsonl")
    assert fast["loader"] == "CSafeLoader" and pure["loader"] == "SafeLoader"
    assert pure["reply"] == fast["reply"] and pure["topics"] == fast["topics"]


def test_the_library_and_its_log_work_without_fcntl(tmp_path: Path) -> None:
    log = tmp_path / "unanswered.jsonl"
    result = run("sys.modules['fcntl'] = None  # as on Windows", log)
    assert result["fcntl"] is False
    assert result["reply"]["intent"] == "list_skills"
    [entry] = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert entry["question"] == "what is the salary"


SEEDED = """
import sys
from pathlib import Path
from chatbot import Chatbot
from chatbot.tools.evaluation import load_cases
bot = Chatbot.load()
for case in load_cases(Path(sys.argv[1])):
    reply = bot.ask(case.question)
    print(reply.intent, reply.item, repr(reply.confidence))
"""


def test_every_process_gives_the_same_answers_whatever_its_hash_seed() -> None:
    """Each server worker is a process of its own: one question must get the same answer, to the
    last digit of its confidence, from every one of them (sets iterate in a per-process order)."""
    questions = ROOT / "tests" / "data" / "writers" / "round2" / "situations.yaml"
    answers = [subprocess.run([sys.executable, "-c", SEEDED, str(questions)], capture_output=True, text=True,
                              timeout=120, cwd=ROOT, env={**os.environ, "PYTHONHASHSEED": seed}, check=True).stdout
               for seed in ("1", "2", "3")]
    assert len(answers[0].splitlines()) > 200
    assert answers[0] == answers[1] == answers[2]
