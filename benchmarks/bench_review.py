"""Benchmark of `chatbot review`: grouping a large unanswered-question log.

Two logs of `--entries` entries each, made here with a fixed seed:
- "asked": the labelled questions of tests/data, each with a typo, a word before or after, or
  left as it is, mixed with 30% strings of dictionary words (what a busy log looks like);
- "distinct": strings of dictionary words only, nearly all distinct (the worst case: almost
  nothing groups, so almost every question is a seed).

The floor, measured in the same run, is what any grouping must do first: read the log and
normalize every question (`_key`). The figure that matters is the grouping time over that floor.

    python benchmarks/bench_review.py                  # 100,000 entries each
    python benchmarks/bench_review.py --entries 20000
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from pathlib import Path

import yaml

from chatbot.tools.review import _key, read_log, review

ROOT = Path(__file__).resolve().parent.parent
WORDS = [w.strip() for w in (ROOT / "chatbot" / "understanding" / "english_words.txt").read_text().splitlines()
         if w.strip() and not w.startswith("#")]


def labelled_questions() -> list[str]:
    questions = []
    for path in [ROOT / "tests" / "data" / "questions.yaml", *sorted((ROOT / "tests" / "data" / "more").glob("*.yaml"))]:
        for case in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            if isinstance(case, dict) and str(case.get("q", "")).strip():
                questions.append(str(case["q"]))
    return questions


def mutated(rng: random.Random, question: str) -> str:
    chars = list(question)
    for _ in range(rng.randint(0, 2)):
        if len(chars) < 2:
            break
        at = rng.randrange(len(chars) - 1)
        roll = rng.random()
        if roll < 0.4:
            del chars[at]
        elif roll < 0.7:
            chars[at], chars[at + 1] = chars[at + 1], chars[at]
        else:
            chars.insert(at, rng.choice("abcdefghijklmnopqrstuvwxyz"))
    text = "".join(chars)
    if rng.random() < 0.3:
        text = rng.choice(["hi ", "please ", "so ", "ok "]) + text
    if rng.random() < 0.3:
        text += rng.choice([" thanks", "??", " in " + rng.choice(WORDS)])
    return text


def write_log(path: Path, count: int, noise: float, seed: int = 1) -> Path:
    rng = random.Random(seed)
    base = labelled_questions()
    with path.open("w", encoding="utf-8") as log:
        for _ in range(count):
            if rng.random() < noise:
                question = " ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 8)))
            else:
                question = mutated(rng, rng.choice(base))
            log.write(json.dumps({"time": "2026-01-01T00:00:00Z", "question": question, "reply_intent": "fallback",
                                  "best_guess": "not_covered", "score": 0.3}) + "\n")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        for name, noise in (("asked", 0.3), ("distinct", 1.0)):
            path = write_log(Path(folder) / f"{name}.jsonl", args.entries, noise)
            started = time.perf_counter()
            entries, _ = read_log(path)
            distinct = len({_key(entry.question) for entry in entries})
            floor = time.perf_counter() - started
            started = time.perf_counter()
            result = review(path)
            whole = time.perf_counter() - started
            print(f"{name:>8}: {len(entries):,} entries, {distinct:,} distinct wordings -> {len(result.clusters):,} groups "
                  f"in {whole:.1f} s; floor (read and normalize) {floor:.1f} s; ratio {whole / floor:.1f}")


if __name__ == "__main__":
    main()
