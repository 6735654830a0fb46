"""The output contract: Assessment, Recommendation, Finding, Warning, and the option catalogue.

Every option the engine can recommend is declared once, at import time, as an `Option` with a
stable dotted id, a title and its citations (checked against the evidence registry). Rules then
call ``OPTION.recommend(strength, rationale=...)``. Because the catalogue is complete before any
case is assessed, a test can prove that every id the engine can emit cites a registered source.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from rectoplan.evidence import cite
from rectoplan.i18n import NP_, _, pgettext

ENGINE_VERSION = "0.1.0"


class Strength(StrEnum):
    preferred = "preferred"
    alternative = "alternative"
    consider = "consider"
    not_recommended = "not_recommended"

    @property
    def rank(self) -> int:
        return list(Strength).index(self)

    def at_most(self, cap: Strength) -> Strength:
        """This strength, or ``cap`` if this one is stronger."""
        return self if self.rank >= cap.rank else cap

    @property
    def label(self) -> str:
        """The strength in words, in the current locale (never shown by colour alone)."""
        return pgettext("strength", _STRENGTH_LABELS[self.value])


_STRENGTH_LABELS = {
    "preferred": NP_("strength", "Preferred"),
    "alternative": NP_("strength", "Alternative"),
    "consider": NP_("strength", "Consider"),
    "not_recommended": NP_("strength", "Not recommended"),
}


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Criterion(_Frozen):
    """One named criterion of an option, checked against the case: met, unmet or unknown."""

    name: str
    met: bool | None
    detail: str


class Recommendation(_Frozen):
    id: str = Field(pattern=r"^[a-z0-9_]+(\.[a-z0-9_]+)+$")
    title: str
    strength: Strength
    rationale: tuple[str, ...]
    evidence: tuple[str, ...] = Field(min_length=1)
    next_steps: tuple[str, ...] = ()
    criteria: tuple[Criterion, ...] = ()
    pathway: str


class Finding(_Frozen):
    """A derived fact with how it was derived (and from what source)."""

    id: str
    label: str
    value: Any
    derivation: str
    evidence: tuple[str, ...] = ()


class Warning(_Frozen):
    """Missing or doubtful data that would change the answer, naming the field."""

    field: str
    message: str


class StageSummary(_Frozen):
    group: str
    t: str | None = None
    n: str | None = None
    m: str | None = None
    prefix: str | None = None
    basis: str
    edition: str = "AJCC 8"


class Assessment(_Frozen):
    case_id: str
    phase: str
    pathways: tuple[str, ...]
    stage: StageSummary | None
    risk_group: str
    findings: tuple[Finding, ...]
    recommendations: tuple[Recommendation, ...]
    warnings: tuple[Warning, ...]
    engine_version: str = ENGINE_VERSION

    def recommendation(self, option_id: str) -> Recommendation | None:
        """The recommendation with ``option_id``, if the engine emitted it."""
        return next((r for r in self.recommendations if r.id == option_id), None)

    def preferred(self) -> tuple[Recommendation, ...]:
        return tuple(r for r in self.recommendations if r.strength is Strength.preferred)


_CATALOGUE: dict[str, Option] = {}


@dataclass(frozen=True, slots=True)
class Option:
    """A recommendable option, declared once with its citations.

    ``title`` is the English message id (marked ``N_`` where declared); ``recommend`` gives it
    in the current locale, so the catalogue holds one text per option and the id never changes.
    """

    id: str
    title: str
    evidence: tuple[str, ...]
    pathway: str

    def __post_init__(self) -> None:
        cite(*self.evidence)
        if self.id in _CATALOGUE:
            raise ValueError(f"option {self.id!r} declared twice")
        _CATALOGUE[self.id] = self

    def recommend(
        self,
        strength: Strength,
        rationale: list[str] | tuple[str, ...],
        next_steps: list[str] | tuple[str, ...] = (),
        criteria: list[Criterion] | tuple[Criterion, ...] = (),
    ) -> Recommendation:
        # model_construct: the option was validated when declared and the engine builds the
        # rest itself, so re-validating here would only cost time on every assessment.
        return Recommendation.model_construct(
            id=self.id,
            title=_(self.title),
            strength=strength,
            rationale=tuple(rationale),
            evidence=self.evidence,
            next_steps=tuple(next_steps),
            criteria=tuple(criteria),
            pathway=self.pathway,
        )


def option(id: str, title: str, *evidence: str) -> Option:
    """Declare an option; its pathway is the first part of the dotted id (``primary.x.y``)."""
    return Option(id=id, title=title, evidence=tuple(evidence), pathway=id.split(".")[0])


def catalogue() -> dict[str, Option]:
    """Every option declared by the imported pathway modules."""
    import rectoplan.pathways.engine  # noqa: F401 - importing the engine declares every option

    return dict(_CATALOGUE)


def finding(id: str, label: str, value: Any, derivation: str, *evidence: str) -> Finding:
    return Finding.model_construct(
        id=id, label=label, value=value, derivation=derivation, evidence=tuple(evidence)
    )


def warn(field: str, message: str) -> Warning:
    return Warning.model_construct(field=field, message=message)
