"""The unanswered-question log: what users asked that the bot could not answer well.

Each entry is one JSON object on one line (timestamp, question, best guess, score), at most
`MAX_ENTRY_BYTES` long, written with a single append under an exclusive lock. The file only ever
holds whole lines: a short write (full disk) is taken back at once, and a line torn by a writer
killed mid-write is dropped by the next writer. A log about to grow past its size cap is renamed
to `LOG.1` (replacing the previous one) and a new one begun.

Writing is best effort and never waits long: a pipe is written without blocking (a reader that
does not keep up loses entries, it never stalls the writer), a lock held by someone else is waited
for at most about 0.1 s, and the service hands entries to a writer thread (`BackgroundLog`) so
that answering never waits at all. A failure is warned about once, and again only after the log
has been written since.
"""

from __future__ import annotations

import errno
import json
import os
import queue
import stat
import sys
import threading
import time
from collections.abc import Callable
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
    """Append one entry to `path`, once; a writer of many entries keeps an `UnansweredLog`, which
    warns once per run of failures instead of every time."""
    return UnansweredLog(path).record(question, reply, best_guess)


def append(path: Path, fields: dict[str, Any], *, name: str = "unanswered-question log") -> bool:
    """Append any entry that starts with its "time" and has a "question", with this log's
    discipline (one whole line of at most MAX_ENTRY_BYTES, the question cut to fit, best effort);
    the feedback log is written through here too. False if it could not be written."""
    return UnansweredLog(path, name=name).append(line(fields))


def say(message: str) -> None:
    """The CLI's way to warn: one line on stderr."""
    if sys.stderr is not None:
        print(f"chatbot: warning: {message}", file=sys.stderr)


class UnansweredLog:
    """One log file. `record` writes in the caller's thread and says whether the entry was
    written; problems go to `warn` once per run of failures (a different problem, or the same one
    after the log was written again, is warned about anew)."""

    def __init__(self, path: Path, *, max_bytes: int = 10_000_000, warn: Callable[[str], None] = say,
                 name: str = "unanswered-question log") -> None:
        self.path = Path(path)
        self.name = name
        self.max_bytes = max_bytes
        self._warn = warn
        self._failing: str | None = None

    def record(self, question: str, reply: Reply, best_guess: str | None) -> bool:
        """Append one entry; False (after a warning, if this problem is new) if it was not written."""
        return self.append(entry(question, reply, best_guess))

    def append(self, line: bytes) -> bool:
        """Append one line made by `entry`."""
        try:
            _append(self.path, line, self.max_bytes)
        except OSError as error:
            problem = error.strerror or str(error)
            if problem != self._failing:
                self._warn(f"cannot write the {self.name} {self.path}: {problem}; "
                           "answering goes on without it")
            self._failing = problem
            return False
        if self._failing is not None:
            self._warn(f"the {self.name} {self.path} is written again")
            self._failing = None
        return True


class BackgroundLog:
    """Entries handed to one writer thread through a bounded queue: `submit` never blocks, so a
    slow disk, a locked file or a stalled pipe cannot hold up answering. When the queue is full the
    entry is skipped, with a warning once per run of skips."""

    def __init__(self, log: UnansweredLog, *, queue_size: int = 1000) -> None:
        self.log = log
        self._queue: queue.Queue[bytes | None] = queue.Queue(queue_size)
        self._thread: threading.Thread | None = None
        self._start = threading.Lock()
        self._skipping = False

    def submit(self, question: str, reply: Reply, best_guess: str | None) -> bool:
        """Queue one entry; False if it was skipped because the writer is behind."""
        self._ensure_thread()
        try:
            self._queue.put_nowait(entry(question, reply, best_guess))
        except queue.Full:
            if not self._skipping:
                self.log._warn(f"the unanswered-question log {self.log.path} is not keeping up; "
                               "entries are skipped until it does")
            self._skipping = True
            return False
        self._skipping = False
        return True

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until every queued entry has been handled (written or given up); False on timeout."""
        deadline = time.monotonic() + timeout
        while self._queue.unfinished_tasks:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.005)
        return True

    def close(self, timeout: float = 5.0) -> None:
        """Write what is queued (waiting at most `timeout` seconds) and stop the thread."""
        if self._thread is None:
            return
        self.flush(timeout)
        try:
            self._queue.put(None, timeout=0.1)
        except queue.Full:
            return
        self._thread.join(timeout)

    def _ensure_thread(self) -> None:
        if self._thread is not None:
            return
        with self._start:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="unanswered-log", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            line = self._queue.get()
            try:
                if line is None:
                    return
                self.log.append(line)
            finally:
                self._queue.task_done()


OPEN_FLAGS = os.O_APPEND | os.O_CLOEXEC | os.O_NOCTTY | os.O_NONBLOCK
ROTATION_TRIES = 3


def _append(path: Path, line: bytes, max_bytes: int) -> None:
    """Write `line` whole or not at all. A regular file is locked, mended and rotated; anything
    else (a pipe, a terminal, /dev/full) gets one write that never blocks."""
    for _ in range(ROTATION_TRIES):
        try:
            regular = stat.S_ISREG(os.stat(path).st_mode)
        except FileNotFoundError:
            regular = True
        if not regular:
            _write_stream(path, line)
            return
        fd = os.open(path, os.O_RDWR | os.O_CREAT | OPEN_FLAGS, 0o644)
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                continue  # replaced by something else since we looked: look again
            _lock(fd)
            try:
                if not _still_at(fd, path):
                    continue  # rotated by another writer while we waited for the lock
                start = _drop_torn_tail(fd)
                if max_bytes and start and start + len(line) > max_bytes:
                    os.replace(path, path.with_name(path.name + ".1"))
                    continue  # the next round writes to a new, empty log
                written = os.write(fd, line)
                if written != len(line):
                    os.ftruncate(fd, start)
                    raise OSError(errno.ENOSPC, "the disk is full (the entry was taken back)")
                return
            finally:
                if fcntl is not None:
                    fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)
    raise OSError(errno.EAGAIN, "the log kept changing under us (other writers rotating it)")


def _write_stream(path: Path, line: bytes) -> None:
    """One non-blocking write to a pipe or device: an entry fits in PIPE_BUF, so a pipe takes it
    whole or not at all."""
    try:
        fd = os.open(path, os.O_WRONLY | OPEN_FLAGS)
    except OSError as error:
        if error.errno == errno.ENXIO:
            raise OSError(errno.ENXIO, "it is a pipe that nobody is reading") from None
        raise
    try:
        written = os.write(fd, line)
    except BlockingIOError:
        raise OSError(errno.EAGAIN, "its reader is not keeping up (the entry was skipped)") from None
    finally:
        os.close(fd)
    if written != len(line):
        raise OSError(errno.EIO, "the entry was written only in part")


def _still_at(fd: int, path: Path) -> bool:
    """True if `fd` is still the file at `path` (not renamed away by a rotation)."""
    try:
        here, there = os.fstat(fd), os.stat(path)
    except FileNotFoundError:
        return False
    return (here.st_dev, here.st_ino) == (there.st_dev, there.st_ino)


def entry(question: str, reply: Reply, best_guess: str | None) -> bytes:
    """One unanswered question as a log line."""
    return line({
        "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "question": question,
        "reply_intent": reply.intent[:MAX_NAME_CHARS],
        "best_guess": best_guess[:MAX_NAME_CHARS] if best_guess is not None else None,
        "score": round(reply.confidence, 3),
    })


def line(fields: dict[str, Any]) -> bytes:
    """The entry as one line of UTF-8 JSON, at most MAX_ENTRY_BYTES: the question is cut until
    it fits (escaped control characters take six bytes each)."""
    question, limit = fields["question"], MAX_QUESTION_BYTES
    while True:
        text = (json.dumps({**fields, "question": _cut(question, limit)}, ensure_ascii=False) + "\n").encode("utf-8")
        if len(text) <= MAX_ENTRY_BYTES:
            return text
        limit //= 2


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
