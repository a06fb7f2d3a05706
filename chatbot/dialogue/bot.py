"""The one entry point: load a guide once, then answer questions, alone or in a conversation.

`ask` is a pure pipeline: clean the text, parse it (understanding), decide (policy), compose the
reply (answers). It writes no files; the shells attach the unanswered log where they want it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ..content.load import content_from, load_content
from ..content.model import Content
from ..errors import InputError
from ..settings import Settings, Tuning
from ..understanding.matcher import IntentMatcher
from . import answers, policy
from .conversation import Conversation
from .reply import Reply, Trace

TERMINAL_ESCAPE = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])")
"""Terminal control sequences (colours, screen clears, window titles): never part of a question."""


@dataclass(frozen=True)
class Chatbot:
    """A guide's content and the matcher built from it; `ask` is cheap and keeps no state of its own."""

    content: Content
    matcher: IntentMatcher
    settings: Settings

    @classmethod
    def load(cls, knowledge_dir: str | Path | None = None, intents_dir: str | Path | None = None,
             *, settings: Settings | None = None) -> Chatbot:
        """Load and check the bundled guide (or the folders given); raise DataError if it is broken."""
        settings = settings or Settings.from_env(knowledge_dir=knowledge_dir, intents_dir=intents_dir)
        content = load_content(settings.knowledge_dir, settings.intents_dir, max_file_bytes=settings.max_file_bytes)
        return cls.from_content(content, settings=settings)

    @classmethod
    def from_content(cls, content: Content, *, settings: Settings | None = None) -> Chatbot:
        """A bot for content already loaded (see `content.load.content_from` to build it from mappings)."""
        settings = settings or Settings.from_env()
        return cls(content, IntentMatcher.build(content, settings.tuning), settings)

    @classmethod
    def from_data(cls, *, guide: Mapping[str, Any], categories: Iterable[Mapping[str, Any]],
                  intents: Iterable[Mapping[str, Any]], vocabulary: Mapping[str, Any],
                  settings: Settings | None = None) -> Chatbot:
        """A bot built from mappings shaped like the data files, checked as loading checks them."""
        return cls.from_content(content_from(guide, categories, intents, vocabulary), settings=settings)

    def with_tuning(self, tuning: Tuning) -> Chatbot:
        """The same content with other tuning values (the matcher is rebuilt: weights change)."""
        settings = replace(self.settings, tuning=tuning)
        return Chatbot(self.content, IntentMatcher.build(self.content, tuning), settings)

    def ask(self, text: str, conversation: Conversation | None = None, *, trace: bool = False) -> Reply:
        """Answer one question. With a `conversation`, follow-ups use and update its context.
        With `trace=True` the reply carries the parse and the decision behind it (`reply.trace`)."""
        question = self.clean(text)
        state = conversation if conversation is not None else Conversation()
        state = self._known(state)
        parse = self.matcher.parse(question, in_view=self.list_in_view(state))
        decision = policy.decide(parse, state, self.content, self.settings.tuning)
        reply = answers.compose(decision, self.content)
        if conversation is not None:
            conversation.update(decision.state)
        return replace(reply, trace=Trace(parse, decision)) if trace else reply

    def clean(self, text: object) -> str:
        """The question as the matcher sees it; raise InputError for what is not a question."""
        if not isinstance(text, str):
            raise InputError(f"a question must be text, not {type(text).__name__}")
        question = printable(text[: self.settings.max_question_chars])
        if not question.strip():
            raise InputError("the question is empty")
        return question.strip()

    def list_in_view(self, conversation: Conversation) -> str | None:
        """Where a bare "the third one" looks: the last list shown (or the current item's), else
        the guide's default list, if it has one."""
        return conversation.listed or self.content.guide.default_list

    def topics(self) -> list[dict[str, Any]]:
        """What the bot can answer, by category in the guide's order, each with a question that
        asks for it: the menu a help desk or the REPL shows."""
        content = self.content
        return [{"name": category.name, "title": category.title,
                 "question": answers.list_question(content, category.name) if category.name in content.lists else None,
                 "items": [{"id": item.id, "title": item.title, "question": item.ask} for item in category.items]}
                for category in content.categories.values()]

    def _known(self, conversation: Conversation) -> Conversation:
        """The conversation with anything the content does not know dropped (a conversation saved
        before the data changed must not point at an item that is gone)."""
        content = self.content
        item = conversation.item if conversation.item in content.items else None
        listed = conversation.listed if conversation.listed in content.categories else None
        pending = tuple(c for c in conversation.pending
                        if c.intent in content.intents and (c.item is None or c.item in content.items))
        if (item, listed, pending) == (conversation.item, conversation.listed, conversation.pending):
            return conversation
        return replace(conversation, item=item, listed=listed, pending=pending)


def printable(text: str) -> str:
    """Text safe to read and to echo: terminal control sequences and unprintable characters
    become spaces."""
    return "".join(ch if ch.isprintable() else " " for ch in TERMINAL_ESCAPE.sub(" ", text))
