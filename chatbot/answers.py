"""Compose the text of every kind of answer from the knowledge base, in one consistent voice.

Each function returns an `Answer`: the body text, the follow-up questions to offer and the
sources. `finish` appends the offer of where to go next, so every answer ends the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

from .intents import Gap, Intent
from .knowledge import Item, KnowledgeBase
from .reply import Source

MAX_SUGGESTIONS = 3
STARTERS = ("How do I become a production technician?", "What are their duties?", "What skills do I need?")
"""Where to begin when the bot has nothing better to suggest."""


@dataclass(frozen=True)
class Answer:
    """Body text, suggestions and sources, before the closing offer is added."""

    body: str
    suggestions: tuple[str, ...] = ()
    sources: tuple[Source, ...] = ()


def finish(answer: Answer) -> str:
    """The full reply text: the body, then an offer of what to ask next."""
    picks = answer.suggestions[:2]
    if not picks:
        return answer.body
    quoted = " or ".join(f'"{s}"' for s in picks)
    return f"{answer.body}\n\nYou could ask: {quoted}"


def source(item: Item) -> Source:
    """The source entry for an item."""
    return Source(item.id, item.section)


def heading(kb: KnowledgeBase, item: Item) -> str:
    """How an item is introduced: "Step 3 of 5: Become certified" or "Teamwork"."""
    category = kb.category_of(item)
    if category.ordered:
        return f"Step {item.position} of {len(category.items)}: {item.title}"
    return item.title


def more_question(kb: KnowledgeBase, item: Item) -> str:
    """A self-contained question that asks for the longer answer of an item."""
    name = f"step {item.position}" if kb.category_of(item).ordered else item.title.lower()
    return f"Tell me more about {name}"


def explain(kb: KnowledgeBase, items: list[Item], *, detail: str, intent: Intent) -> Answer:
    """One item (or a few named together), short or in detail."""
    parts = []
    for item in items:
        text = item.long if detail == "long" else item.short
        parts.append(f"{heading(kb, item)}. {text}" if item.category != "role" else text)
    last = items[-1]
    suggestions: list[str] = []
    if detail != "long":
        suggestions.append(more_question(kb, last))
    following = kb.neighbour(last, 1)
    if following is not None and last.category != "role":
        suggestions.append(following.ask)
    suggestions.extend(kb.item(ref).ask for ref in last.see_also)
    suggestions.extend(intent.suggestions)
    return Answer("\n\n".join(parts), _unique(suggestions), tuple(source(i) for i in items))


def list_category(kb: KnowledgeBase, name: str, intent: Intent) -> Answer:
    """A category's items as a numbered list."""
    category = kb.categories[name]
    lines = [category.intro] + [f"{i.position}. {i.title}" for i in category.items]
    suggestions = [category.items[0].ask, *intent.suggestions]
    body = "\n".join(lines) + '\n\nAsk about any of them by name or number (for example "the second one").'
    return Answer(body, _unique(suggestions), tuple(source(i) for i in category.items))


def summary(kb: KnowledgeBase, intent: Intent) -> Answer:
    """Everything in a few lines: the role, then the titles of each list."""
    role = kb.categories["role"].items[0]
    lines = [role.short]
    for name in ("steps", "duties", "skills"):
        category = kb.categories[name]
        titles = ", ".join(i.title.lower() for i in category.items)
        lines.append(f"{category.title}: {titles}.")
    sources = [source(role)] + [source(i) for n in ("steps", "duties", "skills") for i in kb.categories[n].items]
    return Answer("\n\n".join(lines), _unique(list(intent.suggestions)), tuple(sources))


def fixed_text(intent: Intent) -> Answer:
    """Small talk: the intent's own text."""
    return Answer(intent.text or "", _unique(list(intent.suggestions)))


def not_covered(kb: KnowledgeBase, intent: Intent, gap: Gap | None) -> Answer:
    """An honest 'the guide does not cover this', pointing at what it does cover."""
    subject = gap.subject if gap else "that"
    body = (intent.text or "").replace("{subject}", subject)
    suggestions = [ask_for(kb, ref) for ref in gap.see_instead] if gap else []
    suggestions.extend(intent.suggestions)
    return Answer(body + " " + _what_it_covers(), _unique(suggestions))


def out_of_scope(intent: Intent) -> Answer:
    """Outside the subject altogether."""
    return Answer(f"{intent.text} {_what_it_covers()}", _unique(list(intent.suggestions)))


def unsure(guesses: list[str]) -> Answer:
    """Too unsure to answer: say so and offer the closest things the bot does know."""
    suggestions = guesses + [STARTERS[0], STARTERS[2]]
    body = "I'm not sure I understood that. " + _what_it_covers()
    return Answer(body, _unique(suggestions))


def clarify(options: list[str]) -> Answer:
    """Ask which of two close readings the user meant."""
    body = f"Do you mean {options[0]}, or {options[1]}?"
    return Answer(body + ' You can answer "the first" or "the second".', ())


def end_of_list(kb: KnowledgeBase, item: Item, direction: int) -> Answer:
    """There is nothing further that way in the list."""
    category = kb.category_of(item)
    edge, end = ("end", "last") if direction > 0 else ("start", "first")
    name = f"step {item.position} ({item.title})" if category.ordered else item.title
    body = f"That's the {edge} of the list: {name} is the {end} of the {category.name}."
    others = [n for n in ("steps", "duties", "skills") if n != category.name]
    suggestions = [list_question(others[0]), list_question(others[1])]
    return Answer(body, _unique(suggestions))


def no_such_place(kb: KnowledgeBase, category: str, place: int) -> Answer:
    """ "The ninth step": the list is shorter than that."""
    items = kb.categories[category].items
    noun = kb.categories[category].noun
    body = f"The guide lists {len(items)} {category}, so there is no {noun} {place}."
    return Answer(body, (list_question(category), items[-1].ask))


def no_context() -> Answer:
    """A follow-up with nothing to follow: offer places to start."""
    body = "I'm happy to go on, but we haven't started on a topic yet. " + _what_it_covers()
    return Answer(body, STARTERS)


def ask_for(kb: KnowledgeBase, ref: str) -> str:
    """A question that asks for an item (by id) or a whole list (by category name)."""
    if ref in kb.items:
        return kb.item(ref).ask
    return list_question(ref)


def list_question(category: str) -> str:
    """The question that asks for a whole list ("What are the skills?")."""
    return f"What are the {category}?"


def _what_it_covers() -> str:
    return ("I can tell you what a production technician does, where they work, the steps to become "
            "one, their duties and the skills they need.")


def _unique(suggestions: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(suggestions))[:MAX_SUGGESTIONS]
