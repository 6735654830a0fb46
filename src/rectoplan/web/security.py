"""The headers every answer carries so a browser keeps patient data where it belongs.

- **Content-Security-Policy** on the pages: scripts and styles only from ``/static`` (no
  inline ``<script>``, no ``on*=`` handlers, no ``style=`` attributes, no ``eval``; htmx is
  told so by the ``htmx-config`` meta tag in ``base.html``), images from ``/static`` or the
  ``data:`` URIs the figures are embedded as, requests and form posts to this site only.
  A script injected into a page therefore cannot run, and a form cannot post elsewhere. With
  hospital sign-in on, ``form-action`` also names the identity provider's origin: the logout
  form's answer redirects to the provider's end-session page (RP-initiated logout), and
  browsers apply ``form-action`` to the redirects that follow a form post.
- **frame-ancestors 'none'** and **X-Frame-Options: DENY** (for browsers that predate CSP
  level 2): no other site can frame a page and trick a clinician into clicking on it.
- **Referrer-Policy: same-origin**: a case id in a URL never leaks to another site.
- **X-Content-Type-Options: nosniff**: a response is only ever what its type says.
- **Cache-Control: no-store** on everything but ``/static``: pages and API answers carry
  patient data, which must not stay on a shared ward computer's disk or in a proxy.

The API description (``/docs``, ``/redoc``) loads Swagger UI and ReDoc from their CDN with
inline bootstrapping code, so it gets only the framing and sniffing rules, not the strict
policy; it holds no patient data.

A plain ASGI middleware (not ``BaseHTTPMiddleware``), so adding headers costs no extra task
per request.
"""

from __future__ import annotations

from collections.abc import Iterable

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send


def content_security_policy(form_targets: Iterable[str] = ()) -> str:
    """The pages' policy: nothing inline, nothing from another origin (forms may also lead
    to ``form_targets``, origins such as the identity provider's)."""
    return "; ".join(
        (
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "font-src 'self'",
            "connect-src 'self'",
            " ".join(("form-action 'self'", *form_targets)),
            "frame-ancestors 'none'",
            "base-uri 'none'",
        )
    )


CONTENT_SECURITY_POLICY = content_security_policy()

API_DESCRIPTION = ("/docs", "/redoc")

_COMMON = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
_NO_STORE = {"Cache-Control": "no-store"}

STATIC_HEADERS = {**_COMMON, "Content-Security-Policy": CONTENT_SECURITY_POLICY}
"""``/static``: cacheable (no patient data), still under the policy."""
DOCS_HEADERS = {**_COMMON, **_NO_STORE, "Content-Security-Policy": "frame-ancestors 'none'"}
PAGE_HEADERS = {**_COMMON, **_NO_STORE, "Content-Security-Policy": CONTENT_SECURITY_POLICY}
"""Pages and API answers alike (a JSON answer under the policy runs nothing either)."""


def headers_for(path: str, pages: dict[str, str] = PAGE_HEADERS) -> dict[str, str]:
    """The security headers of an answer to ``path`` (``pages``: those of a page)."""
    if path.startswith("/static/"):
        return STATIC_HEADERS
    if path.startswith(API_DESCRIPTION):
        return DOCS_HEADERS
    return pages


def apply(headers: MutableHeaders, path: str, pages: dict[str, str] = PAGE_HEADERS) -> None:
    """Set the headers of ``path`` on a response (also used by the 500 page, which is sent
    from outside the middleware)."""
    for name, value in headers_for(path, pages).items():
        headers[name] = value


class SecurityHeaders:
    """Add `headers_for` the request's path to every HTTP response (``form_targets``: see
    `content_security_policy`)."""

    def __init__(self, app: ASGIApp, form_targets: Iterable[str] = ()) -> None:
        self.app = app
        policy = content_security_policy(form_targets)
        self.pages = {**PAGE_HEADERS, "Content-Security-Policy": policy}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                apply(MutableHeaders(scope=message), path, self.pages)
            await send(message)

        await self.app(scope, receive, send_with_headers)
