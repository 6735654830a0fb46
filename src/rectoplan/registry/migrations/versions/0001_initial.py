"""The first registry schema: patients to follow-up, assessment snapshots and the audit log.

Besides the tables, this migration installs the triggers that make the audit log append-only
(no UPDATE, no DELETE) and assessment snapshots immutable (no UPDATE) in the database itself,
so not even a hand-written SQL statement can rewrite history.

The column types are spelled out here rather than imported from the models, so that later
changes to the models cannot silently change what this migration creates.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
TIMESTAMP = sa.DateTime(timezone=True)

OPERATION_TYPES = (
    "local_excision", "esd", "eftr", "lar", "coloanal", "isr_partial", "isr_subtotal",
    "isr_total", "apr", "hartmann", "exenteration",
)  # fmt: skip
ENDOSCOPIC_PROCEDURES = (
    "balloon_dilatation", "electroincision", "stent", "magnetic_compression", "eftr", "esd",
    "local_excision",
)  # fmt: skip
FOLLOW_UP_KINDS = (
    "recurrence", "local_regrowth", "distant_metastasis", "restenosis", "tme", "death",
    "last_contact",
)  # fmt: skip

# (table, operations refused, message)
PROTECTED = (
    ("audit_log", ("UPDATE", "DELETE"), "the audit log is append-only"),
    ("assessments", ("UPDATE",), "assessment snapshots are immutable"),
)


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(
        *values,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=max(len(v) for v in values),
    )


def _id() -> sa.Column:
    return sa.Column("id", sa.Integer(), nullable=False)


def _version() -> sa.Column:
    return sa.Column("version", sa.Integer(), nullable=False)


def _episode_id(table: str) -> tuple[sa.Column, sa.ForeignKeyConstraint]:
    return (
        sa.Column("episode_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["episode_id"], ["episodes.id"], name=op.f(f"fk_{table}_episode_id_episodes")
        ),
    )


def _treatment_id(table: str) -> tuple[sa.Column, sa.ForeignKeyConstraint]:
    return (
        sa.Column("treatment_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["treatment_id"], ["treatments.id"], name=op.f(f"fk_{table}_treatment_id_treatments")
        ),
    )


def _pk(table: str) -> sa.PrimaryKeyConstraint:
    return sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}"))


def _create_table(name: str, *items) -> None:
    """Every table with AUTOINCREMENT on SQLite: ids are never reused after a delete."""
    op.create_table(name, *items, sqlite_autoincrement=True)


def _index(table: str, *columns: str) -> None:
    op.create_index(op.f(f"ix_{table}_{'_'.join(columns)}"), table, list(columns))


def upgrade() -> None:
    _create_table(
        "patients",
        _id(),
        sa.Column("pseudonym", sa.String(64), nullable=False),
        sa.Column("sex", _enum("sex", "male", "female", "other"), nullable=False),
        sa.Column("birth_year", sa.Integer(), nullable=True),
        _version(),
        _pk("patients"),
        sa.UniqueConstraint("pseudonym", name=op.f("uq_patients_pseudonym")),
        sa.CheckConstraint("birth_year BETWEEN 1880 AND 2200", name=op.f("ck_patients_birth_year")),
    )
    _create_table(
        "episodes",
        _id(),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.String(64), nullable=False),
        sa.Column("case_json", JSON, nullable=False),
        sa.Column("diagnosis_date", sa.Date(), nullable=True),
        sa.Column("status", _enum("episode_status", "active", "closed"), nullable=False),
        _version(),
        _pk("episodes"),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_episodes_patient_id_patients")
        ),
        sa.UniqueConstraint("case_id", name=op.f("uq_episodes_case_id")),
    )
    _index("episodes", "patient_id")
    _index("episodes", "diagnosis_date")

    _create_table(
        "assessments",
        _id(),
        *_episode_id("assessments"),
        sa.Column("engine_version", sa.String(32), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("assessment_json", JSON, nullable=False),
        sa.Column("preferred_ids", JSON, nullable=False),
        _pk("assessments"),
    )
    _index("assessments", "episode_id")

    _create_table(
        "mdt_meetings",
        _id(),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("attendees", JSON, nullable=False),
        _version(),
        _pk("mdt_meetings"),
        sa.UniqueConstraint("held_on", "title", name=op.f("uq_mdt_meetings_held_on_title")),
    )
    _create_table(
        "mdt_decisions",
        _id(),
        sa.Column("meeting_id", sa.Integer(), nullable=True),
        *_episode_id("mdt_decisions"),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("chosen_option_id", sa.String(100), nullable=True),
        sa.Column("followed_preferred", sa.Boolean(), nullable=False),
        sa.Column("deviation_code", sa.String(64), nullable=True),
        sa.Column("deviation_note", sa.Text(), nullable=True),
        sa.Column("decided_at", TIMESTAMP, nullable=False),
        sa.Column("decided_by", sa.String(100), nullable=True),
        _version(),
        _pk("mdt_decisions"),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["mdt_meetings.id"],
            name=op.f("fk_mdt_decisions_meeting_id_mdt_meetings"),
        ),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessments.id"],
            name=op.f("fk_mdt_decisions_assessment_id_assessments"),
        ),
        sa.CheckConstraint(
            "NOT (followed_preferred AND deviation_code IS NOT NULL)",
            name=op.f("ck_mdt_decisions_no_deviation_when_followed"),
        ),
    )
    _index("mdt_decisions", "meeting_id")
    _index("mdt_decisions", "episode_id")
    _index("mdt_decisions", "assessment_id")

    _create_table(
        "treatments",
        _id(),
        *_episode_id("treatments"),
        sa.Column(
            "kind",
            _enum(
                "treatment_kind",
                "radiotherapy",
                "chemotherapy",
                "immunotherapy",
                "operation",
                "endoscopic",
            ),
            nullable=False,
        ),
        sa.Column("started_on", sa.Date(), nullable=True),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("operation_type", _enum("operation_type", *OPERATION_TYPES), nullable=True),
        sa.Column(
            "approach",
            _enum("approach", "open", "laparoscopic", "robotic", "transanal", "endoscopic"),
            nullable=True,
        ),
        sa.Column("sacrectomy_level", sa.String(8), nullable=True),
        sa.Column(
            "procedure", _enum("endoscopic_procedure", *ENDOSCOPIC_PROCEDURES), nullable=True
        ),
        sa.Column("balloon_mm", sa.Float(), nullable=True),
        sa.Column("magnet_spec", JSON, nullable=True),
        sa.Column("discharge_day", sa.Integer(), nullable=True),
        sa.Column("details", JSON, nullable=False),
        _version(),
        _pk("treatments"),
    )
    _index("treatments", "episode_id")

    _create_table(
        "pathology_reports",
        _id(),
        *_episode_id("pathology_reports"),
        *_treatment_id("pathology_reports"),
        sa.Column("report_json", JSON, nullable=False),
        sa.Column("r_status", _enum("r_status", "R0", "R1", "R2"), nullable=True),
        _version(),
        _pk("pathology_reports"),
    )
    _index("pathology_reports", "episode_id")
    _index("pathology_reports", "treatment_id")

    _create_table(
        "complications",
        _id(),
        *_episode_id("complications"),
        *_treatment_id("complications"),
        sa.Column("clavien_dindo", sa.String(8), nullable=False),
        sa.Column("description", sa.String(200), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=True),
        _version(),
        _pk("complications"),
    )
    _index("complications", "episode_id")
    _index("complications", "treatment_id")

    _create_table(
        "follow_up_events",
        _id(),
        *_episode_id("follow_up_events"),
        sa.Column("kind", _enum("follow_up_kind", *FOLLOW_UP_KINDS), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("details", JSON, nullable=False),
        _version(),
        _pk("follow_up_events"),
    )
    _index("follow_up_events", "episode_id")

    _create_table(
        "audit_log",
        _id(),
        sa.Column("at", TIMESTAMP, nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("entity", sa.String(40), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("action", _enum("audit_action", "insert", "update", "delete"), nullable=False),
        sa.Column("before", JSON, nullable=True),
        sa.Column("after", JSON, nullable=True),
        _pk("audit_log"),
    )
    _index("audit_log", "entity", "entity_id")

    _create_protection_triggers()


def _create_protection_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            """
            CREATE FUNCTION rectoplan_refuse_change() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION '% on % refused: %', TG_OP, TG_TABLE_NAME, TG_ARGV[0]
                    USING ERRCODE = 'integrity_constraint_violation';
            END
            $$
            """
        )
        for table, operations, message in PROTECTED:
            op.execute(
                f"CREATE TRIGGER {table}_protected BEFORE {' OR '.join(operations)} "
                f"ON {table} FOR EACH ROW EXECUTE FUNCTION rectoplan_refuse_change('{message}')"
            )
            if "DELETE" in operations:  # TRUNCATE skips row triggers
                op.execute(
                    f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                    f"FOR EACH STATEMENT EXECUTE FUNCTION rectoplan_refuse_change('{message}')"
                )
        return
    for table, operations, message in PROTECTED:
        for operation in operations:
            op.execute(
                f"CREATE TRIGGER {table}_no_{operation.lower()} BEFORE {operation} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{operation} on {table} refused: {message}'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION rectoplan_refuse_change() CASCADE")
    for table in (
        "audit_log",
        "follow_up_events",
        "complications",
        "pathology_reports",
        "treatments",
        "mdt_decisions",
        "mdt_meetings",
        "assessments",
        "episodes",
        "patients",
    ):
        op.drop_table(table)
