"""Where conversations live between HTTP requests: the store interface and an in-memory store.

The service keeps one `Conversation` per visitor. `MemorySessionStore` bounds how many it keeps
and forgets idle ones, so memory stays flat however many people visit. A shared store (Redis, a
database) can implement the same `SessionStore` protocol to serve several worker processes.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Protocol

from ...dialogue.conversation import Conversation
from ...errors import InputError


class SessionStore(Protocol):
    """What the service needs from a session store. Ids are opaque strings."""

    def get(self, session_id: str) -> Conversation | None:
        """The conversation under this id, or None if there is none (never made, expired or evicted)."""

    def create(self, session_id: str | None = None) -> tuple[str, Conversation]:
        """A fresh conversation under a new random id, or under `session_id` (replacing any there)."""

    def save(self, session_id: str, conversation: Conversation) -> None:
        """Keep the conversation after a turn: a shared store writes it back; memory marks it used."""

    def __len__(self) -> int:
        """How many conversations are kept."""


def new_session_id() -> str:
    """A random, unguessable id (128 bits, URL-safe): knowing one never reveals another."""
    return secrets.token_urlsafe(16)


class MemorySessionStore:
    """Conversations in this process's memory: at most `max_sessions`, each forgotten after
    `idle_seconds` unused; when full, the least recently used is evicted first.

    Safe to share between threads: every operation holds one lock, and each is O(1) amortized.
    """

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
        # Least recently used first; each value is (last used, conversation).
        self._sessions: OrderedDict[str, tuple[float, Conversation]] = OrderedDict()

    def get(self, session_id: str) -> Conversation | None:
        with self._lock:
            entry = self._sessions.get(session_id)
            if entry is None:
                return None
            now = self._clock()
            if now - entry[0] > self.idle_seconds:
                del self._sessions[session_id]
                return None
            self._sessions[session_id] = (now, entry[1])
            self._sessions.move_to_end(session_id)
            return entry[1]

    def create(self, session_id: str | None = None) -> tuple[str, Conversation]:
        session_id = session_id or new_session_id()
        conversation = Conversation()
        self.save(session_id, conversation)
        return session_id, conversation

    def save(self, session_id: str, conversation: Conversation) -> None:
        with self._lock:
            now = self._clock()
            self._forget_idle(now)
            if session_id not in self._sessions:
                while len(self._sessions) >= self.max_sessions:
                    self._sessions.popitem(last=False)
            self._sessions[session_id] = (now, conversation)
            self._sessions.move_to_end(session_id)

    def __len__(self) -> int:
        with self._lock:
            self._forget_idle(self._clock())
            return len(self._sessions)

    def _forget_idle(self, now: float) -> None:
        """Drop expired conversations; they sit at the front, since the order is by last use."""
        sessions = self._sessions
        while sessions:
            session_id, (used, _) = next(iter(sessions.items()))
            if now - used <= self.idle_seconds:
                return
            del sessions[session_id]
