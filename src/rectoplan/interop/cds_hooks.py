"""CDS Hooks 2.0 for RectoPlan: discovery, patient-view cards, feedback, as pure functions.

An EHR that opens a patient's chart calls the ``patient-view`` hook; RectoPlan answers with one
card per *preferred* option of the guideline engine for that patient's case (the options the
MDT would be expected to follow), plus one warning card when the engine flagged missing or
doubtful data, or findings, that could change them.
Feedback on those cards (accepted, or overridden with a reason) is what the concordance audit
counts, so override reasons are offered from the HL7 non-adherence CodeSystem the registry
already codes deviations with (`rectoplan.registry.codes`) and feedback is checked against it.

No web framework here: the web layer wires these into routes; a body that cannot be used is
an `InvalidRecordError` whose `FieldError`s each name the element by its JSON pointer
(``/feedback/0/outcomeTimestamp``), answered like every other bad input.

Card uuids are uuid5 of (case, recommendation id, engine version): the same advice on the same
case gets the same uuid on every call, so feedback can be matched to a recommendation without
storing each response, and a new engine version (possibly different advice) gets new uuids.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any, Literal

from rectoplan.errors import FieldError, InvalidRecordError
from rectoplan.evidence import Source, lookup
from rectoplan.interop.cds_schemas import ABSOLUTE_URL, SUMMARY_MAX, validate
from rectoplan.pathways.recommendation import Assessment, Recommendation
from rectoplan.pathways.recommendation import Warning as DataWarning
from rectoplan.registry.codes import check_deviation_code, code_system, deviation_reasons

SERVICE_ID = "rectoplan-patient-view"
HOOK = "patient-view"

OVERRIDE_REASON_CODES: tuple[str, ...] = (
    "patient-refuses",
    "prefers-alternative",
    "patient-contraindication",
    "comorbidity-disability",
    "patient-ineligible",
    "risk-benefit-ratio",
    "expert-contradicts",
    "policy-contradicts",
    "need-more-info",
    "service-not-available",
)
"""The reasons an MDT most often records for not following the preferred option (patient
choice, contraindication or frailty, a different expert or local view, missing results, no
access), a subset of the CodeSystem short enough to pick from when dismissing a card."""

_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:rectoplan:cds-hooks:card")
_WARNINGS_KEY = "warnings"  # never a recommendation id: those always contain a dot
_LABEL_MAX = 60
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|~#!&])")
_HTTP_URL = re.compile(r"^https?://[^\s()<>]+$")
# "Glynne-Jones R," "van der Valk MJM," "Rivera Vega J," "Pratik et al."
_FIRST_AUTHOR = re.compile(
    r"^((?:[a-z]+ )*[A-Z][\w'-]+(?: [A-Z][a-z][\w'-]*)?) (?:[A-Z]{1,4}[,.]|et al)"
)
_CLAUSE_END = re.compile(r"(?<=[.:;,])\s|\s\(")


def _refused(errors: list[str]) -> InvalidRecordError:
    """A CDS Hooks body that cannot be used: each "JSON pointer: message" line a `FieldError`."""
    return InvalidRecordError(FieldError(*line.split(": ", 1)) for line in errors)


@dataclass(frozen=True, slots=True)
class FeedbackEntry:
    """One card outcome reported by the EHR, ready to store against the card's recommendation."""

    card: str
    outcome: Literal["accepted", "overridden"]
    outcome_timestamp: datetime  # always UTC
    accepted_suggestions: tuple[str, ...] = ()
    reason_code: str | None = None  # a code of the non-adherence CodeSystem
    reason_display: str | None = None  # its display as published in the CodeSystem
    user_comment: str | None = None


def discovery() -> dict[str, Any]:
    """The body of ``GET /cds-services``: RectoPlan's one service."""
    return {
        "services": [
            {
                "hook": HOOK,
                "id": SERVICE_ID,
                "title": "RectoPlan rectal-cancer MDT recommendations",
                "description": (
                    "The preferred options of the RectoPlan guideline engine for the patient's "
                    "current rectal-cancer case, each with its evidence and a link to the case, "
                    "and a warning when flagged data or findings could change them."
                ),
                "prefetch": {"patient": "Patient/{{context.patientId}}"},
                "usageRequirements": (
                    "The EHR patient id must be linked to a RectoPlan case: cards come from the "
                    "case as last recorded in RectoPlan, not from the chart. Feedback (accepted, "
                    "or overridden with a non-adherence reason) is kept for the MDT audit."
                ),
            }
        ]
    }


def card_uuid(case_id: str, key: str, engine_version: str) -> str:
    """The stable uuid of the card for ``key`` (a recommendation id, or "warnings") of a case."""
    return str(uuid.uuid5(_NAMESPACE, f"{case_id}|{key}|{engine_version}"))


def _suggestion_uuid(card: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"{card}|agree"))


def _fit(text: str, limit: int) -> str:
    """``text`` on one line and at most ``limit`` characters: cut at a word boundary when one
    is near the end, and marked with an ellipsis so a reader knows there is more."""
    line = " ".join(text.split())
    if len(line) <= limit:
        return line
    cut = line[: limit - 1]
    space = cut.rfind(" ")
    if space >= limit * 2 // 3:
        cut = cut[:space]
    return cut.rstrip(" ,;:.-") + "…"


def _md(text: str) -> str:
    """Engine text as inert one-line markdown: the EHR renders `detail` as GitHub markdown,
    and case-derived text must not become HTML, links or a broken list."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def _http_url(url: str) -> str | None:
    """``url`` if an EHR can open it as is (the registry also keeps bare host paths)."""
    return url if _HTTP_URL.match(url) else None


def short_label(source: Source) -> str:
    """ "Glynne-Jones et al. 2017" for a journal citation; otherwise the citation's first clause
    and year ("NCCN Guidelines Insights 2024"), short enough for a card's source line."""
    citation, year = source.citation, str(source.year)
    author = _FIRST_AUTHOR.match(citation)
    if author:
        several = "," in citation.split(". ", 1)[0] or "et al" in author.group(0)
        return _fit(f"{author.group(1)}{' et al.' if several else ''} {year}", _LABEL_MAX)
    clause = _CLAUSE_END.split(citation, maxsplit=1)[0].rstrip(".:;,")
    if year in clause:
        return _fit(clause, _LABEL_MAX)
    return f"{_fit(clause, _LABEL_MAX - len(year) - 1)} {year}"


@cache
def override_reasons() -> tuple[dict[str, str], ...]:
    """`OVERRIDE_REASON_CODES` as CDS Hooks Codings (display as published, as the spec asks)."""
    system = code_system()["url"]
    reasons = deviation_reasons()
    return tuple(
        {"system": system, "code": check_deviation_code(c), "display": reasons[c].display}
        for c in OVERRIDE_REASON_CODES
    )


def _bullets(title: str, items: Iterable[str]) -> list[str]:
    lines = [f"- {item}" for item in items]
    return [f"**{title}**", "", *lines, ""] if lines else []


def _evidence_line(source_id: str) -> str:
    source = lookup(source_id)
    url = _http_url(source.url)
    return _md(source.citation) + (f" ([link]({url}))" if url else "")


def _recommendation_detail(rec: Recommendation, warnings: int) -> str:
    lines = [
        f"**{_md(rec.title)}** (preferred; option `{rec.id}`)",
        "",
        *_bullets("Why", map(_md, rec.rationale)),
        *_bullets("Evidence", map(_evidence_line, rec.evidence)),
        *_bullets("Next steps", map(_md, rec.next_steps)),
    ]
    if warnings:
        lines.append(
            f"_Provisional: {warnings} flagged item(s) on this case may change this "
            "recommendation (see the RectoPlan warning card)._"
        )
    return "\n".join(lines).rstrip()


def _case_link(case_url: str) -> dict[str, str]:
    return {"label": "Open the case in RectoPlan", "url": case_url, "type": "absolute"}


def _recommendation_card(
    assessment: Assessment, rec: Recommendation, case_url: str, source_url: str | None
) -> dict[str, Any]:
    card = card_uuid(assessment.case_id, rec.id, assessment.engine_version)
    first = lookup(rec.evidence[0])
    source: dict[str, str] = {"label": short_label(first)}
    url = _http_url(first.url) or source_url
    if url:
        source["url"] = url
    return {
        "uuid": card,
        "summary": _fit(f"Preferred: {rec.title}", SUMMARY_MAX),
        "indicator": "info",
        "detail": _recommendation_detail(rec, len(assessment.warnings)),
        "source": source,
        # Without a suggestion an EHR can report only "overridden": "accepted" feedback must
        # name an accepted suggestion, so agreeing is offered as one (with no FHIR action).
        "suggestions": [
            {"label": "Agree with this recommendation", "uuid": _suggestion_uuid(card)}
        ],
        "selectionBehavior": "at-most-one",
        "overrideReasons": list(override_reasons()),
        "links": [_case_link(case_url)],
    }


def _warnings_card(
    assessment: Assessment, warnings: tuple[DataWarning, ...], case_url: str, source_url: str | None
) -> dict[str, Any]:
    fields = ", ".join(w.field for w in warnings)
    flagged = f"{len(warnings)} flagged item{'s' if len(warnings) > 1 else ''}"
    detail = [
        "RectoPlan flagged missing or doubtful data, or findings, that may change its advice:",
        "",
        *(f"- **{_md(w.field)}**: {_md(w.message)}" for w in warnings),
    ]
    source = {"label": f"RectoPlan engine {assessment.engine_version}"}
    if source_url:
        source["url"] = source_url
    return {
        "uuid": card_uuid(assessment.case_id, _WARNINGS_KEY, assessment.engine_version),
        "summary": _fit(f"{flagged} may change the recommendation: {fields}", SUMMARY_MAX),
        "indicator": "warning",
        "detail": "\n".join(detail),
        "source": source,
        "links": [_case_link(case_url)],
    }


def _check_url(name: str, url: str | None) -> None:
    if url is not None and not re.match(ABSOLUTE_URL, url):
        raise ValueError(f"{name} must be an absolute URL, got {url!r}")


def patient_view_cards(
    assessment: Assessment, *, case_url: str, source_url: str | None = None
) -> dict[str, Any]:
    """The patient-view response for an assessment: a warning card listing the engine's
    warnings (missing or doubtful data, and findings such as a historical contraindication,
    that would change the answer), first because it qualifies the others; then one info card
    per preferred recommendation; ``{"cards": []}`` when there is neither.

    ``case_url`` is the absolute URL of the case page; ``source_url`` (absolute) is where a card
    source links when its first citation has no URL of its own, e.g. RectoPlan's evidence page.
    "critical" is never used: the engine's advice is for an MDT discussion, not an alert that
    must interrupt the chart.
    """
    _check_url("case_url", case_url)
    _check_url("source_url", source_url)
    cards = []
    if assessment.warnings:
        cards.append(_warnings_card(assessment, assessment.warnings, case_url, source_url))
    cards.extend(
        _recommendation_card(assessment, rec, case_url, source_url)
        for rec in assessment.preferred()
    )
    return {"cards": cards}


def request_patient_id(payload: Any) -> str:
    """``context.patientId`` of a patient-view hook request, after checking the request."""
    errors = validate("request", payload)
    hook = payload.get("hook") if isinstance(payload, dict) else None
    if isinstance(hook, str) and hook != HOOK:
        errors.append(f"/hook: {hook!r} is not {HOOK!r}, the only hook this service answers")
    if errors:
        raise _refused(errors)
    return payload["context"]["patientId"]


def _reason(item: dict[str, Any], at: str, errors: list[str]) -> tuple[str | None, str | None]:
    """The override reason's code and published display, or errors naming the element."""
    reason = item.get("overrideReason", {}).get("reason")
    if reason is None:
        return None, None
    system = code_system()["url"]
    if reason["system"] != system:
        errors.append(
            f"{at}/overrideReason/reason/system: {reason['system']!r} is not {system}, "
            "the only system this service offers override reasons from"
        )
        return None, None
    try:
        code = check_deviation_code(reason["code"])
    except ValueError as exc:
        errors.append(f"{at}/overrideReason/reason/code: {exc}")
        return None, None
    return code, deviation_reasons()[code].display


def _timestamp(text: str, at: str, errors: list[str]) -> datetime | None:
    try:  # the schema checked the RFC 3339 shape; this catches 2020-13-45 and the like
        return datetime.fromisoformat(text.upper()).astimezone(UTC)
    except ValueError as exc:
        errors.append(f"{at}/outcomeTimestamp: {text!r} is not a valid date-time ({exc})")
        return None


def parse_feedback(payload: Any) -> list[FeedbackEntry]:
    """The entries of a feedback body, checked against the spec's shape and the CodeSystem;
    every problem is reported at once in an `InvalidRecordError`."""
    errors = validate("feedback", payload)
    if errors:
        raise _refused(errors)
    entries = []
    for index, item in enumerate(payload["feedback"]):
        at = f"/feedback/{index}"
        code, display = _reason(item, at, errors)
        when = _timestamp(item["outcomeTimestamp"], at, errors)
        if when is None:
            continue
        entries.append(
            FeedbackEntry(
                card=item["card"],
                outcome=item["outcome"],
                outcome_timestamp=when,
                accepted_suggestions=tuple(s["id"] for s in item.get("acceptedSuggestions", ())),
                reason_code=code,
                reason_display=display,
                user_comment=item.get("overrideReason", {}).get("userComment"),
            )
        )
    if errors:
        raise _refused(errors)
    return entries
