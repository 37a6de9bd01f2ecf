"""One finding of ``sluice connector review``."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

Severity = Literal["blocker", "major", "minor"]
Confidence = Literal["high", "medium", "low"]

SEVERITIES: tuple[Severity, ...] = ("blocker", "major", "minor")

# check -> (the standard it enforces, docs/standards/<standard>.md; a one-line description)
RULES: dict[str, tuple[str, str]] = {
    "unpaginated-list": ("pagination", "A list call on a paginated API reads only the first page"),
    "unbounded-read": ("memory", "A body or file is read whole with no size limit"),
    "swallowed-exception": ("errors", "A broad except discards the error silently"),
    "blocking-io-in-async": ("architecture", "Blocking I/O inside async code stalls the loop"),
    "no-checkpoint-in-loop": ("checkpoints", "A loop emits documents but never checkpoints"),
    "secret-logged": ("security", "A secret-looking value is logged or printed"),
    "http-no-timeout": ("rate-limits-and-retries", "An HTTP call or session has no timeout"),
    "test-without-assertions": ("testing", "A test asserts nothing"),
    "mapping-untested": ("testing", "The mapping module has no unit test"),
    "syntax-error": ("architecture", "A Python file does not parse"),
    "descriptor-invalid": ("descriptors", "The descriptor validator reports a problem"),
    "descriptor-unpaginated-stream": (
        "pagination",
        "A stream reads a paginating operation in one request",
    ),
    "descriptor-unpaginated-operation": (
        "pagination",
        "A paginating read operation is read by no stream",
    ),
}


@dataclass(frozen=True, slots=True)
class Finding:
    """A breach of a standard (``docs/standards/<standard>.md``) at ``file:line``."""

    check: str
    severity: Severity
    confidence: Confidence
    file: str
    line: int
    message: str
    standard: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def render(self) -> str:
        """``file:line: severity check: message [standard]``"""
        return (
            f"{self.file}:{self.line}: {self.severity} {self.check}: {self.message} "
            f"[{self.standard}]"
        )
