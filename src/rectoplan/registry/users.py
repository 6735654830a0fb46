"""Who may use the registry: users with a role, their passwords, and the failed-login record.

Users live in the registry's own database so that a team server, its audit log and its
accounts are backed up, migrated and restored together, and so that several server processes
share one view of who is locked out.

Three decisions shape this module:

* **Roles are ranked** (viewer < clinician < coordinator < admin): each route names the least
  role it needs and every higher role passes.
* **Password hashes never enter the audit log.** The log is append-only and kept for ever, so
  a hash written there could never be removed. Users are ORM rows (their creation, role
  changes and deactivation are audited like every other change, actor included); the Argon2
  hash sits in `Credential`, which is written with plain SQL statements that bypass the
  session's flush hooks, and each password change is audited as a new
  ``users.password_changed_at``.
* **Failed logins are rows, not process memory**, so throttling holds across server workers
  and restarts. They are a security record, not clinical data, and are pruned once they fall
  out of the throttling window.
* **Every login is a row too** (`LoginSession`, opened and checked by
  `rectoplan.registry.logins`), so a session can be ended for every server process at once: a
  password change, a role change and a deactivation end all of the user's sessions here, in
  the same transaction as the change itself.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from enum import StrEnum
from functools import cache

from pwdlib import PasswordHash
from sqlalchemy import (
    ForeignKey,
    Index,
    String,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from rectoplan.errors import FieldError, InvalidRecordError, NotFoundError
from rectoplan.i18n import SUPPORTED_LOCALES, normalize
from rectoplan.registry import locking
from rectoplan.registry.models import Base, Versioned, _table_args
from rectoplan.registry.types import enum_column, utcnow

USER_NAME_PATTERN = r"^[A-Za-z0-9._@-]{1,100}$"
MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 1024
"""Argon2 takes any length; the cap stops a megabyte "password" from costing a megabyte of
hashing work per login attempt."""


class Role(StrEnum):
    """What a user may do, least to most: read; assess and record decisions, treatments and
    outcomes; run MDT meetings; manage users."""

    viewer = "viewer"
    clinician = "clinician"
    coordinator = "coordinator"
    admin = "admin"

    @property
    def rank(self) -> int:
        return list(Role).index(self)

    def allows(self, needed: Role) -> bool:
        """Whether a user with this role may do what needs ``needed``."""
        return self.rank >= Role(needed).rank


class Specialty(StrEnum):
    """A member's discipline in the multidisciplinary team: what the tumour board's quorum
    counts and what attendance, decisions and the audit show beside a name."""

    colorectal_surgeon = "colorectal_surgeon"
    medical_oncologist = "medical_oncologist"
    radiation_oncologist = "radiation_oncologist"
    radiologist = "radiologist"
    pathologist = "pathologist"
    gastroenterologist = "gastroenterologist"
    specialist_nurse = "specialist_nurse"
    mdt_coordinator = "mdt_coordinator"
    other = "other"

    @property
    def label(self) -> str:
        """The discipline in clinical words ("Colorectal surgeon")."""
        return self.value.replace("_", " ").capitalize().replace("Mdt", "MDT")


SPECIALTY_LABELS = {specialty: specialty.label for specialty in Specialty}
MAX_FULL_NAME_LENGTH = 200
MAX_ISSUER_LENGTH = 500
MAX_SUBJECT_LENGTH = 255
"""OpenID Connect caps ``sub`` at 255 ASCII characters; issuers are URLs."""
MAX_LOCALE_LENGTH = 16


class User(Versioned, Base):
    """A user: a local account (with a `Credential`) or one the hospital's identity provider
    signs in, linked by the provider's issuer and subject (`rectoplan.registry.identities`)."""

    __tablename__ = "users"
    __table_args__ = _table_args(
        Index("ix_users_oidc_issuer_oidc_subject", "oidc_issuer", "oidc_subject", unique=True)
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    full_name: Mapped[str | None] = mapped_column(String(MAX_FULL_NAME_LENGTH))
    specialty: Mapped[Specialty | None] = mapped_column(enum_column(Specialty, "user_specialty"))
    locale: Mapped[str | None] = mapped_column(String(MAX_LOCALE_LENGTH))
    """The language the user reads the pages in (``zh_CN``); None: the browser's choice."""
    role: Mapped[Role] = mapped_column(enum_column(Role, "user_role"))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    password_changed_at: Mapped[dt.datetime]
    oidc_issuer: Mapped[str | None] = mapped_column(String(MAX_ISSUER_LENGTH))
    oidc_subject: Mapped[str | None] = mapped_column(String(MAX_SUBJECT_LENGTH))

    @property
    def display_name(self) -> str:
        """How pages, minutes and the audit show the user: "Dr Li Wei (Radiologist)", or the
        login name when no full name was given."""
        shown = self.full_name or self.name
        return f"{shown} ({self.specialty.label})" if self.specialty else shown


class Credential(Versioned, Base):
    """A user's Argon2 hash; written only with SQL statements (see the module docstring)."""

    __tablename__ = "user_credentials"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    password_hash: Mapped[str] = mapped_column(String(255))


class LoginFailure(Versioned, Base):
    """One refused login: the name tried (known or not) and the client it came from."""

    __tablename__ = "login_failures"
    __table_args__ = _table_args(
        Index("ix_login_failures_username_at", "username", "at"),
        Index("ix_login_failures_client_at", "client", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    username: Mapped[str] = mapped_column(String(100))
    client: Mapped[str] = mapped_column(String(100))


class SessionKind(StrEnum):
    """How a login is carried: the pages' cookie or an API bearer token."""

    page = "page"
    token = "token"


class SessionEnd(StrEnum):
    """Why a login session ended before it expired (the login page says so)."""

    logout = "logout"
    password_changed = "password_changed"
    role_changed = "role_changed"
    deactivated = "deactivated"
    provider_logout = "provider_logout"
    """The hospital's identity provider said the user signed out (back-channel logout)."""


class LoginSession(Versioned, Base):
    """One login: live from ``created_at`` until ``expires_at``, unless ``ended_at`` says it
    was ended sooner. The id is the SHA-256 digest of the random key the cookie or token
    carries, so a copy of the database (a backup) holds no key that opens a session."""

    __tablename__ = "login_sessions"
    __table_args__ = (Index("ix_login_sessions_user_id_ended_at", "user_id", "ended_at"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[SessionKind] = mapped_column(enum_column(SessionKind, "session_kind"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime]
    ended_at: Mapped[dt.datetime | None]
    ended_because: Mapped[SessionEnd | None] = mapped_column(enum_column(SessionEnd, "session_end"))
    provider_sid: Mapped[str | None] = mapped_column(String(MAX_SUBJECT_LENGTH), index=True)
    """The identity provider's session (the ID token's ``sid``) a sign-in belongs to, so the
    provider's back-channel logout of that session ends this one; None for password logins."""


@dataclass(frozen=True, slots=True)
class Throttle:
    """How many failed logins are tolerated within ``window``, per user name and per client
    (an address shared by a ward or a NAT needs more room than one name)."""

    max_per_username: int = 5
    max_per_client: int = 20
    window: dt.timedelta = dt.timedelta(minutes=15)


@cache
def _hasher() -> PasswordHash:
    """Argon2id with pwdlib's recommended parameters."""
    return PasswordHash.recommended()


@cache
def _decoy_hash() -> str:
    """Checked against when the user does not exist, so an unknown name costs the same time
    as a wrong password and response times do not reveal which names exist."""
    return _hasher().hash("rectoplan-decoy-password")


def _check_name(name: str) -> str:
    if not re.fullmatch(USER_NAME_PATTERN, name or ""):
        message = "1-100 letters, digits or . _ @ - (no spaces)"
        raise InvalidRecordError([FieldError("name", message)])
    return name


def _check_password(password: str) -> str:
    if not MIN_PASSWORD_LENGTH <= len(password or "") <= MAX_PASSWORD_LENGTH:
        message = f"must have {MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} characters"
        raise InvalidRecordError([FieldError("password", message)])
    return password


def find_user(session: Session, name: str) -> User | None:
    return session.scalar(select(User).where(User.name == name))


def get_user(session: Session, name: str) -> User:
    user = find_user(session, name)
    if user is None:
        raise NotFoundError("user", name)
    return user


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.name)))


def has_admin(session: Session) -> bool:
    query = select(func.count()).select_from(User).where(User.role == Role.admin, User.active)
    return bool(session.scalar(query))


def _check_full_name(full_name: str | None) -> str | None:
    """Blank means none; surrounding spaces go, inner spaces stay ("Li Wei")."""
    full_name = (full_name or "").strip() or None
    if full_name is not None and len(full_name) > MAX_FULL_NAME_LENGTH:
        message = f"at most {MAX_FULL_NAME_LENGTH} characters"
        raise InvalidRecordError([FieldError("full name", message)])
    return full_name


def _check_specialty(specialty: Specialty | str | None) -> Specialty | None:
    if specialty in (None, ""):
        return None
    try:
        return Specialty(specialty)
    except ValueError:
        choices = ", ".join(Specialty)
        message = f"{specialty!r} is not one of {choices}"
        raise InvalidRecordError([FieldError("specialty", message)]) from None


def _check_locale(locale: str | None) -> str | None:
    """Blank means none (follow the browser); otherwise a supported language, stored in its
    gettext spelling whatever way it was typed (``zh-CN`` -> ``zh_CN``). Not a CHECK in the
    schema: a third language is one more catalogue, not a migration."""
    if locale in (None, ""):
        return None
    found = normalize(locale)
    if found is None:
        choices = ", ".join(tag.replace("_", "-") for tag in SUPPORTED_LOCALES)
        raise InvalidRecordError([FieldError("language", f"{locale!r} is not one of {choices}")])
    return found


def _check_role(role: Role | str) -> Role:
    try:
        return Role(role)
    except ValueError:
        raise InvalidRecordError(
            [FieldError("role", f"{role!r} is not one of {', '.join(Role)}")]
        ) from None


def create_user(
    session: Session,
    name: str,
    role: Role | str,
    password: str,
    *,
    full_name: str | None = None,
    specialty: Specialty | str | None = None,
    locale: str | None = None,
) -> User:
    """A new active local user with a password; `InvalidRecordError` names ``name``,
    ``role``, ``password``, ``full name``, ``specialty`` or ``language``."""
    _check_password(password)
    user = new_user(session, name, role, full_name=full_name, specialty=specialty, locale=locale)
    hashed = _hasher().hash(password)
    session.execute(insert(Credential).values(user_id=user.id, password_hash=hashed, version=1))
    return user


def new_user(
    session: Session,
    name: str,
    role: Role | str,
    *,
    full_name: str | None = None,
    specialty: Specialty | str | None = None,
    locale: str | None = None,
    oidc_issuer: str | None = None,
    oidc_subject: str | None = None,
) -> User:
    """A new active user row without a password: `create_user` adds one; a user signed in by
    the identity provider (`rectoplan.registry.identities`) never has one."""
    _check_name(name)
    role = _check_role(role)
    full_name = _check_full_name(full_name)
    specialty = _check_specialty(specialty)
    locale = _check_locale(locale)
    if find_user(session, name) is not None:
        raise InvalidRecordError([FieldError("name", f"{name!r} is already a user")])
    user = User(
        name=name,
        full_name=full_name,
        specialty=specialty,
        locale=locale,
        role=role,
        active=True,
        password_changed_at=utcnow(),
        oidc_issuer=oidc_issuer,
        oidc_subject=oidc_subject,
    )
    session.add(user)
    session.flush()
    return user


def set_password(session: Session, name: str, password: str, *, expected_version: int) -> User:
    """Replace a user's password; the change is audited on the user row, the hash is not."""
    _check_password(password)
    user = get_user(session, name)
    hashed = _hasher().hash(password)
    with locking.updating(session, User, user.id, expected_version) as row:
        row.password_changed_at = utcnow()
    session.execute(
        update(Credential)
        .where(Credential.user_id == user.id)
        .values(password_hash=hashed, version=Credential.version + 1)
    )
    end_sessions(session, user.id, SessionEnd.password_changed)
    return user


def update_user(
    session: Session,
    name: str,
    *,
    expected_version: int,
    role: Role | str | None = None,
    active: bool | None = None,
    full_name: str | None = None,
    specialty: Specialty | str | None = None,
    locale: str | None = None,
) -> User:
    """Change a user's role, full name, specialty or language, or (de)activate them, under
    optimistic locking (None leaves a field as it is; an empty full name or language clears
    it). A new role or a deactivation ends all of the user's login sessions: they log in again
    as who they are now. A new language takes effect on the next page, sessions stay open."""
    user = get_user(session, name)
    role = None if role is None else _check_role(role)
    new_full_name = None if full_name is None else _check_full_name(full_name)
    new_specialty = None if specialty is None else _check_specialty(specialty)
    new_locale = None if locale is None else _check_locale(locale)
    ended = None
    with locking.updating(session, User, user.id, expected_version) as row:
        if locale is not None:
            row.locale = new_locale
        if full_name is not None:
            row.full_name = new_full_name
        if specialty is not None:
            row.specialty = new_specialty
        if role is not None and Role(role) != row.role:
            row.role = Role(role)
            ended = SessionEnd.role_changed
        if active is not None and active != row.active:
            row.active = active
            ended = SessionEnd.deactivated if not active else ended
    if ended is not None:
        end_sessions(session, user.id, ended)
    return user


def change_user(
    session: Session,
    name: str,
    *,
    expected_version: int,
    role: Role | str | None = None,
    active: bool | None = None,
    full_name: str | None = None,
    specialty: Specialty | str | None = None,
    password: str | None = None,
) -> User:
    """What an administrator changes about a user (the admin page and ``PATCH /api/users``):
    `update_user`, then the new password if one is given, at the version read; refused
    (`InvalidRecordError` naming ``role`` or ``active``) if it would leave no active admin,
    since nobody could manage users again short of editing the database by hand."""
    user = update_user(
        session,
        name,
        expected_version=expected_version,
        role=role,
        active=active,
        full_name=full_name,
        specialty=specialty,
    )
    if password is not None:
        user = set_password(session, name, password, expected_version=user.version)
    if not has_admin(session):
        field = "role" if role is not None else "active"
        raise InvalidRecordError([FieldError(field, "the last active admin must remain one")])
    return user


def end_sessions(session: Session, user_id: int, because: SessionEnd) -> int:
    """End every live login session of the user (written with SQL: not audited, like the
    failed logins); how many were ended."""
    result = session.execute(
        update(LoginSession)
        .where(LoginSession.user_id == user_id, LoginSession.ended_at.is_(None))
        .values(ended_at=utcnow(), ended_because=because, version=LoginSession.version + 1)
    )
    return result.rowcount


def authenticate(session: Session, name: str, password: str) -> User | None:
    """The active user with this name and password, else None (same cost either way)."""
    user = find_user(session, name) if len(password) <= MAX_PASSWORD_LENGTH else None
    stored = None
    if user is not None:
        stored = session.scalar(
            select(Credential.password_hash).where(Credential.user_id == user.id)
        )
    valid = _hasher().verify(password[:MAX_PASSWORD_LENGTH], stored or _decoy_hash())
    if user is None or stored is None or not valid or not user.active:
        return None
    return user


def record_failure(session: Session, name: str, client: str) -> None:
    """Remember a refused login (not audited: a security record, see the module docstring)."""
    session.execute(
        insert(LoginFailure).values(
            at=utcnow(), username=name[:100], client=client[:100], version=1
        )
    )


def clear_failures(session: Session, name: str) -> None:
    """A successful login forgives the user name's earlier failures (not the client's)."""
    session.execute(delete(LoginFailure).where(LoginFailure.username == name[:100]))


def is_throttled(
    session: Session, name: str, client: str, throttle: Throttle, now: dt.datetime | None = None
) -> dt.timedelta | None:
    """How long until another attempt for ``name`` from ``client`` is allowed, or None if one
    is allowed now. Failures older than the window are pruned on the way."""
    now = now or utcnow()
    since = now - throttle.window
    session.execute(delete(LoginFailure).where(LoginFailure.at < since))
    waits = []
    for column, key, limit in (
        (LoginFailure.username, name[:100], throttle.max_per_username),
        (LoginFailure.client, client[:100], throttle.max_per_client),
    ):
        times = session.scalars(
            select(LoginFailure.at)
            .where(column == key, LoginFailure.at >= since)
            .order_by(LoginFailure.at.desc())
            .limit(limit)
        ).all()
        if len(times) >= limit:
            # the oldest of the last ``limit`` failures must leave the window first
            waits.append(times[-1] + throttle.window - now)
    if not waits:
        return None
    return max(max(waits), dt.timedelta(seconds=1))
