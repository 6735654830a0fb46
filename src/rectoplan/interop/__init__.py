"""Interoperability: how the case meets hospital systems (FHIR R4 / mCODE STU4 and CDS Hooks 2.0).

Each standard lives in small modules that can be read on their own; importing this package
imports none of them, so code that needs one pays for one.

CDS Hooks:

- `cds_schemas`: JSON Schemas for the CDS Hooks 2.0 bodies and one validator for all of them;
- `cds_hooks`: the discovery document, patient-view cards built from an Assessment, and
  feedback parsing with override reasons from the non-adherence CodeSystem.

FHIR R4 / mCODE STU4:

- `fhir_codes`: every code system, profile and code the mapping writes or reads, as data with
  the source it came from (uncertain codes are flagged);
- `fhir_export`: ``case_to_bundle(case)`` -> an mCODE collection ``Bundle``
  (``fhir.resources.R4B``);
- `fhir_import`: ``import_bundle(bundle_json, overrides)`` -> the `Case` and where each field
  came from (``bundle_to_case`` returns the case alone); anything that cannot become a case is a
  `rectoplan.errors.InvalidRecordError` whose `FieldError`s name the FHIR element, or the case
  field and the element that would supply it;
- `mcode_rules`: the mCODE rules ``fhir.resources`` does not enforce (profiles claimed, required
  elements, fixed codes and required bindings, references that resolve, real dates);
- `fhir_coverage`: which case fields the mapping carries, i.e. what a round trip keeps;
- `fhir_bundle`: a bundle's entries indexed by reference, with the element paths every message
  uses (``Bundle.entry[3].resource(Observation).valueCodeableConcept``).

``docs/fhir-mapping.md`` has the field-by-field table and the post-therapy (yp) staging decision.
"""
