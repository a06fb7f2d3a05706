"""Compose the reply to a decision, from the content, in one consistent voice.

Everything said about the guide comes from the data (the guide's texts, each category's labels
and questions, each intent's text); this module only joins it up. Each reply ends with an offer
of where to go next (`finish`), so every answer ends the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..content import template
from ..content.load import places
from ..content.model import AnswerKind, Category, Content, Gap, Intent, Item
from ..understanding.parse import Detail
from .conversation import Choice
from .policy import Decision, Reaction
from .reply import Reply, Source

MAX_SUGGESTIONS = 3
LIST_HINT = 'Ask about any of them by name or number (for example "the second one").'


@dataclass(frozen=True)
class Answer:
    """Body text, suggestions and sources, before the closing offer is added."""

    body: str
    suggestions: tuple[str, ...] = ()
    sources: tuple[Source, ...] = ()


def compose(decision: Decision, content: Content) -> Reply:
    """The reply a decision calls for."""
    writer = _Writer(content)
    reaction = decision.reaction
    if reaction is Reaction.INTENT:
        answer = writer.intent_answer(decision)
    elif reaction is Reaction.UNSURE:
        answer = writer.unsure(decision.guesses)
    elif reaction is Reaction.CLARIFY:
        answer = writer.clarify(decision.options)
    elif reaction is Reaction.END_OF_LIST:
        answer = writer.end_of_list(content.item(decision.items[0]), decision.direction)
    elif reaction is Reaction.NO_SUCH_PLACE:
        answer = writer.no_such_place(decision.category or "", decision.place or 0)
    else:
        answer = writer.no_context()
    clarifying = reaction is Reaction.CLARIFY
    options = answer.suggestions if clarifying else ()
    text = answer.body if clarifying else finish(answer)  # the options are the question's own end
    return Reply(text, decision.intent, decision.confidence, decision.fallback, answer.suggestions,
                 answer.sources, decision.context, options=options, body=answer.body)


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


@dataclass(frozen=True)
class _Writer:
    content: Content

    def intent_answer(self, decision: Decision) -> Answer:
        content = self.content
        intent = content.intents[decision.intent]
        kind = intent.answer
        if kind in (AnswerKind.ITEM, AnswerKind.ITEMS):
            return self.explain([content.item(i) for i in decision.items], decision.detail, intent)
        if kind is AnswerKind.LIST:
            return self.list_category(content.categories[intent.category or ""], intent)
        if kind is AnswerKind.SUMMARY:
            return self.summary(intent)
        if kind is AnswerKind.NOT_COVERED:
            return self.not_covered(intent, content.gaps.get(decision.gap or ""))
        if kind is AnswerKind.OUT_OF_SCOPE:
            return Answer(f"{intent.text} {content.guide.covers}", _unique(intent.suggestions))
        return Answer(intent.text or "", _unique(intent.suggestions))

    def explain(self, items: list[Item], detail: Detail, intent: Intent) -> Answer:
        """One item (or a few named together), short or in detail."""
        parts = []
        for item in items:
            text = item.long if detail is Detail.LONG else item.short
            label = self.label(item)
            parts.append(f"{label}. {text}" if label else text)
        last = items[-1]
        suggestions: list[str] = []
        if detail is not Detail.LONG:
            suggestions.append(self.fill(self.content.category_of(last).more, last))
        following = self.content.neighbour(last, 1)
        if following is not None and last.category in self.content.lists:
            suggestions.append(self.ask(following))
        suggestions.extend(self.ask(self.content.item(ref)) for ref in last.see_also)
        suggestions.extend(intent.suggestions)
        return Answer("\n\n".join(parts), _unique(suggestions), tuple(source(i) for i in items))

    def list_category(self, category: Category, intent: Intent) -> Answer:
        """A category's items as a numbered list."""
        lines = [category.intro] + [f"{i.position}. {i.title}" for i in category.items]
        suggestions = [self.ask(category.items[0]), *intent.suggestions]
        body = "\n".join(lines) + "\n\n" + LIST_HINT
        return Answer(body, _unique(suggestions), tuple(source(i) for i in category.items))

    def summary(self, intent: Intent) -> Answer:
        """The guide in a few lines: the lead item, then the titles of each list."""
        summary = self.content.guide.summary
        assert summary is not None  # loading refuses a summary intent without one
        lead = self.content.item(summary.lead)
        lines = [lead.short]
        sources = [source(lead)]
        for name in summary.lists:
            category = self.content.categories[name]
            titles = ", ".join(i.title.lower() for i in category.items)
            lines.append(f"{category.title}: {titles}.")
            sources.extend(source(i) for i in category.items)
        return Answer("\n\n".join(lines), _unique(intent.suggestions), tuple(sources))

    def not_covered(self, intent: Intent, gap: Gap | None) -> Answer:
        """An honest 'the guide does not cover this', pointing at what it does cover."""
        body = template.fill(intent.text or "", {"subject": gap.subject if gap else "that"})
        suggestions = [self.ask_for(ref) for ref in gap.see_instead] if gap else []
        suggestions.extend(intent.suggestions)
        return Answer(f"{body} {self.content.guide.covers}", _unique(suggestions))

    def unsure(self, guesses: tuple[str, ...]) -> Answer:
        """Too unsure to answer: offer the best guesses at what was meant, so one click fixes a near
        miss; when nothing came close, say what the bot covers and where to begin."""
        if guesses:
            names = " ".join(f"{self.name_of(ref)}?" for ref in guesses)
            body = f"I'm not sure I understood that. Did you mean: {names}"
            return Answer(body, _unique([self.ask_for(ref) for ref in guesses]))
        body = "I'm not sure I understood that. " + self.content.guide.covers
        return Answer(body, _unique(self.content.guide.starters))

    def name_of(self, ref: str) -> str:
        """An item's title, or a list's name ("The skills"), for a guess."""
        if ref in self.content.items:
            return self.content.item(ref).title
        return f"The {self.content.categories[ref].plural}"

    def clarify(self, options: tuple[Choice, ...]) -> Answer:
        """Ask which of two close readings the user meant."""
        first, second = (self.describe(option) for option in options[:2])
        body = f'Do you mean {first}, or {second}? You can answer "the first" or "the second".'
        return Answer(body, (first, second))

    def end_of_list(self, item: Item, direction: int) -> Answer:
        """There is nothing further that way in the list."""
        category = self.content.category_of(item)
        edge, end = ("end", "last") if direction > 0 else ("start", "first")
        name = f"{category.noun} {item.position} ({item.title})" if category.ordered else item.title
        body = f"That's the {edge} of the list: {name} is the {end} of the {category.plural}."
        others = [self.list_ask(self.content.categories[n]) for n in self.content.lists if n != category.name]
        return Answer(body, _unique(others))

    def no_such_place(self, name: str, place: int) -> Answer:
        """ "The ninth step": the list is shorter than that."""
        category = self.content.categories[name]
        body = f"The guide lists {len(category.items)} {category.plural}, so there is no {category.noun} {place}."
        return Answer(body, (self.list_ask(category), self.ask(category.items[-1])))

    def no_context(self) -> Answer:
        """A follow-up with nothing to follow: offer places to start."""
        body = "I'm happy to go on, but we haven't started on a topic yet. " + self.content.guide.covers
        return Answer(body, _unique(self.content.guide.starters))

    def describe(self, option: Choice) -> str:
        """A short name for what an option would answer ("the skill "Maths"", "the list of steps")."""
        intent = self.content.intents[option.intent]
        item_id = option.item or intent.item
        if item_id:
            item = self.content.item(item_id)
            return f"the {self.content.category_of(item).noun} \"{item.title}\""
        if intent.answer is AnswerKind.LIST and intent.category:
            return f"the list of {self.content.categories[intent.category].plural}"
        return intent.name.replace("_", " ")

    def label(self, item: Item) -> str | None:
        """How an answer about `item` is introduced ("Step 3 of 5: Become certified"), if at all."""
        label = self.content.category_of(item).label
        return self.fill(label, item, lower=False) if label else None

    def fill(self, text: str, item: Item, *, lower: bool = True) -> str:
        return template.fill(text, places(item, len(self.content.category_of(item).items), lower=lower))

    def ask(self, item: Item) -> str:
        return item.ask or self.fill(self.content.category_of(item).ask, item)

    def ask_for(self, ref: str) -> str:
        """A question that asks for an item (by id) or a whole list (by category name)."""
        if ref in self.content.items:
            return self.ask(self.content.item(ref))
        return self.list_ask(self.content.categories[ref])

    @staticmethod
    def list_ask(category: Category) -> str:
        return template.fill(category.list_ask, {"plural": category.plural, "noun": category.noun})


def list_question(content: Content, name: str) -> str:
    """The question that asks for a whole list ("What are the skills?")."""
    return _Writer.list_ask(content.categories[name])


def _unique(suggestions: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(suggestions))[:MAX_SUGGESTIONS]
