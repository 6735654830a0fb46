"""Entering a case: the short referral, the baseline edit, and an editor per part of the case.

The referral (``/cases/new``) asks only what staging and the first recommendation need, with a
generated case id and pseudonym; every later fact (neoadjuvant courses, restaging, operations,
pathology, complications, recurrence, stenosis and its dilatations, and whatever part the case
model gains) is added, edited and removed in its own editor (``/cases/{id}/record/{part}``),
built from the model by `rectoplan.web.pages.case_form`. Every editor writes the whole case
through the registry's one write path (`rectoplan.registry.episodes.update_case`) at the version
it was loaded from, so an edit that lost a race is a 409 that keeps the user's values and lists
what now differs, and saving again is a knowing overwrite rather than a silent one. A rejected
form comes back with status 422, each message beside its input and everything typed kept.
"""

from __future__ import annotations

from typing import Any, get_args, get_origin
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request, status
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from rectoplan.clinical.case import Case
from rectoplan.errors import InvalidRecordError, NotFoundError, StaleWriteError
from rectoplan.registry import episodes
from rectoplan.registry.users import Role
from rectoplan.reports import labels
from rectoplan.web.case_views import CaseId, case_out
from rectoplan.web.deps import Principal
from rectoplan.web.pages import case_form as cf
from rectoplan.web.pages.header import patient_header
from rectoplan.web.pages.render import render
from rectoplan.web.pages.session import page_reader, page_role, page_writer
from rectoplan.web.schemas import CaseOut

router = APIRouter(include_in_schema=False)

CLINICIAN = Role.clinician
UNPROCESSABLE = status.HTTP_422_UNPROCESSABLE_CONTENT
IDENTITY_FIELDS = ("case_id", "diagnosis_date")


async def posted_form(request: Request) -> FormData:
    """The posted form (parsed once; the CSRF check has already read the same cache)."""
    return await request.form()


def case_url(case_id: str) -> str:
    return f"/cases/{quote(case_id, safe='')}"


# --- what the case page and the editors list ---------------------------------------------------


def items_view(
    case_id: str, sections: tuple[cf.Section, ...], data: dict[str, Any], version: int
) -> dict[str, list[dict[str, Any]]]:
    """For each list inside the form's parts, its stored items with their edit and remove links."""
    found: dict[str, list[dict[str, Any]]] = {}
    for section in sections:
        for ff in section.all_fields():
            if ff.kind == "items":
                found[ff.name] = _items(
                    case_id, ff.name, ff.item_model, ff.item_name, data, version
                )
    return found


def _items(
    case_id: str, path: str, model: type[BaseModel], word: str, data: dict, version: int
) -> list[dict[str, Any]]:
    rows = []
    for index, item in enumerate(cf._at(data, path) or []):
        key = f"{cf.target_key(path)}.{index}"
        edit = f"{case_url(case_id)}/record/{key}"
        rows.append(
            {
                "title": f"{word} {index + 1}",
                "summary": cf.item_summary(model, item),
                "edit": edit,
                "remove": f"{edit}/remove",
                "remove_id": "remove-" + key.replace(".", "-"),
                "version": version,
            }
        )
    return rows


def record_parts(stored: CaseOut) -> list[dict[str, Any]]:
    """Every part of the case after the referral, derived from the case model, for the case
    page's "Record" card: a part with its summary or its items, and where to add, edit or
    remove each (a part the model gains appears here by itself)."""
    data = stored.case.model_dump(mode="json")
    url = case_url(stored.case_id)
    parts = []
    for name, info in Case.model_fields.items():
        if name in ("schema_version", "case_id", "diagnosis_date", *cf.BASELINE_PARTS):
            continue
        kind, _optional, _ = cf._unwrap(info.annotation)
        title = labels.field_label(name)
        if cf._is_model(kind):
            value = data.get(name)
            parts.append(
                {
                    "name": name,
                    "title": title,
                    "summary": cf.item_summary(kind, value) if value else None,
                    "edit": f"{url}/record/{name}",
                    "remove": f"{url}/record/{name}/remove" if value else None,
                    "remove_id": f"remove-{name}",
                    "items": None,
                    "add": None if value else f"{url}/record/{name}",
                    "add_label": f"Add {title.lower()}",
                }
            )
            continue
        item = get_args(kind)[0] if get_origin(kind) is tuple else None
        if not cf._is_model(item):
            continue
        word = labels.ITEM_NAMES.get(name, title)
        parts.append(
            {
                "name": name,
                "title": title,
                "items": _items(stored.case_id, name, item, word, data, stored.version),
                "add": f"{url}/record/{name}.new",
                "add_label": f"Add {'an' if word[0] in 'AEIOU' else 'a'} {word.lower()}",
            }
        )
    return parts


# --- the referral ----------------------------------------------------------------------------


def _form_page(
    request: Request,
    user: Principal,
    values: dict[str, Any],
    *,
    mode: str,
    sections: tuple[cf.Section, ...],
    converted: cf.Converted | None = None,
    stored: CaseOut | None = None,
    heading: str,
    action: str,
    conflict: dict[str, Any] | None = None,
    status_code: int = status.HTTP_200_OK,
    removable: bool = False,
) -> Response:
    """The referral (``mode`` "new"), the baseline edit ("edit") or a part editor ("part")."""
    data = stored.case.model_dump(mode="json") if stored else {}
    context = {
        "nav": "new" if mode == "new" else "cases",
        "mode": mode,
        "heading": heading,
        "action": action,
        "cancel": case_url(stored.case_id) if stored else "/cases",
        "form_sections": sections,
        "values": values,
        "errors": converted.errors if converted else {},
        "unparsed": converted.unparsed if converted else set(),
        "skip": set(cf.REGISTRY_FIELDS) if mode != "new" else set(),
        "readonly": {"case_id"} if mode != "new" else set(),
        "stored": stored,
        "conflict": conflict,
        "items": items_view(stored.case_id, sections, data, stored.version) if stored else {},
        "removable": removable,
        "live_check": mode in ("new", "edit"),
    }
    if stored is not None:
        context["header"] = patient_header(stored)
    return render(request, "entry/form.html", context, user=user, status_code=status_code)


def _rejected(converted: cf.Converted, exc: InvalidRecordError, known: frozenset[str]) -> None:
    """The registry's objections (a case id already stored, a patient who disagrees with the
    registered one) beside the form's inputs."""
    messages: dict[str, str] = {}
    for error in exc.errors:
        name = error.field.removeprefix("case.")
        if name.startswith("patient.") and name.removeprefix("patient.") in cf.REGISTRY_FIELDS:
            name = name.removeprefix("patient.")
        messages.setdefault(name, error.message)
    cf.place_errors(messages, converted.errors, known)


@router.get("/cases/new")
def new_case_form(
    request: Request,
    db: Session = page_reader(CLINICIAN),
    user: Principal = Depends(page_role(CLINICIAN)),
) -> Response:
    return _form_page(
        request,
        user,
        cf.new_identity(),
        mode="new",
        sections=cf.REFERRAL,
        heading="New case: referral",
        action="/cases/new",
    )


@router.post("/cases/new")
def create_case(
    request: Request,
    db: Session = page_writer(CLINICIAN),
    user: Principal = Depends(page_role(CLINICIAN)),
    form: FormData = Depends(posted_form),
) -> Response:
    """Store the referral (and its registry patient) and go to the case's page."""
    values = cf.values_of(form, cf.REFERRAL)
    converted = cf.referral_from_values(values)
    page = {"mode": "new", "sections": cf.REFERRAL, "heading": "New case: referral"}
    page["action"] = "/cases/new"
    if converted.case is None:
        return _form_page(
            request, user, values, converted=converted, status_code=UNPROCESSABLE, **page
        )
    try:
        episodes.store_case(db, converted.case, converted.patient)
    except InvalidRecordError as exc:
        db.rollback()
        _rejected(converted, exc, cf.anchors(cf.REFERRAL))
        return _form_page(
            request, user, values, converted=converted, status_code=UNPROCESSABLE, **page
        )
    except IntegrityError:
        db.rollback()  # another writer stored the same case id between our check and write
        converted.errors["case_id"] = "Case id: stored by someone else just now; choose another"
        return _form_page(
            request, user, values, converted=converted, status_code=status.HTTP_409_CONFLICT, **page
        )
    return RedirectResponse(case_url(converted.case.case_id), status.HTTP_303_SEE_OTHER)


@router.post("/cases/validate")
def check_case(
    request: Request,
    db: Session = page_writer(CLINICIAN),
    user: Principal = Depends(page_role(CLINICIAN)),
    form: FormData = Depends(posted_form),
) -> Response:
    """HTMX, on each change: the problems the referral or baseline form has so far, as a
    fragment for the live region above the form. Nothing is stored and the inputs are not
    touched, so the user's typing and focus stay where they are."""
    editing = isinstance(form.get("expected_version"), str)
    if editing:
        case_id = str(form.get("case_id") or "")
        stored = episodes.find_episode(db, case_id)
        values = cf.values_of(form, cf.BASELINE)
        data = stored.case_json if stored else {"case_id": case_id}
        converted = cf.baseline_from_values(values, dict(data))
    else:
        values = cf.values_of(form, cf.REFERRAL)
        converted = cf.referral_from_values(values)
        case_id = (values.get("case_id") or "").strip()
        if "case_id" not in converted.errors and episodes.find_episode(db, case_id):
            converted.errors["case_id"] = f"Case id: {case_id} is already in the registry"
    return render(request, "entry/_check.html", {"errors": converted.errors}, user=user)


# --- the baseline edit -------------------------------------------------------------------------


def _version(text: Any) -> int | None:
    try:
        version = int(text)
    except (TypeError, ValueError):
        return None
    return version if version >= 1 else None


@router.get("/cases/{case_id}/edit")
def edit_case_form(
    request: Request,
    case_id: CaseId,
    db: Session = page_reader(CLINICIAN),
    user: Principal = Depends(page_role(CLINICIAN)),
) -> Response:
    stored = case_out(db, case_id)
    values = cf.to_values(stored.case) | {"expected_version": str(stored.version)}
    return _form_page(request, user, values, stored=stored, **_baseline_page(case_id))


def _baseline_page(case_id: str) -> dict[str, Any]:
    return {
        "mode": "edit",
        "sections": cf.BASELINE,
        "heading": f"Edit case {case_id}: referral and baseline staging",
        "action": f"{case_url(case_id)}/edit",
    }


def _save(
    request: Request,
    db: Session,
    user: Principal,
    stored: CaseOut,
    values: dict[str, Any],
    converted: cf.Converted,
    page: dict[str, Any],
) -> Response:
    """Write ``converted.case`` at the version the form was loaded from; or the form again
    with the problems (422) or the other writer's changes (409)."""
    expected = _version(values.get("expected_version"))
    if expected is None:
        converted.errors[cf.FORM] = "The form has lost the version it was loaded at; reload it."
        converted.case = None
    if converted.case is None:
        return _form_page(
            request, user, values, converted=converted, stored=stored,
            status_code=UNPROCESSABLE, **page,
        )  # fmt: skip
    episode_id = episodes.episode_by_case_id(db, stored.case_id).id
    try:
        episodes.update_case(db, episode_id, converted.case, expected_version=expected)
    except StaleWriteError as exc:
        db.rollback()
        current = case_out(db, stored.case_id)
        sections = page["sections"]
        changes = cf.differences(
            cf.to_values(current.case, sections=sections),
            cf.to_values(converted.case, sections=sections),
            sections,
        )
        conflict = {"expected": exc.expected, "actual": current.version, "changes": changes}
        values = values | {"expected_version": str(current.version)}
        return _form_page(
            request, user, values, converted=converted, stored=current, conflict=conflict,
            status_code=status.HTTP_409_CONFLICT, **page,
        )  # fmt: skip
    except InvalidRecordError as exc:
        db.rollback()
        _rejected(converted, exc, cf.anchors(page["sections"]))
        return _form_page(
            request, user, values, converted=converted, stored=stored,
            status_code=UNPROCESSABLE, **page,
        )  # fmt: skip
    return RedirectResponse(case_url(stored.case_id), status.HTTP_303_SEE_OTHER)


@router.post("/cases/{case_id}/edit")
def save_case(
    request: Request,
    case_id: CaseId,
    db: Session = page_writer(CLINICIAN),
    user: Principal = Depends(page_role(CLINICIAN)),
    form: FormData = Depends(posted_form),
) -> Response:
    """Replace the referral and baseline parts if the case is still at the version the form
    was loaded from; the case id is the URL's (the read-only input is not trusted)."""
    stored = case_out(db, case_id)
    values = cf.values_of(form, cf.BASELINE) | {"case_id": case_id}
    converted = cf.baseline_from_values(values, stored.case.model_dump(mode="json"))
    return _save(request, db, user, stored, values, converted, _baseline_page(case_id))


# --- a part of the case, or one item of a list ---------------------------------------------


def _part_page(case_id: str, target: cf.Target) -> dict[str, Any]:
    verb = "Edit" if target.exists else "Add"
    heading = target.heading if target.key.endswith(".new") else f"{verb}: {target.heading}"
    return {
        "mode": "part",
        "heading": f"{heading} — case {case_id}",
        "action": f"{case_url(case_id)}/record/{target.key}",
        "removable": target.exists and target.removable,
    }


@router.get("/cases/{case_id}/record/{key}")
def part_form(
    request: Request,
    case_id: CaseId,
    key: str,
    db: Session = page_reader(CLINICIAN),
    user: Principal = Depends(page_role(CLINICIAN)),
) -> Response:
    """The editor of one part of the case (``mri``, ``pathology``) or one item of a list
    (``operations.0``; ``operations.new`` adds one)."""
    stored = case_out(db, case_id)
    data = stored.case.model_dump(mode="json")
    target = cf.resolve(key, data)
    sections = cf.editor_sections(target, data)
    values = cf.to_values(data, sections=sections) if target.exists else {}
    values["expected_version"] = str(stored.version)
    page = _part_page(case_id, target) | {"sections": sections}
    return _form_page(request, user, values, stored=stored, **page)


@router.post("/cases/{case_id}/record/{key}")
def save_part(
    request: Request,
    case_id: CaseId,
    key: str,
    db: Session = page_writer(CLINICIAN),
    user: Principal = Depends(page_role(CLINICIAN)),
    form: FormData = Depends(posted_form),
) -> Response:
    """Store the part or item as the editor holds it, at the version it was loaded from."""
    stored = case_out(db, case_id)
    data = stored.case.model_dump(mode="json")
    target = cf.resolve(key, data)
    sections = cf.editor_sections(target, data)
    values = cf.values_of(form, sections)
    converted = cf.part_from_values(target, sections, values, data)
    page = _part_page(case_id, target) | {"sections": sections}
    return _save(request, db, user, stored, values, converted, page)


@router.post("/cases/{case_id}/record/{key}/remove")
def remove_part(
    request: Request,
    case_id: CaseId,
    key: str,
    db: Session = page_writer(CLINICIAN),
    user: Principal = Depends(page_role(CLINICIAN)),
    form: FormData = Depends(posted_form),
) -> Response:
    """Remove the part or item (a rule that needs it says why not, on its editor)."""
    stored = case_out(db, case_id)
    data = stored.case.model_dump(mode="json")
    target = cf.resolve(key, data)
    if not (target.exists and target.removable):
        raise NotFoundError("removable part of the case", key)  # patient, tumour: never
    sections = cf.editor_sections(target, data)
    values = cf.to_values(data, sections=sections)
    values["expected_version"] = str(form.get("expected_version") or "")
    converted = cf.without(target, data)
    if converted.errors:
        converted.errors = {
            cf.FORM: f"{target.heading} cannot be removed: " + "; ".join(converted.errors.values())
        }
    page = _part_page(case_id, target) | {"sections": sections}
    return _save(request, db, user, stored, values, converted, page)
