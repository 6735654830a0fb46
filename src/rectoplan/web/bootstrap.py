"""Getting a registry ready to serve: schema at head, a first admin, optionally a demo.

`rectoplan serve` runs this before the server starts (so several workers never race to
migrate), and the tests and the service benchmark build their registries with it, so what
they test is what a fresh ``make run`` serves.

The first admin's password is ``RECTOPLAN_ADMIN_PASSWORD`` or, without it, a random one that
is returned exactly once, when the admin is created, for the caller to print: it is stored
only as an Argon2 hash and cannot be shown again.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import func, select

from rectoplan.registry import models, users
from rectoplan.registry.db import make_engine, session_factory, transaction
from rectoplan.registry.demo import load_demo
from rectoplan.registry.migrate import upgrade_to_head
from rectoplan.web.settings import Settings

ADMIN_NAME = "admin"
ACTOR = "rectoplan-serve"


@dataclass(frozen=True)
class Prepared:
    """What `prepare` did: the schema revision, the admin it created (and the password, when
    generated), the cases found, and how many demo cases it loaded (examples included; 0 if
    the registry already held cases)."""

    revision: str
    admin_created: str | None
    generated_password: str | None
    cases_before: int
    demo_loaded: int


def prepare(settings: Settings, *, demo: int = 0) -> Prepared:
    """Upgrade the registry, create the first admin if there is no active one, and with
    ``demo`` > 0 load the example cases plus that many synthetic episodes into an empty
    registry (`rectoplan.registry.demo`, all or nothing)."""
    revision = upgrade_to_head(settings.database_url)
    engine = make_engine(settings.database_url)
    try:
        factory = session_factory(engine)
        admin, password = None, None
        with transaction(factory, ACTOR) as session:
            if not users.has_admin(session):
                password = settings.admin_password or secrets.token_urlsafe(12)
                users.create_user(session, ADMIN_NAME, users.Role.admin, password)
                admin = ADMIN_NAME
        loaded = 0
        with transaction(factory, ACTOR) as session:
            before = session.scalar(select(func.count()).select_from(models.Episode)) or 0
            if demo > 0 and before == 0:
                loaded = load_demo(session, demo).episodes
    finally:
        engine.dispose()
    generated = None if settings.admin_password else password
    return Prepared(revision, admin, generated, before, loaded)
