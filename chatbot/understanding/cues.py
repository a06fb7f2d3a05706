"""Conversational cues in a question's words: a move relative to an item ("the one after
inventory", "what precedes it"), a pointer back at what was just said ("who hands those out?"),
and choices turned down ("the skill, not the duty"). The word lists are English knowledge, in
english.yaml; the policy reads the cues from the parse, never the words.
"""

from __future__ import annotations

from .parse import Mention, Move, Refers
from .text import STOP_WORDS, TABLE, normalize


def _stems(words: object) -> frozenset[str]:
    return frozenset(token for word in words for token in normalize(str(word)))  # type: ignore[attr-defined]


DIRECTIONS = {token: int(step) for word, step in TABLE["directions"].items() for token in normalize(str(word))}
BACK_REFERENCES = _stems(TABLE["back_references"])
ELLIPTICAL = _stems(TABLE["elliptical"])
FRAMING = _stems(TABLE["framing"]) | STOP_WORDS
NEGATIONS = _stems(TABLE["negations"])
QUESTION_WORDS = _stems(["what", "who", "which", "why", "how", "where", "when"])
DETAIL_OPENERS = _stems(["like", "any"])
"""Words that open a question about a detail as well as question words do ("like reports?")."""
REACH = 4
"""How many words after a direction word its anchor may be ("after the teamwork skill")."""


def find_move(tokens: tuple[str, ...], mentions: tuple[Mention, ...], category_words: frozenset[str]) -> Move | None:
    """A relative move, when the question is framed as one: only framing words before the
    direction word, and after it an item, a pointer back, or nothing."""
    for index, token in enumerate(tokens):
        direction = DIRECTIONS.get(token)
        if direction is None or _inside(index, mentions):  # "after certification" may name an item itself
            continue
        before = [t for n, t in enumerate(tokens[:index]) if not _inside(n, mentions)]
        if any(t not in FRAMING and t not in category_words and t not in DIRECTIONS for t in before):
            return None
        if any(m.items and m.end <= index for m in mentions):
            return None  # "do I need experience before applying": the item named first is the subject
        after = [m for m in mentions if m.items and index < m.start <= index + REACH]
        if after:
            return Move(direction, after[0].items)
        rest = [t for n, t in enumerate(tokens[index + 1:], index + 1) if not _inside(n, mentions)]
        if all(t in FRAMING or t in BACK_REFERENCES or t in category_words or t in DIRECTIONS or t == "one"
               for t in rest):  # "what's the next step after that", "the skill before that one"
            return Move(direction, ())
        return None
    return None


def refers_back(plain: tuple[str, ...], mentions: tuple[Mention, ...]) -> Refers:
    """Whether the question points back at what was just discussed and names nothing itself:
    it uses a pointer ("what is it looking for?") or asks only for more ("for example?"), or it is
    a bare question word and a word or two ("who with?"). `plain` are its words before concepts
    were read."""
    if any(m.gap or m.position is not None for m in mentions):
        return Refers.NO
    content = [t for t in plain if t not in STOP_WORDS]
    # "what methods?", "who awards", "with who?": a bare question word and a word or two
    own = [t for t in content if t not in FRAMING and t not in QUESTION_WORDS]
    addressed = "you" in plain or "your" in plain  # "who are you?" asks about the bot
    opening = plain[:2] if plain[:1] and plain[0] in STOP_WORDS else plain[:1]
    questioning = not QUESTION_WORDS.isdisjoint(opening)
    bare = len(own) <= 2 and not addressed
    if any(m.items for m in mentions):  # "like reports?", but not "I like plastics"
        detail = questioning or bool(plain) and plain[0] in DETAIL_OPENERS
        return Refers.DETAIL if bare and detail else Refers.NO
    if bare and questioning and not any(m.token for m in mentions):
        return Refers.QUESTION
    if any(t in BACK_REFERENCES for t in plain) or bool(content) and all(t in ELLIPTICAL for t in content):
        return Refers.POINTER
    return Refers.NO


def describes_one(tokens: tuple[str, ...], mentions: tuple[Mention, ...]) -> bool:
    """True for a pick by description: "the detail one", "the one with the machines", "the 1 bout
    improving stuff" (it may name an item of another list: the list in view decides)."""
    if any(m.gap or m.position is not None for m in mentions) or len(tokens) > 7 \
            or any(t in DIRECTIONS for t in tokens):  # "previous one" is a move
        return False
    content = [t for t in tokens if t not in FRAMING and t not in QUESTION_WORDS]
    return ("one" in tokens or "1" in tokens) and 1 <= len([t for t in content if t not in ("one", "1")]) <= 4


def turned_down(tokens: tuple[str, ...], start: int) -> bool:
    """True when the words just before `start` turn down what follows ("not the duty")."""
    return any(t in NEGATIONS for t in tokens[max(0, start - 2):start])


def _inside(index: int, mentions: tuple[Mention, ...]) -> bool:
    return any(m.start <= index < m.end for m in mentions)
