"""Group the unanswered-question log into what users keep asking: `chatbot review LOG...`.

The feedback log can be read beside it: answers visitors marked wrong (thumbs down) are grouped
the same way, with the intent that answered them, as a second list; answers marked helpful are
only counted.

Questions are normalized (the bot's one normalizer, so spelling variants meet) and compared by
their content words; then grouped greedily, most frequent phrasing first: each group takes every
remaining question within `min_score` of its seed. A maintainer reads the groups from the top and
adds intents, examples or synonyms for what the bot cannot answer yet.

A log can hold 100,000 questions, so comparing each with every other (as the first version did:
27 s for 10,000) is out. A bucketing pass first: a question is compared only with those that
share a content word with it and are of a length that could score `min_score`; rapidfuzz's
`cdist` then scores a block of seeds against their candidates at once, in C++ on every core.
"""

from __future__ import annotations

import json
import stat
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..understanding.text import STOP_WORDS, fold, normalize
from .lines import read_lines

MIN_SCORE = 75.0
"""Default similarity (0-100, rapidfuzz token_sort_ratio of the normalized content words) to share
a group: close enough for "how much do techs earn" and "how much does a technician earn" (86), or
"what is the weather" and "what's the weather like today" (80); far enough apart to keep "how much
do nurses earn" (71) and "what is the pay" (60) out of those groups."""


@dataclass(frozen=True)
class Entry:
    """One logged question."""

    question: str
    best_guess: str | None
    """For a fallback, the intent the matcher ranked first; for a rated answer, the intent that answered."""
    score: float
    rating: str | None = None
    """None for an unanswered question; "up" or "down" for an answer a visitor rated."""


@dataclass(frozen=True)
class Cluster:
    """Questions that ask the same thing in different words, most frequent wording first."""

    count: int
    question: str
    variants: tuple[tuple[str, int], ...]
    """Every distinct wording and how often it was asked (the representative included)."""
    closest: str | None
    """The intent the bot most often guessed for these questions."""
    mean_score: float

    def to_dict(self) -> dict[str, Any]:
        return {"count": self.count, "question": self.question, "closest_intent": self.closest,
                "mean_score": round(self.mean_score, 3),
                "variants": [{"question": q, "count": n} for q, n in self.variants]}


@dataclass(frozen=True)
class Review:
    """The groups of one log, and how many of its lines could not be read."""

    clusters: tuple[Cluster, ...]
    entries: int
    skipped: int
    wrong: tuple[Cluster, ...] = ()
    """Answers visitors marked wrong, grouped like the unanswered questions."""
    helpful: int = 0
    """How many answers visitors marked helpful."""

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values."""
        return {"entries": self.entries, "skipped": self.skipped,
                "clusters": [cluster.to_dict() for cluster in self.clusters],
                "marked_wrong": [cluster.to_dict() for cluster in self.wrong], "marked_helpful": self.helpful}

    def to_text(self, *, variants: int = 5) -> str:
        """The groups for people, largest first, with up to `variants` other wordings each."""
        skipped = f" ({self.skipped} malformed line{'s' if self.skipped != 1 else ''} skipped)" if self.skipped else ""
        unanswered = sum(cluster.count for cluster in self.clusters)
        if not self.clusters:
            lines = [f"No unanswered questions logged{skipped}."]
        else:
            lines = [f"{_count(unanswered, 'unanswered question')} in {_count(len(self.clusters), 'group')}"
                     f"{skipped}, most frequent first:", ""]
            lines += _groups(self.clusters, "closest intent: {intent}, mean score {score:.2f}", variants)
        if self.wrong:
            marked = sum(cluster.count for cluster in self.wrong)
            lines += ["", f"{_count(marked, 'answer')} marked wrong by visitors, in {_count(len(self.wrong), 'group')}, "
                          "most frequent first:", ""]
            lines += _groups(self.wrong, "answered as {intent}, mean confidence {score:.2f}", variants)
        if self.helpful:
            lines += ["", f"{_count(self.helpful, 'answer')} marked helpful."]
        return "\n".join(lines)


MAX_LINE_BYTES = 65_536
"""Our entries are at most 4,096 bytes; a longer line is not one of them, and is skipped unread."""
BLOCK = 32
"""Seeds whose pairs are scored in one call."""
PAIR_COST = 10

Progress = Callable[[int, int], None]
"""Told (questions grouped so far, questions in all) as the grouping goes on."""


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'s' if n != 1 else ''}"


def _groups(clusters: Sequence[Cluster], detail: str, variants: int) -> list[str]:
    """One line per group, with up to `variants` other wordings under it."""
    lines = []
    width = len(str(clusters[0].count))
    for cluster in clusters:
        about = detail.format(intent=cluster.closest or "nothing", score=cluster.mean_score)
        lines.append(f"{cluster.count:>{width}}x  {cluster.question!r}  ({about})")
        others = [f"{q!r}" + (f" x{n}" if n > 1 else "") for q, n in cluster.variants if q != cluster.question]
        if others:
            more = f", and {len(others) - variants} more" if len(others) > variants else ""
            lines.append(f"{'':>{width}}   also: {', '.join(others[:variants])}{more}")
    return lines


def read_log(path: Path) -> tuple[list[Entry], int]:
    """The readable entries of a JSON-lines log, and the number of lines skipped as malformed.
    Only a regular file is read (a pipe or /dev/zero would never end), one bounded line at a time."""
    try:
        if not stat.S_ISREG(Path(path).stat().st_mode):
            raise InputError(f"cannot read {path}: not a regular file (give the log file itself)")
        stream = open(path, "rb")  # noqa: SIM115
    except OSError as error:
        raise InputError(f"cannot read {path}: {error.strerror or error}") from None
    entries, skipped = [], 0
    with stream:
        for raw, size in read_lines(stream, MAX_LINE_BYTES):
            if size > MAX_LINE_BYTES:
                skipped += 1
                continue
            line = raw.decode("utf-8", "replace")
            if not line.strip():
                continue
            entry = _entry(line)
            if entry is None:
                skipped += 1
            else:
                entries.append(entry)
    return entries, skipped


def review(paths: Path | Sequence[Path], *, min_score: float = MIN_SCORE, progress: Progress | None = None) -> Review:
    """Read one log or several (the unanswered log, the feedback log) and group their questions:
    the unanswered ones, and apart from them the answers marked wrong."""
    entries, skipped = [], 0
    for path in [paths] if isinstance(paths, Path) else paths:
        read, bad = read_log(path)
        entries += read
        skipped += bad
    unanswered = [e for e in entries if e.rating is None]
    wrong = [e for e in entries if e.rating == "down"]
    return Review(tuple(cluster(unanswered, min_score=min_score, progress=progress)), len(entries), skipped,
                  wrong=tuple(cluster(wrong, min_score=min_score)), helpful=sum(e.rating == "up" for e in entries))


def cluster(entries: list[Entry], *, min_score: float = MIN_SCORE, progress: Progress | None = None) -> list[Cluster]:
    """Group entries by similar normalized wording; the largest groups first."""
    if not 0 <= min_score <= 100:
        raise InputError(f"the minimum score must be between 0 and 100, not {min_score:g}")
    by_key: dict[str, list[Entry]] = {}
    for entry in entries:
        by_key.setdefault(_key(entry.question), []).append(entry)
    keys = sorted(by_key, key=lambda k: (-len(by_key[k]), len(k), k))  # seeds: most asked first
    groups = [[e for key in group for e in by_key[key]] for group in _greedy(keys, min_score, progress)]
    clusters = [_summary(group) for group in groups]
    return sorted(clusters, key=lambda c: -c.count)


def _greedy(keys: list[str], min_score: float, progress: Progress | None) -> Iterable[list[str]]:
    """Each key in turn, if no earlier group took it, seeds a group of every key not yet taken
    that shares a word with it and scores at least `min_score` (token_sort_ratio: rapidfuzz's ratio
    of the words sorted, sorted here once for all). The pairs of a block of seeds are scored in one
    `cpdist` call."""
    import numpy as np
    from rapidfuzz import fuzz, process

    count = len(keys)
    words = [sorted(set(key.split())) for key in keys]
    texts = np.array([" ".join(sorted(key.split())) for key in keys], dtype=object)
    lengths = np.fromiter((len(text) for text in texts), dtype=np.int64, count=count)
    lists: dict[str, list[int]] = {}
    for number, found in enumerate(words):
        for word in found:
            lists.setdefault(word, []).append(number)
    postings = {word: np.array(numbers, dtype=np.int64) for word, numbers in lists.items()}
    free = np.ones(count, dtype=bool)
    share = min_score / 100
    cutoff = np.float32(min_score)
    done = 0
    for start in range(0, count, BLOCK):
        seeds = [seed for seed in range(start, min(count, start + BLOCK)) if free[seed]]
        firsts, seconds = [], []
        for seed in seeds:
            for word in words[seed]:
                numbers = postings[word] = postings[word][free[postings[word]]]  # the taken are dropped for good
                later = numbers[numbers > seed]  # every free key before this seed is a seed of this block
                firsts.append(np.full(len(later), seed, dtype=np.int64))
                seconds.append(later)
        pairs = np.unique(np.concatenate(firsts) * count + np.concatenate(seconds)) if firsts else np.zeros(0, np.int64)
        first, second = pairs // count, pairs % count
        if share > 0:  # a ratio of `share` needs the shorter at least share / (2 - share) of the longer
            short, long = np.minimum(lengths[first], lengths[second]), np.maximum(lengths[first], lengths[second])
            keep = short * (2 - share) >= long * share - 1e-9
            first, second = first[keep], second[keep]
        if len(first):
            scores = _scores(np, process, fuzz, texts, np.array(seeds, dtype=np.int64), first, second, min_score)
            close_pairs = scores >= cutoff
            first, second = first[close_pairs], second[close_pairs]
        bounds = np.searchsorted(first, np.array(seeds + [count], dtype=np.int64))
        for row, seed in enumerate(seeds):
            if not free[seed]:
                continue  # taken by a seed before it in this block
            close = second[bounds[row]:bounds[row + 1]]
            close = close[free[close]]
            free[close] = False
            free[seed] = False
            done += 1 + len(close)
            yield [keys[seed], *(keys[number] for number in close)]
        if progress is not None:
            progress(done, count)


def _scores(np: Any, process: Any, fuzz: Any, texts: Any, seeds: Any, first: Any, second: Any, min_score: float) -> Any:
    """The score of each pair (first[i], second[i]). Scoring pair by pair (`cpdist`) costs about
    ten times what one cell of a `cdist` matrix does, so when the pairs are many the seeds are
    scored against every candidate at once and the pairs read from the matrix."""
    options = {"scorer": fuzz.ratio, "processor": None, "score_cutoff": min_score, "dtype": np.float32, "workers": -1}
    columns = np.unique(second)
    if len(first) * PAIR_COST > len(seeds) * len(columns):
        matrix = process.cdist(texts[seeds], texts[columns], **options)
        return matrix[np.searchsorted(seeds, first), np.searchsorted(columns, second)]
    return process.cpdist(texts[first], texts[second], **options)


def _key(question: str) -> str:
    """What two questions are compared by: their normalized words without function words
    ("how much do techs earn" -> "how much tech earn"), or all of them if that leaves none."""
    tokens = normalize(question)
    return " ".join(t for t in tokens if t not in STOP_WORDS) or " ".join(tokens) or fold(question).strip()


def _summary(group: list[Entry]) -> Cluster:
    wordings = Counter(" ".join(e.question.split()) for e in group).most_common()
    guesses = Counter(e.best_guess for e in group if e.best_guess).most_common(1)
    return Cluster(count=len(group), question=wordings[0][0], variants=tuple(wordings),
                   closest=guesses[0][0] if guesses else None,
                   mean_score=sum(e.score for e in group) / len(group))


def _entry(line: str) -> Entry | None:
    """One log line as an entry, or None when it is not one."""
    try:
        data = json.loads(line)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    question, guess, score = data.get("question"), data.get("best_guess"), data.get("score", 0.0)
    rating = data.get("rating")
    if not isinstance(question, str) or not question.strip() or rating not in (None, "up", "down"):
        return None
    if rating is not None:
        guess = data.get("reply_intent")  # a rated answer: the intent that gave it
    if guess is not None and not isinstance(guess, str):
        return None
    if isinstance(score, bool) or not isinstance(score, (int, float)):
        return None
    return Entry(question.strip(), guess, float(score), rating)
