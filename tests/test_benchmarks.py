"""The benchmark scripts still run against the current code (their figures are in docs/, not asserted)."""

import importlib.util
import sys
from pathlib import Path

from chatbot import Chatbot

BENCH = Path(__file__).resolve().parent.parent / "benchmarks" / "bench.py"


def load_bench():
    spec = importlib.util.spec_from_file_location("bench", BENCH)
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench"] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_bench_measures_the_bundled_and_a_synthetic_bot(tmp_path):
    bench = load_bench()
    questions = bench.bundled_questions()[:50]
    median, p99 = bench.per_question(Chatbot.load(), questions, rounds=1)
    assert 0 < median <= p99
    floor, _ = bench.per_question(bench.Floor(), questions, rounds=1)
    assert 0 < floor
    big = Chatbot.load(intents_dir=bench.synthetic_intents(tmp_path / "intents", 600))
    asked = bench.synthetic_questions(big, 20)
    assert len(asked) == 20 and bench.per_question(big, asked, rounds=1)[0] > 0
    table = bench.table([bench.Row("per question", bench.ms(median), "<= 0.2 ms", True)])
    assert table.splitlines()[2] == f"| per question | {bench.ms(median)} | <= 0.2 ms | yes |"
