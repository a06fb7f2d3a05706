"""The service's Prometheus metrics (`GET /metrics`): requests by route and status, latency, answers
by intent, fallbacks and clarifying questions, feedback, and the conversations kept.

Each app has a registry of its own, so two apps in one process (the tests make many) never share
counts. With several worker processes, set `PROMETHEUS_MULTIPROC_DIR` to an empty folder before
they start: prometheus-client then keeps every worker's values in files there, and a scrape of any
worker reports the sum over all of them (its documented multiprocess mode).
"""

from __future__ import annotations

import os

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

from ...dialogue.reply import Reply

MEDIA_TYPE = CONTENT_TYPE_LATEST
LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
"""Seconds. An answer takes well under a millisecond, so the low buckets are the ones that matter."""


class Metrics:
    """The counters, histogram and gauges of one app, and their exposition in the text format."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        registry = self.registry
        self.requests = Counter("chatbot_requests", "Requests answered, by route, method and status (a Socket.IO "
                                "message counts as one, method EVENT).",
                                ["route", "method", "status"], registry=registry)
        self.latency = Histogram("chatbot_request_duration_seconds",
                                 "Time from a request's arrival to the end of its response, by route.",
                                 ["route"], buckets=LATENCY_BUCKETS, registry=registry)
        self.answers = Counter("chatbot_answers", "Replies given, by the intent they report.", ["intent"],
                               registry=registry)
        self.fallbacks = Counter("chatbot_fallbacks", "Replies that did not answer from the guide "
                                 "(not covered, out of scope, too unsure, or a clarifying question).", registry=registry)
        self.clarifications = Counter("chatbot_clarifications", "Clarifying questions asked (which of two things "
                                      "was meant).", registry=registry)
        self.feedback = Counter("chatbot_feedback", "Visitors' ratings of answers, up or down.", ["rating"],
                                registry=registry)
        self.sessions = Gauge("chatbot_sessions", "Conversations kept by the session store, at the last scrape.",
                              registry=registry, multiprocess_mode="mostrecent")
        self.connections = Gauge("chatbot_socketio_connections", "Socket.IO clients connected now.",
                                 registry=registry, multiprocess_mode="livesum")

    def request(self, route: str, method: str, status: int | str, seconds: float) -> None:
        """Count one request (or one Socket.IO message) and its latency."""
        self.requests.labels(route, method, str(status)).inc()
        self.latency.labels(route).observe(seconds)

    def answered(self, reply: Reply) -> None:
        """Count one reply by its intent, and whether it fell back or asked which thing was meant."""
        self.answers.labels(reply.intent).inc()
        if reply.fallback:
            self.fallbacks.inc()
        if reply.options:
            self.clarifications.inc()

    def exposition(self, sessions: int | None) -> bytes:
        """Every metric in Prometheus' text format; in multiprocess mode, summed over the workers.
        `sessions` is None for a store that cannot count its conversations cheaply (Redis)."""
        if sessions is not None:
            self.sessions.set(sessions)
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            registry = CollectorRegistry()
            MultiProcessCollector(registry)
            return generate_latest(registry)
        return generate_latest(self.registry)
