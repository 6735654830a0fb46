"""Episode records as files: JSON (an array, or JSON Lines) and CSV, both ways.

JSON carries the whole record (patient, case, decisions; on import also treatments,
complications and events, which are folded into the case). CSV is what a spreadsheet or a
hospital extract gives: one row per case with flat dotted column names
(``tumour.distance_from_anal_verge_cm``, ``mri.ct``, lists as ``distant.sites[0]``) plus
``patient.pseudonym``, ``patient.birth_year`` and ``episode.status``; the case's follow-up
events go in a second CSV (``case_id,kind,occurred_on`` and an optional ``details`` column of
JSON, which a flat column could not type), read back into the case's ``follow_up``. Decisions
have no CSV form.

Every problem is reported with the row a person would look for: the record's position in a
JSON array, its line in JSON Lines, or its line in a CSV file (the header is line 1).
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from rectoplan.errors import FieldError, InvalidRecordError
from rectoplan.registry import models
from rectoplan.registry.importing import ImportSummary, LooseEvent, Progress, import_records
from rectoplan.registry.records import to_record

FORMATS = ("json", "csv")
JSON_LINES_SUFFIXES = (".jsonl", ".ndjson")
REGISTRY_COLUMNS = ("patient.pseudonym", "patient.birth_year", "episode.status")
"""CSV columns that belong to the registry record, not to the case."""
EVENT_COLUMNS = ("case_id", "kind", "occurred_on", "details")
FILE = "(file)"
_TOO_DEEP = "nested too deeply to be an episode record"
_PATH = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*|\[\d+\])*")
_TOKEN = re.compile(r"([A-Za-z_]\w*)|\[(\d+)\]")


def detect_format(path: Path, format: str | None = None) -> str:
    """``format`` if given, else ``csv`` for a .csv file and ``json`` otherwise."""
    if format is not None:
        if format not in FORMATS:
            raise InvalidRecordError([FieldError("--format", f"expected one of {FORMATS}")])
        return format
    return "csv" if path.suffix.lower() == ".csv" else "json"


def events_path_for(path: Path) -> Path:
    """Where the events CSV of ``cases.csv`` goes by default: ``cases.events.csv``."""
    return path.with_name(f"{path.stem}.events.csv")


# --- reading ------------------------------------------------------------------------------


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise InvalidRecordError(
            [FieldError(FILE, f"cannot read {path}: {exc.strerror}")]
        ) from None
    except UnicodeDecodeError:
        raise InvalidRecordError([FieldError(FILE, f"{path} is not UTF-8 text")]) from None


def read_json_records(path: Path) -> list[tuple[int, Any]]:
    """``(row, record)`` pairs from a JSON array (row = position) or JSON Lines (row = line)."""
    text = _read_text(path)
    stripped = text.lstrip()
    if stripped.startswith(("[", "{")):
        try:
            data = json.loads(text)
        except RecursionError:
            raise InvalidRecordError([FieldError(FILE, _TOO_DEEP)]) from None
        except json.JSONDecodeError as exc:
            if stripped.startswith("["):
                message = f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
                raise InvalidRecordError([FieldError(FILE, message)]) from None
        else:
            return list(enumerate(data, 1)) if isinstance(data, list) else [(1, data)]
    records, errors = [], []
    for line_number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            records.append((line_number, json.loads(line)))
        except RecursionError:
            errors.append(FieldError(FILE, _TOO_DEEP, line_number))
        except json.JSONDecodeError as exc:
            errors.append(FieldError(FILE, f"not valid JSON: {exc.msg}", line_number))
    if errors:
        raise InvalidRecordError(errors)
    return records


def _path_tokens(column: str) -> list[str | int] | None:
    """``mri.mesorectal_nodes[0].short_axis_mm`` -> ``["mri", "mesorectal_nodes", 0, ...]``."""
    if not _PATH.fullmatch(column):
        return None
    return [name or int(index) for name, index in _TOKEN.findall(column)]


def _listify(node: Any) -> Any:
    if not isinstance(node, dict):
        return node
    if node and all(isinstance(key, int) for key in node):
        return [_listify(node[key]) for key in sorted(node)]
    return {key: _listify(value) for key, value in node.items()}


def unflatten(row: dict[str, str]) -> dict[str, Any]:
    """Dotted columns back into nested objects; an empty cell means "not given"."""
    root: dict[Any, Any] = {}
    for column, value in row.items():
        if value is None or value == "":
            continue
        tokens = _path_tokens(column)
        if tokens is None:
            raise InvalidRecordError([FieldError(column, "is not a dotted field path")])
        node = root
        for token in tokens[:-1]:
            node = node.setdefault(token, {})
            if not isinstance(node, dict):
                raise InvalidRecordError([FieldError(column, "is inside a column with a value")])
        if isinstance(node.get(tokens[-1]), dict):
            raise InvalidRecordError([FieldError(column, "also has columns inside it")])
        node[tokens[-1]] = value
    return _listify(root)


def flatten(value: Any, prefix: str = "") -> dict[str, str]:
    """Nested objects as dotted columns; None and empty lists give no column."""
    if isinstance(value, dict):
        columns: dict[str, str] = {}
        for key, item in value.items():
            columns.update(flatten(item, f"{prefix}.{key}" if prefix else str(key)))
        return columns
    if isinstance(value, list | tuple):
        columns = {}
        for index, item in enumerate(value):
            columns.update(flatten(item, f"{prefix}[{index}]"))
        return columns
    if value is None:
        return {}
    if isinstance(value, bool):
        return {prefix: "true" if value else "false"}
    return {prefix: str(value)}


def _csv_rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    text = _read_text(path)
    reader = csv.DictReader(text.splitlines(keepends=True))
    if not reader.fieldnames:
        return
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:  # a cell over the csv module's size limit, a stray NUL
            message = f"not a readable CSV row: {exc}"
            raise InvalidRecordError(
                [FieldError(FILE, message, reader.line_num, path.name)]
            ) from None
        if None in row:
            raise InvalidRecordError(
                [FieldError(FILE, "more cells than header columns", reader.line_num, path.name)]
            )
        yield reader.line_num, row


def csv_row_record(row: dict[str, str]) -> dict[str, Any]:
    """One cases-CSV row as an episode record (the registry columns split off the case)."""
    data = unflatten(row)
    case = {k: v for k, v in data.items() if k not in ("patient", "episode")}
    case_patient = dict(data.get("patient", {}))
    patient = {k: case_patient.pop(k) for k in ("pseudonym", "birth_year") if k in case_patient}
    if "sex" in case_patient:
        patient["sex"] = case_patient["sex"]
    if case_patient:
        case["patient"] = case_patient
    record: dict[str, Any] = {"patient": patient, "case": case}
    episode = data.get("episode", {})
    if "status" in episode:
        record["status"] = episode.pop("status")
    if episode:
        unknown = ", ".join(f"episode.{key}" for key in episode)
        raise InvalidRecordError([FieldError(unknown, "unknown registry column")])
    return record


def read_csv_records(path: Path) -> list[tuple[int, Any]]:
    """``(line, record)`` pairs from a cases CSV."""
    records, errors = [], []
    for line, row in _csv_rows(path):
        try:
            records.append((line, csv_row_record(row)))
        except InvalidRecordError as exc:
            errors += [error.at_row(line) for error in exc.errors]
    if errors:
        raise InvalidRecordError(errors)
    return records


def read_events_csv(path: Path) -> list[LooseEvent]:
    """Follow-up events from ``case_id,kind,occurred_on[,details]`` rows."""
    events, errors = [], []
    for line, row in _csv_rows(path):
        unknown = set(row) - set(EVENT_COLUMNS)
        if unknown:
            message = f"unknown column(s) {', '.join(sorted(unknown))}"
            errors.append(FieldError(FILE, message, line, path.name))
            continue
        event: dict[str, Any] = {k: row[k] for k in ("kind", "occurred_on") if row.get(k)}
        if row.get("details"):
            try:
                event["details"] = json.loads(row["details"])
            except json.JSONDecodeError as exc:
                errors.append(FieldError("details", f"not valid JSON: {exc.msg}", line, path.name))
                continue
        events.append(LooseEvent(line, row.get("case_id") or "", event))
    if errors:
        raise InvalidRecordError(errors)
    return events


def import_file(
    session: Session,
    path: Path,
    *,
    format: str | None = None,
    events: Path | None = None,
    progress: Progress | None = None,
) -> ImportSummary:
    """Import a JSON or CSV file (and, for CSV, an events CSV) all-or-nothing."""
    path = Path(path)
    if detect_format(path, format) == "csv":
        records = read_csv_records(path)
    else:
        records = read_json_records(path)
    loose = read_events_csv(Path(events)) if events is not None else []
    if not records and not loose:
        raise InvalidRecordError([FieldError(FILE, f"{path.name} holds no episode records")])
    source = Path(events).name if events is not None else "events"
    return import_records(session, records, events=loose, progress=progress, events_source=source)


# --- writing ------------------------------------------------------------------------------


def export_records(session: Session, batch: int = 500) -> Iterator[dict[str, Any]]:
    """Every episode as an import record, in the order they were stored."""
    query = (
        select(models.Episode)
        .options(
            selectinload(models.Episode.patient),
            selectinload(models.Episode.treatments),
            selectinload(models.Episode.complications),
            selectinload(models.Episode.decisions).selectinload(models.MdtDecision.meeting),
            selectinload(models.Episode.events),
        )
        .order_by(models.Episode.id)
        .execution_options(yield_per=batch)
    )
    for episode in session.scalars(query):
        yield to_record(episode)


def write_json(path: Path, records: Iterable[dict[str, Any]], lines: bool = False) -> int:
    """A JSON array with one record per line, or JSON Lines; returns the number written."""
    count = 0
    with Path(path).open("w", encoding="utf-8") as out:
        if lines:
            for count, record in enumerate(records, 1):  # noqa: B007 - count is the result
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
            return count
        out.write("[")
        for count, record in enumerate(records, 1):
            out.write(("\n" if count == 1 else ",\n") + json.dumps(record, ensure_ascii=False))
        out.write("\n]\n")
    return count


def write_csv(path: Path, records: Iterable[dict[str, Any]], events_path: Path) -> int:
    """The cases CSV and the events CSV; returns the number of cases written."""
    rows, events = [], []
    for record in records:
        patient = record["patient"]
        row = {
            "patient.pseudonym": patient["pseudonym"],
            "patient.birth_year": ""
            if patient["birth_year"] is None
            else str(patient["birth_year"]),
            "episode.status": record.get("status", ""),
        }
        case = dict(record["case"])
        follow_up = case.pop("follow_up", None) or ()
        row.update(flatten(case))
        rows.append(row)
        for event in follow_up:
            details = event.get("details") or {}
            events.append(
                {
                    "case_id": case["case_id"],
                    "kind": event["kind"],
                    "occurred_on": event["date"],
                    "details": json.dumps(details) if details else "",
                }
            )
    columns = list(dict.fromkeys(column for row in rows for column in row))
    columns = list(REGISTRY_COLUMNS) + [c for c in columns if c not in REGISTRY_COLUMNS]
    with Path(path).open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=columns, restval="")
        writer.writeheader()
        writer.writerows(rows)
    with Path(events_path).open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=EVENT_COLUMNS)
        writer.writeheader()
        writer.writerows(events)
    return len(rows)


def export_file(
    session: Session, path: Path, *, format: str | None = None, events: Path | None = None
) -> int:
    """Write every episode to ``path`` (JSON, JSON Lines by suffix, or CSV plus an events
    CSV at ``events`` or beside it); returns the number of episodes."""
    path = Path(path)
    records = export_records(session)
    if detect_format(path, format) == "csv":
        return write_csv(path, records, Path(events) if events else events_path_for(path))
    return write_json(path, records, lines=path.suffix.lower() in JSON_LINES_SUFFIXES)
