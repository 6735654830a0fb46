"""Who a published figure is about, as data, and the matching part of a registry.

A comparison with the wrong population is worse than none: a unit of primary resections set
against recurrent-cancer exenteration benchmarks would read its own quality wrongly. So each
published reference declares its population (setting, procedure and approach, the recurrence's
compartment, a stage, treatment or margin subgroup, the period the cohort was treated in) and
`Population.select` picks the registry episodes that match, operation by operation. The
comparison then reports that subset's n and the criteria in words.

Works on the episode frame `rectoplan.registry.cohort.episodes_frame` builds (one row per
episode; the columns are listed in `EPISODE_COLUMNS`), so the same code serves a registry, an
export and a test fixture.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import pandas as pd

Setting = Literal["primary", "recurrence"]
Origin = Literal["diagnosis", "operation"]

EPISODE_COLUMNS = (
    "episode_id",
    "diagnosis_date",
    "setting",
    "compartments",
    "pathway",
    "risk_group",
    "neoadjuvant",
    "operations",
    "organ_preserved",
    "watch_and_wait",
    "died_on",
    "last_seen",
)
"""The episode frame: ``setting`` is "recurrence" for an episode with a recorded pelvic
recurrence, else "primary"; ``compartments`` the recurrence's Royal Marsden compartments;
``operations`` a tuple of dicts (``treatment_id, type, approach, sacrectomy, on, r_status,
major, cci``), one per operation, ``major`` True when a Clavien–Dindo III-V complication is
recorded against it, ``cci`` its Comprehensive Complication Index; ``organ_preserved``
True/False for restaged episodes, None otherwise; ``watch_and_wait`` True when an MDT decision
chose watch-and-wait; ``died_on`` and ``last_seen`` ISO dates (or None) of death and of the
latest follow-up of any kind."""

SACRECTOMY = "sacrectomy"
"""A procedure name: any operation recorded with a sacral transection level."""

_WORDS = {
    "lar": "anterior resection",
    "apr": "abdominoperineal resection",
    "isr_partial": "partial intersphincteric resection",
    "isr_subtotal": "subtotal intersphincteric resection",
    "isr_total": "total intersphincteric resection",
    "coloanal": "coloanal anastomosis",
    "local_excision": "local excision",
    "tnt": "total neoadjuvant therapy",
}


def _words(value: str) -> str:
    return _WORDS.get(value, value.replace("_", " "))


@dataclass(frozen=True, slots=True)
class Population:
    """The patients a published figure describes.

    Empty tuples mean "any". ``procedures`` and ``approaches`` must hold for the same
    operation; ``sacrectomy`` in ``procedures`` is any operation with a sacral transection.
    ``r_status`` restricts to operations with that margin (PelvEx survival after an R0
    resection). ``origin`` is where a survival clock starts: the diagnosis, or the matching
    operation (survival after a recurrence resection). ``period`` is when the published
    cohort was treated; it is stated, not used to select, since a unit compares its own
    recent practice with the published series.
    """

    description: str
    setting: Setting | None = None
    procedures: tuple[str, ...] = ()
    approaches: tuple[str, ...] = ()
    compartments: tuple[str, ...] = ()
    neoadjuvant: tuple[str, ...] = ()
    r_status: tuple[str, ...] = ()
    watch_and_wait: bool = False
    period: str = ""
    origin: Origin = "diagnosis"
    unit: Literal["episodes", "decisions"] = "episodes"

    @property
    def needs_operation(self) -> bool:
        return bool(self.procedures or self.approaches or self.r_status)

    def criteria(self, *, survival: bool = False) -> list[str]:
        """The selection in words, as reports print it beside the subset's n (with where the
        clock starts, for a ``survival`` figure)."""
        if self.unit == "decisions":
            return ["every MDT decision whose concordance can be judged"]
        rows = []
        if self.setting == "recurrence":
            rows.append("recurrence episodes (a pelvic recurrence is recorded)")
        elif self.setting == "primary":
            rows.append("primary-cancer episodes (no recurrence recorded)")
        if self.compartments:
            rows.append(
                "recurrence involving the " + " or ".join(self.compartments) + " compartment"
            )
        if self.neoadjuvant:
            rows.append("neoadjuvant therapy: " + " or ".join(map(_words, self.neoadjuvant)))
        if self.watch_and_wait:
            rows.append("watch-and-wait chosen by the MDT")
        if self.needs_operation:
            what = " or ".join(map(_words, self.procedures)) or "an operation"
            how = f", {' or '.join(self.approaches)} approach" if self.approaches else ""
            margin = f", {' or '.join(self.r_status)} on pathology" if self.r_status else ""
            rows.append(f"{what}{how}{margin}")
        if survival and self.origin == "operation":
            rows.append("survival counted from that operation")
        rows.append(
            f"published cohort treated {self.period}" if self.period else "period not stated"
        )
        return rows

    def matching_operation(self, operation: dict) -> bool:
        """Whether one operation is of the population's kind."""
        kinds = {operation.get("type")} | ({SACRECTOMY} if operation.get("sacrectomy") else set())
        return (
            (not self.procedures or bool(kinds & set(self.procedures)))
            and (not self.approaches or operation.get("approach") in self.approaches)
            and (not self.r_status or operation.get("r_status") in self.r_status)
        )

    def select(self, episodes: pd.DataFrame) -> pd.DataFrame:
        """The episodes of the population, each with ``operation``: its first matching
        operation (None when the population does not ask for one)."""
        if self.unit != "episodes":
            raise ValueError(f"{self.description}: a population of {self.unit}, not episodes")
        keep = pd.Series(True, index=episodes.index)
        if self.setting is not None:
            keep &= episodes["setting"] == self.setting
        if self.compartments:
            wanted = set(self.compartments)
            keep &= episodes["compartments"].map(lambda found: bool(wanted & set(found or ())))
        if self.neoadjuvant:
            keep &= episodes["neoadjuvant"].isin(self.neoadjuvant)
        if self.watch_and_wait:
            keep &= episodes["watch_and_wait"].astype(bool)
        chosen = episodes[keep].copy()
        if not self.needs_operation:
            chosen["operation"] = None
            return chosen
        chosen["operation"] = chosen["operations"].map(self._first_match)
        return chosen[chosen["operation"].notna()]

    def _first_match(self, operations) -> dict | None:
        matches = [op for op in operations or () if self.matching_operation(op)]
        return (
            min(matches, key=lambda op: (op.get("on") is None, op.get("on") or ""))
            if matches
            else None
        )


MORTALITY_DAYS = {"mortality_30d": 30, "mortality_90d": 90}


def outcome_flags(subset: pd.DataFrame, measure: str) -> pd.Series:
    """One True/False per episode of ``subset`` for a proportion ``measure``; episodes whose
    outcome is unknown (no R status reported, not restaged, not followed long enough) are left
    out of the denominator.

    * ``r0``: the matching operation's specimen is R0 (of those with an R status); without a
      procedure in the population, the latest operation's with one;
    * ``major_complications``: a Clavien–Dindo III-V complication of the matching operation
      (of operated episodes);
    * ``mortality_30d`` / ``_90d``: death within 30 / 90 days of the matching operation, of
      patients who died or were seen alive that long after it;
    * ``organ_preserved``: restaged episodes whose rectum is still in place.
    """
    if measure == "organ_preserved":
        return subset["organ_preserved"].dropna().astype(bool)
    if measure not in ("r0", "major_complications", *MORTALITY_DAYS):
        raise ValueError(f"{measure!r} is not a registry proportion")
    flags = {}
    for _, row in subset.iterrows():
        chosen = row["operation"]
        candidates = [chosen] if chosen is not None else list(row["operations"] or ())
        if not candidates:
            continue
        if measure == "r0":
            statuses = [op["r_status"] for op in candidates if op.get("r_status")]
            if statuses:
                flags[row["episode_id"]] = statuses[-1] == "R0"
        elif measure == "major_complications":
            flags[row["episode_id"]] = any(op.get("major") for op in candidates)
        else:
            died = _died_within(candidates[0], row["died_on"], row["last_seen"], measure)
            if died is not None:
                flags[row["episode_id"]] = died
    return pd.Series(flags, dtype=bool)


def _died_within(operation: dict, died_on, last_seen, measure: str) -> bool | None:
    """Death within the window after ``operation``; None when the window is not covered."""
    if operation.get("on") is None:
        return None
    start = pd.Timestamp(operation["on"])
    window = pd.Timedelta(days=MORTALITY_DAYS[measure])
    if died_on is not None and pd.Timestamp(died_on) >= start:
        return pd.Timestamp(died_on) - start <= window
    if last_seen is not None and pd.Timestamp(last_seen) - start >= window:
        return False
    return None


def operation_scores(subset: pd.DataFrame, measure: str) -> pd.Series:
    """The matching operation's score per episode (``cci``: Comprehensive Complication
    Index)."""
    if measure != "cci":
        raise ValueError(f"{measure!r} is not a registry score")
    scores = {
        episode: chosen["cci"]
        for episode, chosen in zip(subset["episode_id"], subset["operation"], strict=True)
        if chosen is not None and chosen.get("cci") is not None
    }
    return pd.Series(scores, dtype=float)


def survival_subset(survival: pd.DataFrame, subset: pd.DataFrame, origin: Origin) -> pd.DataFrame:
    """The rows of a registry survival frame (``episode_id, duration_days, event``, clock from
    diagnosis) for the episodes of ``subset``; with ``origin="operation"`` the clock restarts
    at each episode's matching operation, and episodes whose follow-up ended before it drop
    out."""
    rows = survival[survival["episode_id"].isin(subset["episode_id"])]
    if origin == "diagnosis":
        return rows.reset_index(drop=True)
    starts = subset.set_index("episode_id")
    shift = {}
    for episode, row in starts.iterrows():
        operated = (row["operation"] or {}).get("on")
        if operated is None or pd.isna(row["diagnosis_date"]):
            continue
        shift[episode] = (pd.Timestamp(operated) - pd.Timestamp(row["diagnosis_date"])).days
    shifted = rows[rows["episode_id"].isin(shift)].copy()
    shifted["duration_days"] = shifted["duration_days"] - shifted["episode_id"].map(shift)
    return shifted[shifted["duration_days"] >= 0].reset_index(drop=True)
