"""Measure how fast the bot answers, loads and starts, and print a table of the figures.

    python benchmarks/bench.py            # the full run (about a minute)
    python benchmarks/bench.py --quick    # fewer rounds and smaller sets, for a smoke test

Measured: time per question in process (median and p99) on the bundled data and on synthetic
intent sets of 1,000 and 10,000 examples; data load time (cold in a fresh process, and warm:
a second load in the same process, since the bot keeps no cache on disk); wall time and peak
memory of a cold `chatbot ask`; and `chatbot ask` over a file of 10,000 questions. Only the
standard library and the project are used. The figures go into docs/performance.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from chatbot import Chatbot  # noqa: E402
from chatbot.settings import Settings  # noqa: E402
from chatbot.tools.evaluation import load_cases, load_dialogues  # noqa: E402

GNU_TIME = "/usr/bin/time" if Path("/usr/bin/time").exists() else None
QUESTIONS = ROOT / "tests" / "data" / "questions.yaml"
DIALOGUES = ROOT / "tests" / "data" / "dialogues.yaml"
WORDS = ROOT / "chatbot" / "understanding" / "english_words.txt"
LEADS = ["what is", "what are the", "how do i", "how does", "tell me about", "can you explain", "why is",
         "do i need", "where can i", "is there", "what does a", "how much", "which", "who does", "when should i"]
"""Question openings for synthetic examples, so common words are as common as in real data."""


@dataclass(frozen=True)
class Row:
    """One line of the results table."""

    measure: str
    value: str
    target: str = ""
    ok: bool | None = None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds and smaller sets (a smoke test)")
    args = parser.parse_args()
    rounds, sizes, runs, file_questions = (1, (1_000,), 3, 2_000) if args.quick else (5, (1_000, 10_000), 7, 10_000)

    print(machine())
    print(f"Peak memory from: {'GNU time' if GNU_TIME else 'the child process rusage (GNU time not installed)'}")
    questions = bundled_questions()
    with tempfile.TemporaryDirectory() as tmp:  # processes first, while this one is still small
        processes = cold_start(runs) + throughput(Path(tmp), questions, file_questions) + load_times(runs)
    rows: list[Row] = []
    bot = Chatbot.load()
    floor, _ = per_question(Floor(), questions, rounds)
    rows.append(Row("floor: one call through the same timing loop (normalizing the question), median", ms(floor)))
    median, p99 = per_question(bot, questions, rounds)
    rows.append(Row(f"per question, bundled data ({len(bot.matcher.examples)} examples), median",
                    f"{ms(median)} ({median / floor:.0f}x the floor)", "<= 0.2 ms", median <= 0.2e-3))
    rows.append(Row("per question, bundled data, p99", ms(p99), "<= 1 ms", p99 <= 1e-3))
    with tempfile.TemporaryDirectory() as tmp:
        for size in sizes:
            intents = synthetic_intents(Path(tmp) / f"intents-{size}", size)
            start = time.perf_counter()
            big = Chatbot.load(intents_dir=intents)
            loaded = time.perf_counter() - start
            asked = questions + synthetic_questions(big, 300)
            median, p99 = per_question(big, asked, max(1, rounds // 2))
            label = f"{len(big.matcher.examples):,} examples"
            target, ok = ("<= 2 ms", median <= 2e-3) if size >= 10_000 else ("", None)
            rows.append(Row(f"per question, synthetic {label}, median", ms(median), target, ok))
            rows.append(Row(f"per question, synthetic {label}, p99", ms(p99)))
            rows.append(Row(f"load time, synthetic {label}", ms(loaded)))
    print(table(rows + processes))
    return 0


def machine() -> str:
    """The machine the figures come from: CPU model, cores, Python and OS."""
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        model = platform.processor() or model
    return (f"Machine: {model}, {os.cpu_count()} cores; Python {platform.python_version()} "
            f"({platform.python_implementation()}); {platform.system()} {platform.release()}")


def bundled_questions() -> list[str]:
    """Every labelled question and dialogue turn: real wording, typos and rambling included."""
    questions = [case.question for case in load_cases(QUESTIONS)]
    questions += [turn.question for _, turns in load_dialogues(DIALOGUES) for turn in turns]
    return questions


class Floor:
    """What any answer costs at least: the question normalized, as the bot's first step does."""

    def ask(self, question: str) -> tuple[str, ...]:
        from chatbot.understanding.text import fold

        return tuple(fold(question).split())


def per_question(bot: Chatbot | Floor, questions: list[str], rounds: int) -> tuple[float, float]:
    """Median and 99th percentile of one `ask`, in seconds, after a warm-up round."""
    for question in questions:
        bot.ask(question)
    timings = []
    clock = time.perf_counter
    for _ in range(rounds):
        for question in questions:
            start = clock()
            bot.ask(question)
            timings.append(clock() - start)
    timings.sort()
    return statistics.median(timings), timings[min(len(timings) - 1, int(len(timings) * 0.99))]


def synthetic_intents(folder: Path, examples: int) -> Path:
    """The bundled intents plus generated ones, `examples` examples in all (10 per new intent)."""
    shutil.copytree(Settings().intents_dir, folder)
    bundled = sum(len(i.examples) for i in Chatbot.load().content.intents.values())
    rng = random.Random(examples)
    words = [w for w in WORDS.read_text(encoding="utf-8").split("\n") if w and not w.startswith("#")]
    weights = [1 / (rank + 10) for rank in range(len(words))]  # a Zipf-like spread of word frequencies
    rng.shuffle(words)
    lines = ["intents:"]
    for n in range((examples - bundled) // 10):
        topic = rng.choices(words, weights, k=2)
        lines += [f"  - name: synthetic_{n}", "    answer: text", f"    text: Synthetic answer {n}.", "    examples:"]
        made: set[str] = set()
        while len(made) < 10:
            extra = rng.choices(words, weights, k=rng.randint(1, 3))
            example = f"{rng.choice(LEADS)} {' '.join(topic + extra)}"
            if example not in made:
                made.add(example)
                lines.append(f"      - {example}")
    (folder / "synthetic.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def synthetic_questions(bot: Chatbot, count: int) -> list[str]:
    """Questions close to synthetic examples (one word dropped), so the large index is exercised."""
    rng = random.Random(count)
    examples = [e.text for e in bot.matcher.examples if e.intent.startswith("synthetic_")]
    questions = []
    for text in rng.sample(examples, min(count, len(examples))):
        words = text.split()
        del words[rng.randrange(len(words))]
        questions.append(" ".join(words))
    return questions


def load_times(runs: int) -> list[Row]:
    """Import + load in a fresh process (cold), and a second load in that process (warm)."""
    code = ("import time; t0 = time.perf_counter(); from chatbot import Chatbot; t1 = time.perf_counter(); "
            "Chatbot.load(); t2 = time.perf_counter(); Chatbot.load(); t3 = time.perf_counter(); "
            "print(t1 - t0, t2 - t1, t3 - t2)")
    imports, colds, warms = [], [], []
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT).stdout
        imported, cold, warm = map(float, out.split())
        imports.append(imported)
        colds.append(cold)
        warms.append(warm)
    return [Row("import chatbot (fresh process), median", ms(statistics.median(imports))),
            Row("load bundled data, cold (first load in a fresh process), median", ms(statistics.median(colds))),
            Row("load bundled data, warm (second load, same process; no disk cache exists), median",
                ms(statistics.median(warms)))]


def command() -> list[str]:
    """The installed `chatbot` console script, or the same entry point through this Python."""
    script = Path(sys.executable).with_name("chatbot")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "import sys; from chatbot.shells.cli import main; sys.exit(main())"]


def run(args: list[str]) -> tuple[float, float]:
    """Wall time (s) and peak resident memory (MB) of one child process.

    Peak memory comes from GNU time (`/usr/bin/time -f %M`) when it is installed. Otherwise it is
    the child's own rusage, which on Linux also counts the memory of the process that started
    it, so it is measured before this script loads anything large and slightly overstates.
    """
    timer = [GNU_TIME, "-f", "%M"] if GNU_TIME else []
    with open(os.devnull, "rb") as source, open(os.devnull, "wb") as sink:
        start = time.perf_counter()
        child = subprocess.Popen([*timer, *args], stdin=source, stdout=sink, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - start
        errors = child.stderr.read().decode(errors="replace") if child.stderr else ""
        if child.stderr:
            child.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(args)} failed: {errors}")
    kilobytes = int(errors.split()[-1]) if GNU_TIME else usage.ru_maxrss  # both in kilobytes on Linux
    return wall, kilobytes / 1024


def cold_start(runs: int) -> list[Row]:
    """`chatbot ask "..."` from nothing: interpreter start, imports, load, one answer; beside the
    floor of any Python program on this machine, `python -c pass`, measured in the same run."""
    floors = [run([sys.executable, "-c", "pass"])[0] for _ in range(runs)]
    results = [run([*command(), "ask", "what skills do I need?"]) for _ in range(runs)]
    floor = statistics.median(floors)
    wall = statistics.median(r[0] for r in results)
    peak = max(r[1] for r in results)
    return [Row(f"floor: `python -c pass`, wall (median of {runs})", ms(floor)),
            Row(f"cold `chatbot ask`, wall (median of {runs})", f"{ms(wall)} ({wall / floor:.1f}x the floor)",
                "<= 300 ms", wall <= 0.3),
            Row("cold `chatbot ask`, peak memory (max RSS)", f"{peak:.1f} MB", "<= 60 MB", peak <= 60)]


def throughput(folder: Path, questions: list[str], count: int) -> list[Row]:
    """`chatbot ask --file` over `count` questions (the labelled ones, shuffled and repeated)."""
    rng = random.Random(count)
    path = folder / "questions.txt"
    path.write_text("\n".join(rng.choice(questions).replace("\n", " ") for _ in range(count)) + "\n", encoding="utf-8")
    rows = []
    for label, extra in (("text", []), ("--json", ["--json"])):
        wall, peak = run([*command(), "ask", "--file", str(path), *extra])
        target, ok = ("<= 5 s", wall <= 5.0) if count >= 10_000 else ("", None)
        rows.append(Row(f"`chatbot ask --file` {count:,} questions, {label}: wall ({count / wall:,.0f}/s)",
                        f"{wall:.2f} s", target, ok))
        rows.append(Row(f"`chatbot ask --file` {count:,} questions, {label}: peak memory", f"{peak:.1f} MB"))
    return rows


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.3f} ms" if seconds < 0.01 else f"{seconds * 1000:.0f} ms"


def table(rows: list[Row]) -> str:
    """The rows as a Markdown table."""
    lines = ["| Measure | Result | Target | Met |", "|---|---:|---:|:---:|"]
    for row in rows:
        met = "" if row.ok is None else ("yes" if row.ok else "**no**")
        lines.append(f"| {row.measure} | {row.value} | {row.target} | {met} |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
