"""Load a guide's data, from its folders or from memory, and refuse what the bot could not serve.

`load_content(knowledge_dir, intents_dir)` reads `knowledge/guide.yaml` and one file per
category, `intents/vocabulary.yaml` and the intent files; `content_from(...)` takes the same data
as mappings. Either way every value is checked against the model (`schema.build`), then against
the rest: references name things that exist, every category is placed in the guide's order, every
item can be answered on its own, every placeholder is one its field allows. Loading is all or
nothing: the first problem is a DataError with its file, line and field.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from ..errors import DataError
from . import template
from .model import ITEM_PLACES, Action, AnswerKind, Category, Content, Gap, Guide, Intent, IntentFile, Item, Vocabulary
from .schema import build
from .yamlfile import read_yaml

GUIDE_FILE = "guide.yaml"
VOCABULARY_FILE = "vocabulary.yaml"

Document = tuple[str, Any]
"""A parsed data file: its path (for messages) and its content."""

NEEDS = {AnswerKind.LIST: "category", AnswerKind.TEXT: "text", AnswerKind.ITEMS: "items",
         AnswerKind.FOLLOWUP: "action", AnswerKind.NOT_COVERED: "text", AnswerKind.OUT_OF_SCOPE: "text"}
"""The field each kind of answer cannot do without."""
USES = {AnswerKind.ITEM: {"slot", "item"}, AnswerKind.ITEMS: {"items"}, AnswerKind.LIST: {"category"},
        AnswerKind.SUMMARY: set(), AnswerKind.TEXT: {"text"}, AnswerKind.NOT_COVERED: {"text"},
        AnswerKind.OUT_OF_SCOPE: {"text"}, AnswerKind.FOLLOWUP: {"action"}}
"""The answer-specific fields each kind reads (the others would be silently ignored, so they are refused)."""
SPECIFIC = ("slot", "item", "items", "category", "text", "action")


def load_content(knowledge_dir: Path, intents_dir: Path, *, max_file_bytes: int) -> Content:
    """Read and check the data folders."""
    knowledge = _documents(Path(knowledge_dir), "knowledge", max_file_bytes)
    intents = _documents(Path(intents_dir), "intent", max_file_bytes)
    guide = _take(knowledge, GUIDE_FILE, Path(knowledge_dir), "the guide's texts and the order of its categories")
    vocabulary = _take(intents, VOCABULARY_FILE, Path(intents_dir), "concepts and gaps")
    return assemble(guide, knowledge, intents, vocabulary)


def content_from(guide: Mapping[str, Any], categories: Iterable[Mapping[str, Any]],
                 intents: Iterable[Mapping[str, Any]], vocabulary: Mapping[str, Any]) -> Content:
    """The same checks on data given as mappings (each category as in its file, each intent as an
    entry of an intents file): small bots for tests and programs that keep content elsewhere."""
    return assemble(("<guide>", dict(guide)), [(f"<category {i}>", dict(c)) for i, c in enumerate(categories)],
                    [("<intents>", {"intents": [dict(i) for i in intents]})], ("<vocabulary>", dict(vocabulary)))


def assemble(guide_doc: Document, category_docs: list[Document], intent_docs: list[Document],
             vocabulary_doc: Document) -> Content:
    """Build and cross-check the content from parsed documents."""
    guide = build(Guide, guide_doc[1], path=guide_doc[0])
    categories = _categories(guide, guide_doc[0], category_docs)
    items = {item.id: item for category in categories.values() for item in category.items}
    vocabulary = build(Vocabulary, vocabulary_doc[1], path=vocabulary_doc[0])
    gaps = _gaps(vocabulary, items, categories)
    intents = _intents(intent_docs, items, categories, vocabulary)
    _check_guide(guide, guide_doc[0], items, categories, intents)
    lists = tuple(name for name in categories
                  if any(i.answer is AnswerKind.LIST and i.category == name for i in intents.values()))
    list_intents = {i.category: i.name for i in intents.values() if i.answer is AnswerKind.LIST and i.category}
    answering = _answering(intents, items)
    ordered = dict(sorted(intents.items()))
    return Content(guide, categories, items, ordered, vocabulary, gaps, lists, list_intents, answering)


def _documents(directory: Path, kind: str, max_file_bytes: int) -> list[Document]:
    files = sorted(directory.glob("*.yaml")) if directory.is_dir() else []
    if not files:
        raise DataError(f"no {kind} files (*.yaml) found", path=str(directory))
    return [(str(path), read_yaml(path, max_bytes=max_file_bytes)) for path in files]


def _take(documents: list[Document], name: str, directory: Path, what: str) -> Document:
    """Remove and return the document of the file called `name`."""
    for document in documents:
        if Path(document[0]).name == name:
            documents.remove(document)
            return document
    raise DataError(f"missing {name} ({what})", path=str(directory))


def _categories(guide: Guide, guide_path: str, documents: list[Document]) -> dict[str, Category]:
    """Each category, with its items numbered and their questions filled in, in the guide's order."""
    found: dict[str, Category] = {}
    ids: dict[str, str] = {}
    for path, data in documents:
        category = build(Category, data, path=path)
        if category.name in found:
            raise DataError(f"category {category.name!r} is defined twice (also in {found[category.name].origin.path})",
                            path=path, line=category.origin.at("name"), field="category")
        if not category.items:
            raise DataError("a category needs at least one item", path=path, line=category.origin.at("items"),
                            field="items")
        items = []
        for item in category.items:
            if item.id in ids:
                raise DataError(f"duplicate item id {item.id!r} (also in {ids[item.id]})", path=path,
                                line=item.origin.at("id"), field=f"items[{item.position - 1}].id")
            ids[item.id] = path
            ask = item.ask or template.fill(category.ask, places(item, len(category.items), lower=True))
            items.append(dataclasses.replace(item, category=category.name, ask=ask))
        found[category.name] = dataclasses.replace(category, items=tuple(items))
    for name in found:
        if name not in guide.order:
            raise DataError(f"category {name!r} is not in the guide's order; add it to `order` in {GUIDE_FILE}",
                            path=guide_path, line=guide.origin.at("order"), field="order")
    for index, name in enumerate(guide.order):
        if name not in found:
            raise DataError(f"unknown category {name!r}; the categories are: {', '.join(found)}", path=guide_path,
                            line=guide.origin.at("order", index), field=f"order[{index}]")
    ordered = {name: found[name] for name in guide.order}
    for category in ordered.values():
        for item in category.items:
            for index, ref in enumerate(item.see_also):
                if ref not in ids:
                    raise DataError(f"see_also names unknown item {ref!r}", path=item.origin.path,
                                    line=item.origin.at("see_also", index), field=f"{item.id}.see_also")
    return ordered


def places(item: Item, count: int, *, lower: bool) -> dict[str, object]:
    """What a template about one item may name (see `model.ITEM_PLACES`)."""
    values = {"title": item.title.lower() if lower else item.title, "position": item.position, "count": count}
    assert set(values) == set(ITEM_PLACES)
    return values


def _gaps(vocabulary: Vocabulary, items: Mapping[str, Item], categories: Mapping[str, Category]) -> dict[str, Gap]:
    gaps: dict[str, Gap] = {}
    for index, gap in enumerate(vocabulary.gaps):
        if gap.id in gaps:
            raise DataError(f"duplicate gap id {gap.id!r} (first at line {gaps[gap.id].origin.line})",
                            path=gap.origin.path, line=gap.origin.at("id"), field=f"gaps[{index}].id")
        for i, ref in enumerate(gap.see_instead):
            if ref not in items and ref not in categories:
                raise DataError(f"unknown knowledge item or category {ref!r}", path=gap.origin.path,
                                line=gap.origin.at("see_instead", i), field=f"gaps[{index}].see_instead")
        gaps[gap.id] = gap
    return gaps


def _intents(documents: list[Document], items: Mapping[str, Item], categories: Mapping[str, Category],
             vocabulary: Vocabulary) -> dict[str, Intent]:
    intents: dict[str, Intent] = {}
    for path, data in documents:
        for index, intent in enumerate(build(IntentFile, data, path=path).intents):
            where = f"intents[{index}]"
            if intent.name in intents:
                raise DataError(f"intent {intent.name!r} is defined twice (also at {intents[intent.name].origin.where()})",
                                path=path, line=intent.origin.at("name"), field=f"{where}.name")
            _check_intent(intent, where, items, categories, vocabulary)
            intents[intent.name] = intent
    if not intents:
        raise DataError("no intents defined", path=documents[0][0] if documents else "")
    return intents


def _check_intent(intent: Intent, where: str, items: Mapping[str, Item], categories: Mapping[str, Category],
                  vocabulary: Vocabulary) -> None:
    def fail(message: str, key: str, index: int | None = None) -> DataError:
        field = f"{where}.{key}" + (f"[{index}]" if index is not None else "")
        return DataError(message, path=intent.origin.path, line=intent.origin.at(key, index), field=field)

    answer = intent.answer
    needs = NEEDS.get(answer)
    if needs and not getattr(intent, needs):
        raise fail(f"answer {answer.value!r} needs a {needs!r} field", "answer")
    if answer is AnswerKind.ITEM and (intent.slot is None) == (intent.item is None):
        raise fail("answer 'item' needs exactly one of 'slot' (filled from the question) or 'item' (fixed)", "answer")
    for key in SPECIFIC:
        if key not in USES[answer] and getattr(intent, key) not in (None, ()):
            raise fail(f"answer {answer.value!r} does not use {key!r}; drop it", key)
    for key in ("slot", "category"):
        value = getattr(intent, key)
        if value is not None and value not in categories:
            raise fail(f"unknown category {value!r}; one of: {', '.join(categories)}", key)
    refs = [intent.item] if intent.item else list(intent.items)
    for index, ref in enumerate(refs):
        if ref not in items:
            raise fail(f"unknown knowledge item {ref!r}", "item" if intent.item else "items",
                       None if intent.item else index)
    if intent.text and answer is not AnswerKind.NOT_COVERED and template.names(intent.text):
        raise fail(f"only a not-covered reply may name {{subject}}; answer {answer.value!r} cannot", "text")
    allowed = {"gap", *vocabulary.concepts} | ({"item"} if intent.slot else set())
    for index, example in enumerate(intent.examples):
        wrong = template.unknown(example, allowed)
        if wrong:
            hint = " (the intent has no slot)" if wrong[0] == "item" else ""
            raise fail(f"unknown placeholder {{{wrong[0]}}}{hint}; use {{item}} with a slot, {{gap}}, or a concept "
                       "from vocabulary.yaml", "examples", index)
    if answer is AnswerKind.FOLLOWUP:
        assert isinstance(intent.action, Action)


def _check_guide(guide: Guide, path: str, items: Mapping[str, Item], categories: Mapping[str, Category],
                 intents: Mapping[str, Intent]) -> None:
    if guide.default_list is not None and guide.default_list not in categories:
        raise DataError(f"unknown category {guide.default_list!r}; one of: {', '.join(categories)}", path=path,
                        line=guide.origin.at("default_list"), field="default_list")
    summary = guide.summary
    wanted = next((i for i in intents.values() if i.answer is AnswerKind.SUMMARY), None)
    if summary is None:
        if wanted is not None:
            raise DataError(f"intent {wanted.name!r} answers with a summary, but the guide has no `summary` "
                            "(its lead item and lists)", path=path, line=guide.origin.line, field="summary")
        return
    if summary.lead not in items:
        raise DataError(f"unknown knowledge item {summary.lead!r}", path=path, line=summary.origin.at("lead"),
                        field="summary.lead")
    for index, name in enumerate(summary.lists):
        if name not in categories:
            raise DataError(f"unknown category {name!r}; one of: {', '.join(categories)}", path=path,
                            line=summary.origin.at("lists", index), field=f"summary.lists[{index}]")


def _answering(intents: Mapping[str, Intent], items: Mapping[str, Item]) -> dict[str, str]:
    """The intent that answers each item on its own; an item none answers is refused, since
    "next" or "tell me more" could land on it with nothing to say."""
    slots = {i.slot: i.name for i in sorted(intents.values(), key=lambda i: i.name) if i.slot}
    fixed = {i.item: i.name for i in sorted(intents.values(), key=lambda i: i.name) if i.item}
    grouped = {ref: i.name for i in intents.values() for ref in i.items}
    answering = {}
    for item in items.values():
        name = slots.get(item.category) or fixed.get(item.id)
        if name is None:
            fix = f"add an intent with `item: {item.id}` or give an intent `slot: {item.category}`"
            how = (f"is only answered together with others (intent {grouped[item.id]!r}), so follow-ups cannot "
                   f"reach it on its own" if item.id in grouped else "cannot be answered: no intent reaches it")
            raise DataError(f"item {item.id!r} {how}: {fix}", path=item.origin.path, line=item.origin.line,
                            field=item.id)
        answering[item.id] = name
    return answering

