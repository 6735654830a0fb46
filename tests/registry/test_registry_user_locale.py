"""A user's language: saved in its gettext spelling whatever way it was typed, refused naming the
field when unsupported, cleared by a blank, read with the session check, and added to an older
registry by migration 0011 without touching its accounts. Snapshots stay English whatever the
language of the write."""

from __future__ import annotations

import json
import re

import pytest
from alembic import command
from registry_support import insert_user_row
from sqlalchemy import inspect, select, text

from rectoplan.errors import InvalidRecordError
from rectoplan.i18n import use_locale
from rectoplan.registry import episodes, logins, models, users
from rectoplan.registry.db import make_engine
from rectoplan.registry.migrate import alembic_config
from rectoplan.registry.users import Role, SessionKind

PASSWORD = "correct horse battery"


@pytest.mark.parametrize("typed", ["zh-CN", "zh_CN", "zh", "ZH-cn"])
def test_a_language_is_saved_in_one_spelling(write, factory, typed):
    with write() as session:
        users.create_user(session, "liwei", Role.clinician, PASSWORD, locale=typed)
    with factory() as session:
        assert users.get_user(session, "liwei").locale == "zh_CN"


@pytest.mark.parametrize("typed", ["fr", "zh-TW", "chinese"])
def test_an_unsupported_language_is_refused_naming_the_field(write, typed):
    with pytest.raises(InvalidRecordError) as refused, write() as session:
        users.create_user(session, "someone", Role.viewer, PASSWORD, locale=typed)
    [error] = refused.value.errors
    assert error.field == "language" and "zh-CN" in error.message


def test_the_language_changes_under_locking_and_a_blank_clears_it(write, factory):
    with write() as session:
        version = users.create_user(session, "zhang", Role.viewer, PASSWORD).version
    with write() as session:
        users.update_user(session, "zhang", expected_version=version, locale="zh-CN")
    with factory() as session:
        user = users.get_user(session, "zhang")
        assert user.locale == "zh_CN"
        version = user.version
    with write() as session:
        users.update_user(session, "zhang", expected_version=version, locale="")
    with factory() as session:
        assert users.get_user(session, "zhang").locale is None


def test_the_session_check_reads_the_language(write, factory):
    import datetime as dt

    with write() as session:
        user = users.create_user(session, "wang", Role.viewer, PASSWORD, locale="zh-CN")
        key = logins.open_session(session, user.id, SessionKind.page, dt.timedelta(hours=1))
    with factory() as session:
        live = logins.live_session(session, key)
        assert (live.name, live.locale) == ("wang", "zh_CN")


def test_a_write_made_in_chinese_stores_an_english_snapshot(write, factory, seed_record):
    with use_locale("zh-CN"), write() as session:
        episodes.create_episode(session, seed_record())
    with factory() as session:
        snapshot = session.scalars(select(models.Assessment)).one()
        assert not re.search(r"[\u4e00-\u9fff]", json.dumps(snapshot.assessment_json))
        titles = [r["title"] for r in snapshot.assessment_json["recommendations"]]
        assert "Watch-and-wait with structured surveillance" not in titles  # diagnosis phase
        assert any(t.startswith("Ultra-low anterior resection") for t in titles)


def test_0011_adds_the_language_to_a_registry_at_0010_and_downgrade_removes_it(empty_url):
    config = alembic_config(empty_url)
    command.upgrade(config, "0010")
    engine = make_engine(empty_url)
    try:
        with engine.begin() as connection:
            insert_user_row(connection, "ward-nurse")
        command.upgrade(config, "0011")
        assert "locale" in {c["name"] for c in inspect(engine).get_columns("users")}
        with engine.begin() as connection:
            row = connection.execute(text("SELECT name, locale FROM users")).one()
            assert tuple(row) == ("ward-nurse", None)
        command.downgrade(config, "0010")
        assert "locale" not in {c["name"] for c in inspect(engine).get_columns("users")}
        with engine.connect() as connection:
            assert connection.execute(text("SELECT name FROM users")).scalars().all() == [
                "ward-nurse"
            ]
    finally:
        engine.dispose()
