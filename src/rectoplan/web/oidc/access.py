"""The API's second kind of bearer token: a JWT access token from the hospital's provider.

A machine client (a reporting job, an integration engine) gets a token from the provider
itself, with the client-credentials grant, instead of holding a RectoPlan password. The API
accepts such a token when ``RECTOPLAN_OIDC_API_AUDIENCE`` is set and the token is signed by
the provider, issued by it, unexpired and meant for that audience; its role comes from the
same claim mapping as a person's. A token of a user linked to the provider acts as that user
(refused if the account was deactivated here); any other acts as ``client:<client id>``, the
name the audit records. There is no RectoPlan session to end: such tokens live minutes, and
the provider stops issuing them when access is withdrawn.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from rectoplan.registry import identities
from rectoplan.registry.users import Role
from rectoplan.web.oidc.claims import mapped_role
from rectoplan.web.oidc.provider import Provider, TokenRefused


def provider_principal(provider: Provider, db: Session, token: str) -> tuple[str, Role]:
    """The (name, role) a provider access token acts as; `TokenRefused` saying why not."""
    config = provider.config
    if not config.api_audience:
        raise TokenRefused("the API accepts only RectoPlan's own tokens here")
    claims = provider.verify(
        token, audience=config.api_audience, required=("iss", "aud", "exp", "sub")
    )
    role = mapped_role(claims, config)
    if role is None:
        raise TokenRefused(f"its {config.role_claim!r} claim grants no RectoPlan role")
    linked = identities.find_linked(db, claims["iss"], claims["sub"])
    if linked is not None:
        if not linked.active:
            raise TokenRefused(f"its user {linked.name} is deactivated here")
        return linked.name, role
    client = claims.get("client_id") or claims.get("azp") or claims["sub"]
    return f"client:{client}"[:100], role
