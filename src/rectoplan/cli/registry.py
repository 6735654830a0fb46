"""``rectoplan registry``: create the outcomes registry, load and dump it, and count what it holds.

The database is the SQLite file ``var/rectoplan.sqlite3`` unless ``RECTOPLAN_DATABASE_URL``
or ``--db URL`` names another (PostgreSQL for a team). ``init`` creates or upgrades the
schema; the other commands refuse a database that is not at the current schema rather than
guess. An import is all-or-nothing: a file with any bad row exits 2 listing every problem by
row and field, and nothing is written. ``backup`` and ``restore`` copy the whole database
(`rectoplan.registry.backup`); a restore goes only into an empty registry.
"""

from __future__ import annotations

import getpass
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from rectoplan.cli import file_limits
from rectoplan.cli.errors import guarded
from rectoplan.errors import ConflictError, FieldError, InfrastructureError

console = Console(highlight=False, soft_wrap=True)
err_console = Console(stderr=True, highlight=False)

app = typer.Typer(
    help="The outcomes registry: init, import, export, stats, backup, restore.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

LONG_IMPORT = 1000
"""Records from which an import shows a progress bar (unless --quiet)."""

Db = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="Database URL; default $RECTOPLAN_DATABASE_URL, else var/rectoplan.sqlite3.",
        show_default=False,
    ),
]


class FileFormat(StrEnum):
    json = "json"
    csv = "csv"


Format = Annotated[
    FileFormat | None,
    typer.Option("--format", help="json or csv (default: from the file suffix)."),
]


def _actor(actor: str | None) -> str:
    if actor:
        return actor
    try:
        return os.environ.get("RECTOPLAN_ACTOR") or getpass.getuser()
    except (KeyError, OSError):  # no user name in a bare container
        return "rectoplan-cli"


@contextmanager
def _database(db: str | None, *, require_schema: bool = True) -> Iterator[tuple[str, sessionmaker]]:
    """The registry's URL and a session factory. A URL that names no database RectoPlan can
    use, or a registry at another schema, is bad input naming ``--db`` (exit 2); a database
    that cannot be reached or fails while in use is an `InfrastructureError` (exit 3)."""
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    from rectoplan.registry.db import database_url, make_engine, masked, session_factory
    from rectoplan.registry.migrate import current_revision, head_revision

    url = database_url(db)
    try:
        engine = make_engine(url)
    except (ArgumentError, NoSuchModuleError, ValueError, ImportError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise FieldError(
            "--db",
            f"not a database URL RectoPlan can use ({reason}); give sqlite:///FILE or "
            "postgresql+psycopg://USER@HOST/DATABASE",
        ) from None
    try:
        if require_schema:
            revision = current_revision(engine)
            if revision != head_revision():
                state = "is empty" if revision is None else f"is at schema {revision}"
                raise FieldError(
                    "--db",
                    f"the registry at {masked(url)} {state}; run `rectoplan registry init` first",
                )
        yield url, session_factory(engine)
    except OperationalError as exc:
        reason = " ".join(str(exc.orig).split())
        raise InfrastructureError(f"the registry at {masked(url)} failed: {reason}") from None
    finally:
        engine.dispose()


@app.command()
def init(db: Db = None) -> None:
    """Create the registry, or upgrade it to the current schema."""
    with guarded(
        unchanged="the schema was not upgraded past the last step that finished; run init again"
    ):
        from rectoplan.registry.db import database_url, masked
        from rectoplan.registry.migrate import upgrade_to_head

        url = database_url(db)
        with _database(url, require_schema=False):
            revision = upgrade_to_head(url)
        console.print(f"registry at {masked(url)} is at schema {revision}")


class _ProgressBar:
    """A rich progress bar for the import's phases, shown only for long imports."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.bar: Progress | None = None
        self.tasks: dict[str, int] = {}

    def __call__(self, phase: str, done: int, total: int) -> None:
        if self.quiet or total < LONG_IMPORT:
            return
        if self.bar is None:
            self.bar = Progress(
                TextColumn("{task.description:<10}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeRemainingColumn(),
                console=err_console,
                transient=True,
            )
            self.bar.start()
        if phase not in self.tasks:
            self.tasks[phase] = self.bar.add_task(phase, total=total)
        self.bar.update(self.tasks[phase], completed=done)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()
            self.bar = None


@app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="JSON array, JSON Lines, or cases CSV.")],
    format: Format = None,
    events: Annotated[
        Path | None,
        typer.Option("--events", help="Follow-up events CSV (case_id,kind,occurred_on)."),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
    actor: Annotated[
        str | None,
        typer.Option(
            "--actor", help="Who is importing (default: $RECTOPLAN_ACTOR or the login name)."
        ),
    ] = None,
    db: Db = None,
) -> None:
    """Import episode records, all or nothing; bad rows are listed by row and field."""
    with guarded(unchanged="nothing was imported"):
        from rectoplan.registry.db import masked, transaction
        from rectoplan.registry.io import import_file

        for path, option in ((file, "FILE"), (events, "--events")):
            if path is not None and not path.is_file():
                raise FieldError(option, f"no such file: {path}")
            if path is not None:
                file_limits.check_import_file(path, option)
        progress = _ProgressBar(quiet)
        with _database(db) as (url, factory):
            try:
                with transaction(factory, _actor(actor)) as session:
                    summary = import_file(
                        session, file, format=format, events=events, progress=progress
                    )
            finally:
                progress.close()  # before the error lines, so the bar does not cover them
        counts = summary.counts()
        counts.pop("episodes")
        details = ", ".join(f"{n} {name.replace('_', ' ')}" for name, n in counts.items())
        console.print(f"imported {summary.episodes} episodes into {masked(url)} ({details})")


@app.command()
def export(
    file: Annotated[Path, typer.Argument(help="Where to write (.json, .jsonl or .csv).")],
    format: Format = None,
    events: Annotated[
        Path | None,
        typer.Option("--events", help="Events CSV for --format csv (default: FILE.events.csv)."),
    ] = None,
    db: Db = None,
) -> None:
    """Export every episode in the import format (a round trip gives the same records)."""
    with guarded(unchanged="nothing in the registry was changed; the export file is incomplete"):
        from rectoplan.registry.io import detect_format, events_path_for, export_file

        if not file.parent.is_dir():
            raise FieldError("FILE", f"no such folder: {file.parent}")
        with _database(db) as (_url, factory), factory() as session:
            count = export_file(session, file, format=format, events=events)
        where = str(file)
        if detect_format(file, format) == "csv":
            where += f" and {events or events_path_for(file)}"
        console.print(f"exported {count} episodes to {where}")


def registry_stats(session: Session) -> dict:
    """Row counts per table and the headline proportions."""
    from rectoplan.registry import cohort, models

    tables = [
        models.Patient,
        models.Episode,
        models.Assessment,
        models.MdtMeeting,
        models.MdtDecision,
        models.Treatment,
        models.PathologyReport,
        models.Complication,
        models.FollowUpEvent,
        models.AuditLog,
    ]
    counts = {
        model.__tablename__: session.scalar(select(func.count()).select_from(model))
        for model in tables
    }
    proportions = {}
    for name in ("r0", "organ_preserved", "major_complications"):
        count, total = cohort.proportion(session, name)
        proportions[name] = {
            "count": count,
            "total": total,
            "proportion": round(count / total, 4) if total else None,
        }
    return {"counts": counts, "proportions": proportions}


def _print_proportions(proportions: dict) -> None:
    for name, value in proportions.items():
        share = "-" if value["proportion"] is None else f"{100 * value['proportion']:.1f}%"
        console.print(f"{name.replace('_', ' ')}: {value['count']}/{value['total']} ({share})")


@app.command()
def stats(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    db: Db = None,
) -> None:
    """Rows per table, and the R0 and organ-preservation proportions."""
    with guarded(unchanged="nothing was changed"):
        from rectoplan.registry.db import masked

        with _database(db) as (url, factory), factory() as session:
            result = registry_stats(session)
        if as_json:
            typer.echo(json.dumps({"database": masked(url), **result}, indent=2))
            return
        console.print(f"registry at {masked(url)}")
        table = Table(box=None, pad_edge=False, show_header=True, header_style="bold")
        table.add_column("table")
        table.add_column("rows", justify="right")
        for name, count in result["counts"].items():
            table.add_row(name, str(count))
        console.print(table)
        _print_proportions(result["proportions"])


@app.command()
def demo(
    n: Annotated[int, typer.Option("--n", min=0, max=1_000_000, help="Synthetic episodes.")] = 2000,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the synthetic cohort.")] = 2026,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
    db: Db = None,
) -> None:
    """Create the registry if needed and load the demo (examples + synthetic cohort) if empty."""
    with guarded(unchanged="no demo episodes were loaded"):
        from rectoplan.registry.db import database_url, masked, transaction
        from rectoplan.registry.demo import is_empty, load_demo
        from rectoplan.registry.migrate import upgrade_to_head

        url = database_url(db)
        with _database(url, require_schema=False):
            upgrade_to_head(url)
        progress = _ProgressBar(quiet)
        with _database(url) as (_, factory):
            with factory() as session:
                empty = is_empty(session)
            if empty:
                try:
                    with transaction(factory, "demo-loader") as session:
                        summary = load_demo(session, n, seed, progress=progress)
                finally:
                    progress.close()
                console.print(f"loaded {summary.episodes} demo episodes into {masked(url)}")
            else:
                console.print(f"{masked(url)} already holds episodes; nothing loaded")
            with factory() as session:
                result = registry_stats(session)
        _print_proportions(result["proportions"])


@app.command()
def reassess(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    db: Db = None,
) -> None:
    """Re-assess every stored case under today's engine: concordance now, and drifted cases."""
    with guarded(unchanged="nothing was changed"):
        from rectoplan.registry.reassess import reassess_registry

        with _database(db) as (_, factory), factory() as session:
            audit = reassess_registry(session)
        if as_json:
            typer.echo(json.dumps(audit.to_dict(), indent=2))
            return
        console.print(
            f"re-assessed {audit.cases} cases with engine {audit.engine_version}: "
            f"{audit.concordant_now}/{audit.decisions} latest decisions follow today's preferred "
            f"option ({100 * audit.concordance_now:.1f}%); {audit.drifted} cases' preferred "
            f"answer changed since their snapshot; {audit.invalid} no longer validate"
        )
        if audit.drifted_case_ids:
            console.print("drifted: " + ", ".join(audit.drifted_case_ids[:20]))


BackupFile = Annotated[Path, typer.Argument(help="The backup file.", show_default=False)]


@contextmanager
def _backup_errors() -> Iterator[None]:
    """A restore target that already holds rows is the user's choice of --db (exit 2), not
    a write that collided with another writer's; `guarded` maps everything else (refusals
    exit 2 naming the file or --db, database or disk failures exit 3)."""
    try:
        yield
    except ConflictError as exc:
        raise FieldError("--db", str(exc)) from None


@app.command()
def backup(file: BackupFile, db: Db = None) -> None:
    """Back up the whole registry (users, audit history, every version and assessment) to a
    new FILE; safe while the server runs. SQLite: a SQLite file; PostgreSQL: a pg_dump
    custom-format archive."""
    with guarded(), _backup_errors():
        from rectoplan.registry.backup import backup as make_backup
        from rectoplan.registry.db import database_url, masked

        url = database_url(db)
        made = make_backup(file, url)
        console.print(
            f"backed up the registry at {masked(url)} (schema {made.revision}) to {made.path} "
            f"({made.size_bytes / 1e6:.1f} MB)"
        )


@app.command()
def restore(file: BackupFile, db: Db = None) -> None:
    """Restore a backup FILE into an empty registry (a new database or file), upgrading it
    to this version's schema if it is older; refuses a registry that holds any row."""
    with guarded(), _backup_errors():
        from rectoplan.registry.backup import restore as restore_backup
        from rectoplan.registry.db import database_url, masked

        url = database_url(db)
        done = restore_backup(file, url)
        upgraded = f", upgraded to {done.revision}" if done.upgraded else ""
        console.print(
            f"restored {file} (schema {done.backup_revision}{upgraded}) into {masked(url)}: "
            f"{sum(done.rows.values())} rows in {len(done.rows)} tables"
        )
