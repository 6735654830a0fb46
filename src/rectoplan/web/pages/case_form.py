"""The case as HTML forms and back: one form per part, derived from the case model itself.

Every form is built from `rectoplan.clinical.case.Case`, so a part or field added to the model
(the follow-up events, the stenosis procedures) gets its inputs with nothing written here:
dates become date inputs, enums selects of their clinical labels (Clavien–Dindo with each
grade's definition), an optional yes/no a yes/no/not-recorded select, a tuple of enum values a
group of checkboxes, a nested model a fieldset, and a **tuple of models a list of items**, each
with its own editor (``operations[2]``) and an inline "add one" fieldset.

Inputs are named by their path in the case (``mri.mrf_distance_mm``, ``operations[1].date``),
so a validator's error lands beside its input. Measurements are typed as text with a decimal
keyboard hint and read here (`read_number`): a decimal comma is a decimal point ("1,5" is 1.5),
anything else that is not a plain number is refused with a message naming the field; a number
is never dropped or rescaled by the browser. Messages are written in clinical words by
`rectoplan.reports.labels`.

Three kinds of form, one set of functions:

* the **referral** (`REFERRAL`): the dozen fields needed to stage and recommend;
* the **baseline** edit (`BASELINE`): identity, patient, tumour, MRI and distant staging in full;
* a **part** editor (`Target`): one part of the case or one item of a list part.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import types
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Annotated, Any, Union, get_args, get_origin

import annotated_types
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from rectoplan.clinical.case import Case, Operation, StenosisProcedure
from rectoplan.clinical.identifiers import new_case_id, new_pseudonym
from rectoplan.clinical.plausibility import age_contradiction
from rectoplan.clinical.tnm import Prefix
from rectoplan.errors import NotFoundError
from rectoplan.reports import labels
from rectoplan.web.pages.render import messages_by_field
from rectoplan.web.schemas import PatientRef

Values = dict[str, Any]
"""The form as submitted: input name -> typed text (a list of texts for checkbox groups)."""

FORM = "form"
"""The key of a problem that belongs to no single input (shown in the summary)."""

REGISTRY_FIELDS = ("pseudonym", "birth_year")
"""The registry's patient, beside the case: not part of the case model."""

BASELINE_PARTS = ("patient", "tumour", "mri", "distant")
"""The parts the baseline edit holds in full; the others have their own editors."""

REFERRAL_FIELDS = (
    "patient.age_years",
    "patient.sex",
    "patient.ecog",
    "tumour.distance_from_anal_verge_cm",
    "tumour.height_modality",
    "tumour.longest_diameter_cm",
    "tumour.mmr_status",
    "mri.date",
    "mri.ct",
    "mri.cn",
    "mri.mrf_distance_mm",
    "mri.emvi",
    "distant.cm",
)
"""What staging and the first recommendation need (with the identity: case id, pseudonym,
birth year, diagnosis date); everything else is added later in its own section."""

OPTIONS = {"pathology.prefix": (Prefix.p.value, Prefix.yp.value)}
"""Where the model's validator narrows its enum (pathology takes only p or yp)."""

CASE_ID_HINT = "Generated; letters, digits and . _ : - (at most 64 characters)"
PSEUDONYM_HINT = "Generated; the registry's pseudonym, never a name"

_INDEX = re.compile(r"\[\d+\]")


@dataclass(frozen=True)
class FormField:
    """One input: ``kind`` is int, float, date, text, enum, tristate, bool, choices or items
    (a list of nested models, edited item by item)."""

    name: str
    label: str
    kind: str
    required: bool = False
    options: tuple[tuple[str, str], ...] = ()
    default: str = ""
    hint: str | None = None
    minimum: float | None = None
    maximum: float | None = None
    item_model: Any = None

    @property
    def is_number(self) -> bool:
        return self.kind in ("int", "float")

    @property
    def pairs(self) -> tuple[tuple[str, str], ...]:
        """The options as (value, text shown) for a select."""
        return self.options

    @property
    def item_name(self) -> str:
        """One item of a list field in words ("Operation")."""
        short = self.name.rsplit(".", 1)[-1]
        return labels.ITEM_NAMES.get(short, labels.field_label(short))


@dataclass(frozen=True)
class Section:
    """A fieldset: a part of the case (``name`` its path, "" for the identity). ``adds_to``
    names the list field an inline "add one item" fieldset appends to."""

    name: str
    legend: str
    fields: tuple[FormField, ...]
    sections: tuple[Section, ...] = ()
    optional: bool = True
    adds_to: str | None = None

    def all_fields(self) -> list[FormField]:
        return [*self.fields, *(f for s in self.sections for f in s.all_fields())]

    def all_sections(self) -> list[Section]:
        return [self, *(x for s in self.sections for x in s.all_sections())]


@dataclass
class Converted:
    """What a form gave: the case and registry patient if valid, else the problems."""

    case: Case | None = None
    patient: PatientRef | None = None
    errors: dict[str, str] = field(default_factory=dict)
    unparsed: set[str] = field(default_factory=set)
    """Number inputs holding text that is not a number (kept exactly as typed)."""


# --- forms derived from the model -----------------------------------------------------------


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


def _is_model(kind: Any) -> bool:
    return isinstance(kind, type) and issubclass(kind, BaseModel)


def _default_text(info: FieldInfo) -> str:
    default = info.default
    if isinstance(default, bool):
        return "true" if default else ""
    if isinstance(default, StrEnum):
        return default.value
    return ""


def _enum_pairs(name: str, enum: type[StrEnum]) -> tuple[tuple[str, str], ...]:
    values = OPTIONS.get(_INDEX.sub("", name), tuple(e.value for e in enum))
    if name.endswith("clavien_dindo"):
        return tuple((v, labels.clavien_dindo(v, with_definition=True)) for v in values)
    return tuple((v, labels.label(v)) for v in values)


def _field(name: str, info: FieldInfo) -> FormField | Section | None:
    """The input for one model field, a nested section for a nested model, or None."""
    kind_of, optional, metadata = _unwrap(info.annotation)
    low, high = _bounds([*info.metadata, *metadata])
    common: dict[str, Any] = {
        "label": labels.field_label(_INDEX.sub("", name), unit=True),
        "hint": info.description,
        "default": _default_text(info),
        "required": info.is_required(),
    }
    if _is_model(kind_of):
        return model_section(kind_of, name, optional=optional)
    if kind_of is dict or get_origin(kind_of) is dict:
        return None  # ``details``: what a source recorded beyond the model, kept but not edited
    if get_origin(kind_of) is tuple:
        item = get_args(kind_of)[0]
        if isinstance(item, type) and issubclass(item, StrEnum):
            return FormField(name, kind="choices", options=_enum_pairs(name, item), **common)
        if _is_model(item):
            return FormField(name, kind="items", item_model=item, **common)
        return None
    if kind_of is bool:
        return FormField(name, kind="tristate" if optional else "bool", **common)
    if isinstance(kind_of, type) and issubclass(kind_of, StrEnum):
        return FormField(name, kind="enum", options=_enum_pairs(name, kind_of), **common)
    kinds = {int: "int", float: "float", dt.date: "date", str: "text"}
    return FormField(name, kind=kinds[kind_of], minimum=low, maximum=high, **common)


def model_section(
    model: type[BaseModel], path: str, *, optional: bool = True, legend: str | None = None
) -> Section:
    """The fieldset of ``model`` placed at ``path`` in the case (``operations[2]``)."""
    fields, sections = [], []
    for short, info in model.model_fields.items():
        if short == "schema_version":
            continue
        built = _field(f"{path}.{short}" if path else short, info)
        if isinstance(built, Section):
            sections.append(built)
        elif built is not None:
            fields.append(built)
    shown = legend or labels.field_label(_INDEX.sub("", path))
    return Section(path, shown, tuple(fields), tuple(sections), optional)


def _identity(*, registry: bool, case_id_required: bool = True) -> Section:
    fields = [
        FormField("case_id", "Case id", "text", case_id_required, hint=CASE_ID_HINT),
        FormField("diagnosis_date", "Diagnosis date", "date"),
    ]
    if registry:
        fields += [
            FormField("pseudonym", "Patient pseudonym", "text", hint=PSEUDONYM_HINT),
            FormField("birth_year", "Birth year", "int", minimum=1880, maximum=2200),
        ]
    return Section("", "Case and patient", tuple(fields), optional=False)


def _part(name: str) -> Section:
    kind, optional, _ = _unwrap(Case.model_fields[name].annotation)
    return model_section(kind, name, optional=optional)


def _only(section: Section, names: Iterable[str]) -> Section:
    keep = set(names)
    return replace(
        section,
        fields=tuple(f for f in section.fields if f.name in keep),
        sections=tuple(_only(s, keep) for s in section.sections if s.name in keep),
    )


BASELINE: tuple[Section, ...] = (
    _identity(registry=False),
    *(_part(name) for name in BASELINE_PARTS),
)
REFERRAL: tuple[Section, ...] = (
    _identity(registry=True),
    *(_only(_part(name), REFERRAL_FIELDS) for name in BASELINE_PARTS),
)
FIELDS: dict[str, FormField] = {f.name: f for s in (*REFERRAL, *BASELINE) for f in s.all_fields()}
"""Every input of the referral and baseline forms by name (the browser tests fill by name)."""


def anchors(sections: Iterable[Section]) -> frozenset[str]:
    """Every name an error can sit beside: an input, or a fieldset for a rule about a part."""
    found: set[str] = set()
    for top in sections:
        for s in top.all_sections():
            found |= {f.name for f in s.fields}
            if s.name:
                found.add(s.name)
    return frozenset(found)


def new_identity() -> Values:
    """A generated case id and pseudonym for the referral (both editable)."""
    return {"case_id": new_case_id(), "pseudonym": new_pseudonym()}


# --- targets: one part of the case, or one item of a list ------------------------------------


@dataclass(frozen=True)
class Target:
    """What a part editor edits. ``key`` is its URL form (``operations.2``, ``operations.new``,
    ``neoadjuvant.chemotherapy.0``), ``path`` its place in the case (``operations[2]``)."""

    key: str
    path: str
    model: type[BaseModel]
    exists: bool
    removable: bool
    heading: str

    def section(self) -> Section:
        return model_section(self.model, self.path, optional=False, legend=self.heading)


def _at(data: Any, path: str) -> Any:
    """The value at ``path`` (``operations[1].date``) in the case's JSON, or None."""
    for part in re.split(r"\.|(?=\[)", path):
        if not part:
            continue
        if part.startswith("["):
            index = int(part[1:-1])
            data = data[index] if isinstance(data, list) and index < len(data) else None
        else:
            data = data.get(part) if isinstance(data, dict) else None
    return data


def resolve(key: str, case_data: dict[str, Any]) -> Target:
    """The target ``key`` names in the case (`NotFoundError` for a key that names no part)."""
    model: type[BaseModel] = Case
    path, data, removable, heading = "", case_data, False, ""
    segments = key.split(".")
    i = 0
    while i < len(segments):
        name = segments[i]
        info = model.model_fields.get(name) if name not in ("", "schema_version") else None
        if info is None or name in ("case_id", "diagnosis_date"):
            raise NotFoundError("part of the case", key)
        kind, optional, _ = _unwrap(info.annotation)
        path = f"{path}.{name}" if path else name
        if _is_model(kind):
            model, data, removable = kind, (data or {}).get(name), optional
            heading = labels.field_label(_INDEX.sub("", path))
            i += 1
            continue
        item = get_args(kind)[0] if get_origin(kind) is tuple else None
        if not _is_model(item) or i + 1 >= len(segments):
            raise NotFoundError("part of the case", key)
        items = (data or {}).get(name) or []
        index_text = segments[i + 1]
        if index_text == "new":
            index, data = len(items), None
        elif index_text.isdigit() and int(index_text) < len(items):
            index, data = int(index_text), items[int(index_text)]
        else:
            raise NotFoundError("part of the case", key)
        model, removable = item, True
        word = labels.ITEM_NAMES.get(name, labels.field_label(name))
        heading = f"New {word.lower()}" if index_text == "new" else f"{word} {index + 1}"
        path = f"{path}[{index}]"
        i += 2
    if model is Case:
        raise NotFoundError("part of the case", key)
    return Target(key, path, model, data is not None, removable, heading)


def record_keys(data: dict[str, Any], model: type[BaseModel] = Case, prefix: str = "") -> list[str]:
    """The key of every part and list item stored in ``data`` (the case's JSON), outermost
    first: ``mri``, ``neoadjuvant``, ``neoadjuvant.chemotherapy.0``, ``operations.1`` ..."""
    keys = []
    for name, info in model.model_fields.items():
        kind, _optional, _ = _unwrap(info.annotation)
        value = (data or {}).get(name)
        key = f"{prefix}.{name}" if prefix else name
        if _is_model(kind) and value:
            keys += [key, *record_keys(value, kind, key)]
        elif get_origin(kind) is tuple and _is_model(get_args(kind)[0]) and value:
            for index, item in enumerate(value):
                keys += [f"{key}.{index}", *record_keys(item, get_args(kind)[0], f"{key}.{index}")]
    return keys


def target_key(path: str) -> str:
    """``operations[2]`` -> ``operations.2`` (the URL form of a path)."""
    return re.sub(r"\[(\d+)\]", r".\1", path)


def put(case_data: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A copy of ``case_data`` with ``value`` at ``path`` (None removes a list item or part;
    an index one past the end appends)."""
    import copy

    root = copy.deepcopy(case_data)
    parts = [p for p in re.split(r"\.|(?=\[)", path) if p]
    holder: Any = root
    for part in parts[:-1]:
        holder = holder[int(part[1:-1])] if part.startswith("[") else holder.setdefault(part, {})
    last = parts[-1]
    if last.startswith("["):
        index = int(last[1:-1])
        if value is None:
            del holder[index]
        elif index == len(holder):
            holder.append(value)
        else:
            holder[index] = value
    else:
        holder[last] = value
    return root


def editor_sections(target: Target, case_data: dict[str, Any]) -> tuple[Section, ...]:
    """The target's form: its fields, and for each list inside it an inline "add one" part."""
    return (_with_links(_with_adders(target.section(), case_data), case_data),)


_LINKS: dict[str, tuple[str, type[BaseModel]]] = {
    "operation": ("operations", Operation),
    "procedure": ("stenosis.procedures", StenosisProcedure),
}
"""A complication's link to what it followed: picked from the case's own list, by its words."""


def _with_links(section: Section, case_data: dict[str, Any]) -> Section:
    """A complication's ``operation`` / ``procedure`` as a list of the case's operations or
    stenosis procedures in words, not a number to type."""
    fields = []
    for ff in section.fields:
        short = ff.name.rsplit(".", 1)[-1]
        if ff.name.startswith("complications[") and short in _LINKS:
            where, model = _LINKS[short]
            items = _at(case_data, where) or []
            options = tuple(
                (str(i), f"{i + 1}: {item_summary(model, item, limit=3)}")
                for i, item in enumerate(items)
            )
            ff = replace(ff, kind="enum", options=options, hint=None)
        fields.append(ff)
    subs = tuple(_with_links(sub, case_data) for sub in section.sections)
    return replace(section, fields=tuple(fields), sections=subs)


def _with_adders(section: Section, case_data: dict[str, Any]) -> Section:
    adders = []
    for ff in section.fields:
        if ff.kind == "items":
            count = len(_at(case_data, ff.name) or [])
            adder = model_section(
                ff.item_model, f"{ff.name}[{count}]", legend=f"Add a {ff.item_name.lower()}"
            )
            adders.append(replace(adder, adds_to=ff.name))
    subs = tuple(_with_adders(s, case_data) for s in section.sections)
    return replace(section, sections=(*subs, *adders))


def item_summary(model: type[BaseModel], data: Mapping[str, Any], limit: int = 4) -> str:
    """One line for an item of a list ("Low anterior resection (TME), 2025-06-01, robotic")."""
    shown = []
    for name in model.model_fields:
        value = data.get(name)
        if value in (None, "", [], (), False):
            continue
        kind = _unwrap(model.model_fields[name].annotation)[0]
        if isinstance(value, dict) and _is_model(kind):  # radiotherapy within neoadjuvant
            inner = item_summary(kind, value, limit=2)
            shown.append(f"{labels.field_label(name).lower()} ({inner})")
            continue
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            shown.append(f"{labels.field_label(name).lower()}: {len(value)}")
            continue
        if isinstance(value, dict) or (
            isinstance(value, list) and not all(isinstance(v, str) for v in value)
        ):
            continue
        if isinstance(value, list):
            shown.append(f"{labels.field_label(name).lower()}: {labels.listed(value)}")
            continue
        if name == "clavien_dindo":
            shown.append(labels.clavien_dindo(value))
        elif isinstance(value, bool):
            shown.append(labels.field_label(name).lower())
        elif isinstance(value, int | float):
            unit = labels.field_unit(name)
            shown.append(
                f"{labels.field_label(name).lower()} {value:g}{f' {unit}' if unit else ''}"
            )
        else:
            shown.append(labels.label(value))
        if len(shown) >= limit:
            break
    return ", ".join(shown) or "(nothing recorded)"


# --- case -> form ---------------------------------------------------------------------------


def _text(form_field: FormField, value: Any) -> Any:
    if value is None:
        return None
    if form_field.kind == "choices":
        return list(value)
    if form_field.kind == "items":
        return None
    if isinstance(value, bool):
        return "true" if value else ("false" if form_field.kind == "tristate" else None)
    if isinstance(value, float):
        return f"{value:g}" if abs(value) < 1e15 else str(value)
    return str(value)


def to_values(
    case: Case | dict[str, Any],
    patient: PatientRef | None = None,
    sections: Iterable[Section] = BASELINE,
) -> Values:
    """The form's inputs filled in from ``case`` (and the registry's patient, if given)."""
    data = case.model_dump(mode="json") if isinstance(case, Case) else dict(case)
    if patient is not None:
        data |= patient.model_dump(mode="json")
    values: Values = {}
    for section in sections:
        for form_field in section.all_fields():
            text = _text(form_field, _at(data, form_field.name))
            if text is not None:
                values[form_field.name] = text
    return values


def values_of(form: Any, sections: Iterable[Section]) -> Values:
    """The submitted form as `Values` (``form`` is Starlette's FormData or a dict)."""
    values: Values = {}
    for section in sections:
        for name, form_field in ((f.name, f) for f in section.all_fields()):
            if form_field.kind == "choices":
                getter = getattr(form, "getlist", None)
                values[name] = list(getter(name)) if getter else form.get(name) or []
            elif isinstance(form.get(name), str):
                values[name] = form.get(name)
    for extra in ("expected_version",):
        if isinstance(form.get(extra), str):
            values[extra] = form.get(extra)
    return values


# --- form -> case ---------------------------------------------------------------------------

_INVALID = object()


def _blank(raw: Any) -> bool:
    return raw is None or raw == [] or (isinstance(raw, str) and not raw.strip())


_PLAIN_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)$")


def read_number(text: str, *, whole: bool = False) -> int | float | str:
    """The number typed, or the message saying what to type instead.

    A decimal comma is a decimal point ("1,5" is 1.5); thousands separators, exponents,
    units or two separators are refused rather than guessed, so "1,5" can never become 15."""
    text = text.strip().replace("\u2212", "-")
    example = "25" if whole else "12.5"
    if not _PLAIN_NUMBER.match(text):
        return f'"{text}" is not a number; enter digits such as {example}'
    number = float(text.replace(",", "."))
    if not math.isfinite(number):
        return "enter a finite number"
    if whole:
        if not number.is_integer():
            return f'enter a whole number ("{text}" has a fraction)'
        return int(number)
    return number


def _parse(form_field: FormField, raw: Any, found: Converted) -> Any:
    """The value for the model, or `_INVALID` after noting the problem in ``found``."""
    if form_field.is_number:
        number = read_number(raw, whole=form_field.kind == "int")
        name = labels.field_label(form_field.name)
        if isinstance(number, str):
            found.errors[form_field.name] = f"{name}: {number}"
            found.unparsed.add(form_field.name)
            return _INVALID
        return number
    if form_field.kind == "bool":
        return raw in ("true", "on")
    if form_field.kind == "tristate":
        return {"true": True, "false": False}.get(raw, raw)
    if form_field.kind == "choices":
        return list(raw)
    return raw.strip()


def _section_data(
    section: Section, values: Values, found: Converted, stored: Mapping[str, Any] | None
) -> dict[str, Any] | None:
    """The section's part of the case; None if it is optional and nothing was entered. Lists
    of items are kept from ``stored`` (they have their own editors), plus any item added."""
    stored = stored or {}
    data: dict[str, Any] = {}
    entered = False
    for form_field in section.fields:
        key = form_field.name.rsplit(".", 1)[-1]
        if form_field.kind == "items":
            if stored.get(key):
                data[key] = list(stored[key])
            continue
        raw = values.get(form_field.name)
        if _blank(raw):
            continue
        entered = entered or raw != form_field.default
        value = _parse(form_field, raw, found)
        if value is not _INVALID:
            data[key] = value
    for sub in section.sections:
        if sub.adds_to is not None:
            key = sub.adds_to.rsplit(".", 1)[-1]
            added = _section_data(sub, values, found, None)
            if added is not None:
                data[key] = [*data.get(key, []), added]
            continue
        key = sub.name.rsplit(".", 1)[-1]
        sub_data = _section_data(sub, values, found, stored.get(key))
        if sub_data is not None:
            entered = True
            data[key] = sub_data
    if section.optional and not entered:
        return None
    return _kept(section, stored) | data


def _kept(section: Section, stored: Mapping[str, Any]) -> dict[str, Any]:
    """What the stored part holds that no input shows (an operation's ``details`` from an
    import): kept as it was, never dropped by a save of the form."""
    shown = {f.name.rsplit(".", 1)[-1] for f in section.fields}
    shown |= {(s.adds_to or s.name).rsplit(".", 1)[-1] for s in section.sections}
    return {k: v for k, v in stored.items() if k not in shown and v not in (None, {}, [])}


def _anchor(name: str, known: frozenset[str]) -> str:
    """The input or fieldset an error at ``name`` is shown beside: itself, the nearest part
    that holds it, or the form's summary."""
    path = name
    while path:
        if path in known:
            return path
        cut = max(path.rfind("."), path.rfind("["))
        path = path[:cut] if cut > 0 else ""
    return FORM


def place_errors(
    messages: Mapping[str, str],
    errors: dict[str, str],
    known: frozenset[str],
    keep: frozenset[str] = frozenset(),
) -> None:
    """Add ``messages`` (keyed by path in the case) to ``errors`` beside the form's inputs, in
    clinical words. Several messages for one place are joined, except where the converter
    already said what was wrong (``keep``)."""
    for name, message in messages.items():
        anchor = _anchor(name, known)
        if anchor in keep:
            continue
        text = labels.field_message(name, message)
        if anchor in errors and text not in errors[anchor]:
            errors[anchor] = f"{errors[anchor]}; {text}"
        else:
            errors.setdefault(anchor, text)


def _validate(data: dict[str, Any], found: Converted, known: frozenset[str]) -> None:
    try:
        case = Case.model_validate(data)
    except ValidationError as exc:
        place_errors(messages_by_field(exc), found.errors, known, frozenset(found.errors))
        case = None
    found.case = None if found.errors else case


def _identity_data(values: Values) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for name in ("case_id", "diagnosis_date"):
        raw = values.get(name)
        if not _blank(raw):
            data[name] = raw.strip()
    return data


def _patient_ref(values: Values, data: dict[str, Any], found: Converted) -> PatientRef | None:
    """The registry's patient: the pseudonym typed (default: the case id) and birth year,
    which must agree with the age at diagnosis."""
    pseudonym, year = values.get("pseudonym"), values.get("birth_year")
    if _blank(pseudonym) and _blank(year):
        return None
    ref: dict[str, Any] = {
        "pseudonym": str(data.get("case_id", "")) if _blank(pseudonym) else pseudonym.strip()
    }
    if not _blank(year):
        parsed = _parse(FIELDS["birth_year"], year, found)
        if parsed is _INVALID:
            return None
        ref["birth_year"] = parsed
        age = (data.get("patient") or {}).get("age_years")
        if isinstance(age, int):
            on = _date(data.get("diagnosis_date")) or dt.date.today()
            if problem := age_contradiction(age, parsed, on):
                found.errors.setdefault("birth_year", f"Birth year: {problem}")
    try:
        return PatientRef.model_validate(ref)
    except ValidationError as exc:
        place_errors(messages_by_field(exc), found.errors, frozenset(REGISTRY_FIELDS))
        return None


def _date(text: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(text))
    except ValueError:
        return None


def _parts_data(
    sections: Iterable[Section], values: Values, found: Converted, stored: dict[str, Any]
) -> dict[str, Any]:
    data = dict(stored)
    for section in sections:
        if not section.name:
            continue
        part = _section_data(section, values, found, stored.get(section.name))
        data[section.name] = part
        if part is None:
            data.pop(section.name)
    return data


def referral_from_values(values: Values) -> Converted:
    """The new case the referral describes, or every problem beside its input."""
    found = Converted()
    data = _identity_data(values) | _parts_data(REFERRAL[1:], values, found, {})
    found.patient = _patient_ref(values, data, found)
    _validate(data, found, anchors(REFERRAL))
    return found


def baseline_from_values(values: Values, stored: dict[str, Any]) -> Converted:
    """The stored case with its identity, patient, tumour, MRI and distant staging replaced
    by the baseline form (the case id is the stored one; everything else is kept)."""
    found = Converted()
    data = {k: v for k, v in stored.items() if k != "diagnosis_date"}
    data |= _identity_data(values) | {"case_id": stored["case_id"]}
    data = _parts_data(BASELINE[1:], values, found, data)
    _validate(data, found, anchors(BASELINE))
    return found


def part_from_values(
    target: Target, sections: tuple[Section, ...], values: Values, stored: dict[str, Any]
) -> Converted:
    """The stored case with the target part (or item) replaced by what its editor holds."""
    found = Converted()
    current = _at(stored, target.path) if target.exists else None
    part = _section_data(sections[0], values, found, current) or {}
    _validate(put(stored, target.path, part), found, anchors(sections))
    return found


def without(target: Target, stored: dict[str, Any]) -> Converted:
    """The stored case with the target part or item removed (a rule that needs it, such as
    restaging after neoadjuvant therapy, says why not)."""
    found = Converted()
    _validate(put(stored, target.path, None), found, frozenset())
    return found


def differences(
    stored: Values, typed: Values, sections: Iterable[Section]
) -> list[tuple[FormField, str, str]]:
    """The inputs whose stored value differs from the form's: (field, stored, typed)."""
    found = []
    for section in sections:
        for form_field in section.all_fields():
            name = form_field.name
            if name in REGISTRY_FIELDS or form_field.kind == "items":
                continue
            old, new = stored.get(name), typed.get(name)
            if (old or None) != (new or None):
                found.append((form_field, _shown(form_field, old), _shown(form_field, new)))
    return found


def _shown(form_field: FormField, value: Any) -> str:
    if value is None or value == [] or value == "":
        return "(blank)"
    if isinstance(value, list):
        return labels.listed(value)
    text = dict(form_field.options).get(value)
    return text or ({"true": "yes", "false": "no"}.get(value) or str(value))
