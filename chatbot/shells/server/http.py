"""HTTP plumbing shared by the service's routes: reading a JSON body within its limits, JSON
errors for every refusal (CORS refusals and trailing-slash redirects included), static files,
`nosniff` on every response, and a guard that turns an unexpected failure into a 500 that leaks
nothing.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Match, Router
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ...errors import InputError

STATIC = Path(__file__).resolve().parent / "static"
PAGE_POLICY = ("default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self' 'unsafe-inline'; "
               "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")

log = logging.getLogger("chatbot.server")


class RequestError(InputError):
    """A request the service refuses; it becomes a JSON error with this HTTP status and error code."""

    def __init__(self, status: int, code: str, message: str, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers


async def read_json(request: Request, limit: int, timeout: float, *, strict_type: bool = True) -> dict[str, Any]:
    """The body as a JSON object, refusing a wrong content type, a body over `limit` bytes, one
    that does not arrive within `timeout` seconds, or bad JSON."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if strict_type and media_type != "application/json":
        raise RequestError(415, "unsupported_media_type",
                           f"send the body as JSON with Content-Type: application/json (got {media_type or 'none'})")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise RequestError(413, "body_too_large", f"the request body is over the limit of {limit} bytes")
    try:
        if sys.version_info >= (3, 11):  # no task per request, as wait_for makes before Python 3.12
            async with asyncio.timeout(timeout):
                body = await _read_body(request, limit)
        else:
            body = await asyncio.wait_for(_read_body(request, limit), timeout)
    except asyncio.TimeoutError:
        raise RequestError(408, "body_timeout", f"the request body did not arrive within {timeout:g} seconds") from None
    try:
        data = json.loads(body, parse_int=_integer)
    except json.JSONDecodeError as error:
        raise RequestError(400, "invalid_json", f"the body is not valid JSON: {error.msg} (at character {error.pos})") from None
    except (ValueError, RecursionError):
        raise RequestError(400, "invalid_json", "the body is not valid JSON text (UTF-8, not nested too deeply)") from None
    if not isinstance(data, dict):
        raise RequestError(400, "invalid_json",
                           f'the body must be a JSON object such as {{"message": "hi"}}, not {json_type(data)}')
    return data


MAX_INT_DIGITS = getattr(sys, "get_int_max_str_digits", lambda: 4300)() or None


def _integer(digits: str) -> int | float:
    """A JSON integer; one too long for Python to convert (over 4,300 digits) is still a number,
    read as a float, so that the error names the field rather than calling the JSON invalid."""
    if MAX_INT_DIGITS is not None and len(digits) > MAX_INT_DIGITS:
        return float(digits)
    return int(digits)


async def _read_body(request: Request, limit: int) -> bytes:
    """The raw body, stopping as soon as it is over `limit` bytes."""
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise RequestError(413, "body_too_large", f"the request body is over the limit of {limit} bytes")
    return bytes(body)


def static(name: str, media_type: str) -> Callable[[Request], Awaitable[Response]]:
    content = (STATIC / name).read_bytes()
    headers = {"cache-control": "public, max-age=600", "x-content-type-options": "nosniff"}
    if media_type.startswith("text/html"):
        headers["content-security-policy"] = PAGE_POLICY

    async def endpoint(request: Request) -> Response:
        return Response(content, media_type=media_type, headers=headers)

    return endpoint


def json_type(value: object) -> str:
    names = {dict: "an object", list: "an array", str: "a string", bool: "a boolean", int: "a number",
             float: "a number", type(None): "null"}
    return names.get(type(value), type(value).__name__)


def error_response(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": code, "message": message}, status_code=status, headers=headers)


async def request_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, RequestError)
    return error_response(error.status, error.code, error.message, error.headers)


async def input_error(request: Request, error: Exception) -> Response:
    return error_response(422, "invalid_message", str(error))


async def http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)
    if error.status_code == 404:
        redirect = slash_redirect(request)
        if redirect is not None:
            return redirect
    codes = {404: ("not_found", f"no such endpoint: {request.url.path} (see /openapi.json)"),
             405: ("method_not_allowed", f"{request.method} is not allowed on {request.url.path}")}
    code, message = codes.get(error.status_code, ("http_error", str(error.detail)))
    return error_response(error.status_code, code, message, dict(error.headers or {}))


def slash_redirect(request: Request) -> Response | None:
    """A 307 to the same path with its trailing slash added or removed, when that one is served.
    The Location is relative to the request's own path, never built from the Host header (which
    the client chooses), and so stays right behind a proxy that mounts the service under a path."""
    path = request.url.path
    if path == "/" or "//" in path:
        return None
    other = path.rstrip("/") if path.endswith("/") else path + "/"
    router = request.scope.get("router")
    if not isinstance(router, Router):
        return None
    scope = {**request.scope, "path": other}
    if not any(route.matches(scope)[0] is not Match.NONE for route in router.routes):
        return None
    last = path.rstrip("/").rsplit("/", 1)[-1]
    location = f"../{last}" if path.endswith("/") else f"{last}/"
    if request.url.query:
        location += "?" + request.url.query
    return Response(status_code=307, headers={"location": location})


def cross_site(request: Request, allowed_origins: tuple[str, ...]) -> bool:
    """True when a browser sent this request from a page on another origin than the service's and
    not among the allowed ones (browsers name the page's origin in `Origin`)."""
    origin = request.headers.get("origin")
    if origin is None:
        return request.headers.get("sec-fetch-site") in ("cross-site", "same-site")
    if origin in allowed_origins or "*" in allowed_origins:
        return False
    own = request.headers.get("host", "")
    return origin.lower() not in (f"http://{own}".lower(), f"https://{own}".lower())


class JSONCORSMiddleware(CORSMiddleware):
    """Starlette's CORS, with a refused preflight answered as our JSON error rather than plain text."""

    def preflight_response(self, request_headers: Headers) -> Response:
        response = super().preflight_response(request_headers)
        if response.status_code < 400:
            return response
        failures = bytes(response.body).decode().removeprefix("Disallowed CORS ")
        headers = {k: v for k, v in response.headers.items() if k.lower() not in ("content-type", "content-length")}
        return error_response(response.status_code, "cors_refused",
                              f"this cross-origin request is not allowed ({failures}); the service allows "
                              "only the origins it was started with (--allow-origin)", headers)


class NoSniff:
    """`X-Content-Type-Options: nosniff` on every response, so that no browser reads a JSON reply
    (which can hold a visitor's words) as a page or a script."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                if not any(name.lower() == b"x-content-type-options" for name, _ in headers):
                    headers.append((b"x-content-type-options", b"nosniff"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, sending)


class ContainErrors:
    """An unexpected error becomes a logged traceback and a 500 JSON reply with no details, and the
    connection stays usable (an error left to the server would drop it)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = False

        async def sending(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, sending)
        except ClientDisconnect:
            return  # the client left mid-request: nobody to answer, nothing went wrong here
        except Exception:
            if started or scope["type"] != "http":
                raise
            log.exception("unexpected error on %s %s", scope.get("method"), scope.get("path"))
            response = error_response(500, "internal_error", "something went wrong on our side; it has been logged")
            await response(scope, receive, send)


ERROR_HANDLERS: dict[Any, Callable[[Request, Exception], Awaitable[Response]]] = {
    RequestError: request_error, InputError: input_error, HTTPException: http_error}
"""Every refusal as a JSON error."""
