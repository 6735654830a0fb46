"""The case page, the MDT decision form, the evidence page and the printable summary.

What the page shows is checked against what the API says about the same case (its latest
assessment snapshot, its decisions), so the page cannot drift from the registry; the decision
form is checked by what it leaves in the registry, read back through the API.
"""

from __future__ import annotations

import copy
import re
import zlib
from html.parser import HTMLParser

import pytest
from web_support import bearer, example_case, sign_in

from rectoplan.clinical.case import Case
from rectoplan.evidence import SOURCES
from rectoplan.mdt_reasons import MdtReason
from rectoplan.pathways import assess
from rectoplan.registry import models
from rectoplan.registry.users import Role
from rectoplan.reports.labels import field_label
from rectoplan.web.pages.case import assessment_view

SEED = "seed001-diagnosis"

# --- a small DOM over the standard library's parser ----------------------------------------

VOID = {"area", "base", "br", "col", "hr", "img", "input", "link", "meta", "source", "wbr"}


class Node:
    def __init__(self, tag: str, attrs: dict[str, str | None], parent: Node | None) -> None:
        self.tag, self.attrs, self.parent = tag, attrs, parent
        self.children: list[Node | str] = []

    def text(self) -> str:
        parts = [c if isinstance(c, str) else c.text() for c in self.children]
        return re.sub(r"\s+", " ", " ".join(parts)).strip()

    def walk(self):
        for child in self.children:
            if isinstance(child, Node):
                yield child
                yield from child.walk()

    def find_all(self, tag: str | None = None, **attrs: str) -> list[Node]:
        return [
            n
            for n in self.walk()
            if (tag is None or n.tag == tag)
            and all(n.attrs.get(k.rstrip("_")) == v for k, v in attrs.items())
        ]

    def by_id(self, element_id: str) -> Node | None:
        return next((n for n in self.walk() if n.attrs.get("id") == element_id), None)


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = self.current = Node("#root", {}, None)

    def handle_starttag(self, tag, attrs):
        node = Node(tag, dict(attrs), self.current)
        self.current.children.append(node)
        if tag not in VOID:
            self.current = node

    def handle_endtag(self, tag):
        node = self.current
        while node.parent is not None and node.tag != tag:
            node = node.parent
        if node.parent is not None:
            self.current = node.parent

    def handle_data(self, data):
        self.current.children.append(data)


def dom(html: str) -> Node:
    builder = _Builder()
    builder.feed(html)
    return builder.root


def checked_mode(page: Node) -> str | None:
    radios = page.find_all("input", name="mode")
    return next((r.attrs["value"] for r in radios if "checked" in r.attrs), None)


def selected(page: Node, name: str) -> str | None:
    select = page.find_all("select", name=name)[0]
    return next(
        (o.attrs["value"] for o in select.find_all("option") if "selected" in o.attrs), None
    )


def hidden(page: Node, name: str) -> str:
    return page.find_all("input", name=name)[0].attrs["value"]


# --- helpers over the API -------------------------------------------------------------------


def latest_assessment(client, case_id: str) -> dict:
    answer = client.get(f"/api/cases/{case_id}/assessments", headers=bearer(Role.viewer))
    assert answer.status_code == 200, answer.text
    return answer.json()[0]


def api_decisions(client, case_id: str) -> list[dict]:
    return client.get(f"/api/cases/{case_id}/decisions", headers=bearer(Role.viewer)).json()


def example_ids(client) -> dict[str, str]:
    """One example case per kind, found through the case list the API serves."""
    items = client.get("/api/cases?limit=200", headers=bearer(Role.viewer)).json()["items"]
    return {
        "seed": SEED,
        "stenosis": next(i["case_id"] for i in items if "stenosis" in i["pathways"]),
        "recurrence": next(i["case_id"] for i in items if "recurrence" in i["pathways"]),
        "no_mri": "no-mri-workup",
        "not_recommended": "restaging-ncr-residual-too-large",
    }


@pytest.fixture
def stored(client) -> str:
    """The seed-001 diagnosis case in an empty registry; a clinician is signed in."""
    created = client.post(
        "/api/cases", json={"case": example_case()}, headers=bearer(Role.clinician)
    )
    assert created.status_code == 201, created.text
    return created.json()["case_id"]


URGENT = "obstructing tumour: decided before the next MDT"


def post_decision(client, case_id: str, **fields):
    """Post the decision form; outside a meeting with an urgency reason (the form's rule)."""
    token = sign_in(client, Role.clinician)
    if not fields.get("meeting_id"):
        fields.setdefault("urgency_reason", URGENT)
    return client.post(
        f"/cases/{case_id}/decisions",
        data={"csrf_token": token, **fields},
        follow_redirects=False,
    )


# --- the case page ----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["seed", "stenosis", "recurrence", "no_mri", "not_recommended"])
def test_the_page_shows_every_option_of_the_latest_assessment(demo_client, kind):
    case_id = example_ids(demo_client)[kind]
    snapshot = latest_assessment(demo_client, case_id)
    assessment = snapshot["assessment"]
    sign_in(demo_client, Role.viewer)
    response = demo_client.get(f"/cases/{case_id}")
    assert response.status_code == 200
    page = dom(response.text)
    assert page.find_all("h1")[0].text() == f"Case {case_id}"
    headings = [h.text() for h in page.find_all("h2")]
    assert "Recommendations" in headings and "Warnings" in headings

    shown = [n.attrs["id"] for n in page.find_all("li") if n.attrs.get("id", "").startswith("rec-")]
    assert shown == [f"rec-{r['id']}" for r in assessment["recommendations"]]
    for rec in assessment["recommendations"]:
        item = page.by_id(f"rec-{rec['id']}")
        assert rec["title"] in item.text() and rec["id"] in item.text()
        [badge] = [b for b in item.find_all("span") if "data-strength" in b.attrs]
        assert badge.attrs["data-strength"] == rec["strength"]
        assert badge.text().casefold() == rec["strength"].replace("_", " ")
        assert ("Preferred option" in item.text()) == (rec["id"] in snapshot["preferred_ids"])
        links = [a.attrs["href"] for a in item.find_all("a")]
        assert links == [f"/evidence#{key}" for key in rec["evidence"]]
        for reason in rec["rationale"]:
            assert reason in item.text()

    if assessment["stage"]:
        assert page.by_id("stage-group").text().startswith(assessment["stage"]["group"] + " ")
    assert page.by_id("risk-group").text() == assessment["risk_group"].replace("_", " ")
    warnings = page.by_id("warnings").text()
    for warning in assessment["warnings"]:
        assert warning["message"] in warnings and field_label(warning["field"]) in warnings
        if "." in warning["field"]:
            assert warning["field"] not in warnings  # in clinical words, not its path
    if not assessment["warnings"]:
        assert "No missing or doubtful data" in warnings

    hrefs = {a.text(): a.attrs["href"] for a in page.find_all("a")}
    assert "Edit referral and baseline" not in hrefs  # a viewer is not offered an edit
    assert not any("/record/" in href for href in hrefs.values())
    assert hrefs["Printable summary"] == f"/cases/{case_id}/summary"
    assert hrefs["Download PDF"] == f"/cases/{case_id}/summary.pdf"
    assert (hrefs.get("Sacrectomy plan") == f"/cases/{case_id}/sacrectomy") == (
        "recurrence" in assessment["pathways"]
    )
    planner = [a for a in page.find_all("a") if a.attrs["href"].startswith("/planner/stenosis?")]
    assert bool(planner) == ("stenosis" in assessment["pathways"])
    if planner:
        assert planner[0].attrs["href"] == f"/planner/stenosis?case_id={case_id}"


def test_the_timeline_is_in_date_order_and_shows_every_recorded_date(client):
    case = example_case("seed001_3_after_eftr")
    client.post("/api/cases", json={"case": case}, headers=bearer(Role.clinician))
    registry_rows = {  # stored after the case's own steps, but dated between them
        "treatments": {"kind": "operation", "operation_type": "eftr", "started_on": "2025-07-01"},
        "events": {"kind": "last_contact", "occurred_on": "2025-09-01"},
    }  # the EFTR is the case's own operation: posted again, it is still one fact
    for kind, body in registry_rows.items():
        url = f"/api/cases/{case['case_id']}/{kind}"
        assert client.post(url, json=body, headers=bearer(Role.clinician)).status_code == 201
    sign_in(client, Role.viewer)
    page = dom(client.get(f"/cases/{case['case_id']}").text)
    timeline = page.find_all("ol", class_="timeline")[0]
    dates = [t.attrs["datetime"] for t in timeline.find_all("time")]
    assert dates == sorted(dates)
    recorded = {case["diagnosis_date"], case["restaging"]["date"]}
    recorded |= {op["date"] for op in case["operations"]} | {"2025-09-01"}
    assert recorded <= set(dates)
    steps = [li.text() for li in timeline.find_all("li")]
    assert sum("Operation" in step for step in steps) == 1  # each fact once
    order = ["Diagnosis", "Baseline MRI", "Radiotherapy", "Restaging", "Operation"]
    order += ["Pathology", "Last contact"]
    positions = [next(i for i, s in enumerate(steps) if name in s) for name in order]
    assert positions == sorted(positions)


def test_a_snapshot_without_a_stage_gets_one_from_the_engine_and_keeps_its_own_options():
    case = Case.model_validate(example_case())
    engine = assess(case)
    stored = engine.model_dump(mode="json")
    del stored["stage"], stored["risk_group"]
    stored["recommendations"] = stored["recommendations"][:1]
    snapshot = models.Assessment(
        id=7,
        engine_version="0.0.1",
        assessment_json=stored,
        preferred_ids=[engine.preferred()[0].id],
    )
    view = assessment_view(snapshot, case)
    assert view["recomputed"] is True
    assert view["stage"]["group"] == engine.stage.group and view["risk_group"] == engine.risk_group
    assert [o["id"] for o in view["options"]] == [engine.recommendations[0].id]


def test_an_unknown_case_is_an_html_404(client):
    sign_in(client, Role.viewer)
    for path in ("/cases/no-such-case", "/cases/no-such-case/summary"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "text/html" in response.headers["content-type"]
        assert "no-such-case" in response.text and "Traceback" not in response.text
    assert post_decision(client, "no-such-case", mode="accept").status_code == 404


# --- evidence ---------------------------------------------------------------------------------


def test_every_evidence_link_points_to_an_anchor_on_the_evidence_page(demo_client):
    sign_in(demo_client, Role.viewer)
    cited = set()
    for case_id in example_ids(demo_client).values():
        page = dom(demo_client.get(f"/cases/{case_id}").text)
        cited |= {
            a.attrs["href"].removeprefix("/evidence#")
            for a in page.find_all("a")
            if a.attrs["href"].startswith("/evidence#")
        }
    evidence = dom(demo_client.get("/evidence").text)
    anchors = {n.attrs["id"] for n in evidence.walk() if "id" in n.attrs}
    assert cited and cited <= anchors
    assert set(SOURCES) <= anchors
    for key, source in SOURCES.items():
        entry = evidence.by_id(key).text()
        assert source.citation[:40] in entry and str(source.year) in entry
        assert ("not verified" in entry) == (not source.verified)


# --- the decision form ------------------------------------------------------------------------


def test_accepting_the_preferred_option_records_one_followed_decision(client, stored):
    sign_in(client, Role.clinician)
    page = dom(client.get(f"/cases/{stored}").text)
    assert page.find_all("button", type="submit")[-1].text() == "Record decision"
    snapshot = latest_assessment(client, stored)
    assert hidden(page, "assessment_id") == str(snapshot["id"])

    response = post_decision(client, stored, mode="accept", assessment_id=str(snapshot["id"]))
    assert response.status_code == 303
    [decision] = api_decisions(client, stored)
    assert response.headers["location"] == f"/cases/{stored}?recorded={decision['id']}#decisions"
    assert decision["followed_preferred"] is True and decision["deviation_code"] is None
    assert decision["chosen_option_id"] == snapshot["preferred_ids"][0]
    assert decision["assessment_id"] == snapshot["id"] and decision["decided_by"] == "clinician"

    after = dom(client.get(response.headers["location"]).text)
    assert f"Decision {decision['id']} recorded" in after.by_id("decision-recorded").text()
    assert "Concordant (preferred option)" in after.by_id(f"decision-{decision['id']}").text()


def test_a_deviation_records_its_code_option_note_and_meeting(client, stored):
    meeting = client.post(
        "/api/meetings",
        json={"held_on": "2025-03-10", "title": "Colorectal MDT"},
        headers=bearer(Role.coordinator),
    ).json()
    listed = client.post(
        f"/api/meetings/{meeting['id']}/agenda",
        json={"case_id": stored},
        headers=bearer(Role.coordinator),
    )
    assert listed.status_code == 201, listed.text
    other = "primary.surgery.apr"  # an engine option seed 001's assessment does not list
    snapshot = latest_assessment(client, stored)
    assert other not in [r["id"] for r in snapshot["assessment"]["recommendations"]]
    response = post_decision(
        client,
        stored,
        mode="deviate",
        deviation_option_id="",
        deviation_code="patient-refuses",
        note="Declines radiotherapy",
        meeting_id=str(meeting["id"]),
    )
    assert response.status_code == 303, response.text
    [decision] = api_decisions(client, stored)
    assert decision["followed_preferred"] is False and decision["category"] == "deviation"
    assert decision["deviation_code"] == "patient-refuses"
    assert decision["chosen_option_id"] is None
    assert decision["deviation_note"] == "Declines radiotherapy"
    assert decision["meeting_id"] == meeting["id"]

    reasons = client.get("/api/deviation-reasons", headers=bearer(Role.viewer)).json()
    display = next(r["display"] for r in reasons if r["code"] == "patient-refuses")
    row = dom(client.get(f"/cases/{stored}").text).by_id(f"decision-{decision['id']}").text()
    assert "patient-refuses" in row and display in row and "Colorectal MDT" in row
    assert "Patient preference" in row and "Deviation" in row


def test_a_listed_alternative_cannot_be_recorded_as_a_deviation(client, stored):
    """The category follows from the option: an option the assessment lists is offered, and
    accepted, only as an alternative."""
    alternative = _an_alternative(client, stored)
    sign_in(client, Role.clinician)
    page = dom(client.get(f"/cases/{stored}").text)
    offered = [o.attrs["value"] for o in page.by_id("f-deviation_option_id").find_all("option")]
    assert alternative not in offered
    refused = post_decision(
        client,
        stored,
        mode="deviate",
        deviation_option_id=alternative,
        deviation_code="prefers-alternative",
    )
    assert refused.status_code == 422
    assert "Choose an alternative" in dom(refused.text).by_id("f-deviation_option_id-error").text()
    assert api_decisions(client, stored) == []


def test_the_reason_select_offers_the_mdt_reasons_as_hl7_codes(client, stored):
    sign_in(client, Role.clinician)
    page = dom(client.get(f"/cases/{stored}").text)
    options = page.by_id("f-deviation_code").find_all("option")
    offered = {o.attrs["value"]: o.text() for o in options if o.attrs["value"]}
    assert offered == {reason.code: reason.choice for reason in MdtReason}
    assert offered["cds-not-applicable"] == "Other (say what in the note)"


def test_an_alternative_with_a_reason_is_recorded_as_not_followed(client, stored):
    snapshot = latest_assessment(client, stored)
    alternative = next(
        r["id"] for r in snapshot["assessment"]["recommendations"] if r["strength"] == "alternative"
    )
    response = post_decision(
        client,
        stored,
        mode="alternative",
        alternative_option_id=alternative,
        deviation_code="prefers-alternative",
    )
    assert response.status_code == 303, response.text
    [decision] = api_decisions(client, stored)
    assert decision["chosen_option_id"] == alternative
    assert (decision["followed_preferred"], decision["deviation_code"]) == (
        False,
        "prefers-alternative",
    )
    assert decision["category"] == "alternative"


def test_with_several_preferred_options_the_mdt_accepts_the_one_it_names(demo_client):
    case_id = example_ids(demo_client)["stenosis"]
    preferred = latest_assessment(demo_client, case_id)["preferred_ids"]
    assert len(preferred) >= 2
    sign_in(demo_client, Role.clinician)
    page = dom(demo_client.get(f"/cases/{case_id}").text)
    offered = [o.attrs["value"] for o in page.by_id("f-preferred_option_id").find_all("option")]
    assert offered == preferred

    refused = post_decision(
        demo_client, case_id, mode="accept", preferred_option_id="primary.no_such.option"
    )
    assert refused.status_code == 422
    assert dom(refused.text).by_id("f-preferred_option_id-error") is not None
    response = post_decision(demo_client, case_id, mode="accept", preferred_option_id=preferred[1])
    assert response.status_code == 303, response.text[:300]
    [decision] = api_decisions(demo_client, case_id)
    assert (decision["chosen_option_id"], decision["followed_preferred"]) == (preferred[1], True)


def test_a_recorded_parameter_that_is_not_a_decision_of_the_case_shows_no_notice(client, stored):
    sign_in(client, Role.viewer)
    for value in ("abc", "999999"):
        response = client.get(f"/cases/{stored}?recorded={value}")
        assert response.status_code == 200
        assert dom(response.text).by_id("decision-recorded") is None


def _an_alternative(client, case_id: str) -> str:
    recs = latest_assessment(client, case_id)["assessment"]["recommendations"]
    return next(r["id"] for r in recs if r["strength"] == "alternative")


BAD_INPUTS = {
    "no mode": ({"note": "kept note"}, "mode", None),
    "alternative without option": (
        {"mode": "alternative", "deviation_code": "patient-refuses"},
        "alternative_option_id",
        None,
    ),
    "deviate without reason": (
        {"mode": "deviate", "note": "kept note"},
        "deviation_code",
        None,
    ),
    "other without its text": (
        {"mode": "deviate", "deviation_code": "cds-not-applicable"},
        "note",
        "say what the other reason",
    ),
    "unknown code": (
        {"mode": "deviate", "deviation_code": "felt-like-it"},
        "deviation_code",
        "non-adherence",
    ),
    "option not in the assessment": (
        {"mode": "alternative", "alternative_option_id": "primary.no_such.option"},
        "alternative_option_id",
        "not an alternative",
    ),
    "note too long": ({"mode": "accept", "note": "x" * 2001}, "note", "2000"),
    "unknown meeting": ({"mode": "accept", "meeting_id": "99999"}, "meeting_id", None),
}


@pytest.mark.parametrize("name", BAD_INPUTS)
def test_bad_input_is_422_beside_the_field_with_everything_typed_kept(client, stored, name):
    fields, field, message = BAD_INPUTS[name]
    alternative = _an_alternative(client, stored)
    fields = {k: (alternative if v == "ALT" else v) for k, v in fields.items()}
    response = post_decision(client, stored, **fields)
    assert response.status_code == 422, response.text[:500]
    page = dom(response.text)
    error = page.by_id(f"f-{field}-error")
    assert error is not None, f"no f-{field}-error"
    if message:
        assert message in error.text()
    control = page.by_id(f"f-{field}")
    if control is not None and control.tag in ("select", "textarea"):
        assert control.attrs.get("aria-invalid") == "true"
    assert checked_mode(page) == (fields.get("mode") or None)
    for name_ in ("alternative_option_id", "deviation_option_id", "deviation_code", "meeting_id"):
        if fields.get(name_):
            assert selected(page, name_) == fields[name_], name_
    if "note" in fields:
        assert page.by_id("f-note").text() == fields["note"]
    assert api_decisions(client, stored) == []


def test_a_decision_on_an_assessment_replaced_meanwhile_is_refused(client, stored):
    sign_in(client, Role.clinician)
    old = hidden(dom(client.get(f"/cases/{stored}").text), "assessment_id")
    changed = copy.deepcopy(example_case())
    changed["tumour"]["cea_ng_ml"] = 9.0
    put = client.put(
        f"/api/cases/{stored}",
        json={"case": changed, "expected_version": 1},
        headers=bearer(Role.clinician),
    )
    assert put.status_code == 200, put.text
    response = post_decision(client, stored, mode="accept", assessment_id=old)
    assert response.status_code == 422
    page = dom(response.text)
    assert "re-assessed" in page.by_id("f-assessment_id-error").text()
    assert hidden(page, "assessment_id") == str(latest_assessment(client, stored)["id"]) != old
    assert api_decisions(client, stored) == []


def test_a_viewer_sees_no_form_and_cannot_post_one(client, stored):
    token = sign_in(client, Role.viewer)
    page = dom(client.get(f"/cases/{stored}").text)
    section = page.by_id("mdt-decision")
    assert "Viewers cannot record decisions" in section.text()
    assert not section.find_all("form") and not section.find_all("button")
    response = client.post(
        f"/cases/{stored}/decisions",
        data={"csrf_token": token, "mode": "accept"},
        follow_redirects=False,
    )
    assert response.status_code == 403
    assert api_decisions(client, stored) == []


# --- the printable summary --------------------------------------------------------------------


def test_the_printable_summary_has_no_navigation_and_writes_citations_out(demo_client):
    case_id = example_ids(demo_client)["recurrence"]
    snapshot = latest_assessment(demo_client, case_id)
    case = demo_client.get(f"/api/cases/{case_id}", headers=bearer(Role.viewer)).json()
    sign_in(demo_client, Role.viewer)
    response = demo_client.get(f"/cases/{case_id}/summary")
    assert response.status_code == 200
    page = dom(response.text)
    assert not page.find_all("nav")
    assert case_id in page.find_all("title")[0].text()
    text = page.text()
    assert case["pseudonym"] in text
    for rec in snapshot["assessment"]["recommendations"]:
        assert rec["title"] in page.by_id(f"rec-{rec['id']}").text()
        for key in rec["evidence"]:
            assert SOURCES[key].citation in page.by_id(f"ref-{key}").text()
    for warning in snapshot["assessment"]["warnings"]:
        assert warning["message"] in text


def _pdf_streams(data: bytes) -> list[bytes]:
    """The PDF's bytes and each of its Flate-compressed streams, decompressed."""
    chunks = [data]
    for match in re.finditer(rb"stream\r?\n", data):
        try:
            chunks.append(zlib.decompressobj().decompress(data[match.end() :]))
        except zlib.error:
            continue
    return chunks


def _pdf_strings(data: bytes) -> list[str]:
    """The /Title strings of a PDF whose objects may sit in compressed object streams."""
    titles = []
    for chunk in _pdf_streams(data):
        for m in re.finditer(rb"/Title\s*(<[0-9A-Fa-f]+>|\((?:\\.|[^\\)])*\))", chunk):
            raw = m.group(1)
            if raw.startswith(b"<"):
                value = bytes.fromhex(raw[1:-1].decode())
                titles.append(
                    value.decode("utf-16") if value[:2] == b"\xfe\xff" else value.decode()
                )
            else:
                titles.append(raw[1:-1].decode("latin-1"))
    return titles


def test_the_pdf_is_the_summary_with_the_case_id_in_its_title(client, stored):
    sign_in(client, Role.viewer)
    response = client.get(f"/cases/{stored}/summary.pdf")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert f'filename="rectoplan-{stored}.pdf"' in response.headers["content-disposition"]
    assert response.content.startswith(b"%PDF")
    titles = _pdf_strings(response.content)
    assert any(t.startswith(f"MDT summary {stored}") for t in titles), titles


def test_the_pdf_writer_embeds_data_uris_and_fetches_nothing_from_the_network(monkeypatch):
    import matplotlib.pyplot as plt

    from rectoplan.web.pages import pdf
    from rectoplan.web.pages.figures import png_data_uri

    asked: list[str] = []
    make = pdf._offline_fetcher

    def recording():
        fetcher = make()
        fetch = fetcher.fetch

        def spy(url, headers=None):
            asked.append(url)
            return fetch(url, headers)

        fetcher.fetch = spy
        return fetcher

    monkeypatch.setattr(pdf, "_offline_fetcher", recording)

    def line():
        figure, axes = plt.subplots(figsize=(2, 2))
        axes.plot([0, 1], [0, 1])
        return figure

    remote = "http://example.invalid/a.png"
    html = f'<img src="{png_data_uri(line)}" alt="plot"><img src="{remote}" alt="remote">'
    response = pdf.pdf_response(html, "x.pdf")
    assert response.body.startswith(b"%PDF")
    assert remote in asked and any(url.startswith("data:image/png") for url in asked)
    assert b"/Image" in b"".join(_pdf_streams(response.body))
    with pytest.raises(ValueError, match="disallowed protocol"):
        make().fetch(remote)


def test_a_recurrence_is_staged_in_its_own_terms_without_placeholder_t_and_n(client):
    """Issue 13: a local recurrence has no T or N of its own; the page names its compartments
    and the primary's stage in the basis, and its M, never "T? N?"."""
    case = example_case("seed002_posterior_recurrence")
    stored = client.post("/api/cases", json={"case": case}, headers=bearer(Role.clinician))
    assert stored.status_code == 201, stored.text
    sign_in(client, Role.viewer)
    page = client.get(f"/cases/{case['case_id']}").text
    assert "T?" not in page and "N?" not in page
    group = re.search(r'id="stage-group">(.*?)</dd>', page, re.S).group(1)
    assert group.startswith("Local recurrence") and "posterior compartment" in group
    assert re.search(r'<dt>Distant metastases</dt>\s*<dd id="stage-tnm">M0</dd>', page)
