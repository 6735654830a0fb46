"""Refuse a request body larger than the limit, counted as it streams in (413).

``Content-Length`` is not enough: a chunked upload declares no length, and a client may
declare less than it sends. So this ASGI middleware counts the bytes of every body chunk the
app asks for and, once the total passes `rectoplan.limits.Limits.max_body_bytes`, raises a 413
``HTTPException`` inside the app's own read of the body. The app then answers through its
usual error handlers (a JSON problem for the API, an error page for the pages), and nothing
of the body beyond the limit is ever held: chunks pass through one at a time, never buffered
here. A body declared larger than the limit is refused before its first byte is read.

Before the 413 goes out, the rest of the upload is read and thrown away (up to
`DRAIN_BYTES`), so that the client, still sending, receives the answer instead of a reset
connection; a larger upload is cut off (the server closes the connection).
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from rectoplan.limits import Limits

DRAIN_BYTES = 256 * 1024 * 1024
"""Most bytes read and discarded after a refusal so the client sees the 413 (memory use is
one chunk at a time; the cost is only the transfer)."""


class BodySizeLimit:
    """ASGI middleware: ``app.add_middleware(BodySizeLimit, limits=settings.limits)``."""

    def __init__(self, app: ASGIApp, limits: Limits) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        received = 0
        refused = False
        more = True

        def too_large(size: int) -> HTTPException:
            nonlocal refused
            refused = True
            return HTTPException(413, self.limits.body_too_large(size))

        async def counted() -> Message:
            nonlocal received, more
            if declared is not None and self.limits.body_too_large(declared):
                raise too_large(declared)
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                more = bool(message.get("more_body", False))
                if self.limits.body_too_large(received):
                    raise too_large(received)
            return message

        async def answer(message: Message) -> None:
            if refused and more and message["type"] == "http.response.start":
                await _drain(receive, received, declared)
            await send(message)

        await self.app(scope, counted, answer)


async def _drain(receive: Receive, received: int, declared: int | None) -> None:
    """Read and discard the rest of the body, up to `DRAIN_BYTES` in all."""
    if declared is not None and declared > DRAIN_BYTES:
        return
    while received <= DRAIN_BYTES:
        message = await receive()
        if message["type"] != "http.request":
            return
        received += len(message.get("body", b""))
        if not message.get("more_body", False):
            return


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
