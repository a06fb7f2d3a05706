"""The shape of the data files, derived from the model's dataclasses: each field is declared once.

A model class (`Item`, `Intent`, ...) declares its fields with `spec(doc, ...)`; `build` checks a
parsed YAML mapping against those fields (required keys, types, no unknown keys, placeholders,
no repeated entries) and constructs the value, remembering where it came from (`Origin`), so
errors and later checks can name the file, the line and the field. `json_schema` and
`reference` describe the same fields for editors and for people.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from rapidfuzz import process

from ..errors import DataError
from . import template
from .yamlfile import line_of

T = TypeVar("T")


@dataclass(frozen=True)
class Origin:
    """Where a value was written: its file and line, the line of each key, and the line of each
    entry of its list fields. Values built from memory have no origin (`NOWHERE`)."""

    path: str = ""
    line: int = 0
    keys: Mapping[str, int] = dataclasses.field(default_factory=dict)
    entries: Mapping[str, tuple[int, ...]] = dataclasses.field(default_factory=dict)

    def at(self, key: str | None = None, index: int | None = None) -> int:
        """The line of the value, of one of its keys, or of one entry of a list field."""
        if key is not None and index is not None:
            lines = self.entries.get(key, ())
            if 0 <= index < len(lines) and lines[index]:
                return lines[index]
        if key is not None and self.keys.get(key):
            return self.keys[key]
        return self.line

    def where(self, key: str | None = None, index: int | None = None) -> str:
        """`file:line`, for messages."""
        line = self.at(key, index)
        return f"{self.path}:{line}" if line else self.path


NOWHERE = Origin()


def spec(doc: str, *, default: Any = dataclasses.MISSING, key: str | None = None,
         placeholders: tuple[str, ...] | None = None) -> Any:
    """A field read from the data file under `key` (its own name by default). `placeholders`
    lists the `{names}` a template field may use."""
    metadata = {"doc": doc, "key": key, "placeholders": placeholders}
    return dataclasses.field(default=default, metadata=metadata)


def derived(default: Any = dataclasses.MISSING, *, doc: str = "") -> Any:
    """A field the loader fills in (an item's position, its category), never read from the file."""
    return dataclasses.field(default=default, metadata={"derived": True, "doc": doc})


def origin() -> Any:
    """The `origin` field every model class ends with."""
    return dataclasses.field(default=NOWHERE, compare=False, repr=False, metadata={"derived": True})


@dataclass(frozen=True)
class FieldSpec:
    """One key of a data mapping, as derived from a dataclass field."""

    name: str
    key: str
    hint: Any
    required: bool
    doc: str
    placeholders: tuple[str, ...] | None
    default: Any = None


@functools.cache
def fields_of(cls: Any) -> tuple[FieldSpec, ...]:
    """The data keys of a model class, in declaration order."""
    hints = typing.get_type_hints(cls)
    out = []
    for f in dataclasses.fields(cls):
        if f.metadata.get("derived"):
            continue
        required = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        default = None if f.default is dataclasses.MISSING else f.default
        out.append(FieldSpec(f.name, f.metadata.get("key") or f.name, hints[f.name], required,
                             f.metadata.get("doc", ""), f.metadata.get("placeholders"), default))
    return tuple(out)


def build(cls: type[T], value: Any, *, path: str, where: str = "", line: int = 0, **extra: Any) -> T:
    """Check `value` (a parsed mapping) against `cls`'s fields and construct it; `extra` fills
    derived fields. Raises DataError naming the file, line and field of the first problem."""
    if not isinstance(value, dict):
        raise DataError(f"expected a mapping, got {describe(value)}", path=path, line=line_of(value) or line,
                        field=where or None)
    specs = {s.key: s for s in fields_of(typing.cast(Any, cls))}
    for key in value:
        if key not in specs:
            guess = process.extractOne(key, list(specs), score_cutoff=60)
            hint = f" (did you mean {guess[0]!r}?)" if guess else ""
            raise DataError(f"unknown key {key!r}{hint}; allowed: {', '.join(specs)}", path=path,
                            line=line_of(value, key), field=_join(where, key))
    own_line = line_of(value) or line
    kwargs: dict[str, Any] = {}
    keys: dict[str, int] = {}
    entries: dict[str, tuple[int, ...]] = {}
    for key, field in specs.items():
        if key not in value:
            if field.required:
                raise DataError(f"missing required field {key!r}", path=path, line=own_line, field=_join(where, key))
            continue
        at = line_of(value, key) or own_line
        keys[field.name] = at
        raw = value[key]
        if isinstance(raw, list):
            entries[field.name] = tuple(line_of(raw, i) for i in range(len(raw)))
        elif isinstance(raw, dict) and not dataclasses.is_dataclass(field.hint):
            keys.update({f"{field.name}.{k}": line_of(raw, k) for k in raw})
        kwargs[field.name] = _convert(field, raw, path=path, line=at, where=_join(where, key))
    made = cls(**kwargs, **extra, origin=Origin(path, own_line, keys, entries))  # type: ignore[call-arg]
    return made


def _convert(field: FieldSpec, raw: Any, *, path: str, line: int, where: str) -> Any:
    hint, problem = field.hint, None
    optional = _is_optional(hint)
    if optional:
        hint = next(a for a in typing.get_args(hint) if a is not type(None))
        if raw is None:
            return None
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    element: Any = args[0] if args else None
    if hint is str:
        if not (isinstance(raw, str) and raw.strip()):
            problem = f"expected text, got {describe(raw)}"
        else:
            text = " ".join(raw.split())
            _check_placeholders(field, text, path=path, line=line, where=where)
            return text
    elif hint is bool:
        if not isinstance(raw, bool):
            problem = f"expected true or false, got {describe(raw)}"
        else:
            return raw
    elif hint in (int, float):
        if isinstance(raw, bool) or not isinstance(raw, (int, float)):
            problem = f"expected a number, got {describe(raw)}"
        else:
            return raw
    elif isinstance(hint, type) and issubclass(hint, enum.Enum):
        values = [member.value for member in hint]
        if raw not in values:
            problem = f"unknown {field.key} {raw!r}; one of: {', '.join(values)}"
        else:
            return hint(raw)
    elif origin is tuple and element is str:
        return _texts(field, raw, path=path, line=line, where=where)
    elif origin is tuple and dataclasses.is_dataclass(element):
        if not isinstance(raw, list):
            problem = f"expected a list, got {describe(raw)}"
        else:
            kind = typing.cast(type, element)
            return tuple(_element(kind, entry, i, raw, path=path, where=where) for i, entry in enumerate(raw))
    elif dataclasses.is_dataclass(hint):
        return build(typing.cast(type, hint), raw, path=path, where=where, line=line)
    elif origin in (dict, Mapping, typing.get_origin(Mapping[str, str])):
        if not isinstance(raw, dict):
            problem = f"expected a mapping, got {describe(raw)}"
        else:
            entry = FieldSpec(field.name, field.key, args[1], True, "", None)
            return {k: _convert(entry, v, path=path, line=line_of(raw, k) or line, where=f"{where}.{k}")
                    for k, v in raw.items()}
    else:  # pragma: no cover - a model field of a type this module does not know
        raise TypeError(f"no schema for {hint!r}")
    raise DataError(problem or "invalid value", path=path, line=line, field=where)


def _element(cls: type, entry: Any, index: int, entries: list[Any], *, path: str, where: str) -> Any:
    extra = {"position": index + 1} if "position" in {f.name for f in dataclasses.fields(cls)} else {}
    return build(cls, entry, path=path, where=f"{where}[{index}]", line=line_of(entries, index), **extra)


def _texts(field: FieldSpec, raw: Any, *, path: str, line: int, where: str) -> tuple[str, ...]:
    """A list of non-empty texts, none repeated (a repeat is always a slip, and hides intent)."""
    if not isinstance(raw, list):
        raise DataError(f"expected a list of text, got {describe(raw)}", path=path, line=line, field=where)
    seen: dict[str, int] = {}
    out = []
    for i, entry in enumerate(raw):
        at = line_of(raw, i) or line
        if not (isinstance(entry, str) and entry.strip()):
            hint = " (quote text that starts with '{')" if isinstance(entry, dict) else ""
            raise DataError(f"expected non-empty text, got {describe(entry)}{hint}", path=path, line=at,
                            field=f"{where}[{i}]")
        text = " ".join(entry.split())
        fold = text.casefold()
        if fold in seen:
            raise DataError(f"{text!r} is listed twice (also entry {seen[fold]}); drop one", path=path, line=at,
                            field=f"{where}[{i}]")
        seen[fold] = i
        _check_placeholders(field, text, path=path, line=at, where=f"{where}[{i}]")
        out.append(text)
    return tuple(out)


def _check_placeholders(field: FieldSpec, text: str, *, path: str, line: int, where: str) -> None:
    if field.placeholders is None:
        return
    wrong = template.unknown(text, field.placeholders)
    if wrong:
        allowed = ", ".join("{" + name + "}" for name in field.placeholders) or "none"
        raise DataError(f"unknown placeholder {{{wrong[0]}}}; {field.key} may use: {allowed}",
                        path=path, line=line, field=where)


def _is_optional(hint: Any) -> bool:
    return (isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union) and \
        type(None) in typing.get_args(hint)


def _join(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def describe(value: Any) -> str:
    """A value's kind, for error messages ("a list", "text 'abc'")."""
    if isinstance(value, str):
        return "empty text" if not value.strip() else f"text {value[:30]!r}"
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


def json_schema(cls: type) -> dict[str, Any]:
    """A JSON Schema (draft 2020-12) of one model class, for editors that check YAML as they type."""
    properties = {}
    for field in fields_of(cls):
        properties[field.key] = {**_json_type(field.hint), "description": field.doc}
    required = [f.key for f in fields_of(cls) if f.required]
    return {"type": "object", "properties": properties, "required": required, "additionalProperties": False}


def _json_type(hint: Any) -> dict[str, Any]:
    if _is_optional(hint):
        inner = next(a for a in typing.get_args(hint) if a is not type(None))
        return {"anyOf": [_json_type(inner), {"type": "null"}]}
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint is str:
        return {"type": "string", "minLength": 1}
    if hint is bool:
        return {"type": "boolean"}
    if hint in (int, float):
        return {"type": "number"}
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return {"enum": [member.value for member in hint]}
    if origin is tuple:
        return {"type": "array", "items": _json_type(args[0])}
    if dataclasses.is_dataclass(hint):
        return json_schema(hint)  # type: ignore[arg-type]
    return {"type": "object", "additionalProperties": _json_type(args[1])}


def reference(cls: type) -> list[tuple[str, str, str, str]]:
    """(key, kind, "required" or the default, what it is) for each field of a model class, for the docs."""
    def default(field: FieldSpec) -> str:
        if field.required:
            return "required"
        return f"`{field.default}`" if isinstance(field.default, str) else ""
    return [(f.key, kind_name(f.hint), default(f), f.doc) for f in fields_of(cls)]


def kind_name(hint: Any) -> str:
    """A field's kind in words: "text", "list of text", "true or false"."""
    if _is_optional(hint):
        return kind_name(next(a for a in typing.get_args(hint) if a is not type(None))) + " or null"
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint is str:
        return "text"
    if hint is bool:
        return "true or false"
    if hint in (int, float):
        return "number"
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return "one of " + ", ".join(member.value for member in hint)
    if origin is tuple and args[0] is str:
        return "list of text"
    if origin is tuple:
        return f"list of {args[0].__name__}"
    if dataclasses.is_dataclass(hint):
        return hint.__name__  # type: ignore[union-attr]
    return "mapping of text to list of text"
