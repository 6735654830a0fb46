"""The engine's import rule: ``rectoplan.mct`` uses nothing of the project but the evidence
registry, the error type at the bottom of the house, and the translation catalogue
(``rectoplan.i18n``, at the bottom beside ``evidence``: the coupling verdict is a displayed
text)."""

from __future__ import annotations

import subprocess
import sys


def test_mct_imports_only_itself_the_evidence_registry_the_errors_and_i18n():
    probe = (
        "import sys, rectoplan.mct, rectoplan.mct.reference; "
        "print(sorted(m for m in sys.modules if m.startswith('rectoplan.') and not "
        "m.startswith(('rectoplan.mct', 'rectoplan.evidence', 'rectoplan.errors', "
        "'rectoplan.i18n'))))"
    )
    output = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout
    assert output.strip() == "[]"
