"""How a page fails: a redirect to the login page, or an HTML page a person can act on.

Page routes share the registry's exceptions with the API (a wrong id, a stale write), so the
handlers here answer HTML for page paths and hand API paths to `rectoplan.web.errors`,
which answers JSON. A request from HTMX that needs a login gets ``HX-Redirect`` so the whole
page moves to the login form instead of a fragment being swapped for it.

No JSON error reaches a page user: every handler the API installed is wrapped (`install`), so
whatever it answers for a page path becomes an HTML page with the same status and headers. A
503 (the registry database is down or busy) becomes a page that says so, says whether what was
submitted was saved, keeps ``Retry-After`` and links to the same page to try again; an error
nobody expected is a plain 500 page, never a traceback.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI, Request, status
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import WebSocketRequestValidationError
from fastapi.responses import PlainTextResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from rectoplan.errors import NotFoundError
from rectoplan.web import errors as api_errors
from rectoplan.web import security
from rectoplan.web.pages.render import is_htmx, render
from rectoplan.web.pages.session import CsrfRejected, LoginRequired, PageForbidden, login_url

API_PREFIXES = ("/api/", "/cds-services", "/docs", "/redoc", "/openapi.json", "/healthz")


def is_page(request: Request) -> bool:
    return not request.url.path.startswith(API_PREFIXES)


async def _login_required(request: Request, exc: LoginRequired) -> Response:
    target = login_url(exc.next_url if request.method == "GET" else None)
    if exc.reason:
        target += ("&" if "?" in target else "?") + "expired=1"
    if is_htmx(request):
        return Response(status_code=status.HTTP_204_NO_CONTENT, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=status.HTTP_303_SEE_OTHER)


def _problem(request: Request, code: int, title: str, message: str, user=None) -> Response:
    context = {"title": title, "message": message, "code": code}
    return render(request, "error.html", context, user=user, status_code=code)


async def _forbidden(request: Request, exc: PageForbidden) -> Response:
    return _problem(request, 403, "Not allowed", str(exc), exc.user)


async def _csrf(request: Request, exc: CsrfRejected) -> Response:
    return _problem(request, 403, "Form expired", str(exc))


async def _not_found(request: Request, exc: NotFoundError) -> Response:
    if not is_page(request):
        return await api_errors.not_found(request, exc)
    return _problem(request, 404, "Not found", str(exc))


async def _http(request: Request, exc: StarletteHTTPException) -> Response:
    if not is_page(request):
        return await http_exception_handler(request, exc)
    return _problem(request, exc.status_code, "Cannot show this page", str(exc.detail))


_TITLES = {
    400: "Cannot read this request",
    409: "Changed by someone else",
    413: "Too large",
    422: "Cannot use this input",
    429: "Too many requests",
    503: "The registry is unavailable",
}
_PASSED_ON = ("Retry-After",)


def _detail_text(body: Any) -> str:
    """The API's ``detail`` (a sentence, or a list of field problems) as one sentence."""
    detail = body.get("detail") if isinstance(body, dict) else None
    if isinstance(detail, str):
        return detail
    if isinstance(detail, list):
        parts = []
        for item in detail:
            if isinstance(item, dict):
                field, message = item.get("field"), item.get("msg", "")
                parts.append(f"{field}: {message}" if field else str(message))
        return "; ".join(parts)
    return ""


def unavailable(request: Request, retry_after: str | None = None) -> Response:
    """The 503 page: the registry cannot be reached, what happened to the input, and a link
    to try the same page again (a form post retries from the page that holds the form)."""
    if request.method == "GET":
        retry = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        message = (
            "The registry database cannot be reached just now, so this page cannot be shown. "
            "Nothing was changed. Try again in a few seconds."
        )
    else:
        retry = "/cases"
        message = (
            "The registry database cannot be reached just now, so what you submitted was not "
            "saved. Go back, and submit it again when the registry is back."
        )
    context = {"title": _TITLES[503], "message": message, "code": 503, "retry_url": retry}
    page = render(request, "error.html", context, status_code=503)
    page.headers["Retry-After"] = retry_after or "5"
    return page


def _as_page(request: Request, answer: Response) -> Response:
    """An API handler's JSON answer, for a page user: the same status as an HTML page."""
    if not answer.headers.get("content-type", "").startswith("application/json"):
        return answer
    code = answer.status_code
    if code == 503:
        return unavailable(request, answer.headers.get("Retry-After"))
    try:
        body = json.loads(bytes(answer.body))
    except ValueError:
        body = None
    title = _TITLES.get(code, "Cannot show this page")
    page = _problem(request, code, title, _detail_text(body) or "The request could not be done.")
    for name in _PASSED_ON:
        if name in answer.headers:
            page.headers[name] = answer.headers[name]
    return page


def _for_pages(handler):
    """``handler`` (the API's) with its JSON answers turned into HTML for page paths."""

    async def wrapped(request: Request, exc: Exception) -> Response:
        answer = handler(request, exc)
        if hasattr(answer, "__await__"):
            answer = await answer
        return _as_page(request, answer) if is_page(request) else answer

    wrapped.__name__ = f"page_{getattr(handler, '__name__', 'handler')}"
    wrapped.__wrapped__ = handler  # type: ignore[attr-defined]
    return wrapped


async def _internal(request: Request, exc: Exception) -> Response:
    """Anything unexpected: a 500 without a traceback (the server logs it, as the exception
    goes on up). Sent from outside the middleware stack, so it sets the security headers
    itself."""
    if is_page(request):
        answer: Response = _problem(
            request,
            500,
            "Something went wrong",
            "RectoPlan could not complete this request; it has been logged. Nothing you did "
            "caused it. Try again, or go back to the cases.",
        )
    else:
        answer = PlainTextResponse("Internal Server Error", status_code=500)
    security.apply(answer.headers, request.url.path)
    return answer


def install(app: FastAPI) -> None:
    """Register the page handlers (after `rectoplan.web.errors.install`, which they extend)."""
    own = (StarletteHTTPException, NotFoundError, WebSocketRequestValidationError)
    for exc_class, handler in list(app.exception_handlers.items()):
        if exc_class not in own:
            app.add_exception_handler(exc_class, _for_pages(handler))
    if Exception not in app.exception_handlers:
        app.add_exception_handler(Exception, _internal)
    app.add_exception_handler(LoginRequired, _login_required)
    app.add_exception_handler(PageForbidden, _forbidden)
    app.add_exception_handler(CsrfRejected, _csrf)
    app.add_exception_handler(NotFoundError, _not_found)
    app.add_exception_handler(StarletteHTTPException, _http)
