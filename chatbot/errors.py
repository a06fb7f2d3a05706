"""The project's exceptions: one root, one class for bad data files and one for bad input."""

from __future__ import annotations


class ChatbotError(Exception):
    """Anything the chatbot reports to a person instead of answering."""


class DataError(ChatbotError):
    """A knowledge or intent file is missing, malformed or inconsistent.

    `path`, `line` and `field` say where, so the message can point a maintainer at the spot.
    """

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None,
                 field: str | None = None) -> None:
        self.message = message
        self.path = path
        self.line = line
        self.field = field
        super().__init__(self.location() + message)

    def location(self) -> str:
        """`file:line: field: ` prefix, with whatever parts are known."""
        parts = ""
        if self.path:
            parts = self.path + (f":{self.line}" if self.line else "") + ": "
        if self.field:
            parts += f"{self.field}: "
        return parts


class InputError(ChatbotError):
    """A question or request the chatbot cannot take (empty, too long, not text)."""
