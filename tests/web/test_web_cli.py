"""``rectoplan serve`` prepares the registry and prints how to log in; ``rectoplan users``
manages accounts. Uvicorn itself is replaced by a recorder (the benchmark runs the real one)."""

from __future__ import annotations

import re

import pytest
import uvicorn
from typer.testing import CliRunner
from web_support import settings_for

from rectoplan.cli import app
from rectoplan.registry import users
from rectoplan.registry.db import make_engine, session_factory
from rectoplan.web.bootstrap import prepare

runner = CliRunner()


@pytest.fixture
def served(monkeypatch, tmp_path):
    """Run ``rectoplan serve`` in ``tmp_path`` with Uvicorn recorded instead of started."""
    calls = []
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: calls.append((args, kwargs)))
    monkeypatch.chdir(tmp_path)
    for name in ("RECTOPLAN_DATABASE_URL", "RECTOPLAN_SECRET_KEY", "RECTOPLAN_ADMIN_PASSWORD"):
        # set, then delete: monkeypatch then restores the variable even though `serve` sets
        # it for its workers, so nothing leaks into later tests
        monkeypatch.setenv(name, "placeholder")
        monkeypatch.delenv(name)
    return calls


def _names(url: str) -> dict[str, str]:
    engine = make_engine(url)
    try:
        with session_factory(engine)() as session:
            return {u.name: str(u.role) for u in users.list_users(session)}
    finally:
        engine.dispose()


def test_serve_creates_the_admin_once_and_prints_the_password_once(served, tmp_path):
    url = f"sqlite:///{tmp_path / 'serve.sqlite3'}"
    first = runner.invoke(app, ["serve", "--db", url, "--port", "8123", "--workers", "2"])
    assert first.exit_code == 0, first.output
    match = re.search(r"user admin, password (\S+)", first.output)
    assert match, first.output
    assert "http://127.0.0.1:8123" in first.output and "/docs" in first.output
    assert f"password={match.group(1)}" in first.output  # the curl line to log in
    (args, kwargs) = served[0]
    assert args == ("rectoplan.web.app:create_app",) and kwargs["factory"] is True
    assert (kwargs["host"], kwargs["port"], kwargs["workers"]) == ("127.0.0.1", 8123, 2)
    assert (tmp_path / "var" / "secret.key").stat().st_mode & 0o777 == 0o600
    again = runner.invoke(app, ["serve", "--db", url])
    assert again.exit_code == 0
    assert match.group(1) not in again.output
    assert _names(url) == {"admin": "admin"}


def test_serve_with_demo_loads_an_empty_registry_only(served, tmp_path, monkeypatch):
    monkeypatch.setenv("RECTOPLAN_ADMIN_PASSWORD", "chosen-admin-password")
    url = f"sqlite:///{tmp_path / 'demo.sqlite3'}"
    first = runner.invoke(app, ["serve", "--db", url, "--demo", "5"])
    assert first.exit_code == 0, first.output
    assert re.search(r"loaded \d+ demo cases", first.output)
    assert "password from RECTOPLAN_ADMIN_PASSWORD" in first.output
    assert "chosen-admin-password" not in first.output
    second = runner.invoke(app, ["serve", "--db", url, "--demo", "5"])
    assert "loaded" not in second.output and "the registry holds" in second.output


def test_a_short_secret_key_is_refused_naming_the_variable(served, tmp_path, monkeypatch):
    monkeypatch.setenv("RECTOPLAN_SECRET_KEY", "short")
    answer = runner.invoke(app, ["serve", "--db", f"sqlite:///{tmp_path / 'x.sqlite3'}"])
    assert answer.exit_code == 2
    assert "RECTOPLAN_SECRET_KEY" in answer.output
    assert served == []


def test_users_add_list_and_set_password(tmp_path):
    url = f"sqlite:///{tmp_path / 'users.sqlite3'}"
    prepare(settings_for(url))
    added = runner.invoke(
        app,
        [
            "users",
            "add",
            "alice",
            "--role",
            "clinician",
            "--password",
            "alices-pw-123",
            "--db",
            url,
        ],
    )
    assert added.exit_code == 0, added.output
    assert _names(url) == {"admin": "admin", "alice": "clinician"}
    listed = runner.invoke(app, ["users", "list", "--db", url])
    assert "alice" in listed.output and "clinician" in listed.output
    prompted = runner.invoke(
        app,
        ["users", "add", "bob", "--role", "viewer", "--db", url],
        input="bobs-pw-123\nbobs-pw-123\n",
    )
    assert prompted.exit_code == 0, prompted.output
    changed = runner.invoke(
        app, ["users", "set-password", "bob", "--password", "another-pw-1", "--db", url]
    )
    assert changed.exit_code == 0, changed.output
    engine = make_engine(url)
    try:
        with session_factory(engine)() as session:
            assert users.authenticate(session, "bob", "another-pw-1") is not None
            assert users.authenticate(session, "bob", "bobs-pw-123") is None
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    ("arguments", "named"),
    [
        (["users", "add", "carol", "--role", "viewer", "--password", "short"], "password"),
        (["users", "add", "carol smith", "--role", "viewer", "--password", "long-enough"], "name"),
        (["users", "add", "admin", "--role", "viewer", "--password", "long-enough"], "name"),
        (["users", "add", "carol", "--role", "boss", "--password", "long-enough"], "role"),
        (["users", "set-password", "nobody", "--password", "long-enough"], "name"),
    ],
)
def test_users_bad_input_exits_2_naming_the_field(tmp_path, arguments, named):
    url = f"sqlite:///{tmp_path / 'bad.sqlite3'}"
    prepare(settings_for(url))
    answer = runner.invoke(app, [*arguments, "--db", url])
    assert answer.exit_code == 2, answer.output
    assert named in answer.output
