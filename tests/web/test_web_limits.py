"""Request limits (`rectoplan.limits`): a body over the size limit is a 413 counted as it
streams (declared or not), a FHIR Bundle with too many entries is a 413 before any FHIR object
is built, and the issue's 17.8 MB / 200,000-entry bundle is refused by a real server quickly,
without the server ever holding it."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import httpx
from web_support import PASSWORD, SECRET, bearer, client_for, csrf_of, sign_in

from rectoplan.limits import Limits
from rectoplan.registry.users import Role

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _padded_case(case: dict, size: int) -> bytes:
    """The case as JSON padded with spaces (still valid JSON) to ``size`` bytes."""
    text = json.dumps(case).encode()
    return text + b" " * (size - len(text))


def test_a_body_over_the_limit_is_413_naming_the_limit_and_one_under_it_passes(sqlite_url, case):
    limit = 20_000
    with client_for(sqlite_url, limits=Limits(max_body_bytes=limit)) as client:
        headers = bearer(Role.clinician) | {"Content-Type": "application/json"}
        fits = client.post("/api/assess", content=_padded_case(case, limit), headers=headers)
        assert fits.status_code == 200, fits.text
        over = client.post("/api/assess", content=_padded_case(case, limit + 1), headers=headers)
        assert over.status_code == 413
        assert "RECTOPLAN_MAX_BODY_BYTES=20000" in over.json()["detail"]


def test_a_streamed_body_without_content_length_is_counted(sqlite_url, case):
    """Chunked upload: no Content-Length to trust, so the bytes themselves are counted."""
    body = _padded_case(case, 60_000)

    def chunks():
        for start in range(0, len(body), 4096):
            yield body[start : start + 4096]

    with client_for(sqlite_url, limits=Limits(max_body_bytes=20_000)) as client:
        headers = bearer(Role.clinician) | {"Content-Type": "application/json"}
        answer = client.post("/api/assess", content=chunks(), headers=headers)
        assert answer.status_code == 413, answer.text
        assert "larger than the limit" in answer.json()["detail"]


def test_a_page_form_over_the_limit_is_refused_too(sqlite_url):
    with client_for(sqlite_url, limits=Limits(max_body_bytes=5_000)) as client:
        sign_in(client, Role.clinician)
        form = {"csrf_token": csrf_of(client), "note": "x" * 10_000}
        answer = client.post("/logout", data=form, follow_redirects=False)
        assert answer.status_code == 413


def _bundle(entries: int) -> dict:
    patient = {"resource": {"resourceType": "Patient", "id": "p1"}}
    observation = {"resource": {"resourceType": "Observation", "id": "o", "status": "final"}}
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [patient] + [observation] * (entries - 1),
    }


def test_a_bundle_with_too_many_entries_is_413_before_it_is_read(sqlite_url):
    with client_for(sqlite_url, limits=Limits(max_bundle_entries=40)) as client:
        headers = bearer(Role.clinician)
        over = client.post("/api/fhir/Bundle?store=false", json=_bundle(41), headers=headers)
        assert over.status_code == 413
        assert over.json()["detail"] == (
            "the Bundle has 41 entries, more than the limit of 40 (RECTOPLAN_MAX_BUNDLE_ENTRIES=40)"
        )
        within = client.post("/api/fhir/Bundle?store=false", json=_bundle(40), headers=headers)
        assert within.status_code == 422  # read, and refused for what it lacks, not its size


# --- the issue's bundle against a real server -------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _peak_rss_kib(pid: int) -> int:
    """The process's peak resident memory so far (VmHWM, Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise AssertionError("no VmHWM in /proc")


def _serve(folder: Path, **env_changes: str) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    env = {
        **os.environ,
        "RECTOPLAN_DATABASE_URL": f"sqlite:///{folder / 'registry.sqlite3'}",
        "RECTOPLAN_SECRET_KEY": SECRET,
        "RECTOPLAN_ADMIN_PASSWORD": PASSWORD,
        **env_changes,
    }
    log = (folder / "server.log").open("w")
    command = [sys.executable, "-m", "rectoplan", "serve", "--port", str(port)]
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=folder)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        assert process.poll() is None, (folder / "server.log").read_text()[-2000:]
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2):
                return process, base
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise AssertionError("the server did not start")


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()


def test_the_issues_bundle_is_refused_fast_by_a_real_server_without_holding_it(tmp_path):
    """17.8 MB with 200,000 entries took 20 s and +730 MB before its 422. Now the default
    body limit refuses it as it streams in: quickly, and the server's peak memory grows by
    less than the body itself (it never held the body, let alone twice). A bundle under the
    size limit with too many entries is refused on its entry count, before FHIR objects."""
    huge = json.dumps(_bundle(200_000)).encode()
    assert len(huge) > 12_000_000
    process, base = _serve(tmp_path)
    try:
        with httpx.Client(base_url=base, timeout=60) as http:
            login = http.post("/api/token", data={"username": "admin", "password": PASSWORD})
            headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
            http.get("/api/me", headers=headers)  # warm: the app's own memory is in place
            before = _peak_rss_kib(process.pid)

            def stream():
                for start in range(0, len(huge), 65536):
                    yield huge[start : start + 65536]

            for body in (huge, stream()):  # declared length, then chunked without one
                started = time.perf_counter()
                answer = http.post(
                    "/api/fhir/Bundle",
                    content=body,
                    headers=headers | {"Content-Type": "application/json"},
                )
                elapsed = time.perf_counter() - started
                assert answer.status_code == 413, answer.text[:300]
                assert "RECTOPLAN_MAX_BODY_BYTES" in answer.json()["detail"]
                assert elapsed < 10, elapsed
            grown_kib = _peak_rss_kib(process.pid) - before
            assert grown_kib * 1024 < len(huge), f"peak memory grew by {grown_kib} KiB"

            # under the size limit but over the entry limit: refused on the count
            many = json.dumps(_bundle(60_000)).encode()
            assert len(many) < Limits().max_body_bytes
            started = time.perf_counter()
            answer = http.post(
                "/api/fhir/Bundle",
                content=many,
                headers=headers | {"Content-Type": "application/json"},
            )
            assert answer.status_code == 413, answer.text[:300]
            assert "60,000 entries" in answer.json()["detail"]
            assert time.perf_counter() - started < 10
    finally:
        _stop(process)
