"""What every part of the case shares: the strict base model, unit-typed numbers and the
cross-field error that names its field."""

from __future__ import annotations

from typing import Annotated

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
)
from pydantic_core import PydanticCustomError

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
