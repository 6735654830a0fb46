"""Every recommendation id the engine can emit cites at least one registered source."""

from __future__ import annotations

import re

from rectoplan.evidence import SOURCES
from rectoplan.pathways.recommendation import catalogue


def test_every_option_cites_registered_sources():
    options = catalogue()
    assert len(options) >= 30
    for option_id, option in options.items():
        assert option.evidence, option_id
        assert all(e in SOURCES for e in option.evidence), option_id


def test_ids_are_stable_dotted_names():
    for option_id in catalogue():
        assert re.fullmatch(r"[a-z]+(\.[a-z0-9_]+){1,}", option_id), option_id


def test_issue_named_ids_exist():
    assert "primary.tnt.short_course" in catalogue()
