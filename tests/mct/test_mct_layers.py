"""The engine's import rule: ``rectoplan.mct`` uses nothing of the project but the evidence
registry and the error type at the bottom of the house."""

from __future__ import annotations

import subprocess
import sys


def test_mct_imports_only_itself_the_evidence_registry_and_the_errors():
    probe = (
        "import sys, rectoplan.mct, rectoplan.mct.reference; "
        "print(sorted(m for m in sys.modules if m.startswith('rectoplan.') and not "
        "m.startswith(('rectoplan.mct', 'rectoplan.evidence', 'rectoplan.errors'))))"
    )
    output = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout
    assert output.strip() == "[]"
