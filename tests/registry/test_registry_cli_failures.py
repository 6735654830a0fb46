"""How ``rectoplan registry`` fails: bad input exits 2 naming the field (and the row), a lost
database or a full disk exits 3 saying nothing was imported, and nothing a user can type or
feed gives exit 1 (a bug) or a traceback. Each failure leaves the registry as it was."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rectoplan.cli import app
from rectoplan.cli.errors import EXIT_INFRASTRUCTURE, EXIT_INPUT
from rectoplan.registry.io import write_json

runner = CliRunner()
EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "cases"
SRC = Path(__file__).resolve().parents[2] / "src"


def run(*args: str):
    return runner.invoke(app, ["registry", *args])


def episodes(url: str) -> int:
    result = run("stats", "--json", "--db", url)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)["counts"]["episodes"]


def refused(result, code: int, *fragments: str) -> None:
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output and "internal error" not in result.output
    for fragment in fragments:
        assert fragment in result.output, result.output


def stenosis_record(cohort, **limits) -> dict:
    """A synthetic record whose case is seed 000's stenosis, with ``limits`` changed."""
    record = cohort(1, seed=3)[0]
    case = json.loads((EXAMPLES / "seed000_anastomotic_stenosis.json").read_text())
    case["stenosis"]["delivery_limits"].update(limits)
    case["case_id"] = record["case"]["case_id"]
    record["case"] = case
    record.pop("decisions", None)
    record.pop("treatments", None)
    record.pop("complications", None)
    return record


def test_a_ring_that_cannot_pass_is_refused_naming_the_row_and_the_limit(
    registry_url, tmp_path, cohort
):
    records = cohort(3, seed=4)
    records.insert(1, stenosis_record(cohort, max_od_anus_mm=2, max_od_stoma_mm=2))
    path = tmp_path / "records.json"
    write_json(path, records)
    refused(
        run("import", str(path), "--db", registry_url),
        EXIT_INPUT,
        "row 2: case.stenosis.delivery_limits.max_od_anus_mm: no magnetic ring fits through an "
        "anus of 2 mm",
        "nothing was imported",
    )
    assert episodes(registry_url) == 0


@pytest.mark.parametrize("text", ["[]", "", "\n\n", "[]\n"])
def test_an_empty_import_is_refused_not_counted_as_zero_episodes(registry_url, tmp_path, text):
    path = tmp_path / "empty.json"
    path.write_text(text)
    refused(run("import", str(path), "--db", registry_url), EXIT_INPUT, "holds no episode records")
    header_only = tmp_path / "empty.csv"
    header_only.write_text("case_id,patient.pseudonym\n")
    refused(run("import", str(header_only), "--db", registry_url), EXIT_INPUT, "no episode")


def test_hostile_files_exit_2_naming_the_file(registry_url, tmp_path):
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 200_000)
    refused(run("import", str(deep), "--db", registry_url), EXIT_INPUT, "nested too deeply")
    lines = tmp_path / "deep.jsonl"
    lines.write_text('{"a": 1}\n' + '{"a": ' * 200_000 + "\n")
    refused(run("import", str(lines), "--db", registry_url), EXIT_INPUT, "row 2", "nested too")
    binary = tmp_path / "latin1.json"
    binary.write_bytes(b'[{"case": "\xff\xfe"}]')
    refused(run("import", str(binary), "--db", registry_url), EXIT_INPUT, "is not UTF-8 text")
    long_cell = tmp_path / "long.csv"
    long_cell.write_text("case_id,patient.pseudonym\nc1," + "x" * 200_000 + "\n")
    refused(
        run("import", str(long_cell), "--db", registry_url),
        EXIT_INPUT,
        "long.csv row",
        "field larger than field limit",
        "nothing was imported",
    )
    assert episodes(registry_url) == 0


@pytest.mark.parametrize("url", ["garbage://x", "not a url", "postgresql+nodriver://h/db"])
def test_a_url_that_names_no_database_is_bad_input_naming_db(url):
    refused(run("stats", "--db", url), EXIT_INPUT, "--db: not a database URL")


def test_an_unreachable_database_exits_3_saying_nothing_was_imported(tmp_path, cohort):
    path = tmp_path / "records.json"
    write_json(path, cohort(2, seed=1))
    down = "postgresql+psycopg://nobody@127.0.0.1:1/none"  # nothing listens on port 1
    refused(
        run("import", str(path), "--db", down),
        EXIT_INFRASTRUCTURE,
        "the registry at postgresql+psycopg://nobody@127.0.0.1:1/none failed",
        "nothing was imported",
    )
    refused(run("stats", "--db", down), EXIT_INFRASTRUCTURE, "nothing was changed")
    missing_dir = f"sqlite:///{tmp_path}/no/such/folder/registry.sqlite3"
    refused(run("stats", "--db", missing_dir), EXIT_INFRASTRUCTURE, "unable to open database")


def test_an_export_to_a_full_disk_exits_3(registry_url, tmp_path, cohort):
    path = tmp_path / "records.json"
    write_json(path, cohort(5, seed=2))
    assert run("import", str(path), "--db", registry_url).exit_code == 0
    refused(
        run("export", "/dev/full", "--format", "json", "--db", registry_url),
        EXIT_INFRASTRUCTURE,
        "the disk failed",
        "nothing in the registry was changed",
    )


def _can_mount_tmpfs() -> bool:
    if not shutil.which("unshare"):
        return False
    probe = ["unshare", "-rm", "sh", "-c", "mount -t tmpfs -o size=64k tmpfs /mnt"]
    return subprocess.run(probe, capture_output=True).returncode == 0


@pytest.mark.skipif(not _can_mount_tmpfs(), reason="no user namespaces to mount a small tmpfs")
def test_an_import_onto_a_full_disk_exits_3_and_imports_nothing(sqlite_template, tmp_path, cohort):
    """A real full file system: a tmpfs a little larger than the empty registry, mounted in a
    private mount namespace, and an import far too large for it."""
    records = tmp_path / "records.json"
    write_json(records, cohort(400, seed=8))
    size_kb = sqlite_template.stat().st_size // 1024 + 96
    mount = tmp_path / "disk"
    mount.mkdir()
    python = sys.executable
    script = f"""
set -u
mount -t tmpfs -o size={size_kb}k tmpfs {mount}
cp {sqlite_template} {mount}/registry.sqlite3
{python} -m rectoplan registry import {records} -q --db sqlite:///{mount}/registry.sqlite3
echo "exit=$?"
{python} -m rectoplan registry stats --json --db sqlite:///{mount}/registry.sqlite3
"""
    env = os.environ | {"PYTHONPATH": str(SRC), "RECTOPLAN_DEBUG": ""}
    done = subprocess.run(
        ["unshare", "-rm", "sh", "-c", script], capture_output=True, text=True, env=env
    )
    out, err = done.stdout, done.stderr
    assert f"exit={EXIT_INFRASTRUCTURE}" in out, (out, err)
    assert "failed: database or disk is full" in err, err
    assert "nothing was imported" in err and "Traceback" not in err
    stats = json.loads(out[out.index("{") :])
    assert stats["counts"]["episodes"] == 0 and stats["counts"]["audit_log"] == 0
