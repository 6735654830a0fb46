"""The registry as analysable tables: the contract between the registry and `analytics`.

Analytics code works on plain pandas frames and never on the ORM, so the definitions of an
endpoint (what counts as an event, where the clock starts, when a patient is censored) are
written once, here, next to the data they read:

* the clock starts at the episode's diagnosis date, except for restenosis-free survival, which
  starts at the first endoscopic treatment of a stenosis (dilatation, electroincision, stent,
  magnetic compression);
* the event is the first follow-up event of the endpoint's kinds on or after the start;
* without one, the patient is censored at the latest follow-up date of any kind (including
  ``last_contact``);
* an episode with no start date, or no follow-up at all, cannot contribute and is skipped;
  ``frame.attrs["skipped"]`` counts them and ``frame.attrs["skipped_by_reason"]`` says why.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rectoplan.analytics.populations import EPISODE_COLUMNS
from rectoplan.clinical.case import NeoadjuvantTherapy, OperationType
from rectoplan.clinical.complications import MAJOR_GRADES, comprehensive_complication_index
from rectoplan.clinical.complications import parse_clavien_dindo as _grade
from rectoplan.clinical.pathology import RStatus
from rectoplan.registry import models
from rectoplan.registry.enums import (
    STENOSIS_PROCEDURES,
    DecisionCategory,
    EndoscopicProcedure,
    FollowUpKind,
    TreatmentKind,
)

K = FollowUpKind
ENDPOINTS: dict[str, frozenset[FollowUpKind]] = {
    "overall": frozenset({K.death}),
    "disease_free": frozenset({K.recurrence, K.local_regrowth, K.distant_metastasis, K.death}),
    "tme_free": frozenset({K.tme, K.death}),
    "restenosis_free": frozenset({K.restenosis}),
}
"""Endpoint name -> the follow-up event kinds that end event-free time."""

GROUPS = ("risk_group", "phase", "pathway", "neoadjuvant")
"""What `survival_frame` can group by: the first three from the episode's latest assessment
snapshot, ``neoadjuvant`` (none, short_course_rt, chemoradiotherapy, long_course_rt, tnt,
chemotherapy, immunotherapy) from its case."""

UNKNOWN = "unknown"
MAJOR_COMPLICATION = MAJOR_GRADES


def _frame(session: Session, query, columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(session.execute(query).all(), columns=columns)


def _dates(series: pd.Series) -> pd.Series:
    return pd.to_datetime(series, errors="coerce")


def _origins(session: Session, endpoint: str) -> pd.DataFrame:
    """Every episode with the date its clock starts (NaT when unknown)."""
    episodes = _frame(session, select(models.Episode.id), ["episode_id"])
    if endpoint == "restenosis_free":
        query = (
            select(models.Treatment.episode_id, func.min(models.Treatment.started_on))
            .where(
                models.Treatment.kind == TreatmentKind.endoscopic,
                models.Treatment.procedure.in_(sorted(STENOSIS_PROCEDURES)),
            )
            .group_by(models.Treatment.episode_id)
        )
    else:
        query = select(models.Episode.id, models.Episode.diagnosis_date)
    starts = _frame(session, query, ["episode_id", "origin"])
    frame = episodes.merge(starts, on="episode_id", how="left")
    frame["origin"] = _dates(frame["origin"])
    return frame


def survival_frame(session: Session, endpoint: str, group_by: str | None = None) -> pd.DataFrame:
    """One row per episode: ``episode_id``, ``duration_days`` (float, >= 0), ``event`` (bool),
    and ``group`` when ``group_by`` is one of `GROUPS`. See the module docstring for the
    rules; ``attrs`` carries ``endpoint``, ``event_kinds``, ``skipped`` and
    ``skipped_by_reason``."""
    if endpoint not in ENDPOINTS:
        raise ValueError(f"endpoint {endpoint!r}: expected one of {', '.join(ENDPOINTS)}")
    if group_by is not None and group_by not in GROUPS:
        raise ValueError(f"group_by {group_by!r}: expected one of {', '.join(GROUPS)}")
    kinds = ENDPOINTS[endpoint]
    frame = _origins(session, endpoint)
    query = select(
        models.FollowUpEvent.episode_id, models.FollowUpEvent.kind, models.FollowUpEvent.occurred_on
    )
    events = _frame(session, query, ["episode_id", "kind", "on"])
    events["on"] = _dates(events["on"])
    events["kind"] = events["kind"].map(lambda kind: FollowUpKind(kind).value)
    last = events.groupby("episode_id")["on"].max().rename("last")
    hits = events[events["kind"].isin([k.value for k in kinds])].merge(
        frame[["episode_id", "origin"]], on="episode_id"
    )
    first = hits[hits["on"] >= hits["origin"]].groupby("episode_id")["on"].min().rename("first")
    frame = frame.join(last, on="episode_id").join(first, on="episode_id")
    frame["event"] = frame["first"].notna()
    end = frame["first"].where(frame["event"], frame["last"])
    frame["duration_days"] = (end - frame["origin"]).dt.days.astype(float)

    reasons = {
        "no_origin": frame["origin"].isna(),
        "no_follow_up": frame["origin"].notna() & frame["last"].isna() & ~frame["event"],
        "follow_up_before_origin": frame["duration_days"] < 0,
    }
    skip = reasons["no_origin"] | reasons["no_follow_up"] | reasons["follow_up_before_origin"]
    result = frame.loc[~skip, ["episode_id", "duration_days", "event"]].reset_index(drop=True)
    result["episode_id"] = result["episode_id"].astype("int64")
    result["event"] = result["event"].astype(bool)
    if group_by is not None:
        groups = _groups(session, group_by)
        result["group"] = result["episode_id"].map(groups).fillna(UNKNOWN).astype(str)
    result.attrs.update(
        endpoint=endpoint,
        event_kinds=tuple(sorted(k.value for k in kinds)),
        skipped=int(skip.sum()),
        skipped_by_reason={name: int(mask.sum()) for name, mask in reasons.items() if mask.any()},
        skipped_episodes={
            name: [int(e) for e in frame.loc[mask, "episode_id"]]
            for name, mask in reasons.items()
            if mask.any()
        },
    )
    return result


def _latest_assessments():
    return (
        select(func.max(models.Assessment.id).label("id"))
        .group_by(models.Assessment.episode_id)
        .subquery()
    )


def _groups(session: Session, group_by: str) -> dict[int, str]:
    """Episode id -> its group label."""
    if group_by == "neoadjuvant":
        query = select(models.Episode.id, models.Episode.case_json["neoadjuvant"])
        return {episode: neoadjuvant_group(neo) for episode, neo in session.execute(query)}
    data = models.Assessment.assessment_json
    value = {
        "risk_group": data["risk_group"],
        "phase": data["phase"],
        "pathway": data[("pathways", 0)],
    }[group_by].as_string()
    latest = _latest_assessments()
    query = select(models.Assessment.episode_id, value).join(
        latest, models.Assessment.id == latest.c.id
    )
    return {episode: label for episode, label in session.execute(query) if label is not None}


def neoadjuvant_group(neoadjuvant: dict | None) -> str:
    """The kind of neoadjuvant therapy a case records, as one label."""
    if not neoadjuvant:
        return "none"
    therapy = NeoadjuvantTherapy.model_validate(neoadjuvant)
    rt = therapy.radiotherapy
    if therapy.immunotherapy is not None:
        return "immunotherapy"
    if therapy.is_total_neoadjuvant:
        return "tnt"
    if rt is None:
        return "chemotherapy"
    if rt.fractions <= 5:
        return "short_course_rt"
    return "chemoradiotherapy" if rt.concurrent_chemotherapy else "long_course_rt"


def decisions_frame(session: Session) -> pd.DataFrame:
    """Every MDT decision: ``decision_id, episode_id, decided_at`` (UTC), ``followed_preferred,
    category`` (concordant / alternative / deviation), ``chosen_option_id, deviation_code``,
    oldest first."""
    d = models.MdtDecision
    query = select(
        d.id,
        d.episode_id,
        d.decided_at,
        d.followed_preferred,
        d.category,
        d.chosen_option_id,
        d.deviation_code,
    ).order_by(d.decided_at, d.id)
    columns = [
        "decision_id",
        "episode_id",
        "decided_at",
        "followed_preferred",
        "category",
        "chosen_option_id",
        "deviation_code",
    ]
    frame = _frame(session, query, columns)
    frame["decided_at"] = pd.to_datetime(frame["decided_at"], utc=True)
    frame["followed_preferred"] = frame["followed_preferred"].astype(bool)
    frame["category"] = frame["category"].map(lambda c: DecisionCategory(c).value)
    return frame


def operation_cci(session: Session) -> pd.DataFrame:
    """The Comprehensive Complication Index of every operation, from the complications
    recorded against it (0 without any): ``treatment_id, episode_id, operation_type, cci``."""
    t, c = models.Treatment, models.Complication
    operations = session.execute(
        select(t.id, t.episode_id, t.operation_type)
        .where(t.kind == TreatmentKind.operation)
        .order_by(t.id)
    ).all()
    grades: dict[int, list[str]] = {}
    for treatment_id, grade in session.execute(
        select(c.treatment_id, c.clavien_dindo).where(c.treatment_id.is_not(None))
    ):
        grades.setdefault(treatment_id, []).append(grade)
    rows = [
        (
            tid,
            episode,
            OperationType(op).value,
            comprehensive_complication_index(grades.get(tid, ())),
        )
        for tid, episode, op in operations
    ]
    return pd.DataFrame(rows, columns=["treatment_id", "episode_id", "operation_type", "cci"])


# --- proportions ---------------------------------------------------------------------------


def _r0(session: Session) -> tuple[int, int]:
    """Episodes whose (latest) pathology report reads R0, of those with a known R status.

    A report without a measured margin has no R status; it is left out of the denominator
    rather than counted as a failure.
    """
    p = models.PathologyReport
    latest = select(func.max(p.id)).group_by(p.episode_id).scalar_subquery()
    statuses = session.scalars(
        select(p.r_status).where(p.id.in_(latest), p.r_status.is_not(None))
    ).all()
    return sum(RStatus(s) is RStatus.R0 for s in statuses), len(statuses)


def _organ_preservation(session: Session) -> dict[int, bool]:
    """Restaged episode id -> whether its rectum is still in place: episodes restaged after
    neoadjuvant therapy, with no TME event and no radical operation recorded as a treatment
    or in the case."""
    e = models.Episode
    restaged = {
        episode: operations or []
        for episode, restaging, operations in session.execute(
            select(e.id, e.case_json["restaging"], e.case_json["operations"])
        )
        if restaging
    }
    tme = set(
        session.scalars(
            select(models.FollowUpEvent.episode_id).where(models.FollowUpEvent.kind == K.tme)
        )
    )
    radical = {
        episode
        for episode, op in session.execute(
            select(models.Treatment.episode_id, models.Treatment.operation_type).where(
                models.Treatment.kind == TreatmentKind.operation
            )
        )
        if op is not None and not OperationType(op).is_local
    }
    return {
        episode: not (
            episode in tme
            or episode in radical
            or any(not OperationType(op["type"]).is_local for op in operations)
        )
        for episode, operations in restaged.items()
    }


def _organ_preserved(session: Session) -> tuple[int, int]:
    """Restaged episodes whose rectum has not been removed, of all restaged
    (`_organ_preservation`)."""
    kept = _organ_preservation(session)
    return sum(kept.values()), len(kept)


def _major_complications(session: Session) -> tuple[int, int]:
    """Operated episodes with a Clavien–Dindo III-V complication, of all operated episodes."""
    operated = set(
        session.scalars(
            select(models.Treatment.episode_id).where(
                models.Treatment.kind == TreatmentKind.operation
            )
        )
    )
    major = {
        episode
        for episode, grade in session.execute(
            select(models.Complication.episode_id, models.Complication.clavien_dindo)
        )
        if episode in operated and _grade(grade).grade in MAJOR_COMPLICATION
    }
    return len(major), len(operated)


PROPORTIONS: dict[str, Callable[[Session], tuple[int, int]]] = {
    "r0": _r0,
    "organ_preserved": _organ_preserved,
    "major_complications": _major_complications,
}


def proportion(session: Session, what: str) -> tuple[int, int]:
    """``(count, total)`` for one of `PROPORTIONS` (definitions in each function's docstring)."""
    if what not in PROPORTIONS:
        raise ValueError(f"proportion {what!r}: expected one of {', '.join(PROPORTIONS)}")
    return PROPORTIONS[what](session)


# --- episodes, for populations and filters -------------------------------------------------

WATCH_AND_WAIT_OPTION = "primary.restaging.watch_and_wait"
"""The engine option whose choice by the MDT puts an episode on watch-and-wait."""


def _operations(session: Session) -> dict[int, list[dict]]:
    """Episode id -> its operations and endoscopic procedures, oldest first (``kind``
    operation or endoscopic; ``type`` the operation type or the endoscopic procedure), each
    with the R status of the pathology report made from it, whether a Clavien–Dindo III-V
    complication is recorded against it (or against the episode without naming one), its
    CCI, its complications as ``(grade, ISO date or None)`` and its ``discharge_day``."""
    t, p, c = models.Treatment, models.PathologyReport, models.Complication
    r_status = {
        treatment: RStatus(status).value
        for treatment, status in session.execute(
            select(p.treatment_id, p.r_status).where(p.treatment_id.is_not(None)).order_by(p.id)
        )
        if status is not None
    }
    grades: dict[int, list[tuple[str, str | None]]] = {}
    major_of_episode: set[int] = set()
    for episode, treatment, grade, on in session.execute(
        select(c.episode_id, c.treatment_id, c.clavien_dindo, c.occurred_on)
    ):
        if treatment is not None:
            grades.setdefault(treatment, []).append((grade, on.isoformat() if on else None))
        elif _grade(grade).grade in MAJOR_COMPLICATION:
            major_of_episode.add(episode)
    operations: dict[int, list[dict]] = {}
    query = (
        select(
            t.id, t.episode_id, t.kind, t.operation_type, t.procedure, t.approach,
            t.sacrectomy_level, t.started_on, t.discharge_day,
        )
        .where(t.kind.in_([TreatmentKind.operation, TreatmentKind.endoscopic]))
        .order_by(t.started_on, t.id)
    )  # fmt: skip
    rows = session.execute(query)
    for tid, episode, kind, op_type, procedure, approach, level, started, discharge in rows:
        own = grades.get(tid, [])
        operation = TreatmentKind(kind) is TreatmentKind.operation
        operations.setdefault(episode, []).append(
            {
                "treatment_id": tid,
                "kind": TreatmentKind(kind).value,
                "type": (
                    (OperationType(op_type).value if op_type else None)
                    if operation
                    else (EndoscopicProcedure(procedure).value if procedure else None)
                ),
                "approach": approach.value if approach else None,
                "sacrectomy": level is not None,
                "on": started.isoformat() if started else None,
                "r_status": r_status.get(tid),
                "major": episode in major_of_episode
                or any(_grade(g).grade in MAJOR_COMPLICATION for g, _ in own),
                "cci": comprehensive_complication_index([g for g, _ in own]),
                "complications": tuple(own),
                "discharge_day": discharge,
            }
        )
    return operations


def _deaths_and_last_seen(session: Session) -> tuple[dict[int, str], dict[int, str]]:
    """Episode id -> the date of death, and -> the latest follow-up date of any kind."""
    e = models.FollowUpEvent
    death = {
        episode: on.isoformat()
        for episode, on in session.execute(
            select(e.episode_id, func.min(e.occurred_on))
            .where(e.kind == K.death)
            .group_by(e.episode_id)
        )
    }
    last = {
        episode: on.isoformat()
        for episode, on in session.execute(
            select(e.episode_id, func.max(e.occurred_on)).group_by(e.episode_id)
        )
    }
    return death, last


def episodes_frame(session: Session) -> pd.DataFrame:
    """One row per episode with what a published population is selected by and the outcome
    flags per operation: the columns of `rectoplan.analytics.populations.EPISODE_COLUMNS`."""
    e = models.Episode
    rows = session.execute(
        select(
            e.id,
            e.diagnosis_date,
            e.case_json[("recurrence", "compartments")],
            e.case_json["neoadjuvant"],
        ).order_by(e.id)
    ).all()
    operations = _operations(session)
    death, last = _deaths_and_last_seen(session)
    preserved = _organ_preservation(session)
    pathway, risk = _groups(session, "pathway"), _groups(session, "risk_group")
    watch = set(
        session.scalars(
            select(models.MdtDecision.episode_id).where(
                models.MdtDecision.chosen_option_id == WATCH_AND_WAIT_OPTION
            )
        )
    )
    records = [
        {
            "episode_id": episode,
            "diagnosis_date": diagnosed,
            "setting": "recurrence" if compartments else "primary",
            "compartments": tuple(compartments or ()),
            "pathway": pathway.get(episode, UNKNOWN),
            "risk_group": risk.get(episode, UNKNOWN),
            "neoadjuvant": neoadjuvant_group(neoadjuvant),
            "operations": tuple(operations.get(episode, ())),
            "organ_preserved": preserved.get(episode),
            "watch_and_wait": episode in watch,
            "died_on": death.get(episode),
            "last_seen": last.get(episode),
        }
        for episode, diagnosed, compartments, neoadjuvant in rows
    ]
    frame = pd.DataFrame.from_records(records, columns=list(EPISODE_COLUMNS))
    frame["diagnosis_date"] = _dates(frame["diagnosis_date"])
    return frame


def registry_version(session: Session) -> int:
    """A number that changes whenever the registry's data does: the newest audit row's id
    (every insert, update and delete writes one, `rectoplan.registry.audit`). Figures computed
    from the registry can be kept until it changes."""
    return int(session.scalar(select(func.max(models.AuditLog.id))) or 0)
