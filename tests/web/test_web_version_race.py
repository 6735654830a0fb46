"""The issue's race over HTTP: two simultaneous ``PUT /api/cases/{id}`` at one
``expected_version``, one changing the MRI T category and one unchanged, sent through two app
instances (two engines, as two server processes) on one database, SQLite and PostgreSQL.
Before every save checked its version both answered 200 (40 of 40 trials) and the newest
snapshot could describe the old case; now exactly one wins and the snapshot matches."""

from __future__ import annotations

import copy
import threading

from web_support import bearer, client_for

from rectoplan.registry.users import Role

TRIALS = 6


def _put_together(url: str, headers: dict, version: int, sends: dict) -> dict[str, int]:
    """Send each ``name: (client, case)`` PUT at ``version`` from its own thread, released
    together; the status of each."""
    barrier = threading.Barrier(len(sends))
    codes: dict[str, int] = {}

    def put(name: str, client, body: dict) -> None:
        barrier.wait(30)
        answer = client.put(url, json={"case": body, "expected_version": version}, headers=headers)
        codes[name] = answer.status_code

    threads = [threading.Thread(target=put, args=(name, *pair)) for name, pair in sends.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return codes


def test_two_simultaneous_puts_at_one_version_give_exactly_one_200(any_url, case):
    with client_for(any_url) as one, client_for(any_url) as other:
        headers = bearer(Role.clinician)
        assert one.post("/api/cases", json={"case": case}, headers=headers).status_code == 201
        url = f"/api/cases/{case['case_id']}"
        for _trial in range(TRIALS):
            stored = one.get(url, headers=headers).json()
            version, current = stored["version"], stored["case"]
            changed = copy.deepcopy(current)
            t = current["mri"]["ct"].removeprefix("c")
            changed["mri"]["ct"] = "T4a" if t == "T3" else "T3"
            sends = {"changed": (one, changed), "unchanged": (other, current)}
            codes = _put_together(url, headers, version, sends)
            assert sorted(codes.values()) == [200, 409], codes
            after = one.get(url, headers=headers).json()
            assert after["version"] == version + 1
            latest = one.get(f"{url}/assessments", headers=headers).json()
            newest = max(latest, key=lambda snapshot: snapshot["id"])
            stored_t = after["case"]["mri"]["ct"].removeprefix("c")
            assert newest["assessment"]["stage"]["t"] == stored_t, (codes, newest["id"])
