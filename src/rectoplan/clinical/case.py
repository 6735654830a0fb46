"""The case: one patient's rectal cancer from diagnosis to follow-up, as validated data.

Units sit in field names (``distance_from_anal_verge_cm``, ``mrf_distance_mm``). Raw measurements
are stored and flags are derived elsewhere with named thresholds (`clinical.thresholds`), because
the sources disagree on cut-offs. Anything that cannot be true (a ypT without neoadjuvant
therapy, an M1c with no peritoneal disease, more positive nodes than were examined, restaging
before the treatment ended) is a validation error that names the field.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, Any

import numpy as np
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from rectoplan.clinical.complications import ClavienDindo
from rectoplan.clinical.pathology import TmeGrade
from rectoplan.clinical.response import (
    DreFinding,
    DwiFinding,
    EndoscopyFinding,
    RegressionScale,
    T2Finding,
    check_grade,
)
from rectoplan.clinical.sacrum import (
    SACRAL_LEVELS,
    SacralCurve,
    SacralPlanError,
    check_landmarks,
)
from rectoplan.clinical.staging import MetastaticSite, m_category_from_sites, n_category_from_nodes
from rectoplan.clinical.tnm import MCategory, NCategory, Prefix, TCategory, parse_category

SCHEMA_VERSION = "1"

Mm = Annotated[float, Field(ge=0, le=1000)]
Cm = Annotated[float, Field(ge=0, le=100)]


class _Model(BaseModel):
    """Strict about unknown fields (a typo is an error, not silently dropped data)."""

    model_config = ConfigDict(extra="forbid", validate_assignment=False, frozen=True)


def _error(field_path: str, message: str) -> PydanticCustomError:
    return PydanticCustomError(
        "inconsistent", "{field}: {message}", {"field": field_path, "message": message}
    )


# --- patient ------------------------------------------------------------------------------


class Sex(StrEnum):
    male = "male"
    female = "female"
    other = "other"


class Patient(_Model):
    age_years: int = Field(ge=0, le=120)
    sex: Sex
    ecog: int | None = Field(None, ge=0, le=4, description="ECOG performance status 0-4")
    fit_for_major_surgery: bool | None = None
    fit_for_chemotherapy: bool | None = None
    wants_organ_preservation: bool | None = Field(
        None, description="The patient's stated wish after counselling; None = not yet asked"
    )


# --- primary tumour -----------------------------------------------------------------------


class HeightModality(StrEnum):
    """How the height was measured: MRI, colonoscopy and DRE differ by centimetres."""

    mri = "mri"
    rigid_sigmoidoscopy = "rigid_sigmoidoscopy"
    colonoscopy = "colonoscopy"
    dre = "dre"


class Histology(StrEnum):
    adenocarcinoma = "adenocarcinoma"
    mucinous_adenocarcinoma = "mucinous_adenocarcinoma"
    signet_ring_cell = "signet_ring_cell"
    other = "other"


class Grade(StrEnum):
    G1 = "G1"  # well differentiated
    G2 = "G2"  # moderately differentiated
    G3 = "G3"  # poorly differentiated
    G4 = "G4"  # undifferentiated


class MmrStatus(StrEnum):
    pmmr = "pMMR"  # proficient / MSS
    dmmr = "dMMR"  # deficient / MSI-H


class SubmucosalDepth(StrEnum):
    """Kikuchi levels for T1 cancers; sm1 is the 'very early' group of ESMO."""

    sm1 = "sm1"
    sm2 = "sm2"
    sm3 = "sm3"


class PrimaryTumour(_Model):
    distance_from_anal_verge_cm: Cm
    height_modality: HeightModality | None = None
    longest_diameter_cm: float = Field(gt=0, le=30)
    circumferential_extent_pct: float | None = Field(None, gt=0, le=100)
    histology: Histology = Histology.adenocarcinoma
    grade: Grade | None = None
    mucinous: bool = False
    mmr_status: MmrStatus | None = None
    cea_ng_ml: float | None = Field(None, ge=0)
    ulcerated: bool | None = None
    mobile: bool | None = Field(None, description="Mobile (not fixed) on examination")
    submucosal_depth: SubmucosalDepth | None = None
    biopsy_lvi: bool | None = Field(None, description="Lymphovascular invasion on biopsy/polyp")
    biopsy_pni: bool | None = Field(None, description="Perineural invasion on biopsy/polyp")


# --- baseline MRI -------------------------------------------------------------------------


class MesorectalNode(_Model):
    short_axis_mm: float = Field(gt=0, le=100)
    round: bool | None = None
    irregular_border: bool | None = None
    heterogeneous_signal: bool | None = None
    mucinous: bool | None = None


class LateralStation(StrEnum):
    """Internal iliac and obturator nodes are regional; the others are M1 (AJCC [P])."""

    internal_iliac = "internal_iliac"
    obturator = "obturator"
    external_iliac = "external_iliac"
    common_iliac = "common_iliac"
    inguinal = "inguinal"

    @property
    def regional(self) -> bool:
        return self in (LateralStation.internal_iliac, LateralStation.obturator)


class LateralNode(_Model):
    station: LateralStation
    short_axis_mm: float = Field(gt=0, le=100)


def _t_category(value: Any) -> TCategory:
    if isinstance(value, TCategory):
        return value
    prefix, category = parse_category(str(value), "T")
    if prefix not in (None, Prefix.c):
        raise ValueError(f"baseline MRI staging is clinical (cT); {value!r} has prefix {prefix}")
    return category  # type: ignore[return-value]


def _n_category(value: Any, allowed: tuple[Prefix | None, ...]) -> NCategory:
    if isinstance(value, NCategory):
        return value
    prefix, category = parse_category(str(value), "N")
    if prefix not in allowed:
        raise ValueError(f"prefix {prefix} is not allowed here")
    return category  # type: ignore[return-value]


class BaselineMri(_Model):
    ct: TCategory = Field(description="Clinical T category on MRI (T3 substage from depth)")
    extramural_depth_mm: Mm | None = Field(None, description="Extramural spread beyond the MP")
    cn: NCategory
    mesorectal_nodes: tuple[MesorectalNode, ...] = ()
    lateral_nodes: tuple[LateralNode, ...] = ()
    mrf_distance_mm: Mm | None = Field(
        None, description="Closest tumour/EMVI/deposit/node distance to the mesorectal fascia"
    )
    emvi: bool | None = None
    tumour_deposits: bool | None = None
    extranodal_extension: bool | None = None
    levator_involved: bool | None = None
    levator_threatened: bool | None = None
    internal_sphincter_invaded: bool | None = None
    intersphincteric_plane_invaded: bool | None = None
    external_sphincter_invaded: bool | None = None
    anal_canal_involved: bool | None = None
    distance_to_anorectal_ring_mm: float | None = Field(
        None,
        ge=-60,
        le=200,
        description="Lower tumour edge above (+) or below (-) the anorectal ring, for Rullier",
    )

    @field_validator("ct", mode="before")
    @classmethod
    def _parse_t(cls, value: Any) -> TCategory:
        return _t_category(value)

    @field_validator("cn", mode="before")
    @classmethod
    def _parse_n(cls, value: Any) -> NCategory:
        return _n_category(value, (None, Prefix.c))

    @model_validator(mode="after")
    def _depth_needs_t3(self) -> BaselineMri:
        shallow = (TCategory.Tis, TCategory.T0, TCategory.T1, TCategory.T2)
        if self.extramural_depth_mm and self.ct in shallow:
            raise _error(
                "mri.extramural_depth_mm",
                f"extramural spread of {self.extramural_depth_mm} mm means at least cT3, "
                f"not c{self.ct}",
            )
        return self


# --- distant staging ----------------------------------------------------------------------


class DistantStaging(_Model):
    cm: MCategory | None = Field(None, description="Derived from sites when omitted")
    sites: tuple[MetastaticSite, ...] = ()

    @field_validator("cm", mode="before")
    @classmethod
    def _parse_m(cls, value: Any) -> MCategory | None:
        if value is None or isinstance(value, MCategory):
            return value
        return parse_category(str(value), "M")[1]  # type: ignore[return-value]

    @model_validator(mode="after")
    def _consistent(self) -> DistantStaging:
        if len(set(self.sites)) != len(self.sites):
            raise _error("distant.sites", "a site is listed twice")
        derived = m_category_from_sites(self.sites)
        if self.cm is None or (self.cm is MCategory.M1 and self.sites):
            object.__setattr__(self, "cm", derived)
        elif self.cm is MCategory.M1:
            pass  # M1 not otherwise specified: sites still to be listed (a warning later)
        elif self.cm is not derived:
            listed = ", ".join(self.sites) or "no metastases"
            raise _error(
                "distant.cm",
                f"{self.cm} does not match the listed sites ({listed}), which give {derived}",
            )
        return self


# --- neoadjuvant therapy ------------------------------------------------------------------


class ChemoRegimen(StrEnum):
    capecitabine = "capecitabine"
    fluorouracil = "5-FU"
    capox = "CAPOX"
    folfox = "FOLFOX"
    mfolfirinox = "mFOLFIRINOX"
    folfoxiri = "FOLFOXIRI"


class RadiotherapyCourse(_Model):
    total_dose_gy: float = Field(gt=0, le=80)
    fractions: int = Field(gt=0, le=45)
    concurrent_chemotherapy: ChemoRegimen | None = None
    start_date: dt.date | None = None
    end_date: dt.date | None = None


class ChemotherapyCourse(_Model):
    regimen: ChemoRegimen
    cycles: int | None = Field(None, gt=0, le=24)
    timing: str = Field("consolidation", pattern="^(induction|consolidation)$")
    start_date: dt.date | None = None
    end_date: dt.date | None = None


class ImmunotherapyCourse(_Model):
    agent: str = Field(min_length=2, max_length=60)
    cycles: int | None = Field(None, gt=0, le=60)
    start_date: dt.date | None = None
    end_date: dt.date | None = None


class NeoadjuvantTherapy(_Model):
    radiotherapy: RadiotherapyCourse | None = None
    chemotherapy: tuple[ChemotherapyCourse, ...] = ()
    immunotherapy: ImmunotherapyCourse | None = None

    @model_validator(mode="after")
    def _something_given(self) -> NeoadjuvantTherapy:
        if self.radiotherapy is None and not self.chemotherapy and self.immunotherapy is None:
            raise _error(
                "neoadjuvant", "give at least one of radiotherapy, chemotherapy, immunotherapy"
            )
        for name, course in self._courses():
            if course.start_date and course.end_date and course.end_date < course.start_date:
                raise _error(f"neoadjuvant.{name}.end_date", "ends before it starts")
        return self

    def _courses(self) -> list[tuple[str, Any]]:
        courses: list[tuple[str, Any]] = []
        if self.radiotherapy:
            courses.append(("radiotherapy", self.radiotherapy))
        courses += [(f"chemotherapy[{i}]", c) for i, c in enumerate(self.chemotherapy)]
        if self.immunotherapy:
            courses.append(("immunotherapy", self.immunotherapy))
        return courses

    @property
    def end_date(self) -> dt.date | None:
        """The day the last course ended, if every end is known; restaging counts from here."""
        ends = [c.end_date for _, c in self._courses()]
        if not ends or any(e is None for e in ends):
            return None
        return max(ends)  # type: ignore[type-var]

    @property
    def is_total_neoadjuvant(self) -> bool:
        """Radiotherapy plus a separate systemic chemotherapy block (RAPIDO / PRODIGE 23 / OPRA)."""
        return self.radiotherapy is not None and bool(self.chemotherapy)


# --- restaging ----------------------------------------------------------------------------


class Restaging(_Model):
    date: dt.date | None = None
    endoscopy: EndoscopyFinding | None = None
    dre: DreFinding | None = None
    mri_t2: T2Finding | None = None
    mri_dwi: DwiFinding | None = None
    mrtrg: int | None = Field(None, ge=1, le=5, description="MERCURY mrTRG 1-5")
    residual_size_cm: float | None = Field(None, ge=0, le=30)
    yct: TCategory | None = None
    ycn: NCategory | None = None
    yc_mrf_distance_mm: Mm | None = None

    @field_validator("yct", mode="before")
    @classmethod
    def _parse_t(cls, value: Any) -> TCategory | None:
        if value is None or isinstance(value, TCategory):
            return value
        return parse_category(str(value), "T")[1]  # type: ignore[return-value]

    @field_validator("ycn", mode="before")
    @classmethod
    def _parse_n(cls, value: Any) -> NCategory | None:
        if value is None or isinstance(value, NCategory):
            return value
        return parse_category(str(value), "N")[1]  # type: ignore[return-value]


# --- operations, pathology, complications -------------------------------------------------


class OperationType(StrEnum):
    local_excision = "local_excision"  # TEM / TAMIS
    esd = "esd"
    eftr = "eftr"
    lar = "lar"  # low anterior resection (TME) / PME for the upper rectum
    coloanal = "coloanal"  # ultra-low anterior resection with coloanal anastomosis
    isr_partial = "isr_partial"
    isr_subtotal = "isr_subtotal"
    isr_total = "isr_total"
    apr = "apr"
    hartmann = "hartmann"
    exenteration = "exenteration"

    @property
    def is_local(self) -> bool:
        return self in (OperationType.local_excision, OperationType.esd, OperationType.eftr)


class Approach(StrEnum):
    open = "open"
    laparoscopic = "laparoscopic"
    robotic = "robotic"
    transanal = "transanal"
    endoscopic = "endoscopic"


class Operation(_Model):
    type: OperationType
    date: dt.date | None = None
    approach: Approach | None = None
    blood_loss_ml: float | None = Field(None, ge=0, le=50000)
    duration_min: float | None = Field(None, gt=0, le=2000)
    stoma: bool | None = None


class Budding(StrEnum):
    """ITBCC tumour budding: Bd1 low (0-4), Bd2 intermediate (5-9), Bd3 high (>= 10)."""

    bd1 = "Bd1"
    bd2 = "Bd2"
    bd3 = "Bd3"


class RegressionGrade(_Model):
    scale: RegressionScale
    grade: int

    @model_validator(mode="after")
    def _in_range(self) -> RegressionGrade:
        check_grade(self.scale, self.grade)
        return self


class Pathology(_Model):
    specimen: OperationType
    t: TCategory
    n: NCategory | None = Field(None, description="Derived from nodes_positive when omitted")
    prefix: Prefix = Field(Prefix.p, description="p, or yp after neoadjuvant therapy")
    tumour_size_cm: float | None = Field(None, ge=0, le=30)
    nodes_examined: int | None = Field(None, ge=0, le=200)
    nodes_positive: int | None = Field(None, ge=0, le=200)
    tumour_deposits: bool = False
    crm_distance_mm: Mm | None = None
    distal_margin_mm: Mm | None = None
    deep_margin_mm: Mm | None = Field(None, description="Deep margin of a local excision")
    lateral_margin_mm: Mm | None = Field(None, description="Mucosal margin of a local excision")
    macroscopic_residual: bool = False
    tme_grade: TmeGrade | None = None
    grade: Grade | None = None
    submucosal_depth: SubmucosalDepth | None = None
    lvi: bool | None = None
    pni: bool | None = None
    budding: Budding | None = None
    regression: RegressionGrade | None = None

    @model_validator(mode="before")
    @classmethod
    def _split_prefixes(cls, data: Any) -> Any:
        """Accept ``"t": "ypT1"`` as written in reports: the prefix moves to ``prefix``."""
        if not isinstance(data, dict):
            return data
        data = dict(data)
        for axis in ("t", "n"):
            raw = data.get(axis)
            if isinstance(raw, str):
                try:
                    prefix, category = parse_category(raw, axis.upper())
                except ValueError as exc:
                    raise _error(f"pathology.{axis}", str(exc)) from None
                data[axis] = category
                if prefix is not None:
                    if "prefix" in data and str(data["prefix"]) != prefix.value:
                        raise _error(
                            "pathology.prefix", f"{raw!r} contradicts prefix {data['prefix']!r}"
                        )
                    data["prefix"] = prefix
        return data

    @field_validator("prefix")
    @classmethod
    def _pathological(cls, value: Prefix) -> Prefix:
        if value not in (Prefix.p, Prefix.yp):
            raise ValueError("pathology staging uses the p or yp prefix")
        return value

    @model_validator(mode="after")
    def _nodes(self) -> Pathology:
        examined, positive = self.nodes_examined, self.nodes_positive
        if examined is not None and positive is not None and positive > examined:
            raise _error(
                "pathology.nodes_positive",
                f"{positive} positive nodes but only {examined} examined",
            )
        if positive is not None:
            derived = n_category_from_nodes(positive, self.tumour_deposits)
            if self.n is None:
                object.__setattr__(self, "n", derived)
            elif self.n not in _compatible_n(derived):
                raise _error(
                    "pathology.n",
                    f"{self.n} does not match {positive} positive node(s), which give {derived}",
                )
        return self

    @property
    def margins_mm(self) -> dict[str, float]:
        """Every measured margin by name."""
        named = {
            "crm_distance_mm": self.crm_distance_mm,
            "distal_margin_mm": self.distal_margin_mm,
            "deep_margin_mm": self.deep_margin_mm,
            "lateral_margin_mm": self.lateral_margin_mm,
        }
        return {k: v for k, v in named.items() if v is not None}


def _compatible_n(derived: NCategory) -> tuple[NCategory, ...]:
    """An unsubdivided N1/N2 is compatible with its subcategories."""
    if derived in (NCategory.N1a, NCategory.N1b, NCategory.N1c):
        return (derived, NCategory.N1)
    if derived in (NCategory.N2a, NCategory.N2b):
        return (derived, NCategory.N2)
    return (derived,)


class Complication(_Model):
    description: str = Field(min_length=1, max_length=200)
    clavien_dindo: ClavienDindo
    date: dt.date | None = None

    @field_validator("clavien_dindo", mode="before")
    @classmethod
    def _parse_grade(cls, value: Any) -> ClavienDindo:
        return value if isinstance(value, ClavienDindo) else ClavienDindo.parse(str(value))


# --- local recurrence ---------------------------------------------------------------------


class Compartment(StrEnum):
    """Royal Marsden MRI compartments of a pelvic recurrence."""

    peritoneal_reflection = "peritoneal_reflection"
    anterior_above_pr = "anterior_above_pr"
    anterior_below_pr = "anterior_below_pr"
    central = "central"
    posterior = "posterior"
    lateral = "lateral"
    inferior = "inferior"


class FixationSite(StrEnum):
    sacrum = "sacrum"
    pelvic_sidewall = "pelvic_sidewall"
    anterior_organs = "anterior_organs"
    pubic_bone = "pubic_bone"


class SacralLandmark(_Model):
    """A point on the anterior sacral surface on the mid-sagittal image (x anterior, y cranial)."""

    level: str = Field(description="S1 (promontory), S2 ... S5, Co1, Co2: top of that segment")
    x_mm: float = Field(ge=-500, le=500)
    y_mm: float = Field(ge=-500, le=500)


class SagittalPoint(_Model):
    x_mm: float = Field(ge=-500, le=500)
    y_mm: float = Field(ge=-500, le=500)


class Recurrence(_Model):
    date: dt.date | None = None
    compartments: tuple[Compartment, ...] = Field(min_length=1)
    fixed_to: tuple[FixationSite, ...] = ()
    highest_sacral_level: str | None = Field(
        None, description="Highest sacral segment invaded (S1 ... Co1); None = sacrum free"
    )
    sciatic_notch_extension: bool | None = None
    external_iliac_encasement_deg: float | None = Field(None, ge=0, le=360)
    hydronephrosis: bool | None = None
    distant_metastases: bool | None = None
    prior_pelvic_rt_dose_gy: float | None = Field(None, ge=0, le=120)
    ecog: int | None = Field(None, ge=0, le=4, description="Performance status at recurrence")
    sacral_landmarks: tuple[SacralLandmark, ...] = ()
    tumour_upper_extent: SagittalPoint | None = Field(
        None, description="Most cranial point of the tumour on the anterior sacrum (sagittal)"
    )

    @field_validator("highest_sacral_level")
    @classmethod
    def _known_level(cls, value: str | None) -> str | None:
        if value is not None and value not in SACRAL_LEVELS:
            raise ValueError(f"{value!r} is not a sacral level ({', '.join(SACRAL_LEVELS)})")
        return value

    @model_validator(mode="after")
    def _landmarks_make_a_curve(self) -> Recurrence:
        if self.sacral_landmarks:
            try:
                check_landmarks(
                    tuple(lm.level for lm in self.sacral_landmarks),
                    np.array([(lm.x_mm, lm.y_mm) for lm in self.sacral_landmarks]),
                )
            except SacralPlanError as exc:
                raise _error("recurrence.sacral_landmarks", str(exc).split(": ", 1)[1]) from None
        if self.tumour_upper_extent is not None and not self.sacral_landmarks:
            raise _error(
                "recurrence.sacral_landmarks", "a tumour extent needs the sacral landmarks"
            )
        return self

    def sacral_curve(self) -> SacralCurve:
        """The anterior sacral curve through the landmarks (validated on construction)."""
        return SacralCurve.through(
            [lm.level for lm in self.sacral_landmarks],
            [(lm.x_mm, lm.y_mm) for lm in self.sacral_landmarks],
        )


# --- anastomotic stenosis --------------------------------------------------------------------


class AnastomosisType(StrEnum):
    stapled = "stapled"
    hand_sewn = "hand_sewn"


class StenosisMorphology(StrEnum):
    membranous = "membranous"
    tubular = "tubular"
    complete_occlusion = "complete_occlusion"


class StomaStatus(StrEnum):
    none = "none"
    ileostomy = "ileostomy"
    colostomy = "colostomy"


class DilatationResult(StrEnum):
    success = "success"
    failure = "failure"
    recurrence = "recurrence"


class Dilatation(_Model):
    date: dt.date | None = None
    balloon_mm: float | None = Field(None, gt=0, le=40)
    result: DilatationResult


class RingSpec(_Model):
    """A ring magnet as the device engineer states it (millimetres and NdFeB grade)."""

    od_mm: float = Field(gt=0, le=60)
    id_mm: float = Field(ge=0, le=60)
    height_mm: float = Field(gt=0, le=40)
    grade: str = Field("N45", pattern=r"^[Nn]\d{2}[A-Za-z]{0,2}$")

    @model_validator(mode="after")
    def _inner_below_outer(self) -> RingSpec:
        if self.id_mm >= self.od_mm:
            raise ValueError(f"id_mm ({self.id_mm:g}) must be below od_mm ({self.od_mm:g})")
        return self


class MagnetDeliveryLimits(_Model):
    """What fits the route for magnetic compression rings (millimetres)."""

    max_od_anus_mm: float | None = Field(None, gt=0, le=60)
    max_od_stoma_mm: float | None = Field(None, gt=0, le=60)
    max_od_endoscope_mm: float | None = Field(
        None, gt=0, le=60, description="Largest ring the endoscope can carry or push"
    )
    min_id_mm: float = Field(2.0, ge=0, le=40, description="Guide wire and the new lumen")
    max_height_mm: float = Field(10.0, gt=0, le=40)


class AnastomoticStenosis(_Model):
    months_since_surgery: float | None = Field(None, ge=0, le=600)
    anastomosis_type: AnastomosisType | None = None
    anastomosis_height_cm: float | None = Field(None, ge=0, le=40)
    diameter_mm: float | None = Field(None, ge=0, le=60)
    scope_12mm_passes: bool | None = None
    length_mm: float = Field(ge=0, le=300, description="Length of the stenotic segment")
    morphology: StenosisMorphology
    guidewire_passable: bool | None = None
    prior_leak: bool | None = None
    prior_radiotherapy: bool | None = None
    stoma: StomaStatus = StomaStatus.none
    awaiting_stoma_reversal: bool = False
    dilatations: tuple[Dilatation, ...] = ()
    delivery_limits: MagnetDeliveryLimits | None = None
    rings: tuple[RingSpec, ...] = Field(
        (), max_length=2, description="A planned ring pair (one = the same ring on both sides)"
    )

    @model_validator(mode="after")
    def _coherent(self) -> AnastomoticStenosis:
        occluded = self.morphology is StenosisMorphology.complete_occlusion
        if occluded and self.diameter_mm:
            raise _error(
                "stenosis.diameter_mm", "a complete occlusion has no lumen (diameter must be 0)"
            )
        if occluded and self.scope_12mm_passes:
            raise _error("stenosis.scope_12mm_passes", "no scope passes a complete occlusion")
        if self.awaiting_stoma_reversal and self.stoma is StomaStatus.none:
            raise _error("stenosis.awaiting_stoma_reversal", "there is no stoma to reverse")
        return self


# --- the case -----------------------------------------------------------------------------


class Case(_Model):
    """One patient's rectal cancer episode; optional sections open the later pathway phases."""

    schema_version: str = Field(SCHEMA_VERSION, pattern="^1$")
    case_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:-]+$")
    diagnosis_date: dt.date | None = None
    patient: Patient
    tumour: PrimaryTumour
    mri: BaselineMri | None = None
    distant: DistantStaging | None = None
    neoadjuvant: NeoadjuvantTherapy | None = None
    restaging: Restaging | None = None
    operations: tuple[Operation, ...] = ()
    pathology: Pathology | None = None
    complications: tuple[Complication, ...] = ()
    recurrence: Recurrence | None = None
    stenosis: AnastomoticStenosis | None = None

    @model_validator(mode="after")
    def _coherent(self, info: ValidationInfo) -> Case:
        if self.neoadjuvant is None:
            if self.restaging is not None:
                raise _error("restaging", "restaging needs the neoadjuvant therapy it follows")
            if self.pathology is not None and self.pathology.prefix is Prefix.yp:
                raise _error(
                    "pathology.t",
                    f"yp{self.pathology.t} (post-therapy) but no neoadjuvant therapy is recorded",
                )
        self._check_dates()
        return self

    def _check_dates(self) -> None:
        end = self.neoadjuvant.end_date if self.neoadjuvant else None
        restaged = self.restaging.date if self.restaging else None
        if end and restaged and restaged < end:
            raise _error(
                "restaging.date", f"{restaged} is before neoadjuvant therapy ended ({end})"
            )
        first_op = min((op.date for op in self.operations if op.date), default=None)
        latest_before = restaged or end
        if first_op and latest_before and first_op < latest_before:
            raise _error(
                "operations[0].date",
                f"{first_op} is before restaging/neoadjuvant ({latest_before})",
            )
        if self.diagnosis_date and first_op and first_op < self.diagnosis_date:
            raise _error("diagnosis_date", f"{self.diagnosis_date} is after the first operation")

    @property
    def local_operation(self) -> Operation | None:
        """The most recent local excision / ESD / EFTR, if any."""
        local = [op for op in self.operations if op.type.is_local]
        return local[-1] if local else None
