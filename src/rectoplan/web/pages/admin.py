"""User management on the web (admins only): create a user with a full name and specialty,
change a role, reset a password, deactivate or reactivate.

Every form calls the registry's user service (`rectoplan.registry.users`), as the API's
``/api/users`` routes do, so the page and the API keep one set of rules, among them that the
last active admin stays one (`rectoplan.registry.users.change_user`). A role change,
a new password or a deactivation ends the user's login sessions (the registry does it).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, status
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from rectoplan.errors import InvalidRecordError, StaleWriteError
from rectoplan.registry import users as user_services
from rectoplan.registry.users import Role, Specialty
from rectoplan.web.deps import Principal
from rectoplan.web.pages.render import messages_by_field, render
from rectoplan.web.pages.session import page_reader, page_role, page_writer
from rectoplan.web.schemas import UserCreate, UserUpdate

router = APIRouter(include_in_schema=False)

FORM_LIMIT = 2000
FIELD_OF = {"full name": "full_name"}
"""The registry names the full name in words; the form's input is ``full_name``."""


def _page(
    request: Request,
    db: Session,
    user: Principal,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    row_errors: dict[str, str] | None = None,
    notice: str | None = None,
    status_code: int = 200,
) -> Response:
    context = {
        "nav": "users",
        "users": user_services.list_users(db),
        "roles": [(r.value, r.value) for r in Role],
        "specialties": [(s.value, s.label) for s in Specialty],
        "specialty_label": {s.value: s.label for s in Specialty},
        "values": values or {},
        "errors": errors or {},
        "row_errors": row_errors or {},
        "notice": notice,
    }
    return render(request, "admin/users.html", context, user=user, status_code=status_code)


def _see_users(anchor: str = "") -> RedirectResponse:
    url = "/admin/users" + (f"#user-{anchor}" if anchor else "")
    return RedirectResponse(url, status_code=status.HTTP_303_SEE_OTHER)


@router.get("/admin/users")
def users_page(
    request: Request,
    db: Session = page_reader(Role.admin),
    user: Principal = Depends(page_role(Role.admin)),
) -> Response:
    """Every user with their full name, specialty, role and whether they may log in."""
    return _page(request, db, user)


@router.post("/admin/users")
def create_user(
    request: Request,
    name: Annotated[str, Form(max_length=FORM_LIMIT)] = "",
    full_name: Annotated[str, Form(max_length=FORM_LIMIT)] = "",
    specialty: Annotated[str, Form(max_length=100)] = "",
    role: Annotated[str, Form(max_length=100)] = "",
    password: Annotated[str, Form(max_length=FORM_LIMIT)] = "",
    db: Session = page_writer(Role.admin),
    user: Principal = Depends(page_role(Role.admin)),
) -> Response:
    """A new user; on bad input the form again (422) with the message beside each field and
    what was typed kept (except the password)."""
    values = {"name": name.strip(), "full_name": full_name, "specialty": specialty, "role": role}
    try:
        body = UserCreate(
            name=values["name"],
            full_name=full_name.strip() or None,
            specialty=specialty or None,
            role=role,
            password=password,
        )
        user_services.create_user(db, **body.model_dump())
    except ValidationError as exc:
        errors = messages_by_field(exc)
    except InvalidRecordError as exc:
        db.rollback()
        errors = {FIELD_OF.get(e.field, e.field): e.message for e in exc.errors}
    else:
        return _see_users(values["name"])
    if "name" in errors and values["name"] and " " in values["name"]:
        errors["name"] = "a login name has no spaces (letters, digits, . _ @ -); put the "
        errors["name"] += "person's name in Full name"
    return _page(request, db, user, values=values, errors=errors, status_code=422)


def _update(request, db, user, name: str, expected_version: str, **changes) -> Response:
    """Apply one change, at the version the form was loaded with (anything but digits reads as
    0, which no row has, so it is refused as stale), through the registry's `change_user`;
    its errors beside the user's row."""
    version = int(expected_version) if expected_version.isdigit() else 0
    try:
        body = UserUpdate(expected_version=version, **changes)
        user_services.change_user(db, name, **body.model_dump())
    except ValidationError as exc:
        message = "; ".join(messages_by_field(exc).values())
    except (InvalidRecordError, StaleWriteError) as exc:
        db.rollback()
        if isinstance(exc, StaleWriteError):
            message = "someone changed this user meanwhile; check the row and try again"
        else:
            message = "; ".join(f"{e.field}: {e.message}" for e in exc.errors)
    else:
        return _see_users(name)
    return _page(request, db, user, row_errors={name: message}, status_code=422)


@router.post("/admin/users/{name}/role")
def change_role(
    request: Request,
    name: str,
    role: Annotated[str, Form(max_length=100)] = "",
    expected_version: Annotated[str, Form(max_length=12)] = "",
    db: Session = page_writer(Role.admin),
    user: Principal = Depends(page_role(Role.admin)),
) -> Response:
    return _update(request, db, user, name, expected_version, role=role or None)


@router.post("/admin/users/{name}/password")
def reset_password(
    request: Request,
    name: str,
    password: Annotated[str, Form(max_length=FORM_LIMIT)] = "",
    expected_version: Annotated[str, Form(max_length=12)] = "",
    db: Session = page_writer(Role.admin),
    user: Principal = Depends(page_role(Role.admin)),
) -> Response:
    return _update(request, db, user, name, expected_version, password=password)


@router.post("/admin/users/{name}/active")
def set_active(
    request: Request,
    name: str,
    active: Annotated[str, Form(max_length=1)] = "",
    expected_version: Annotated[str, Form(max_length=12)] = "",
    db: Session = page_writer(Role.admin),
    user: Principal = Depends(page_role(Role.admin)),
) -> Response:
    return _update(request, db, user, name, expected_version, active=active == "1")
