"""Where conversations live between HTTP requests: the store interface, the in-memory store, and
the choice between it and the Redis store.

The service keeps one `Conversation` per visitor. Every channel changes one through
`SessionStore.turn`, which hands the conversation to a step (the bot's answer) and keeps what the
step left, so a store decides how turns of one conversation stay in order. `MemorySessionStore`
(the default) keeps them in this process, bounded and forgetful of idle ones; `RedisSessionStore`
(`redis_store.py`) shares them between worker processes and hosts.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, TypeVar

from ...dialogue.conversation import Choice, Conversation
from ...errors import ChatbotError, InputError

if TYPE_CHECKING:
    from ...settings import Settings

R = TypeVar("R")

MEMORY = "memory"
REDIS_SCHEMES = ("redis://", "rediss://", "unix://")


class UnknownSession(ChatbotError):
    """No conversation has this id: never made, expired or evicted."""


class SessionsUnavailable(ChatbotError):
    """The session store cannot be reached, or refused the write: the turn was not applied."""


class SessionBusy(SessionsUnavailable):
    """One conversation got more turns at once than a shared store could apply one after the other."""


@dataclass(frozen=True)
class StoreStatus:
    """What `/healthz` says about the store."""

    kind: str
    """`memory` or `redis`."""
    reachable: bool
    sessions: int | None
    """How many conversations are kept, where the store can count them cheaply (memory), else None."""


class SessionStore(Protocol):
    """What the service needs from a session store. Ids are opaque strings."""

    async def turn(self, key: str | None, step: Callable[[Conversation], R], *, start: bool = False) -> tuple[str, R]:
        """Apply one turn and keep its result: `step` gets the conversation under `key` (a new one
        under a new random id when `key` is None, or under `key` itself when `start` and there is
        none), changes it, and what it leaves is stored. Returns the id and what `step` returned.

        Turns of one conversation are applied one after the other, each on the state the last one
        left, whichever process runs them. `step` may run more than once when two turns race (the
        loser's is redone on the winner's state), so it must change nothing but the conversation.
        Raises UnknownSession for an id with no conversation (unless `start`), SessionsUnavailable
        when the store cannot be used."""
        ...

    async def status(self) -> StoreStatus:
        """The store's kind, whether it answers, and how many conversations it keeps if known."""
        ...

    async def close(self) -> None:
        """Let go of connections; the store is not used after this."""
        ...


def new_session_id() -> str:
    """A random, unguessable id (128 bits, URL-safe): knowing one never reveals another."""
    return secrets.token_urlsafe(16)


def check_sessions_url(url: str) -> str:
    """`url` if it names a store this release has (`memory` or a Redis URL), else an InputError."""
    if url == MEMORY or url.startswith(REDIS_SCHEMES):
        return url
    raise InputError(f"--sessions {url!r} is not a session store: use 'memory' (the default, one process) or "
                     "a Redis URL such as redis://localhost:6379/0 (rediss:// for TLS, unix:///path/redis.sock)")


def open_store(settings: Settings) -> SessionStore:
    """The store `settings.sessions` names, with the settings' limits."""
    url = check_sessions_url(settings.sessions)
    if url == MEMORY:
        return MemorySessionStore(settings.max_sessions, settings.session_idle_seconds)
    try:
        from .redis_store import RedisSessionStore  # the redis package loads only when it is used
    except ModuleNotFoundError as error:
        if error.name != "redis":
            raise
        raise InputError('the Redis session store needs the redis package: pip install -e ".[server]"') from None

    return RedisSessionStore.from_settings(settings)


# A kept conversation as a tuple of plain values (its pending choices as tuples too): the garbage
# collector stops tracking such tuples, so 100,000 kept conversations cost it nothing to scan.
Record = tuple[float, str | None, str | None, tuple[tuple[str, str | None, float], ...], int]


def _record(used: float, conversation: Conversation) -> Record:
    pending = tuple((c.intent, c.item, c.score) for c in conversation.pending)
    return used, conversation.item, conversation.listed, pending, conversation.turns


def _conversation(record: Record) -> Conversation:
    _, item, listed, pending, turns = record
    return Conversation(item, listed, tuple(Choice(*choice) for choice in pending), turns)


class MemorySessionStore:
    """Conversations in this process's memory: at most `max_sessions`, each forgotten after
    `idle_seconds` unused; when full, the least recently used is evicted first.

    Safe to share between threads: every operation holds one lock, and each is O(1) amortized.
    A turn has no `await` in it, so turns of one conversation never interleave in the event loop.
    """

    kind = MEMORY

    def __init__(self, max_sessions: int = 100_000, idle_seconds: float = 1800.0, *,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if max_sessions < 1:
            raise InputError(f"max_sessions must be at least 1, not {max_sessions}")
        if idle_seconds <= 0:
            raise InputError(f"session_idle_seconds must be positive, not {idle_seconds}")
        self.max_sessions = max_sessions
        self.idle_seconds = idle_seconds
        self._clock = clock
        self._lock = threading.Lock()
        # Least recently used first.
        self._sessions: OrderedDict[str, Record] = OrderedDict()

    async def turn(self, key: str | None, step: Callable[[Conversation], R], *, start: bool = False) -> tuple[str, R]:
        if key is None:
            key, conversation = self.create()
        else:
            found = self.get(key)
            if found is None and not start:
                raise UnknownSession(key)
            conversation = found if found is not None else self.create(key)[1]
        result = step(conversation)
        self.save(key, conversation)
        return key, result

    async def status(self) -> StoreStatus:
        return StoreStatus(self.kind, True, len(self))

    async def close(self) -> None:
        return None

    def get(self, session_id: str) -> Conversation | None:
        """A copy of the conversation under this id (saving it back keeps changes), or None."""
        with self._lock:
            record = self._sessions.get(session_id)
            if record is None:
                return None
            now = self._clock()
            if now - record[0] > self.idle_seconds:
                del self._sessions[session_id]
                return None
            self._sessions[session_id] = (now, *record[1:])
            self._sessions.move_to_end(session_id)
            return _conversation(record)

    def create(self, session_id: str | None = None) -> tuple[str, Conversation]:
        """A fresh conversation under a new random id, or under `session_id` (replacing any there)."""
        session_id = session_id or new_session_id()
        conversation = Conversation()
        self.save(session_id, conversation)
        return session_id, conversation

    def save(self, session_id: str, conversation: Conversation) -> None:
        """Keep the conversation under this id, as the most recently used."""
        with self._lock:
            now = self._clock()
            self._forget_idle(now)
            if session_id not in self._sessions:
                while len(self._sessions) >= self.max_sessions:
                    self._sessions.popitem(last=False)
            self._sessions[session_id] = _record(now, conversation)
            self._sessions.move_to_end(session_id)

    def __len__(self) -> int:
        with self._lock:
            self._forget_idle(self._clock())
            return len(self._sessions)

    def _forget_idle(self, now: float) -> None:
        """Drop expired conversations; they sit at the front, since the order is by last use."""
        sessions = self._sessions
        while sessions:
            session_id, record = next(iter(sessions.items()))
            if now - record[0] <= self.idle_seconds:
                return
            del sessions[session_id]
