"""Visitors' thumbs up or down: `POST /v1/feedback`, the feedback log, and `chatbot review` showing
the answers marked wrong beside the unanswered questions."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from live_server import LiveServer
from test_observability import scrape, value
from test_server import conforms

from chatbot import Chatbot
from chatbot.shells.cli import main
from chatbot.shells.server.app import create_app
from chatbot.tools import feedback, unanswered
from chatbot.tools.review import review


@pytest.fixture()
def served(bot: Chatbot, tmp_path: Path) -> Iterator[tuple[httpx.Client, Path]]:
    log = tmp_path / "feedback.jsonl"
    with LiveServer(create_app(bot, bot.settings.replace(feedback_log=log))) as server, \
            httpx.Client(base_url=server.url, timeout=10) as client:
        yield client, log


def rate(client: httpx.Client, question: str, rating: str, **fields: Any) -> httpx.Response:
    reply = client.post("/v1/chat", json={"message": question}).json()
    body = {"question": question, "intent": reply["intent"], "confidence": reply["confidence"], "rating": rating,
            "session_id": reply["session_id"], **fields}
    return client.post("/v1/feedback", json=body)


def entries(log: Path, count: int) -> list[dict[str, Any]]:
    """The log's entries, once it has `count` (they are written after the response, off the event loop)."""
    deadline = time.monotonic() + 5
    while True:
        lines = log.read_text(encoding="utf-8").splitlines() if log.exists() else []
        if len(lines) >= count or time.monotonic() > deadline:
            return [json.loads(line) for line in lines]
        time.sleep(0.01)


def test_a_rating_is_accepted_counted_and_logged_with_the_answer(served: tuple[httpx.Client, Path]) -> None:
    client, log = served
    response = rate(client, "how long does the training take?", "down")
    assert (response.status_code, response.json()) == (202, {"status": "accepted"})
    rate(client, "what skills do I need?", "up")
    down, up = entries(log, 2)
    assert set(down) == {"time", "question", "reply_intent", "score", "rating"}
    assert (down["question"], down["rating"]) == ("how long does the training take?", "down")
    assert (up["reply_intent"], up["score"], up["rating"]) == ("list_skills", 1.0, "up")
    deadline = time.monotonic() + 2  # a request is counted once its response is sent: maybe after the client has it
    while True:
        samples = scrape(client)
        counted = value(samples, "chatbot_requests_total", route="/v1/feedback", method="POST", status="202")
        if counted == 2 or time.monotonic() > deadline:
            break
        time.sleep(0.01)
    assert value(samples, "chatbot_feedback_total", rating="down") == 1
    assert value(samples, "chatbot_feedback_total", rating="up") == 1
    assert value(samples, "chatbot_requests_total", route="/v1/feedback", method="POST", status="202") == 2


@pytest.mark.parametrize("change, message", [
    ({"rating": "meh"}, '"rating" must be one of up, down'),
    ({"rating": None}, '"rating" must be one of up, down'),
    ({"question": ""}, '"question" must be the question answered'),
    ({"question": 42}, '"question" must be the question answered'),
    ({"question": "x" * 1001}, '"question" must be the question answered'),
    ({"intent": "<script>"}, '"intent" must be the intent of the reply rated'),
    ({"intent": None}, '"intent" must be the intent of the reply rated'),
    ({"confidence": 1.5}, '"confidence" must be the confidence of the reply'),
    ({"confidence": True}, '"confidence" must be the confidence of the reply'),
    ({"confidence": "high"}, '"confidence" must be the confidence of the reply'),
])
def test_a_malformed_rating_is_refused_and_not_logged(served: tuple[httpx.Client, Path], change: dict[str, Any],
                                                      message: str) -> None:
    client, log = served
    body = {"question": "what skills do I need?", "intent": "list_skills", "confidence": 1.0, "rating": "down", **change}
    response = client.post("/v1/feedback", json=body)
    assert response.status_code == 422
    assert response.json()["error"] == "invalid_feedback" and response.json()["message"].startswith(message)
    assert not log.exists()


def test_a_rating_needs_a_json_body(served: tuple[httpx.Client, Path]) -> None:
    client, _ = served
    assert client.post("/v1/feedback", content=b"rating=down").status_code == 415
    assert client.post("/v1/feedback", json=["down"]).status_code == 400


def test_an_unwritable_log_never_stops_the_service(bot: Chatbot, tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    log = tmp_path / "missing-folder" / "feedback.jsonl"
    with LiveServer(create_app(bot, bot.settings.replace(feedback_log=log))) as server, \
            httpx.Client(base_url=server.url, timeout=10) as client:
        assert rate(client, "what skills do I need?", "down").status_code == 202
        assert client.post("/v1/chat", json={"message": "what are their duties?"}).status_code == 200
        warned, deadline = "", time.monotonic() + 5  # the write is tried after the response
        while "cannot write" not in warned and time.monotonic() < deadline:
            warned += capfd.readouterr().err
            time.sleep(0.02)
    assert not log.exists()
    assert "cannot write" in warned


def test_without_a_log_ratings_are_only_counted(bot: Chatbot) -> None:
    with LiveServer(create_app(bot)) as server, httpx.Client(base_url=server.url, timeout=10) as client:
        assert rate(client, "what skills do I need?", "down").status_code == 202
        assert value(scrape(client), "chatbot_feedback_total", rating="down") == 1


def test_a_long_question_is_cut_so_that_the_entry_stays_bounded(tmp_path: Path) -> None:
    log = tmp_path / "feedback.jsonl"
    assert feedback.record(log, feedback.Feedback("\u00e9" * 5000, "list_skills", 0.5, "down"))
    line = log.read_bytes()
    assert len(line) <= unanswered.MAX_ENTRY_BYTES and line.endswith(b"\n")
    assert json.loads(line)["rating"] == "down"


def write(path: Path, lines: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    return path


def test_review_shows_answers_marked_wrong_beside_the_fallbacks(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fallbacks = write(tmp_path / "unanswered.jsonl", [
        {"time": "t", "question": "how much do they earn", "reply_intent": "not_covered", "best_guess": "not_covered",
         "score": 0.9}])
    ratings = write(tmp_path / "feedback.jsonl", [
        {"time": "t", "question": q, "reply_intent": intent, "score": score, "rating": rating}
        for q, intent, score, rating in [
            ("how long does the training take", "list_steps", 0.62, "down"),
            ("how long does training take?", "list_steps", 0.58, "down"),
            ("is it a good job", "about_role", 0.7, "down"),
            ("how long does the training take", "list_steps", 0.62, "down"),
            ("what skills do I need", "list_skills", 1.0, "up")]])
    result = review([fallbacks, ratings])
    assert [c.question for c in result.clusters] == ["how much do they earn"]
    assert [(c.count, c.question, c.closest) for c in result.wrong] == [
        (3, "how long does the training take", "list_steps"), (1, "is it a good job", "about_role")]
    assert result.wrong[0].mean_score == pytest.approx((0.62 + 0.58 + 0.62) / 3)
    assert result.helpful == 1

    assert main(["review", str(fallbacks), str(ratings)]) == 0
    out = capsys.readouterr().out
    assert out.index("1 unanswered question in 1 group") < out.index("4 answers marked wrong by visitors, in 2 groups")
    assert "3x  'how long does the training take'  (answered as list_steps, mean confidence 0.61)" in out
    assert out.rstrip().endswith("1 answer marked helpful.")
    assert main(["review", "--json", str(ratings)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["clusters"], data["marked_helpful"]) == ([], 1)
    assert data["marked_wrong"][0]["closest_intent"] == "list_steps"


def test_a_rating_that_is_neither_up_nor_down_is_a_malformed_line(tmp_path: Path) -> None:
    log = write(tmp_path / "feedback.jsonl", [{"time": "t", "question": "q", "reply_intent": "x", "score": 1,
                                                "rating": "sideways"}])
    assert (review(log).entries, review(log).skipped) == (0, 1)


def test_the_new_routes_answer_as_the_openapi_description_says(served: tuple[httpx.Client, Path]) -> None:
    client, _ = served
    config = conforms(client.get("/v1/config"), "/v1/config", "get").json()
    assert config["max_question_chars"] == 1000 and config["starters"]
    conforms(rate(client, "what skills do I need?", "up"), "/v1/feedback")
    conforms(client.post("/v1/feedback", json={"rating": "up"}), "/v1/feedback")
    conforms(client.get("/metrics"), "/metrics", "get")
    streamed = client.post("/webhooks/rest/webhook?stream=true", json={"sender": "s", "message": "hi"})
    assert streamed.headers["content-type"].startswith("application/x-ndjson")
    conforms(client.post("/webhooks/rest/webhook", json={"sender": "s", "message": "hi"}), "/webhooks/rest/webhook")
