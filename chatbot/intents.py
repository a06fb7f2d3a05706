"""Intents: what a question can ask for, with example utterances; and the shared vocabulary.

Loaded from `intents/*.yaml`. An intent that explains "a skill" names the category that fills
its slot, so adding a knowledge item needs no new intent. `vocabulary.yaml` holds concepts
(words that mean the same to the matcher) and gaps (subjects the article does not cover).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from . import schema
from .datafile import line_of, read_yaml
from .errors import DataError
from .knowledge import KnowledgeBase

ANSWERS = {
    "item": "explain one knowledge item (fixed by `item`, or from the question through `slot`)",
    "items": "explain several fixed items together",
    "list": "list a category's items",
    "summary": "an overview of everything",
    "text": "a fixed reply (small talk)",
    "not_covered": "an honest 'the guide does not cover that', with suggestions",
    "out_of_scope": "an honest 'that is outside what I know', with suggestions",
    "followup": "continue the conversation (next, previous, more, pick, ...)",
}
FOLLOWUPS = ("next", "previous", "more", "pick", "pronoun")
FALLBACK_ANSWERS = ("not_covered", "out_of_scope")

INTENT_FIELDS = [
    schema.Field("name", schema.TEXT),
    schema.Field("answer", schema.TEXT),
    schema.Field("examples", schema.TEXT_LIST),
    schema.Field("slot", schema.TEXT, required=False),
    schema.Field("item", schema.TEXT, required=False),
    schema.Field("items", schema.TEXT_LIST, required=False),
    schema.Field("category", schema.TEXT, required=False),
    schema.Field("text", schema.TEXT, required=False),
    schema.Field("action", schema.TEXT, required=False),
    schema.Field("suggestions", schema.TEXT_LIST, required=False),
]
FILE_FIELDS = [schema.Field("intents", schema.LIST)]
VOCABULARY_FIELDS = [schema.Field("concepts", schema.MAPPING), schema.Field("gaps", schema.LIST)]
GAP_FIELDS = [schema.Field("id", schema.TEXT), schema.Field("subject", schema.TEXT),
              schema.Field("synonyms", schema.TEXT_LIST), schema.Field("see_instead", schema.TEXT_LIST)]


@dataclass(frozen=True)
class Intent:
    """Something a user can ask for, and how the bot answers it."""

    name: str
    answer: str
    examples: tuple[str, ...]
    slot: str | None = None
    item: str | None = None
    items: tuple[str, ...] = ()
    category: str | None = None
    text: str | None = None
    action: str | None = None
    suggestions: tuple[str, ...] = ()
    source: str = ""
    """`file:line` where the intent is defined, for reports."""

    @property
    def is_fallback(self) -> bool:
        """True for intents whose reply says the question cannot be answered."""
        return self.answer in FALLBACK_ANSWERS


@dataclass(frozen=True)
class Gap:
    """A subject people ask about that the article does not cover (pay, hours...)."""

    id: str
    subject: str
    synonyms: tuple[str, ...]
    see_instead: tuple[str, ...]
    """Knowledge item ids or category names worth suggesting instead."""


@dataclass(frozen=True)
class Vocabulary:
    """Concepts (canonical word -> words meaning the same) and known gaps."""

    concepts: dict[str, tuple[str, ...]]
    gaps: dict[str, Gap]


def load_intents(directory: Path, knowledge: KnowledgeBase, *,
                 max_file_bytes: int) -> tuple[dict[str, Intent], Vocabulary]:
    """Read and validate `intents/*.yaml` (and `vocabulary.yaml`) against the knowledge base."""
    files = sorted(directory.glob("*.yaml")) if directory.is_dir() else []
    vocabulary_file = directory / "vocabulary.yaml"
    if vocabulary_file not in files:
        raise DataError("missing vocabulary.yaml (concepts and gaps)", path=str(directory))
    vocabulary = _load_vocabulary(vocabulary_file, knowledge, max_file_bytes)
    intents: dict[str, Intent] = {}
    for path in files:
        if path == vocabulary_file:
            continue
        data = schema.check_mapping(read_yaml(path, max_bytes=max_file_bytes), FILE_FIELDS, path=str(path), where="")
        for index, raw in enumerate(data["intents"]):
            intent = _load_intent(raw, path, index, line_of(data["intents"], index), knowledge)
            if intent.name in intents:
                raise DataError(f"intent {intent.name!r} is defined twice (also at {intents[intent.name].source})",
                                path=str(path), line=line_of(raw), field="name")
            intents[intent.name] = intent
    if not intents:
        raise DataError("no intents defined", path=str(directory))
    return intents, vocabulary


def _load_intent(raw: object, path: Path, index: int, line: int, knowledge: KnowledgeBase) -> Intent:
    name = str(path)
    where = f"intents[{index}]"
    entry = schema.check_mapping(raw, INTENT_FIELDS, path=name, where=where, line=line)

    def fail(message: str, key: str) -> DataError:
        return DataError(message, path=name, line=line_of(entry, key) or entry.line, field=f"{where}.{key}")

    answer = entry["answer"]
    if answer not in ANSWERS:
        raise fail(f"unknown answer {answer!r}; one of: {', '.join(ANSWERS)}", "answer")
    needs = {"list": "category", "text": "text", "items": "items", "followup": "action"}.get(answer)
    if needs and needs not in entry:
        raise fail(f"answer {answer!r} needs a {needs!r} field", "answer")
    if answer == "item" and ("slot" in entry) == ("item" in entry):
        raise fail("answer 'item' needs exactly one of 'slot' (filled from the question) or 'item' (fixed)", "answer")
    for key in ("slot", "category"):
        if key in entry and entry[key] not in knowledge.categories:
            raise fail(f"unknown category {entry[key]!r}; one of: {', '.join(knowledge.categories)}", key)
    refs = [entry["item"]] if "item" in entry else list(entry.get("items", ()))
    for ref in refs:
        if ref not in knowledge.items:
            raise fail(f"unknown knowledge item {ref!r}", "item" if "item" in entry else "items")
    if "action" in entry and entry["action"] not in FOLLOWUPS:
        raise fail(f"unknown action {entry['action']!r}; one of: {', '.join(FOLLOWUPS)}", "action")
    for i, example in enumerate(entry["examples"]):
        if "{item}" in example and "slot" not in entry:
            raise DataError("example uses {item} but the intent has no slot", path=name,
                            line=line_of(entry["examples"], i), field=f"{where}.examples[{i}]")
    return Intent(
        name=entry["name"], answer=answer, examples=tuple(entry["examples"]), slot=entry.get("slot"),
        item=entry.get("item"), items=tuple(entry.get("items", ())), category=entry.get("category"),
        text=" ".join(entry["text"].split()) if "text" in entry else None, action=entry.get("action"),
        suggestions=tuple(entry.get("suggestions", ())), source=f"{path.name}:{entry.line}",
    )


def _load_vocabulary(path: Path, knowledge: KnowledgeBase, max_file_bytes: int) -> Vocabulary:
    name = str(path)
    data = schema.check_mapping(read_yaml(path, max_bytes=max_file_bytes), VOCABULARY_FIELDS, path=name, where="")
    concepts: dict[str, tuple[str, ...]] = {}
    for word, synonyms in data["concepts"].items():
        schema.check_kind(synonyms, schema.TEXT_LIST, path=name, line=line_of(data["concepts"], word),
                          where=f"concepts.{word}")
        concepts[word] = tuple(synonyms)
    gaps: dict[str, Gap] = {}
    for index, raw in enumerate(data["gaps"]):
        entry = schema.check_mapping(raw, GAP_FIELDS, path=name, where=f"gaps[{index}]",
                                     line=line_of(data["gaps"], index))
        for ref in entry["see_instead"]:
            if ref not in knowledge.items and ref not in knowledge.categories:
                raise DataError(f"unknown knowledge item or category {ref!r}", path=name,
                                line=line_of(entry, "see_instead"),
                                field=f"gaps[{index}].see_instead")
        gaps[entry["id"]] = Gap(entry["id"], entry["subject"], tuple(entry["synonyms"]), tuple(entry["see_instead"]))
    return Vocabulary(concepts, gaps)
