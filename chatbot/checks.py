"""The checks behind `chatbot validate`: what a maintainer should fix before the data ships.

Loading already refuses malformed or inconsistent files; that refusal is reported here as one
problem with its file, line and field. Data that loads is then checked for what loading allows
but the matcher trips over: examples that two intents share (or nearly share), phrases that two
things claim, and knowledge items that no intent can answer.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .bot import Chatbot
from .datafile import Mapping, Sequence, line_of, read_yaml
from .errors import DataError
from .lexicon import MAX_PHRASE, Mention, Reading
from .matcher import IntentMatcher
from .normalize import normalize
from .settings import Settings


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the data, and where to look."""

    file: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        where = self.file + (f":{self.line}" if self.line else "")
        return ": ".join(part for part in (where, self.field, self.message) if part)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values."""
        return {"file": self.file, "line": self.line, "field": self.field, "message": self.message}


def check(settings: Settings, *, similar_at: float | None = None) -> list[Problem]:
    """Every problem found in the data the settings point at (an empty list when it is clean).

    `similar_at` is the score from which two examples count as indistinguishable; by default
    1 - settings.clarify_margin (see `similar_examples`).
    """
    try:
        bot = Chatbot.load(settings=settings)
    except DataError as error:
        return [Problem(error.path or "", error.line or 0, error.field or "", error.message)]
    places = _Places(settings)
    cutoff = 1.0 - settings.clarify_margin if similar_at is None else similar_at
    return [
        *places.duplicate_gaps(),
        *similar_examples(bot.matcher, cutoff, places),
        *shared_phrases(bot, places),
        *unreachable_items(bot, places),
    ]


def report(problems: list[Problem]) -> str:
    """The problems as text for people, one per line, with a count at the end."""
    if not problems:
        return "The data is valid: no problems found."
    lines = [str(problem) for problem in problems]
    lines.append(f"\n{len(problems)} problem{'s' if len(problems) != 1 else ''} found.")
    return "\n".join(lines)


def similar_examples(matcher: IntentMatcher, cutoff: float, places: "_Places") -> list[Problem]:
    """Pairs of examples of different intents that the matcher scores at `cutoff` or more
    against each other.

    The score is the matcher's own: the cosine of the two examples' IDF-weighted masked tokens,
    exactly as a question is scored against an example (found through the matcher's inverted
    index, so only examples sharing a word are compared). With the default cutoff of
    1 - clarify_margin (0.94), asking one example word for word would leave the other intent
    within the clarifying margin: the bot could not tell which of the two was meant. Measures
    of text similarity (rapidfuzz ratios over the tokens) were tried and rejected: they weigh
    "what" like "welding", so they flag pairs the matcher separates easily and rank real clashes
    no higher than harmless ones.
    """
    examples, idf = matcher.examples, matcher.idf
    problems = []
    for i, example in enumerate(examples):
        dots: dict[int, float] = defaultdict(float)
        for token in example.tokens:
            weight = idf[token] ** 2
            for j in matcher.index.get(token, ()):
                if j > i:
                    dots[j] += weight
        for j, dot in sorted(dots.items()):
            other = examples[j]
            if other.intent.name == example.intent.name:
                continue
            score = dot / (example.norm * other.norm) if example.norm and other.norm else 0.0
            if score >= cutoff - 1e-9:
                file, line, field = places.example(example.intent.name, example.text)
                other_at = places.where(*places.example(other.intent.name, other.text)[:2])
                same = " (they read the same to the matcher)" if example.tokens == other.tokens else ""
                problems.append(Problem(file, line, field, (
                    f"example {example.text!r} of intent {example.intent.name!r} and {other.text!r} of "
                    f"intent {other.intent.name!r} ({other_at}) score {score:.2f} against each other{same}; "
                    f"the matcher cannot tell them apart: reword or drop one")))
    return problems


def shared_phrases(bot: Chatbot, places: "_Places") -> list[Problem]:
    """Phrases that do not read as what they were written for: a synonym another item, gap,
    category or concept already claims (the lexicon keeps one claim and drops the others), or
    one too long to be found.

    Each phrase is put through the lexicon exactly as a question would be, so the check follows
    the lexicon's own rules of precedence. A phrase naming two items is fine when the items
    point to each other (`see_also`: a skill and the article about it are one subject); any
    other shared item phrase makes every question using it ambiguous.
    """
    lexicon, kb = bot.matcher.lexicon, bot.knowledge
    problems = []

    words = {"_".join(normalize(name)): f"category {name}" for name in kb.categories}
    words.update({"_".join(normalize(name)): f"concept {name}" for name in bot.vocabulary.concepts})

    def expect(phrases: tuple[str, ...], place: tuple[str, int, str], owner: str,
               fits: Callable[[Reading], bool], item: str | None = None) -> None:
        file, line, field = place
        unused: dict[str, list[str]] = defaultdict(list)
        for phrase in dict.fromkeys(phrases):
            reading = lexicon.read(phrase)
            if not reading.tokens:
                continue
            whole = [m for m in reading.mentions if (m.start, m.end) == (0, len(reading.tokens))]
            if item and whole and item in whole[0].items:
                unrelated = [i for i in whole[0].items if i != item and i not in kb.item(item).see_also
                             and item not in kb.item(i).see_also]
                for other in unrelated:
                    problems.append(Problem(file, line, field, (
                        f"{phrase!r} names both {owner} and item {other} "
                        f"({places.where(*places.item(other)[:2])}), which are unrelated: every question using "
                        f"it is ambiguous; give each item its own phrase, or link them with see_also")))
            elif len(reading.tokens) > MAX_PHRASE:
                unused[f"longer than the {MAX_PHRASE} words the lexicon looks for"].append(phrase)
            elif not fits(reading):
                unused[f"read as {_describe(reading, words)}"].append(phrase)
        if unused:
            reasons = "; ".join(f"{', '.join(map(repr, found))} {'is' if len(found) == 1 else 'are'} {why}"
                                for why, found in unused.items())
            problems.append(Problem(file, line, field, (
                f"phrases that can never reach {owner}: {reasons}. Drop or reword them")))

    for category in kb.categories.values():
        for it in category.items:
            expect((it.title, *it.synonyms), places.item(it.id), f"item {it.id}",
                   lambda r, i=it.id: _names(r, lambda m: i in m.items), item=it.id)
    for gap in bot.vocabulary.gaps.values():
        expect(gap.synonyms, places.gap(gap.id), f"gap {gap.id}",
               lambda r, g=gap.id: _names(r, lambda m: m.gap == g))
    listed = {intent.category for intent in bot.intents.values() if intent.answer == "list"}
    for category in kb.categories.values():
        if category.name not in listed:
            if category.synonyms:
                file, line, field = places.category(category.name)
                problems.append(Problem(file, line, field, (
                    f"no intent lists category {category.name}, so its synonyms are never read: "
                    "drop them, or add an intent with `answer: list` for it")))
            continue
        word = "_".join(normalize(category.name))
        expect((category.name, *category.synonyms), places.category(category.name), f"category {category.name}",
               lambda r, w=word: r.masked == (w,))
    for concept, phrases in bot.vocabulary.concepts.items():
        word = "_".join(normalize(concept))
        expect((concept, *phrases), places.concept(concept), f"concept {concept}",
               lambda r, w=word: r.masked == (w,))
    return problems


def _names(reading: Reading, test: Callable[[Mention], bool]) -> bool:
    """True when the whole reading is one mention that passes `test`."""
    return (len(reading.mentions) == 1 and (reading.mentions[0].start, reading.mentions[0].end) == (0, len(reading.tokens))
            and test(reading.mentions[0]))


def _describe(reading: Reading, words: dict[str, str]) -> str:
    """What a phrase turned into, in a maintainer's terms (`words`: category and concept words)."""
    starts = {m.start: m for m in reading.mentions}
    parts, i = [], 0
    while i < len(reading.tokens):
        mention = starts.get(i)
        if mention is None:
            parts.append(words.get(reading.tokens[i], repr(reading.tokens[i])))
            i += 1
            continue
        if mention.items:
            parts.append("item " + "/".join(mention.items))
        elif mention.gap:
            parts.append(f"gap {mention.gap}")
        elif mention.position is not None:
            parts.append(f"place {mention.position} of the {mention.category}")
        else:
            parts.append(words.get(mention.token, repr(mention.token)))
        i = max(mention.end, i + 1)
    return " + ".join(parts)


def unreachable_items(bot: Chatbot, places: "_Places") -> list[Problem]:
    """Knowledge items no intent answers on its own: none fixes them (`item`) or takes their
    category as its `slot`. An item only listed in some intent's `items` is reported too: it is
    shown with others, but "next" or "tell me more" cannot land on it alone."""
    alone: set[str] = set()
    grouped: dict[str, str] = {}
    slots: set[str] = set()
    for intent in bot.intents.values():
        for item_id in intent.items:
            grouped.setdefault(item_id, intent.name)
        if intent.item:
            alone.add(intent.item)
        if intent.slot:
            slots.add(intent.slot)
    problems = []
    for item in bot.knowledge.items.values():
        if item.id in alone or item.category in slots:
            continue
        file, line, _ = places.item(item.id)
        fix = f"add an intent with `item: {item.id}` or give an intent `slot: {item.category}`"
        if item.id in grouped:
            message = (f"item {item.id!r} is only answered together with others (intent {grouped[item.id]!r}), "
                       f"so follow-ups cannot reach it on its own: {fix}")
        else:
            message = f"no intent can reach item {item.id!r}: {fix}"
        problems.append(Problem(file, line, item.id, message))
    return problems


class _Places:
    """Where each id, intent and example is written, read once from the raw files (which are
    known to load, so their shape can be trusted)."""

    def __init__(self, settings: Settings) -> None:
        self.items: dict[str, tuple[str, int, str]] = {}
        self.categories: dict[str, tuple[str, int, str]] = {}
        self.intents: dict[str, tuple[str, Mapping]] = {}
        self.concepts: dict[str, tuple[str, int, str]] = {}
        self.gaps: dict[str, tuple[str, int, str]] = {}
        self.gap_entries: list[tuple[str, int, str]] = []
        limit = settings.max_file_bytes
        for path in sorted(Path(settings.knowledge_dir).glob("*.yaml")):
            data = read_yaml(path, max_bytes=limit)
            self.categories[data["category"].strip()] = (str(path), line_of(data, "synonyms"), "synonyms")
            for index, entry in enumerate(data["items"]):
                self.items.setdefault(entry["id"].strip(), (str(path), line_of(entry, "synonyms") or entry.line,
                                                            f"items[{index}].synonyms"))
        for path in sorted(Path(settings.intents_dir).glob("*.yaml")):
            data = read_yaml(path, max_bytes=limit)
            if path.name == "vocabulary.yaml":
                self._vocabulary(str(path), data)
                continue
            for entry in data["intents"]:
                self.intents.setdefault(entry["name"], (str(path), entry))

    def _vocabulary(self, path: str, data: Mapping) -> None:
        for concept in data["concepts"]:
            self.concepts[concept] = (path, line_of(data["concepts"], concept), f"concepts.{concept}")
        for index, entry in enumerate(data["gaps"]):
            self.gap_entries.append((entry["id"], line_of(data["gaps"], index), path))
            self.gaps.setdefault(entry["id"], (path, line_of(entry, "synonyms") or entry.line,
                                               f"gaps[{index}].synonyms"))

    def duplicate_gaps(self) -> list[Problem]:
        """Gap ids used twice (loading keeps only the last, so the first is silently lost)."""
        first: dict[str, int] = {}
        problems = []
        for gap_id, line, path in self.gap_entries:
            if gap_id in first:
                problems.append(Problem(path, line, "gaps.id", f"duplicate gap id {gap_id!r} (first at line "
                                                          f"{first[gap_id]}); only one of them is used"))
            first.setdefault(gap_id, line)
        return problems

    def example(self, intent: str, text: str) -> tuple[str, int, str]:
        """File, line and field of one example of an intent."""
        path, entry = self.intents[intent]
        examples = entry["examples"]
        index = list(examples).index(text) if isinstance(examples, Sequence) and text in examples else 0
        return path, line_of(examples, index) or entry.line, f"{intent}.examples[{index}]"

    def item(self, item_id: str) -> tuple[str, int, str]:
        return self.items.get(item_id, ("", 0, ""))

    def category(self, name: str) -> tuple[str, int, str]:
        return self.categories.get(name, ("", 0, ""))

    def concept(self, name: str) -> tuple[str, int, str]:
        return self.concepts.get(name, ("", 0, ""))

    def gap(self, gap_id: str) -> tuple[str, int, str]:
        return self.gaps.get(gap_id, ("", 0, ""))

    @staticmethod
    def where(file: str, line: int) -> str:
        """A short `file:line` for messages (the file name alone; the folder is in the location)."""
        return f"{Path(file).name}:{line}" if line else Path(file).name
