"""Rasa's REST channel (`POST /webhooks/rest/webhook`): chat front ends written for Rasa work
unchanged. The sender names the conversation, which its first message starts.

With `?stream=true` (as `rasa shell` asks by default) the messages come one JSON object a line,
which is how Rasa's console client reads them; without it, as one JSON array.

The sender is all that names a conversation, so anyone who knows a sender can continue it. With
`rasa_token` set, only requests carrying that token (Rasa's own `?token=`, or `Authorization:
Bearer`) are answered. Without it, a body that is not `application/json` sent by a browser from
a page on an origin the service does not allow is refused: such a post needs no CORS preflight, so
any web page could otherwise make its visitors' browsers talk to the webhook.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from ...dialogue.reply import Reply
from .http import RequestError, cross_site, read_json

if TYPE_CHECKING:
    from .app import ChatService

MAX_SENDER_CHARS = 128
SESSIONS = "rest:"
"""Prefix of the store keys of Rasa senders, so a sender name can never be a /v1/chat session id."""
STREAM_MEDIA_TYPE = "application/x-ndjson"
"""One JSON object a line. (Rasa itself labels the same lines text/event-stream; its clients read
the lines and never look at the type.)"""


class RasaRestChannel:
    """The webhook and its status route, over the service's bot and session store."""

    def __init__(self, service: ChatService) -> None:
        self.service = service

    def routes(self) -> list[Route]:
        return [Route("/webhooks/rest/webhook", self.webhook, methods=["POST"]),
                Route("/webhooks/rest/", self.status, methods=["GET"])]

    async def webhook(self, request: Request) -> Response:
        service = self.service
        settings = service.settings
        self.check_caller(request)
        body = await read_json(request, settings.max_body_bytes, settings.body_timeout_seconds, strict_type=False)
        sender = body.get("sender")
        if not isinstance(sender, str) or not sender.strip() or len(sender) > MAX_SENDER_CHARS:
            raise RequestError(422, "invalid_sender",
                               f"sender must be a non-empty string of at most {MAX_SENDER_CHARS} characters")
        message = service.message(body)
        _, reply = await service.converse(SESSIONS + sender, message, start=True,
                                          client=getattr(request.state, "client", None))
        messages = rasa_messages(sender, reply)
        if wants_stream(request):
            return StreamingResponse(json_lines(messages), media_type=STREAM_MEDIA_TYPE)
        return JSONResponse(messages)

    def check_caller(self, request: Request) -> None:
        """The token when one is set; else no JSON-less post from a page on a disallowed origin."""
        settings = self.service.settings
        if settings.rasa_token:
            given = request.query_params.get("token")
            scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
            if given is None and scheme.lower() == "bearer":
                given = credentials.strip()
            if given is None or not hmac.compare_digest(given.encode(), settings.rasa_token.encode()):
                raise RequestError(401, "unauthorized", "this webhook needs its token: add ?token=... to the URL, "
                                   "or send Authorization: Bearer ...", headers={"www-authenticate": "Bearer"})
            return
        media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if media_type != "application/json" and cross_site(request, settings.allowed_origins):
            raise RequestError(403, "cross_site_request",
                               "a page on another origin may post to this webhook only as application/json "
                               "(allowed origins: --allow-origin), or with the webhook's token")

    async def status(self, request: Request) -> Response:
        return JSONResponse({"status": "ok"})


def rasa_messages(sender: str, reply: Reply) -> list[dict[str, Any]]:
    """A reply as Rasa's REST channel sends it: text with buttons in one message, or plain text
    one paragraph per message."""
    if reply.suggestions:
        buttons = [{"title": s, "payload": s} for s in reply.suggestions]
        return [{"recipient_id": sender, "text": reply.body or reply.text, "buttons": buttons}]
    return [{"recipient_id": sender, "text": part} for part in reply.text.split("\n\n") if part.strip()]


def wants_stream(request: Request) -> bool:
    """Rasa's reading of `?stream=`: on only when the value is `true`, in any case."""
    return request.query_params.get("stream", "").lower() == "true"


async def json_lines(messages: list[dict[str, Any]]) -> AsyncIterator[str]:
    """Each message as one line of JSON, as Rasa's streaming REST channel writes them (never a
    blank line: its console client parses every line it reads)."""
    for message in messages:
        yield json.dumps(message) + "\n"
