"""AJCC 8 staging checked against the stage table transcribed from the domain notes (§1.4).

The expected group for every T x N x M combination comes from ``tests/data/
ajcc8_colorectal_stage_groups.csv``, read here as data: a combination matched by one row takes
that row's group; one matched by no row has no AJCC 8 group ("unstageable").
"""

from __future__ import annotations

import csv
import itertools
import math
from functools import cache
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rectoplan.clinical.staging import (
    STAGE_GROUPS,
    MetastaticSite,
    m_category_from_sites,
    n_category_from_nodes,
    stage,
    stage_group,
    t3_substage,
)
from rectoplan.clinical.tnm import MCategory, NCategory, Prefix, TCategory
from rectoplan.errors import FieldError

TABLE_CSV = Path(__file__).parents[1] / "data" / "ajcc8_colorectal_stage_groups.csv"

T_VALUES = ("Tis", "T1", "T2", "T3", "T4a", "T4b")
N_VALUES = ("N0", "N1a", "N1b", "N1c", "N2a", "N2b")
M_VALUES = ("M0", "M1a", "M1b", "M1c")


@cache
def table_rows() -> tuple[dict[str, str], ...]:
    with TABLE_CSV.open(newline="") as handle:
        lines = [line for line in handle if not line.startswith("#")]
    return tuple(csv.DictReader(lines))


def allows(cell: str, category: str) -> bool:
    return cell == "any" or category in cell.split("|")


def expected_group(t: str, n: str, m: str) -> str:
    groups = [
        row["stage"]
        for row in table_rows()
        if allows(row["t"], t) and allows(row["n"], n) and allows(row["m"], m)
    ]
    assert len(groups) <= 1, f"{t} {n} {m} matches several table rows: {groups}"
    return groups[0] if groups else "unstageable"


def test_table_transcription_has_every_group_once_in_order():
    seen = list(dict.fromkeys(row["stage"] for row in table_rows()))
    assert seen == list(STAGE_GROUPS)


@pytest.mark.parametrize(("t", "n", "m"), list(itertools.product(T_VALUES, N_VALUES, M_VALUES)))
def test_every_combination_stages_as_the_table_says(t, n, m):
    assert stage_group(t, n, m) == expected_group(t, n, m)


@pytest.mark.parametrize(
    ("t", "n"), [("TX", n) for n in ("NX", *N_VALUES)] + [(t, "NX") for t in T_VALUES]
)
def test_tx_or_nx_is_unstageable_without_m1(t, n):
    result = stage(t, n, "M0")
    assert result.group == "unstageable"
    assert "not assessed" in result.reason


@pytest.mark.parametrize("m", ["M1a", "M1b", "M1c"])
@pytest.mark.parametrize(("t", "n"), [("TX", "NX"), ("TX", "N0"), ("T3", "NX"), ("T0", "N1a")])
def test_m1_stages_whatever_t_and_n(t, n, m):
    assert (
        stage_group(t, n, m)
        == expected_group(t, n, m)
        == {"M1a": "IVA", "M1b": "IVB"}.get(m, "IVC")
    )


def test_t0_n0_m0_has_no_group_and_says_why():
    result = stage("ypT0", "ypN0", "cM0")
    assert result.group == "unstageable"
    assert "T0N0M0" in result.reason


@pytest.mark.parametrize("n", N_VALUES[1:])
def test_t0_or_tis_with_positive_nodes_is_not_in_the_table(n):
    for t in ("T0", "Tis"):
        assert expected_group(t, n, "M0") == "unstageable"
        result = stage(t, n, "M0")
        assert result.group == "unstageable"
        assert "not in the AJCC 8" in result.reason


@pytest.mark.parametrize(
    ("t", "n", "m", "group", "prefix"),
    [
        ("cT3", "cN1a", "cM0", "IIIB", Prefix.c),
        ("ypT3", "ypN0", "cM0", "IIA", Prefix.yp),
        ("pT2", "pN2b", "cM0", "IIIB", Prefix.p),
        ("T3", "pN2b", "M0", "IIIC", Prefix.p),
        ("ycT4b", "ycN1c", "M0", "IIIC", Prefix.yc),
        ("rT1", "N0", "M0", "I", Prefix.r),
        ("T3", "N1a", "M0", "IIIB", None),
    ],
)
def test_prefixes_are_kept_and_do_not_change_the_group(t, n, m, group, prefix):
    result = stage(t, n, m)
    assert (result.group, result.prefix) == (group, prefix)


def test_result_carries_categories_edition_and_evidence():
    result = stage("ypT3", "N1a", "M0")
    assert (result.t, result.n, result.m) == (TCategory.T3, NCategory.N1a, MCategory.M0)
    assert result.edition == "AJCC 8"
    assert result.evidence == ("ajcc8_weiser_2018", "vista_oncsga8a")
    assert result.reason == ""
    with pytest.raises(AttributeError):
        result.group = "I"  # type: ignore[misc]


def test_enums_are_accepted():
    assert stage_group(TCategory.T4a, NCategory.N2a, MCategory.M0) == "IIIC"


@pytest.mark.parametrize("t", T_VALUES)
def test_bare_n1_stages_as_its_subcategories(t):
    assert stage_group(t, "N1", "M0") == expected_group(t, "N1a", "M0")
    assert {expected_group(t, sub, "M0") for sub in ("N1a", "N1b", "N1c")} == {
        stage_group(t, "N1", "M0")
    }


@pytest.mark.parametrize(("t", "group"), [("T2", "IIIB"), ("T4a", "IIIC"), ("T4b", "IIIC")])
def test_bare_n2_stages_where_n2a_and_n2b_agree(t, group):
    assert expected_group(t, "N2a", "M0") == expected_group(t, "N2b", "M0") == group
    assert stage_group(t, "N2", "M0") == group


@pytest.mark.parametrize(("t", "n2a", "n2b"), [("T1", "IIIA", "IIIB"), ("T3", "IIIB", "IIIC")])
def test_bare_n2_is_ambiguous_where_n2a_and_n2b_differ(t, n2a, n2b):
    assert (expected_group(t, "N2a", "M0"), expected_group(t, "N2b", "M0")) == (n2a, n2b)
    result = stage(t, "N2", "M0")
    assert result.group == "unstageable"
    assert "ambiguous" in result.reason and n2a in result.reason and n2b in result.reason


@pytest.mark.parametrize(("t", "n"), [("T3", "N1a"), ("TX", "NX"), ("Tis", "N0"), ("T4b", "N2")])
def test_m1_without_subcategory_is_stage_iv_nos(t, n):
    assert stage_group(t, n, "M1") == "IV"


@pytest.mark.parametrize(
    ("t", "n", "m", "axis"),
    [
        ("T5", "N0", "M0", "T"),
        ("T4", "N0", "M0", "T"),
        ("T3", "N3", "M0", "N"),
        ("T3", "N1d", "M0", "N"),
        ("T3", "N0", "M2", "M"),
        ("N0", "N0", "M0", "T"),
        ("", "N0", "M0", "T"),
        ("T3", "N0", "MX", "M"),
    ],
)
def test_unknown_categories_raise_naming_the_axis(t, n, m, axis):
    with pytest.raises(FieldError, match=f"not an AJCC 8 {axis} category"):
        stage(t, n, m)


PREFIXES = st.sampled_from(["", *Prefix])


@given(
    t=st.tuples(PREFIXES, st.sampled_from(list(TCategory))),
    n=st.tuples(PREFIXES, st.sampled_from(list(NCategory))),
    m=st.tuples(PREFIXES, st.sampled_from(list(MCategory))),
)
def test_every_written_combination_stages_to_an_allowed_answer(t, n, m):
    result = stage("".join(t), "".join(n), "".join(m))
    assert result.group in {*STAGE_GROUPS, "IV", "unstageable"}
    assert bool(result.reason) == (result.group == "unstageable")


# --- measurements to categories (FACS node counts, MERCURY T3 substage, AJCC 8 M) ---------


@pytest.mark.parametrize(
    ("positive", "deposits", "category"),
    [
        (0, False, "N0"),
        (0, True, "N1c"),
        (1, False, "N1a"),
        (1, True, "N1a"),
        (2, False, "N1b"),
        (3, True, "N1b"),
        (4, False, "N2a"),
        (6, False, "N2a"),
        (7, False, "N2b"),
        (25, True, "N2b"),
    ],
)
def test_n_category_from_node_count_follows_facs(positive, deposits, category):
    assert n_category_from_nodes(positive, tumour_deposits=deposits) == NCategory(category)


@pytest.mark.parametrize("positive", [-1, 1.5, True, "3"])
def test_n_category_refuses_counts_that_are_not_whole_non_negative_numbers(positive):
    with pytest.raises(ValueError, match="positive"):
        n_category_from_nodes(positive)


@pytest.mark.parametrize(
    ("depth_mm", "substage"),
    [
        (0.0, "T3a"),
        (0.99, "T3a"),
        (1.0, "T3b"),
        (3.0, "T3b"),
        (5.0, "T3b"),
        (5.0001, "T3c"),
        (5.1, "T3c"),
        (15.0, "T3c"),
        (15.01, "T3d"),
        (40.0, "T3d"),
    ],
)
def test_t3_substage_boundaries(depth_mm, substage):
    assert t3_substage(depth_mm) == substage


@pytest.mark.parametrize("depth_mm", [-0.1, math.nan, math.inf])
def test_t3_substage_refuses_impossible_depths(depth_mm):
    with pytest.raises(ValueError, match="extramural_depth_mm"):
        t3_substage(depth_mm)


@pytest.mark.parametrize(
    ("sites", "category"),
    [
        ([], "M0"),
        (["liver"], "M1a"),
        ([MetastaticSite.non_regional_node], "M1a"),
        (["liver", "liver"], "M1a"),
        (["liver", "lung"], "M1b"),
        (["ovary", "bone", "brain"], "M1b"),
        (["peritoneum"], "M1c"),
        (["Liver", "peritoneum", "lung"], "M1c"),
    ],
)
def test_m_category_from_sites_follows_ajcc8(sites, category):
    assert m_category_from_sites(sites) == MCategory(category)


def test_m_category_refuses_unknown_sites():
    with pytest.raises(ValueError, match="spleen"):
        m_category_from_sites(["spleen"])
