"""The language of a request: the user's saved choice, then ``?lang=``, then Accept-Language.

`LocaleMiddleware` (plain ASGI, like `SecurityHeaders`) reads ``?lang=`` and Accept-Language
for every request and runs the rest of it under that locale, so the engine, the pages and the
error messages of one request all speak one language while concurrent requests keep theirs
(the locale is a context variable). A signed-in page then applies the user's saved language
(`apply_user_locale`, called where the page guard has loaded the user: the saved choice comes
in the same query as the session check, at no extra cost). The REST API is not switched by the
saved choice: a client gets what its Accept-Language asks for, English by default, with ids
and codes unchanged. Every response names its language in ``Content-Language``.
"""

from __future__ import annotations

from urllib.parse import parse_qs

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from rectoplan.i18n import current_locale, negotiate, normalize, use_locale
from rectoplan.i18n.context import set_locale

QUERY_PARAMETER = "lang"


def html_lang(locale: str | None = None) -> str:
    """The BCP 47 tag of a locale, for ``<html lang>`` and ``Content-Language`` (``zh-CN``)."""
    return (locale or current_locale()).replace("_", "-")


def request_locale(scope: Scope) -> str:
    """``?lang=`` when it names a supported language, else the Accept-Language choice."""
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    asked = normalize((query.get(QUERY_PARAMETER) or [None])[-1])
    if asked is not None:
        return asked
    header = next((v for k, v in scope.get("headers", ()) if k == b"accept-language"), b"")
    return negotiate(header.decode("latin-1"))


def apply_user_locale(saved: str | None) -> None:
    """A signed-in user's saved language wins over the request's (called on the request's own
    task, from an async page dependency, so the endpoint and the template see it)."""
    if saved:
        set_locale(saved)


class LocaleMiddleware:
    """Run each HTTP request under its negotiated locale; say which in ``Content-Language``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_language(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("Content-Language", html_lang())
                headers.add_vary_header("Accept-Language")
            await send(message)

        with use_locale(request_locale(scope)):
            await self.app(scope, receive, send_with_language)
