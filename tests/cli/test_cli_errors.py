"""The command line's one translation of failures (`rectoplan.cli.errors.guarded`), issue 12
point 5: exit 2 for bad input naming the field, 3 for a failed database or disk saying what
was not changed, 4 for a write that collided with another writer's, 1 for a bug alone; never
a traceback or a source path, warnings included.

Each case raises the real exception inside ``guarded`` in a one-command Typer app, then the
real ``rectoplan rt`` is run in a subprocess at a dose whose BED overflows (it used to print a
RuntimeWarning with numpy's source path).
"""

from __future__ import annotations

import errno
import os
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
import typer
from sqlalchemy.exc import OperationalError
from typer.testing import CliRunner

from rectoplan.cli.errors import (
    EXIT_CONFLICT,
    EXIT_INFRASTRUCTURE,
    EXIT_INPUT,
    EXIT_INTERNAL,
    MAX_ERRORS_SHOWN,
    guarded,
)
from rectoplan.errors import (
    ConflictError,
    FieldError,
    InfrastructureError,
    InvalidRecordError,
)

SRC = Path(__file__).resolve().parents[2] / "src"
UNCHANGED = "nothing was imported"


def _run(failure: BaseException | None, warn: str | None = None):
    """Run a command that warns ``warn`` and raises ``failure`` inside ``guarded``."""
    app = typer.Typer()

    @app.command()
    def command() -> None:
        with guarded(unchanged=UNCHANGED):
            if warn:
                warnings.warn(warn, RuntimeWarning, stacklevel=1)
            if failure is not None:
                raise failure

    return CliRunner().invoke(app, [])


many = InvalidRecordError(
    [FieldError("case.mri.ct", f"problem {i}", row=i) for i in range(1, MAX_ERRORS_SHOWN + 11)]
)


@pytest.mark.parametrize(
    ("failure", "code", "lines"),
    [
        (FieldError("--dose", "must be > 0 Gy"), EXIT_INPUT, ["error: --dose: must be > 0 Gy"]),
        (
            FieldError("case.mri.cn", "unknown category", row=3, source="a.csv"),
            EXIT_INPUT,
            ["error: a.csv row 3: case.mri.cn: unknown category"],
        ),
        (many, EXIT_INPUT, ["error: row 1: case.mri.ct: problem 1", "... and 10 more problems"]),
        (RecursionError(), EXIT_INPUT, ["error: the input is nested too deeply to be read"]),
        (
            ConflictError("another writer stored case c1 meanwhile"),
            EXIT_CONFLICT,
            ["error: another writer stored case c1 meanwhile"],
        ),
        (
            InfrastructureError("the registry at sqlite:///r.db failed: disk I/O error"),
            EXIT_INFRASTRUCTURE,
            ["error: the registry at sqlite:///r.db failed: disk I/O error"],
        ),
        (
            OperationalError("SELECT 1", {}, Exception("connection refused")),
            EXIT_INFRASTRUCTURE,
            ["error: the database failed: connection refused"],
        ),
        (
            OSError(errno.ENOSPC, "No space left on device", "/tmp/out.json"),
            EXIT_INFRASTRUCTURE,
            ["error: the disk failed (/tmp/out.json): No space left on device"],
        ),
    ],
    ids=lambda value: type(value).__name__ if isinstance(value, BaseException) else None,
)
def test_each_failure_has_its_exit_code_and_says_what_was_not_changed(failure, code, lines):
    result = _run(failure)
    assert result.exit_code == code, result.output
    for line in lines:
        assert line in result.output
    assert f"error: {UNCHANGED}" in result.output.splitlines()[-1]
    assert "Traceback" not in result.output and ".py" not in result.output
    if failure is many:  # one line per problem up to the limit, then a count
        assert result.output.count("error: row ") == MAX_ERRORS_SHOWN


def test_a_bug_is_exit_1_in_one_line_without_a_traceback(monkeypatch):
    monkeypatch.delenv("RECTOPLAN_DEBUG", raising=False)
    result = _run(KeyError("stage"))
    assert result.exit_code == EXIT_INTERNAL
    assert result.output.splitlines()[0] == "error: internal error (KeyError): 'stage'"
    assert "Traceback" not in result.output


def test_a_warning_is_one_line_in_words_without_a_source_path():
    result = _run(None, warn="overflow encountered in multiply")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "warning: overflow encountered in multiply"


def test_rt_at_a_dose_whose_bed_overflows_exits_2_naming_the_dose_without_a_source_path():
    env = {**os.environ, "PYTHONPATH": str(SRC), "PYTHONWARNINGS": "default"}
    done = subprocess.run(
        [sys.executable, "-m", "rectoplan", "rt", "--dose", "1e308", "--fractions", "1"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    output = done.stdout + done.stderr
    assert done.returncode == EXIT_INPUT, output
    assert "error: dose: 1e+308 Gy is too large for the LQ model" in output
    assert ".py" not in output and "Warning" not in output and "Traceback" not in output
