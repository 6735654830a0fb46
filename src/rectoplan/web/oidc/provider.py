"""The hospital's identity provider as RectoPlan talks to it: discovery, its signing keys,
the authorization request with PKCE, the code exchange, and checking the JWTs it signs.

Authlib builds the authorization URL (state, nonce, S256 code challenge) and exchanges the
code at the token endpoint with the client's secret; PyJWT (the library RectoPlan's own tokens
use) checks signatures against the provider's published keys (JWKS). Keys rotate: a token
naming a key id not in the cached set makes one fresh fetch of the JWKS (at most one every
``jwks_min_refresh_seconds``, so forged key ids cannot turn RectoPlan into a load generator
against the provider), and a key still unknown after it is refused.

Every check names what was wrong (`TokenRefused`), so the sign-in page and the logs can say
why a sign-in failed; a provider that cannot be reached is a `ProviderUnavailable`, shown as
a page, never a 500.
"""

from __future__ import annotations

import hmac
import threading
import time
from collections.abc import Iterable
from typing import Any

import jwt
import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.requests_client import OAuth2Session
from requests.adapters import BaseAdapter

from rectoplan.web.oidc.config import OidcSettings

BACKCHANNEL_LOGOUT_EVENT = "http://schemas.openid.net/event/backchannel-logout"
LOGOUT_TOKEN_MAX_AGE_SECONDS = 300
"""A logout token older than this (by its ``iat``) is refused: the spec leaves the window to
the client; five minutes covers a provider's retries without keeping old tokens usable."""
HTTP_TIMEOUT_SECONDS = 10
METADATA_TTL_SECONDS = 3600
"""How long discovery is trusted before it is read again (endpoints rarely move)."""
SIGNING_ALGORITHMS = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
)
"""Public-key algorithms only: ``none`` and the HMAC family (keyed with the client secret)
are never accepted from the provider."""


class ProviderUnavailable(Exception):
    """The provider could not be reached, or its answer was not what OpenID Connect says."""


class TokenRefused(Exception):
    """A token from (or claiming to be from) the provider failed a check; says which."""


class Provider:
    """One configured provider; shared by every request of the app (thread-safe caches).

    ``adapter`` (a `requests` transport adapter) is where every HTTP call to the provider
    goes; None is the ordinary network. It exists so a test can alter the real provider's
    answers in transit (e.g. swap the ID token for one it minted) to prove they are refused.
    """

    def __init__(self, config: OidcSettings, adapter: BaseAdapter | None = None) -> None:
        self.config = config
        self.adapter = adapter
        self._lock = threading.Lock()
        self._metadata: dict[str, Any] | None = None
        self._metadata_at = 0.0
        self._keys: dict[str, jwt.PyJWK] = {}
        self._keys_at: float | None = None
        self.jwks_fetches = 0
        """How many times the JWKS was fetched (a rotation makes one more)."""

    # -- HTTP -------------------------------------------------------------------------------

    def _session(self, session: requests.Session | None = None) -> requests.Session:
        session = session or requests.Session()
        if self.adapter is not None:
            session.mount("http://", self.adapter)
            session.mount("https://", self.adapter)
        return session

    def _get_json(self, url: str) -> dict[str, Any]:
        try:
            with self._session() as session:
                response = session.get(url, timeout=HTTP_TIMEOUT_SECONDS)
                response.raise_for_status()
                body = response.json()
        except (requests.RequestException, ValueError) as exc:
            raise ProviderUnavailable(f"{url}: {exc}") from None
        if not isinstance(body, dict):
            raise ProviderUnavailable(f"{url}: not a JSON object")
        return body

    # -- discovery and keys -----------------------------------------------------------------

    def metadata(self) -> dict[str, Any]:
        """The provider's discovery document (cached), checked to name the configured issuer
        (OpenID Connect Discovery 1.0, section 4.3)."""
        with self._lock:
            fresh = time.monotonic() - self._metadata_at < METADATA_TTL_SECONDS
            if self._metadata is not None and fresh:
                return self._metadata
        url = self.config.issuer.rstrip("/") + "/.well-known/openid-configuration"
        found = self._get_json(url)
        if found.get("issuer") != self.config.issuer:
            raise ProviderUnavailable(
                f"discovery names issuer {found.get('issuer')!r}, not {self.config.issuer!r}"
            )
        for endpoint in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
            if not isinstance(found.get(endpoint), str):
                raise ProviderUnavailable(f"discovery has no {endpoint}")
        with self._lock:
            self._metadata, self._metadata_at = found, time.monotonic()
        return found

    @property
    def end_session_endpoint(self) -> str | None:
        """Where RP-initiated logout goes, if the provider offers it."""
        endpoint = self.metadata().get("end_session_endpoint")
        return endpoint if isinstance(endpoint, str) else None

    def _fetch_keys(self) -> None:
        jwks = self._get_json(self.metadata()["jwks_uri"])
        keys: dict[str, jwt.PyJWK] = {}
        for entry in jwks.get("keys", []):
            if not isinstance(entry, dict) or entry.get("use", "sig") != "sig":
                continue
            try:
                key = jwt.PyJWK(entry)
            except jwt.PyJWTError:
                continue  # a key type this installation cannot use; others may do
            keys[entry.get("kid") or ""] = key
        with self._lock:
            self._keys, self._keys_at = keys, time.monotonic()
            self.jwks_fetches += 1

    def signing_key(self, kid: str | None) -> jwt.PyJWK:
        """The provider's key ``kid`` (or its only key, for a token naming none); fetches the
        JWKS again once if the key is unknown (a rotation)."""
        for attempt in range(2):
            with self._lock:
                keys, fetched_at = self._keys, self._keys_at
            if kid is None and len(keys) == 1:
                return next(iter(keys.values()))
            if kid is not None and kid in keys:
                return keys[kid]
            age = None if fetched_at is None else time.monotonic() - fetched_at
            if attempt or (age is not None and age < self.config.jwks_min_refresh_seconds):
                break
            self._fetch_keys()
        if kid is None:
            raise TokenRefused("it names no signing key and the provider has several")
        raise TokenRefused(f"it is signed with key {kid!r}, which the provider does not publish")

    # -- the authorization code flow --------------------------------------------------------

    def _client(self, **kwargs: Any) -> OAuth2Session:
        client = OAuth2Session(
            self.config.client_id,
            self.config.client_secret,
            scope=" ".join(self.config.scopes),
            redirect_uri=self.config.redirect_uri,
            code_challenge_method="S256",
            token_endpoint_auth_method="client_secret_basic",
            **kwargs,
        )
        return self._session(client)

    def authorization_url(self, *, state: str, nonce: str, code_verifier: str) -> str:
        """Where to send the browser to sign in (PKCE S256 challenge of ``code_verifier``)."""
        endpoint = self.metadata()["authorization_endpoint"]
        with self._client() as client:
            url, _state = client.create_authorization_url(
                endpoint, state=state, nonce=nonce, code_verifier=code_verifier
            )
        return url

    def exchange(self, code: str, code_verifier: str) -> dict[str, Any]:
        """The token endpoint's answer for ``code`` (the ID token under ``id_token``)."""
        endpoint = self.metadata()["token_endpoint"]
        try:
            with self._client() as client:
                answer = client.fetch_token(
                    endpoint,
                    grant_type="authorization_code",
                    code=code,
                    code_verifier=code_verifier,
                    timeout=HTTP_TIMEOUT_SECONDS,
                )
        except requests.RequestException as exc:
            raise ProviderUnavailable(f"token endpoint: {exc}") from None
        except (AuthlibBaseError, ValueError) as exc:  # an OAuth error answer, or not JSON
            raise TokenRefused(f"the provider refused the sign-in code ({exc})") from None
        return dict(answer)

    # -- checking what the provider signed -------------------------------------------------

    def verify(
        self, token: str, *, audience: str, required: Iterable[str] = ("iss", "aud", "exp")
    ) -> dict[str, Any]:
        """The claims of ``token`` once its signature (a provider key), issuer, audience and
        lifetime check out; `TokenRefused` saying which check failed otherwise."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise TokenRefused("it is not a signed token") from None
        algorithm = header.get("alg")
        if algorithm not in SIGNING_ALGORITHMS:
            raise TokenRefused(f"it is signed with {algorithm!r}, not a provider key")
        key = self.signing_key(header.get("kid"))
        try:
            return jwt.decode(
                token,
                key.key,
                algorithms=[algorithm],
                audience=audience,
                issuer=self.config.issuer,
                leeway=self.config.leeway_seconds,
                options={"require": list(required)},
            )
        except jwt.ExpiredSignatureError:
            raise TokenRefused("it has expired") from None
        except jwt.InvalidIssuerError:
            raise TokenRefused(f"it was not issued by {self.config.issuer}") from None
        except jwt.InvalidAudienceError:
            raise TokenRefused(f"it is not meant for {audience}") from None
        except jwt.MissingRequiredClaimError as exc:
            raise TokenRefused(f"it lacks the {exc.claim!r} claim") from None
        except jwt.ImmatureSignatureError:
            raise TokenRefused("it is dated in the future") from None
        except jwt.InvalidSignatureError:
            raise TokenRefused("its signature does not match the provider's key") from None
        except jwt.PyJWTError as exc:
            raise TokenRefused(f"it is not valid ({exc})") from None

    def verify_id_token(self, token: str, nonce: str) -> dict[str, Any]:
        """An ID token's claims (OpenID Connect Core 1.0, section 3.1.3.7): signed by the
        provider, its issuer, for this client (``azp`` when several audiences), unexpired,
        and carrying the nonce this browser's sign-in sent (no replay)."""
        claims = self.verify(
            token, audience=self.config.client_id, required=("iss", "aud", "exp", "iat", "sub")
        )
        audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        if len(audiences) > 1 and claims.get("azp") != self.config.client_id:
            raise TokenRefused("it names several audiences but not this client as its party")
        sent = claims.get("nonce")
        if not isinstance(sent, str) or not hmac.compare_digest(sent.encode(), nonce.encode()):
            raise TokenRefused("its nonce is not this sign-in's (a replayed token)")
        return claims

    def verify_logout_token(self, token: str) -> dict[str, Any]:
        """A back-channel logout token's claims (OpenID Connect Back-Channel Logout 1.0,
        section 2.6): signed by the provider, its issuer, for this client, recent (``iat``),
        carrying the back-channel logout event, naming a session (``sid``) or a user
        (``sub``), and no ``nonce`` (so an ID token cannot be passed off as one)."""
        claims = self.verify(
            token, audience=self.config.client_id, required=("iss", "aud", "iat", "events")
        )
        issued = claims["iat"]
        if not isinstance(issued, int | float) or time.time() - issued > (
            LOGOUT_TOKEN_MAX_AGE_SECONDS + self.config.leeway_seconds
        ):
            raise TokenRefused("it was issued too long ago")
        events = claims["events"]
        if not isinstance(events, dict) or not isinstance(
            events.get(BACKCHANNEL_LOGOUT_EVENT), dict
        ):
            raise TokenRefused("its events claim holds no back-channel logout event")
        if "nonce" in claims:
            raise TokenRefused("it carries a nonce, which a logout token must not")
        sid, sub = claims.get("sid"), claims.get("sub")
        if not (isinstance(sid, str) and sid) and not (isinstance(sub, str) and sub):
            raise TokenRefused("it names neither a session (sid) nor a user (sub)")
        return claims
