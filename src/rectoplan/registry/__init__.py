"""The outcomes registry: what the MDT decided, against what the engine said, and what happened.

SQLite file by default, PostgreSQL through ``RECTOPLAN_DATABASE_URL``; the schema is built by
Alembic (`migrate`). Where things live:

* `models` (tables), `schemas` (what may be written), `enums`, `types`, `codes` (deviation
  reasons from the CDS Hooks non-adherence CodeSystem);
* `db` (engine, sessions, one write transaction), `audit` (the append-only trail),
  `locking` (optimistic locking), `errors`;
* `records` (one episode record: validate, to rows, back to a record), `importing` (bulk,
  all-or-nothing), `io` (JSON and CSV files);
* services: `episodes`, `decisions`, `outcomes`;
* `cohort`: pandas frames for `rectoplan.analytics`; `synthetic`: the demo cohort generator.
"""
