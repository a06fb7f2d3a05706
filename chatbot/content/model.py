"""The content of one career guide, as values: what it says (categories of items), how the bot
presents it (the guide's own texts), what people ask (intents) and the words they use (vocabulary).

Each field is declared once, here, with what it means; `schema` derives the checks and the
documentation of the data files from these declarations, and `load` builds the values.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass

from .schema import Origin, derived, origin, spec

ITEM_PLACES = ("title", "position", "count")
"""What a question or label about one item may name: its title, its place in its list, the list's length."""


class AnswerKind(enum.Enum):
    """How an intent is answered."""

    ITEM = "item"
    """One knowledge item: fixed by `item`, or filled from the question through `slot`."""
    ITEMS = "items"
    """Several fixed items together."""
    LIST = "list"
    """A category's items as a numbered list."""
    SUMMARY = "summary"
    """An overview of the guide (see the guide's `summary`)."""
    TEXT = "text"
    """A fixed reply (small talk)."""
    NOT_COVERED = "not_covered"
    """An honest 'the guide does not cover that', with suggestions."""
    OUT_OF_SCOPE = "out_of_scope"
    """An honest 'that is outside what I know', with suggestions."""
    FOLLOWUP = "followup"
    """A move in the conversation: next, previous, more, or a question about the current item."""


class Action(enum.Enum):
    """The follow-up moves."""

    NEXT = "next"
    PREVIOUS = "previous"
    MORE = "more"
    PRONOUN = "pronoun"
    """A question about the current item ("do I need it?"), answered briefly."""


FALLBACK_ANSWERS = frozenset({AnswerKind.NOT_COVERED, AnswerKind.OUT_OF_SCOPE})


@dataclass(frozen=True)
class Item:
    """One fact-bearing thing the bot can explain: a step, a duty, a skill, a facet of the role."""

    id: str = spec("Unique id, such as `step.education`; replies and labelled questions name items by it.")
    title: str = spec("Its name as the guide gives it, shown in lists and headings.")
    synonyms: tuple[str, ...] = spec("Words and phrases that name it, in the forms people type.")
    short: str = spec("The answer, in a sentence or two, in our own words.")
    long: str = spec("The longer answer, for \"tell me more\".")
    section: str = spec("Where in the article the facts come from.")
    see_also: tuple[str, ...] = spec("Ids of closely related items, offered after it.", default=())
    ask: str | None = spec("A question that asks for it (default: its category's `ask`).", default=None,
                           placeholders=ITEM_PLACES)
    descriptions: tuple[str, ...] = spec(
        "Ways people describe it without naming it: what it involves, situations, what it is for. "
        "Read as evidence, word by word, when the question names nothing.", default=())
    position: int = derived(0, doc="1-based place in its category's list.")
    category: str = derived("", doc="The name of its category.")
    origin: Origin = origin()


@dataclass(frozen=True)
class Category:
    """A list of items of one kind (the steps, the duties, the skills...), one file each."""

    name: str = spec("The category's name, such as `skills`; intents and the guide refer to it.", key="category")
    title: str = spec("Its heading in menus and overviews.")
    noun: str = spec("What one item is called, such as `skill`.")
    plural: str = spec("What several are called, such as `skills`.")
    ordered: bool = spec("True when the order matters (steps): items are then named by number too.")
    intro: str = spec("The sentence that opens the list.")
    section: str = spec("Where in the article the list comes from.")
    items: tuple[Item, ...] = spec("The items, in the guide's order.")
    synonyms: tuple[str, ...] = spec("Words for the whole list (`abilities` for skills); read only for a "
                                     "category that has a list intent.", default=())
    ask: str = spec("A question that asks for one item, for suggestions.", default="Tell me about {title}",
                    placeholders=ITEM_PLACES)
    label: str | None = spec("How an answer about one item is introduced (`Step {position} of {count}: "
                             "{title}`); null for no heading.", default="{title}", placeholders=ITEM_PLACES)
    more: str = spec("A question that asks for an item's longer answer.", default="Tell me more about {title}",
                     placeholders=ITEM_PLACES)
    list_ask: str = spec("A question that asks for the whole list.", default="What are the {plural}?",
                         placeholders=("plural", "noun"))
    origin: Origin = origin()


@dataclass(frozen=True)
class Summary:
    """What the overview is made of."""

    lead: str = spec("The item whose short answer opens the overview.")
    lists: tuple[str, ...] = spec("The categories whose items the overview names, in order.")
    origin: Origin = origin()


@dataclass(frozen=True)
class Guide:
    """How the bot presents this guide: `knowledge/guide.yaml`."""

    subject: str = spec("What the bot answers questions about, completing \"questions about ...\".")
    greeting: str = spec("The first thing the chat and the widget say.")
    covers: str = spec("One sentence on what the bot can answer, said with every fallback.")
    goodbye: str = spec("What the terminal chat says on leaving.")
    starters: tuple[str, ...] = spec("Questions to begin with, offered when there is nothing better.")
    order: tuple[str, ...] = spec("Every category, in the order menus and overviews show them.")
    default_list: str | None = spec("The list a bare \"the third one\" reads before any list was shown; "
                                    "null (the default) to say there is nothing to pick from yet.", default=None)
    summary: Summary | None = spec("What the overview says (needed by an intent with `answer: summary`).",
                                   default=None)
    origin: Origin = origin()


@dataclass(frozen=True)
class Intent:
    """Something a user can ask for, with examples of asking it, and how the bot answers."""

    name: str = spec("Unique name; replies report it as `intent`.")
    answer: AnswerKind = spec("How it is answered.")
    examples: tuple[str, ...] = spec("Ways of asking it. `{item}` stands for any item of the slot category, "
                                     "`{gap}` for any gap, `{concept}` for any phrase of that concept.")
    slot: str | None = spec("For `answer: item`: the category whose items the question names.", default=None)
    item: str | None = spec("For `answer: item`: the one item it answers.", default=None)
    items: tuple[str, ...] = spec("For `answer: items`: the items it answers together.", default=())
    category: str | None = spec("For `answer: list`: the category it lists.", default=None)
    text: str | None = spec("For `text`, `not_covered` and `out_of_scope`: the reply; a not-covered reply "
                            "may name the subject asked about as `{subject}`.", default=None,
                            placeholders=("subject",))
    action: Action | None = spec("For `answer: followup`: the move.", default=None)
    suggestions: tuple[str, ...] = spec("Questions to offer after the answer.", default=())
    origin: Origin = origin()

    @property
    def is_fallback(self) -> bool:
        """True for intents whose reply says the question cannot be answered."""
        return self.answer in FALLBACK_ANSWERS


@dataclass(frozen=True)
class IntentFile:
    """A file of intents."""

    intents: tuple[Intent, ...] = spec("The intents.")
    origin: Origin = origin()


@dataclass(frozen=True)
class Gap:
    """A subject people ask about that the guide does not cover (pay, hours...)."""

    id: str = spec("Unique id, such as `pay`.")
    subject: str = spec("The subject in words, said back in the not-covered reply.")
    synonyms: tuple[str, ...] = spec("Words and phrases that name it.")
    see_instead: tuple[str, ...] = spec("Item ids or category names worth suggesting instead.")
    origin: Origin = origin()


@dataclass(frozen=True)
class Vocabulary:
    """Concepts (words that read the same) and gaps: `intents/vocabulary.yaml`."""

    concepts: Mapping[str, tuple[str, ...]] = spec(
        "Concept word -> phrases that mean the same to the matcher (`requirement: [prereqs, quals]`).")
    gaps: tuple[Gap, ...] = spec("Subjects the guide does not cover.")
    origin: Origin = origin()


@dataclass(frozen=True)
class Content:
    """Everything loaded, checked and cross-referenced: what the rest of the bot reads."""

    guide: Guide
    categories: Mapping[str, Category]
    """In the guide's order."""
    items: Mapping[str, Item]
    intents: Mapping[str, Intent]
    """By name, in name order (so that no file name can change which intent wins a tie)."""
    vocabulary: Vocabulary
    gaps: Mapping[str, Gap]
    lists: tuple[str, ...]
    """Categories people ask for as a list, walk with "next" and pick from by number: those with a
    list intent, in the guide's order."""
    list_intents: Mapping[str, str]
    """Category -> the intent that lists it."""
    answering: Mapping[str, str]
    """Item id -> the intent that answers it on its own (its category's slot intent, or its fixed one)."""

    def item(self, item_id: str) -> Item:
        """The item with this id."""
        return self.items[item_id]

    def category_of(self, item: Item) -> Category:
        """The category an item belongs to."""
        return self.categories[item.category]

    def neighbour(self, item: Item, offset: int) -> Item | None:
        """The item `offset` places away in the same list, or None past either end."""
        index = item.position - 1 + offset
        items = self.categories[item.category].items
        return items[index] if 0 <= index < len(items) else None
