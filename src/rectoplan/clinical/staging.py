"""AJCC 8 stage groups for colon and rectum, and the measurements that feed T, N and M.

The stage table is data (`AJCC8_STAGE_TABLE`), one row per row of the AJCC 8 table in
``shared/domain/clinical-guidelines.md`` §1.4, so that a reader can check it against the source
line by line; the lookup is a few lines that never change when the table does. The VistA
oncology routine ``ONCSGA8A`` (label ``COLON & RECTUM``) encodes the same table and served as an
independent oracle; none of its code is reproduced here.

Where the table is silent this module says "unstageable" and gives the reason rather than guess:

- TX or NX with M0 (as VistA does: no stage unless M1 is present);
- T0 with any N and M0: AJCC 8 colorectal has no T0 row, so ``ypT0N0`` (a pathological
  complete response) and ``T0N+`` (nodes without a primary) have no group, and neither does
  Tis with positive nodes;
- a bare ``N2`` where N2a and N2b lead to different groups (T1: IIIA vs IIIB; T3: IIIB vs IIIC).
  Elsewhere the bare N1 or N2 takes the group its subcategories share (VistA stages only T4b with
  a bare N2; the shared group is the same answer the full category would give).

A bare ``M1`` (metastasis without the a/b/c subcategory) is stage "IV", AJCC's stage IV not
otherwise specified, because every M1 subcategory is stage IV.

Post-therapy (yc/yp) categories use the same anatomic table (AJCC; [P] in the domain notes).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from rectoplan.clinical.tnm import MCategory, NCategory, Prefix, TCategory, parse_category
from rectoplan.evidence import cite
from rectoplan.i18n import _, join_clauses

EDITION = "AJCC 8"
UNSTAGEABLE = "unstageable"
STAGE_IV_NOS = "IV"
STAGE_GROUPS: tuple[str, ...] = (
    "0",
    "I",
    "IIA",
    "IIB",
    "IIC",
    "IIIA",
    "IIIB",
    "IIIC",
    "IVA",
    "IVB",
    "IVC",
)
"""The AJCC 8 colorectal groups in order; `stage` may also answer `STAGE_IV_NOS` or
`UNSTAGEABLE`."""

STAGING_EVIDENCE = cite("ajcc8_weiser_2018", "vista_oncsga8a")

_T, _N, _M = TCategory, NCategory, MCategory
_ANY_T = frozenset(TCategory)
_ANY_N = frozenset(NCategory)
_N1 = frozenset({_N.N1a, _N.N1b, _N.N1c})  # "N1 (a/b/c)" in the table
_N1_TO_N2 = _N1 | {_N.N2a, _N.N2b}  # "N1–N2" in the table


@dataclass(frozen=True, slots=True)
class StageRow:
    """One row of the stage table: the group applies when T, N and M are each in their set."""

    group: str
    t: frozenset[TCategory]
    n: frozenset[NCategory]
    m: frozenset[MCategory]

    def matches(self, t: TCategory, n: NCategory, m: MCategory) -> bool:
        return t in self.t and n in self.n and m in self.m


def _row(group: str, t: Iterable, n: Iterable, m: Iterable) -> StageRow:
    return StageRow(group, frozenset(t), frozenset(n), frozenset(m))


AJCC8_STAGE_TABLE: tuple[StageRow, ...] = (
    _row("0", {_T.Tis}, {_N.N0}, {_M.M0}),
    _row("I", {_T.T1, _T.T2}, {_N.N0}, {_M.M0}),
    _row("IIA", {_T.T3}, {_N.N0}, {_M.M0}),
    _row("IIB", {_T.T4a}, {_N.N0}, {_M.M0}),
    _row("IIC", {_T.T4b}, {_N.N0}, {_M.M0}),
    _row("IIIA", {_T.T1, _T.T2}, _N1, {_M.M0}),
    _row("IIIA", {_T.T1}, {_N.N2a}, {_M.M0}),
    _row("IIIB", {_T.T3, _T.T4a}, _N1, {_M.M0}),
    _row("IIIB", {_T.T2, _T.T3}, {_N.N2a}, {_M.M0}),
    _row("IIIB", {_T.T1, _T.T2}, {_N.N2b}, {_M.M0}),
    _row("IIIC", {_T.T4a}, {_N.N2a}, {_M.M0}),
    _row("IIIC", {_T.T3, _T.T4a}, {_N.N2b}, {_M.M0}),
    _row("IIIC", {_T.T4b}, _N1_TO_N2, {_M.M0}),
    _row("IVA", _ANY_T, _ANY_N, {_M.M1a}),
    _row("IVB", _ANY_T, _ANY_N, {_M.M1b}),
    _row("IVC", _ANY_T, _ANY_N, {_M.M1c}),
)
"""AJCC 8 colon and rectum stage groups, transcribed from the domain notes §1.4."""

_STAGE_IV_NOS_ROW = _row(STAGE_IV_NOS, _ANY_T, _ANY_N, {_M.M1})

_SUBCATEGORIES: dict[NCategory, tuple[NCategory, ...]] = {
    _N.N1: (_N.N1a, _N.N1b, _N.N1c),
    _N.N2: (_N.N2a, _N.N2b),
}
"""A bare N1 or N2 could be any of these; the table is written in subcategories."""


@dataclass(frozen=True, slots=True)
class StageResult:
    """A stage group with the categories it came from and, when there is no group, why."""

    group: str
    t: TCategory
    n: NCategory
    m: MCategory
    prefix: Prefix | None = None
    reason: str = ""
    evidence: tuple[str, ...] = STAGING_EVIDENCE
    edition: str = EDITION

    @property
    def stageable(self) -> bool:
        return self.group != UNSTAGEABLE


def _parse(value: str | StrEnum, axis: str) -> tuple[Prefix | None, StrEnum]:
    return parse_category(str(value), axis)


def _groups(t: TCategory, n: NCategory, m: MCategory) -> set[str]:
    rows = (*AJCC8_STAGE_TABLE, _STAGE_IV_NOS_ROW)
    return {row.group for row in rows if row.matches(t, n, m)}


def _unstageable_reason(t: TCategory, n: NCategory, by_sub: dict) -> str:
    """Why a combination has no group; the categories themselves are on the `StageResult`."""
    if t is _T.TX or n is _N.NX:
        unknown = t if t is _T.TX else n
        return _("{category}: not assessed; AJCC 8 gives a group only with M1").format(
            category=unknown
        )
    if len(by_sub) > 1 and all(by_sub.values()):
        options = join_clauses(
            _("{sub} gives {group}").format(sub=sub, group=group) for sub, group in by_sub.items()
        )
        return _("{n} without its subcategory is ambiguous here ({options})").format(
            n=n, options=options
        )
    if t is _T.T0 and n is _N.N0:
        return _("AJCC 8 has no stage group for T0N0M0 (e.g. ypT0N0, a complete response)")
    return _("{t} {n} is not in the AJCC 8 colorectal stage table").format(t=t, n=n)


def stage(t: str | TCategory, n: str | NCategory, m: str | MCategory) -> StageResult:
    """Stage a T, N and M category, written with or without a prefix (``ypT3``) or as enums.

    ``prefix`` records the first prefix given, in T, N, M order: a pathological stage often
    carries a clinical M (``pT3 pN1a cM0``), and the table does not depend on it. Unknown
    categories raise a `FieldError` (a `ValueError`) naming the axis and the allowed values.
    """
    parsed = [_parse(t, "T"), _parse(n, "N"), _parse(m, "M")]
    prefix = next((p for p, _category in parsed if p is not None), None)
    t_cat, n_cat, m_cat = (category for _prefix, category in parsed)
    by_sub = {
        sub: next(iter(found)) if len(found := _groups(t_cat, sub, m_cat)) == 1 else None
        for sub in _SUBCATEGORIES.get(n_cat, (n_cat,))
    }
    groups = set(by_sub.values())
    if len(groups) == 1 and None not in groups:
        return StageResult(groups.pop(), t_cat, n_cat, m_cat, prefix)
    reason = _unstageable_reason(t_cat, n_cat, by_sub)
    return StageResult(UNSTAGEABLE, t_cat, n_cat, m_cat, prefix, reason)


def stage_group(t: str | TCategory, n: str | NCategory, m: str | MCategory) -> str:
    """The AJCC 8 group (``"IIIB"``), ``"IV"`` for a bare M1, or ``"unstageable"``."""
    return stage(t, n, m).group


# --- measurements to categories ----------------------------------------------------------

NODES_EVIDENCE = cite("facs_cstage_nodes")

_N_BY_NODE_COUNT: tuple[tuple[int, NCategory], ...] = (
    (7, _N.N2b),
    (4, _N.N2a),
    (2, _N.N1b),
    (1, _N.N1a),
)
"""Smallest positive-node count for each N category (FACS Collaborative Stage), largest first."""


def n_category_from_nodes(positive: int, tumour_deposits: bool = False) -> NCategory:
    """N category from the number of positive regional nodes.

    Tumour deposits raise N0 to N1c only: N1c means deposits *without* nodal metastasis, so
    with any positive node the count alone decides.
    """
    if isinstance(positive, bool) or not isinstance(positive, int) or positive < 0:
        raise ValueError(f"positive must be a whole number >= 0, not {positive!r}")
    for minimum, category in _N_BY_NODE_COUNT:
        if positive >= minimum:
            return category
    return _N.N1c if tumour_deposits else _N.N0


T3_SUBSTAGE_EVIDENCE = cite("mercury_t3_substage")

_T3_SUBSTAGE_LIMITS_MM: tuple[tuple[str, float], ...] = (
    ("T3a", 1.0),
    ("T3b", 5.0),
    ("T3c", 15.0),
)
"""MRI T3 substage by extramural depth (ESMO/MERCURY; not part of AJCC).

Convention, fixed here because the sources write "1–5" and ">5–15": T3a is strictly below 1 mm;
each later substage includes its upper limit (1.0 and 5.0 mm are T3b, 15.0 mm is T3c, anything
beyond 15 mm is T3d).
"""


def t3_substage(extramural_depth_mm: float) -> str:
    """``"T3a"``..``"T3d"`` from the depth of spread beyond the muscularis propria in mm."""
    depth = float(extramural_depth_mm)
    if not math.isfinite(depth) or depth < 0:
        raise ValueError(f"extramural_depth_mm must be a finite number >= 0, not {depth!r}")
    if depth < _T3_SUBSTAGE_LIMITS_MM[0][1]:
        return _T3_SUBSTAGE_LIMITS_MM[0][0]
    for label, upper in _T3_SUBSTAGE_LIMITS_MM[1:]:
        if depth <= upper:
            return label
    return "T3d"


class MetastaticSite(StrEnum):
    """Organs and sites that count for M1a/M1b; the peritoneum alone decides M1c."""

    liver = "liver"
    lung = "lung"
    peritoneum = "peritoneum"
    non_regional_node = "non_regional_node"
    bone = "bone"
    brain = "brain"
    ovary = "ovary"
    adrenal = "adrenal"
    other = "other"


def m_category_from_sites(sites: Iterable[MetastaticSite | str]) -> MCategory:
    """M category (AJCC 8) from the metastatic sites found.

    Peritoneal disease is M1c with or without other sites (AJCC 7 called it M1b); otherwise one
    site is M1a and two or more are M1b. Sites are counted once each, so ``other`` stands for one
    unlisted organ.
    """
    found = {_site(site) for site in sites}
    if not found:
        return _M.M0
    if MetastaticSite.peritoneum in found:
        return _M.M1c
    return _M.M1a if len(found) == 1 else _M.M1b


def _site(value: MetastaticSite | str) -> MetastaticSite:
    try:
        return MetastaticSite(str(value).strip().lower())
    except ValueError:
        allowed = ", ".join(MetastaticSite)
        raise ValueError(
            f"{value!r} is not a metastatic site (expected one of {allowed})"
        ) from None
