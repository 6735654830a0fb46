"""The outcomes dashboard shows exactly what the analytics API computes.

Every number on the page is read back from its HTML tables and checked against the JSON of
``/api/analytics/km``, ``/benchmark`` and ``/concordance`` for the same filters, or (for the
deviation reasons) against a count made directly in the registry's database.
"""

from __future__ import annotations

import base64
import io
import re
from collections import Counter
from dataclasses import dataclass
from html.parser import HTMLParser

import pytest
from PIL import Image
from sqlalchemy import create_engine, text
from web_support import bearer, client_for, sign_in

from rectoplan.mdt_reasons import reason_of
from rectoplan.registry.codes import deviation_reasons
from rectoplan.registry.users import Role

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
DATA_URI = "data:image/png;base64,"


# --- reading the page ----------------------------------------------------------------------


@dataclass
class Cell:
    tag: str
    attrs: dict[str, str]
    text: str = ""


class Page(HTMLParser):
    """The page's tables (by id, rows of cells with their attributes), images and headings."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[Cell]]] = {}
        self.images: list[dict[str, str]] = []
        self.headings: list[tuple[str, str]] = []
        self._table: str | None = None
        self._cell: Cell | None = None
        self._heading: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        attributes = {k: v or "" for k, v in attrs}
        if tag == "table":
            self._table = attributes.get("id", f"table-{len(self.tables)}")
            self.tables[self._table] = []
        elif tag == "tr" and self._table:
            self.tables[self._table].append([])
        elif tag in ("td", "th") and self._table:
            self._cell = Cell(tag, attributes)
            self.tables[self._table][-1].append(self._cell)
        elif tag == "img":
            self.images.append(attributes)
        elif re.fullmatch(r"h[1-6]", tag):
            self._heading = [tag]

    def handle_endtag(self, tag):
        if tag == "table":
            self._table = None
        elif tag in ("td", "th"):
            if self._cell:
                self._cell.text = " ".join(self._cell.text.split())
            self._cell = None
        elif self._heading and tag == self._heading[0]:
            self.headings.append((self._heading[0], "".join(self._heading[1:]).strip()))
            self._heading = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.text += data
        if self._heading is not None:
            self._heading.append(data)

    def body_rows(self, table: str) -> list[list[Cell]]:
        """Rows below the header row."""
        return self.tables[table][1:]


def parse(html: str) -> Page:
    page = Page()
    page.feed(html)
    return page


def number(value: str) -> float | None:
    return None if value == "" else float(value)


# --- fixtures ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo(demo_template, tmp_path_factory):
    """(client signed in as a viewer, database URL) over one read-only copy of the demo."""
    path = tmp_path_factory.mktemp("outcomes") / "demo.sqlite3"
    path.write_bytes(demo_template.read_bytes())
    url = f"sqlite:///{path}"
    with client_for(url) as client:
        sign_in(client, Role.viewer)
        yield client, url


@pytest.fixture(scope="module")
def demo_client(demo):
    return demo[0]


@pytest.fixture(scope="module")
def default_page(demo_client) -> Page:
    response = demo_client.get("/outcomes")
    assert response.status_code == 200, response.text
    return parse(response.text)


def api(client, path: str, **params) -> dict:
    response = client.get(path, params=params, headers=bearer(Role.viewer))
    assert response.status_code == 200, response.text
    return response.json()


# --- survival ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("endpoint", "group_by", "unit"),
    [
        ("overall", "risk_group", "months"),
        ("disease_free", "neoadjuvant", "years"),
        ("tme_free", "", "days"),
    ],
)
def test_at_risk_table_and_medians_equal_the_km_api(demo_client, endpoint, group_by, unit):
    response = demo_client.get(
        "/outcomes", params={"endpoint": endpoint, "group_by": group_by, "unit": unit}
    )
    assert response.status_code == 200, response.text
    page = parse(response.text)
    header = page.tables["at-risk"][0]
    days = [float(cell.attrs["data-days"]) for cell in header[1:]]
    assert days[0] == 0 and days == sorted(days) and len(days) >= 2
    params = {"endpoint": endpoint, "times": days}
    if group_by:
        params["group_by"] = group_by
    body = api(demo_client, "/api/analytics/km", **params)
    curves = {curve["label"]: curve for curve in body["curves"]}

    at_risk = {
        row[0].text: [int(c.text.replace(",", "")) for c in row[1:]]
        for row in page.body_rows("at-risk")
    }
    assert at_risk == {
        label: [row["at_risk"] for row in curve["at_times"]] for label, curve in curves.items()
    }
    assert all(counts[0] == curves[label]["n"] for label, counts in at_risk.items())

    medians = {row[0].text: row for row in page.body_rows("medians")}
    assert set(medians) == set(curves)
    for label, row in medians.items():
        median = curves[label]["median"]
        assert int(row[1].attrs["data-value"]) == curves[label]["n"]
        assert int(row[2].attrs["data-value"]) == curves[label]["events"]
        assert number(row[3].attrs["data-days"]) == median["time"]
        assert number(row[4].attrs["data-lower-days"]) == median["lower"]
        assert number(row[4].attrs["data-upper-days"]) == median["upper"]
        if median["time"] is None:
            assert row[3].text == "not reached"

    if body["logrank"]:
        p = body["logrank"]["p_value"]
        shown = "p < 0.001" if p < 0.001 else f"p = {p:.3f}"
        assert shown in response.text.replace("&lt;", "<")
    else:
        assert "Log-rank test across" not in response.text


def test_the_page_and_its_headings(default_page):
    assert default_page.headings[0] == ("h1", "Outcomes")
    assert [h for tag, h in default_page.headings if tag == "h2"] == [
        "Survival",
        "Outcomes by procedure",
        "Benchmarks",
        "Guideline concordance over time",
        "Deviation reasons",
    ]
    for table in default_page.tables.values():
        assert all(cell.attrs.get("scope") for cell in table[0] if cell.tag == "th")


# --- benchmarks ----------------------------------------------------------------------------


def test_benchmark_rows_equal_the_benchmark_api(demo_client, default_page):
    body = api(demo_client, "/api/analytics/benchmark")
    rows = default_page.body_rows("benchmarks")
    matched = [c for c in body["comparisons"] if c["cohort"]["subset_n"] > 0]
    unmatched = [c["reference"]["id"] for c in body["comparisons"] if not c["cohort"]["subset_n"]]
    assert len(rows) == len(matched) > 0 and unmatched  # the demo has no exenteration
    html = demo_client.get("/outcomes").text
    listed = re.findall(r'<li data-reference="([^"]+)"', html)
    assert listed == unmatched
    for row, comparison in zip(rows, matched, strict=True):
        reference, cohort = comparison["reference"], comparison["cohort"]
        assert row[0].text == reference["label"]
        assert int(row[1].attrs["data-subset-n"]) == cohort["subset_n"]
        assert row[1].attrs["data-criteria"] == "; ".join(cohort["criteria"])
        assert int(row[2].attrs["data-value"]) == cohort["n"]
        assert number(row[3].attrs["data-value"]) == cohort["k"]
        observed = row[4].attrs
        assert number(observed["data-estimate"]) == cohort["estimate"]
        assert number(observed["data-lower"]) == cohort["lower"]
        assert number(observed["data-upper"]) == cohort["upper"]
        assert float(row[5].attrs["data-value"]) == reference["value"]
        assert reference["statement"] in row[5].text
        assert row[8].text == comparison["verdict"]
        if cohort["estimate"] is None:
            assert cohort["subset_n"] == 0 and row[7].text == "no patient matches"
            continue
        if cohort["lower"] is None:
            assert row[7].text == "no interval"
            continue
        method = "Wilson" if cohort["method"] == "wilson" else cohort["method"]
        assert f"{method} 95%" in row[4].text
        # the interval's position, in words, worked out here from the API's numbers
        if cohort["upper"] < reference["value"]:
            assert row[7].text == "interval below the benchmark"
        elif cohort["lower"] > reference["value"]:
            assert row[7].text == "interval above the benchmark"
        else:
            assert row[7].text == "interval includes the benchmark"


def test_benchmark_sources_link_to_the_evidence_page(demo_client):
    html = demo_client.get("/outcomes").text
    evidence = demo_client.get("/evidence").text
    body = api(demo_client, "/api/analytics/benchmark")
    for comparison in body["comparisons"]:
        for key in comparison["reference"]["evidence"]:
            assert f'href="/evidence#{key}"' in html
            assert f'id="{key}"' in evidence  # the anchor the link lands on


# --- concordance ---------------------------------------------------------------------------


@pytest.mark.parametrize("period", ["quarter", "month"])
def test_concordance_rows_equal_the_concordance_api(demo_client, period):
    page = parse(demo_client.get("/outcomes", params={"period": period}).text)
    body = api(demo_client, "/api/analytics/concordance", period=period)
    rows = page.body_rows("concordance-table")
    assert [row[0].text for row in rows] == [p["period"] for p in body["periods"]]
    for row, share in zip(rows, body["periods"], strict=True):
        assert int(row[1].attrs["data-value"]) == share["n"]
        assert int(row[2].attrs["data-value"]) == share["k"]
        assert int(row[3].attrs["data-value"]) == share["alternatives"]
        assert int(row[4].attrs["data-value"]) == share["deviations"]
        if share["too_few"]:
            assert row[5].text == "too few" and row[6].attrs["data-lower"] == ""
            continue
        assert float(row[5].attrs["data-value"]) == share["estimate"]
        assert float(row[6].attrs["data-lower"]) == share["lower"]
        assert float(row[6].attrs["data-upper"]) == share["upper"]
    assert sum(int(row[1].attrs["data-value"]) for row in rows) == body["overall"]["n"]


def test_deviation_reasons_equal_a_count_in_the_registry(demo, default_page):
    _, url = demo
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            codes = connection.execute(
                text("SELECT deviation_code FROM mdt_decisions WHERE category = 'deviation'")
            ).scalars()
            expected = Counter(code or "" for code in codes)
    finally:
        engine.dispose()
    assert expected, "the demo registry should hold deviations"
    rows = default_page.body_rows("deviation-reasons")
    shown = {row_code(row): int(row[3].attrs["data-value"]) for row in rows}
    assert shown == dict(expected)
    displays = deviation_reasons()
    for row in rows:
        code = row_code(row)
        assert row[2].text == (displays[code].display if code else "—")
        expected_reason = reason_of(code, displays[code].category) if code else None
        assert row[0].text == (expected_reason.label if expected_reason else "not recorded")
    counts = [int(row[3].attrs["data-value"]) for row in rows]
    assert counts == sorted(counts, reverse=True)


def row_code(row: list[Cell]) -> str:
    """The code column of a deviation-reason row ("—" when none was recorded)."""
    return "" if row[1].text == "—" else row[1].text


# --- images, empty registry, bad filters ---------------------------------------------------


def test_every_image_is_a_decodable_png_with_alt_text(default_page):
    assert len(default_page.images) == 3  # survival, concordance, deviation reasons
    for image in default_page.images:
        assert image["src"].startswith(DATA_URI)
        data = base64.b64decode(image["src"][len(DATA_URI) :], validate=True)
        assert data.startswith(PNG_MAGIC)
        with Image.open(io.BytesIO(data)) as png:
            png.verify()
            assert png.size[0] > 600 and png.size[1] > 300
        assert len(image["alt"]) > 40


def test_an_empty_registry_says_no_data_yet_in_every_section(client):
    sign_in(client, Role.viewer)
    response = client.get("/outcomes")
    assert response.status_code == 200
    page = parse(response.text)
    assert [h for tag, h in page.headings if tag == "h2"] == [
        "Survival",
        "Outcomes by procedure",
        "Benchmarks",
        "Guideline concordance over time",
        "Deviation reasons",
    ]
    assert response.text.count("No data yet") == 5
    assert page.images == []


@pytest.mark.parametrize(
    ("field_name", "bad"),
    [("endpoint", "immortality"), ("group_by", "shoe_size"), ("unit", "weeks"), ("period", "year")],
)
def test_a_bad_filter_is_422_named_beside_its_select(demo_client, field_name, bad):
    params = {"endpoint": "disease_free", "group_by": "pathway", "unit": "years", "period": "month"}
    response = demo_client.get("/outcomes", params={**params, field_name: bad})
    assert response.status_code == 422
    html = response.text
    error = re.search(rf'<p class="field-error" id="f-{field_name}-error">([^<]*)</p>', html)
    assert error and f"“{bad}” is not a choice" in error.group(1)
    assert re.search(rf'<select id="f-{field_name}"[^>]*aria-invalid="true"', html)
    for other, value in params.items():
        if other != field_name:  # the other choices are kept
            assert re.search(rf'<select id="f-{other}".*?value="{value}" selected', html, re.S)
    page = parse(html)
    assert [h for tag, h in page.headings if tag == "h2"] == []
    assert page.images == [] and "at-risk" not in page.tables


def test_the_dashboard_needs_a_signed_in_user(client):
    response = client.get("/outcomes?period=month", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/outcomes%3Fperiod%3Dmonth"
