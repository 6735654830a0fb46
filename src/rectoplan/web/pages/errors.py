"""How a page fails: a redirect to the login page, or an HTML page a person can act on.

Page routes share the registry's exceptions with the API (a wrong id, a stale write), so the
handlers here answer HTML for page paths and hand API paths to `rectoplan.web.errors`,
which answers JSON. A request from HTMX that needs a login gets ``HX-Redirect`` so the whole
page moves to the login form instead of a fragment being swapped for it.
"""

from __future__ import annotations

from fastapi import FastAPI, Request, status
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from rectoplan.errors import NotFoundError
from rectoplan.web import errors as api_errors
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


def install(app: FastAPI) -> None:
    """Register the page handlers (after `rectoplan.web.errors.install`, which they extend)."""
    app.add_exception_handler(LoginRequired, _login_required)
    app.add_exception_handler(PageForbidden, _forbidden)
    app.add_exception_handler(CsrfRejected, _csrf)
    app.add_exception_handler(NotFoundError, _not_found)
    app.add_exception_handler(StarletteHTTPException, _http)
