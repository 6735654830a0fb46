"""Printable summaries as PDF: the page's own HTML rendered by WeasyPrint.

The PDF is made from the same template as the printable HTML page (its ``@media print``
rules apply), so the two cannot drift apart. Figures are ``data:`` URIs and the stylesheet is
read from the package, so WeasyPrint fetches nothing over the network.
"""

from __future__ import annotations

import base64
import mimetypes
from dataclasses import dataclass
from pathlib import Path

from fastapi.responses import HTMLResponse, Response

from rectoplan.web.app_paths import STATIC

PDF_MEDIA_TYPE = "application/pdf"
OFFLINE_PROTOCOLS = ("data", "file")


def pdf_response(html: HTMLResponse | str, filename: str) -> Response:
    """The PDF of a rendered page (or of an HTML string), offered as a download."""
    import weasyprint  # imported on first use: it loads Pango, which costs ~0.5 s

    text = html if isinstance(html, str) else bytes(html.body).decode("utf-8")
    fetcher = _offline_fetcher()  # given where documents are parsed: write_pdf ignores one
    stylesheet = weasyprint.CSS(filename=str(STATIC / "rectoplan.css"), url_fetcher=fetcher)
    document = weasyprint.HTML(string=text, base_url=str(STATIC), url_fetcher=fetcher)
    data = document.write_pdf(stylesheets=[stylesheet])
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in filename)
    return Response(
        data,
        media_type=PDF_MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{safe}"'},
    )


def _offline_fetcher():
    """WeasyPrint's fetcher limited to ``data:`` URIs and the package's files: anything else
    (``http:``, ``ftp:`` ...) is refused, logged, and left out of the PDF."""
    import weasyprint

    return weasyprint.URLFetcher(allowed_protocols=OFFLINE_PROTOCOLS)


@dataclass(frozen=True)
class Letterhead:
    """The hospital's name and logo at the head of every printed summary (settings
    ``RECTOPLAN_HOSPITAL_NAME`` and ``RECTOPLAN_HOSPITAL_LOGO``)."""

    name: str
    logo: str | None
    """The logo as a ``data:`` URI (WeasyPrint fetches nothing else), or None."""


LOGO_TYPES = ("image/png", "image/jpeg", "image/svg+xml")


def letterhead(settings) -> Letterhead:
    """The letterhead from the settings; a logo file that is missing or not an image is left
    out rather than failing the print."""
    logo = None
    if settings.hospital_logo:
        path = Path(settings.hospital_logo)
        kind = mimetypes.guess_type(path.name)[0]
        if kind in LOGO_TYPES and path.is_file():
            logo = f"data:{kind};base64," + base64.b64encode(path.read_bytes()).decode("ascii")
    return Letterhead(settings.hospital_name, logo)
