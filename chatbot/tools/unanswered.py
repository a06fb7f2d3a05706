"""The unanswered-question log: what users asked that the bot could not answer well.

Each entry is one JSON object on one line (timestamp, question, best guess, score), at most
`MAX_ENTRY_BYTES` long, written with a single append under an exclusive lock. The file only ever
holds whole lines: a short write (full disk) is taken back at once, and a line torn by a writer
killed mid-write is dropped by the next writer. Writing is best effort: a full disk or an
unwritable path gives one warning and never stops answering.
"""

from __future__ import annotations

import errno
import json
import os
import stat
import sys
import time
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..dialogue.reply import Reply

try:
    import fcntl
except ImportError:  # no fcntl (Windows): entries are still appended whole, without the lock
    fcntl = None  # type: ignore[assignment]

MAX_ENTRY_BYTES = 4096
"""One page, and POSIX's PIPE_BUF: the longest question is cut so that an entry fits."""
MAX_QUESTION_BYTES = 2048
MAX_NAME_CHARS = 100
ENTRY_START = b'{"time": '
"""How every entry begins: a tail without a newline that begins so is our own torn entry."""
LOCK_TRIES, LOCK_PAUSE = 20, 0.005
"""Waiting for the lock stops after about 0.1 s, so a stuck writer cannot hold up answering."""


def worth_logging(reply: Reply, unsure_below: float) -> bool:
    """True for what the log is for: a fallback, or an answer the bot was unsure of."""
    return reply.fallback or reply.confidence < unsure_below


def best_guess(reply: Reply) -> str | None:
    """The intent the matcher ranked first, from the reply's trace (None without one)."""
    best = reply.trace.parse.best if reply.trace else None
    return best.intent if best else None


def record(path: Path, question: str, reply: Reply, best_guess: str | None) -> bool:
    """Append one entry; return False (after a warning on stderr, once per path and problem)
    if it could not be written."""
    return append(path, {
        "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "question": question,
        "reply_intent": reply.intent[:MAX_NAME_CHARS],
        "best_guess": best_guess[:MAX_NAME_CHARS] if best_guess is not None else None,
        "score": round(reply.confidence, 3),
    })


def append(path: Path, entry: dict[str, Any]) -> bool:
    """Append any entry that starts with its "time" and has a "question", with this log's
    discipline (one whole line of at most MAX_ENTRY_BYTES, the question cut to fit, best effort);
    the feedback log is written through here too. False if it could not be written."""
    line = _entry(entry)
    try:
        fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            _append(fd, line)
        finally:
            os.close(fd)
    except OSError as error:
        _warn(str(path), error.strerror or str(error))
        return False
    return True


def _entry(entry: dict[str, Any]) -> bytes:
    """The entry as one line of UTF-8 JSON, at most MAX_ENTRY_BYTES: the question is cut until
    it fits (escaped control characters take six bytes each)."""
    question, limit = entry["question"], MAX_QUESTION_BYTES
    while True:
        line = (json.dumps({**entry, "question": _cut(question, limit)}, ensure_ascii=False) + "\n").encode("utf-8")
        if len(line) <= MAX_ENTRY_BYTES:
            return line
        limit //= 2


def _append(fd: int, line: bytes) -> None:
    """Write `line` whole or not at all. Files that are not regular (a pipe, /dev/full) get a
    plain write, since they can be neither locked usefully nor truncated."""
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        if os.write(fd, line) != len(line):
            raise OSError(errno.EIO, "the entry was written only in part")
        return
    _lock(fd)
    try:
        start = _drop_torn_tail(fd)
        written = os.write(fd, line)
        if written != len(line):
            os.ftruncate(fd, start)
            raise OSError(errno.ENOSPC, "the disk is full (the entry was taken back)")
    finally:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_UN)


def _lock(fd: int) -> None:
    """Take the exclusive lock, waiting a little; writers hold it only for one write."""
    if fcntl is None:
        return
    for _ in range(LOCK_TRIES):
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            time.sleep(LOCK_PAUSE)
    raise OSError(errno.EWOULDBLOCK, "another process has held the log locked for too long")


def _drop_torn_tail(fd: int) -> int:
    """Where the next entry starts. A last line without its newline is an entry torn by a killed
    writer if it starts like one: it is cut off. Anything else is kept, and a newline added."""
    size = os.fstat(fd).st_size
    if size == 0 or os.pread(fd, 1, size - 1) == b"\n":
        return size
    window = min(size, MAX_ENTRY_BYTES)
    tail = os.pread(fd, window, size - window)
    newline = tail.rfind(b"\n")
    if newline >= 0 or window == size:
        start = size - window + newline + 1
        if tail[newline + 1:].startswith(ENTRY_START):
            os.ftruncate(fd, start)
            return start
    os.write(fd, b"\n")
    return size + 1


def _cut(text: str, limit: int) -> str:
    """`text` cut to at most `limit` bytes of UTF-8, on a character boundary; characters that
    cannot be encoded (lone surrogates) become '?'."""
    return text.encode("utf-8", "replace")[:limit].decode("utf-8", "ignore")


@lru_cache(maxsize=64)
def _warn(path: str, problem: str) -> None:
    """Say once per path and problem that the log cannot be written (a busy service would
    otherwise repeat it on every unanswered question)."""
    print(f"chatbot: warning: cannot write the unanswered-question log {path}: {problem}; "
          "answering goes on without it", file=sys.stderr)
