"""Conversations in Redis, shared by every worker process and host that names the same Redis.

Each conversation is one small hash under `<prefix><session id>`:

    c   the conversation as `Conversation.to_dict()` JSON (it carries its format version)
    w   a random token of the turn that wrote it last: the version a turn must find to write

Every turn writes it with a TTL of `session_idle_seconds`, so Redis itself forgets idle
conversations (`PEXPIRE`); how many Redis keeps at most is its memory policy (docs/server.md).

Turns are optimistic: read the hash, let the bot answer, then write only if the token is still
the one read (a compare-and-set script, atomic in Redis). If another worker wrote in between, the
turn is redone on its state, so no turn is lost or applied twice. Within one process, turns of one
conversation also wait for each other, so only turns from different processes ever race.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import secrets
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import redis
import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from ...dialogue.conversation import Conversation
from ...errors import InputError
from .sessions import SessionBusy, SessionsUnavailable, StoreStatus, UnknownSession, new_session_id

if TYPE_CHECKING:
    from ...settings import Settings

R = TypeVar("R")
log = logging.getLogger("chatbot.server")

CONNECTIONS = 64
"""Connections to Redis one worker opens at most."""
MAX_ATTEMPTS = 25
"""Tries of one turn that keeps losing races before it is refused (503 session_busy)."""

WRITE = """
local current = redis.call('HGET', KEYS[1], 'w')
if current == ARGV[4] then
  return 1
end
if (current == false and ARGV[1] == '') or current == ARGV[1] then
  redis.call('HSET', KEYS[1], 'c', ARGV[2], 'w', ARGV[4])
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  return 1
end
return 0
"""
"""Keep the conversation under KEYS[1] if its token is still ARGV[1] ('': there is none yet), with
a TTL of ARGV[3] ms and ARGV[4] as the new token. A write already made with this token counts as
done: a reply lost on the network and the command sent again never applies a turn twice. Random
tokens rather than a counter, so a conversation that expired and was started again under the same
key (a Rasa sender) can never pass for the one a turn read."""


def redact(url: str) -> str:
    """The URL without its password, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username}:***@{host}" if parts.username else f":***@{host}"
    if parts.port:
        netloc += f":{parts.port}"
    return urlunsplit(parts._replace(netloc=netloc))


class RedisSessionStore:
    """Conversations in Redis under `prefix`, each forgotten after `idle_seconds` unused. Every
    command gives up after `timeout` seconds, so a lost Redis costs a request at most that."""

    kind = "redis"

    def __init__(self, url: str, *, prefix: str = "chatbot:", idle_seconds: float = 1800.0,
                 timeout: float = 1.0) -> None:
        if idle_seconds <= 0:
            raise InputError(f"session_idle_seconds must be positive, not {idle_seconds}")
        if timeout <= 0:
            raise InputError(f"sessions_timeout_seconds must be positive, not {timeout}")
        self.url, self.prefix, self.timeout = url, prefix, timeout
        self.idle_ms = max(1, round(idle_seconds * 1000))
        try:
            # At most CONNECTIONS at once; past that a turn waits (up to `timeout`) for one to be free.
            # One retry, at once: after Redis restarts, each pooled connection fails once before it
            # reconnects, and that must not cost a request.
            pool = aioredis.BlockingConnectionPool.from_url(
                url, max_connections=CONNECTIONS, timeout=timeout, socket_timeout=timeout,
                socket_connect_timeout=timeout, retry=Retry(NoBackoff(), 1))
            self._redis = aioredis.Redis.from_pool(pool)
        except ValueError as error:
            raise InputError(f"--sessions {redact(url)!r} is not a Redis URL this client reads: {error}") from None
        self._write = self._redis.register_script(WRITE)
        self._locks: dict[str, list[Any]] = {}
        self._down = False

    @classmethod
    def from_settings(cls, settings: Settings) -> RedisSessionStore:
        return cls(settings.sessions, prefix=settings.sessions_prefix, idle_seconds=settings.session_idle_seconds,
                   timeout=settings.sessions_timeout_seconds)

    async def turn(self, key: str | None, step: Callable[[Conversation], R], *, start: bool = False) -> tuple[str, R]:
        try:
            if key is None:
                key = new_session_id()
                conversation = Conversation()
                result = step(conversation)
                await self._keep(key, "", conversation, secrets.token_hex(8))
            else:
                async with self._one_at_a_time(key):
                    result = await self._turn(key, step, start)
        except redis.RedisError as error:
            self._lost(error)
            raise SessionsUnavailable(f"the session store is unavailable: {error}") from None
        self._back()
        return key, result

    async def _turn(self, key: str, step: Callable[[Conversation], R], start: bool) -> R:
        name = self.prefix + key
        token = secrets.token_hex(8)
        for attempt in range(MAX_ATTEMPTS):
            written, data = await self._redis.hmget(name, ["w", "c"])
            if data is None:
                if not start:
                    raise UnknownSession(key)
                conversation, expected = Conversation(), ""
            else:
                conversation, expected = self._decode(key, data), _text(written)
            result = step(conversation)
            if await self._keep(key, expected, conversation, token):
                return result
            await asyncio.sleep(random.uniform(0, 0.001 * (attempt + 1)))  # another process won; let it finish
        raise SessionBusy(f"conversation {key!r} lost {MAX_ATTEMPTS} races in a row")

    async def _keep(self, key: str, expected: str, conversation: Conversation, token: str) -> bool:
        data = json.dumps(conversation.to_dict(), separators=(",", ":"))
        return bool(await self._write(keys=[self.prefix + key], args=[expected, data, self.idle_ms, token]))

    @staticmethod
    def _decode(key: str, data: bytes | str | None) -> Conversation:
        try:
            return Conversation.from_dict(json.loads(data or b""))
        except (ValueError, InputError) as error:
            raise SessionsUnavailable(f"conversation {key!r} in Redis cannot be read: {error}") from None

    @asynccontextmanager
    async def _one_at_a_time(self, key: str) -> AsyncIterator[None]:
        """Hold this process's lock of one conversation (made on first use, dropped after the last)."""
        entry = self._locks.get(key)
        if entry is None:
            entry = self._locks[key] = [asyncio.Lock(), 0]
        entry[1] += 1
        try:
            async with entry[0]:
                yield
        finally:
            entry[1] -= 1
            if entry[1] == 0:
                del self._locks[key]

    def _lost(self, error: Exception) -> None:
        if not self._down:
            self._down = True
            log.warning("session store %s unavailable (%s: %s); session requests get 503 until it is back",
                        redact(self.url), type(error).__name__, error)

    def _back(self) -> None:
        if self._down:
            self._down = False
            log.warning("session store %s is back", redact(self.url))

    async def status(self) -> StoreStatus:
        try:
            await self._redis.ping()
        except redis.RedisError as error:
            self._lost(error)
            return StoreStatus(self.kind, False, None)
        self._back()
        return StoreStatus(self.kind, True, None)

    async def close(self) -> None:
        await self._redis.aclose()

    def check(self) -> str | None:
        """At start, before serving: SessionsUnavailable if Redis does not answer; a warning if its
        memory policy would refuse new conversations when full rather than forget old ones."""
        client = redis.Redis.from_url(self.url, socket_timeout=self.timeout, socket_connect_timeout=self.timeout)
        try:
            client.ping()
            try:
                config = client.config_get("maxmemory*")
            except redis.ResponseError:
                return None  # CONFIG is often renamed or refused on managed Redis: nothing to say
        except redis.RedisError as error:
            reason = str(error).rstrip(".")
            raise SessionsUnavailable(f"cannot reach the session store at {redact(self.url)}: {reason}") from None
        finally:
            client.close()
        values = {_text(name): _text(value) for name, value in config.items()}
        where = f"Redis at {redact(self.url)}"
        if values.get("maxmemory", "0") == "0":
            return (f"{where} sets no maxmemory: conversations are bounded only by their idle expiry. To cap them, "
                    "set maxmemory and maxmemory-policy volatile-ttl (docs/server.md)")
        if values.get("maxmemory-policy") == "noeviction":
            return (f"{where} has maxmemory-policy noeviction: once it is full, new conversations get 503. Set "
                    "maxmemory-policy volatile-ttl to forget the least recently used instead (docs/server.md)")
        return None


def _text(value: bytes | str | None) -> str:
    return value.decode() if isinstance(value, bytes) else value or ""
