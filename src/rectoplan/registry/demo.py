"""The demo registry: the example cases built from the seeds, plus a synthetic cohort.

`make run` and `rectoplan serve --demo` load it into an empty registry, so a newcomer sees the
three seed patients beside a cohort large enough for survival curves and concordance plots.
"""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rectoplan.registry import models
from rectoplan.registry.importing import ImportSummary, Progress, import_records
from rectoplan.registry.synthetic import generate_cohort

EXAMPLES_DIR = Path(__file__).resolve().parents[3] / "examples" / "cases"


def example_records(directory: Path = EXAMPLES_DIR) -> list[dict]:
    """Each example case as an import record with a pseudonym and no outcomes yet."""
    records = []
    for path in sorted(directory.glob("*.json")):
        case = json.loads(path.read_text(encoding="utf-8"))
        records.append(
            {
                "patient": {
                    "pseudonym": f"EX-{case['case_id']}",
                    "sex": case["patient"]["sex"],
                    "birth_year": None,
                },
                "case": case,
            }
        )
    return records


def is_empty(session: Session) -> bool:
    return not session.scalar(select(func.count()).select_from(models.Episode))


def load_demo(
    session: Session, n: int, seed: int = 2026, progress: Progress | None = None
) -> ImportSummary:
    """Import the examples and ``n`` synthetic episodes (the caller checks `is_empty`)."""
    records = [*example_records(), *generate_cohort(n, seed=seed)]
    return import_records(session, list(enumerate(records, start=1)), progress=progress)
