"""Users the hospital's identity provider signs in: found by issuer and subject, created on
their first sign-in, brought up to date (role, full name, specialty) at every later one.

The provider is the source of truth for who someone is and what they may do: the role comes
from its claims at each sign-in, so a role withdrawn at the provider is gone the next time the
user signs in, and a user whose claims map to no role is refused and their live sessions end.
A user is linked by ``(iss, sub)``, which OpenID Connect guarantees stable and never reused;
a name or e-mail address is only used to choose a readable login name, and never links an
existing local account (whoever controls a provider account could otherwise take over a local
one that happens to share its name).

Changes go through `rectoplan.registry.users` (audited, locked, sessions ended on a role
change); only the (issuer, subject) link is set here, on the new row.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from rectoplan.registry.types import utcnow
from rectoplan.registry.users import (
    MAX_SUBJECT_LENGTH,
    USER_NAME_PATTERN,
    LoginSession,
    Role,
    SessionEnd,
    Specialty,
    User,
    end_sessions,
    find_user,
    new_user,
    update_user,
)


@dataclass(frozen=True, slots=True)
class ProviderIdentity:
    """Who the provider says signed in, already mapped to RectoPlan's terms (`role` None:
    the claims grant no RectoPlan role)."""

    issuer: str
    subject: str
    preferred_name: str | None
    role: Role | None
    full_name: str | None = None
    specialty: Specialty | None = None


def find_linked(session: Session, issuer: str, subject: str) -> User | None:
    """The user linked to the provider's ``(issuer, subject)``, if any."""
    return session.scalar(
        select(User).where(User.oidc_issuer == issuer, User.oidc_subject == subject)
    )


def sign_in(session: Session, identity: ProviderIdentity) -> User | None:
    """The user for a successful provider sign-in, created or updated from ``identity``; None
    (and every live session of a linked user ended) when the claims grant no role or the user
    was deactivated here."""
    user = find_linked(session, identity.issuer, identity.subject)
    if identity.role is None:
        if user is not None:
            end_sessions(session, user.id, SessionEnd.role_changed)
        return None
    if user is None:
        return new_user(
            session,
            _free_name(session, identity),
            identity.role,
            full_name=identity.full_name,
            specialty=identity.specialty,
            oidc_issuer=identity.issuer,
            oidc_subject=identity.subject,
        )
    if not user.active:
        return None
    changes = {}
    if identity.role != user.role:
        changes["role"] = identity.role
    if identity.full_name and identity.full_name != user.full_name:
        changes["full_name"] = identity.full_name
    if identity.specialty and identity.specialty != user.specialty:
        changes["specialty"] = identity.specialty
    if changes:
        update_user(session, user.name, expected_version=user.version, **changes)
    return user


def _free_name(session: Session, identity: ProviderIdentity) -> str:
    """A login name for a new provider user: the provider's preferred name (or e-mail) if it
    is a valid name nobody has, else the same with a short digest of the subject appended."""
    wanted = re.sub(r"[^A-Za-z0-9._@-]", "", identity.preferred_name or "")[:80] or "sso"
    if re.fullmatch(USER_NAME_PATTERN, wanted) and find_user(session, wanted) is None:
        return wanted
    digest = hashlib.sha256(f"{identity.issuer} {identity.subject}".encode()).hexdigest()
    return f"{wanted}.{digest[:10]}"


def end_provider_sessions(
    session: Session, issuer: str, *, subject: str | None = None, sid: str | None = None
) -> int:
    """End the live sessions the provider's back-channel logout names: those of its session
    ``sid``, or (without one) every session of the user ``subject``; how many ended.
    Written with SQL like every session change (not audited)."""
    if subject is None and sid is None:
        raise ValueError("a back-channel logout names a session (sid) or a user (sub)")
    linked = select(User.id).where(User.oidc_issuer == issuer)
    if subject is not None:
        linked = linked.where(User.oidc_subject == subject[:MAX_SUBJECT_LENGTH])
    query = update(LoginSession).where(
        LoginSession.ended_at.is_(None), LoginSession.user_id.in_(linked)
    )
    if sid is not None:
        query = query.where(LoginSession.provider_sid == sid[:MAX_SUBJECT_LENGTH])
    result = session.execute(
        query.values(
            ended_at=utcnow(),
            ended_because=SessionEnd.provider_logout,
            version=LoginSession.version + 1,
        )
    )
    return result.rowcount
