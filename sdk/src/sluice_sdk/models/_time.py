"""The wire timestamp type (protocol §1.3).

Input: RFC 3339 with ``Z`` or a numeric offset, any number of fractional digits (beyond six are
truncated), and the signed six-digit-year form some Omni components write
(``+002025-03-04T05:06:07.123456789Z``). Naive values and years outside 1-9999 are invalid.
Output: RFC 3339 UTC with ``Z`` and exactly six fractional digits.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import (
    AfterValidator,
    AwareDatetime,
    Field,
    GetCoreSchemaHandler,
    GetPydanticSchema,
    PlainSerializer,
    Strict,
    TypeAdapter,
    ValidationInfo,
    WithJsonSchema,
)
from pydantic_core import core_schema

from sluice_sdk.models._notes import note_rewritten

_EXPANDED_YEAR_LEN = 7  # sign + six digits


def _expand_six_digit_year(text: str) -> str:
    """``+002025-...`` → ``2025-...``; anything outside years 1-9999 is refused."""
    if len(text) <= _EXPANDED_YEAR_LEN or text[_EXPANDED_YEAR_LEN] != "-":
        raise ValueError("invalid timestamp: malformed expanded year")
    digits = text[1:_EXPANDED_YEAR_LEN]
    if not digits.isdigit():
        raise ValueError("invalid timestamp: malformed expanded year")
    year = int(digits)
    if text[0] == "-" or not 1 <= year <= 9999:
        raise ValueError("invalid timestamp: year outside 1-9999")
    return f"{year:04d}{text[_EXPANDED_YEAR_LEN:]}"


def _parse_expanded(value: str) -> datetime:
    # Python only for the rare six-digit-year form; the common form never leaves pydantic-core.
    return _STANDARD.validate_python(_expand_six_digit_year(value))


def _parse_text(value: str) -> datetime:
    # A string given from Python (not JSON): pydantic's strict mode accepts only datetime objects.
    return _STANDARD.validate_python(value)


def format_timestamp(dt: datetime) -> str:
    """RFC 3339 in UTC with ``Z`` and exactly six fractional digits (protocol §1.3)."""
    offset = dt.utcoffset()
    if offset is None:
        raise ValueError("cannot format a naive datetime as a wire timestamp")
    if offset:
        dt = dt - offset  # wall time in UTC; the bounds checked at input keep this in range
    return dt.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def parse_timestamp(text: str) -> datetime:
    """Parse one wire timestamp (protocol §1.3) into an aware UTC datetime."""
    return TIMESTAMP_ADAPTER.validate_python(text)


_MIN = datetime(1, 1, 1, tzinfo=UTC)
_MAX = datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)

# Bounds are checked in UTC by pydantic-core, so ``0001-01-01T00:00:00+01:00`` (year 0 in UTC) is
# refused at input rather than failing later when it is written out.
_StandardTimestamp = Annotated[AwareDatetime, Field(ge=_MIN, le=_MAX)]
_STANDARD: TypeAdapter[datetime] = TypeAdapter(_StandardTimestamp)
# Strict: from JSON, a string only (numbers would be read as Unix seconds); from Python, a datetime.
_StrictTimestamp = Annotated[AwareDatetime, Strict(), Field(ge=_MIN, le=_MAX)]
_ExpandedTimestamp = Annotated[
    str, Field(pattern=r"^[+-][0-9]{6}-"), AfterValidator(_parse_expanded)
]
_TextTimestamp = Annotated[str, Field(pattern=r"^[0-9]{4}-"), AfterValidator(_parse_text)]

_AnyTimestamp = Annotated[
    _StrictTimestamp | _ExpandedTimestamp | _TextTimestamp, Field(union_mode="left_to_right")
]

# The form Sluice writes (§1.3). From JSON, a timestamp already in this form is parsed entirely in
# pydantic-core and its text is the validated value; any other accepted spelling is noted as
# rewritten (sluice_sdk.models._notes), because writing the value out gives a different text.
WRITTEN_FORM = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z$"


def _noted(value: datetime, info: ValidationInfo) -> datetime:
    note_rewritten(info)
    return value


def _timestamp_schema(_source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
    any_form = handler.generate_schema(_AnyTimestamp)
    written = core_schema.chain_schema(
        [
            core_schema.str_schema(pattern=WRITTEN_FORM),
            core_schema.datetime_schema(ge=_MIN, le=_MAX),
        ]
    )
    from_json = core_schema.union_schema(
        [written, core_schema.with_info_after_validator_function(_noted, any_form)],
        mode="left_to_right",
    )
    return core_schema.json_or_python_schema(json_schema=from_json, python_schema=any_form)


if TYPE_CHECKING:
    # Every accepted spelling ends as an aware datetime; type checkers should see just that.
    Timestamp = Annotated[datetime, ...]
else:
    Timestamp = Annotated[
        datetime,
        GetPydanticSchema(_timestamp_schema),
        WithJsonSchema(TypeAdapter(_AnyTimestamp).json_schema(), mode="validation"),
        PlainSerializer(format_timestamp, return_type=str, when_used="json"),
    ]
"""An aware datetime on the wire (§1.3). Offsets are kept in Python; output is always UTC ``Z``."""

TIMESTAMP_ADAPTER: TypeAdapter[datetime] = TypeAdapter(Timestamp)
