"""The in-memory session store: bounded, forgetful when idle, least recently used evicted first."""

from __future__ import annotations

import threading

import pytest

from chatbot import Conversation, InputError
from chatbot.shells.server.sessions import MemorySessionStore, SessionStore


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_new_session_gets_an_unguessable_id_and_a_fresh_conversation() -> None:
    store = MemorySessionStore()
    first, conversation = store.create()
    second, _ = store.create()
    assert first != second and len(first) >= 22
    assert isinstance(conversation, Conversation) and conversation.turns == 0
    assert store.get(first) is conversation
    assert store.get("never-made") is None
    assert len(store) == 2


def test_the_memory_store_satisfies_the_protocol() -> None:
    store: SessionStore = MemorySessionStore()
    session_id, conversation = store.create()
    conversation.turns = 3
    store.save(session_id, conversation)
    found = store.get(session_id)
    assert found is not None and found.turns == 3


def test_create_with_a_chosen_id_replaces_what_was_there() -> None:
    store = MemorySessionStore()
    _, old = store.create("rest:alice")
    old.turns = 5
    session_id, new = store.create("rest:alice")
    assert session_id == "rest:alice" and store.get("rest:alice") is new and new.turns == 0
    assert len(store) == 1


def test_when_full_the_least_recently_used_is_evicted_first() -> None:
    store = MemorySessionStore(max_sessions=3)
    a, _ = store.create()
    b, _ = store.create()
    c, _ = store.create()
    assert store.get(a) is not None  # a is now the most recently used; b the least
    d, _ = store.create()
    assert store.get(b) is None
    assert all(store.get(s) is not None for s in (a, c, d))
    assert len(store) == 3


def test_saving_counts_as_use() -> None:
    store = MemorySessionStore(max_sessions=2)
    a, conversation = store.create()
    b, _ = store.create()
    store.save(a, conversation)
    store.create()
    assert store.get(a) is conversation and store.get(b) is None


def test_an_idle_session_is_forgotten_after_the_timeout_and_use_resets_the_timer() -> None:
    clock = Clock()
    store = MemorySessionStore(idle_seconds=60, clock=clock)
    kept, _ = store.create()
    dropped, _ = store.create()
    clock.now += 50
    assert store.get(kept) is not None
    clock.now += 50  # kept was used 50 s ago, dropped 100 s ago
    assert store.get(dropped) is None
    assert store.get(kept) is not None
    clock.now += 61
    assert store.get(kept) is None
    assert len(store) == 0


def test_idle_sessions_are_swept_without_being_asked_for() -> None:
    clock = Clock()
    store = MemorySessionStore(idle_seconds=10, clock=clock)
    for _ in range(100):
        store.create()
    clock.now += 11
    store.create()
    assert len(store) == 1


@pytest.mark.parametrize("max_sessions, idle", [(0, 60), (10, 0), (10, -1)])
def test_impossible_limits_are_refused(max_sessions: int, idle: float) -> None:
    with pytest.raises(InputError):
        MemorySessionStore(max_sessions=max_sessions, idle_seconds=idle)


def test_threads_sharing_the_store_never_exceed_the_bound() -> None:
    store = MemorySessionStore(max_sessions=50)
    errors: list[BaseException] = []

    def visitor() -> None:
        try:
            for _ in range(300):
                session_id, conversation = store.create()
                found = store.get(session_id)
                if found is not None:
                    found.turns += 1
                    store.save(session_id, found)
        except BaseException as error:  # surfaced by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=visitor) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(store) == 50
