"""The case: one patient's rectal cancer from diagnosis to follow-up, as validated data.

A package with a module per part: `patient` (the patient and the primary tumour), `imaging`
(baseline MRI, distant staging, restaging), `treatment` (neoadjuvant courses, operations,
complications), `pathology`, `recurrence`, `stenosis` (with its endoscopic procedures),
`follow_up` (dated events after treatment), and `episode` (the `Case` that holds them and the
rules that span them). Everything is importable from here. The case is the record of an
episode: every fact has one home in it (docs/architecture.md).

Units sit in field names (``distance_from_anal_verge_cm``, ``mrf_distance_mm``). Raw measurements
are stored and flags are derived elsewhere with named thresholds (`clinical.thresholds`), because
the sources disagree on cut-offs. Anything that cannot be true (a ypT without neoadjuvant
therapy, an M1c with no peritoneal disease, more positive nodes than were examined, restaging
before the treatment ended) is a validation error that names the field.
"""

from rectoplan.clinical.case.base import SCHEMA_VERSION, Cm, Mm
from rectoplan.clinical.case.episode import (
    Case,
)
from rectoplan.clinical.case.follow_up import FollowUpEvent, FollowUpKind
from rectoplan.clinical.case.imaging import (
    BaselineMri,
    DistantStaging,
    LateralNode,
    LateralStation,
    MesorectalNode,
    Restaging,
)
from rectoplan.clinical.case.pathology import (
    Budding,
    Pathology,
    RegressionGrade,
)
from rectoplan.clinical.case.patient import (
    Grade,
    HeightModality,
    Histology,
    MmrStatus,
    Patient,
    PrimaryTumour,
    Sex,
    SubmucosalDepth,
)
from rectoplan.clinical.case.recurrence import (
    Compartment,
    FixationSite,
    Recurrence,
    SacralLandmark,
    SagittalPoint,
    Side,
)
from rectoplan.clinical.case.stenosis import (
    AnastomosisType,
    AnastomoticStenosis,
    DilatationResult,
    MagnetDeliveryLimits,
    NdfebGrade,
    ProcedureType,
    RingSpec,
    StenosisMorphology,
    StenosisProcedure,
    StomaStatus,
)
from rectoplan.clinical.case.treatment import (
    SACRECTOMY_LEVELS,
    Approach,
    ChemoRegimen,
    ChemotherapyCourse,
    Complication,
    ImmunotherapyCourse,
    NeoadjuvantTherapy,
    Operation,
    OperationType,
    RadiotherapyCourse,
)

__all__ = [
    "SACRECTOMY_LEVELS",
    "SCHEMA_VERSION",
    "AnastomosisType",
    "AnastomoticStenosis",
    "Approach",
    "BaselineMri",
    "Budding",
    "Case",
    "ChemoRegimen",
    "ChemotherapyCourse",
    "Cm",
    "Compartment",
    "Complication",
    "DilatationResult",
    "DistantStaging",
    "FixationSite",
    "FollowUpEvent",
    "FollowUpKind",
    "Grade",
    "HeightModality",
    "Histology",
    "ImmunotherapyCourse",
    "LateralNode",
    "LateralStation",
    "MagnetDeliveryLimits",
    "MesorectalNode",
    "Mm",
    "MmrStatus",
    "NdfebGrade",
    "NeoadjuvantTherapy",
    "Operation",
    "OperationType",
    "Pathology",
    "Patient",
    "PrimaryTumour",
    "ProcedureType",
    "RadiotherapyCourse",
    "Recurrence",
    "RegressionGrade",
    "Restaging",
    "RingSpec",
    "SacralLandmark",
    "SagittalPoint",
    "Sex",
    "Side",
    "StenosisMorphology",
    "StenosisProcedure",
    "StomaStatus",
    "SubmucosalDepth",
]
