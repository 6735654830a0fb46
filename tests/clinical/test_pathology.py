"""R status under both conventions, derived from the measured margin distance."""

from __future__ import annotations

import pytest

from rectoplan.clinical.pathology import RConvention, RStatus, crm_positive, r_status


@pytest.mark.parametrize(
    ("margin", "uicc", "crm"),
    [
        (0.0, RStatus.R1, RStatus.R1),
        (0.5, RStatus.R0, RStatus.R1),
        (1.0, RStatus.R0, RStatus.R1),
        (1.1, RStatus.R0, RStatus.R0),
        (5.0, RStatus.R0, RStatus.R0),
    ],
)
def test_r_status_conventions(margin, uicc, crm):
    assert r_status(margin, False, RConvention.uicc) is uicc
    assert r_status(margin, False, RConvention.crm_1mm) is crm


def test_macroscopic_residual_is_r2_and_unmeasured_is_unknown():
    assert r_status(10.0, True, RConvention.uicc) is RStatus.R2
    assert r_status(None, False, RConvention.crm_1mm) is None


def test_crm_threshold_is_a_setting():
    assert crm_positive(1.0) and not crm_positive(1.5)
    assert crm_positive(1.5, threshold_mm=2.0)
    with pytest.raises(ValueError):
        crm_positive(-0.1)
