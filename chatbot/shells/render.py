"""Format replies and listings for a terminal: wrapped to the width, lists kept as lists, and a
little colour when asked for. Pure functions on strings, so any shell can reuse them.
"""

from __future__ import annotations

import os
import re
import textwrap
from collections.abc import Mapping
from typing import TextIO

from ..content.model import Content
from ..dialogue.reply import Reply

MIN_WIDTH, MAX_WIDTH = 20, 100
"""Narrower than this cannot hold a sentence; wider than this is hard to read."""
LIST_LINE = re.compile(r"(?P<indent>\s*)(?P<marker>\d+\.|[-*])\s+(?P<rest>.*)")
NUMBERED_LINE = re.compile(r"\s*\d+\.\s")
COLOURS = {"number": "36", "pick": "1;36", "label": "2", "title": "1", "echo": "2"}
"""SGR codes for the few things that get colour: list numbers, quick picks, labels, titles."""
PICK_LABEL = "You could ask (type a number):"
OFFER_LABEL = "You could also ask:"


def colour_enabled(stream: TextIO, environ: Mapping[str, str] | None = None) -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set (whatever its value) or TERM=dumb."""
    environ = os.environ if environ is None else environ
    if "NO_COLOR" in environ or environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def paint(text: str, role: str, colour: bool) -> str:
    """`text` in the colour of `role` (a key of COLOURS), or unchanged when colour is off."""
    return f"\x1b[{COLOURS[role]}m{text}\x1b[0m" if colour and text else text


def fit(columns: int) -> int:
    """The wrapping width for a terminal this many columns wide."""
    return max(MIN_WIDTH, min(columns - 1, MAX_WIDTH))


def wrap(text: str, width: int, *, colour: bool = False) -> str:
    """Wrap each paragraph to `width`; list lines ("1. ...", "- ...") stay one item per line,
    their continuation lines indented under the item's text."""
    out = []
    for line in text.splitlines():
        item = LIST_LINE.fullmatch(line)
        if not line.strip():
            out.append("")
        elif item:
            indent = "  " + item["indent"]
            marker = item["marker"]
            lines = textwrap.wrap(item["rest"], width, initial_indent=f"{indent}{marker} ",
                                  subsequent_indent=indent + " " * (len(marker) + 1),
                                  break_on_hyphens=False) or [f"{indent}{marker}"]
            lines[0] = indent + paint(marker, "number", colour) + lines[0][len(indent) + len(marker):]
            out.extend(lines)
        else:
            out.extend(textwrap.wrap(line, width, break_on_hyphens=False) or [""])
    return "\n".join(out)


def body(reply: Reply) -> str:
    """The reply's text without the closing "You could ask" offer, which `render` shows as picks."""
    return reply.body or reply.text


def shows_list(reply: Reply) -> bool:
    """True when the reply shows a numbered list (so a bare number means an item of it)."""
    return any(NUMBERED_LINE.match(line) for line in body(reply).splitlines())


def offered(reply: Reply) -> tuple[str, ...]:
    """The questions a reply suggests asking next; a clarifying question's options are not questions."""
    return () if reply.options else tuple(reply.suggestions)


def picks(reply: Reply) -> tuple[str, ...]:
    """The suggestions a bare number asks. None after a numbered list or a clarifying question:
    there the number is the bot's to read, as an item of the list or one of the options."""
    return () if shows_list(reply) else offered(reply)


def render_reply(reply: Reply, width: int, *, colour: bool = False) -> str:
    """A reply for the terminal: the wrapped text, then its suggestions, numbered when they are picks."""
    parts = [wrap(body(reply), width, colour=colour)]
    choices, others = picks(reply), offered(reply)
    if choices:
        lines = [f"[{n}] {s}" for n, s in enumerate(choices, 1)]
        parts.append(_label(PICK_LABEL, width, colour) + "\n" + _hanging(lines, width, colour))
    elif others:
        parts.append(_label(OFFER_LABEL, width, colour) + "\n" + wrap("\n".join(f"- {s}" for s in others), width))
    return "\n\n".join(parts)


def render_topics(content: Content, width: int, *, colour: bool = False) -> str:
    """Every category with its items, compact, in the guide's order: the title, then the item
    titles on indented lines."""
    blocks = []
    for category in content.categories.values():
        titles = ", ".join(item.title for item in category.items)
        items = textwrap.fill(titles, width, initial_indent="  ", subsequent_indent="  ", break_on_hyphens=False)
        blocks.append(f"{paint(category.title, 'title', colour)} ({len(category.items)})\n{items}")
    return "\n".join(blocks)


def _label(text: str, width: int, colour: bool) -> str:
    return "\n".join(paint(line, "label", colour) for line in textwrap.wrap(text, width))


def _hanging(lines: list[str], width: int, colour: bool) -> str:
    """Quick-pick lines, each "[n] ..." wrapped with its continuation under the text."""
    out = []
    for line in lines:
        key, _, text = line.partition(" ")
        wrapped = textwrap.wrap(text, width, initial_indent="  " + key + " ",
                                subsequent_indent=" " * (len(key) + 3), break_on_hyphens=False) or ["  " + key]
        wrapped[0] = "  " + paint(key, "pick", colour) + wrapped[0][2 + len(key):]
        out.extend(wrapped)
    return "\n".join(out)
