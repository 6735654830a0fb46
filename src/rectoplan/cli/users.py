"""``rectoplan users``: manage the service's accounts from the server's shell.

This is how a second admin is made, or a locked-out one recovered, without the web service.
Passwords are prompted for (hidden, twice) unless ``--password`` is given; changes are audited
with the shell user (or ``RECTOPLAN_ACTOR``) as the actor.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from rectoplan.cli.errors import guarded
from rectoplan.cli.registry import Db, _actor, _database
from rectoplan.errors import FieldError
from rectoplan.registry.users import Role, Specialty

console = Console(highlight=False, soft_wrap=True)

app = typer.Typer(
    help="Users of the web service: add, list, set a password.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

Password = Annotated[
    str | None,
    typer.Option("--password", help="The password (prompted, hidden, if not given)."),
]


def _password(given: str | None) -> str:
    if given is not None:
        return given
    return typer.prompt("password", hide_input=True, confirmation_prompt=True)


@app.command()
def add(
    name: Annotated[str, typer.Argument(help="User name (letters, digits, . _ @ -).")],
    role: Annotated[Role, typer.Option("--role", help="viewer, clinician, coordinator, admin")],
    password: Password = None,
    full_name: Annotated[
        str | None, typer.Option("--full-name", help='Name as shown, e.g. "Li Wei".')
    ] = None,
    specialty: Annotated[
        Specialty | None, typer.Option("--specialty", help="MDT discipline.")
    ] = None,
    db: Db = None,
) -> None:
    """Create a user with a role (and, for the tumour board, a full name and specialty)."""
    with guarded():
        from rectoplan.registry import users
        from rectoplan.registry.db import transaction

        secret = _password(password)
        with _database(db) as (_url, factory), transaction(factory, _actor(None)) as session:
            # a refused name, password, full name or specialty is a FieldError: exit 2
            users.create_user(session, name, role, secret, full_name=full_name, specialty=specialty)
        console.print(f"user {name} ({role}) created")


@app.command("set-password")
def set_password(
    name: Annotated[str, typer.Argument(help="User name.")],
    password: Password = None,
    db: Db = None,
) -> None:
    """Give a user a new password."""
    with guarded():
        from rectoplan.errors import NotFoundError
        from rectoplan.registry import users
        from rectoplan.registry.db import transaction

        secret = _password(password)
        with _database(db) as (_url, factory), transaction(factory, _actor(None)) as session:
            try:
                user = users.get_user(session, name)
                users.set_password(session, name, secret, expected_version=user.version)
            except NotFoundError:
                raise FieldError("name", f"no user {name!r}") from None
        console.print(f"password of {name} changed")


@app.command("list")
def list_users(db: Db = None) -> None:
    """Every user with their role and whether they are active."""
    with guarded():
        from rectoplan.registry import users

        with _database(db) as (_url, factory), factory() as session:
            rows = users.list_users(session)
            table = Table(box=None, pad_edge=False)
            for heading in ("name", "full name", "specialty", "role", "active", "created"):
                table.add_column(heading)
            for user in rows:
                table.add_row(
                    user.name,
                    user.full_name or "",
                    user.specialty.label if user.specialty else "",
                    str(user.role),
                    "yes" if user.active else "no",
                    f"{user.created_at:%Y-%m-%d %H:%M}",
                )
        console.print(table)
