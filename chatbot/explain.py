"""Why the bot answered what it did: `chatbot ask --explain`, for people debugging the data.

An explanation shows each stage of one question: the normalized and corrected words, what the
lexicon recognised (items, gaps, positions), the masked tokens the matcher scored, the best
candidates with the example each one matched, and how the threshold decided between them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .bot import Chatbot
from .conversation import Conversation
from .lexicon import Mention
from .normalize import focus
from .reply import Reply


@dataclass(frozen=True)
class Slot:
    """One thing the lexicon recognised in the question."""

    words: tuple[str, ...]
    """The question's tokens it covers."""
    token: str
    """What those tokens became in the masked question."""
    items: tuple[str, ...] = ()
    category: str | None = None
    gap: str | None = None
    position: int | None = None
    implied: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"words": " ".join(self.words), "token": self.token, "items": list(self.items),
                "category": self.category, "gap": self.gap, "position": self.position, "implied": self.implied}


@dataclass(frozen=True)
class Scored:
    """One ranked intent: its score, the example that earned it and the items filling its slot."""

    intent: str
    score: float
    example: str
    items: tuple[str, ...] = ()
    gap: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"intent": self.intent, "score": round(self.score, 3), "example": self.example,
                "items": list(self.items), "gap": self.gap}


@dataclass(frozen=True)
class Explanation:
    """Every stage of answering one question, from the raw text to the reply."""

    question: str
    tokens: tuple[str, ...]
    corrections: tuple[tuple[str, str], ...]
    masked: tuple[str, ...]
    slots: tuple[Slot, ...]
    candidates: tuple[Scored, ...]
    threshold: float
    clarify_margin: float
    decision: str
    reply: Reply
    pieces: tuple[str, ...] = ()
    """Sentences and the last clause of a longer message, each scored on its own as well."""

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values."""
        return {
            "question": self.question,
            "tokens": list(self.tokens),
            "corrections": [{"from": a, "to": b} for a, b in self.corrections],
            "masked": list(self.masked),
            "pieces": list(self.pieces),
            "slots": [slot.to_dict() for slot in self.slots],
            "candidates": [candidate.to_dict() for candidate in self.candidates],
            "threshold": self.threshold,
            "clarify_margin": self.clarify_margin,
            "decision": self.decision,
            "reply": self.reply.to_dict(),
        }

    def to_text(self) -> str:
        """A readable report, one stage per line."""
        lines = [f"question:   {self.question}", f"tokens:     {' '.join(self.tokens) or '(none)'}"]
        if self.corrections:
            lines.append("corrected:  " + ", ".join(f"{a} -> {b}" for a, b in self.corrections))
        lines.extend(f"also scored: {piece}" for piece in self.pieces)
        lines.append(f"masked:     {' '.join(self.masked) or '(none)'}")
        lines.append("found:" + ("      (nothing)" if not self.slots else ""))
        for slot in self.slots:
            lines.append(f"  {' '.join(slot.words)!r} -> {slot.token}{_slot_detail(slot)}")
        lines.append("candidates:" + (" (none: no example shares a word with the question)" if not self.candidates else ""))
        for rank, candidate in enumerate(self.candidates, 1):
            items = f" [{', '.join(candidate.items)}]" if candidate.items else ""
            lines.append(f"  {rank}. {candidate.score:.3f}  {candidate.intent}{items}  "
                         f"matched {candidate.example!r}")
        lines.append(f"decision:   {self.decision}")
        lines.append(f"reply:      [{self.reply.intent}, confidence {self.reply.confidence:.2f}"
                     f"{', fallback' if self.reply.fallback else ''}]")
        lines.extend("  " + line for line in self.reply.text.splitlines())
        return "\n".join(lines)


def explain(bot: Chatbot, text: str, conversation: Conversation | None = None) -> Explanation:
    """Answer `text` as `bot.ask` would (updating `conversation` the same way) and say why."""
    question = bot.clean(text)
    conversation = conversation if conversation is not None else Conversation()
    reading, candidates = bot.matcher.match(question, default_category=bot.list_in_view(conversation))
    reply = bot.ask(question, conversation)
    parts = focus(question)
    settings = bot.settings
    scored = tuple(Scored(c.intent.name, c.score, c.example, c.items, c.gap) for c in candidates)
    return Explanation(
        question=question,
        tokens=reading.tokens,
        corrections=reading.corrections,
        masked=reading.masked,
        slots=tuple(_slot(mention, reading.tokens) for mention in reading.mentions),
        candidates=scored,
        threshold=settings.threshold,
        clarify_margin=settings.clarify_margin,
        decision=_decision(scored, reply, settings.threshold, settings.clarify_margin),
        reply=reply,
        pieces=tuple(parts[1:]),
    )


def _slot(mention: Mention, tokens: tuple[str, ...]) -> Slot:
    return Slot(tokens[mention.start:mention.end], mention.token, mention.items, mention.category, mention.gap,
                mention.position, mention.implied)


def _slot_detail(slot: Slot) -> str:
    details = []
    if slot.items:
        details.append("item " + " / ".join(slot.items))
    if slot.position is not None:
        place = "last" if slot.position == -1 else f"number {slot.position}"
        details.append(f"{place} of the {slot.category}" + (" (the list in view)" if slot.implied else ""))
    if slot.gap:
        details.append(f"gap {slot.gap}")
    return f"  ({'; '.join(details)})" if details else ""


def _decision(candidates: tuple[Scored, ...], reply: Reply, threshold: float, margin: float) -> str:
    """How the best score, the threshold and the reply relate, in one sentence."""
    if not candidates:
        return f"no candidate, so a fallback (threshold {threshold:.2f})"
    best = candidates[0]
    if best.score < threshold:
        return f"best score {best.score:.3f} is below the threshold {threshold:.2f}: fallback with suggestions"
    above = f"best score {best.score:.3f} >= threshold {threshold:.2f}"
    if reply.intent == "clarify":
        return (f"{above}, but the question could mean {' or '.join(reply.options)} (within the clarifying "
                f"margin of {margin:.2f}, or one phrase naming both): the bot asks which was meant")
    if reply.context:
        return f"{above}: {best.intent}, read in context ({reply.context}), answered as {reply.intent}"
    if reply.intent != best.intent:
        return f"{above}: {best.intent}, answered as {reply.intent}"
    return f"{above}: answered as {best.intent}"
