"""A small declarative checker for the shape of data files: required keys, types, no unknown keys.

Errors name the file, the line and the field, and suggest the closest known key for a typo.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rapidfuzz import process

from .datafile import Mapping, Sequence, line_of
from .errors import DataError

TEXT = "text"
TEXT_LIST = "list of text"
BOOL = "true or false"
NUMBER = "number"
MAPPING = "mapping"
LIST = "list"


@dataclass(frozen=True)
class Field:
    """One key of a mapping: its name, its expected kind, and whether it must be present."""

    name: str
    kind: str
    required: bool = True


def check_mapping(value: Any, fields: list[Field], *, path: str, where: str, line: int = 0) -> Mapping:
    """Check that `value` is a mapping holding exactly the given fields; return it."""
    if not isinstance(value, Mapping):
        raise DataError(f"expected a mapping, got {_describe(value)}", path=path,
                        line=line_of(value) or line, field=where or None)
    known = {f.name: f for f in fields}
    for key in value:
        if key not in known:
            guess = process.extractOne(key, list(known), score_cutoff=60)
            hint = f" (did you mean {guess[0]!r}?)" if guess else ""
            raise DataError(f"unknown key {key!r}{hint}; allowed: {', '.join(known)}", path=path,
                            line=line_of(value, key), field=_join(where, key))
    for f in fields:
        if f.name not in value:
            if f.required:
                raise DataError(f"missing required field {f.name!r}", path=path, line=value.line,
                                field=_join(where, f.name))
            continue
        check_kind(value[f.name], f.kind, path=path, line=line_of(value, f.name), where=_join(where, f.name))
    return value


def check_kind(value: Any, kind: str, *, path: str, line: int, where: str) -> None:
    """Raise a DataError unless `value` is of `kind`."""
    ok = {
        TEXT: isinstance(value, str) and value.strip() != "",
        BOOL: isinstance(value, bool),
        NUMBER: isinstance(value, (int, float)) and not isinstance(value, bool),
        MAPPING: isinstance(value, Mapping),
        LIST: isinstance(value, Sequence),
        TEXT_LIST: isinstance(value, Sequence) and all(isinstance(v, str) and v.strip() for v in value),
    }[kind]
    if not ok:
        if kind == TEXT_LIST and isinstance(value, Sequence):
            bad = next(i for i, v in enumerate(value) if not (isinstance(v, str) and v.strip()))
            hint = " (quote text that starts with '{')" if isinstance(value[bad], Mapping) else ""
            raise DataError(f"expected non-empty text, got {_describe(value[bad])}{hint}", path=path,
                            line=line_of(value, bad), field=f"{where}[{bad}]")
        raise DataError(f"expected {kind}, got {_describe(value)}", path=path, line=line, field=where)


def _join(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def _describe(value: Any) -> str:
    if isinstance(value, str):
        return "empty text" if not value.strip() else f"text {value[:30]!r}"
    if value is None:
        return "nothing (null)"
    return {Mapping: "a mapping", Sequence: "a list", bool: "true/false"}.get(type(value), type(value).__name__)
