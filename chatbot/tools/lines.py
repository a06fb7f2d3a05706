"""Reading text one line at a time within bounds, for `chatbot ask`, `chatbot chat` and
`chatbot review`: each line is cut to what the reader keeps, and the rest of it is skipped in
chunks, so a 10 MB line costs no more memory than a short one and a stream with no line breaks
(/dev/zero) is never gathered into memory.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

from ..errors import InputError

CHUNK = 65_536


def read_lines(stream: BinaryIO, keep: int, *, limit: int | None = None, name: str = "the input") -> Iterator[tuple[bytes, int]]:
    """Each line of `stream`, without its line break: its first `keep` bytes and its whole length
    in bytes. A line longer than `limit` bytes is an InputError, raised as soon as that much of it
    has been read (nothing a person writes is that long, and /dev/zero never ends)."""
    number = 0
    while True:
        head = stream.readline(keep + 1)
        if not head:
            return
        number += 1
        size = len(head)
        ended = head.endswith(b"\n")
        while not ended:
            more = stream.readline(CHUNK)
            if not more:
                break
            size += len(more)
            ended = more.endswith(b"\n")
            if limit is not None and size > limit:
                raise InputError(f"line {number} of {name} is over {limit:,} bytes long: "
                                 "that is not a file of one question per line")
        if ended:
            size -= 1
        yield head[:keep].removesuffix(b"\n"), size
