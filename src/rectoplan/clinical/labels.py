"""Clinical words for coded values, in the current locale: one table per kind of code.

The case stores codes (``anterior_above_pr``, ``pelvic_sidewall``); people read words. The same
English word can be two Chinese terms (a Royal Marsden ``central`` compartment is 中盆腔, a
Leeds ``central`` recurrence 中央型), so each kind has its own table and its own message
context. The English texts are the message ids (marked ``NP_`` with the kind as context); the
terms follow docs/glossary-zh.md.
"""

from __future__ import annotations

from enum import StrEnum

from rectoplan.i18n import NP_, join_items, pgettext

_LABELS: dict[str, dict[str, str]] = {
    "compartment": {
        "peritoneal_reflection": NP_("compartment", "peritoneal reflection"),
        "anterior_above_pr": NP_("compartment", "anterior (above the peritoneal reflection)"),
        "anterior_below_pr": NP_("compartment", "anterior (below the peritoneal reflection)"),
        "central": NP_("compartment", "central"),
        "posterior": NP_("compartment", "posterior"),
        "lateral": NP_("compartment", "lateral"),
        "inferior": NP_("compartment", "inferior"),
    },
    "fixation": {
        "sacrum": NP_("fixation", "sacrum"),
        "pelvic_sidewall": NP_("fixation", "pelvic sidewall"),
        "anterior_organs": NP_("fixation", "anterior organs"),
        "pubic_bone": NP_("fixation", "pubic bone"),
    },
    "metastatic_site": {
        "liver": NP_("metastatic_site", "liver"),
        "lung": NP_("metastatic_site", "lung"),
        "peritoneum": NP_("metastatic_site", "peritoneum"),
        "non_regional_node": NP_("metastatic_site", "non-regional node"),
        "bone": NP_("metastatic_site", "bone"),
        "brain": NP_("metastatic_site", "brain"),
        "ovary": NP_("metastatic_site", "ovary"),
        "adrenal": NP_("metastatic_site", "adrenal"),
        "other": NP_("metastatic_site", "other"),
    },
    "side": {
        "left": NP_("side", "left"),
        "right": NP_("side", "right"),
        "bilateral": NP_("side", "bilateral"),
    },
    "stenosis_morphology": {
        "membranous": NP_("stenosis_morphology", "membranous"),
        "tubular": NP_("stenosis_morphology", "tubular"),
        "complete_occlusion": NP_("stenosis_morphology", "complete occlusion"),
    },
    "response_modality": {
        "endoscopy": NP_("response_modality", "endoscopy"),
        "dre": NP_("response_modality", "DRE"),
        "mri_t2": NP_("response_modality", "MRI T2"),
        "mri_dwi": NP_("response_modality", "MRI DWI"),
    },
    "response_tier": {
        "complete": NP_("response_tier", "complete"),
        "near_complete": NP_("response_tier", "near-complete"),
        "incomplete": NP_("response_tier", "incomplete"),
    },
    "mrf": {
        "involved": NP_("mrf", "involved"),
        "threatened": NP_("mrf", "threatened"),
        "clear": NP_("mrf", "clear"),
    },
    "mskcc_class": {
        "axial": NP_("mskcc_class", "axial"),
        "anterior": NP_("mskcc_class", "anterior"),
        "posterior": NP_("mskcc_class", "posterior"),
        "lateral": NP_("mskcc_class", "lateral"),
    },
    "leeds_class": {
        "central": NP_("leeds_class", "central"),
        "sacral": NP_("leeds_class", "sacral"),
        "sidewall": NP_("leeds_class", "sidewall"),
        "composite": NP_("leeds_class", "composite"),
    },
}


def label(kind: str, value: str | StrEnum) -> str:
    """The clinical words for ``value`` of ``kind``; an unnamed code is shown with spaces."""
    code = str(value)
    text = _LABELS[kind].get(code)
    return pgettext(kind, text) if text else code.replace("_", " ")


def labels(kind: str, values) -> str:
    """Several codes of one kind as a list in a sentence (``liver, lung`` / ``肝、肺``)."""
    return join_items(label(kind, v) for v in values)
