"""Hospital sign-in settings: which OpenID Connect provider, as which client, and how its
claims become RectoPlan's roles, names and specialties (``RECTOPLAN_OIDC_*``).

Sign-in through the provider is on when ``RECTOPLAN_OIDC_ISSUER`` is set; the client id and
secret, the public base URL RectoPlan is reached at (the provider redirects browsers there) and
the role mapping are then required. The mappings are JSON objects from a claim's value to a
RectoPlan value, named settings because every hospital's directory names its groups
differently (see docs/deployment.md for Keycloak, Entra ID and ADFS).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from urllib.parse import urlsplit

from rectoplan.registry.users import Role, Specialty

CALLBACK_PATH = "/login/oidc/callback"
BACKCHANNEL_LOGOUT_PATH = "/api/oidc/backchannel-logout"
POST_LOGOUT_PATH = "/login"


class OidcSettingsError(ValueError):
    """A ``RECTOPLAN_OIDC_*`` variable that cannot be used; names the variable."""


@dataclass(frozen=True)
class OidcSettings:
    """How RectoPlan signs users in through the hospital's provider."""

    issuer: str
    """The provider's issuer URL, exactly as its ID tokens' ``iss`` says (discovery is read
    from ``<issuer>/.well-known/openid-configuration``)."""
    client_id: str
    client_secret: str = field(repr=False)
    redirect_base: str
    """RectoPlan's public base URL (``https://rectoplan.hospital.example``): the provider
    sends browsers back to ``<base>/login/oidc/callback`` and after logout to ``<base>/login``."""
    roles: Mapping[str, Role]
    """Claim value -> role (``{"rectoplan-admin": "admin", ...}``); a user holding several
    gets the highest, one holding none is refused."""
    role_claim: str = "groups"
    """The claim holding groups or roles; a dotted path reaches into objects
    (Keycloak's ``realm_access.roles``)."""
    scopes: tuple[str, ...] = ("openid", "profile", "email")
    name_claim: str = "name"
    username_claim: str = "preferred_username"
    """Proposes the login name of a new user (falls back to ``email``); the link itself is
    the provider's issuer and subject."""
    specialty_claim: str | None = None
    specialties: Mapping[str, Specialty] = field(default_factory=dict)
    """Claim value -> specialty (a value that already is a specialty needs no entry)."""
    api_audience: str | None = None
    """When set, the API also accepts the provider's JWT access tokens whose ``aud`` holds
    this value (machine clients, e.g. the client-credentials grant)."""
    label: str = "hospital account"
    """What the login page's button says: "Sign in with <label>"."""
    leeway_seconds: int = 60
    """Clock difference tolerated on ``exp``/``iat``: a policy choice, not a standard value."""
    jwks_min_refresh_seconds: int = 10
    """Least time between two fetches of the provider's keys when a token names an unknown
    key (a rotation): stops a stream of forged key ids from hammering the provider."""

    def __post_init__(self) -> None:
        # the mappings hold enum members however they were given (JSON strings included)
        object.__setattr__(self, "roles", {k: Role(v) for k, v in self.roles.items()})
        specialties = {k: Specialty(v) for k, v in self.specialties.items()}
        object.__setattr__(self, "specialties", specialties)

    @property
    def redirect_uri(self) -> str:
        return self.redirect_base + CALLBACK_PATH

    @property
    def post_logout_redirect_uri(self) -> str:
        return self.redirect_base + POST_LOGOUT_PATH

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> OidcSettings | None:
        """The settings from ``RECTOPLAN_OIDC_*``; None when no issuer is configured."""
        issuer = (env.get("RECTOPLAN_OIDC_ISSUER") or "").strip()
        if not issuer:
            return None
        _check_url("RECTOPLAN_OIDC_ISSUER", issuer)
        base = _required(env, "RECTOPLAN_OIDC_REDIRECT_BASE").rstrip("/")
        _check_url("RECTOPLAN_OIDC_REDIRECT_BASE", base)
        scopes = tuple((env.get("RECTOPLAN_OIDC_SCOPES") or "openid profile email").split())
        if "openid" not in scopes:
            raise OidcSettingsError("RECTOPLAN_OIDC_SCOPES: must include openid")
        optional = {
            key: env[variable].strip()
            for key, variable in (
                ("role_claim", "RECTOPLAN_OIDC_ROLE_CLAIM"),
                ("name_claim", "RECTOPLAN_OIDC_NAME_CLAIM"),
                ("username_claim", "RECTOPLAN_OIDC_USERNAME_CLAIM"),
                ("specialty_claim", "RECTOPLAN_OIDC_SPECIALTY_CLAIM"),
                ("api_audience", "RECTOPLAN_OIDC_API_AUDIENCE"),
                ("label", "RECTOPLAN_OIDC_LABEL"),
            )
            if (env.get(variable) or "").strip()
        }
        return cls(
            issuer=issuer,
            client_id=_required(env, "RECTOPLAN_OIDC_CLIENT_ID"),
            client_secret=_required(env, "RECTOPLAN_OIDC_CLIENT_SECRET"),
            redirect_base=base,
            roles=_mapping(env, "RECTOPLAN_OIDC_ROLES", Role, required=True),
            specialties=_mapping(env, "RECTOPLAN_OIDC_SPECIALTIES", Specialty, required=False),
            scopes=scopes,
            leeway_seconds=_seconds(env, "RECTOPLAN_OIDC_LEEWAY_SECONDS", 60),
            jwks_min_refresh_seconds=_seconds(env, "RECTOPLAN_OIDC_JWKS_MIN_REFRESH_SECONDS", 10),
            **optional,
        )


class PasswordLogin(StrEnum):
    """Who may still sign in with a local password (``RECTOPLAN_PASSWORD_LOGIN``)."""

    on = "on"
    """Everyone with a local account (the default; the only way without a provider)."""
    admins = "admins"
    """Break-glass only: local administrators, for when the provider is down."""
    off = "off"
    """Nobody: every sign-in goes through the hospital's provider."""


def password_login_from(env: Mapping[str, str]) -> PasswordLogin:
    text = (env.get("RECTOPLAN_PASSWORD_LOGIN") or "on").strip().lower()
    try:
        return PasswordLogin(text)
    except ValueError:
        choices = ", ".join(PasswordLogin)
        message = f"RECTOPLAN_PASSWORD_LOGIN: {text!r} is not one of {choices}"
        raise OidcSettingsError(message) from None


def origin(url: str) -> str:
    """``scheme://host[:port]`` of ``url`` (what a Content-Security-Policy source names)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _required(env: Mapping[str, str], name: str) -> str:
    value = (env.get(name) or "").strip()
    if not value:
        raise OidcSettingsError(f"{name}: required when RECTOPLAN_OIDC_ISSUER is set")
    return value


def _check_url(name: str, url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.netloc:
        raise OidcSettingsError(f"{name}: {url!r} is not an http(s) URL")


def _seconds(env: Mapping[str, str], name: str, default: int) -> int:
    text = (env.get(name) or "").strip()
    if not text:
        return default
    if not text.isdigit():
        raise OidcSettingsError(f"{name}: {text!r} is not a whole number of seconds")
    return int(text)


def _mapping(env: Mapping[str, str], name: str, kind: type[StrEnum], *, required: bool) -> dict:
    text = (env.get(name) or "").strip()
    if not text:
        if required:
            raise OidcSettingsError(
                f'{name}: required, e.g. {{"rectoplan-admin": "admin", '
                '"rectoplan-clinicians": "clinician"}'
            )
        return {}
    try:
        raw = json.loads(text)
    except ValueError:
        raise OidcSettingsError(f"{name}: not a JSON object") from None
    if not isinstance(raw, dict) or not raw:
        raise OidcSettingsError(f"{name}: must be a non-empty JSON object")
    try:
        return {str(claim): kind(value) for claim, value in raw.items()}
    except ValueError as exc:
        choices = ", ".join(kind)
        raise OidcSettingsError(f"{name}: {exc}; use one of {choices}") from None
