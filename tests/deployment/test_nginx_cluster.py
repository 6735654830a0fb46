"""Two instances on one PostgreSQL behind Debian's nginx (issue 12, point 8).

Scaling out is safe only if nothing a request depends on lives in one process: the session
cookie and the API token must be accepted by any instance, the login throttle must count every
instance's failures, optimistic locking must hold across instances, and nginx must move traffic
off a dead instance without losing or duplicating an acknowledged write. Each test reaches the
instances directly as well as through nginx, so a pass cannot come from nginx happening to send
both requests to the same instance.
"""

from __future__ import annotations

import copy
import json
import re
import threading
import time
import uuid
from pathlib import Path

import httpx
import pytest
from cluster_support import (
    CLINICIAN,
    PASSWORD,
    bearer,
    cookie_header,
    csrf_of,
    page_login,
    session_cookie,
    token,
)
from sqlalchemy import func, select

from rectoplan.registry import models, users
from rectoplan.registry.db import make_engine, session_factory, transaction
from rectoplan.registry.users import Role
from rectoplan.web.settings import Settings

pytestmark = pytest.mark.xdist_group("nginx-cluster")

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "cases" / "seed001_1_diagnosis.json"
ONE_YEAR_S = 365 * 24 * 3600
LOG_WAIT_SECONDS = 5.0


def new_user(cluster, role: Role = Role.clinician) -> str:
    """A user of its own for a test that changes what the registry knows about its logins."""
    name = f"u{uuid.uuid4().hex[:10]}"
    engine = make_engine(cluster.database_url)
    try:
        with transaction(session_factory(engine), "cluster-test") as session:
            users.create_user(session, name, role, PASSWORD)
    finally:
        engine.dispose()
    return name


def new_case(client: httpx.Client, base: str, headers: dict[str, str]) -> dict:
    case = json.loads(EXAMPLE.read_text())
    case["case_id"] = f"cluster-{uuid.uuid4().hex[:12]}"
    response = client.post(f"{base}/api/cases", json={"case": case}, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


def upstreams_in_log(cluster, request_line: str, expected: int) -> list[str]:
    """The ``upstream=`` field of every access-log line for ``request_line``.

    nginx writes a request's log line after it has sent the response, so the client can hold
    the last answer before its line is on disk: read until ``expected`` lines are there (or a
    few seconds have passed, and the caller's assertion then reports what was found).
    """
    deadline = time.monotonic() + LOG_WAIT_SECONDS
    while True:
        found = [
            re.search(r"upstream=(.+?) upstream_status=", line).group(1)
            for line in cluster.access_log.read_text().splitlines()
            if f'"{request_line} ' in line
        ]
        if len(found) >= expected or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


def test_nginx_terminates_tls_with_hsts_and_balances_both_instances(cluster):
    path = f"/healthz?probe={uuid.uuid4().hex}"
    with cluster.client() as client:
        answers = [client.get(cluster.url + path) for _ in range(4)]
        plain = client.get(cluster.http_url + "/login", follow_redirects=False)
    assert [a.status_code for a in answers] == [200] * 4
    hsts = answers[0].headers["strict-transport-security"]
    assert int(re.search(r"max-age=(\d+)", hsts).group(1)) >= ONE_YEAR_S
    # plain HTTP only redirects, to the same path over HTTPS
    assert plain.status_code == 301
    assert plain.headers["location"] == cluster.url + "/login"
    # round robin: both instances answered the four probes
    served = upstreams_in_log(cluster, f"GET {path}", 4)
    assert len(served) == 4
    assert {u.removeprefix("127.0.0.1:") for u in served} == {
        base.rsplit(":", 1)[1] for base in cluster.instances
    }


def test_page_session_made_through_one_works_through_the_other(cluster):
    one, other = cluster.instances
    with cluster.client() as client:
        login = page_login(client, one, CLINICIAN)
        assert login.status_code == 303
        cookie, attributes = session_cookie(login)
        # the deployment's setting: the cookie never travels over plain HTTP, nor to scripts
        assert {"secure", "httponly"} <= {a.strip().lower() for a in attributes.split(";")}
        for base in (other, cluster.url, one):
            page = client.get(f"{base}/cases", headers=cookie_header(cookie))
            assert page.status_code == 200, base
            assert CLINICIAN in page.text
        refused = client.get(f"{other}/cases", follow_redirects=False)
        assert refused.status_code == 303 and refused.headers["location"].startswith("/login")
        # a form rendered by one instance is accepted by the other (the CSRF key is shared)
        page = client.get(f"{one}/cases", headers=cookie_header(cookie))
        logout = client.post(
            f"{other}/logout",
            data={"csrf_token": csrf_of(page.text)},
            headers=cookie_header(cookie),
            follow_redirects=False,
        )
        assert logout.status_code == 303 and logout.headers["location"] == "/login"


def test_api_token_made_through_one_works_through_the_other(cluster):
    one, other = cluster.instances
    with cluster.client() as client:
        headers = bearer(client, other)
        for base in (one, cluster.url, other):
            me = client.get(f"{base}/api/me", headers=headers)
            assert me.status_code == 200, base
            assert me.json() == {"name": CLINICIAN, "role": "clinician"}
        # a token signed with another key is refused by both: the key, not luck, is shared
        forged = {"Authorization": headers["Authorization"][:-4] + "AAAA"}
        for base in (one, other):
            assert client.get(f"{base}/api/me", headers=forged).status_code == 401


def test_login_throttling_counts_across_both_instances(cluster):
    limit = Settings.from_env(cluster.env).login_max_failures
    locked, spared = new_user(cluster), new_user(cluster)
    with cluster.client() as client:
        # one short of the limit, spread over both instances: not locked yet
        for attempt in range(limit - 1):
            base = cluster.instances[attempt % 2]
            assert token(client, base, spared, "wrong password").status_code == 401
        assert token(client, cluster.instances[1], spared).status_code == 200
        # the limit, alternating: each instance saw only about half, yet the account is locked
        for attempt in range(limit):
            base = cluster.instances[attempt % 2]
            assert token(client, base, locked, "wrong password").status_code == 401, attempt
        for base in (*cluster.instances, cluster.url):
            refused = token(client, base, locked)  # even the right password
            assert refused.status_code == 429, base
            assert int(refused.headers["retry-after"]) > 0
        form = page_login(client, cluster.instances[0], locked)
        assert form.status_code == 429
        assert "Too many failed logins" in form.text


def test_stale_write_through_one_is_refused_through_the_other(cluster):
    one, other = cluster.instances
    with cluster.client() as client:
        headers = bearer(client, cluster.url)
        stored = new_case(client, cluster.url, headers)
        case_id, read_version = stored["case"]["case_id"], stored["version"]
        first = copy.deepcopy(stored["case"])
        first["tumour"]["cea_ng_ml"] = 7.5
        second = copy.deepcopy(stored["case"])
        second["tumour"]["cea_ng_ml"] = 1.0
        saved = client.put(
            f"{one}/api/cases/{case_id}",
            json={"case": first, "expected_version": read_version},
            headers=headers,
        )
        assert saved.status_code == 200, saved.text
        for base in (other, cluster.url):
            stale = client.put(
                f"{base}/api/cases/{case_id}",
                json={"case": second, "expected_version": read_version},
                headers=headers,
            )
            assert stale.status_code == 409, base
            assert stale.json()["current_version"] == read_version + 1
        now = client.get(f"{other}/api/cases/{case_id}", headers=headers).json()
    assert now["version"] == read_version + 1
    assert now["case"]["tumour"]["cea_ng_ml"] == 7.5


def test_logout_through_one_ends_session_on_the_other(cluster):
    one, other = cluster.instances
    with cluster.client() as client:
        cookie, _ = session_cookie(page_login(client, one, CLINICIAN))
        jar = cookie_header(cookie)
        page = client.get(f"{one}/cases", headers=jar)
        assert page.status_code == 200
        logout = client.post(
            f"{other}/logout",
            data={"csrf_token": csrf_of(page.text)},
            headers=jar,
            follow_redirects=False,
        )
        assert logout.status_code == 303
        # the old cookie, replayed (a copy kept by another tab, a proxy or a thief), is dead
        for base in (one, cluster.url):
            again = client.get(f"{base}/cases", headers=jar, follow_redirects=False)
            assert again.status_code == 303, base
            assert again.headers["location"].startswith("/login")


def stored_markers(cluster, prefix: str) -> dict[str, int]:
    """How many complications the registry holds per description starting with ``prefix``."""
    engine = make_engine(cluster.database_url)
    try:
        with session_factory(engine)() as session:
            return dict(
                session.execute(
                    select(models.Complication.description, func.count())
                    .where(models.Complication.description.like(f"{prefix}%"))
                    .group_by(models.Complication.description)
                ).all()
            )
    finally:
        engine.dispose()


THREADS = 4
WRITES_PER_THREAD = 20
KILL_AFTER = 24
"""Acknowledged writes before instance 1 is killed: well into the run, with both serving."""


def test_killing_an_instance_under_load_loses_no_acknowledged_write(cluster):
    victim = 1
    victim_address = cluster.instances[victim].removeprefix("http://")
    with cluster.client() as client:
        headers = bearer(client, cluster.url)
        case_id = new_case(client, cluster.url, headers)["case"]["case_id"]
    run = uuid.uuid4().hex[:8]
    results: list[tuple[str, float, int | None]] = []  # marker, start, status (None: no answer)
    lock = threading.Lock()
    acknowledged = threading.Semaphore(0)
    killed_at: list[float] = []

    def writer(thread: int) -> None:
        with cluster.client() as own:
            for n in range(WRITES_PER_THREAD):
                marker = f"load {run} {thread}-{n}"
                body = {"clavien_dindo": "I", "description": marker}
                started = time.monotonic()
                try:
                    answer = own.post(
                        f"{cluster.url}/api/cases/{case_id}/complications",
                        json=body,
                        headers=headers,
                    )
                    code = answer.status_code
                except httpx.TransportError:
                    code = None
                with lock:
                    results.append((marker, started, code))
                if code is not None and 200 <= code < 300:
                    acknowledged.release()

    threads = [threading.Thread(target=writer, args=(t,)) for t in range(THREADS)]
    for thread in threads:
        thread.start()
    for _ in range(KILL_AFTER):
        assert acknowledged.acquire(timeout=30), "the writes stalled before the kill"
    cluster.kill(victim)  # the next test that needs it starts it again
    killed_at.append(time.monotonic())
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)

    ok = {marker for marker, _, code in results if code is not None and 200 <= code < 300}
    failed = [(marker, started) for marker, started, code in results if marker not in ok]
    assert len(results) == THREADS * WRITES_PER_THREAD
    # only requests already in flight on the victim may fail (a POST is never replayed)
    assert len(failed) <= THREADS, failed
    after = [code for _, started, code in results if started > killed_at[0]]
    assert len(after) >= THREADS * WRITES_PER_THREAD // 4  # the run went on well past it
    assert all(code is not None and 200 <= code < 300 for code in after), after

    stored = stored_markers(cluster, f"load {run} ")
    assert {marker for marker in ok if stored.get(marker) != 1} == set()  # none lost
    assert {marker: n for marker, n in stored.items() if n > 1} == {}  # none twice
    # the victim really took some of the writes before it died
    posts = upstreams_in_log(cluster, f"POST /api/cases/{case_id}/complications", len(ok))
    assert sum(victim_address == u for u in posts) > 0


def test_a_write_sent_to_a_dead_instance_is_passed_once_to_the_other(cluster_one_down):
    cluster = cluster_one_down
    alive = cluster.instances[0].removeprefix("http://")
    dead = cluster.instances[1].removeprefix("http://")
    with cluster.client() as client:
        # set up on the live instance directly: the first request through nginx is a write
        headers = bearer(client, cluster.instances[0])
        case_id = new_case(client, cluster.instances[0], headers)["case"]["case_id"]
        run = uuid.uuid4().hex[:8]
        codes = [
            client.post(
                f"{cluster.url}/api/cases/{case_id}/complications",
                json={"clavien_dindo": "II", "description": f"retry {run} {n}"},
                headers=headers,
            ).status_code
            for n in range(4)
        ]
    assert codes == [201] * 4
    # the connection to the dead one was refused, so nothing had been sent: nginx passed the
    # POST on, and the access log shows both attempts of that one request
    served = upstreams_in_log(cluster, f"POST /api/cases/{case_id}/complications", 4)
    assert len(served) == 4
    assert f"{dead}, {alive}" in served, "no write was passed from the dead instance on"
    assert set(served) <= {alive, f"{dead}, {alive}"}
    assert stored_markers(cluster, f"retry {run} ") == {f"retry {run} {n}": 1 for n in range(4)}
