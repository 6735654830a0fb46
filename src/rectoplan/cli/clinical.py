"""Commands for staging and assessment: assess, stage, rt, evidence, schema, demo."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Attach this module's commands to the root app."""

    @app.command()
    def evidence() -> None:
        """List every registered source."""
        from rectoplan.evidence import SOURCES

        for source in SOURCES.values():
            flag = "" if source.verified else " [unverified]"
            typer.echo(f"{source.id}: {source.citation}{flag}")
