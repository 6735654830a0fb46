"""How much input RectoPlan accepts at once: named limits every interface applies alike.

A probe sent ``POST /api/fhir/Bundle`` 17.8 MB holding 200,000 entries: the server spent 20 s
and 730 MB building FHIR objects before it refused the bundle. No clinical document comes near
that (a patient's mCODE bundle has tens to a few hundred entries, a case JSON a few kB), so
input far beyond what a clinic sends is refused before any heavy work, with a message naming
the limit and the ``RECTOPLAN_*`` variable that raises it. The web app counts a request body as
it streams in (`rectoplan.web.body_limit`), and the CLI applies the same limits to the files it
reads, so a file and a request are held to one standard.

Each limit is an environment variable (read by `Limits.from_env`), because a hospital whose
bundles are larger must be able to raise it without a code change. This module imports nothing
from the project: every layer may use it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

MIB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Limits:
    """The limits, with the defaults below; `from_env` reads ``RECTOPLAN_*`` overrides."""

    max_body_bytes: int = 10 * MIB
    """Largest request body (and case or bundle file) accepted: 10 MiB. A case is a few kB and
    a patient's FHIR bundle well under 1 MB (even with report text); ten times the largest
    seen leaves room for attachments that may come. Variable ``RECTOPLAN_MAX_BODY_BYTES``."""

    max_bundle_entries: int = 5_000
    """Most entries in one FHIR Bundle: 5,000. One patient's mCODE record has tens to a few
    hundred resources (conditions, observations, procedures, medications); 5,000 allows a long
    history with every laboratory value, and refuses the 200,000-entry bundle that cost
    20 s and 730 MB before its 422. Variable ``RECTOPLAN_MAX_BUNDLE_ENTRIES``."""

    max_import_file_bytes: int = 1024 * MIB
    """Largest file ``rectoplan registry import`` reads: 1 GiB. An import is a whole registry
    (the 2,000-episode demo exports to a few MB), not one request, so its limit is far higher;
    it only stops a wrong file (a disk image, a video) from being read into memory.
    Variable ``RECTOPLAN_MAX_IMPORT_FILE_BYTES``."""

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Limits:
        """The limits with any ``RECTOPLAN_MAX_*`` variable of ``environ`` (default: the
        process environment) applied; `ValueError` names a variable that is not a positive
        whole number."""
        env = os.environ if environ is None else environ
        return cls(
            max_body_bytes=_positive(env, BODY_VARIABLE, DEFAULTS.max_body_bytes),
            max_bundle_entries=_positive(env, ENTRIES_VARIABLE, DEFAULTS.max_bundle_entries),
            max_import_file_bytes=_positive(env, IMPORT_VARIABLE, DEFAULTS.max_import_file_bytes),
        )

    def body_too_large(self, size: int, what: str = "the request body") -> str | None:
        """Why ``size`` bytes of ``what`` are refused, or None if they are accepted."""
        if size <= self.max_body_bytes:
            return None
        return (
            f"{what} is larger than the limit of {_size(self.max_body_bytes)} "
            f"({BODY_VARIABLE}={self.max_body_bytes})"
        )

    def import_file_too_large(self, size: int, what: str) -> str | None:
        """Why an import file of ``size`` bytes is refused, or None if it is accepted."""
        if size <= self.max_import_file_bytes:
            return None
        return (
            f"{what} is {_size(size)}, larger than the limit of "
            f"{_size(self.max_import_file_bytes)} ({IMPORT_VARIABLE}={self.max_import_file_bytes})"
        )

    def too_many_entries(self, bundle: Any) -> str | None:
        """Why a parsed FHIR Bundle is refused for its number of entries, or None. Counted
        on the plain JSON, before any FHIR object is built."""
        entries = bundle.get("entry") if isinstance(bundle, dict) else None
        count = len(entries) if isinstance(entries, list) else 0
        if count <= self.max_bundle_entries:
            return None
        return (
            f"the Bundle has {count:,} entries, more than the limit of "
            f"{self.max_bundle_entries:,} ({ENTRIES_VARIABLE}={self.max_bundle_entries})"
        )


DEFAULTS = Limits()
BODY_VARIABLE = "RECTOPLAN_MAX_BODY_BYTES"
ENTRIES_VARIABLE = "RECTOPLAN_MAX_BUNDLE_ENTRIES"
IMPORT_VARIABLE = "RECTOPLAN_MAX_IMPORT_FILE_BYTES"


def _positive(env: Mapping[str, str], name: str, default: int) -> int:
    text = (env.get(name) or "").strip()
    if not text:
        return default
    try:
        value = int(text)
    except ValueError:
        raise ValueError(f"{name}: {text!r} is not a whole number") from None
    if value < 1:
        raise ValueError(f"{name}: must be at least 1, got {value}")
    return value


def _size(size: int) -> str:
    """Bytes as people read them: 10 MiB, 512 kiB, 900 bytes."""
    for unit, factor in (("GiB", 1024 * MIB), ("MiB", MIB), ("kiB", 1024)):
        if size >= factor:
            value = size / factor
            return f"{value:.0f} {unit}" if value == int(value) else f"{value:.1f} {unit}"
    return f"{size} bytes"
