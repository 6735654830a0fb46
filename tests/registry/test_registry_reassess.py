"""The re-assessment audit agrees with an independent pass over the same records."""

from __future__ import annotations

from sqlalchemy import update

from rectoplan.clinical.case import Case
from rectoplan.pathways import assess
from rectoplan.registry import models
from rectoplan.registry.importing import import_records
from rectoplan.registry.reassess import reassess_registry


def test_audit_counts_match_an_independent_pass(factory, write, cohort):
    records = cohort(150, seed=31)
    with write() as session:
        import_records(session, list(enumerate(records, start=1)))
    concordant = sum(
        r["decisions"][0]["chosen_option_id"]
        in {x.id for x in assess(Case.model_validate(r["case"])).preferred()}
        for r in records
    )
    with factory() as session:
        audit = reassess_registry(session, batch=40)  # several batches
    assert audit.cases == 150 and audit.decisions == 150 and audit.invalid == 0
    assert audit.concordant_now == concordant
    assert audit.drifted == 0
    assert sum(audit.by_phase.values()) == 150


def test_a_case_whose_answer_changed_is_reported_as_drifted(factory, write, seed_record):
    with write() as session:
        import_records(session, [(1, seed_record(stage="seed001_1_diagnosis"))])
    # the stored snapshot says organ preservation; make the stored case dMMR behind its back
    with factory() as session, session.begin():
        episode = session.query(models.Episode).one()
        case = dict(episode.case_json)
        case["tumour"] = {**case["tumour"], "mmr_status": "dMMR"}
        session.execute(
            update(models.Episode).where(models.Episode.id == episode.id).values(case_json=case)
        )
    with factory() as session:
        audit = reassess_registry(session)
    assert audit.drifted == 1 and audit.drifted_case_ids == ["case-1"]
