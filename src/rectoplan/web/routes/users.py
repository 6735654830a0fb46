"""User administration (admin only): list, create, change role, deactivate, reset a password.

The registry refuses to lose its last active admin: without one nobody could manage users
again short of editing the database by hand.
"""

from __future__ import annotations

from fastapi import APIRouter, status
from sqlalchemy.orm import Session

from rectoplan.registry import users
from rectoplan.registry.users import Role, User
from rectoplan.web.deps import reader, writer
from rectoplan.web.schemas import Conflict, UserCreate, UserOut, UserUpdate

router = APIRouter(prefix="/api/users", tags=["users"])

STALE = {409: {"model": Conflict, "description": "The user changed since you read it"}}


def user_out(user: User) -> UserOut:
    return UserOut.model_validate(user, from_attributes=True)


@router.get("", response_model=list[UserOut])
def list_users(db: Session = reader(Role.admin)) -> list[UserOut]:
    return [user_out(u) for u in users.list_users(db)]


@router.post("", response_model=UserOut, status_code=status.HTTP_201_CREATED)
def create_user(body: UserCreate, db: Session = writer(Role.admin)) -> UserOut:
    return user_out(users.create_user(db, **body.model_dump()))


@router.patch("/{name}", response_model=UserOut, responses=STALE)
def update_user(name: str, body: UserUpdate, db: Session = writer(Role.admin)) -> UserOut:
    """Change the role, ``active`` flag, full name or specialty, or set a new password, of the
    version you read."""
    return user_out(users.change_user(db, name, **body.model_dump()))
