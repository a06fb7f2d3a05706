"""What the understanding layer makes of one question: a finished value the dialogue policy reads.

The policy never looks at tokens: everything it needs (the ranked intents, the items and lists
named, a place in a list, whether more detail was asked for, an ordinal pick) is a field here.
The reading (tokens, corrections, masked text, mentions) rides along for `explain`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from .evidence import Found


class Refers(enum.IntEnum):
    """How a question points back at what was just discussed (false when it does not)."""

    NO = 0
    POINTER = 1
    """With a pointer or a request for more: "what is it for?", "for example?"."""
    QUESTION = 2
    """A bare question word and a word or two: "who with?", "what methods?" (never small talk)."""
    DETAIL = 3
    """The same shape naming something: "what kind of faults?", "like reports?": a detail of the
    current item when its own texts are the best evidence for the words, else what it names."""


class Detail(enum.Enum):
    """How much the question asks for."""

    SHORT = "short"
    LONG = "long"


@dataclass(frozen=True)
class Mention:
    """A run of question tokens that names something the bot knows."""

    start: int
    end: int
    token: str
    """What the run becomes in masked text: a sentinel, a category word or a concept word."""
    items: tuple[str, ...] = ()
    """Knowledge item ids it may name (more than one when the phrase is ambiguous)."""
    gap: str | None = None
    category: str | None = None
    position: int | None = None
    """A place in a list ("third" -> 3, "last" -> -1), when the mention names one by position."""
    implied: bool = False
    """True when the list was not named ("the third one") and the list in view was used."""


@dataclass(frozen=True)
class Reading:
    """The question as the lexicon read it."""

    tokens: tuple[str, ...]
    """Normalized, typo-corrected tokens."""
    masked: tuple[str, ...]
    """Tokens with mentions replaced by their symbols: what the matcher scores."""
    mentions: tuple[Mention, ...]
    corrections: tuple[tuple[str, str], ...] = ()
    plain: tuple[str, ...] = ()
    """The corrected, stemmed tokens before concepts were read ("example" rather than its concept)."""


@dataclass(frozen=True)
class Candidate:
    """One intent's best score for a question, the example that earned it, and the slots found."""

    intent: str
    score: float
    example: str
    items: tuple[str, ...] = ()
    """Knowledge items that fill the intent's slot, in the order the question names them."""
    gap: str | None = None


@dataclass(frozen=True)
class Place:
    """A place in a list that the question names: "step 3", "the third one", "the last skill"."""

    category: str | None
    """The list, or None when no list is in view ("the third one" before any list was shown)."""
    number: int
    """1-based; -1 for "the last"."""
    item: str | None
    """The item at that place, or None when the list is shorter."""
    implied: bool
    """True when the list was not named and the one in view was read."""


@dataclass(frozen=True)
class Move:
    """A step from one item to its neighbour: `direction` +1 or -1 from the item the question
    names (`anchor`: the items its phrase may mean), or from the item being discussed when it names
    none ("the one before that")."""

    direction: int
    anchor: tuple[str, ...] = ()


@dataclass(frozen=True)
class Parse:
    """Everything understood about one question."""

    question: str
    candidates: tuple[Candidate, ...]
    """The best intents, best first."""
    named: tuple[tuple[str, ...], ...] = ()
    """For each phrase that names knowledge items, the items it may mean, in question order."""
    categories: tuple[str, ...] = ()
    """Lists named outright by a word ("next skill", "the step"), in question order."""
    place: Place | None = None
    detail: Detail = Detail.SHORT
    pick: int | None = None
    """An ordinal on its own or nearly ("the first", "2"): how an answer to a clarifying question picks."""
    reading: Reading | None = None
    pieces: tuple[str, ...] = ()
    """Sentences and the last clause of a longer message, each also scored on its own."""
    evidence: tuple[Found, ...] = ()
    """The items the question's words point at, best first, when it names no item itself."""
    move: Move | None = None
    """A step to a neighbouring item ("the one after inventory", "what precedes it")."""
    refers: Refers = Refers.NO
    """Whether the question points back at what was just discussed ("what is it for?") and names nothing."""
    slots: tuple[str, ...] = ()
    """Categories a word of the question points at without naming an item ("in general": the topics)."""
    singular: bool = False
    """True when a list is named in the singular ("the duty one"), which asks for one of its items."""
    describes: bool = False
    """True when the question picks an item by describing it ("the detail one") without naming it."""

    @property
    def items(self) -> tuple[str, ...]:
        """Every item the question names, in order, each once."""
        return tuple(dict.fromkeys(item for group in self.named for item in group))

    @property
    def best(self) -> Candidate | None:
        return self.candidates[0] if self.candidates else None
