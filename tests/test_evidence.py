"""The citation registry refuses unknown ids and empty citations."""

import pytest

from rectoplan.evidence import SOURCES, UnknownSourceError, cite, lookup


def test_cite_returns_registered_ids():
    assert cite("opra_2022", "rapido_2021") == ("opra_2022", "rapido_2021")


def test_cite_refuses_unknown_and_empty():
    with pytest.raises(UnknownSourceError):
        cite("no_such_trial_1999")
    with pytest.raises(ValueError):
        cite()


def test_every_source_has_a_citation_and_year():
    for source in SOURCES.values():
        assert source.citation and 1900 < source.year < 2030, source.id
    assert lookup("opra_2022").year == 2022
