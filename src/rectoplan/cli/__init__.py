"""The ``rectoplan`` command: one Typer app with a sub-app per capability.

`main` is the console-script entry point. Each capability lives in its own module
(`cli.clinical` for staging and assessment, `cli.mct` for the magnet engine) and registers
its commands on `app`; every command body runs under `cli.errors.guarded`.
"""

from __future__ import annotations

import typer

from rectoplan.cli.language import lang_option

app = typer.Typer(
    name="rectoplan",
    help="RectoPlan: staging, MDT recommendations and surgical planning for rectal cancer.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root(lang: str | None = lang_option(root=True)) -> None:
    """RectoPlan: staging, MDT recommendations and surgical planning for rectal cancer."""


def _register() -> None:
    from rectoplan.cli import (
        analytics,
        arithmetic,
        clinical,
        fhir,
        mct,
        registry,
        serve,
        surgery,
        users,
    )

    clinical.register(app)
    arithmetic.register(app)
    surgery.register(app)
    serve.register(app)
    app.add_typer(mct.app, name="mct")
    app.add_typer(analytics.app, name="analytics")
    app.add_typer(registry.app, name="registry")
    app.add_typer(fhir.app, name="fhir")
    app.add_typer(users.app, name="users")


_register()


def main() -> None:
    """Console-script entry point."""
    app()
