"""``rectoplan assess`` on mutated example files (issue 12): whatever a file holds, the answer
is an assessment (exit 0) or the problems by field (exit 2), never a traceback, a source path
or "internal error" (exit 1 is for bugs alone).

The files are the example cases with a few values mutated (`case_mutations`), numbers at the
edges of floating point most of all. ``RECTOPLAN_FUZZ_EXAMPLES`` sets how many (40 by default,
derandomized so a failure reproduces).
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from typer.testing import CliRunner

from case_mutations import FUZZ_EXAMPLES, dumps, mutated_cases
from rectoplan.cli import app

runner = CliRunner()


@pytest.fixture(scope="module")
def case_file(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz") / "case.json"


def assert_clean(output: str) -> None:
    """Nothing a user should never see: a traceback, a source file, a bug's message."""
    for leak in ("Traceback", 'File "', ".py:", "internal error", "site-packages"):
        assert leak not in output, output


@settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(mutated=mutated_cases())
def test_assess_answers_every_mutated_file_with_exit_0_or_2(case_file, mutated):
    what, case = mutated
    case_file.write_text(dumps(case))
    result = runner.invoke(app, ["assess", str(case_file), "--json"])
    assert result.exit_code in (0, 2), f"{what}: exit {result.exit_code}\n{result.output}"
    assert_clean(result.output)
    if result.exit_code == 2:
        assert "error: " in result.output, what  # each problem on its own line, field first
