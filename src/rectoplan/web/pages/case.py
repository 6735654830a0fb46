"""The case page: timeline, stage and risk, recommendations with evidence, the MDT decision form,
and the printable case summary (HTML and PDF).

Everything the MDT sees is read from the stored case and its latest assessment snapshot, the
same snapshot a decision recorded here is judged against, so the page cannot show one set of
options while the registry measures concordance against another. Decisions go through the
registry's service (`rectoplan.registry.case_services.record_case_decision`), so the page and
the API apply one set of rules (coded deviations, ``followed_preferred`` computed, not typed).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request, status
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from rectoplan.clinical.case import Case
from rectoplan.errors import InvalidRecordError
from rectoplan.evidence import SOURCES, Source
from rectoplan.mdt_reasons import MdtReason, reason_of
from rectoplan.pathways import assess
from rectoplan.pathways.recommendation import Strength, catalogue
from rectoplan.registry import agenda, episodes
from rectoplan.registry import case_page as case_services
from rectoplan.registry import meetings as board
from rectoplan.registry.codes import check_deviation_code, deviation_reasons
from rectoplan.registry.records import ALTERNATIVE_STRENGTHS as ALTERNATIVE_STRENGTH_NAMES
from rectoplan.registry.users import Role
from rectoplan.reports import labels
from rectoplan.web.case_views import CaseId, case_out
from rectoplan.web.deps import Principal
from rectoplan.web.pages.entry import record_parts
from rectoplan.web.pages.header import patient_header
from rectoplan.web.pages.pdf import letterhead, pdf_response
from rectoplan.web.pages.render import messages_by_field, render
from rectoplan.web.pages.session import page_reader, page_role, page_writer
from rectoplan.web.schemas import CaseOut, DecisionCreate

if TYPE_CHECKING:
    from rectoplan.registry import models

router = APIRouter(include_in_schema=False)

STRENGTH_LABELS = {
    Strength.preferred: "Preferred",
    Strength.alternative: "Alternative",
    Strength.consider: "Consider",
    Strength.not_recommended: "Not recommended",
}
"""The badge text: a strength is always written out, never shown by colour alone."""

STRENGTH_BADGES = {
    Strength.preferred: "strong",
    Strength.alternative: "conditional",
    Strength.consider: "consider",
    Strength.not_recommended: "not_recommended",
}

MODES = ("accept", "alternative", "deviate")
ALTERNATIVE_STRENGTHS = tuple(Strength(s) for s in ALTERNATIVE_STRENGTH_NAMES)
""""Choose an alternative" offers what the engine listed as reasonable (the registry's
`ALTERNATIVE_STRENGTHS`); "Deviate" offers the rest (a not-recommended option, or none). The
registry derives the category from the option chosen, so each option is offered under one
mode only."""
CATEGORY_LABELS = {
    "concordant": "Concordant (preferred option)",
    "alternative": "Alternative (a listed option)",
    "deviation": "Deviation",
}

FORM_FIELDS = (
    "mode",
    "preferred_option_id",
    "alternative_option_id",
    "deviation_option_id",
    "deviation_code",
    "note",
    "meeting_id",
    "urgency_reason",
    "assessment_id",
)
PRESENTATION = re.compile(r"/meetings/\d{1,10}/present/\d{1,4}")
"""Where the decision form may send the browser back to: a meeting's presentation step."""
MEETINGS_OFFERED = 50
"""Meetings offered in the form's select, most recent first (a decision is recorded soon after
the meeting; an older one can still be linked through the API)."""

DOI = re.compile(r"doi:\s*(10\.\d{4,9}/\S+?)\.?(?:\s|$)", re.IGNORECASE)


def _words(value: Any) -> str:
    """An enum value in clinical words (``isr_partial`` -> "Partial intersphincteric ...")."""
    return labels.label(value)


# --- the timeline --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """One step of the case; ``date`` is None when the record gives none."""

    date: dt.date | None
    title: str
    detail: str


def _joined(*parts: str | None) -> str:
    return "; ".join(p for p in parts if p)


def _fmt(value: Any, template: str) -> str | None:
    """``template.format(value)``, or None when the record leaves ``value`` out."""
    if value is None or value == ():
        return None
    return template.format(_words(value) if isinstance(value, str) else value)


def _yes_no(value: bool | None, name: str) -> str | None:
    return None if value is None else f"{name} {'positive' if value else 'negative'}"


def _diagnosis(case: Case) -> TimelineEntry:
    t, p = case.tumour, case.patient
    detail = _joined(
        f"{p.age_years}-year-old, {_words(p.sex).lower()}",
        f"{t.distance_from_anal_verge_cm:g} cm from the anal verge",
        f"longest diameter {t.longest_diameter_cm:g} cm",
        _words(t.histology),
        _fmt(t.grade, "{}"),
        _fmt(t.mmr_status, "{}"),
        _fmt(t.cea_ng_ml, "CEA {:g} ng/mL"),
    )
    return TimelineEntry(case.diagnosis_date, "Diagnosis", detail)


def _mri(case: Case) -> list[TimelineEntry]:
    mri = case.mri
    entries = []
    if mri is not None:
        detail = _joined(
            f"c{mri.ct} c{mri.cn}",
            _fmt(mri.extramural_depth_mm, "extramural depth {:g} mm"),
            _fmt(mri.mrf_distance_mm, "MRF distance {:g} mm"),
            _yes_no(mri.emvi, "EMVI"),
            _fmt(len(mri.lateral_nodes) or None, "{} lateral node(s)"),
            _fmt(mri.distance_to_anorectal_ring_mm, "lower edge {:g} mm from the anorectal ring"),
        )
        entries.append(TimelineEntry(mri.date, "Baseline MRI", detail))
    if case.distant is not None:
        sites = labels.listed(case.distant.sites, empty="no metastases")
        entries.append(
            TimelineEntry(case.distant.date, "Distant staging", f"c{case.distant.cm}: {sites}")
        )
    return entries


def _neoadjuvant(case: Case) -> list[TimelineEntry]:
    therapy = case.neoadjuvant
    if therapy is None:
        return []
    entries = []
    if (rt := therapy.radiotherapy) is not None:
        detail = _joined(
            f"{rt.total_dose_gy:g} Gy in {rt.fractions} fractions",
            _fmt(rt.concurrent_chemotherapy, "with {}"),
            _fmt(rt.end_date, "until {}"),
        )
        entries.append(TimelineEntry(rt.start_date, "Radiotherapy", detail))
    for course in therapy.chemotherapy:
        detail = _joined(
            f"{_words(course.regimen)} ({course.timing})",
            _fmt(course.cycles, "{} cycles"),
            _fmt(course.end_date, "until {}"),
        )
        entries.append(TimelineEntry(course.start_date, "Chemotherapy", detail))
    if (immuno := therapy.immunotherapy) is not None:
        detail = _joined(immuno.agent, _fmt(immuno.cycles, "{} cycles"))
        entries.append(TimelineEntry(immuno.start_date, "Immunotherapy", detail))
    return entries


def _restaging(case: Case) -> list[TimelineEntry]:
    r = case.restaging
    if r is None:
        return []
    detail = _joined(
        _fmt(r.yct, "yc{}"),
        _fmt(r.ycn, "yc{}"),
        _fmt(r.mrtrg, "mrTRG {}"),
        _fmt(r.endoscopy, "endoscopy: {}"),
        _fmt(r.residual_size_cm, "residual {:g} cm"),
    )
    return [TimelineEntry(r.date, "Restaging", detail or "no findings recorded")]


def _pathology(case: Case) -> list[TimelineEntry]:
    path = case.pathology
    if path is None:
        return []
    nodes = None
    if path.nodes_examined is not None:
        nodes = f"{path.nodes_positive or 0}/{path.nodes_examined} nodes positive"
    regression = path.regression
    detail = _joined(
        f"{path.prefix}{path.t}" + (f" {path.prefix}{path.n}" if path.n else ""),
        nodes,
        _fmt(path.crm_distance_mm, "CRM {:g} mm"),
        _fmt(path.tme_grade, "TME {}"),
        regression and f"regression {_words(regression.scale)} {regression.grade}",
    )
    return [TimelineEntry(path.date, f"Pathology ({_words(path.specimen)})", detail)]


def _surgery(case: Case) -> list[TimelineEntry]:
    operations = [
        TimelineEntry(
            op.date,
            "Operation",
            _joined(_words(op.type), _fmt(op.approach, "{}"), "with stoma" if op.stoma else None),
        )
        for op in case.operations
    ]
    complications = [
        TimelineEntry(
            c.date, f"Complication ({labels.clavien_dindo(c.clavien_dindo)})", c.description
        )
        for c in case.complications
    ]
    return [*operations, *_pathology(case), *complications]


def _later(case: Case) -> list[TimelineEntry]:
    entries = []
    if (rec := case.recurrence) is not None:
        detail = _joined(
            "compartments: " + labels.listed(rec.compartments),
            _fmt(labels.listed(rec.fixed_to) if rec.fixed_to else None, "fixed to {}"),
            _fmt(rec.highest_sacral_level, "sacrum involved up to {}"),
        )
        entries.append(TimelineEntry(rec.date, "Local recurrence", detail))
    if (sten := case.stenosis) is not None:
        detail = _joined(
            _fmt(sten.months_since_surgery, "{:g} months after surgery"),
            f"{_words(sten.morphology)}, {sten.length_mm:g} mm long",
            _fmt(sten.diameter_mm, "lumen {:g} mm"),
        )
        entries.append(TimelineEntry(None, "Anastomotic stenosis", detail))
        entries += [
            TimelineEntry(
                p.date,
                _words(p.type),
                _joined(
                    _fmt(p.balloon_mm, "{:g} mm balloon"),
                    _fmt(p.result, "{}"),
                    _fmt(p.rings_passed_day, "rings passed on day {}"),
                ),
            )
            for p in sten.procedures
        ]
        if sten.rings:
            rings = (
                f"{sten.rings[0].describe()}, both rings"
                if len(sten.rings) == 1 or sten.rings[0] == sten.rings[-1]
                else f"lower {sten.rings[0].describe()}, upper {sten.rings[-1].describe()}"
            )
            gap = f"across {sten.gap_mm:g} mm"
            entries.append(TimelineEntry(None, "Planned magnetic compression", f"{rings}; {gap}"))
    return entries


def _follow_up(case: Case) -> list[TimelineEntry]:
    """Follow-up events of the case (the registry's event rows project these, so they are not
    read a second time)."""
    return [TimelineEntry(e.date, _words(e.kind), "") for e in case.follow_up]


def case_timeline(case: Case, episode: models.Episode) -> list[TimelineEntry]:
    """The case's steps in clinical order, then sorted by date.

    An undated step keeps its place after the dated step before it (a baseline MRI follows
    the diagnosis, pathology follows the operation), so dates order the timeline without
    pushing undated steps to either end."""
    steps = [
        _diagnosis(case),
        *_mri(case),
        *_neoadjuvant(case),
        *_restaging(case),
        *_surgery(case),
        *_later(case),
        *_follow_up(case),
    ]
    keyed, carried = [], dt.date.min
    for order, step in enumerate(steps):
        carried = step.date or carried
        keyed.append((carried, order, step))
    return [step for _date, _order, step in sorted(keyed, key=lambda k: (k[0], k[1]))]


# --- the assessment ------------------------------------------------------------------------


def _strength(value: str) -> Strength | None:
    try:
        return Strength(value)
    except ValueError:
        return None


def _option_view(rec: dict[str, Any]) -> dict[str, Any]:
    strength = _strength(rec.get("strength", ""))
    return {
        **rec,
        "strength_label": STRENGTH_LABELS.get(strength, _words(rec.get("strength", ""))),
        "badge": STRENGTH_BADGES.get(strength, ""),
        "preferred": strength is Strength.preferred,
        "sources": [(key, SOURCES.get(key)) for key in rec.get("evidence", ())],
    }


def assessment_view(snapshot: models.Assessment, case: Case) -> dict[str, Any]:
    """What the page shows of a snapshot: its own stage, risk and options.

    A snapshot written before the engine recorded the stage lacks it; only then is the stored
    case assessed again, for stage and risk group alone (the options stay the snapshot's)."""
    data = snapshot.assessment_json
    view = {
        "id": snapshot.id,
        "created_at": snapshot.created_at,
        "engine_version": snapshot.engine_version,
        "phase": data.get("phase"),
        "pathways": list(data.get("pathways") or ()),
        "stage": data.get("stage"),
        "risk_group": data.get("risk_group"),
        "findings": list(data.get("findings") or ()),
        "warnings": list(data.get("warnings") or ()),
        "options": [_option_view(r) for r in data.get("recommendations") or ()],
        "preferred_ids": list(snapshot.preferred_ids or ()),
        "recomputed": False,
    }
    if "stage" not in data or "risk_group" not in data:
        fresh = assess(case)
        view["stage"] = fresh.stage.model_dump(mode="json") if fresh.stage else None
        view["risk_group"] = fresh.risk_group
        view["recomputed"] = True
    preferred = set(view["preferred_ids"])
    options = view["options"]
    view["preferred_options"] = [o for o in options if o["id"] in preferred]
    view["alternative_options"] = [
        o
        for o in options
        if o["id"] not in preferred and _strength(o["strength"]) in ALTERNATIVE_STRENGTHS
    ]
    listed = {o["id"] for o in view["alternative_options"]}
    view["other_options"] = [o for o in options if o["id"] not in preferred | listed]
    return view


def _option_title(option_id: str | None, snapshot: models.Assessment) -> str | None:
    if option_id is None:
        return None
    for rec in snapshot.assessment_json.get("recommendations") or ():
        if rec.get("id") == option_id:
            return rec.get("title")
    known = catalogue().get(option_id)
    return known.title if known else None


def decision_rows(episode: models.Episode, latest_id: int) -> list[dict[str, Any]]:
    """The recorded decisions, oldest first, with what a reader needs beside the codes."""
    reasons = deviation_reasons()
    rows = []
    for d in episode.decisions:
        reason = reasons.get(d.deviation_code) if d.deviation_code else None
        rows.append(
            {
                "id": d.id,
                "decided_at": d.decided_at,
                "decided_by": d.decided_by,
                "chosen_option_id": d.chosen_option_id,
                "chosen_title": _option_title(d.chosen_option_id, d.assessment),
                "followed_preferred": d.followed_preferred,
                "category": d.category.value,
                "category_label": CATEGORY_LABELS[d.category.value],
                "deviation_code": d.deviation_code,
                "deviation_display": reason.display if reason else None,
                "deviation_reason": (
                    reason_of(d.deviation_code, reason.category).label if reason else None
                ),
                "note": d.deviation_note,
                "meeting": d.meeting,
                "assessment_id": d.assessment_id,
                "on_latest": d.assessment_id == latest_id,
            }
        )
    return rows


# --- the page's context --------------------------------------------------------------------


def _reason_choices(typed: str) -> list[tuple[str, str]]:
    """The MDT's seven reasons, each sent as the HL7 code it is stored as; a valid code typed
    in (through the API's vocabulary) is kept under the reason it reads as."""
    choices = [(reason.code, reason.choice) for reason in MdtReason]
    reasons = deviation_reasons()
    if typed and typed not in [code for code, _ in choices] and typed in reasons:
        reason = reason_of(typed, reasons[typed].category)
        label = reason.label if reason else typed
        choices.append((typed, f"{label} ({reasons[typed].display})"))
    return choices


def _meetings(db: Session) -> list[Any]:
    return case_services.recent_meetings(db, MEETINGS_OFFERED)


def _links(stored: CaseOut, pathways: list[str], can_edit: bool) -> list[tuple[str, str]]:
    """The case's actions this user can take (a viewer is not offered an edit)."""
    base = "/cases/" + quote(stored.case_id, safe="")
    links = [("Edit referral and baseline", f"{base}/edit")] if can_edit else []
    links += [
        ("Printable summary", f"{base}/summary"),
        ("Download PDF", f"{base}/summary.pdf"),
    ]
    if "recurrence" in pathways:
        links.append(("Sacrectomy plan", f"{base}/sacrectomy"))
    if "stenosis" in pathways:
        links.append(("Stenosis planner", f"/planner/stenosis?case_id={quote(stored.case_id)}"))
    return links


def latest_view(db: Session, case_id: str) -> tuple[CaseOut, models.Assessment, dict[str, Any]]:
    """The stored case, its latest snapshot and the page's view of it (404 if no such case)."""
    stored = case_out(db, case_id)
    snapshot = case_services.snapshot(db, stored.latest_assessment_id)
    return stored, snapshot, assessment_view(snapshot, stored.case)


def _kept(choices: list[tuple[str, str]], typed: str, what: str) -> list[tuple[str, str]]:
    """``choices``, plus what the user sent if it is not among them, so a rejected form still
    shows the value beside the message saying what is wrong with it."""
    if typed and typed not in [value for value, _label in choices]:
        return [*choices, (typed, f"{typed} ({what})")]
    return choices


def _form_choices(view: dict[str, Any], values: dict[str, str], meetings) -> dict[str, list]:
    def labelled(options: list[dict[str, Any]]) -> list[tuple[str, str]]:
        return [(o["id"], f"{o['title']} ({o['strength_label']})") for o in options]

    unknown = "not an option of this assessment"
    preferred = [(o["id"], o["title"]) for o in view["preferred_options"]]
    return {
        "preferred_option_id": _kept(preferred, values.get("preferred_option_id", ""), unknown),
        "alternative_option_id": _kept(
            labelled(view["alternative_options"]), values.get("alternative_option_id", ""), unknown
        ),
        "deviation_option_id": _kept(
            labelled(view["other_options"]), values.get("deviation_option_id", ""), unknown
        ),
        "meeting_id": _kept(meetings, values.get("meeting_id", ""), "unknown meeting"),
    }


def case_context(
    db: Session,
    case_id: str,
    user: Principal | None,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    recorded: int | None = None,
) -> dict[str, Any]:
    """Everything the case page and the printable summary show (404 for an unknown case)."""
    stored, snapshot, view = latest_view(db, case_id)
    episode = episodes.episode_by_case_id(db, case_id)
    decisions = decision_rows(episode, snapshot.id)
    preferred = view["preferred_ids"]
    # The form always carries the snapshot shown now: after "the case was re-assessed" the
    # user has seen the new options, and sending the form again records against them.
    typed = {name: value for name, value in (values or {}).items() if value}
    values = {
        "preferred_option_id": (preferred or [""])[0],
        **typed,
        "assessment_id": str(snapshot.id),
    }
    offered = _meetings(db)
    meetings = [(str(m.id), f"{m.held_on} · {m.title}") for m in offered]
    values.setdefault("meeting_id", _meeting_in_progress(db, episode.id, offered))
    can_edit = user is not None and user.role.allows(Role.clinician)
    return {
        "nav": "cases",
        "stored": stored,
        "case": stored.case,
        "assessment": view,
        "timeline": case_timeline(stored.case, episode),
        "decisions": decisions,
        "recorded": next((d for d in decisions if d["id"] == recorded), None),
        "links": _links(stored, view["pathways"], can_edit),
        "can_decide": can_edit,
        "can_edit": can_edit,
        "header": patient_header(stored),
        "record_parts": record_parts(stored) if can_edit else [],
        "reason_choices": _reason_choices(values.get("deviation_code", "")),
        "choices": _form_choices(view, values, meetings),
        "values": values,
        "errors": errors or {},
        "now": dt.datetime.now(dt.UTC),
        "case_url": "/cases/" + quote(stored.case_id, safe=""),
        "next_meeting": board.next_meeting(db),
        "can_schedule": user is not None and user.role.allows(Role.coordinator),
    }


def _meeting_in_progress(db: Session, episode_id: int, offered) -> str:
    """The meeting the decision form preselects: a meeting of today or yesterday that has
    started, not yet signed off, with this case on its agenda (the one the team is sitting in),
    else none."""
    recent = dt.date.today() - dt.timedelta(days=1)
    for meeting in offered:
        started = board.has_started(meeting)
        if meeting.held_on >= recent and started and meeting.signed_off_at is None:
            listed = {item.episode_id for item in agenda.agenda(db, meeting.id)}
            if episode_id in listed:
                return str(meeting.id)
    return ""


# --- the decision form ---------------------------------------------------------------------


def _choice_errors(values: dict[str, str], view: dict[str, Any]) -> tuple[str | None, dict]:
    """The option the form chose for its mode, or what is wrong with the choice."""
    mode = values["mode"]
    preferred = view["preferred_ids"]
    if mode not in MODES:
        return None, {
            "mode": "Choose one: accept the preferred option, choose an alternative, "
            "or deviate from the recommendations."
        }
    if mode == "accept":
        if not preferred:
            return None, {
                "mode": "This assessment prefers no option: choose an alternative or deviate."
            }
        chosen = values["preferred_option_id"] or (preferred[0] if len(preferred) == 1 else "")
        if chosen not in preferred:
            return None, {"preferred_option_id": "Choose one of the preferred options."}
        return chosen, {}
    if mode == "alternative":
        chosen = values["alternative_option_id"]
        allowed = [o["id"] for o in view["alternative_options"]]
        if not chosen:
            return None, {"alternative_option_id": "Choose the alternative the MDT chose."}
        if chosen not in allowed:
            return None, {
                "alternative_option_id": f"{chosen!r} is not an alternative of this "
                "assessment; choose one from the list."
            }
        return chosen, {}
    chosen = values["deviation_option_id"] or None
    errors = {}
    if not values["deviation_code"]:
        errors["deviation_code"] = "Give the coded reason for deviating."
    if chosen is not None and chosen in [o["id"] for o in view["alternative_options"]]:
        errors["deviation_option_id"] = (
            f"{chosen!r} is an alternative this assessment lists: record it under "
            "“Choose an alternative”."
        )
    elif chosen is not None and chosen not in [o["id"] for o in view["other_options"]]:
        errors["deviation_option_id"] = (
            f"{chosen!r} is not an option of this assessment; choose one from the list or "
            "leave it empty."
        )
    return chosen, errors


def _form_errors(values: dict[str, str], view: dict[str, Any], meeting_ids: list[str]) -> dict:
    errors: dict[str, str] = {}
    if values["assessment_id"] and values["assessment_id"] != str(view["id"]):
        errors["assessment_id"] = (
            "The case was re-assessed after this page was opened: review the recommendations "
            "now shown and record the decision again."
        )
    if values["deviation_code"]:
        try:
            check_deviation_code(values["deviation_code"])
        except ValueError as exc:
            errors["deviation_code"] = str(exc)
    if values["meeting_id"] and values["meeting_id"] not in meeting_ids:
        errors["meeting_id"] = "Choose a meeting from the list (or none)."
    return errors


def _field_for(registry_field: str, mode: str) -> str:
    """The form field beside which a registry or schema error about ``registry_field`` shows."""
    option_field = {
        "accept": "preferred_option_id",
        "alternative": "alternative_option_id",
        "deviate": "deviation_option_id",
    }.get(mode, "mode")
    if registry_field == "chosen_option_id":
        return option_field
    if registry_field == "deviation_note":
        return "note"
    if registry_field.startswith("meeting") or registry_field == "amendment_reason":
        return "meeting_id"
    return registry_field if registry_field in FORM_FIELDS else "mode"


def _record(
    db: Session, case_id: str, values: dict[str, str], chosen: str | None
) -> tuple[int | None, dict[str, str]]:
    """Record through the registry's service (as the API does); its schema and registry errors
    by form field. Who decided is the signed-in user (`case_page.record_case_decision`)."""
    mode = values["mode"]
    try:
        body = DecisionCreate(
            chosen_option_id=chosen,
            deviation_code=values["deviation_code"] or None,
            deviation_note=values["note"].strip() or None,
            meeting_id=int(values["meeting_id"]) if values["meeting_id"] else None,
            urgency_reason=values["urgency_reason"].strip() or None,
            add_to_agenda=values.get("add_to_agenda") == "1",
            assessment_id=int(values["assessment_id"]) if values["assessment_id"] else None,
        )
        # the API's schema holds exactly the service's keywords
        made = case_services.record_case_decision(db, case_id, **body.model_dump())
    except ValidationError as exc:
        found = messages_by_field(exc)
        return None, {_field_for(name, mode): message for name, message in found.items()}
    except InvalidRecordError as exc:
        db.rollback()
        return None, {_field_for(e.field, mode): e.message for e in exc.errors}
    return made.id, {}


@router.post("/cases/{case_id}/decisions")
def record_decision(
    request: Request,
    case_id: CaseId,
    db: Session = page_writer(Role.clinician),
    user: Principal = Depends(page_role(Role.clinician)),
    mode: Annotated[str, Form()] = "",
    preferred_option_id: Annotated[str, Form()] = "",
    alternative_option_id: Annotated[str, Form()] = "",
    deviation_option_id: Annotated[str, Form()] = "",
    deviation_code: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
    meeting_id: Annotated[str, Form()] = "",
    urgency_reason: Annotated[str, Form(max_length=2000)] = "",
    add_to_agenda: Annotated[str, Form(max_length=1)] = "",
    back_to: Annotated[str, Form(max_length=200)] = "",
    assessment_id: Annotated[str, Form()] = "",
) -> Response:
    """Record the MDT's decision from the form; on bad input show the page again (422) with
    each message beside its field and everything typed kept. ``back_to`` (a meeting's
    presentation, which posts this form) is where a recorded decision returns to."""
    values = {
        "mode": mode.strip(),
        "preferred_option_id": preferred_option_id.strip(),
        "alternative_option_id": alternative_option_id.strip(),
        "deviation_option_id": deviation_option_id.strip(),
        "deviation_code": deviation_code.strip(),
        "note": note,
        "meeting_id": meeting_id.strip(),
        "urgency_reason": urgency_reason,
        "add_to_agenda": add_to_agenda.strip(),
        "assessment_id": assessment_id.strip(),
    }
    _stored, _snapshot, view = latest_view(db, case_id)
    meeting_ids = [str(m.id) for m in _meetings(db)]
    chosen, errors = _choice_errors(values, view)
    errors = {**_form_errors(values, view, meeting_ids), **errors}
    if not errors:
        decision_id, errors = _record(db, case_id, values, chosen)
        if not errors:
            target = f"/cases/{quote(case_id, safe='')}?recorded={decision_id}#decisions"
            if PRESENTATION.fullmatch(back_to):
                target = f"{back_to}?recorded={decision_id}"
            return RedirectResponse(target, status_code=status.HTTP_303_SEE_OTHER)
    context = case_context(db, case_id, user, values, errors)
    return render(
        request,
        "case/page.html",
        context,
        user=user,
        status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
    )


# --- the pages -----------------------------------------------------------------------------


@router.get("/cases/{case_id}")
def case_page(
    request: Request,
    case_id: CaseId,
    recorded: str | None = None,
    db: Session = page_reader(Role.viewer),
    user: Principal = Depends(page_role(Role.viewer)),
) -> Response:
    """The case for the MDT's projector: what happened, what the engine says, what was decided.

    ``recorded`` names the decision just recorded (the redirect after the form); a value that
    is not one of this case's decisions is ignored rather than answered with an error."""
    decision_id = int(recorded) if recorded and recorded.isdigit() else None
    context = case_context(db, case_id, user, recorded=decision_id)
    return render(request, "case/page.html", context, user=user)


def _summary(
    request: Request, db: Session, case_id: str, user: Principal, pdf: bool = False
) -> Response:
    context = {
        **case_context(db, case_id, user),
        "pdf": pdf,
        "letterhead": letterhead(request.app.state.settings),
    }
    cited = {key for o in context["assessment"]["options"] for key, _s in o["sources"]}
    context["references"] = [(key, SOURCES[key]) for key in sorted(cited) if key in SOURCES]
    return render(request, "case/summary.html", context, user=user)


@router.get("/cases/{case_id}/summary")
def case_summary(
    request: Request,
    case_id: CaseId,
    db: Session = page_reader(Role.viewer),
    user: Principal = Depends(page_role(Role.viewer)),
) -> Response:
    """The MDT summary on paper: no navigation, every citation written out in full."""
    return _summary(request, db, case_id, user)


@router.get("/cases/{case_id}/summary.pdf")
def case_summary_pdf(
    request: Request,
    case_id: CaseId,
    db: Session = page_reader(Role.viewer),
    user: Principal = Depends(page_role(Role.viewer)),
) -> Response:
    """The printable summary as a PDF (the same template, so the two cannot differ)."""
    html = _summary(request, db, case_id, user, pdf=True)
    return pdf_response(html, f"rectoplan-{case_id}.pdf")


def source_links(source: Source) -> list[tuple[str, str]]:
    """Where a reader can find the source: its URL (if it is one) and its DOI."""
    links = []
    if source.url.startswith(("http://", "https://")):
        links.append((source.url, source.url))
    if match := DOI.search(source.citation):
        links.append((f"https://doi.org/{match.group(1)}", f"doi:{match.group(1)}"))
    return links


@router.get("/evidence")
def evidence_page(
    request: Request,
    _db: Session = page_reader(Role.viewer),
    user: Principal = Depends(page_role(Role.viewer)),
) -> Response:
    """Every registered source, each at ``/evidence#<key>``, with the options that cite it."""
    cited_by: dict[str, list[str]] = {}
    for option in catalogue().values():
        for key in option.evidence:
            cited_by.setdefault(key, []).append(option.title)
    sources = [
        {"key": key, "source": s, "links": source_links(s), "cited_by": cited_by.get(key, [])}
        for key, s in sorted(SOURCES.items())
    ]
    return render(request, "case/evidence.html", {"sources": sources}, user=user)
