"""Why the bot answered what it did: `chatbot ask --explain`, for people debugging the data.

An explanation is the trace of one real answer (`Chatbot.ask(..., trace=True)`), rendered: the
normalized and corrected words, what the lexicon recognised, the masked tokens the matcher
scored, the candidates with the example each one matched, and the decision the policy took,
with the rule that fired and the numbers it compared. Nothing is worked out a second time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..dialogue.bot import Chatbot
from ..dialogue.conversation import Conversation
from ..dialogue.policy import Decision, Rule
from ..dialogue.reply import Reply
from ..understanding.parse import Candidate, Mention, Parse


@dataclass(frozen=True)
class Explanation:
    """One answered question and the trace behind it."""

    reply: Reply
    parse: Parse
    decision: Decision

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values."""
        parse, decision = self.parse, self.decision
        reading = parse.reading
        return {
            "question": parse.question,
            "tokens": list(reading.tokens) if reading else [],
            "corrections": [{"from": a, "to": b} for a, b in reading.corrections] if reading else [],
            "masked": list(reading.masked) if reading else [],
            "pieces": list(parse.pieces),
            "slots": [_mention(m, reading.tokens) for m in reading.mentions] if reading else [],
            "candidates": [_candidate(c) for c in parse.candidates],
            "decision": {
                "rule": decision.rule.value, "reason": reason(decision), "intent": decision.intent,
                "confidence": round(decision.confidence, 3),
                "chosen": _candidate(decision.chosen) if decision.chosen else None,
                "rival": _candidate(decision.rival) if decision.rival else None,
                "margin": round(decision.margin, 3) if decision.margin is not None else None,
                "threshold": decision.threshold, "clarify_margin": decision.clarify_margin,
                "context": decision.context, "state": decision.state.to_dict(),
            },
            "reply": self.reply.to_dict(),
        }

    def to_text(self) -> str:
        """A readable report, one stage per line."""
        parse, decision = self.parse, self.decision
        reading = parse.reading
        tokens = reading.tokens if reading else ()
        lines = [f"question:   {parse.question}", f"tokens:     {' '.join(tokens) or '(none)'}"]
        if reading and reading.corrections:
            lines.append("corrected:  " + ", ".join(f"{a} -> {b}" for a, b in reading.corrections))
        lines.extend(f"also scored: {piece}" for piece in parse.pieces)
        lines.append(f"masked:     {' '.join(reading.masked) if reading and reading.masked else '(none)'}")
        mentions = reading.mentions if reading else ()
        lines.append("found:" + ("      (nothing)" if not mentions else ""))
        for mention in mentions:
            words = " ".join(tokens[mention.start:mention.end])
            lines.append(f"  {words!r} -> {mention.token}{_mention_detail(mention)}")
        lines.append("candidates:" + (" (none: no example shares a word with the question)"
                                      if not parse.candidates else ""))
        for rank, candidate in enumerate(parse.candidates, 1):
            items = f" [{', '.join(candidate.items)}]" if candidate.items else ""
            lines.append(f"  {rank}. {candidate.score:.3f}  {candidate.intent}{items}  matched {candidate.example!r}")
        lines.append(f"decision:   {reason(decision)}")
        lines.append(f"reply:      [{self.reply.intent}, confidence {self.reply.confidence:.2f}"
                     f"{', fallback' if self.reply.fallback else ''}]")
        lines.extend("  " + line for line in self.reply.text.splitlines())
        return "\n".join(lines)


def explain(bot: Chatbot, text: str, conversation: Conversation | None = None) -> Explanation:
    """Answer `text` exactly as `bot.ask` does (updating `conversation` the same way), with its trace."""
    reply = bot.ask(text, conversation, trace=True)
    assert reply.trace is not None
    return Explanation(reply, reply.trace.parse, reply.trace.decision)


def reason(decision: Decision) -> str:
    """The rule that fired and the numbers it compared, in one sentence."""
    best, rival = decision.chosen, decision.rival
    threshold = decision.threshold
    above = f"best score {best.score:.3f} >= threshold {threshold:.2f}" if best else ""
    rule = decision.rule
    if rule is Rule.UNSURE:
        if best is None:
            return f"no candidate, so a fallback (threshold {threshold:.2f})"
        return f"best score {best.score:.3f} is below the threshold {threshold:.2f}: fallback with suggestions"
    if rule is Rule.NAMED:
        return (f"best score {best.score:.3f} is below the threshold {threshold:.2f}, but the question names one "
                f"item and {decision.intent} answers it: answered" if best else "named")
    if rule is Rule.PAST_THE_END:
        return f"place {decision.place} of the {decision.category} is past the end of that list: said so"
    if rule is Rule.CLARIFY:
        options = " or ".join(f"{o.intent}" + (f" [{o.item}]" if o.item else "") for o in decision.options)
        gap = f"{decision.margin:.3f}" if decision.margin is not None else "0"
        return (f"{above}, but one phrase names {options} and they are {gap} apart (the clarifying margin is "
                f"{decision.clarify_margin:.2f}, or both are items of one kind): asked which was meant")
    if rule is Rule.CLARIFIED:
        return f"the question picked an option of the clarifying question: answered as {decision.intent}"
    if rule is Rule.NO_CONTEXT:
        return f"{above}: {best.intent if best else 'a follow-up'}, but the conversation has nothing to follow up"
    if rule is Rule.END_OF_LIST:
        return f"{above}: {best.intent if best else 'a move'} ({decision.context}), but the list ends there"
    if rule is Rule.FOLLOW_UP:
        return f"{above}: {best.intent if best else 'a follow-up'}, read in context ({decision.context}), " \
               f"answered as {decision.intent}"
    if rule is Rule.SPECIFIC:
        listed = rival.intent if rival else "the list"
        return (f"{above}: the question names an item, so {decision.intent} is preferred to {listed} "
                f"(within the specific margin)")
    margin = f" (ahead of {rival.intent} by {decision.margin:.3f})" if rival and decision.margin is not None else ""
    context = f", read in context ({decision.context})" if decision.context else ""
    return f"{above}: answered as {decision.intent}{margin}{context}"


def _candidate(candidate: Candidate) -> dict[str, Any]:
    return {"intent": candidate.intent, "score": round(candidate.score, 3), "example": candidate.example,
            "items": list(candidate.items), "gap": candidate.gap}


def _mention(mention: Mention, tokens: tuple[str, ...]) -> dict[str, Any]:
    return {"words": " ".join(tokens[mention.start:mention.end]), "token": mention.token, "items": list(mention.items),
            "category": mention.category, "gap": mention.gap, "position": mention.position, "implied": mention.implied}


def _mention_detail(mention: Mention) -> str:
    details = []
    if mention.items:
        details.append("item " + " / ".join(mention.items))
    if mention.position is not None:
        place = "last" if mention.position == -1 else f"number {mention.position}"
        details.append(f"{place} of the {mention.category}" + (" (the list in view)" if mention.implied else ""))
    if mention.gap:
        details.append(f"gap {mention.gap}")
    return f"  ({'; '.join(details)})" if details else ""
