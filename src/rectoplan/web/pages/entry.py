"""Case entry and editing: the new-case form and the edit form, validated field by field.

Both forms store through the API's own functions (`rectoplan.web.routes.cases.store_case`
and `rectoplan.registry.episodes.update_case`), so a case entered here passes exactly the
checks a case posted to the API passes. A rejected form comes back with status 422, each
message beside its input and every value as the user typed it. An edit that lost a race
(someone saved the case meanwhile) is a 409 that keeps the user's values, lists what now
differs from the stored case, and carries the stored version, so that saving again is a
knowing overwrite rather than a silent one.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request, status
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from rectoplan.errors import InvalidRecordError, StaleWriteError
from rectoplan.registry import episodes
from rectoplan.registry.users import Role
from rectoplan.web.deps import Principal
from rectoplan.web.pages.case_form import (
    FORM,
    REGISTRY_FIELDS,
    SECTIONS,
    Converted,
    differences,
    from_values,
    place_errors,
    to_values,
    values_of,
)
from rectoplan.web.pages.render import render
from rectoplan.web.pages.session import page_reader, page_role, page_writer
from rectoplan.web.routes.cases import CaseId, case_out, episode_of, store_case
from rectoplan.web.schemas import CaseOut

router = APIRouter(include_in_schema=False)

CLINICIAN = Role.clinician
UNPROCESSABLE = status.HTTP_422_UNPROCESSABLE_CONTENT


async def posted_form(request: Request) -> FormData:
    """The posted form (parsed once; the CSRF check has already read the same cache)."""
    return await request.form()


def case_url(case_id: str) -> str:
    return f"/cases/{quote(case_id, safe='')}"


def _form_page(
    request: Request,
    user: Principal,
    values: dict[str, Any],
    *,
    converted: Converted | None = None,
    case_id: str | None = None,
    pseudonym: str | None = None,
    conflict: dict[str, Any] | None = None,
    status_code: int = status.HTTP_200_OK,
) -> Response:
    """The new-case form (``case_id`` None) or the edit form of ``case_id``."""
    editing = case_id is not None
    context = {
        "nav": "cases" if editing else "new",
        "mode": "edit" if editing else "new",
        "heading": f"Edit case {case_id}" if editing else "New case",
        "action": f"{case_url(case_id)}/edit" if editing else "/cases/new",
        "cancel": case_url(case_id) if editing else "/cases",
        "form_sections": SECTIONS,
        "values": values,
        "errors": converted.errors if converted else {},
        "unparsed": converted.unparsed if converted else set(),
        "skip": set(REGISTRY_FIELDS) if editing else set(),
        "readonly": {"case_id"} if editing else set(),
        "pseudonym": pseudonym,
        "conflict": conflict,
    }
    return render(request, "entry/form.html", context, user=user, status_code=status_code)


def _rejected(converted: Converted, exc: InvalidRecordError) -> Converted:
    """The registry's objections (a case id already stored, a patient who disagrees with the
    registered one) beside the form's inputs."""
    messages: dict[str, str] = {}
    for error in exc.errors:
        name = error.field.removeprefix("case.")
        if name.startswith("patient.") and name.removeprefix("patient.") in REGISTRY_FIELDS:
            name = name.removeprefix("patient.")
        messages.setdefault(name, error.message)
    place_errors(messages, converted.errors)
    return converted


@router.get("/cases/new")
def new_case_form(
    request: Request,
    db: Session = page_reader(CLINICIAN),
    user: Principal = Depends(page_role(CLINICIAN)),
) -> Response:
    return _form_page(request, user, {})


@router.post("/cases/new")
def create_case(
    request: Request,
    db: Session = page_writer(CLINICIAN),
    user: Principal = Depends(page_role(CLINICIAN)),
    form: FormData = Depends(posted_form),
) -> Response:
    """Store the case (and its registry patient) and go to its page; or the form again."""
    values = values_of(form)
    converted = from_values(values)
    if converted.case is None:
        return _form_page(request, user, values, converted=converted, status_code=UNPROCESSABLE)
    try:
        store_case(db, converted.case, converted.patient)
    except InvalidRecordError as exc:
        db.rollback()
        converted = _rejected(converted, exc)
        return _form_page(request, user, values, converted=converted, status_code=UNPROCESSABLE)
    except IntegrityError:
        db.rollback()  # another writer stored the same case id between our check and write
        converted.errors["case_id"] = "was stored by someone else just now; choose another id"
        return _form_page(
            request, user, values, converted=converted, status_code=status.HTTP_409_CONFLICT
        )
    return RedirectResponse(case_url(converted.case.case_id), status.HTTP_303_SEE_OTHER)


@router.post("/cases/validate")
def check_case(
    request: Request,
    db: Session = page_writer(CLINICIAN),
    user: Principal = Depends(page_role(CLINICIAN)),
    form: FormData = Depends(posted_form),
) -> Response:
    """HTMX, on each change: the problems the form has so far, as a fragment for the live
    region above the form. Nothing is stored and the inputs are not touched, so the user's
    typing and focus stay where they are; saving still goes through the plain POST."""
    values = values_of(form)
    editing = "expected_version" in values
    converted = from_values(values, with_patient=not editing)
    case_id = (values.get("case_id") or "").strip()
    if not editing and "case_id" not in converted.errors and episodes.find_episode(db, case_id):
        converted.errors["case_id"] = f"{case_id!r} is already in the registry"
    context = {"errors": converted.errors}
    return render(request, "entry/_check.html", context, user=user)


@router.get("/cases/{case_id}/edit")
def edit_case_form(
    request: Request,
    case_id: CaseId,
    db: Session = page_reader(CLINICIAN),
    user: Principal = Depends(page_role(CLINICIAN)),
) -> Response:
    stored = case_out(db, case_id)
    values = to_values(stored.case) | {"expected_version": str(stored.version)}
    return _form_page(request, user, values, case_id=case_id, pseudonym=stored.pseudonym)


def _version(text: Any) -> int | None:
    try:
        version = int(text)
    except (TypeError, ValueError):
        return None
    return version if version >= 1 else None


@router.post("/cases/{case_id}/edit")
def save_case(
    request: Request,
    case_id: CaseId,
    db: Session = page_writer(CLINICIAN),
    user: Principal = Depends(page_role(CLINICIAN)),
    form: FormData = Depends(posted_form),
) -> Response:
    """Replace the case if it is still at the version the form was loaded from; the case id
    is the URL's (the read-only input is not trusted)."""
    stored = case_out(db, case_id)
    values = values_of(form) | {"case_id": case_id}
    converted = from_values(values, with_patient=False)
    expected = _version(values.get("expected_version"))
    if expected is None:
        converted.errors[FORM] = "The form has lost the version it was loaded at; reload it."
        converted.case = None
    page = {"case_id": case_id, "pseudonym": stored.pseudonym}
    if converted.case is None:
        return _form_page(
            request, user, values, converted=converted, status_code=UNPROCESSABLE, **page
        )
    try:
        episodes.update_case(
            db, episode_of(db, case_id).id, converted.case, expected_version=expected
        )
    except StaleWriteError as exc:
        db.rollback()
        conflict = _conflict(exc, case_out(db, case_id), converted)
        values = values | {"expected_version": str(conflict["actual"])}
        return _form_page(
            request,
            user,
            values,
            converted=converted,
            conflict=conflict,
            status_code=status.HTTP_409_CONFLICT,
            **page,
        )
    except InvalidRecordError as exc:
        db.rollback()
        converted = _rejected(converted, exc)
        return _form_page(
            request, user, values, converted=converted, status_code=UNPROCESSABLE, **page
        )
    return RedirectResponse(case_url(case_id), status.HTTP_303_SEE_OTHER)


def _conflict(exc: StaleWriteError, current: CaseOut, converted: Converted) -> dict[str, Any]:
    """What the 409 page says: the versions, and the inputs whose stored value now differs
    from the form's. The form is then based on ``current.version``, so saving again
    overwrites the other change knowingly."""
    assert converted.case is not None
    changes = differences(to_values(current.case), to_values(converted.case))
    return {"expected": exc.expected, "actual": current.version, "changes": changes}
