"""The knowledge base: what the article says, as categories of items, restated in our own words.

Loaded from `knowledge/*.yaml` (one file per category) and validated at load time, so the rest of
the code can trust it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from . import schema
from .datafile import Mapping, line_of, read_yaml
from .errors import DataError

CATEGORY_FIELDS = [
    schema.Field("category", schema.TEXT),
    schema.Field("title", schema.TEXT),
    schema.Field("ordered", schema.BOOL),
    schema.Field("synonyms", schema.TEXT_LIST, required=False),
    schema.Field("noun", schema.TEXT),
    schema.Field("ask", schema.TEXT),
    schema.Field("intro", schema.TEXT),
    schema.Field("section", schema.TEXT),
    schema.Field("items", schema.LIST),
]
ITEM_FIELDS = [
    schema.Field("id", schema.TEXT),
    schema.Field("title", schema.TEXT),
    schema.Field("synonyms", schema.TEXT_LIST),
    schema.Field("short", schema.TEXT),
    schema.Field("long", schema.TEXT),
    schema.Field("section", schema.TEXT),
    schema.Field("see_also", schema.TEXT_LIST, required=False),
    schema.Field("ask", schema.TEXT, required=False),
]


@dataclass(frozen=True)
class Item:
    """One fact-bearing thing the bot can explain: a step, a duty, a skill, a facet of the role."""

    id: str
    category: str
    position: int
    """1-based place in its category's list (the step number for steps)."""
    title: str
    synonyms: tuple[str, ...]
    short: str
    long: str
    section: str
    see_also: tuple[str, ...] = ()
    ask: str = ""
    """A question that asks for this item, for suggestions ("What is step 2?")."""


@dataclass(frozen=True)
class Category:
    """A list of items of one kind (steps, duties, skills, role, topics)."""

    name: str
    title: str
    noun: str
    """What one item is called: "step", "skill"."""
    ordered: bool
    synonyms: tuple[str, ...]
    """Words for the whole list ("abilities" for skills), read when an intent lists the category."""
    intro: str
    section: str
    items: tuple[Item, ...]


@dataclass(frozen=True)
class KnowledgeBase:
    """All categories, and every item by id."""

    categories: dict[str, Category]
    items: dict[str, Item]

    def item(self, item_id: str) -> Item:
        """The item with this id (ids are validated at load time, so a miss is a programming error)."""
        return self.items[item_id]

    def category_of(self, item: Item) -> Category:
        """The category an item belongs to."""
        return self.categories[item.category]

    def neighbour(self, item: Item, offset: int) -> Item | None:
        """The item `offset` places away in the same list, or None past either end."""
        index = item.position - 1 + offset
        items = self.categories[item.category].items
        return items[index] if 0 <= index < len(items) else None


def load_knowledge(directory: Path, *, max_file_bytes: int) -> KnowledgeBase:
    """Read and validate every `*.yaml` in `directory`; raise DataError on the first problem."""
    files = sorted(directory.glob("*.yaml")) if directory.is_dir() else []
    if not files:
        raise DataError("no knowledge files (*.yaml) found", path=str(directory))
    categories: dict[str, Category] = {}
    items: dict[str, Item] = {}
    where_defined: dict[str, str] = {}
    for path in files:
        category = _load_category(path, max_file_bytes)
        if category.name in categories:
            raise DataError(f"category {category.name!r} is defined twice", path=str(path), field="category")
        for item in category.items:
            if item.id in items:
                raise DataError(f"duplicate item id {item.id!r} (also in {where_defined[item.id]})",
                                path=str(path), field="items")
            items[item.id] = item
            where_defined[item.id] = path.name
        categories[category.name] = category
    for item in items.values():
        for ref in item.see_also:
            if ref not in items:
                raise DataError(f"see_also names unknown item {ref!r}", path=str(directory / where_defined[item.id]),
                                field=f"{item.id}.see_also")
    return KnowledgeBase(categories=categories, items=items)


def _load_category(path: Path, max_file_bytes: int) -> Category:
    name = str(path)
    data = schema.check_mapping(read_yaml(path, max_bytes=max_file_bytes), CATEGORY_FIELDS, path=name, where="")
    category_name = data["category"].strip()
    items = []
    for index, raw in enumerate(data["items"]):
        entry: Mapping = schema.check_mapping(raw, ITEM_FIELDS, path=name, where=f"items[{index}]",
                                              line=line_of(data["items"], index))
        items.append(Item(
            id=entry["id"].strip(),
            category=category_name,
            position=index + 1,
            title=entry["title"].strip(),
            synonyms=tuple(s.strip() for s in entry["synonyms"]),
            short=_clean(entry["short"]),
            long=_clean(entry["long"]),
            section=entry["section"].strip(),
            see_also=tuple(entry.get("see_also", ())),
            ask=entry.get("ask") or _ask(data["ask"], entry["title"].strip(), index + 1, name, line_of(data, "ask")),
        ))
    if not items:
        raise DataError("a category needs at least one item", path=name, line=line_of(data, "items"), field="items")
    return Category(
        name=category_name,
        title=data["title"].strip(),
        noun=data["noun"].strip(),
        ordered=data["ordered"],
        synonyms=tuple(s.strip() for s in data.get("synonyms", ())),
        intro=_clean(data["intro"]),
        section=data["section"].strip(),
        items=tuple(items),
    )


def _ask(template: str, title: str, position: int, path: str, line: int) -> str:
    """The category's `ask` template filled in for one item."""
    try:
        return template.format(title=title.lower(), position=position)
    except (KeyError, IndexError, ValueError):
        raise DataError("ask may only use {title} and {position}", path=path, line=line, field="ask") from None


def _clean(text: str) -> str:
    """Folded YAML text as one tidy paragraph."""
    return " ".join(text.split())
