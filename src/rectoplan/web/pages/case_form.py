"""The case as a flat HTML form and back: dotted field names, text values, pydantic last.

The form is derived from the case model itself (`rectoplan.clinical.case.Case`), so a field
added to the model appears on the form with the right input kind and nothing drifts apart:
numbers become number inputs, dates date inputs, enums selects of the enum's values, a plain
boolean a checkbox, an optional boolean a yes/no/not-recorded select (a checkbox cannot say
"not recorded"), a tuple of enum values a group of checkboxes, and nested lists that a flat
form cannot hold (nodes, chemotherapy courses, operations, complications, the recurrence and
the stenosis) a JSON textarea each.

Converting back is pure and keeps every problem beside its field: the converter reads
numbers itself (so "12,5" gets a message that says what to type) and parses the JSON
textareas (a syntax error names its line and column); the case model then judges the rest,
and its messages are keyed by the same dotted names. A section left entirely blank is
omitted, so ``to_values`` followed by ``from_values`` gives back the same case.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import types
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Annotated, Any, Union, get_args, get_origin

import annotated_types
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from rectoplan.clinical.case import Case
from rectoplan.clinical.tnm import Prefix
from rectoplan.web.pages.render import messages_by_field
from rectoplan.web.schemas import PatientRef

Values = dict[str, Any]
"""The form as submitted: dotted name -> typed text (a list of texts for checkbox groups)."""

FORM = "form"
"""The key of a problem that belongs to no single field (shown in the summary)."""

REGISTRY_FIELDS = ("pseudonym", "birth_year")
"""The registry's patient, beside the case: not part of the case model."""

FLAT_PARTS = ("patient", "tumour", "mri", "distant", "neoadjuvant", "restaging", "pathology")
"""Parts of the case entered field by field; the other list-valued parts are JSON."""

LEGENDS = {
    "patient": "Patient",
    "tumour": "Primary tumour",
    "mri": "Baseline MRI",
    "distant": "Distant staging",
    "neoadjuvant": "Neoadjuvant therapy",
    "neoadjuvant.radiotherapy": "Radiotherapy",
    "neoadjuvant.immunotherapy": "Immunotherapy",
    "restaging": "Restaging",
    "pathology": "Pathology",
    "pathology.regression": "Tumour regression grade",
}

LABELS = {
    "case_id": "Case id",
    "diagnosis_date": "Diagnosis date",
    "pseudonym": "Patient pseudonym",
    "birth_year": "Birth year",
    "ecog": "ECOG performance status",
    "cea_ng_ml": "CEA (ng/mL)",
    "mmr_status": "MMR status",
    "ct": "cT category",
    "cn": "cN category",
    "cm": "cM category",
    "emvi": "EMVI",
    "mrf_distance_mm": "Distance to mesorectal fascia (mm)",
    "mrtrg": "mrTRG",
    "dre": "DRE",
    "mri_t2": "MRI T2 finding",
    "mri_dwi": "MRI DWI finding",
    "yct": "ycT category",
    "ycn": "ycN category",
    "yc_mrf_distance_mm": "ycMRF distance (mm)",
    "t": "T category",
    "n": "N category",
    "prefix": "Prefix (p, or yp after neoadjuvant therapy)",
    "crm_distance_mm": "CRM distance (mm)",
    "tme_grade": "TME grade",
    "lvi": "Lymphovascular invasion (LVI)",
    "pni": "Perineural invasion (PNI)",
    "biopsy_lvi": "LVI on biopsy",
    "biopsy_pni": "PNI on biopsy",
    "total_dose_gy": "Total dose (Gy)",
    "restaging.date": "Restaging date",
    "mri.date": "MRI date",
    "distant.date": "Staging CT date",
    "distant.sites": "Metastatic sites",
}

UNITS = {"cm": "cm", "mm": "mm", "pct": "%", "gy": "Gy", "ml": "mL", "deg": "°", "min": "min",
         "years": "years"}  # fmt: skip

CASE_ID_HINT = "Letters, digits and . _ : - (at most 64 characters)"
PSEUDONYM_HINT = "The registry's pseudonym, never a name; left blank, the case id"

OPTIONS = {"pathology.prefix": (Prefix.p.value, Prefix.yp.value)}
"""Where the model's validator narrows its enum (pathology takes only p or yp)."""

JSON_HINTS = {
    "mri.mesorectal_nodes": '[{"short_axis_mm": 6.0, "round": true}]',
    "mri.lateral_nodes": '[{"station": "obturator", "short_axis_mm": 8.0}]',
    "neoadjuvant.chemotherapy": '[{"regimen": "CAPOX", "cycles": 4, "timing": "consolidation"}]',
    "operations": '[{"type": "lar", "date": "2025-06-01", "approach": "robotic"}]',
    "complications": '[{"description": "anastomotic leak", "clavien_dindo": "IIIb"}]',
    "recurrence": '{"compartments": ["posterior"], "highest_sacral_level": "S3"}',
    "stenosis": '{"length_mm": 10, "morphology": "membranous"}',
}


@dataclass(frozen=True)
class FormField:
    """One input: ``kind`` is int, float, date, text, enum, tristate, bool, choices or json."""

    name: str
    label: str
    kind: str
    required: bool = False
    options: tuple[str, ...] = ()
    default: str = ""
    hint: str | None = None
    minimum: float | None = None
    maximum: float | None = None

    @property
    def is_number(self) -> bool:
        return self.kind in ("int", "float")

    @property
    def pairs(self) -> tuple[tuple[str, str], ...]:
        """The options as (value, text shown) for a select."""
        return tuple((option, option.replace("_", " ")) for option in self.options)


@dataclass(frozen=True)
class Section:
    """A fieldset: a part of the case (``name`` its dotted path, "" for the case itself)."""

    name: str
    legend: str
    fields: tuple[FormField, ...]
    sections: tuple[Section, ...] = ()
    optional: bool = True

    def all_fields(self) -> list[FormField]:
        return [*self.fields, *(f for s in self.sections for f in s.all_fields())]

    def all_sections(self) -> list[Section]:
        return [self, *(x for s in self.sections for x in s.all_sections())]


@dataclass
class Converted:
    """What the form gave: the case and registry patient if valid, else the problems."""

    case: Case | None = None
    patient: PatientRef | None = None
    errors: dict[str, str] = field(default_factory=dict)
    unparsed: set[str] = field(default_factory=set)
    """Number fields holding text that is not a number (shown as text inputs again)."""


# --- the form, derived from the model --------------------------------------------------------


def _unwrap(annotation: Any) -> tuple[Any, bool, list[Any]]:
    """The annotation without ``| None`` and ``Annotated``, whether None is allowed, and the
    constraints found on the way."""
    optional, metadata = False, []
    if get_origin(annotation) in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        optional = len(args) < len(get_args(annotation))
        annotation = args[0] if len(args) == 1 else annotation
    if get_origin(annotation) is Annotated:
        annotation, *extra = get_args(annotation)
        for item in extra:
            metadata += item.metadata if isinstance(item, FieldInfo) else [item]
    return annotation, optional, metadata


def _bounds(metadata: list[Any]) -> tuple[float | None, float | None]:
    low = high = None
    for item in metadata:
        if isinstance(item, annotated_types.Ge | annotated_types.Gt):
            low = float(getattr(item, "ge", getattr(item, "gt", 0)))
        if isinstance(item, annotated_types.Le | annotated_types.Lt):
            high = float(getattr(item, "le", getattr(item, "lt", 0)))
    return low, high


def _label(name: str) -> str:
    short = name.rsplit(".", 1)[-1]
    if name in LABELS or short in LABELS:
        return LABELS.get(name) or LABELS[short]
    words = short.split("_")
    unit = UNITS.get(words[-1]) if len(words) > 1 else None
    if unit:
        words = words[:-1]
    if words[-1] == "ng":
        words = words[:-1]
    text = " ".join(words).capitalize()
    return f"{text} ({unit})" if unit else text


def _default_text(info: FieldInfo) -> str:
    default = info.default
    if isinstance(default, bool):
        return "true" if default else ""
    if isinstance(default, StrEnum):
        return default.value
    return ""


def _field(name: str, info: FieldInfo) -> FormField | Section | None:
    """The input for one model field, a nested section for a nested model, or None."""
    kind_of, optional, metadata = _unwrap(info.annotation)
    low, high = _bounds([*info.metadata, *metadata])
    common = {"label": _label(name), "hint": info.description, "default": _default_text(info)}
    common["required"] = info.is_required()
    if isinstance(kind_of, type) and issubclass(kind_of, BaseModel):
        return _section(kind_of, name, optional)
    if get_origin(kind_of) is tuple:
        item = get_args(kind_of)[0]
        if isinstance(item, type) and issubclass(item, StrEnum):
            return FormField(name, kind="choices", options=tuple(e.value for e in item), **common)
        common |= {"label": f"{common['label']} (JSON)", "hint": JSON_HINTS.get(name)}
        return FormField(name, kind="json", **common)
    if kind_of is bool:
        return FormField(name, kind="tristate" if optional else "bool", **common)
    if isinstance(kind_of, type) and issubclass(kind_of, StrEnum):
        options = OPTIONS.get(name, tuple(e.value for e in kind_of))
        return FormField(name, kind="enum", options=options, **common)
    kinds = {int: "int", float: "float", dt.date: "date", str: "text"}
    return FormField(name, kind=kinds[kind_of], minimum=low, maximum=high, **common)


def _section(model: type[BaseModel], path: str, optional: bool) -> Section:
    fields, sections = [], []
    for short, info in model.model_fields.items():
        built = _field(f"{path}.{short}", info)
        if isinstance(built, Section):
            sections.append(built)
        elif built is not None:
            fields.append(built)
    return Section(path, LEGENDS[path], tuple(fields), tuple(sections), optional)


def _json_part(name: str, legend: str) -> FormField:
    return FormField(name, f"{legend} (JSON)", "json", hint=JSON_HINTS[name])


def _build_form() -> tuple[Section, list[Section], Section]:
    """The identity section, the flat parts of the case, and the JSON parts."""
    models = Case.model_fields
    identity = Section(
        "",
        "Case and patient identity",
        (
            FormField("case_id", LABELS["case_id"], "text", True, hint=CASE_ID_HINT),
            FormField("diagnosis_date", LABELS["diagnosis_date"], "date"),
            FormField("pseudonym", LABELS["pseudonym"], "text", hint=PSEUDONYM_HINT),
            FormField("birth_year", LABELS["birth_year"], "int", minimum=1880, maximum=2200),
        ),
        optional=False,
    )
    parts = []
    for name in FLAT_PARTS:
        _, optional, _ = _unwrap(models[name].annotation)
        parts.append(_section(_unwrap(models[name].annotation)[0], name, optional))
    other = Section(
        "other",
        "Other data (JSON)",
        (
            _json_part("operations", "Operations"),
            _json_part("complications", "Complications"),
            _json_part("recurrence", "Local recurrence"),
            _json_part("stenosis", "Anastomotic stenosis"),
        ),
    )
    return identity, parts, other


def _qualify_duplicates(sections: list[Section]) -> list[Section]:
    """Give labels that repeat across sections their section's name ("Grade (pathology)"),
    so every input's accessible name is unique on the page."""
    owner = {f.name: s for top in sections for s in top.all_sections() for f in s.fields}
    counts: dict[str, int] = {}
    for name in owner:
        counts[_label_of(owner, name)] = counts.get(_label_of(owner, name), 0) + 1

    def rename(section: Section) -> Section:
        fields = tuple(
            FormField(**{**f.__dict__, "label": f"{f.label} ({section.legend})"})
            if counts[f.label] > 1
            else f
            for f in section.fields
        )
        return Section(
            section.name,
            section.legend,
            fields,
            tuple(rename(s) for s in section.sections),
            section.optional,
        )

    return [rename(s) for s in sections]


def _label_of(owner: dict[str, Section], name: str) -> str:
    return next(f.label for f in owner[name].fields if f.name == name)


_identity_section, _parts, _other = _build_form()
SECTIONS: tuple[Section, ...] = tuple(_qualify_duplicates([_identity_section, *_parts, _other]))
IDENTITY, *PARTS, OTHER = SECTIONS
FIELDS: dict[str, FormField] = {f.name: f for s in SECTIONS for f in s.all_fields()}
ANCHORS = frozenset(FIELDS) | {s.name for top in SECTIONS for s in top.all_sections() if s.name}
"""Every name an error can sit beside: an input, or a fieldset for a rule about a section."""


# --- case -> form ---------------------------------------------------------------------------


def _text(form_field: FormField, value: Any) -> Any:
    if value is None:
        return None
    if form_field.kind == "json":
        return json.dumps(value, indent=2, ensure_ascii=False) if value else None
    if form_field.kind == "choices":
        return list(value)
    if isinstance(value, bool):
        return "true" if value else ("false" if form_field.kind == "tristate" else None)
    return str(value)


def _lookup(data: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        if not isinstance(data, dict):
            return None
        data = data.get(part)
    return data


def to_values(case: Case, patient: PatientRef | None = None) -> Values:
    """The form filled in from ``case`` (and the registry's patient, if given)."""
    data = case.model_dump(mode="json")
    if patient is not None:
        data |= patient.model_dump(mode="json")
    values: Values = {}
    for name, form_field in FIELDS.items():
        text = _text(form_field, _lookup(data, name))
        if text is not None:
            values[name] = text
    return values


def values_of(form: Any) -> Values:
    """The submitted form as `Values` (``form`` is Starlette's FormData or a dict)."""
    values: Values = {}
    for name, form_field in FIELDS.items():
        if form_field.kind == "choices":
            values[name] = list(form.getlist(name)) if hasattr(form, "getlist") else form.get(name)
        elif isinstance(form.get(name), str):
            values[name] = form.get(name)
    for extra in ("expected_version",):
        if isinstance(form.get(extra), str):
            values[extra] = form.get(extra)
    return values


# --- form -> case ---------------------------------------------------------------------------


_INVALID = object()

REWORDED = {"Field required": "Required: fill this in"}


def _blank(raw: Any) -> bool:
    return raw is None or raw == [] or (isinstance(raw, str) and not raw.strip())


def _number(form_field: FormField, text: str) -> int | float | str:
    """The number typed, or the message that says what to type instead."""
    text = text.strip()
    try:
        number = float(text)
    except ValueError:
        if "," in text and _is_float(text.replace(",", ".")):
            return f'Use a decimal point, not a comma: "{text.replace(",", ".")}"'
        example = "25" if form_field.kind == "int" else "12.5"
        return f'"{text}" is not a number; enter digits such as {example}'
    if not math.isfinite(number):
        return "Enter a finite number"
    if form_field.kind == "int":
        if not number.is_integer():
            return f'Enter a whole number ("{text}" has a fraction)'
        return int(number)
    return number


def _is_float(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _parse(form_field: FormField, raw: Any, found: Converted) -> Any:
    """The value for the model, or `_INVALID` after noting the problem in ``found``."""
    if form_field.is_number:
        number = _number(form_field, raw)
        if isinstance(number, str):
            found.errors[form_field.name] = number
            found.unparsed.add(form_field.name)
            return _INVALID
        return number
    if form_field.kind == "json":
        try:
            return json.loads(raw)
        except json.JSONDecodeError as exc:
            found.errors[form_field.name] = (
                f"JSON syntax error at line {exc.lineno}, column {exc.colno}: {exc.msg}"
            )
            return _INVALID
    if form_field.kind == "bool":
        return raw == "true" or raw == "on"
    if form_field.kind == "choices":
        return list(raw)
    return raw.strip()


def _section_data(section: Section, values: Values, found: Converted) -> dict[str, Any] | None:
    """The section's part of the case; None if it is optional and nothing was entered."""
    data: dict[str, Any] = {}
    entered = False
    for form_field in section.fields:
        raw = values.get(form_field.name)
        if _blank(raw):
            continue
        entered = entered or raw != form_field.default
        value = _parse(form_field, raw, found)
        if value is not _INVALID:
            data[form_field.name.rsplit(".", 1)[-1]] = value
    for sub in section.sections:
        sub_data = _section_data(sub, values, found)
        if sub_data is not None:
            entered = True
            data[sub.name.rsplit(".", 1)[-1]] = sub_data
    if section.optional and not entered:
        return None
    return data


def _anchor(name: str, message: str) -> tuple[str, str]:
    """The input or fieldset an error at ``name`` is shown beside (an error inside a JSON
    textarea names its place within it: ``operations[0].date: ...``)."""
    if name in ANCHORS:
        return name, message
    path = name
    while path:
        cut = max(path.rfind("."), path.rfind("["))
        path = path[:cut] if cut > 0 else ""
        if path in ANCHORS:
            return path, f"{name}: {message}"
    return FORM, f"{name}: {message}"


def place_errors(
    messages: Mapping[str, str], errors: dict[str, str], keep: frozenset[str] = frozenset()
) -> None:
    """Add ``messages`` (keyed by model path) to ``errors`` beside the form's inputs. Several
    messages for one place are joined, except where the converter already said what was
    wrong (``keep``): the model's "Field required" for a number it never got adds nothing."""
    for name, message in messages.items():
        anchor, text = _anchor(name, REWORDED.get(message, message))
        if anchor in keep:
            continue
        if anchor in errors and text not in errors[anchor]:
            errors[anchor] = f"{errors[anchor]}; {text}"
        else:
            errors.setdefault(anchor, text)


def _identity(values: Values) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for name in ("case_id", "diagnosis_date"):
        raw = values.get(name)
        if not _blank(raw):
            data[name] = raw.strip()
    return data


def _patient_ref(values: Values, case_id: str, found: Converted) -> PatientRef | None:
    """The registry's patient: the pseudonym typed (default: the case id) and birth year."""
    pseudonym, year = values.get("pseudonym"), values.get("birth_year")
    if _blank(pseudonym) and _blank(year):
        return None
    data: dict[str, Any] = {"pseudonym": case_id if _blank(pseudonym) else pseudonym.strip()}
    if not _blank(year):
        parsed = _parse(FIELDS["birth_year"], year, found)
        if parsed is _INVALID:
            return None
        data["birth_year"] = parsed
    try:
        return PatientRef.model_validate(data)
    except ValidationError as exc:
        place_errors(messages_by_field(exc), found.errors)
        return None


def from_values(values: Values, *, with_patient: bool = True) -> Converted:
    """The case the form describes, or every problem keyed by the input it belongs to."""
    found = Converted()
    data = _identity(values)
    for section in PARTS:
        part = _section_data(section, values, found)
        if part is not None:
            data[section.name] = part
    for form_field in OTHER.fields:
        raw = values.get(form_field.name)
        if not _blank(raw):
            value = _parse(form_field, raw, found)
            if value is not _INVALID:
                data[form_field.name] = value
    try:
        case = Case.model_validate(data)
    except ValidationError as exc:
        place_errors(messages_by_field(exc), found.errors, frozenset(found.errors))
        case = None
    if with_patient:
        found.patient = _patient_ref(values, str(data.get("case_id", "")), found)
    found.case = None if found.errors else case
    return found


def differences(stored: Values, typed: Values) -> list[tuple[FormField, str, str]]:
    """The inputs whose stored value differs from the form's: (field, stored, typed)."""
    found = []
    for name, form_field in FIELDS.items():
        if name in REGISTRY_FIELDS:
            continue
        old, new = stored.get(name), typed.get(name)
        if (old or None) != (new or None):
            found.append((form_field, _shown(old), _shown(new)))
    return found


def _shown(value: Any) -> str:
    if value is None or value == [] or value == "":
        return "(blank)"
    return ", ".join(value) if isinstance(value, list) else str(value)
