"""Signing in with a password: the throttle, the check and its bookkeeping, in one place.

The API's token route (``POST /api/token``) and the login page both call `attempt_login`, so a
guesser gains nothing by switching from one to the other. A name or a client with too many
recent failures is refused *before* its password is read; a failure is recorded and a success
forgives the name's earlier failures, and that bookkeeping is committed whatever the caller
does next (a refused login must still count).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.orm import Session

from rectoplan.registry import users
from rectoplan.registry.users import Role, Throttle


@dataclass(frozen=True)
class LoginOutcome:
    """A login attempt: the user's row id, name and role on success; ``retry_after`` seconds
    if throttled; ``refused`` saying why when passwords are switched off for this user."""

    user_id: int | None = None
    name: str | None = None
    role: Role | None = None
    retry_after: int | None = None
    refused: str | None = None

    @property
    def succeeded(self) -> bool:
        return self.user_id is not None


PASSWORDS_OFF = "Password sign-in is switched off here; sign in with your hospital account."
BREAK_GLASS_ONLY = (
    "Password sign-in is kept for break-glass administrators only; "
    "sign in with your hospital account."
)


class LoginPolicy(Protocol):
    """What the server's settings say about password sign-in (the web's ``Settings``)."""

    @property
    def throttle(self) -> Throttle: ...

    password_login: str
    """``RECTOPLAN_PASSWORD_LOGIN``: ``on``, ``admins`` or ``off``."""


def attempt_login(
    session: Session, name: str, password: str, *, client: str, policy: LoginPolicy
) -> LoginOutcome:
    """Check a password under the throttle, recording the failure or clearing past ones, and
    commit that bookkeeping. With ``RECTOPLAN_PASSWORD_LOGIN=off`` no password is read; with
    ``admins`` a correct password of anyone but an administrator is refused (break-glass
    accounts only)."""
    password_login = policy.password_login
    if password_login == "off":
        return LoginOutcome(refused=PASSWORDS_OFF)
    wait = users.is_throttled(session, name, client, policy.throttle)
    if wait is not None:
        session.commit()  # keep the pruning of expired failures
        return LoginOutcome(retry_after=math.ceil(wait.total_seconds()))
    user = users.authenticate(session, name, password)
    if user is None:
        users.record_failure(session, name, client)
        session.commit()
        return LoginOutcome()
    user_id, user_name, role = user.id, user.name, Role(user.role)
    users.clear_failures(session, user_name)
    session.commit()
    if password_login == "admins" and role is not Role.admin:
        return LoginOutcome(refused=BREAK_GLASS_ONLY)
    return LoginOutcome(user_id=user_id, name=user_name, role=role)
