"""Printable summaries as PDF: the page's own HTML rendered by WeasyPrint.

The PDF is made from the same template as the printable HTML page (its ``@media print``
rules apply), so the two cannot drift apart. Figures are ``data:`` URIs and the stylesheet is
read from the package, so WeasyPrint fetches nothing over the network.
"""

from __future__ import annotations

from fastapi.responses import HTMLResponse, Response

from rectoplan.web.app_paths import STATIC

PDF_MEDIA_TYPE = "application/pdf"


def pdf_response(html: HTMLResponse | str, filename: str) -> Response:
    """The PDF of a rendered page (or of an HTML string), offered as a download."""
    import weasyprint  # imported on first use: it loads Pango, which costs ~0.5 s

    text = html if isinstance(html, str) else bytes(html.body).decode("utf-8")
    stylesheet = weasyprint.CSS(filename=str(STATIC / "rectoplan.css"))
    document = weasyprint.HTML(string=text, base_url=str(STATIC))
    data = document.write_pdf(stylesheets=[stylesheet], url_fetcher=_no_network)
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in filename)
    return Response(
        data,
        media_type=PDF_MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{safe}"'},
    )


def _no_network(url: str, *args, **kwargs):
    """Serve ``data:`` URIs and the package's static files; refuse anything else."""
    import weasyprint

    if url.startswith("data:") or url.startswith("file:"):
        return weasyprint.default_url_fetcher(url, *args, **kwargs)
    raise ValueError(f"RectoPlan's PDFs fetch nothing from the network ({url})")
