"""Per-client limits: one client can no longer fill the session store (100,000 new sessions in
95 s evicted every real conversation), nor flood the service, and a client cannot pick its own
address through X-Forwarded-For unless the request came through a trusted proxy."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest

httpx = pytest.importorskip("httpx")

from live_server import LiveServer  # noqa: E402
from test_server import conforms  # noqa: E402

from chatbot import Chatbot, InputError, Settings  # noqa: E402
from chatbot.shells.server.app import create_app  # noqa: E402
from chatbot.shells.server.limits import ClientLimits, RateLimit  # noqa: E402
from chatbot.shells.server.sessions import MemorySessionStore  # noqa: E402


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def scope(peer: str, forwarded: str | None = None) -> dict[str, Any]:
    headers = [(b"x-forwarded-for", forwarded.encode())] if forwarded is not None else []
    return {"type": "http", "client": (peer, 50000), "headers": headers}


# --- the bucket ---------------------------------------------------------------------------------

def test_a_client_gets_its_allowance_then_waits_for_it_to_refill():
    clock = Clock()
    limit = RateLimit(6, clock=clock)  # 6 a minute: one every 10 s
    assert [limit.take("a") for _ in range(6)] == [0.0] * 6
    assert limit.take("a") == pytest.approx(10.0)
    assert limit.take("b") == 0.0  # another client has its own
    clock.now += 10
    assert limit.take("a") == 0.0 and limit.take("a") == pytest.approx(10.0)


def test_no_limit_when_set_to_zero():
    limit = RateLimit(0)
    assert all(limit.take("a") == 0.0 for _ in range(10_000))


# --- who the client is --------------------------------------------------------------------------

def limits(bot: Chatbot, **settings: Any) -> ClientLimits:
    return ClientLimits(dataclasses.replace(bot.settings, **settings))


def test_x_forwarded_for_is_ignored_from_an_untrusted_peer(bot):
    assert limits(bot).client(scope("198.51.100.7", "203.0.113.9")) == "198.51.100.7"


def test_a_trusted_proxy_names_the_client(bot):
    checker = limits(bot, trusted_proxies=("127.0.0.1", "10.0.0.0/8"))
    # the client wrote a made-up address first; our proxies appended what they saw, right to left
    assert checker.client(scope("127.0.0.1", "1.2.3.4, 203.0.113.9, 10.1.2.3")) == "203.0.113.9"
    assert checker.client(scope("127.0.0.1", "garbage, 203.0.113.9")) == "203.0.113.9"
    assert checker.client(scope("198.51.100.7", "203.0.113.9")) == "198.51.100.7"  # not via our proxy


def test_ipv6_clients_are_counted_by_their_64_network(bot):
    checker = limits(bot)
    assert checker.client(scope("2001:db8:1:2::1")) == checker.client(scope("2001:db8:1:2:ffff::9")) == "2001:db8:1:2::/64"
    assert checker.client(scope("::ffff:198.51.100.7")) == "198.51.100.7"


def test_this_machine_is_not_limited_unless_asked(bot):
    assert limits(bot).client(scope("127.0.0.1")) is None and limits(bot).client(scope("::1")) is None
    assert limits(bot, unlimited_clients=()).client(scope("127.0.0.1")) == "127.0.0.1"
    from_env = ClientLimits(Settings.from_env({"CHATBOT_UNLIMITED_CLIENTS": "none"}))
    assert from_env.client(scope("127.0.0.1")) == "127.0.0.1"


@pytest.mark.parametrize("setting", ["trusted_proxies", "unlimited_clients"])
def test_a_bad_network_is_refused_at_start(bot, setting):
    with pytest.raises(InputError, match=f"{setting}: 'localhost' is not an IP address"):
        create_app(bot, dataclasses.replace(bot.settings, **{setting: ("localhost",)}))


# --- over real HTTP -----------------------------------------------------------------------------

@pytest.fixture()
def limited(bot: Chatbot) -> Iterator[tuple[LiveServer, MemorySessionStore]]:
    """A service that limits this machine too (the test's only address) and trusts it as a proxy,
    so X-Forwarded-For stands for other visitors."""
    settings = dataclasses.replace(bot.settings, unlimited_clients=(), trusted_proxies=("127.0.0.1",),
                                   client_sessions_per_minute=5, client_requests_per_minute=30)
    store = MemorySessionStore()
    with LiveServer(create_app(bot, settings, store=store), settings=settings, log_level="critical") as server:
        yield server, store


def post(client: Any, body: dict[str, Any], visitor: str | None = None, path: str = "/v1/chat") -> Any:
    headers = {"x-forwarded-for": visitor} if visitor else {}
    return client.post(path, json=body, headers=headers)


def test_one_client_cannot_fill_the_session_store(limited):
    server, store = limited
    with httpx.Client(base_url=server.url, timeout=10) as client:
        replies = [post(client, {"message": "hi"}, "203.0.113.9") for _ in range(20)]
        assert [r.status_code for r in replies] == [200] * 5 + [429] * 15
        refused = conforms(replies[-1], "/v1/chat")  # as /openapi.json describes it
        assert refused.json()["error"] == "too_many_sessions" and "session_id" in refused.json()["message"]
        assert 1 <= int(refused.headers["retry-after"]) <= 12
        assert len(store) == 5
        # its conversations go on, and another visitor starts one
        session = replies[0].json()["session_id"]
        assert post(client, {"message": "what are the steps?", "session_id": session}, "203.0.113.9").status_code == 200
        assert post(client, {"message": "hi"}, "198.51.100.20").status_code == 200


def test_new_rasa_senders_count_as_new_conversations(limited):
    server, store = limited
    with httpx.Client(base_url=server.url, timeout=10) as client:
        codes = [post(client, {"sender": f"visitor-{n}", "message": "hi"}, "203.0.113.10",
                      "/webhooks/rest/webhook").status_code for n in range(8)]
        assert codes == [200] * 5 + [429] * 3
        conforms(post(client, {"sender": "visitor-9", "message": "hi"}, "203.0.113.10", "/webhooks/rest/webhook"),
                 "/webhooks/rest/webhook")
        again = post(client, {"sender": "visitor-0", "message": "what are the steps?"}, "203.0.113.10",
                     "/webhooks/rest/webhook")
        assert again.status_code == 200


def test_one_client_cannot_flood_the_service(limited):
    server, _ = limited
    with httpx.Client(base_url=server.url, timeout=10) as client:
        codes = [client.get("/healthz", headers={"x-forwarded-for": "203.0.113.11"}).status_code for _ in range(40)]
        assert codes == [200] * 30 + [429] * 10
        refused = client.get("/healthz", headers={"x-forwarded-for": "203.0.113.11"})
        assert refused.json()["error"] == "too_many_requests" and int(refused.headers["retry-after"]) >= 1
        assert client.get("/healthz", headers={"x-forwarded-for": "203.0.113.12"}).status_code == 200
