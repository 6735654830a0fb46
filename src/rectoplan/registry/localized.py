"""A stored assessment snapshot shown in the request's language.

Decision (docs/architecture.md, "Languages"): the registry keeps one canonical snapshot per
assessment, in English (`records.canonical_assessment`). Another language is derived, never
stored: the deterministic engine re-runs on the episode's case under the current locale, and
the result is shown instead of the snapshot only when it is provably the same assessment:

* the snapshot is the episode's latest (every change of the case stores a new snapshot, so the
  latest one was made from the case as it is now; an older one was made from an earlier case),
* the engine version is the one that made it, and
* its language-free skeleton (option ids, strengths and citations; finding ids and coded
  values; warning fields; stage, risk group, phase) equals the snapshot's.

Otherwise the English snapshot is shown, and the caller says so (``Content-Language: en``): an
old snapshot is evidence of what the MDT saw, and a translation that could differ from it by a
number would be worse than English.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from rectoplan.i18n import DEFAULT_LOCALE, current_locale
from rectoplan.pathways import assess
from rectoplan.pathways.recommendation import ENGINE_VERSION
from rectoplan.registry import models
from rectoplan.registry.episodes import latest_assessment
from rectoplan.registry.records import validate_case


def localized_snapshot(session: Session, snapshot: models.Assessment) -> tuple[dict[str, Any], str]:
    """The snapshot's assessment in the current locale when it can be reproduced, else the
    stored English one; with the locale actually given."""
    locale = current_locale()
    stored = snapshot.assessment_json
    if locale == DEFAULT_LOCALE or snapshot.engine_version != ENGINE_VERSION:
        return stored, DEFAULT_LOCALE
    if latest_assessment(session, snapshot.episode_id).id != snapshot.id:
        return stored, DEFAULT_LOCALE
    episode = session.get(models.Episode, snapshot.episode_id)
    fresh = assess(validate_case(episode.case_json)).model_dump(mode="json")
    if skeleton(fresh) != skeleton(stored):
        return stored, DEFAULT_LOCALE
    return fresh, locale


def skeleton(assessment: dict[str, Any]) -> tuple:
    """What an assessment says, without the words: equal skeletons are the same answer."""
    stage = assessment.get("stage") or {}
    return (
        assessment.get("phase"),
        assessment.get("risk_group"),
        tuple(assessment.get("pathways") or ()),
        tuple(stage.get(k) for k in ("group", "t", "n", "m", "prefix", "edition")),
        tuple(
            (r["id"], r["strength"], tuple(r["evidence"]), len(r.get("rationale") or ()))
            for r in assessment.get("recommendations") or ()
        ),
        tuple(
            (f["id"], tuple(f.get("evidence") or ()), _coded(f.get("value")))
            for f in assessment.get("findings") or ()
        ),
        tuple(w["field"] for w in assessment.get("warnings") or ()),
    )


def _coded(value: Any) -> Any:
    """Numbers, flags and codes compare; a value that is a sentence (in some language) does not."""
    if isinstance(value, list):
        return tuple(_coded(v) for v in value)
    if isinstance(value, str) and (" " in value or not value.isascii()):
        return "<text>"
    return value
