"""Languages over HTTP: Accept-Language on the REST API (display texts translated, ids and codes
unchanged, English by default), snapshots stored in English whatever the request's language,
and the pages' language chosen by the user's saved preference, then ``?lang=``, then
Accept-Language (``<html lang>`` and ``Content-Language``)."""

from __future__ import annotations

import re

import pytest
from babel.messages.pofile import read_po
from web_support import bearer, sign_in

from rectoplan.i18n.catalogues import po_path
from rectoplan.pathways.recommendation import catalogue
from rectoplan.registry import users
from rectoplan.registry.db import make_engine, session_factory, transaction
from rectoplan.registry.users import Role

CJK = re.compile(r"[\u4e00-\u9fff]")
ZH = {"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"}


def _zh_titles() -> dict[str, str]:
    with po_path("zh_CN").open("rb") as fp:
        strings = {m.id: m.string for m in read_po(fp) if m.id and not m.context}
    return {o.id: strings[o.title] for o in catalogue().values()}


def _skeleton(assessment: dict) -> tuple:
    return (
        [(r["id"], r["strength"], r["evidence"]) for r in assessment["recommendations"]],
        [f["id"] for f in assessment["findings"]],
        [w["field"] for w in assessment["warnings"]],
        assessment["stage"]["group"],
        assessment["risk_group"],
    )


def test_assess_in_chinese_keeps_ids_and_codes(client, case):
    clinician = bearer(Role.clinician)
    english = client.post("/api/assess", json=case, headers=clinician)
    chinese = client.post("/api/assess", json=case, headers={**clinician, **ZH})
    assert english.status_code == chinese.status_code == 200
    assert english.headers["Content-Language"] == "en"
    assert chinese.headers["Content-Language"] == "zh-CN"
    assert "Accept-Language" in chinese.headers["Vary"]
    en, zh = english.json(), chinese.json()
    assert _skeleton(zh) == _skeleton(en)
    titles = _zh_titles()
    assert [r["title"] for r in zh["recommendations"]] == [
        titles[r["id"]] for r in zh["recommendations"]
    ]
    assert not CJK.search(english.text)


@pytest.mark.parametrize(
    "headers", [{}, {"Accept-Language": "fr-FR"}, {"Accept-Language": "zh-TW"}]
)
def test_english_is_the_default(client, case, headers):
    answer = client.post("/api/assess", json=case, headers={**bearer(Role.clinician), **headers})
    assert answer.headers["Content-Language"] == "en"
    assert not CJK.search(answer.text)


def test_query_parameter_chooses_the_language_too(client, case):
    answer = client.post(
        "/api/assess?lang=zh-CN",
        json=case,
        headers={**bearer(Role.clinician), "Accept-Language": "en"},
    )
    assert answer.headers["Content-Language"] == "zh-CN" and CJK.search(answer.text)


def test_a_case_stored_from_a_chinese_request_keeps_an_english_snapshot(client, case):
    stored = client.post(
        "/api/cases", json={"case": case}, headers={**bearer(Role.clinician), **ZH}
    )
    assert stored.status_code == 201, stored.text
    viewer = bearer(Role.viewer)
    [snapshot] = client.get(f"/api/cases/{case['case_id']}/assessments", headers=viewer).json()
    assert snapshot["language"] == "en"
    assert not CJK.search(str(snapshot["assessment"]))


def test_a_snapshot_is_read_in_chinese_only_while_it_is_reproducible(client, case):
    clinician = bearer(Role.clinician)
    client.post("/api/cases", json={"case": case}, headers=clinician)
    viewer = bearer(Role.viewer)
    [first] = client.get(f"/api/cases/{case['case_id']}/assessments", headers=viewer).json()
    chinese = client.get(f"/api/assessments/{first['id']}", headers={**viewer, **ZH})
    assert chinese.headers["Content-Language"] == "zh-CN"
    body = chinese.json()
    assert body["language"] == "zh-CN"
    assert _skeleton(body["assessment"]) == _skeleton(first["assessment"])
    assert body["preferred_ids"] == first["preferred_ids"]
    assert CJK.search(body["assessment"]["recommendations"][0]["title"])
    # the case changes: the first snapshot is now history, shown exactly as stored (English)
    episode = client.get(f"/api/cases/{case['case_id']}", headers=viewer).json()
    changed = {**case, "tumour": {**case["tumour"], "longest_diameter_cm": 2.5}}
    updated = client.put(
        f"/api/cases/{case['case_id']}",
        json={"case": changed, "expected_version": episode["version"]},
        headers=clinician,
    )
    assert updated.status_code == 200, updated.text
    old = client.get(f"/api/assessments/{first['id']}", headers={**viewer, **ZH})
    assert old.headers["Content-Language"] == "en"
    assert old.json()["assessment"] == first["assessment"]


def _set_locale(url: str, name: str, locale: str) -> None:
    engine = make_engine(url)
    try:
        with transaction(session_factory(engine), "test-setup") as session:
            user = users.get_user(session, name)
            users.update_user(session, name, expected_version=user.version, locale=locale)
    finally:
        engine.dispose()


def _html_lang(page) -> str:
    return re.search(r'<html lang="([^"]+)"', page.text).group(1)


def test_login_page_follows_accept_language_then_the_query(client):
    assert _html_lang(client.get("/login")) == "en"
    assert _html_lang(client.get("/login", headers=ZH)) == "zh-CN"
    assert _html_lang(client.get("/login?lang=en", headers=ZH)) == "en"
    assert _html_lang(client.get("/login?lang=zh-CN")) == "zh-CN"
    assert _html_lang(client.get("/login?lang=xx", headers=ZH)) == "zh-CN"  # unknown: ignored


def test_a_saved_preference_comes_first(client, sqlite_url):
    _set_locale(sqlite_url, "clinician", "zh-CN")
    sign_in(client, Role.clinician)
    page = client.get("/cases?lang=en", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    assert _html_lang(page) == "zh-CN" and page.headers["Content-Language"] == "zh-CN"
    sign_in(client, Role.viewer)  # no preference: the request decides
    assert _html_lang(client.get("/cases", headers=ZH)) == "zh-CN"
    assert _html_lang(client.get("/cases")) == "en"
