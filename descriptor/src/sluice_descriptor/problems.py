"""What validation reports: problems with a path, a message and a 1-based line and column."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from sluice_descriptor.model import Descriptor

_IDENTIFIER = re.compile(r"[A-Za-z_$][A-Za-z0-9_$-]*")

Loc = tuple[str | int, ...]


def render_path(loc: Sequence[str | int]) -> str:
    """``("operations", 2, "auth_type_ref")`` → ``operations[2].auth_type_ref``."""
    text = ""
    for segment in loc:
        if isinstance(segment, int):
            text += f"[{segment}]"
        elif _IDENTIFIER.fullmatch(segment):
            text += f".{segment}" if text else segment
        else:
            text += '["' + segment.replace("\\", "\\\\").replace('"', '\\"') + '"]'
    return text


@dataclass(frozen=True, slots=True)
class Problem:
    """One fault of a descriptor. ``path`` is empty for the document as a whole."""

    path: str
    message: str
    line: int | None = None
    column: int | None = None

    def render(self, filename: str = "<descriptor>") -> str:
        """``file.yaml:12:5: operations[2].auth_type_ref: no authentication profile ...``"""
        where = filename
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"

    def as_dict(self) -> dict[str, str | int | None]:
        """The API form: ``{path, line, column, message}``."""
        return {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "message": self.message,
        }


@dataclass(frozen=True, slots=True)
class Validation:
    """The outcome of loading or validating: the descriptor when there are no problems."""

    descriptor: Descriptor | None
    problems: list[Problem] = field(default_factory=list)
    filename: str = "<descriptor>"

    @property
    def ok(self) -> bool:
        return self.descriptor is not None and not self.problems

    def render(self) -> list[str]:
        """Each problem as ``file:line:column: path: message``."""
        return [problem.render(self.filename) for problem in self.problems]
