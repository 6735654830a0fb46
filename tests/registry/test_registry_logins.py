"""Login sessions in the registry: opened, live, ended by logout, by a password change, a role
change or a deactivation, and by time; on SQLite and on PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from rectoplan.registry import logins, users
from rectoplan.registry.types import utcnow
from rectoplan.registry.users import LoginSession, Role, SessionEnd, SessionKind

HOUR = dt.timedelta(hours=1)
PASSWORD = "a long enough password"


@pytest.fixture
def people(write) -> dict[str, int]:
    with write() as session:
        return {
            name: users.create_user(session, name, role, PASSWORD).id
            for name, role in (("ana", Role.clinician), ("ben", Role.viewer))
        }


def _open(write, user_id: int, kind=SessionKind.token, lifetime=HOUR) -> str:
    with write() as session:
        return logins.open_session(session, user_id, kind, lifetime)


def _live(write, key: str, now=None):
    with write() as session:
        return logins.live_session(session, key, now)


def test_a_session_is_live_for_its_user_and_only_its_digest_is_stored(write, people):
    key = _open(write, people["ana"])
    assert _live(write, key) == logins.LiveSession("ana", Role.clinician)
    assert _live(write, key + "x") is None  # another key opens nothing
    with write() as session:
        ids = session.scalars(select(LoginSession.id)).all()
    assert key not in ids and len(ids) == 1 and len(ids[0]) == 64


def test_logout_ends_that_session_only(write, people):
    first, second = _open(write, people["ana"]), _open(write, people["ana"], SessionKind.page)
    with write() as session:
        assert logins.end_session(session, first) is True
        assert logins.end_session(session, first) is False  # already ended
    assert _live(write, first) is None
    assert _live(write, second).name == "ana"
    with write() as session:
        row = session.get(LoginSession, logins.digest(first))
        assert row.ended_because is SessionEnd.logout and row.ended_at is not None


@pytest.mark.parametrize(
    ("change", "because"),
    [
        (lambda s, v: users.set_password(s, "ana", "another password 2", expected_version=v),
         SessionEnd.password_changed),
        (lambda s, v: users.update_user(s, "ana", expected_version=v, role=Role.viewer),
         SessionEnd.role_changed),
        (lambda s, v: users.update_user(s, "ana", expected_version=v, active=False),
         SessionEnd.deactivated),
    ],
    ids=["password", "role", "deactivation"],
)  # fmt: skip
def test_an_account_change_ends_every_session_of_that_user_only(write, people, change, because):
    ana = [_open(write, people["ana"]), _open(write, people["ana"], SessionKind.page)]
    ben = _open(write, people["ben"])
    with write() as session:
        change(session, users.get_user(session, "ana").version)
    assert [_live(write, key) for key in ana] == [None, None]
    assert _live(write, ben).name == "ben"
    with write() as session:
        ended = session.scalars(
            select(LoginSession.ended_because).where(LoginSession.user_id == people["ana"])
        ).all()
    assert ended == [because, because]


def test_a_save_that_changes_neither_role_nor_activity_ends_no_session(write, people):
    key = _open(write, people["ana"])
    with write() as session:
        users.update_user(session, "ana", expected_version=1, role=Role.clinician, active=True)
    assert _live(write, key).name == "ana"


def test_a_session_dies_at_its_expiry_and_is_pruned_at_a_later_login(write, people):
    key = _open(write, people["ana"], lifetime=HOUR)
    now = utcnow()
    assert _live(write, key, now + HOUR - dt.timedelta(seconds=5)) is not None
    assert _live(write, key, now + HOUR + dt.timedelta(seconds=5)) is None
    with write() as session:
        logins.open_session(session, people["ben"], SessionKind.page, HOUR, now=now + 2 * HOUR)
        assert session.scalar(select(func.count()).select_from(LoginSession)) == 1
