"""Backup and restore of the whole registry: every table, row for row, with its schema revision.

``registry export`` writes episodes as import records, which is what another system needs,
but it leaves out the users, the audit history, earlier versions and all but the latest
assessment. A backup is the database itself, taken the way each engine makes a consistent
copy of a live database:

- **SQLite**: the online backup API (``sqlite3.Connection.backup``, `SQLite's backup API
  <https://sqlite.org/backup.html>`_), in one step under a read lock, so the copy is a
  single consistent snapshot even while the server writes (a writer waits, at most for the
  copy, and its write lands after it). The backup is itself a SQLite file.
- **PostgreSQL**: Debian's ``pg_dump --format=custom`` (one repeatable-read snapshot; the
  server keeps serving), restored with ``pg_restore`` in a single transaction. Both come
  from the ``postgresql-client`` package, which ``scripts/system-packages.sh`` installs.

A restore goes only into an empty registry (no tables, or tables without a row: a fresh
database, or one ``registry init`` just made), so it can never merge with or overwrite
patient data. It refuses a backup whose schema revision this version of RectoPlan does not
know (made by a newer RectoPlan: its tables may hold what this code would drop), and brings
an older one up to date with the shipped Alembic migrations after restoring it. The
append-only triggers of the audit log and the assessments refuse UPDATE, DELETE and TRUNCATE
only, so restoring (which inserts) passes them, and they are restored with the tables.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import Engine, MetaData, func, select
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import OperationalError

from rectoplan.errors import ConflictError, FieldError, InfrastructureError, InvalidRecordError
from rectoplan.registry.db import database_url, make_engine, masked
from rectoplan.registry.migrate import (
    alembic_config,
    current_revision,
    head_revision,
    upgrade_to_head,
)

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"
VERSION_TABLE = "alembic_version"
FILE = "FILE"
"""How the commands name the backup file in their messages."""
DATABASE = "--db"
CLIENT_PACKAGE = "postgresql-client"
BUSY_SECONDS = 60.0
"""How long a SQLite backup waits for a writer to finish before giving up."""


@dataclass(frozen=True)
class BackupMade:
    """What `backup` wrote: the file, the engine it came from, the schema revision and size."""

    path: Path
    engine: str
    revision: str
    size_bytes: int


@dataclass(frozen=True)
class Restored:
    """What `restore` did: the revision the backup was at, the one the registry is at now
    (they differ when the backup was upgraded), and how many rows each table received."""

    engine: str
    backup_revision: str
    revision: str
    rows: dict[str, int]

    @property
    def upgraded(self) -> bool:
        return self.backup_revision != self.revision


def _bad_file(message: str) -> InvalidRecordError:
    return InvalidRecordError([FieldError(FILE, message)])


def _bad_database(message: str) -> InvalidRecordError:
    return InvalidRecordError([FieldError(DATABASE, message)])


def _unreachable(url: str, exc: Exception, what: str) -> InfrastructureError:
    reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
    return InfrastructureError(f"cannot reach the registry at {masked(url)} ({reason}); {what}")


# -- backup ---------------------------------------------------------------------------------


def backup(target: Path, url: str | None = None) -> BackupMade:
    """Write a backup of the registry at ``url`` to ``target`` (which must not exist yet).

    The file appears only when complete (written beside it, then renamed), so a scheduled
    backup that fails half-way leaves no truncated file to be mistaken for a good one."""
    url = database_url(url)
    target = Path(target)
    if target.exists():
        raise _bad_file(f"{target} already exists; name a new file (e.g. with the date in it)")
    if not target.parent.is_dir():
        raise _bad_file(f"the folder {target.parent} does not exist")
    revision = _registry_revision(url)
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)
    engine = make_url(url).get_backend_name()
    try:
        if engine == "sqlite":
            _sqlite_backup(_sqlite_path(url), partial)
        elif engine == "postgresql":
            _pg_dump(url, partial)
        else:
            raise _bad_database(f"cannot back up a {engine} database (SQLite or PostgreSQL only)")
        os.replace(partial, target)
    except OSError as exc:
        raise InfrastructureError(
            f"could not write {target} ({exc.strerror or exc}); no backup was made"
        ) from exc
    finally:
        partial.unlink(missing_ok=True)
    return BackupMade(target, engine, revision, target.stat().st_size)


def _registry_revision(url: str) -> str:
    """The schema revision of the registry at ``url``; refuses a database without one."""
    engine = make_engine(url)
    try:
        revision = current_revision(engine)
    except OperationalError as exc:
        raise _unreachable(url, exc, "no backup was made") from exc
    finally:
        engine.dispose()
    if revision is None:
        raise _bad_database(f"{masked(url)} holds no RectoPlan registry (no schema revision)")
    return revision


def _sqlite_path(url: str) -> Path:
    name = make_url(url).database
    if not name or name == ":memory:" or name.startswith("file:"):
        raise _bad_database(f"{url} is not a SQLite file")
    return Path(name)


def _sqlite_backup(source: Path, partial: Path) -> None:
    """One-step online backup of ``source`` into the new file ``partial``, then checked."""
    src = sqlite3.connect(source, timeout=BUSY_SECONDS)
    try:
        dst = sqlite3.connect(partial)
        try:
            src.backup(dst)  # pages=-1: the whole database in one step, one snapshot
            (verdict,) = dst.execute("PRAGMA quick_check").fetchone()
            if verdict != "ok":
                raise InfrastructureError(f"the backup copy failed its check ({verdict})")
        finally:
            dst.close()
    except sqlite3.OperationalError as exc:
        raise InfrastructureError(f"the SQLite backup failed ({exc}); no backup was made") from exc
    finally:
        src.close()


# -- PostgreSQL client tools ----------------------------------------------------------------


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise InfrastructureError(
            f"{name} is not installed (Debian: apt-get install {CLIENT_PACKAGE}; "
            "scripts/system-packages.sh run installs it); nothing was changed"
        )
    return found


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """The libpq URI of a SQLAlchemy PostgreSQL URL, and the environment carrying its
    password (not on the command line, where any local user could read it)."""
    parsed: URL = make_url(url)
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    uri = parsed.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    return uri, env


def _run(command: Sequence[str], env: dict[str, str], failure: str) -> str:
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        lines = [line for line in done.stderr.strip().splitlines() if line.strip()]
        reason = "; ".join(lines[:3]) or f"exit status {done.returncode}"
        raise InfrastructureError(f"{Path(command[0]).name} failed ({reason}); {failure}")
    return done.stdout


def _pg_dump(url: str, partial: Path) -> None:
    uri, env = _libpq(url)
    command = [_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges"]
    _run([*command, f"--file={partial}", uri], env, "no backup was made")


# -- restore --------------------------------------------------------------------------------


def restore(source: Path, url: str | None = None) -> Restored:
    """Restore the backup ``source`` into the empty registry at ``url``, then upgrade it to
    this version's schema if it is older."""
    url = database_url(url)
    source = Path(source)
    if not source.is_file():
        raise _bad_file(f"{source} is not a file")
    with source.open("rb") as handle:
        magic = handle.read(len(SQLITE_MAGIC))
    kind = make_url(url).get_backend_name()
    if magic.startswith(SQLITE_MAGIC):
        made_by = "sqlite"
    elif magic.startswith(PG_DUMP_MAGIC):
        made_by = "postgresql"
    else:
        raise _bad_file(f"{source} is not a RectoPlan backup (neither SQLite nor pg_dump)")
    if made_by != kind:
        raise _bad_file(
            f"{source} is a {_label(made_by)} backup and restores only into {_label(made_by)}; "
            f"{masked(url)} is {_label(kind)}"
        )
    revision = _sqlite_backup_revision(source) if kind == "sqlite" else _pg_backup_revision(source)
    _check_known(revision)
    engine = make_engine(url)
    try:
        _check_empty(engine, url)
        if kind == "sqlite":
            engine.dispose()
            _sqlite_restore(source, _sqlite_path(url))
        else:
            _drop_empty_schema(engine)
            engine.dispose()
            _pg_restore(source, url)
    finally:
        engine.dispose()
    now = upgrade_to_head(url) if revision != head_revision() else revision
    return Restored(kind, revision, now, table_rows(url))


def _label(kind: str) -> str:
    return {"sqlite": "SQLite", "postgresql": "PostgreSQL"}.get(kind, kind)


def _check_known(revision: str) -> None:
    """Refuse a revision the shipped migrations do not contain (a newer RectoPlan's)."""
    scripts = ScriptDirectory.from_config(alembic_config("sqlite://"))
    try:
        known = scripts.get_revision(revision) is not None
    except CommandError:
        known = False
    if not known:
        raise _bad_file(
            f"the backup is at schema revision {revision!r}, which this version of RectoPlan "
            f"does not know (its newest is {head_revision()!r}): it was made by a newer RectoPlan; "
            "restore it with that version or a later one. Nothing was changed"
        )


def _sqlite_backup_revision(source: Path) -> str:
    try:
        connection = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        try:
            row = connection.execute(f"SELECT version_num FROM {VERSION_TABLE}").fetchone()
        finally:
            connection.close()
    except sqlite3.DatabaseError as exc:
        raise _bad_file(f"{source} is not a RectoPlan backup ({exc})") from exc
    if not row:
        raise _bad_file(f"{source} is not a RectoPlan backup (no schema revision)")
    return str(row[0])


def _pg_backup_revision(source: Path) -> str:
    """The revision stored in the dump's ``alembic_version`` table (read by ``pg_restore``
    as the COPY block it would load, without touching any database)."""
    command = [_tool("pg_restore"), "--data-only", f"--table={VERSION_TABLE}", "--file=-"]
    script = _run([*command, str(source)], dict(os.environ), "nothing was changed")
    lines = script.splitlines()
    for index, line in enumerate(lines):
        if line.startswith("COPY ") and VERSION_TABLE in line and index + 1 < len(lines):
            value = lines[index + 1].strip()
            if value and value != "\\.":
                return value
    raise _bad_file(f"{source} is not a RectoPlan backup (no schema revision)")


def table_rows(url: str) -> dict[str, int]:
    """Rows per table of the database at ``url`` (the Alembic bookkeeping table left out)."""
    engine = make_engine(url)
    try:
        return _row_counts(engine)
    except OperationalError as exc:
        raise _unreachable(url, exc, "nothing was changed") from exc
    finally:
        engine.dispose()


def _row_counts(engine: Engine) -> dict[str, int]:
    metadata = MetaData()
    metadata.reflect(engine)
    with engine.connect() as connection:
        return {
            name: connection.scalar(select(func.count()).select_from(table)) or 0
            for name, table in sorted(metadata.tables.items())
            if name != VERSION_TABLE
        }


def _check_empty(engine: Engine, url: str) -> None:
    try:
        counts = _row_counts(engine)
    except OperationalError as exc:
        raise _unreachable(url, exc, "nothing was changed") from exc
    filled = {name: rows for name, rows in counts.items() if rows}
    if filled:
        listed = ", ".join(f"{name} {rows}" for name, rows in sorted(filled.items()))
        raise ConflictError(
            f"the registry at {masked(url)} is not empty ({listed} rows); a backup is restored "
            "only into an empty registry (a new database or file), so that it never mixes with "
            "or overwrites patient data. Nothing was changed"
        )


def _drop_empty_schema(engine: Engine) -> None:
    """Drop the tables of an empty PostgreSQL registry (e.g. one ``registry init`` made,
    possibly at a newer revision than the backup), so the backup recreates its own."""
    metadata = MetaData()
    metadata.reflect(engine)
    with engine.begin() as connection:
        metadata.drop_all(connection)


def _pg_restore(source: Path, url: str) -> None:
    uri, env = _libpq(url)
    command = [
        _tool("pg_restore"),
        "--no-owner",
        "--no-privileges",
        "--exit-on-error",
        "--single-transaction",
        "--clean",  # with --if-exists: also drop what outlives the tables (trigger functions)
        "--if-exists",
        f"--dbname={uri}",
        str(source),
    ]
    _run(command, env, f"the registry at {masked(url)} is left empty")


def _sqlite_restore(source: Path, target: Path) -> None:
    """Copy the backup into ``target`` page by page (the whole file replaced, schema too)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        try:
            dst = sqlite3.connect(target, timeout=BUSY_SECONDS)
            try:
                src.backup(dst)
            finally:
                dst.close()
        finally:
            src.close()
    except sqlite3.Error as exc:
        raise InfrastructureError(
            f"restoring into {target} failed ({exc}); the registry was left as it was"
        ) from exc
