"""The session stores: the in-memory one (bounded, forgetful when idle, least recently used evicted
first), and the `SessionStore` protocol every store keeps, run on memory and on a real Redis."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator

import pytest
from redis_server import REDIS_SERVER, RedisServer

from chatbot import Conversation, InputError
from chatbot.shells.server.sessions import MemorySessionStore, SessionStore, UnknownSession, new_session_id


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
    assert store.get(first) == conversation
    assert store.get("never-made") is None
    assert len(store) == 2


def test_saving_keeps_the_changes() -> None:
    store = MemorySessionStore()
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
    assert session_id == "rest:alice" and store.get("rest:alice") == new and new.turns == 0
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
    assert store.get(a) == conversation and store.get(b) is None


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


# --- the SessionStore protocol, on every store ------------------------------------------------

@pytest.fixture(scope="module")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    if REDIS_SERVER is None:
        pytest.skip("needs Debian's redis-server (apt-get install redis-server); .ci/run installs it")
    with RedisServer(tmp_path_factory.mktemp("redis")) as server:
        yield server


@pytest.fixture(params=["memory", "redis"])
def make_store(request: pytest.FixtureRequest) -> Callable[[], SessionStore]:
    """Makes stores of one kind; Redis stores made by one test share a fresh key prefix, like the
    workers of one service, so two of them are two processes sharing the conversations."""
    if request.param == "memory":
        memory = MemorySessionStore()
        return lambda: memory
    from chatbot.shells.server.redis_store import RedisSessionStore

    url, prefix = request.getfixturevalue("redis_server").url, f"test-{new_session_id()}:"
    return lambda: RedisSessionStore(url, prefix=prefix)


def counting(conversation: Conversation) -> int:
    """A step that changes the conversation the way a turn does, and says which turn it was."""
    conversation.turns += 1
    conversation.item = f"item-{conversation.turns}"
    return conversation.turns


def test_a_turn_starts_a_conversation_and_the_next_turn_continues_it(make_store: Callable[[], SessionStore]) -> None:
    async def dialogue() -> None:
        store = make_store()
        key, first = await store.turn(None, counting)
        again, second = await store.turn(key, counting)
        seen: list[Conversation] = []
        await store.turn(key, lambda conversation: seen.append(Conversation(**vars(conversation))))
        assert (first, second, again) == (1, 2, key) and len(key) >= 22
        assert seen == [Conversation(item="item-2", turns=2)]
        status = await store.status()
        assert status.reachable and status.kind in ("memory", "redis")
        await store.close()

    asyncio.run(dialogue())


def test_an_unknown_id_is_refused_unless_the_channel_starts_it(make_store: Callable[[], SessionStore]) -> None:
    async def dialogue() -> None:
        store = make_store()
        with pytest.raises(UnknownSession):
            await store.turn("never-made", counting)
        assert await store.turn("rest:visitor-42", counting, start=True) == ("rest:visitor-42", 1)
        assert await store.turn("rest:visitor-42", counting) == ("rest:visitor-42", 2)
        await store.close()

    asyncio.run(dialogue())


def test_turns_racing_on_one_conversation_are_each_applied_once_in_order(make_store: Callable[[], SessionStore]) -> None:
    """100 turns at once on one conversation, through four stores (four workers, for Redis): each
    turn sees the state the one before it left, so the turn numbers are 1..101, each once."""
    async def race() -> list[int]:
        stores = [make_store() for _ in range(4)]
        key, first = await stores[0].turn(None, counting)
        results = await asyncio.gather(*(stores[i % 4].turn(key, counting) for i in range(100)))
        numbers = [first, *(n for _, n in results)]
        for store in stores:
            await store.close()
        return numbers

    assert sorted(asyncio.run(race())) == list(range(1, 102))
