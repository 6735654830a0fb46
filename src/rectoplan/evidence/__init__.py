"""The citation registry: every clinical rule and physics constant cites ids from here.

The registry is a package rather than one module so that each field keeps its own list
(`guidelines.py` for the clinical pathway, `physics.py` for the magnet engine) while callers
see one flat namespace: ``from rectoplan.evidence import cite, SOURCES``.

A source tagged ``verified=False`` carries a value whose exact wording was not checked against
the primary text (``[P]`` in ``shared/domain``); rules that lean on it say so in their docstring.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Source:
    """One citable reference."""

    id: str
    citation: str
    year: int
    url: str = ""
    note: str = ""
    verified: bool = True


class UnknownSourceError(KeyError):
    """Raised when a rule cites an id that is not registered (a programming error)."""


def _index(*groups: tuple[Source, ...]) -> dict[str, Source]:
    index: dict[str, Source] = {}
    for group in groups:
        for source in group:
            if source.id in index:
                raise ValueError(f"duplicate evidence id {source.id!r}")
            index[source.id] = source
    return index


def _load() -> dict[str, Source]:
    from rectoplan.evidence import guidelines, interop, outcomes, surgery

    groups = [guidelines.SOURCES, outcomes.SOURCES, surgery.SOURCES, interop.SOURCES]
    try:  # the magnet-physics sources arrive with the mct engine
        from rectoplan.evidence import physics
    except ImportError:  # pragma: no cover - only before the mct engine lands
        pass
    else:
        groups.append(physics.SOURCES)
    return _index(*groups)


SOURCES: dict[str, Source] = _load()


def cite(*ids: str) -> tuple[str, ...]:
    """Return ``ids`` unchanged after checking each is registered.

    Rules call this at import time (``EVIDENCE = cite("opra_2022")``), so a typo in a citation
    fails the first import and every test, not a patient's assessment.
    """
    if not ids:
        raise ValueError("a rule must cite at least one source")
    missing = [i for i in ids if i not in SOURCES]
    if missing:
        raise UnknownSourceError(f"unregistered evidence id(s): {', '.join(missing)}")
    return tuple(ids)


def lookup(source_id: str) -> Source:
    """The registered source for ``source_id``."""
    try:
        return SOURCES[source_id]
    except KeyError as exc:
        raise UnknownSourceError(f"unregistered evidence id: {source_id}") from exc
