"""From the provider's claims to RectoPlan's terms: the role (the named claim through the
``RECTOPLAN_OIDC_ROLES`` mapping, the highest one held), the full name and the specialty.

A claim may hold one string or a list (Entra's ``roles`` and ``groups`` are lists, ADFS may
send one ``role`` string), and may sit inside an object (Keycloak's ``realm_access.roles``):
the setting names it as a dotted path.
"""

from __future__ import annotations

from typing import Any

from rectoplan.registry.identities import ProviderIdentity
from rectoplan.registry.users import Role, Specialty
from rectoplan.web.oidc.config import OidcSettings


def claim(claims: dict[str, Any], path: str) -> Any:
    """The claim at dotted ``path`` (None if any step is missing)."""
    value: Any = claims
    for step in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(step)
    return value


def values_of(claims: dict[str, Any], path: str) -> list[str]:
    """The strings a claim holds, whether it is one string or a list of them."""
    value = claim(claims, path)
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [item for item in value if isinstance(item, str)]
    return []


def mapped_role(claims: dict[str, Any], config: OidcSettings) -> Role | None:
    """The highest role the claims map to, or None when they hold no mapped value."""
    held = values_of(claims, config.role_claim)
    roles = [config.roles[value] for value in held if value in config.roles]
    return max(roles, key=lambda role: role.rank) if roles else None


def _text(claims: dict[str, Any], path: str | None) -> str | None:
    value = claim(claims, path) if path else None
    return value.strip() or None if isinstance(value, str) else None


def _specialty(claims: dict[str, Any], config: OidcSettings) -> Specialty | None:
    value = _text(claims, config.specialty_claim)
    if value is None:
        return None
    if value in config.specialties:
        return config.specialties[value]
    return Specialty(value) if value in Specialty.__members__ else None


def identity(claims: dict[str, Any], config: OidcSettings) -> ProviderIdentity:
    """Who signed in, in RectoPlan's terms (the role is None when no claim value maps)."""
    full_name = _text(claims, config.name_claim)
    if full_name is None:
        given = " ".join(filter(None, (_text(claims, "given_name"), _text(claims, "family_name"))))
        full_name = given or None
    return ProviderIdentity(
        issuer=claims["iss"],
        subject=claims["sub"],
        preferred_name=_text(claims, config.username_claim) or _text(claims, "email"),
        role=mapped_role(claims, config),
        full_name=full_name[:200] if full_name else None,
        specialty=_specialty(claims, config),
    )
