"""The one entry point: load the data once, then answer questions, alone or in a conversation."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from . import answers, unanswered
from .answers import Answer
from .conversation import Conversation
from .errors import InputError
from .intents import Intent, Vocabulary, load_intents
from .knowledge import Item, KnowledgeBase, load_knowledge
from .lexicon import Reading
from .matcher import Candidate, IntentMatcher
from .normalize import normalize
from .reply import Reply
from .settings import Settings

ANSWERING = ("item", "items", "list", "summary")
SPECIFIC_MARGIN = 0.2
"""How far an answer about a named item may trail the list of its kind and still be preferred."""
TERMINAL_ESCAPE = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])")
"""Terminal control sequences (colours, screen clears, window titles): never part of a question."""


@dataclass
class Chatbot:
    """Knowledge, intents and matcher, built once; `ask` is cheap and keeps no state of its own."""

    knowledge: KnowledgeBase
    intents: dict[str, Intent]
    vocabulary: Vocabulary
    matcher: IntentMatcher
    settings: Settings
    walkable: frozenset[str] = field(init=False)
    """Categories people walk with "next" and pick from by number: those with a list intent."""
    first_list: str = field(init=False)
    """The list a bare "the third one" reads before any list was shown: the first ordered one."""

    def __post_init__(self) -> None:
        self.walkable = frozenset(i.category for i in self.intents.values() if i.answer == "list" and i.category)
        ordered = [c.name for c in self.knowledge.categories.values() if c.ordered]
        self.first_list = ordered[0] if ordered else next(iter(self.knowledge.categories))

    @classmethod
    def load(cls, knowledge_dir: str | Path | None = None, intents_dir: str | Path | None = None,
             *, settings: Settings | None = None) -> "Chatbot":
        """Load and validate the bundled data (or the folders given); raise DataError if it is broken."""
        settings = settings or Settings.from_env(knowledge_dir=knowledge_dir, intents_dir=intents_dir)
        knowledge = load_knowledge(settings.knowledge_dir, max_file_bytes=settings.max_file_bytes)
        intents, vocabulary = load_intents(settings.intents_dir, knowledge, max_file_bytes=settings.max_file_bytes)
        matcher = IntentMatcher.build(knowledge, intents, vocabulary)
        return cls(knowledge, intents, vocabulary, matcher, settings)

    def ask(self, text: str, conversation: Conversation | None = None) -> Reply:
        """Answer one question. With a `conversation`, follow-ups use and update its context."""
        question = self.clean(text)
        conversation = conversation if conversation is not None else Conversation()
        conversation.turns += 1
        reading, candidates = self.matcher.match(question, default_category=self.list_in_view(conversation))
        reply = self._respond(reading, candidates, conversation)
        log = self.settings.unanswered_log
        if log is not None and (reply.fallback or reply.confidence < self.settings.unsure_below):
            best = candidates[0].intent.name if candidates else None
            unanswered.record(log, question, reply, best)
        return reply

    def _respond(self, reading: Reading, candidates: list[Candidate], conversation: Conversation) -> Reply:
        """Decide what kind of reply a ranked question gets: pick, follow-up, clarify, answer or fallback."""
        pending, conversation.pending = conversation.pending, ()
        if pending:
            chosen = _choose(pending, reading)
            if chosen is not None:
                return self._answer(chosen, reading, conversation, context="answer to the clarifying question")
        beyond = next((m for m in reading.mentions if m.position and not m.items), None)
        if beyond is not None and beyond.category:  # "the ninth step" of five
            answer = answers.no_such_place(self.knowledge, beyond.category, beyond.position or 0)
            return _reply(answer, "end_of_list", 1.0, fallback=False)
        best = candidates[0] if candidates else None
        if best is None or best.score < self.settings.threshold:
            return self._unsure(candidates, best)
        if best.intent.answer == "followup":
            return self._follow_up(best, reading, conversation)
        best = _prefer_specific(best, candidates, self.settings.threshold)
        rival = next((c for c in candidates[1:] if _differs(best, c)), None)
        choice = self._ambiguity(best, rival, reading)
        if choice is not None:
            return self._clarify(*choice, conversation)
        context = _implied_context(reading, best)
        return self._answer(best, reading, conversation, context=context)

    def clean(self, text: object) -> str:
        """The question as the matcher sees it; raise InputError for what is not a question."""
        if not isinstance(text, str):
            raise InputError(f"a question must be text, not {type(text).__name__}")
        question = printable(text[: self.settings.max_question_chars])
        if not question.strip():
            raise InputError("the question is empty")
        return question.strip()

    def topics(self) -> list[dict[str, Any]]:
        """What the bot can answer, by category, each with a question that asks for it: the menu
        a help desk or the REPL shows."""
        return [{"name": category.name, "title": category.title,
                 "question": answers.list_question(category.name) if category.name in self.walkable else None,
                 "items": [{"id": item.id, "title": item.title, "question": item.ask} for item in category.items]}
                for category in self.knowledge.categories.values()]

    def list_in_view(self, conversation: Conversation) -> str:
        """Where a bare "the third one" looks: the last list shown, else the current item's, else
        the first ordered list (the steps)."""
        return conversation.listed or self.first_list

    def _answer(self, candidate: Candidate, reading: Reading, conversation: Conversation, *,
                context: str | None = None, detail: str | None = None) -> Reply:
        intent, kb = candidate.intent, self.knowledge
        detail = detail or ("long" if "more" in reading.tokens else "short")
        if intent.answer in ("item", "items"):
            ids = candidate.items or ((intent.item,) if intent.item else intent.items)
            items = [kb.item(i) for i in ids][:3]
            answer = answers.explain(kb, items, detail=detail, intent=intent)
            self._focus_on(items[0] if intent.answer == "items" else items[-1], conversation)
        elif intent.answer == "list":
            answer = answers.list_category(kb, intent.category or "", intent)
            conversation.item, conversation.listed = None, intent.category
        elif intent.answer == "summary":
            answer = answers.summary(kb, intent)
        elif intent.answer == "not_covered":
            answer = answers.not_covered(kb, intent, self.vocabulary.gaps.get(candidate.gap or ""))
        elif intent.answer == "out_of_scope":
            answer = answers.out_of_scope(intent)
        else:
            answer = answers.fixed_text(intent)
        return _reply(answer, intent.name, candidate.score, fallback=intent.is_fallback, context=context)

    def _follow_up(self, candidate: Candidate, reading: Reading, conversation: Conversation) -> Reply:
        """next / previous / more / "do I need it?": all lean on the current item."""
        kb, action = self.knowledge, candidate.intent.action
        mentioned = [i for m in reading.mentions for i in m.items]
        if mentioned:  # "tell me more about teamwork", "what comes after step 2": no context needed
            conversation.item = mentioned[0]
        named = _named_category(reading, self.matcher)
        if action in ("next", "previous") and named and (conversation.item is None or
                                                         kb.item(conversation.item).category != named):
            first = kb.categories[named].items[0]
            return self._explain(first, candidate, conversation, f"first of the {named}")
        if conversation.item is None:
            return _reply(answers.no_context(), "no_context", candidate.score, fallback=True)
        current = kb.item(conversation.item)
        if action in ("next", "previous") and current.category not in self.walkable:
            if conversation.listed is None:
                return _reply(answers.no_context(), "no_context", candidate.score, fallback=True)
            first = kb.categories[conversation.listed].items[0]
            return self._explain(first, candidate, conversation, f"first of the {conversation.listed}")
        if action in ("next", "previous"):
            step = 1 if action == "next" else -1
            neighbour = kb.neighbour(current, step)
            if neighbour is None:
                return _reply(answers.end_of_list(kb, current, step), "end_of_list", candidate.score,
                              fallback=False, context=f"{action} after {current.id}")
            return self._explain(neighbour, candidate, conversation, f"{action} after {current.id}")
        detail = "long" if action == "more" else "short"
        return self._explain(current, candidate, conversation, f"{action} about {current.id}", detail=detail)

    def _explain(self, item: Item, candidate: Candidate, conversation: Conversation, context: str,
                 *, detail: str = "short") -> Reply:
        """Answer about `item` as the intent that normally explains its category would."""
        intent = self._intent_for(item)
        answer = answers.explain(self.knowledge, [item], detail=detail, intent=intent)
        self._focus_on(item, conversation)
        return _reply(answer, intent.name, candidate.score, fallback=False, context=context)

    def _focus_on(self, item: Item, conversation: Conversation) -> None:
        """Make `item` the current one; its list becomes the one "the third one" reads, if it
        is a list people walk (steps, duties, skills: the categories with a list intent)."""
        conversation.item = item.id
        if item.category in self.walkable:
            conversation.listed = item.category

    def _intent_for(self, item: Item) -> Intent:
        """The intent that answers an item: the slot intent of its category, or the fixed one."""
        for intent in self.intents.values():
            if intent.slot == item.category or intent.item == item.id:
                return intent
        raise LookupError(item.id)  # validation guarantees every item is reachable

    def _ambiguity(self, best: Candidate, rival: Candidate | None,
                   reading: Reading) -> tuple[Candidate, Candidate] | None:
        """The two readings to ask about, when the one phrase that names something in the question
        could mean two things: two items of one kind ("testing": of equipment, or quality
        control?), or two of different kinds that score too close to call. Not when one merely
        supports the other (a skill and the related article about it are one subject)."""
        naming = [m for m in reading.mentions if m.items]
        if not best.items or len(naming) != 1:
            return None  # nothing named, or other words of the question already say which
        phrase = naming[0]
        named = [i for i in phrase.items if i in best.items]
        if len(named) > 1:
            return replace(best, items=(named[0],)), replace(best, items=(named[1],))
        if rival is None or not rival.items or best.score - rival.score >= self.settings.clarify_margin:
            return None
        first, second = self.knowledge.item(best.items[0]), self.knowledge.item(rival.items[0])
        both = first.id in phrase.items and second.id in phrase.items
        return (best, rival) if both and not self._supports(first, second) else None

    def _supports(self, a: Item, b: Item) -> bool:
        """True when one item only backs the other up: linked by see_also, and one of them is not
        part of a list people choose from (a related article, a fact about the role)."""
        linked = b.id in a.see_also or a.id in b.see_also
        return linked and not (a.category in self.walkable and b.category in self.walkable)

    def _clarify(self, best: Candidate, rival: Candidate, conversation: Conversation) -> Reply:
        conversation.pending = (best, rival)
        options = [self._describe(best), self._describe(rival)]
        answer = answers.clarify(options)
        return Reply(answers.finish(answer), "clarify", best.score, True, tuple(options), options=tuple(options),
                     body=answer.body)

    def _describe(self, candidate: Candidate) -> str:
        """A short name for what a candidate would answer ("the maths skill", "the list of steps")."""
        intent, kb = candidate.intent, self.knowledge
        item_id = candidate.items[0] if candidate.items else intent.item
        if item_id:
            item = kb.item(item_id)
            return f"the {kb.category_of(item).noun} \"{item.title}\""
        if intent.answer == "list":
            return f"the list of {intent.category}"
        return intent.name.replace("_", " ")

    def _unsure(self, candidates: list[Candidate], best: Candidate | None) -> Reply:
        guesses = [self._question_for(c) for c in candidates[:3] if c.intent.answer in ANSWERING]
        answer = answers.unsure([g for g in guesses if g])
        return _reply(answer, "fallback", best.score if best else 0.0, fallback=True)

    def _question_for(self, candidate: Candidate) -> str | None:
        """A question that would get this candidate's answer, to offer as a suggestion."""
        ref = candidate.items[0] if candidate.items else candidate.intent.item
        if ref is None and candidate.intent.answer == "list":
            ref = candidate.intent.category
        return answers.ask_for(self.knowledge, ref) if ref else None


def printable(text: str) -> str:
    """Text safe to read and to echo: terminal control sequences and unprintable characters
    become spaces."""
    return "".join(ch if ch.isprintable() else " " for ch in TERMINAL_ESCAPE.sub(" ", text))


def _reply(answer: Answer, intent: str, confidence: float, *, fallback: bool, context: str | None = None) -> Reply:
    return Reply(answers.finish(answer), intent, max(0.0, min(1.0, confidence)), fallback,
                 answer.suggestions, answer.sources, context, body=answer.body)


def _prefer_specific(best: Candidate, candidates: list[Candidate], threshold: float) -> Candidate:
    """A question that names one item of a list ("I'm a perfectionist, is that good for this
    job?") is about that item, even when it reads a little more like a request for the list."""
    if best.intent.answer != "list":
        return best
    for candidate in candidates:
        if (candidate.intent.slot == best.intent.category and candidate.score >= threshold
                and best.score - candidate.score <= SPECIFIC_MARGIN):
            return candidate
    return best


def _differs(a: Candidate, b: Candidate) -> bool:
    """Two candidates that would give different answers (not merely two intents with one answer)."""
    return _answer_key(a) != _answer_key(b)


def _answer_key(candidate: Candidate) -> str:
    """What a candidate answers: its main item, the list it shows, or else its intent."""
    intent = candidate.intent
    main = candidate.items or ((intent.item,) if intent.item else intent.items)
    if main:
        return main[0]
    return f"list:{intent.category}" if intent.answer == "list" else intent.name


def _choose(options: tuple[Candidate, ...], reading: Reading) -> Candidate | None:
    """Which option of a clarifying question the user picked: by position or by naming its kind."""
    tokens = set(reading.tokens)
    if "1st" in tokens or reading.tokens == ("1",):
        return options[0]
    if "2nd" in tokens or reading.tokens == ("2",):
        return options[1]
    for option in options:
        category = option.intent.slot or option.intent.category
        if category and any(t in tokens for t in _category_words(category)):
            return option
    return None


def _category_words(category: str) -> tuple[str, ...]:
    """The tokens that name a category in a question: its word ("skill") or its sentinel."""
    return normalize(category) + (category.upper(),)


def _named_category(reading: Reading, matcher: IntentMatcher) -> str | None:
    """A category the question names outright ("next skill")."""
    for token in reading.tokens:
        if token in matcher.lexicon.categories:
            return matcher.lexicon.categories[token]
    return None


def _implied_context(reading: Reading, candidate: Candidate) -> str | None:
    """Say so when "the third one" was read against the last list rather than a list named."""
    for mention in reading.mentions:
        if mention.implied and set(mention.items) & set(candidate.items):
            return f"item {mention.position} of the {mention.category}"
    return None
