"""The registry tables (SQLAlchemy 2 typed ORM); input schemas live apart in `schemas`.

Every table that can change carries a ``version`` column that SQLAlchemy uses for optimistic
locking: an UPDATE names the version it read, so a write based on a stale read matches no row
and is refused instead of silently overwriting someone else's change. Assessment snapshots and
the audit log have no version because they never change; database triggers (see the first
migration) refuse UPDATE on them, and UPDATE or DELETE on the audit log.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, ClassVar

from sqlalchemy import (
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    declared_attr,
    mapped_column,
    relationship,
)

from rectoplan.clinical.case import Approach, OperationType, Sex
from rectoplan.clinical.pathology import RStatus
from rectoplan.registry.enums import (
    AuditAction,
    DecisionCategory,
    EndoscopicProcedure,
    EpisodeStatus,
    FollowUpKind,
    TreatmentKind,
)
from rectoplan.registry.types import JsonType, UtcDateTime, enum_column, utcnow

if TYPE_CHECKING:
    from rectoplan.registry.users import User

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
"""Named constraints: SQLite's batch migrations recreate tables and need names to find them."""


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        dict[str, Any]: JsonType,
        list[str]: JsonType,
        dt.datetime: UtcDateTime(),
    }


def _table_args(*items: Any) -> tuple:
    """Constraints plus AUTOINCREMENT on SQLite, so an id is never reused after a delete (an
    audit history names one row for ever; PostgreSQL sequences never reuse ids anyway)."""
    return (*items, {"sqlite_autoincrement": True})


class Versioned:
    """Optimistic locking: SQLAlchemy bumps ``version`` on every UPDATE and checks the old one."""

    version: Mapped[int] = mapped_column(Integer, nullable=False)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.__table__.c.version}


def _episode_fk() -> Mapped[int]:
    return mapped_column(ForeignKey("episodes.id"), index=True)


def _treatment_fk() -> Mapped[int | None]:
    return mapped_column(ForeignKey("treatments.id"), index=True)


class Patient(Versioned, Base):
    __tablename__ = "patients"
    __table_args__ = _table_args(
        CheckConstraint("birth_year BETWEEN 1880 AND 2200", name="birth_year")
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pseudonym: Mapped[str] = mapped_column(String(64), unique=True)
    sex: Mapped[Sex] = mapped_column(enum_column(Sex, "sex"))
    birth_year: Mapped[int | None]

    episodes: Mapped[list[Episode]] = relationship(back_populates="patient")


class Episode(Versioned, Base):
    """One rectal-cancer episode of a patient: the validated case as it stands now."""

    __tablename__ = "episodes"
    __table_args__ = _table_args()

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    case_id: Mapped[str] = mapped_column(String(64), unique=True)
    case_json: Mapped[dict[str, Any]]
    diagnosis_date: Mapped[dt.date | None] = mapped_column(Date, index=True)
    status: Mapped[EpisodeStatus] = mapped_column(
        enum_column(EpisodeStatus, "episode_status"), default=EpisodeStatus.active
    )

    patient: Mapped[Patient] = relationship(back_populates="episodes")
    assessments: Mapped[list[Assessment]] = relationship(order_by="Assessment.id")
    decisions: Mapped[list[MdtDecision]] = relationship(order_by="MdtDecision.id")
    treatments: Mapped[list[Treatment]] = relationship(order_by="Treatment.id")
    pathology_reports: Mapped[list[PathologyReport]] = relationship(
        order_by="PathologyReport.id", cascade="all, delete-orphan"
    )
    complications: Mapped[list[Complication]] = relationship(order_by="Complication.id")
    events: Mapped[list[FollowUpEvent]] = relationship(
        order_by="(FollowUpEvent.occurred_on, FollowUpEvent.id)"
    )


class Assessment(Base):
    """An immutable snapshot of what the engine said about the case at a moment."""

    __tablename__ = "assessments"
    __table_args__ = _table_args()

    id: Mapped[int] = mapped_column(primary_key=True)
    episode_id: Mapped[int] = _episode_fk()
    engine_version: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    assessment_json: Mapped[dict[str, Any]]
    preferred_ids: Mapped[list[str]]


class MdtMeeting(Versioned, Base):
    __tablename__ = "mdt_meetings"
    __table_args__ = _table_args(UniqueConstraint("held_on", "title"))

    id: Mapped[int] = mapped_column(primary_key=True)
    held_on: Mapped[dt.date] = mapped_column(Date)
    title: Mapped[str] = mapped_column(String(200))
    attendees: Mapped[list[str]] = mapped_column(default=list)
    """Guests named in free text (and meetings recorded before attendance was picked from
    users); members who log in are in `MdtAttendance`."""
    starts_at: Mapped[dt.time | None] = mapped_column(Time)
    place: Mapped[str | None] = mapped_column(String(200))
    video_link: Mapped[str | None] = mapped_column(String(500))
    chair: Mapped[str | None] = mapped_column(String(100))
    """The chair's user name (a name, like ``added_by``: who chaired stays readable even if
    the account is renamed away)."""
    expected_specialties: Mapped[list[str]] = mapped_column(default=list)
    """The specialties the quorum needs (`rectoplan.registry.meetings.QUORUM_SPECIALTIES`
    when the meeting was scheduled, unless the coordinator chose others)."""
    started_at: Mapped[dt.datetime | None]
    signed_off_at: Mapped[dt.datetime | None]
    signed_off_by: Mapped[str | None] = mapped_column(String(100))
    minutes_version: Mapped[int] = mapped_column(default=0)
    """0 while the minutes are a draft; 1 when the chair signs them off; +1 per amendment."""
    last_amendment: Mapped[str | None] = mapped_column(Text)
    """Why the latest amendment was made (each amendment's reason stays in the audit log)."""

    members: Mapped[list[MdtAttendance]] = relationship(order_by="MdtAttendance.id")


class MdtAttendance(Versioned, Base):
    """A registry user present at a meeting (their specialty counts towards the quorum)."""

    __tablename__ = "mdt_attendance"
    __table_args__ = _table_args(UniqueConstraint("meeting_id", "user_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("mdt_meetings.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    user: Mapped[User] = relationship()


class MdtAction(Versioned, Base):
    """Something the meeting asked someone to do for a case (the minutes' actions)."""

    __tablename__ = "mdt_actions"
    __table_args__ = _table_args()

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("mdt_meetings.id"), index=True)
    episode_id: Mapped[int] = _episode_fk()
    description: Mapped[str] = mapped_column(String(500))
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    due_on: Mapped[dt.date | None] = mapped_column(Date)

    owner: Mapped[User] = relationship()
    episode: Mapped[Episode] = relationship()


class MdtAgendaItem(Versioned, Base):
    """One case on a meeting's agenda at its place in the running order (1, 2, 3 ...).

    A case is on a meeting's agenda at most once. Positions are renumbered by
    `rectoplan.registry.agenda` after every change, so they stay 1..n without gaps; they are
    deliberately not unique in the database, because swapping two places would otherwise
    collide half-way through the UPDATEs.
    """

    __tablename__ = "mdt_agenda_items"
    __table_args__ = _table_args(
        UniqueConstraint("meeting_id", "episode_id"),
        CheckConstraint("position >= 1", name="position_from_one"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("mdt_meetings.id"))
    episode_id: Mapped[int] = _episode_fk()
    position: Mapped[int]
    added_by: Mapped[str] = mapped_column(String(100))
    clinical_question: Mapped[str | None] = mapped_column(Text)
    referrer: Mapped[str | None] = mapped_column(String(200))
    rationale: Mapped[str | None] = mapped_column(Text)
    """Why the meeting decided as it did (the minutes); the decision row holds the choice."""
    dissent: Mapped[str | None] = mapped_column(Text)

    episode: Mapped[Episode] = relationship()


class MdtDecision(Versioned, Base):
    """What the MDT chose, against the assessment snapshot it had in front of it."""

    __tablename__ = "mdt_decisions"
    __table_args__ = _table_args(
        CheckConstraint(
            "NOT (followed_preferred AND deviation_code IS NOT NULL)",
            name="no_deviation_when_followed",
        )
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("mdt_meetings.id"), index=True)
    episode_id: Mapped[int] = _episode_fk()
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id"), index=True)
    chosen_option_id: Mapped[str | None] = mapped_column(String(100))
    followed_preferred: Mapped[bool]
    category: Mapped[DecisionCategory] = mapped_column(
        enum_column(DecisionCategory, "decision_category")
    )
    deviation_code: Mapped[str | None] = mapped_column(String(64))
    deviation_note: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[dt.datetime]
    decided_by: Mapped[str | None] = mapped_column(String(100))
    urgency_reason: Mapped[str | None] = mapped_column(Text)
    """Why the decision could not wait for a meeting (required when there is none)."""

    meeting: Mapped[MdtMeeting | None] = relationship()
    assessment: Mapped[Assessment] = relationship()


class Treatment(Versioned, Base):
    __tablename__ = "treatments"
    __table_args__ = _table_args()

    id: Mapped[int] = mapped_column(primary_key=True)
    episode_id: Mapped[int] = _episode_fk()
    kind: Mapped[TreatmentKind] = mapped_column(enum_column(TreatmentKind, "treatment_kind"))
    started_on: Mapped[dt.date | None] = mapped_column(Date)
    ended_on: Mapped[dt.date | None] = mapped_column(Date)
    operation_type: Mapped[OperationType | None] = mapped_column(
        enum_column(OperationType, "operation_type")
    )
    approach: Mapped[Approach | None] = mapped_column(enum_column(Approach, "approach"))
    sacrectomy_level: Mapped[str | None] = mapped_column(String(8))
    procedure: Mapped[EndoscopicProcedure | None] = mapped_column(
        enum_column(EndoscopicProcedure, "endoscopic_procedure")
    )
    balloon_mm: Mapped[float | None] = mapped_column(Float)
    magnet_spec: Mapped[dict[str, Any] | None] = mapped_column(JsonType)
    discharge_day: Mapped[int | None]
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)


class PathologyReport(Versioned, Base):
    __tablename__ = "pathology_reports"
    __table_args__ = _table_args()

    id: Mapped[int] = mapped_column(primary_key=True)
    episode_id: Mapped[int] = _episode_fk()
    treatment_id: Mapped[int | None] = _treatment_fk()
    report_json: Mapped[dict[str, Any]]
    r_status: Mapped[RStatus | None] = mapped_column(enum_column(RStatus, "r_status"))

    treatment: Mapped[Treatment | None] = relationship()


class Complication(Versioned, Base):
    __tablename__ = "complications"
    __table_args__ = _table_args()

    id: Mapped[int] = mapped_column(primary_key=True)
    episode_id: Mapped[int] = _episode_fk()
    treatment_id: Mapped[int | None] = _treatment_fk()
    clavien_dindo: Mapped[str] = mapped_column(String(8))
    description: Mapped[str] = mapped_column(String(200))
    occurred_on: Mapped[dt.date | None] = mapped_column(Date)

    treatment: Mapped[Treatment | None] = relationship()


class FollowUpEvent(Versioned, Base):
    __tablename__ = "follow_up_events"
    __table_args__ = _table_args()

    id: Mapped[int] = mapped_column(primary_key=True)
    episode_id: Mapped[int] = _episode_fk()
    kind: Mapped[FollowUpKind] = mapped_column(enum_column(FollowUpKind, "follow_up_kind"))
    occurred_on: Mapped[dt.date] = mapped_column(Date)
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)


class AuditLog(Base):
    """Append-only: who changed which row, when, and the row before and after."""

    __tablename__ = "audit_log"
    __table_args__ = _table_args(Index("ix_audit_log_entity_entity_id", "entity", "entity_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(100))
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int]
    action: Mapped[AuditAction] = mapped_column(enum_column(AuditAction, "audit_action"))
    before: Mapped[dict[str, Any] | None] = mapped_column(JsonType)
    after: Mapped[dict[str, Any] | None] = mapped_column(JsonType)


# The meeting tables name users (chair, attendance, action owners); the user table is mapped in
# `users` (beside its credentials), imported here so that every mapper can be configured
# whichever of the two modules a process imports first.
import rectoplan.registry.users  # noqa: E402, F401
