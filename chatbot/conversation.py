"""What a conversation remembers between questions: small, cheap and independent per user."""

from __future__ import annotations

from dataclasses import dataclass

from .matcher import Candidate


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
    pending: tuple[Candidate, ...] = ()
    """The options of a clarifying question, until the next turn answers it."""
    turns: int = 0
    """Questions asked so far in this conversation."""

    def reset(self) -> None:
        """Forget everything: the next question starts fresh."""
        self.item, self.listed, self.pending, self.turns = None, None, (), 0
