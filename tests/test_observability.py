"""What a help desk running the service can see: `/metrics` scraped as Prometheus would, one JSON
access-log line per request, and request ids, over real HTTP on localhost."""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from browser_support import chatbot_serve
from live_server import LiveServer
from prometheus_client.parser import text_string_to_metric_families

from chatbot import Chatbot
from chatbot.shells.server.app import create_app
from chatbot.shells.server.metrics import MEDIA_TYPE
from chatbot.shells.server.sessions import MemorySessionStore


def scrape(client: httpx.Client) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of /metrics, parsed by prometheus-client's own parser: (name, labels) -> value."""
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"] == MEDIA_TYPE
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(response.text) for sample in family.samples}


def value(samples: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


@pytest.fixture()
def client(bot: Chatbot) -> Iterator[httpx.Client]:
    """A fresh service (its own metrics) on a free port."""
    with LiveServer(create_app(bot)) as server, httpx.Client(base_url=server.url, timeout=10) as http:
        yield http


def test_metrics_count_requests_answers_fallbacks_clarifications_and_sessions(client: httpx.Client) -> None:
    first = client.post("/v1/chat", json={"message": "what skills do I need?"}).json()
    client.post("/v1/chat", json={"message": "the second one", "session_id": first["session_id"]})
    client.post("/v1/chat", json={"message": "how much do they earn?"})
    client.post("/v1/chat", json={"message": "testing"})  # names two duties: which one?
    client.post("/v1/chat", json={"message": "hi", "session_id": "nobody-has-this-one"})
    client.post("/webhooks/rest/webhook", json={"sender": "desk", "message": "what are their duties?"})
    client.get("/no/such/page")

    samples = scrape(client)
    assert value(samples, "chatbot_requests_total", route="/v1/chat", method="POST", status="200") == 4
    assert value(samples, "chatbot_requests_total", route="/v1/chat", method="POST", status="404") == 1
    assert value(samples, "chatbot_requests_total", route="/webhooks/rest/webhook", method="POST", status="200") == 1
    assert value(samples, "chatbot_requests_total", route="unmatched", method="GET", status="404") == 1
    assert value(samples, "chatbot_request_duration_seconds_count", route="/v1/chat") == 5
    assert value(samples, "chatbot_request_duration_seconds_bucket", route="/v1/chat", le="+Inf") == 5
    assert 0 < value(samples, "chatbot_request_duration_seconds_sum", route="/v1/chat") < 5
    assert value(samples, "chatbot_answers_total", intent="list_skills") == 1
    assert value(samples, "chatbot_answers_total", intent="list_duties") == 1
    assert value(samples, "chatbot_answers_total", intent="not_covered") == 1
    assert value(samples, "chatbot_answers_total", intent="clarify") == 1
    assert value(samples, "chatbot_clarifications_total") == 1
    assert value(samples, "chatbot_fallbacks_total") == 2  # not covered, and the clarifying question
    assert value(samples, "chatbot_sessions") == 4  # three /v1/chat conversations and one Rasa sender


def access_lines(caplog: pytest.LogCaptureFixture, expected: int) -> list[dict[str, Any]]:
    """The access log's lines so far, waiting up to two seconds for `expected` of them: the server
    thread writes a line after the response is sent, so possibly after the client has it."""
    deadline = time.monotonic() + 2
    while True:
        lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "chatbot.access"]
        if len(lines) >= expected or time.monotonic() > deadline:
            return lines
        time.sleep(0.01)


def test_one_json_access_log_line_per_request(client: httpx.Client, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="chatbot.access")
    client.post("/v1/chat", json={"message": "what skills do I need?"})
    client.post("/v1/chat", json={"message": ""})
    lines = access_lines(caplog, 2)
    assert len(lines) == 2
    answered, refused = lines
    assert set(answered) == {"time", "request_id", "method", "route", "status", "latency_ms", "intent", "fallback"}
    assert (answered["method"], answered["route"], answered["status"]) == ("POST", "/v1/chat", 200)
    assert (answered["intent"], answered["fallback"]) == ("list_skills", False)
    assert 0 < answered["latency_ms"] < 5000
    assert answered["time"].endswith("Z") and len(answered["time"]) == len("2026-01-01T00:00:00.000Z")
    assert (refused["status"], refused["intent"], refused["fallback"]) == (422, None, None)
    assert "skills do I need" not in caplog.text  # the question is not logged unless asked for


def test_the_question_is_logged_only_when_enabled(bot: Chatbot, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="chatbot.access")
    with LiveServer(create_app(bot, bot.settings.replace(log_questions=True))) as server:
        httpx.post(server.url + "/v1/chat", json={"message": "what skills do I need?"})
    lines = access_lines(caplog, 1)
    assert lines[-1]["question"] == "what skills do I need?"


def test_a_request_id_is_accepted_and_echoed_or_made(client: httpx.Client, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="chatbot.access")
    given = client.post("/v1/chat", json={"message": "hi"}, headers={"X-Request-ID": "desk-42.a:b_c"})
    made = client.get("/healthz")
    forged = client.get("/healthz", headers={"X-Request-ID": "bad id\twith spaces"})
    refused = client.post("/v1/chat", content=b"{", headers={"Content-Type": "application/json",
                                                             "X-Request-ID": "refused-1"})
    assert given.headers["x-request-id"] == "desk-42.a:b_c"
    assert refused.status_code == 400 and refused.headers["x-request-id"] == "refused-1"
    assert len(made.headers["x-request-id"]) == 16
    assert forged.headers["x-request-id"] != "bad id\twith spaces" and len(forged.headers["x-request-id"]) == 16
    logged = [line["request_id"] for line in access_lines(caplog, 2)]
    assert logged[:2] == ["desk-42.a:b_c", made.headers["x-request-id"]]


def test_a_failure_is_counted_and_logged_as_a_500(bot: Chatbot, caplog: pytest.LogCaptureFixture) -> None:
    class BrokenStore(MemorySessionStore):
        async def turn(self, key, step, *, start=False):  # type: ignore[no-untyped-def]
            raise RuntimeError("the store is down")

    caplog.set_level(logging.INFO, logger="chatbot.access")
    with LiveServer(create_app(bot, store=BrokenStore())) as server, httpx.Client(base_url=server.url) as http:  # type: ignore[arg-type]
        assert http.post("/v1/chat", json={"message": "hi"}).status_code == 500
        samples = scrape(http)
    assert value(samples, "chatbot_requests_total", route="/v1/chat", method="POST", status="500") == 1
    assert access_lines(caplog, 1)[0]["status"] == 500


def test_several_processes_report_together_in_multiprocess_mode(tmp_path: Path) -> None:
    """Two `chatbot serve` processes sharing PROMETHEUS_MULTIPROC_DIR, as two workers would: a
    scrape of either reports the requests both served."""
    folder = tmp_path / "metrics"
    folder.mkdir()
    env = {"PROMETHEUS_MULTIPROC_DIR": str(folder)}
    with chatbot_serve(env) as one, chatbot_serve(env) as two:
        for _ in range(3):
            httpx.post(one + "/v1/chat", json={"message": "what skills do I need?"})
        for _ in range(2):
            httpx.post(two + "/v1/chat", json={"message": "what are their duties?"})
        with httpx.Client(base_url=one) as client:
            samples = scrape(client)
    assert value(samples, "chatbot_requests_total", route="/v1/chat", method="POST", status="200") == 5
    assert value(samples, "chatbot_answers_total", intent="list_skills") == 3
    assert value(samples, "chatbot_answers_total", intent="list_duties") == 2
    assert len(os.listdir(folder)) >= 2  # each process wrote its own files


def test_chatbot_serve_prints_the_json_lines_in_place_of_uvicorns_access_log(tmp_path: Path) -> None:
    stderr = tmp_path / "stderr.log"
    with chatbot_serve({}, stderr=stderr) as url:
        httpx.post(url + "/v1/chat", json={"message": "what skills do I need?"}, headers={"X-Request-ID": "from-desk"})
    lines = stderr.read_text(encoding="utf-8").splitlines()
    logged = [json.loads(line) for line in lines if line.startswith("{")]
    chat = [line for line in logged if line["route"] == "/v1/chat"]
    assert [(c["request_id"], c["status"], c["intent"]) for c in chat] == [("from-desk", 200, "list_skills")]
    assert not any('"POST /v1/chat HTTP/1.1"' in line for line in lines)  # uvicorn's own line is off
    assert any("Chatbot service on http://127.0.0.1:" in line for line in lines)
