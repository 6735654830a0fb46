"""``rectoplan serve``: prepare the registry and run the web service under Uvicorn.

Preparing (schema upgrade, first admin, demo data) happens once, in this process, before any
worker starts, so workers never race to migrate or to create the admin. Workers are separate
processes that build the app from the environment, so the settings they need (database URL,
signing key) are handed down as ``RECTOPLAN_*`` variables.
"""

from __future__ import annotations

import os
from typing import Annotated

import typer
from rich.console import Console

from rectoplan.cli.errors import guarded
from rectoplan.errors import FieldError

console = Console(highlight=False, soft_wrap=True)


WORKER_START_SECONDS = 120
"""How long a worker may take to start (import the app) before Uvicorn gives up on it."""


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on (loopback by default).")] = (
        "127.0.0.1"
    ),
    port: Annotated[int, typer.Option(help="TCP port.", min=1, max=65535)] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes.", min=1, max=64)] = 1,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            help="Registry URL (default $RECTOPLAN_DATABASE_URL, else var/rectoplan.sqlite3).",
            show_default=False,
        ),
    ] = None,
    demo: Annotated[
        int,
        typer.Option(
            help="Load N synthetic episodes and the example cases into an empty registry.",
            min=0,
            max=200_000,
        ),
    ] = 0,
) -> None:
    """Serve the REST API (OpenAPI at /docs), after preparing the registry."""
    with guarded():
        import uvicorn

        from rectoplan.registry.db import masked
        from rectoplan.web.bootstrap import prepare
        from rectoplan.web.settings import Settings, SettingsError

        try:
            settings = Settings.from_env(database=db)
        except SettingsError as exc:
            variable, _, message = str(exc).partition(": ")
            raise FieldError(variable, message) from None
        console.print(f"registry: {masked(settings.database_url)}")
        if demo:
            console.print(f"preparing the registry (demo cohort of {demo:,} if it is empty) ...")
        prepared = prepare(settings, demo=demo)
        _report(prepared, host, port)
        os.environ["RECTOPLAN_DATABASE_URL"] = settings.database_url
        os.environ["RECTOPLAN_SECRET_KEY"] = settings.secret_key
        uvicorn.run(
            "rectoplan.web.app:create_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level="info",
            # a worker imports the whole app before it answers the supervisor's first ping;
            # on a busy machine that takes longer than uvicorn's 5 s, and the worker is killed
            timeout_worker_healthcheck=WORKER_START_SECONDS,
        )


def _report(prepared, host: str, port: int) -> None:
    console.print(f"schema {prepared.revision}")
    if prepared.demo_loaded:
        console.print(f"loaded {prepared.demo_loaded:,} demo cases (examples + synthetic)")
    elif prepared.cases_before:
        console.print(f"the registry holds {prepared.cases_before:,} cases")
    base = f"http://{'[' + host + ']' if ':' in host else host}:{port}"
    console.print(f"\n[bold]RectoPlan[/]: open {base}/ in a browser (the login page)")
    console.print(f"API docs: {base}/docs")
    if prepared.admin_created and prepared.generated_password:
        console.print(
            f"first admin created: user [bold]{prepared.admin_created}[/], password "
            f"[bold]{prepared.generated_password}[/]\n"
            "  (shown once; set RECTOPLAN_ADMIN_PASSWORD to choose it, or "
            "`rectoplan users add NAME --role admin`)"
        )
    elif prepared.admin_created:
        console.print(
            f"first admin created: user [bold]{prepared.admin_created}[/], password from "
            "RECTOPLAN_ADMIN_PASSWORD"
        )
    else:
        console.print("log in with your RectoPlan user (`rectoplan users add` creates one)")
    password = prepared.generated_password or "PASSWORD"
    console.print(
        f"log in:  TOKEN=$(curl -s -X POST {base}/api/token -d username=admin "
        f"-d password={password} | python3 -c 'import json,sys; "
        'print(json.load(sys.stdin)["access_token"])\')\n'
        f"then:    curl -s -H \"Authorization: Bearer $TOKEN\" '{base}/api/cases?q=seed'\n",
        markup=False,
    )


def register(app: typer.Typer) -> None:
    """Attach ``serve`` to the root app."""
    app.command()(serve)
