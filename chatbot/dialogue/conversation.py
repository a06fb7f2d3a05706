"""What a conversation remembers between questions: plain ids and numbers, cheap to copy and to
store anywhere (a session store keeps it as JSON), independent per user.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import InputError

VERSION = 1
"""The version of `Conversation.to_dict`'s format; bumped only with a migration from the last one."""


@dataclass(frozen=True)
class Choice:
    """One option of a clarifying question: the intent that would answer, its item if any, and
    the confidence it had (which the answer keeps, when the user picks it)."""

    intent: str
    item: str | None = None
    score: float = 0.0


@dataclass
class Conversation:
    """The current item, the last list shown and any clarifying question still open.

    A new self-contained question replaces all of it; follow-ups ("next", "tell me more",
    "the third one", "the skill") read it.
    """

    item: str | None = None
    """Id of the knowledge item just discussed."""
    listed: str | None = None
    """Category of the last list shown (or of the current item): where "the third one" looks."""
    pending: tuple[Choice, ...] = ()
    """The options of a clarifying question, until the next turn answers it."""
    turns: int = 0
    """Questions asked so far in this conversation."""

    def reset(self) -> None:
        """Forget everything: the next question starts fresh."""
        self.update(Conversation())

    def update(self, other: Conversation) -> None:
        """Take on the state of `other` (the next state a decision computed)."""
        self.item, self.listed, self.pending, self.turns = other.item, other.listed, other.pending, other.turns

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values, with the format's version."""
        return {"version": VERSION, "item": self.item, "listed": self.listed,
                "pending": [{"intent": c.intent, "item": c.item, "score": c.score} for c in self.pending], "turns": self.turns}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Conversation:
        """A conversation saved by `to_dict`; InputError if it is not one this release can read."""
        if not isinstance(data, Mapping):
            raise InputError("a saved conversation must be a JSON object")
        version = data.get("version")
        if version != VERSION:
            if isinstance(version, int) and not isinstance(version, bool) and version > VERSION:
                raise InputError(f"this conversation was saved by a newer release (format {version}); "
                                 f"this one reads format {VERSION}")
            raise InputError(f"not a saved conversation this release can read (format {version!r}, "
                             f"expected {VERSION})")
        item, listed, turns, pending = data.get("item"), data.get("listed"), data.get("turns", 0), data.get("pending", [])
        if not all(v is None or isinstance(v, str) for v in (item, listed)) or isinstance(turns, bool) \
                or not isinstance(turns, int) or turns < 0 or not isinstance(pending, list):
            raise InputError("a saved conversation has item and listed as text or null, turns as a whole "
                             "number and pending as a list")
        choices = []
        for entry in pending:
            score = entry.get("score", 0.0) if isinstance(entry, Mapping) else None
            if not isinstance(entry, Mapping) or not isinstance(entry.get("intent"), str) \
                    or not (entry.get("item") is None or isinstance(entry.get("item"), str)) \
                    or isinstance(score, bool) or not isinstance(score, (int, float)):
                raise InputError("each pending option of a saved conversation needs an intent, an item or null, "
                                 "and a score")
            choices.append(Choice(entry["intent"], entry.get("item"), float(score)))
        return cls(item, listed, tuple(choices), turns)
