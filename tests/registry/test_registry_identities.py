"""Users of the hospital's identity provider: linked by (issuer, subject), created and kept up
to date through the registry's user functions, never merged into a local account by name,
and their sessions ended by the provider's back-channel logout; migration 0009 adds the link
to an older registry without touching its accounts."""

from __future__ import annotations

import datetime as dt

import pytest
from alembic import command
from sqlalchemy import inspect, select, text
from sqlalchemy.exc import IntegrityError

from rectoplan.registry import identities, logins, users
from rectoplan.registry.db import make_engine
from rectoplan.registry.identities import ProviderIdentity
from rectoplan.registry.migrate import alembic_config
from rectoplan.registry.models import AuditLog
from rectoplan.registry.users import LoginSession, Role, SessionEnd, SessionKind, Specialty

ISSUER = "https://login.hospital.example/realms/staff"
HOUR = dt.timedelta(hours=1)


def _ana(**changes) -> ProviderIdentity:
    values = {
        "issuer": ISSUER,
        "subject": "f3a1c2d4",
        "preferred_name": "ana.costa",
        "role": Role.clinician,
        "full_name": "Ana Costa",
        "specialty": Specialty.colorectal_surgeon,
    }
    return ProviderIdentity(**{**values, **changes})


def test_the_first_sign_in_creates_a_linked_user_without_a_password(write, factory):
    with write() as session:
        user = identities.sign_in(session, _ana())
        assert (user.name, user.role, user.full_name) == ("ana.costa", Role.clinician, "Ana Costa")
    with factory() as session:
        user = identities.find_linked(session, ISSUER, "f3a1c2d4")
        assert user.display_name == "Ana Costa (Colorectal surgeon)"
        assert users.authenticate(session, "ana.costa", "") is None
        assert users.authenticate(session, "ana.costa", "any password at all") is None
        actions = session.scalars(
            select(AuditLog.action).where(AuditLog.entity == "users", AuditLog.entity_id == user.id)
        ).all()
        assert [str(a) for a in actions] == ["insert"]


def test_a_local_account_with_the_same_name_is_never_taken_over(write, factory):
    with write() as session:
        local = users.create_user(session, "ana.costa", Role.admin, "local password 1")
    with write() as session:
        linked = identities.sign_in(session, _ana())
        assert linked.id != local.id
        assert linked.name.startswith("ana.costa.") and linked.role is Role.clinician
    with factory() as session:
        assert users.get_user(session, "ana.costa").role is Role.admin
        assert users.authenticate(session, "ana.costa", "local password 1") is not None


def test_later_sign_ins_follow_the_provider_and_a_new_role_ends_old_sessions(write, factory):
    with write() as session:
        user = identities.sign_in(session, _ana())
        key = logins.open_session(session, user.id, SessionKind.page, HOUR)
    with write() as session:
        same = identities.sign_in(session, _ana(role=Role.viewer, full_name="Ana Costa-Lima"))
        assert same.id == user.id
    with factory() as session:
        user = users.get_user(session, "ana.costa")
        assert (user.role, user.full_name) == (Role.viewer, "Ana Costa-Lima")
        assert logins.live_session(session, key) is None
        ended = session.get(LoginSession, logins.digest(key))
        assert ended.ended_because is SessionEnd.role_changed


def test_no_role_or_a_deactivated_account_is_refused_and_no_session_stays(write, factory):
    with write() as session:
        user = identities.sign_in(session, _ana())
        key = logins.open_session(session, user.id, SessionKind.page, HOUR)
    with write() as session:
        assert identities.sign_in(session, _ana(role=None)) is None
    with factory() as session:
        assert logins.live_session(session, key) is None
        version = users.get_user(session, "ana.costa").version
    with write() as session:
        users.update_user(session, "ana.costa", expected_version=version, active=False)
    with write() as session:
        assert identities.sign_in(session, _ana()) is None
    with write() as session:
        assert identities.sign_in(session, _ana(subject="another", preferred_name="x")).name == "x"
        assert identities.sign_in(session, _ana(subject="nobody", role=None)) is None


def test_back_channel_logout_ends_the_sessions_it_names_and_no_others(write, factory):
    with write() as session:
        ana = identities.sign_in(session, _ana())
        other = identities.sign_in(session, _ana(subject="9b7e", preferred_name="li.wei"))
        keys = {
            "ana-ward": logins.open_session(
                session, ana.id, SessionKind.page, HOUR, provider_sid="s1"
            ),
            "ana-office": logins.open_session(
                session, ana.id, SessionKind.page, HOUR, provider_sid="s2"
            ),
            "li": logins.open_session(session, other.id, SessionKind.page, HOUR, provider_sid="s1"),
        }
    with write() as session:
        ended = identities.end_provider_sessions(session, ISSUER, subject="f3a1c2d4", sid="s1")
        assert ended == 1
        assert identities.end_provider_sessions(session, "https://other.example", sid="s2") == 0
    with factory() as session:
        live = {name for name, key in keys.items() if logins.live_session(session, key)}
        assert live == {"ana-office", "li"}
    with write() as session:
        assert identities.end_provider_sessions(session, ISSUER, subject="f3a1c2d4") == 1
        with pytest.raises(ValueError, match="names a session"):
            identities.end_provider_sessions(session, ISSUER)


def test_one_provider_identity_links_one_user(write):
    with write() as session:
        identities.sign_in(session, _ana())
    with pytest.raises(IntegrityError), write() as session:
        users.new_user(
            session, "someone.else", Role.viewer, oidc_issuer=ISSUER, oidc_subject="f3a1c2d4"
        )


def test_0009_links_users_to_a_provider_in_a_registry_at_0006(empty_url):
    config = alembic_config(empty_url)
    command.upgrade(config, "0006")
    engine = make_engine(empty_url)
    at = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    try:
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO users (name, role, active, created_at, password_changed_at, "
                    "version) VALUES ('ward-nurse', 'viewer', :yes, :at, :at, 1)"
                ),
                {"yes": True, "at": at},
            )
            connection.execute(  # a live session refers to the user across the upgrade
                text(
                    "INSERT INTO login_sessions (id, user_id, kind, created_at, expires_at, "
                    "version) SELECT 'live', id, 'page', :at, :at, 1 FROM users"
                ),
                {"at": at},
            )
        command.upgrade(config, "0009")
        columns = {c["name"] for c in inspect(engine).get_columns("users")}
        assert {"oidc_issuer", "oidc_subject"} <= columns
        with engine.begin() as connection:
            user_id = connection.scalar(text("SELECT id FROM users"))
            connection.execute(
                text(
                    "INSERT INTO login_sessions (id, user_id, kind, created_at, expires_at, "
                    "ended_at, ended_because, provider_sid, version) VALUES "
                    "('k', :user, 'page', :at, :at, :at, 'provider_logout', 's1', 1)"
                ),
                {"user": user_id, "at": at},
            )
        with pytest.raises(IntegrityError), engine.begin() as connection:
            connection.execute(text("UPDATE login_sessions SET ended_because = 'lost_in_space'"))
        command.downgrade(config, "0006")
        with engine.connect() as connection:
            ends = connection.execute(text("SELECT id, ended_because FROM login_sessions"))
            assert dict(ends.all()) == {"live": None, "k": "logout"}
            assert connection.scalar(text("SELECT name FROM users")) == "ward-nurse"
        assert "oidc_issuer" not in {c["name"] for c in inspect(engine).get_columns("users")}
    finally:
        engine.dispose()
