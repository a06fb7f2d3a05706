"""The Redis session store against a real redis-server the tests start: what it keeps and how,
idle expiry and the memory cap done by Redis, key prefixes, and a Redis that is lost, full or
holding what this release cannot read."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from redis_server import REDIS_SERVER, RedisServer

from chatbot import Conversation
from chatbot.shells.server.sessions import SessionsUnavailable, UnknownSession, new_session_id

pytestmark = pytest.mark.skipif(REDIS_SERVER is None, reason="needs Debian's redis-server (apt-get install "
                                                              "redis-server); .ci/run installs it")
redis = pytest.importorskip("redis")
from chatbot.shells.server.redis_store import RedisSessionStore, redact  # noqa: E402


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    with RedisServer(tmp_path_factory.mktemp("redis")) as running:
        yield running


@pytest.fixture()
def raw(server: RedisServer) -> Iterator[redis.Redis]:
    """A plain client, to look at what the store wrote."""
    client = redis.Redis.from_url(server.url)
    yield client
    client.close()


def prefix() -> str:
    return f"test-{new_session_id()}:"


def step_to(item: str):  # type: ignore[no-untyped-def]
    def step(conversation: Conversation) -> str:
        conversation.item, conversation.turns = item, conversation.turns + 1
        return item
    return step


def test_a_conversation_is_kept_as_its_versioned_json_under_the_prefix_with_the_idle_expiry(
        server: RedisServer, raw: redis.Redis) -> None:
    keys = prefix()

    async def turns() -> str:
        store = RedisSessionStore(server.url, prefix=keys, idle_seconds=600)
        key, _ = await store.turn(None, step_to("step.education"))
        await store.turn(key, step_to("step.certification"))
        await store.close()
        return key

    key = asyncio.run(turns())
    record = raw.hgetall(keys + key)
    assert json.loads(record[b"c"]) == Conversation(item="step.certification", turns=2).to_dict()
    assert json.loads(record[b"c"])["version"] == 1 and len(record[b"w"]) == 16 and set(record) == {b"c", b"w"}
    assert 590_000 < raw.pttl(keys + key) <= 600_000
    assert raw.keys(keys + "*") == [(keys + key).encode()]


def test_redis_forgets_an_idle_conversation_by_itself(server: RedisServer, raw: redis.Redis) -> None:
    keys = prefix()

    async def start() -> str:
        store = RedisSessionStore(server.url, prefix=keys, idle_seconds=0.2)
        key, _ = await store.turn(None, step_to("step.education"))
        await store.close()
        return key

    key = asyncio.run(start())
    deadline = time.monotonic() + 10
    while raw.exists(keys + key) and time.monotonic() < deadline:
        time.sleep(0.05)

    async def later() -> None:
        store = RedisSessionStore(server.url, prefix=keys, idle_seconds=0.2)
        with pytest.raises(UnknownSession):
            await store.turn(key, step_to("step.certification"))
        await store.close()

    asyncio.run(later())


def test_two_bots_with_their_own_prefixes_never_see_each_others_conversations(server: RedisServer) -> None:
    async def bots() -> None:
        first, second = RedisSessionStore(server.url, prefix=prefix()), RedisSessionStore(server.url, prefix=prefix())
        key, _ = await first.turn(None, step_to("step.education"))
        with pytest.raises(UnknownSession):
            await second.turn(key, step_to("step.education"))
        await first.turn("rest:visitor-42", step_to("a"), start=True)
        await second.turn("rest:visitor-42", step_to("b"), start=True)
        seen: list[str | None] = []
        await first.turn("rest:visitor-42", lambda c: seen.append(c.item))
        await second.turn("rest:visitor-42", lambda c: seen.append(c.item))
        assert seen == ["a", "b"]
        await first.close()
        await second.close()

    asyncio.run(bots())


def test_a_write_sent_again_after_a_lost_reply_is_not_applied_twice(server: RedisServer, raw: redis.Redis) -> None:
    keys = prefix()

    async def twice() -> list[bool]:
        store = RedisSessionStore(server.url, prefix=keys)
        conversation = Conversation(item="step.education", turns=1)
        kept = [await store._keep("k", "", conversation, "token-1"), await store._keep("k", "", conversation, "token-1"),
                await store._keep("k", "", conversation, "token-2"), await store._keep("k", "token-0", conversation, "token-3")]
        await store.close()
        return kept

    assert asyncio.run(twice()) == [True, True, False, False]
    assert raw.hget(keys + "k", "w") == b"token-1"


def test_a_conversation_this_release_cannot_read_is_an_error_not_a_fresh_start(
        server: RedisServer, raw: redis.Redis) -> None:
    keys = prefix()
    raw.hset(keys + "newer", mapping={"w": "a1", "c": json.dumps({"version": 99, "turns": 3})})
    raw.hset(keys + "garbled", mapping={"w": "b2", "c": "{not json"})

    async def read(key: str) -> None:
        store = RedisSessionStore(server.url, prefix=keys)
        try:
            await store.turn(key, step_to("step.education"), start=True)
        finally:
            await store.close()

    for key in ("newer", "garbled"):
        with pytest.raises(SessionsUnavailable, match="cannot be read"):
            asyncio.run(read(key))
    assert json.loads(raw.hget(keys + "newer", "c"))["version"] == 99  # left as it was


def test_a_lost_redis_is_unavailable_and_the_store_carries_on_when_it_returns(tmp_path: Path) -> None:
    with RedisServer(tmp_path / "redis") as server:
        async def outage() -> None:
            store = RedisSessionStore(server.url, prefix=prefix(), timeout=0.5)
            key, _ = await store.turn(None, step_to("step.education"))
            server.stop()
            with pytest.raises(SessionsUnavailable):
                await store.turn(key, step_to("step.certification"))
            with pytest.raises(SessionsUnavailable):
                await store.turn(None, step_to("step.certification"))
            assert not (await store.status()).reachable
            server.start()
            assert (await store.status()).reachable
            seen: list[tuple[str | None, int]] = []
            await store.turn(key, lambda c: seen.append((c.item, c.turns)))
            assert seen == [("step.education", 1)]  # the turn refused while Redis was away was not kept
            await store.close()

        asyncio.run(outage())


def test_at_start_an_unreachable_redis_is_a_clear_error(tmp_path: Path) -> None:
    with RedisServer(tmp_path / "redis") as server:
        url = server.url
    with pytest.raises(SessionsUnavailable, match=f"cannot reach the session store at {url}: .*refused"):
        RedisSessionStore(url, timeout=0.5).check()


def test_at_start_a_redis_that_would_not_cap_conversations_gets_a_warning(server: RedisServer, raw: redis.Redis) -> None:
    store = RedisSessionStore(server.url)
    try:
        assert "sets no maxmemory" in (store.check() or "")
        raw.config_set("maxmemory", "100mb")
        assert "noeviction" in (store.check() or "")
        raw.config_set("maxmemory-policy", "volatile-ttl")
        assert store.check() is None
    finally:
        raw.config_set("maxmemory", "0")
        raw.config_set("maxmemory-policy", "noeviction")


def test_the_session_cap_is_redis_memory_policy_the_least_recently_used_go_first(tmp_path: Path) -> None:
    """With maxmemory and volatile-ttl, Redis forgets old conversations to keep new ones: memory
    stays under the cap, the newest are all kept, the oldest are gone (a 404 at the service)."""
    with RedisServer(tmp_path / "redis", options=("--maxmemory", "5mb", "--maxmemory-policy", "volatile-ttl",
                                                  "--appendonly", "no")) as server:
        async def fill() -> list[str]:
            store = RedisSessionStore(server.url, prefix="cap:")
            keys: list[str] = []
            for _ in range(30):
                batch = await asyncio.gather(*(store.turn(None, step_to("step.education")) for _ in range(500)))
                keys += [key for key, _ in batch]
            await store.close()
            return keys

        keys = asyncio.run(fill())
        client = redis.Redis.from_url(server.url)
        try:
            kept = client.dbsize()
            assert client.info("memory")["used_memory"] <= 5 * 1024 * 1024
            assert client.info("stats")["evicted_keys"] > 0 and kept < len(keys)
            assert all(client.exists("cap:" + key) for key in keys[-200:])
            assert sum(client.exists("cap:" + key) for key in keys[:1000]) < 500
        finally:
            client.close()


def test_a_full_redis_that_refuses_writes_makes_turns_unavailable_not_lost(tmp_path: Path) -> None:
    with RedisServer(tmp_path / "redis", options=("--maxmemory", "2mb", "--appendonly", "no")) as server:
        async def fill() -> list[BaseException]:
            store = RedisSessionStore(server.url, prefix="full:")
            for _ in range(100):
                done = await asyncio.gather(*(store.turn(None, step_to("step.education")) for _ in range(500)),
                                            return_exceptions=True)
                refused = [result for result in done if isinstance(result, BaseException)]
                if refused:
                    break
            await store.close()
            return refused

        refused = asyncio.run(fill())
        assert refused and all(isinstance(error, SessionsUnavailable) for error in refused)


def test_a_password_never_shows_in_messages() -> None:
    assert redact("redis://:s3cret@cache.example:6380/2") == "redis://:***@cache.example:6380/2"
    assert redact("rediss://bot:s3cret@cache.example/0") == "rediss://bot:***@cache.example/0"
    assert redact("redis://localhost:6379/0") == "redis://localhost:6379/0"
