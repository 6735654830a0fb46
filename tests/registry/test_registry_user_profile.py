"""User profiles: a full name with spaces and an MDT specialty, validated by field, audited,
and added to an older registry by migration 0006 without touching its accounts."""

from __future__ import annotations

import pytest
from alembic import command
from registry_support import insert_user_row
from sqlalchemy import inspect, text

from rectoplan.errors import InvalidRecordError
from rectoplan.registry import users
from rectoplan.registry.db import make_engine
from rectoplan.registry.migrate import alembic_config
from rectoplan.registry.users import Role, Specialty

PASSWORD = "correct horse battery"


def test_a_user_has_a_full_name_with_spaces_and_a_specialty(write, factory):
    with write() as session:
        users.create_user(
            session,
            "liwei",
            Role.clinician,
            PASSWORD,
            full_name="  Li Wei ",
            specialty="radiologist",
        )
    with factory() as session:
        user = users.get_user(session, "liwei")
        assert (user.full_name, user.specialty) == ("Li Wei", Specialty.radiologist)
        assert user.display_name == "Li Wei (Radiologist)"


def test_without_a_profile_the_login_name_is_shown(write, factory):
    with write() as session:
        users.create_user(session, "ward.viewer", Role.viewer, PASSWORD)
    with factory() as session:
        assert users.get_user(session, "ward.viewer").display_name == "ward.viewer"


@pytest.mark.parametrize(
    ("changes", "field"),
    [({"specialty": "surgeon"}, "specialty"), ({"full_name": "x" * 201}, "full name")],
)
def test_a_bad_profile_is_refused_naming_the_field(write, changes, field):
    with pytest.raises(InvalidRecordError) as refused, write() as session:
        users.create_user(session, "someone", Role.viewer, PASSWORD, **changes)
    assert [error.field for error in refused.value.errors] == [field]


def test_the_profile_changes_under_locking_and_blank_clears_the_name(write, factory):
    with write() as session:
        user = users.create_user(session, "zhang", Role.clinician, PASSWORD, full_name="Zhang")
        version = user.version
    with write() as session:
        users.update_user(
            session,
            "zhang",
            expected_version=version,
            full_name="Zhang Min",
            specialty=Specialty.colorectal_surgeon,
        )
    with factory() as session:
        assert users.get_user(session, "zhang").display_name == "Zhang Min (Colorectal surgeon)"
        version = users.get_user(session, "zhang").version
    with write() as session:
        users.update_user(session, "zhang", expected_version=version, full_name=" ")
    with factory() as session:
        user = users.get_user(session, "zhang")
        assert (user.full_name, user.specialty) == (None, Specialty.colorectal_surgeon)


def test_every_specialty_has_a_clinical_label():
    labels = {specialty.label for specialty in Specialty}
    assert len(labels) == len(Specialty)
    assert Specialty.mdt_coordinator.label == "MDT coordinator"
    assert all("_" not in label for label in labels)


def test_0006_adds_the_profile_to_a_registry_at_0005_and_downgrade_removes_it(empty_url):
    config = alembic_config(empty_url)
    command.upgrade(config, "0005")
    engine = make_engine(empty_url)
    try:
        with engine.begin() as connection:
            insert_user_row(connection, "ward-nurse")
        command.upgrade(config, "0006")
        columns = {c["name"] for c in inspect(engine).get_columns("users")}
        assert {"full_name", "specialty"} <= columns
        with engine.begin() as connection:
            row = connection.execute(text("SELECT name, full_name, specialty FROM users")).one()
            assert tuple(row) == ("ward-nurse", None, None)
            refused = pytest.raises(Exception, match=r"(?i)check|constraint")
            with refused, connection.begin_nested():
                connection.execute(text("UPDATE users SET specialty = 'astrologer'"))
        command.downgrade(config, "0005")
        columns = {c["name"] for c in inspect(engine).get_columns("users")}
        assert not {"full_name", "specialty"} & columns
        with engine.connect() as connection:
            assert connection.execute(text("SELECT name FROM users")).scalars().all() == [
                "ward-nurse"
            ]
    finally:
        engine.dispose()
