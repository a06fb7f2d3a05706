"""The value a question gets back: what to show, and what a program needs to know about it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..understanding.parse import Parse
    from .policy import Decision


@dataclass(frozen=True)
class Source:
    """Where an answer comes from: a knowledge item and the article section behind it."""

    id: str
    section: str


@dataclass(frozen=True)
class Trace:
    """How a reply came about: the parse of the question and the decision taken on it."""

    parse: Parse
    decision: Decision


@dataclass(frozen=True)
class Reply:
    """An immutable answer. `fallback` is true whenever the bot could not answer from the guide
    or as small talk: the subject is not covered, out of scope, or the bot is too unsure."""

    text: str
    intent: str
    confidence: float
    fallback: bool
    suggestions: tuple[str, ...] = ()
    sources: tuple[Source, ...] = ()
    context: str | None = None
    """How the conversation filled in the question ("next after step.experience"), if it did."""
    options: tuple[str, ...] = field(default=(), compare=False)
    """For a clarifying question: the choices offered, in order."""
    body: str = field(default="", compare=False)
    """The text without its closing offer of what to ask next, for front ends that show the
    suggestions as buttons or numbered picks instead."""
    trace: Trace | None = field(default=None, compare=False, repr=False)
    """With `ask(..., trace=True)`: the parse and the decision behind this reply."""

    @property
    def item(self) -> str | None:
        """The main knowledge item answered, if any."""
        return self.sources[0].id if self.sources else None

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values."""
        return {
            "text": self.text,
            "body": self.body or self.text,
            "intent": self.intent,
            "confidence": round(self.confidence, 3),
            "fallback": self.fallback,
            "suggestions": list(self.suggestions),
            "sources": [{"id": s.id, "section": s.section} for s in self.sources],
            "context": self.context,
        }
