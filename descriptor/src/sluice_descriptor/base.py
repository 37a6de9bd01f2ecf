"""What every model of the format shares: unknown keys are errors, attribute docstrings become the
published schema's descriptions, URLs are checked but kept as written."""

from __future__ import annotations

from typing import Annotated, Literal

import semver
from pydantic import AfterValidator, AnyUrl, BaseModel, ConfigDict, Field, TypeAdapter

__all__ = ["DescriptorModel", "HttpMethod", "SemVer", "Url"]

HttpMethod = Literal["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"]

_URL = TypeAdapter(AnyUrl)


def _check_url(value: str) -> str:
    _URL.validate_python(value)
    return value


def _check_semver(value: str) -> str:
    if not semver.Version.is_valid(value):
        raise ValueError(f"{value!r} is not a semantic version (MAJOR.MINOR.PATCH)")
    return value


Url = Annotated[str, AfterValidator(_check_url), Field(json_schema_extra={"format": "uri"})]
"""An absolute URL, kept as written."""
SemVer = Annotated[str, AfterValidator(_check_semver)]


class DescriptorModel(BaseModel):
    """Base of every section: unknown keys are errors; attribute docstrings describe the schema."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)
