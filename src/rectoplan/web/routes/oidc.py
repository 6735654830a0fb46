"""The identity provider's back-channel logout (OpenID Connect Back-Channel Logout 1.0):
``POST /api/oidc/backchannel-logout`` with a ``logout_token``.

When a user signs out at the hospital's provider (or the provider ends their session: an
administrator, a leaver's account closed), the provider posts a signed logout token here,
server to server. Once the token passes every check of section 2.6
(`Provider.verify_logout_token`) the RectoPlan sessions it names end at once, in every server
process: those opened in the provider's session ``sid``, or all of the user ``sub``'s. The
answer is 200 with no body, or 400 with an OAuth error object saying why, as section 2.8
asks; both carry ``Cache-Control: no-store`` (`rectoplan.web.security`).
"""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, Response, status
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from rectoplan.registry import identities
from rectoplan.web.deps import session
from rectoplan.web.oidc.config import BACKCHANNEL_LOGOUT_PATH
from rectoplan.web.oidc.provider import ProviderUnavailable, TokenRefused

router = APIRouter(tags=["auth"])
log = logging.getLogger(__name__)


@router.post(
    BACKCHANNEL_LOGOUT_PATH,
    status_code=status.HTTP_200_OK,
    response_class=Response,
    responses={400: {"description": "The logout token was refused (an OAuth error object)"}},
)
def backchannel_logout(
    request: Request,
    logout_token: Annotated[str, Form(max_length=20_000)] = "",
    db: Session = Depends(session),
) -> Response:
    """End the sessions a logout token from the hospital's identity provider names
    (authenticated by the token's signature, not by a RectoPlan login)."""
    provider = getattr(request.app.state, "oidc", None)
    if provider is None:
        return _refused("hospital sign-in is not configured here")
    try:
        claims = provider.verify_logout_token(logout_token)
    except ProviderUnavailable as exc:
        log.warning("back-channel logout: the provider's keys are unavailable: %s", exc)
        return _refused("the identity provider's keys could not be fetched to check the token")
    except TokenRefused as exc:
        log.warning("back-channel logout refused: %s", exc)
        return _refused(f"the logout token was refused: {exc}")
    ended = identities.end_provider_sessions(
        db,
        claims["iss"],
        subject=claims.get("sub") or None,
        sid=claims.get("sid") or None,
    )
    db.commit()
    log.info("back-channel logout ended %d session(s)", ended)
    return Response(status_code=status.HTTP_200_OK)


def _refused(description: str) -> JSONResponse:
    return JSONResponse(
        {"error": "invalid_request", "error_description": description},
        status_code=status.HTTP_400_BAD_REQUEST,
    )
