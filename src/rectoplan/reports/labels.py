"""Clinical words for everything RectoPlan shows: fields, enum values, options, lists, messages.

One module that the pages, the printable summaries and (later) the Chinese catalogue read, so
a clinician never sees an id (``primary.tnt.short_course``), an enum value (``locally_advanced``),
a dotted field path (``tumour.longest_diameter_cm``) or a Python repr (``['EMVI positive']``).

* `field_label` names a field of the case (``tumour.longest_diameter_cm`` -> "Longest tumour
  diameter"), its unit apart (`field_unit`), so a form label reads "Longest tumour diameter
  (cm)" and a message "Longest tumour diameter must be at most 30 cm".
* `label` names an enum value; `listed` writes a list as text.
* `field_message` turns a validator's message into a sentence naming the field.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from enum import Enum
from typing import Any

from rectoplan.clinical.complications import CLAVIEN_DINDO_DEFINITIONS

UNITS = {"cm": "cm", "mm": "mm", "pct": "%", "gy": "Gy", "ml": "mL", "deg": "°", "min": "min",
         "years": "years", "months": "months"}  # fmt: skip
"""A field name's last word that is its unit (``longest_diameter_cm``)."""

FIELDS: dict[str, str] = {
    # identity and patient
    "case_id": "Case id",
    "diagnosis_date": "Diagnosis date",
    "pseudonym": "Patient pseudonym",
    "birth_year": "Birth year",
    "patient": "Patient",
    "patient.age_years": "Age at diagnosis",
    "ecog": "ECOG performance status",
    "fit_for_major_surgery": "Fit for major surgery",
    "fit_for_chemotherapy": "Fit for chemotherapy",
    "wants_organ_preservation": "Wishes organ preservation",
    # tumour
    "tumour": "Primary tumour",
    "distance_from_anal_verge_cm": "Distance from the anal verge",
    "height_modality": "Height measured by",
    "longest_diameter_cm": "Longest tumour diameter",
    "circumferential_extent_pct": "Circumferential extent",
    "cea_ng_ml": "CEA (ng/mL)",
    "mmr_status": "MMR status",
    "submucosal_depth": "Submucosal invasion depth",
    "biopsy_lvi": "Lymphovascular invasion on biopsy",
    "biopsy_pni": "Perineural invasion on biopsy",
    "mobile": "Mobile on examination",
    # MRI and staging
    "mri": "Baseline MRI",
    "mri.date": "Baseline MRI date",
    "ct": "cT category",
    "cn": "cN category",
    "cm": "cM category",
    "extramural_depth_mm": "Extramural spread",
    "mrf_distance_mm": "Distance to the mesorectal fascia",
    "emvi": "Extramural venous invasion (EMVI)",
    "tumour_deposits": "Tumour deposits",
    "extranodal_extension": "Extranodal extension",
    "levator_involved": "Levator involved",
    "levator_threatened": "Levator threatened",
    "internal_sphincter_invaded": "Internal sphincter invaded",
    "intersphincteric_plane_invaded": "Intersphincteric plane invaded",
    "external_sphincter_invaded": "External sphincter invaded",
    "anal_canal_involved": "Anal canal involved",
    "distance_to_anorectal_ring_mm": "Lower edge to the anorectal ring",
    "mesorectal_nodes": "Mesorectal lymph nodes",
    "lateral_nodes": "Lateral lymph nodes",
    "short_axis_mm": "Short axis",
    "round": "Round",
    "irregular_border": "Irregular border",
    "heterogeneous_signal": "Heterogeneous signal",
    "station": "Station",
    "distant": "Distant staging",
    "distant.date": "Staging CT date",
    "distant.sites": "Metastatic sites",
    # neoadjuvant therapy and restaging
    "neoadjuvant": "Neoadjuvant therapy",
    "radiotherapy": "Radiotherapy",
    "chemotherapy": "Chemotherapy courses",
    "immunotherapy": "Immunotherapy",
    "total_dose_gy": "Total dose",
    "fractions": "Fractions",
    "concurrent_chemotherapy": "Concurrent chemotherapy",
    "start_date": "Start date",
    "end_date": "End date",
    "regimen": "Regimen",
    "cycles": "Cycles",
    "timing": "Timing",
    "agent": "Agent",
    "restaging": "Restaging",
    "restaging.date": "Restaging date",
    "endoscopy": "Endoscopy",
    "dre": "Digital rectal examination",
    "mri_t2": "MRI T2 finding",
    "mri_dwi": "MRI diffusion (DWI) finding",
    "mrtrg": "MRI tumour regression grade (mrTRG)",
    "residual_size_cm": "Residual tumour size",
    "yct": "ycT category",
    "ycn": "ycN category",
    "yc_mrf_distance_mm": "Distance to the mesorectal fascia after therapy",
    # operations, complications, pathology
    "operations": "Operations",
    "type": "Operation",
    "approach": "Approach",
    "blood_loss_ml": "Blood loss",
    "duration_min": "Duration",
    "stoma": "Stoma",
    "sacrectomy_level": "Sacral transection level",
    "discharge_day": "Discharged on day (after the procedure)",
    "complications": "Complications",
    "complications.operation": "After the operation",
    "complications.procedure": "After the stenosis procedure",
    "disability": "Disability at discharge (the “d” suffix)",
    "description": "Description",
    "clavien_dindo": "Clavien–Dindo grade",
    "pathology": "Pathology",
    "pathology.date": "Pathology report date",
    "specimen": "Specimen",
    "t": "T category",
    "n": "N category",
    "prefix": "Prefix (p, or yp after neoadjuvant therapy)",
    "tumour_size_cm": "Tumour size",
    "nodes_examined": "Lymph nodes examined",
    "nodes_positive": "Lymph nodes positive",
    "crm_distance_mm": "Circumferential resection margin (CRM)",
    "distal_margin_mm": "Distal margin",
    "deep_margin_mm": "Deep margin",
    "lateral_margin_mm": "Lateral (mucosal) margin",
    "macroscopic_residual": "Macroscopic residual tumour",
    "tme_grade": "TME (mesorectal) grade",
    "grade": "Grade",
    "lvi": "Lymphovascular invasion (LVI)",
    "pni": "Perineural invasion (PNI)",
    "budding": "Tumour budding",
    "regression": "Tumour regression grade",
    "scale": "Scale",
    # recurrence and stenosis
    "recurrence": "Local recurrence",
    "date": "Date",
    "compartments": "Compartments",
    "fixed_to": "Fixed to",
    "highest_sacral_level": "Highest sacral level invaded",
    "sciatic_notch_extension": "Extends into the sciatic notch",
    "external_iliac_encasement_deg": "External iliac encasement",
    "hydronephrosis": "Hydronephrosis",
    "distant_metastases": "Distant metastases",
    "prior_pelvic_rt_dose_gy": "Prior pelvic radiotherapy dose",
    "sacral_landmarks": "Sacral landmarks",
    "tumour_upper_extent": "Upper extent of the tumour",
    "level": "Level",
    "x_mm": "Anterior position (x)",
    "y_mm": "Cranial position (y)",
    "stenosis": "Anastomotic stenosis",
    "months_since_surgery": "Time since surgery",
    "anastomosis_type": "Anastomosis",
    "anastomosis_height_cm": "Anastomosis height",
    "diameter_mm": "Lumen diameter",
    "scope_12mm_passes": "A 12 mm scope passes",
    "length_mm": "Stenosis length",
    "morphology": "Morphology",
    "guidewire_passable": "A guide wire passes",
    "prior_leak": "Prior anastomotic leak",
    "prior_radiotherapy": "Prior radiotherapy",
    "awaiting_stoma_reversal": "Awaiting stoma reversal",
    "dilatations": "Dilatations",
    "procedures": "Endoscopic procedures",
    "procedures.type": "Procedure",
    "rings_passed_day": "Rings passed on day",
    "hydronephrosis_side": "Side of the hydronephrosis",
    "distant_sites": "Distant sites at recurrence",
    # follow-up
    "follow_up": "Follow-up events",
    "follow_up.kind": "Event",
    "balloon_mm": "Balloon diameter",
    "result": "Result",
    "delivery_limits": "Delivery limits for compression rings",
    "rings": "Compression rings",
    "od_mm": "Outer diameter",
    "id_mm": "Inner diameter",
    "height_mm": "Height",
    "max_od_anus_mm": "Largest ring through the anus",
    "max_od_stoma_mm": "Largest ring through the stoma",
    "max_od_endoscope_mm": "Largest ring the endoscope carries",
    "min_id_mm": "Smallest inner diameter",
    "max_height_mm": "Largest ring height",
}
"""A field by its dotted path (most specific first) or its last name."""

ITEM_NAMES = {
    "operations": "Operation",
    "complications": "Complication",
    "chemotherapy": "Chemotherapy course",
    "mesorectal_nodes": "Mesorectal node",
    "lateral_nodes": "Lateral node",
    "dilatations": "Dilatation",
    "procedures": "Procedure",
    "follow_up": "Follow-up event",
    "rings": "Ring",
    "sacral_landmarks": "Sacral landmark",
}
"""One item of a list part, for "Operation 2" and "Add an operation"."""

VALUES: dict[str, str] = {
    # operations and approaches
    "local_excision": "Local excision (TEM/TAMIS)",
    "esd": "Endoscopic submucosal dissection (ESD)",
    "eftr": "Endoscopic full-thickness resection (EFTR)",
    "lar": "Low anterior resection (TME)",
    "coloanal": "Ultra-low anterior resection with coloanal anastomosis",
    "isr_partial": "Partial intersphincteric resection (ISR)",
    "isr_subtotal": "Subtotal intersphincteric resection (ISR)",
    "isr_total": "Total intersphincteric resection (ISR)",
    "apr": "Abdominoperineal resection (APR)",
    "hartmann": "Hartmann's procedure",
    "exenteration": "Pelvic exenteration",
    "open": "Open",
    "laparoscopic": "Laparoscopic",
    "robotic": "Robotic",
    "transanal": "Transanal",
    "endoscopic": "Endoscopic",
    # patient and tumour
    "male": "Male",
    "female": "Female",
    "mri": "MRI",
    "rigid_sigmoidoscopy": "Rigid sigmoidoscopy",
    "colonoscopy": "Colonoscopy",
    "dre": "Digital rectal examination",
    "adenocarcinoma": "Adenocarcinoma",
    "mucinous_adenocarcinoma": "Mucinous adenocarcinoma",
    "signet_ring_cell": "Signet ring cell carcinoma",
    "pMMR": "pMMR (proficient, MSS)",
    "dMMR": "dMMR (deficient, MSI-high)",
    # staging and risk
    "non_regional_node": "Non-regional lymph node",
    "very_early": "very early",
    "locally_advanced": "locally advanced",
    "above_rectum": "above the rectum",
    "internal_iliac": "Internal iliac",
    "external_iliac": "External iliac",
    "common_iliac": "Common iliac",
    "5-FU": "5-fluorouracil",
    # response
    "flat_white_scar": "Flat white scar",
    "irregular_mucosa": "Irregular mucosa, small nodules or ulcer",
    "visible_tumour": "Visible tumour",
    "smooth_induration": "Smooth induration",
    "palpable_tumour": "Palpable tumour",
    "dark_only": "Dark T2 signal only",
    "mostly_dark": "Mostly dark T2 signal",
    "intermediate": "intermediate",
    "no_visible_tumour": "No visible tumour",
    "significant_regression": "Significant regression",
    "little_regression": "Little or no regression",
    # pathology
    "mesorectal": "Complete (mesorectal plane)",
    "intramesorectal": "Nearly complete (intramesorectal plane)",
    "muscularis_propria": "Incomplete (muscularis propria plane)",
    # recurrence and stenosis
    "peritoneal_reflection": "Above the peritoneal reflection",
    "anterior_above_pr": "Anterior, above the peritoneal reflection",
    "anterior_below_pr": "Anterior, below the peritoneal reflection",
    "pelvic_sidewall": "Pelvic sidewall",
    "anterior_organs": "Anterior organs",
    "pubic_bone": "Pubic bone",
    "hand_sewn": "Hand-sewn",
    "complete_occlusion": "Complete occlusion",
    "none": "None",
    "balloon_dilatation": "Balloon dilatation",
    "electroincision": "Endoscopic electroincision",
    "stent": "Stent",
    "magnetic_compression": "Magnetic compression anastomosis",
    # follow-up
    "local_regrowth": "Local regrowth (after watch-and-wait)",
    "distant_metastasis": "Distant metastasis",
    "restenosis": "Restenosis",
    "tme": "Total mesorectal excision (TME)",
    "death": "Death",
    "last_contact": "Last contact",
    # case and registry
    "open_episode": "open",
    "postoperative": "postoperative",
}
"""An enum value by its value (enum values are unique enough across the case to share one map)."""

for _grade, _definition in CLAVIEN_DINDO_DEFINITIONS.items():
    VALUES.setdefault(f"cd:{_grade.value}", f"Clavien–Dindo {_grade.value}: {_definition}")


def label(value: Any) -> str:
    """The clinical words for an enum value (``locally_advanced`` -> "locally advanced")."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = value.value if isinstance(value, Enum) else str(value)
    return VALUES.get(text) or text.replace("_", " ")


def clavien_dindo(grade: Any, *, with_definition: bool = False) -> str:
    """ "Clavien–Dindo IIIa", or with Dindo's definition for a picker."""
    text = grade.value if isinstance(grade, Enum) else str(grade)
    if with_definition:
        return VALUES.get(f"cd:{text}", f"Clavien–Dindo {text}")
    return f"Clavien–Dindo {text}"


def listed(values: Iterable[Any], empty: str = "none") -> str:
    """A list as text: "liver, lung and peritoneum" (never ``['liver', 'lung']``)."""
    words = [label(v) for v in values]
    if not words:
        return empty
    if len(words) == 1:
        return words[0]
    return f"{', '.join(words[:-1])} and {words[-1]}"


_INDEX = re.compile(r"\[(\d+)\]")


def _split(path: str) -> list[str]:
    return [p for p in _INDEX.sub(r".#\1", path).split(".") if p]


def field_unit(path: str) -> str | None:
    """The unit a field's name ends with (``mrf_distance_mm`` -> "mm"), or None."""
    last = _split(path)[-1] if path else ""
    words = last.split("_")
    return UNITS.get(words[-1]) if len(words) > 1 else None


def _plain(name: str) -> str:
    words = name.split("_")
    if len(words) > 1 and words[-1] in UNITS:
        words = words[:-1]
    return " ".join(words).capitalize()


def field_label(path: str, *, unit: bool = False) -> str:
    """A field of the case in clinical words: ``tumour.longest_diameter_cm`` -> "Longest
    tumour diameter"; ``operations[1].date`` -> "Operation 2: date". With ``unit``, the unit
    in brackets ("Longest tumour diameter (cm)")."""
    parts = _split(path)
    if not parts:
        return "The case"
    plain = _INDEX.sub("", path)
    text = None
    for start in range(len(parts)):
        key = ".".join(p for p in parts[start:] if not p.startswith("#"))
        if key in FIELDS:
            text = FIELDS[key]
            break
    if text is None:
        text = FIELDS.get(plain) or _plain(parts[-1])
    owners = []
    for i, part in enumerate(parts):
        if part.startswith("#") and i > 0:
            owner = ITEM_NAMES.get(parts[i - 1], _plain(parts[i - 1]))
            owners.append(f"{owner} {int(part[1:]) + 1}")
    if owners and not parts[-1].startswith("#"):
        text = f"{', '.join(owners)}: {text[0].lower() + text[1:]}"
    elif owners:
        text = ", ".join(owners)
    found_unit = field_unit(path)
    if unit and found_unit and found_unit not in text:
        text = f"{text} ({found_unit})"
    return text


_BOUNDS = (
    (re.compile(r"^Input should be less than or equal to (\S+)$"), "must be at most {}"),
    (re.compile(r"^Input should be greater than or equal to (\S+)$"), "must be at least {}"),
    (re.compile(r"^Input should be less than (\S+)$"), "must be less than {}"),
    (re.compile(r"^Input should be greater than (\S+)$"), "must be more than {}"),
)
_REWORDED = (
    (re.compile(r"^Field required$"), "is required"),
    (re.compile(r"^Input should be a valid date.*"), "must be a date (year-month-day)"),
    (re.compile(r"^Input should be a valid (number|integer).*"), "must be a number"),
    (
        re.compile(r"^Input should be (?:'[^']*'(?:, | or )?)+$"),
        "must be one of the listed choices",
    ),
    (re.compile(r"^String should have at least 1 character"), "is required"),
    (re.compile(r"^String should have at most (\d+) characters?"), "must be at most {} characters"),
    (re.compile(r"^String should match pattern.*"), "contains characters that are not allowed"),
    (re.compile(r"^Tuple should have at least 1 item.*"), "needs at least one choice"),
    (re.compile(r"^Extra inputs are not permitted$"), "is not a field of this part"),
)


def _number(text: str) -> str:
    try:
        return f"{float(text):g}"
    except ValueError:
        return text


def field_message(path: str, message: str) -> str:
    """A validator's message as a sentence naming the field in clinical words: "Longest
    tumour diameter must be at most 30 cm" (not ``Input should be less than or equal to 30``)."""
    name = field_label(path)
    unit = field_unit(path)
    for pattern, template in _BOUNDS:
        if match := pattern.match(message):
            bound = _number(match.group(1))
            return f"{name} {template.format(bound)}{f' {unit}' if unit else ''}"
    for pattern, template in _REWORDED:
        if match := pattern.match(message):
            return f"{name} {template.format(*match.groups())}"
    return f"{name}: {message}"


def shown(value: Any) -> str:
    """Any value as a reader sees it: a list as text, a yes/no, an enum by its label, a
    missing value as a dash (never ``['EMVI positive']`` or ``None``)."""
    if value is None or value == "":
        return "—"
    if isinstance(value, list | tuple | set):
        return listed(value)
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, str) and ("_" in value or value in VALUES):
        return label(value)
    return label(value) if isinstance(value, bool | Enum) else str(value)
