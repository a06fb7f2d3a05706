"""The one placeholder syntax of the data: `{name}` in a text, filled in by name.

Every template in the data files (an item's question, a list's label, the not-covered reply, an
intent example) uses it, and every one is checked at load time against the names its field
allows, so a misspelt placeholder is a data error with its file and line, never a reply that
shows "{titel}" to a user.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping

PLACEHOLDER = re.compile(r"\{(\w+)\}")


def names(text: str) -> list[str]:
    """The placeholders of `text`, in order."""
    return PLACEHOLDER.findall(text)


def unknown(text: str, allowed: Collection[str]) -> list[str]:
    """The placeholders of `text` that are not in `allowed`."""
    return [name for name in names(text) if name not in allowed]


def fill(text: str, values: Mapping[str, object]) -> str:
    """`text` with each `{name}` replaced by `values[name]` (placeholders were checked at load)."""
    return PLACEHOLDER.sub(lambda match: str(values[match.group(1)]), text)


def substitute(text: str, replace: Callable[[str], str]) -> str:
    """`text` with each `{name}` replaced by `replace(name)`."""
    return PLACEHOLDER.sub(lambda match: replace(match.group(1)), text)

