"""Read one YAML data file safely, keeping the line of every value for error messages.

Only the safe loader is used. Aliases are refused (they are how "billion laughs" files blow
up), so is nesting deeper than any data file needs, files over a size cap are refused unread (at
most the cap plus one byte is ever read, so a device or a growing file cannot flood memory), and
text must be UTF-8.
"""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

import yaml

from ..errors import DataError

try:
    from yaml import CSafeLoader as Loader
except ImportError:  # libyaml is missing on some platforms; a test runs the bundled data without it
    from yaml import SafeLoader as Loader  # type: ignore[assignment]


class Mapping(dict):
    """A YAML mapping that remembers its own line and the line of each key."""

    line: int = 0
    lines: dict[str, int]


class Sequence(list):
    """A YAML sequence that remembers its own line and the line of each entry."""

    line: int = 0
    lines: list[int]


def line_of(value: Any, key: str | int | None = None) -> int:
    """The line of `value` (or of its entry `key`), 0 when unknown."""
    if key is not None and isinstance(value, (Mapping, Sequence)):
        try:
            return value.lines[key]  # type: ignore[index]
        except (KeyError, IndexError, TypeError):
            pass
    return getattr(value, "line", 0)


def read_yaml(path: Path, *, max_bytes: int) -> Any:
    """Parse `path` into plain values (Mapping, Sequence, str, int, float, bool, None)."""
    name = str(path)
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):  # a folder, a pipe or a device named *.yaml
            raise DataError("not a regular file", path=name)
        with path.open("rb") as stream:
            raw = stream.read(max_bytes + 1)
    except OSError as error:
        raise DataError(f"cannot read file: {error.strerror or error}", path=name) from None
    if len(raw) > max_bytes:
        size = max(info.st_size, len(raw))
        raise DataError(f"file is {size:,} bytes, over the limit of {max_bytes:,}", path=name)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise DataError(f"not UTF-8 text (byte {raw[error.start]:#04x}); save the file as UTF-8",
                        path=name, line=line) from None
    if "\x00" in text:
        raise DataError("file contains a NUL byte", path=name, line=text[: text.index("\x00")].count("\n") + 1)
    try:
        node = yaml.compose(text, Loader=Loader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        problem = " ".join(filter(None, [error.context, error.problem]))
        raise DataError(f"invalid YAML: {problem}", path=name, line=mark.line + 1 if mark else None) from None
    except yaml.YAMLError as error:
        raise DataError(f"invalid YAML: {error}", path=name) from None
    except RecursionError:  # only the pure-Python composer recurses; libyaml stops at depth 1000
        raise DataError(f"invalid YAML: nested more than {MAX_DEPTH} levels deep", path=name) from None
    if node is None:
        raise DataError("file is empty", path=name, line=1)
    return _Builder(name).build(node)


MAX_DEPTH = 32
"""Data files nest a few levels; anything far deeper is a mistake or an attack on the parser."""
INT_TAG = "tag:yaml.org,2002:int"
PLAIN_TAGS = frozenset(f"tag:yaml.org,2002:{kind}" for kind in ("str", "int", "float", "bool", "null", "seq", "map"))


class _Builder:
    """Turns composed nodes into values, with lines; scalars are resolved as the safe loader does."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.seen: set[int] = set()
        self.scalars = yaml.constructor.SafeConstructor()

    def build(self, node: yaml.Node, depth: int = 0) -> Any:
        """A node met twice is an alias, which data files never need, so it is refused, scalars
        included: one long text repeated by aliases would make every later step do its work again."""
        line = node.start_mark.line + 1
        if node.tag not in PLAIN_TAGS:
            kind = node.tag.rsplit(":", 1)[-1]
            raise DataError(f"unsupported value type {kind!r} (put text in quotes)", path=self.path, line=line)
        if id(node) in self.seen:
            raise DataError("anchors and aliases (&, *) are not allowed in data files", path=self.path, line=line)
        self.seen.add(id(node))
        if depth > MAX_DEPTH:
            raise DataError(f"nested more than {MAX_DEPTH} levels deep", path=self.path, line=line)
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, line, depth)
        if isinstance(node, yaml.SequenceNode):
            sequence = Sequence(self.build(item, depth + 1) for item in node.value)
            sequence.line = line
            sequence.lines = [item.start_mark.line + 1 for item in node.value]
            return sequence
        if node.tag == INT_TAG and ":" in node.value:
            # YAML 1.1 reads 1:30:00 as a base-60 integer; building a long one takes quadratic time.
            raise DataError("base-60 numbers (digits joined by ':') are not supported; put the value in quotes",
                            path=self.path, line=line)
        try:
            return self.scalars.construct_object(node, deep=True)
        except yaml.YAMLError as error:
            raise DataError(f"invalid value: {error}", path=self.path, line=line) from None
        except ValueError:  # Python refuses to convert integers of over 4,300 digits
            raise DataError("number with too many digits (put it in quotes if it is text)",
                            path=self.path, line=line) from None

    def _mapping(self, node: yaml.MappingNode, line: int, depth: int) -> Mapping:
        mapping = Mapping()
        mapping.line, mapping.lines = line, {}
        for key_node, value_node in node.value:
            key_line = key_node.start_mark.line + 1
            key = self.build(key_node, depth + 1)
            if not isinstance(key, str):
                raise DataError(f"keys must be text, not {key!r}", path=self.path, line=key_line)
            if key in mapping:
                raise DataError(f"duplicate key {key!r}", path=self.path, line=key_line)
            mapping[key] = self.build(value_node, depth + 1)
            mapping.lines[key] = key_line
        return mapping
