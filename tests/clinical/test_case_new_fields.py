"""The fields issue 13 adds to the case: metastasis count and size, hydronephrosis side, distant
sites at recurrence, sphincter facts on the restaging MRI. Each impossible combination is an
error naming its field; a consistent one validates and implies what it must (a side implies
hydronephrosis, a distant site implies distant metastases)."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from rectoplan.clinical.case import Case, Side
from rectoplan.clinical.staging import MetastaticSite

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "cases"


def load_example(name: str) -> dict:
    """An example case as a fresh dict (not conftest's: tests/web has a conftest of its own)."""
    return json.loads((EXAMPLES / name).read_text(encoding="utf-8"))


METASTATIC = load_example("metastatic_m1a_liver.json")
RECURRENCE = load_example("recurrence_anterior_exenteration.json")


def _error_text(data: dict) -> str:
    with pytest.raises(ValidationError) as info:
        Case.model_validate(data)
    return str(info.value)


def _with(base: dict, part: str, **fields) -> dict:
    data = copy.deepcopy(base)
    data[part].update(fields)
    return data


@pytest.mark.parametrize(
    ("distant", "field"),
    [
        ({"cm": "M0", "sites": [], "metastasis_count": 2}, "distant.metastasis_count"),
        ({"cm": "M1a", "sites": ["liver"], "metastasis_count": 0}, "distant.metastasis_count"),
        ({"sites": ["liver", "lung"], "metastasis_count": 1}, "distant.metastasis_count"),
        ({"cm": "M0", "sites": [], "largest_metastasis_mm": 12}, "distant.largest_metastasis_mm"),
        ({"sites": ["liver"], "metastasis_count": 2, "largest_metastasis_mm": -3}, "largest"),
    ],
)
def test_impossible_metastasis_counts_name_their_field(distant, field):
    data = copy.deepcopy(METASTATIC)
    data["distant"] = distant
    assert field in _error_text(data)


@pytest.mark.parametrize("count", [1, 2, 5, 40])
def test_a_consistent_count_validates(count):
    case = Case.model_validate(
        _with(METASTATIC, "distant", metastasis_count=count, largest_metastasis_mm=18.5)
    )
    assert case.distant.metastasis_count == count
    assert case.distant.largest_metastasis_mm == 18.5


@pytest.mark.parametrize("side", list(Side))
def test_a_hydronephrosis_side_implies_hydronephrosis(side):
    data = _with(RECURRENCE, "recurrence", hydronephrosis_side=side.value)
    data["recurrence"].pop("hydronephrosis")
    assert Case.model_validate(data).recurrence.hydronephrosis is True
    assert "recurrence.hydronephrosis_side" in _error_text(
        _with(RECURRENCE, "recurrence", hydronephrosis=False, hydronephrosis_side=side.value)
    )


@pytest.mark.parametrize("site", [s.value for s in MetastaticSite])
def test_a_distant_site_at_recurrence_implies_distant_metastases(site):
    data = _with(RECURRENCE, "recurrence", distant_sites=[site])
    data["recurrence"].pop("distant_metastases")
    assert Case.model_validate(data).recurrence.distant_metastases is True
    assert "recurrence.distant_sites" in _error_text(
        _with(RECURRENCE, "recurrence", distant_sites=[site], distant_metastases=False)
    )
    assert "recurrence.distant_sites" in _error_text(
        _with(RECURRENCE, "recurrence", distant_sites=[site, site])
    )


def test_restaging_sphincter_facts_are_optional_and_bounded():
    restaged = load_example("restaging_icr_tme_apr.json")
    case = Case.model_validate(restaged)
    assert case.restaging.yc_external_sphincter_invaded is None
    restaged["restaging"]["yc_distance_to_anorectal_ring_mm"] = 500
    assert "yc_distance_to_anorectal_ring_mm" in _error_text(restaged)
