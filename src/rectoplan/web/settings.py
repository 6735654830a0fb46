"""The service's settings, read once from ``RECTOPLAN_*`` environment variables.

Every limit that is a policy choice (how long a token lives, how many failed logins are
tolerated) is a named setting, so a hospital can tighten it without a code change. The
signing key must survive restarts (or every token dies with the process) yet must never be a
default shared by every installation: without ``RECTOPLAN_SECRET_KEY`` a random key is
generated once and kept, readable by its owner only, in ``var/secret.key``.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from rectoplan.errors import InvalidRecordError
from rectoplan.limits import Limits
from rectoplan.registry.db import database_url
from rectoplan.registry.meetings import QUORUM_SPECIALTIES, specialties
from rectoplan.registry.readiness import IMAGING_MAX_AGE_DAYS, ReadinessSettings
from rectoplan.registry.users import Throttle
from rectoplan.web.oidc.config import (
    OidcSettings,
    OidcSettingsError,
    PasswordLogin,
    password_login_from,
)

SECRET_KEY_FILE = Path("var") / "secret.key"
MIN_SECRET_BYTES = 32
"""HS256 keys shorter than the hash output (32 bytes) weaken the signature (RFC 7518 §3.2)."""


class SettingsError(ValueError):
    """A ``RECTOPLAN_*`` variable that cannot be used; names the variable."""


@dataclass(frozen=True)
class Settings:
    database_url: str
    secret_key: str = field(repr=False)
    token_minutes: int = 60
    login_max_failures: int = 5
    login_max_failures_per_client: int = 20
    login_window_seconds: int = 15 * 60
    admin_password: str | None = field(default=None, repr=False)
    session_minutes: int = 10 * 60
    """How long a browser stays signed in: a whole tumour-board day, not an API token's hour."""
    secure_cookies: bool = False
    """Send the session cookie over HTTPS only; set it (``RECTOPLAN_SECURE_COOKIES=1``) behind
    TLS. Off by default because ``make run`` serves plain HTTP on loopback."""
    limits: Limits = field(default_factory=Limits)
    """How large a request body and a FHIR Bundle may be (`rectoplan.limits`)."""
    oidc: OidcSettings | None = None
    """Hospital sign-in through an OpenID Connect provider (``RECTOPLAN_OIDC_*``); None: off."""
    password_login: PasswordLogin = PasswordLogin.on
    """Who may sign in with a local password (``RECTOPLAN_PASSWORD_LOGIN``: on, admins for
    break-glass administrators only, off)."""
    hospital_name: str = "RectoPlan"
    """The name printed at the head of the meeting and case PDFs (``RECTOPLAN_HOSPITAL_NAME``)."""
    hospital_logo: str | None = None
    """A PNG/SVG/JPEG file printed beside the name (``RECTOPLAN_HOSPITAL_LOGO``)."""
    mdt_imaging_max_age_days: int = IMAGING_MAX_AGE_DAYS
    """`rectoplan.registry.readiness.IMAGING_MAX_AGE_DAYS`
    (``RECTOPLAN_MDT_IMAGING_MAX_AGE_DAYS``)."""
    mdt_quorum: tuple[str, ...] = tuple(s.value for s in QUORUM_SPECIALTIES)
    """`rectoplan.registry.meetings.QUORUM_SPECIALTIES` (``RECTOPLAN_MDT_QUORUM``,
    comma-separated specialties)."""

    @property
    def readiness(self) -> ReadinessSettings:
        return ReadinessSettings(imaging_max_age_days=self.mdt_imaging_max_age_days)

    @property
    def throttle(self) -> Throttle:
        return Throttle(
            max_per_username=self.login_max_failures,
            max_per_client=self.login_max_failures_per_client,
            window=dt.timedelta(seconds=self.login_window_seconds),
        )

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, *, database: str | None = None
    ) -> Settings:
        """Settings from ``environ`` (default: the process environment); ``database``
        overrides ``RECTOPLAN_DATABASE_URL`` (the ``--db`` option)."""
        env = os.environ if environ is None else environ
        return cls(
            database_url=database or env.get("RECTOPLAN_DATABASE_URL") or database_url(),
            secret_key=env.get("RECTOPLAN_SECRET_KEY") or stored_secret_key(),
            token_minutes=_positive(env, "RECTOPLAN_TOKEN_MINUTES", 60),
            login_max_failures=_positive(env, "RECTOPLAN_LOGIN_MAX_FAILURES", 5),
            login_max_failures_per_client=_positive(
                env, "RECTOPLAN_LOGIN_MAX_FAILURES_PER_CLIENT", 20
            ),
            login_window_seconds=_positive(env, "RECTOPLAN_LOGIN_WINDOW_SECONDS", 15 * 60),
            admin_password=env.get("RECTOPLAN_ADMIN_PASSWORD") or None,
            session_minutes=_positive(env, "RECTOPLAN_SESSION_MINUTES", 10 * 60),
            secure_cookies=_flag(env, "RECTOPLAN_SECURE_COOKIES"),
            limits=_limits(env),
            **_sign_in(env),
            hospital_name=env.get("RECTOPLAN_HOSPITAL_NAME") or "RectoPlan",
            hospital_logo=env.get("RECTOPLAN_HOSPITAL_LOGO") or None,
            mdt_imaging_max_age_days=_positive(
                env, "RECTOPLAN_MDT_IMAGING_MAX_AGE_DAYS", IMAGING_MAX_AGE_DAYS
            ),
            mdt_quorum=_quorum(env),
        )

    def __post_init__(self) -> None:
        if len(self.secret_key.encode()) < MIN_SECRET_BYTES:
            raise SettingsError(
                f"RECTOPLAN_SECRET_KEY: use at least {MIN_SECRET_BYTES} bytes "
                "(e.g. python -c 'import secrets; print(secrets.token_urlsafe(48))')"
            )
        if self.password_login is not PasswordLogin.on and self.oidc is None:
            raise SettingsError(
                f"RECTOPLAN_PASSWORD_LOGIN={self.password_login}: needs hospital sign-in "
                "(RECTOPLAN_OIDC_ISSUER), or nobody could sign in"
            )


def _positive(env: Mapping[str, str], name: str, default: int) -> int:
    text = env.get(name)
    if not text:
        return default
    try:
        value = int(text)
    except ValueError:
        raise SettingsError(f"{name}: {text!r} is not a whole number") from None
    if value < 1:
        raise SettingsError(f"{name}: must be at least 1, got {value}")
    return value


def _quorum(env: Mapping[str, str]) -> tuple[str, ...]:
    text = env.get("RECTOPLAN_MDT_QUORUM")
    if not text:
        return tuple(s.value for s in QUORUM_SPECIALTIES)
    try:
        return tuple(s.value for s in specialties(t.strip() for t in text.split(",") if t.strip()))
    except InvalidRecordError as exc:
        raise SettingsError(f"RECTOPLAN_MDT_QUORUM: {exc.errors[0].message}") from None


def _limits(env: Mapping[str, str]) -> Limits:
    try:
        return Limits.from_env(env)
    except ValueError as exc:
        raise SettingsError(str(exc)) from None


def _sign_in(env: Mapping[str, str]) -> dict:
    try:
        return {"oidc": OidcSettings.from_env(env), "password_login": password_login_from(env)}
    except OidcSettingsError as exc:
        raise SettingsError(str(exc)) from None


def _flag(env: Mapping[str, str], name: str) -> bool:
    text = (env.get(name) or "").strip().lower()
    if text in ("", "0", "false", "no", "off"):
        return False
    if text in ("1", "true", "yes", "on"):
        return True
    raise SettingsError(f"{name}: {text!r} is not one of 1/0, true/false, yes/no, on/off")


def stored_secret_key(path: Path | None = None) -> str:
    """The key in ``var/secret.key`` under the working directory, created on first use."""
    path = path or Path.cwd() / SECRET_KEY_FILE
    if path.is_file():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another worker wrote it first
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(key + "\n")
    return key
