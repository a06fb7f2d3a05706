"""The checks behind `chatbot validate`: what a maintainer should fix before the data ships.

Loading already refuses malformed, inconsistent or unservable data; that refusal is reported
here as one problem with its file, line and field. Data that loads is then checked for what
loading allows but the matcher trips over: examples that two intents share (or nearly share, as
the matcher itself scores them), phrases that two things claim, and suggestions the bot cannot
answer. Every location comes from the loaded values' own origins: nothing is parsed twice.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from ..content.model import AnswerKind, Intent
from ..dialogue.bot import Chatbot
from ..errors import DataError
from ..settings import Settings
from ..understanding.lexicon import GAP, MAX_PHRASE, concept_token, sentinel
from ..understanding.parse import Mention, Reading


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
    1 - the clarifying margin (see `similar_examples`).
    """
    try:
        bot = Chatbot.load(settings=settings)
    except DataError as error:
        return [Problem(error.path or "", error.line or 0, error.field or "", error.message)]
    cutoff = 1.0 - settings.tuning.clarify_margin if similar_at is None else similar_at
    return [*similar_examples(bot, cutoff), *shared_phrases(bot), *examples_naming_items(bot),
            *unanswered_suggestions(bot)]


def report(problems: list[Problem]) -> str:
    """The problems as text for people, one per line, with a count at the end."""
    if not problems:
        return "The data is valid: no problems found."
    lines = [str(problem) for problem in problems]
    lines.append(f"\n{len(problems)} problem{'s' if len(problems) != 1 else ''} found.")
    return "\n".join(lines)


def similar_examples(bot: Chatbot, cutoff: float) -> list[Problem]:
    """Pairs of examples of different intents that the matcher scores at `cutoff` or more
    against each other.

    The score is the matcher's own (`IntentMatcher.similarities`): each example is scored as a
    question would be, against the examples that share a telling word with it. With the default
    cutoff of 1 - the clarifying margin (0.88), asking one example word for word would leave the
    other intent within the clarifying margin: the bot could not tell which of the two was meant.
    """
    matcher, intents = bot.matcher, bot.content.intents
    examples = matcher.examples
    problems = []
    for i, example in enumerate(examples):
        for j, score in sorted(matcher.similarities(example.tokens).items()):
            other = examples[j]
            if j <= i or other.intent == example.intent or score < cutoff - 1e-9:
                continue
            first, second = sorted([(_example_at(intents[e.intent], e.text), e) for e in (example, other)],
                                   key=lambda pair: pair[0][:2])
            (file, line, field), one = first
            (other_file, other_line, _), two = second
            same = " (they read the same to the matcher)" if example.tokens == other.tokens else ""
            problems.append(Problem(file, line, field, (
                f"example {one.text!r} of intent {one.intent!r} and {two.text!r} of "
                f"intent {two.intent!r} ({_short(other_file, other_line)}) score {min(score, 1.0):.2f} against "
                f"each other{same}; the matcher cannot tell them apart: reword or drop one")))
    return sorted(problems, key=lambda p: (p.file, p.line))


def _example_at(intent: Intent, text: str) -> tuple[str, int, str]:
    """File, line and field of one example of an intent."""
    index = intent.examples.index(text) if text in intent.examples else 0
    return intent.origin.path, intent.origin.at("examples", index), f"{intent.name}.examples[{index}]"


def shared_phrases(bot: Chatbot) -> list[Problem]:
    """Phrases that do not read as what they were written for: a synonym another item, gap,
    category or concept already claims (the lexicon keeps one claim and drops the others), or
    one too long to be found.

    Each phrase is put through the lexicon exactly as a question would be, so the check follows
    the lexicon's own rules of precedence. A phrase naming two items is fine when the items
    point to each other (`see_also`: a skill and the article about it are one subject); any
    other shared item phrase makes every question using it ambiguous.
    """
    content, lexicon = bot.content, bot.matcher.lexicon
    in_view = content.guide.default_list or content.lists[0] if content.lists else None
    problems = []
    words = {concept_token(name): f"category {name}" for name in content.categories}
    words.update({concept_token(name): f"concept {name}" for name in content.vocabulary.concepts})

    def expect(phrases: tuple[str, ...], place: tuple[str, int, str], owner: str,
               fits: Callable[[Reading], bool], item: str | None = None) -> None:
        file, line, field = place
        unused: dict[str, list[str]] = defaultdict(list)
        for phrase in dict.fromkeys(phrases):
            reading = lexicon.read(phrase, in_view=in_view)
            if not reading.tokens:
                continue
            whole = [m for m in reading.mentions if (m.start, m.end) == (0, len(reading.tokens))]
            if item and whole and item in whole[0].items:
                unrelated = [i for i in whole[0].items if i != item and i not in content.item(item).see_also
                             and item not in content.item(i).see_also]
                for other in unrelated:
                    at = content.item(other).origin
                    problems.append(Problem(file, line, field, (
                        f"{phrase!r} names both {owner} and item {other} ({_short(at.path, at.at('synonyms'))}), "
                        "which are unrelated: every question using it is ambiguous; give each item its own "
                        "phrase, or link them with see_also")))
            elif len(reading.tokens) > MAX_PHRASE:
                unused[f"longer than the {MAX_PHRASE} words the lexicon looks for"].append(phrase)
            elif not fits(reading):
                unused[f"read as {_describe(reading, words)}"].append(phrase)
        if unused:
            reasons = "; ".join(f"{', '.join(map(repr, found))} {'is' if len(found) == 1 else 'are'} {why}"
                                for why, found in unused.items())
            problems.append(Problem(file, line, field, (
                f"phrases that can never reach {owner}: {reasons}. Drop or reword them")))

    for category in content.categories.values():
        for index, it in enumerate(category.items):
            expect((it.title, *it.synonyms), (it.origin.path, it.origin.at("synonyms"), f"items[{index}].synonyms"),
                   f"item {it.id}", partial(_names_item, it.id), item=it.id)
    for index, gap in enumerate(content.vocabulary.gaps):
        expect(gap.synonyms, (gap.origin.path, gap.origin.at("synonyms"), f"gaps[{index}].synonyms"),
               f"gap {gap.id}", partial(_names_gap, gap.id))
    for category in content.categories.values():
        place = (category.origin.path, category.origin.at("synonyms"), "synonyms")
        if category.name not in content.lists:
            if category.synonyms:
                problems.append(Problem(*place, (
                    f"no intent lists category {category.name}, so its synonyms are never read: "
                    "drop them, or add an intent with `answer: list` for it")))
            continue
        expect((category.name, *category.synonyms), place, f"category {category.name}",
               partial(_reads_as, concept_token(category.name)))
    vocabulary = content.vocabulary
    for concept, phrases in vocabulary.concepts.items():
        place = (vocabulary.origin.path, vocabulary.origin.at(f"concepts.{concept}"), f"concepts.{concept}")
        expect((concept, *phrases), place, f"concept {concept}", partial(_reads_as, concept_token(concept)))
    return problems


def examples_naming_items(bot: Chatbot) -> list[Problem]:
    """Examples that name an item of a category their intent does not answer ("which strengths
    does the job call for" reads "job call" as the job's other names): the example then only
    matches questions about that item, which is never what it was written for. Read from the
    matcher's own masked examples, so templated examples are checked too."""
    content = bot.content
    sentinels = {sentinel(name): name for name in content.categories}
    problems = []
    for example in bot.matcher.examples:
        intent = content.intents[example.intent]
        named = [sentinels[t] for t in example.tokens if t in sentinels and sentinels[t] != intent.slot]
        named += [t[1:] for t in example.tokens if t.startswith("@") and t[1:] != intent.item]
        if GAP in example.tokens and intent.answer is not AnswerKind.NOT_COVERED:
            named.append("a gap")
        if not named or example.text not in intent.examples:
            continue
        index = intent.examples.index(example.text)
        what = ", ".join(n if n == "a gap" else f"an item of {n}" if n in content.categories else f"item {n}"
                         for n in named)
        problems.append(Problem(intent.origin.path, intent.origin.at("examples", index), f"{intent.name}.examples[{index}]", (
            f"example {example.text!r} names {what}, which intent {intent.name!r} does not answer: it would only "
            f"match questions about that; reword it (`chatbot ask --explain` shows which words)")))
    return problems


def unanswered_suggestions(bot: Chatbot) -> list[Problem]:
    """Suggestions and starters the bot would answer with a fallback: a button that leads nowhere."""
    content = bot.content
    offered: dict[str, tuple[str, int, str]] = {}
    for index, starter in enumerate(content.guide.starters):
        offered.setdefault(starter, (content.guide.origin.path, content.guide.origin.at("starters", index),
                                     f"starters[{index}]"))
    for intent in content.intents.values():
        for index, suggestion in enumerate(intent.suggestions):
            offered.setdefault(suggestion, (intent.origin.path, intent.origin.at("suggestions", index),
                                            f"{intent.name}.suggestions[{index}]"))
    for item in content.items.values():
        offered.setdefault(item.ask or "", (item.origin.path, item.origin.at("ask"), f"{item.id}.ask"))
    problems = []
    for question, place in offered.items():
        if question and bot.ask(question).fallback:
            problems.append(Problem(*place, f"the suggestion {question!r} gets a fallback: reword it, or teach "
                                            "the bot to answer it"))
    return problems


def _names_item(item: str, reading: Reading) -> bool:
    return _names(reading, lambda m: item in m.items)


def _names_gap(gap: str, reading: Reading) -> bool:
    return _names(reading, lambda m: m.gap == gap)


def _reads_as(word: str, reading: Reading) -> bool:
    return reading.masked == (word,)


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


def _short(file: str, line: int) -> str:
    """A short `file:line` for messages (the file name alone; the folder is in the location)."""
    return f"{Path(file).name}:{line}" if line else Path(file).name
