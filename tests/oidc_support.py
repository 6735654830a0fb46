"""The real OpenID Connect provider the hospital sign-in tests run against, and how a test
signs in through it.

`IdentityProvider` runs ``tests/oidc/provider.mjs`` (the npm package ``oidc-provider``, which
``scripts/oidc-provider.sh`` installs) with the machine's Node.js on a free loopback port.
The test owns its signing keys (written to a JWKS file the provider loads, so a test can rotate
them by restarting it, and can mint tokens with them for the negative checks) and its
directory of users (a JSON file the provider reads at every sign-in, so a test can take a
group away as a hospital's directory would). Without Node.js or the package the sign-in tests
skip locally and fail on CI (``CI`` set): a missing provider must not pass silently.

A uniquely named module (not ``conftest``) so test modules can import it unambiguously.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urljoin

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from requests.adapters import HTTPAdapter

from rectoplan.web.oidc.config import OidcSettings

NODE_PROJECT = Path(__file__).resolve().parent / "oidc"
CLIENT_ID = "rectoplan"
ROBOT_ID = "rectoplan-robot"
CLIENT_SECRET = "tests-only-client-secret-0123456789abcdef"
API_AUDIENCE = "urn:rectoplan:api"
ROLES = {
    "rectoplan-admins": "admin",
    "rectoplan-coordinators": "coordinator",
    "rectoplan-clinicians": "clinician",
    "rectoplan-viewers": "viewer",
}
SPECIALTIES = {
    "Consultant colorectal surgeon": "colorectal_surgeon",
    "Consultant radiologist": "radiologist",
}
USERS = {
    "f3a1c2d4-ana": {
        "name": "Ana Costa",
        "preferred_username": "ana.costa",
        "email": "ana.costa@hospital.example",
        "job_title": "Consultant colorectal surgeon",
        "groups": ["staff", "rectoplan-clinicians", "rectoplan-coordinators"],
    },
    "9b7e5f01-li": {
        "name": "Li Wei",
        "preferred_username": "li.wei",
        "email": "li.wei@hospital.example",
        "job_title": "Consultant radiologist",
        "groups": ["staff", "rectoplan-viewers"],
    },
    "0c11e7aa-sam": {
        "name": "Sam Porter",
        "preferred_username": "sam.porter",
        "email": "sam.porter@hospital.example",
        "job_title": "Porter",
        "groups": ["staff"],
    },
}
"""The provider's directory: subject -> claims (groups as a hospital directory would send)."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def signing_key(kid: str) -> dict:
    """A new RSA private key as a JWK with key id ``kid``."""
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    key = jwt.algorithms.RSAAlgorithm.to_jwk(private, as_dict=True)
    key.pop("key_ops", None)  # PyJWT says "sign" only; the provider also looks keys up to verify
    return {**key, "kid": kid, "use": "sig", "alg": "RS256"}


def mint(key: dict, claims: dict, **header) -> str:
    """A JWT signed with the private JWK ``key`` (the test acting as a provider, or a forger)."""
    private = jwt.algorithms.RSAAlgorithm.from_jwk(json.dumps(key))
    return jwt.encode(claims, private, algorithm="RS256", headers={"kid": key["kid"], **header})


def node_or_skip() -> str:
    """The node executable, after checking the provider package is installed; skips (or,
    on CI, fails) otherwise."""
    node = shutil.which("node")
    installed = (NODE_PROJECT / "node_modules" / "oidc-provider" / "package.json").is_file()
    if node and installed:
        return node
    reason = (
        "the test identity provider needs Node.js and the oidc-provider package "
        "(scripts/system-packages.sh test, then scripts/oidc-provider.sh; make test does both)"
    )
    if os.environ.get("CI"):
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


class IdentityProvider:
    """``oidc-provider`` on loopback, configured for RectoPlan at ``rp_base``."""

    def __init__(self, folder: Path, rp_base: str) -> None:
        self.folder = folder
        self.rp_base = rp_base
        self.port = free_port()
        self.issuer = f"http://127.0.0.1:{self.port}"
        self.keys_file = folder / "jwks.json"
        self.users_file = folder / "users.json"
        self.keys = [signing_key("key-1")]
        self.process: subprocess.Popen | None = None
        self.set_users(USERS)

    def set_users(self, users: dict) -> None:
        """Replace the provider's directory (read again at the next sign-in)."""
        self.users_file.write_text(json.dumps(users))

    def set_groups(self, subject: str, groups: list[str]) -> None:
        users = json.loads(self.users_file.read_text())
        users[subject]["groups"] = groups
        self.set_users(users)

    def start(self) -> None:
        node = node_or_skip()
        self.keys_file.write_text(json.dumps({"keys": self.keys}))
        env = {
            **os.environ,
            "OIDC_ISSUER": self.issuer,
            "OIDC_RP_BASE": self.rp_base,
            "OIDC_CLIENT_SECRET": CLIENT_SECRET,
            "OIDC_API_AUDIENCE": API_AUDIENCE,
            "OIDC_KEYS_FILE": str(self.keys_file),
            "OIDC_USERS_FILE": str(self.users_file),
            "NODE_ENV": "test",
        }
        self.log = (self.folder / "provider.log").open("a")
        self.process = subprocess.Popen(
            [node, str(NODE_PROJECT / "provider.mjs")],
            env=env,
            cwd=NODE_PROJECT,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self._wait_until_up()

    def _wait_until_up(self, seconds: float = 30) -> None:
        url = self.issuer + "/.well-known/openid-configuration"
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                log = (self.folder / "provider.log").read_text()
                raise RuntimeError(f"the identity provider exited: {log[-2000:]}")
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"the identity provider did not answer at {url}")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
            self.process = None
            self.log.close()

    def rotate_keys(self) -> dict:
        """Restart with a new signing key only (the old one withdrawn); returns the new one."""
        self.stop()
        new = signing_key(f"key-{len(self.keys) + 1}")
        self.keys = [new]
        self.start()
        return new

    @property
    def key(self) -> dict:
        """The provider's current private signing key (for minting tokens in tests)."""
        return self.keys[0]

    def settings(self, **changes) -> OidcSettings:
        """RectoPlan's settings for this provider."""
        values = {
            "issuer": self.issuer,
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "redirect_base": self.rp_base,
            "roles": ROLES,
            "scopes": ("openid", "profile", "email", "groups"),
            "specialty_claim": "job_title",
            "specialties": SPECIALTIES,
            "api_audience": API_AUDIENCE,
            "label": "St Elsewhere NHS account",
        }
        return OidcSettings(**{**values, **changes})

    def environment(self) -> dict[str, str]:
        """The same settings as ``RECTOPLAN_OIDC_*`` variables (for ``rectoplan serve``)."""
        return {
            "RECTOPLAN_OIDC_ISSUER": self.issuer,
            "RECTOPLAN_OIDC_CLIENT_ID": CLIENT_ID,
            "RECTOPLAN_OIDC_CLIENT_SECRET": CLIENT_SECRET,
            "RECTOPLAN_OIDC_REDIRECT_BASE": self.rp_base,
            "RECTOPLAN_OIDC_SCOPES": "openid profile email groups",
            "RECTOPLAN_OIDC_ROLE_CLAIM": "groups",
            "RECTOPLAN_OIDC_ROLES": json.dumps(ROLES),
            "RECTOPLAN_OIDC_SPECIALTY_CLAIM": "job_title",
            "RECTOPLAN_OIDC_SPECIALTIES": json.dumps(SPECIALTIES),
            "RECTOPLAN_OIDC_API_AUDIENCE": API_AUDIENCE,
            "RECTOPLAN_OIDC_LABEL": "St Elsewhere NHS account",
        }

    def robot_token(self) -> str:
        """A JWT access token for RectoPlan's API from the client-credentials grant."""
        answer = httpx.post(
            self.issuer + "/token",
            data={"grant_type": "client_credentials", "scope": "api", "resource": API_AUDIENCE},
            auth=(ROBOT_ID, CLIENT_SECRET),
        )
        answer.raise_for_status()
        return answer.json()["access_token"]


class TokenAnswerTamper(HTTPAdapter):
    """The network between RectoPlan and the provider, with the token endpoint's answer
    rewritten by ``rewrite(answer) -> answer`` on its way back (the real provider still
    authenticates the user and issues the code). Every genuine ID token seen is kept in
    ``seen``."""

    def __init__(self, rewrite: Callable[[dict], dict]) -> None:
        super().__init__()
        self.rewrite = rewrite
        self.seen: list[str] = []

    def send(self, request, *args, **kwargs):
        response = super().send(request, *args, **kwargs)
        if request.method == "POST" and request.url.endswith("/token"):
            answer = response.json()
            self.seen.append(answer.get("id_token"))
            response._content = json.dumps(self.rewrite(answer)).encode()
        return response


_FORM_ACTION = re.compile(r'<form[^>]*action="([^"]+)"')


def sign_in(http: httpx.Client, base: str, subject: str) -> httpx.Response:
    """Sign in to RectoPlan at ``base`` as the provider's user ``subject``, as a browser does:
    RectoPlan's start link, the provider's login form, back to RectoPlan's callback. Returns
    the last answer (the case list, or the page saying why the sign-in was refused)."""
    form = http.get(base + "/login/oidc", follow_redirects=True)
    action = _FORM_ACTION.search(form.text)
    assert action, form.text[:500]
    return http.post(
        urljoin(str(form.url), action.group(1)),
        data={"prompt": "login", "login": subject, "password": "any"},
        follow_redirects=True,
    )


def sign_out_at_provider(http: httpx.Client, url: str) -> httpx.Response:
    """Open the provider's logout page at ``url`` (its end-session endpoint, with or without
    RectoPlan's parameters) and confirm "Yes, sign me out"; the last answer."""
    page = http.get(url, follow_redirects=True)
    action = _FORM_ACTION.search(page.text)
    xsrf = re.search(r'name="xsrf" value="([^"]+)"', page.text)
    assert action and xsrf, page.text[:500]
    return http.post(
        urljoin(str(page.url), action.group(1)),
        data={"xsrf": xsrf.group(1), "logout": "yes"},
        follow_redirects=True,
    )


def logout_claims(issuer: str, **changes) -> dict:
    """The claims of a back-channel logout token as the spec defines them (``changes`` on top;
    a value of None drops the claim)."""
    now = int(time.time())
    claims = {
        "iss": issuer,
        "aud": CLIENT_ID,
        "iat": now,
        "exp": now + 120,
        "jti": f"logout-{now}-{os.getpid()}",
        "events": {"http://schemas.openid.net/event/backchannel-logout": {}},
        **changes,
    }
    return {name: value for name, value in claims.items() if value is not None}
