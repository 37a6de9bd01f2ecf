"""Descriptor templates: ``{var}`` substitution, dotted paths and a whitelist of functions. No eval.

The syntax is Sluice's own (docs/descriptor.md, "Templates"), small enough that a recursive-descent
parser of a few dozen lines is the maintained implementation; no library speaks it.

    template := ( text | "{{" | "}}" | "{" expr "}" )*
    expr     := path | name "(" [ arg ( "," arg )* ] ")"
    path     := segment ( "." segment )*          e.g. fields.summary, items.0.id
    arg      := template text up to a "," or ")" outside parentheses, surrounding spaces
                trimmed; "\\," "\\(" "\\)" "\\\\" are literal

``{base64({email}:{api_token})}``, ``{date({updated}, %Y-%m-%d)}``. An argument that is exactly one
``{expr}`` passes its value with its JSON type (``{json({fields})}``); otherwise its rendered text.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sluice_descriptor.errors import TemplateError
from sluice_descriptor.functions import FUNCTIONS, LAZY_FUNCTIONS, MissingVariable, text_of

__all__ = ["FUNCTIONS", "MissingVariable", "Template", "TemplateError", "text_of"]

_SEGMENT = re.compile(r"[A-Za-z0-9_$@-]+")
_SPACE = " \t"
_ARG_ESCAPES = frozenset(",()\\")
_ABSENT: Any = object()
_SEQUENCES = (list, tuple)


@dataclass(frozen=True, slots=True)
class Literal:
    text: str


@dataclass(frozen=True, slots=True)
class Path:
    segments: tuple[str, ...]
    offset: int

    @property
    def dotted(self) -> str:
        return ".".join(self.segments)


@dataclass(frozen=True, slots=True)
class Call:
    name: str
    args: tuple[Template, ...]
    offset: int


Part = Literal | Path | Call


@dataclass(frozen=True, slots=True)
class Template:
    """A parsed template. Build one with ``Template.parse(text)`` (cached)."""

    text: str
    parts: tuple[Part, ...]
    # Shapes precomputed once (templates are parsed once and rendered per record): the text of a
    # template without expressions, and the expression of one that is exactly one ``{expr}``.
    constant: str | None = field(init=False, repr=False, compare=False)
    lone: Path | Call | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        literal = all(type(part) is Literal for part in self.parts)
        constant = "".join(part.text for part in self.parts if type(part) is Literal)
        single = self.parts[0] if len(self.parts) == 1 else None
        object.__setattr__(self, "constant", constant if literal else None)
        object.__setattr__(self, "lone", None if type(single) is Literal else single)

    @classmethod
    def parse(cls, text: str) -> Template:
        """Parse ``text``; raises ``TemplateError`` with the offset of the fault."""
        return _parse_cached(text)

    @property
    def variables(self) -> frozenset[str]:
        """Root names the template reads (``fields`` for ``{fields.summary}``)."""
        return frozenset(path[0] for path in self.paths)

    @property
    def paths(self) -> frozenset[tuple[str, ...]]:
        """Every path the template reads, as segments."""
        found: set[tuple[str, ...]] = set()
        for part in self.parts:
            if isinstance(part, Path):
                found.add(part.segments)
            elif isinstance(part, Call):
                for arg in part.args:
                    found |= arg.paths
        return frozenset(found)

    @property
    def functions(self) -> frozenset[str]:
        found: set[str] = set()
        for part in self.parts:
            if isinstance(part, Call):
                found.add(part.name)
                for arg in part.args:
                    found |= arg.functions
        return frozenset(found)

    @property
    def is_literal(self) -> bool:
        return self.constant is not None

    def render(self, ctx: Mapping[str, Any], *, strict: bool = True) -> str:
        """The text; a missing variable raises ``MissingVariable`` (empty when not strict)."""
        if self.constant is not None:
            return self.constant
        if self.lone is not None:
            return text_of(_value(self.lone, ctx, strict))
        pieces = []
        for part in self.parts:
            if isinstance(part, Literal):
                pieces.append(part.text)
            else:
                pieces.append(text_of(_value(part, ctx, strict)))
        return "".join(pieces)

    def evaluate(self, ctx: Mapping[str, Any], *, strict: bool = True) -> Any:
        """The value (JSON type kept) of a template that is one ``{expr}``; else the text."""
        if self.lone is not None:
            return _value(self.lone, ctx, strict)
        return self.render(ctx, strict=strict)


def resolve(ctx: Any, segments: Sequence[str]) -> tuple[bool, Any]:
    """Follow a dotted path from ``ctx`` through mappings and lists: ``(found, value)``."""
    value: Any = ctx
    for segment in segments:
        if type(value) is dict:  # JSON's own type first: cheaper than the ABC check below
            value = value.get(segment, _ABSENT)
            if value is _ABSENT:
                return False, None
        elif isinstance(value, Mapping):
            if segment not in value:
                return False, None
            value = value[segment]
        elif isinstance(value, _SEQUENCES) and segment.lstrip("-").isdigit():
            index = int(segment)
            if not -len(value) <= index < len(value):
                return False, None
            value = value[index]
        else:
            return False, None
    return True, value


def _value(part: Path | Call, ctx: Mapping[str, Any], strict: bool) -> Any:
    if isinstance(part, Path):
        found, value = resolve(ctx, part.segments)
        if not found:
            if strict:
                raise MissingVariable(part.dotted)
            return None
        return value
    if part.name in LAZY_FUNCTIONS:
        return FUNCTIONS[part.name].call(*(arg.evaluate(ctx, strict=False) for arg in part.args))
    return FUNCTIONS[part.name].call(*(arg.evaluate(ctx, strict=strict) for arg in part.args))


@functools.lru_cache(maxsize=4096)
def _parse_cached(text: str) -> Template:
    parser = _Parser(text)
    parts = parser.parts(in_argument=False)
    if parser.pos < len(text):  # pragma: no cover - parts() consumes everything at top level
        raise TemplateError(f"unexpected {text[parser.pos]!r}", parser.pos, text)
    return Template(text, parts)


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def fail(self, message: str, offset: int | None = None) -> TemplateError:
        return TemplateError(message, self.pos if offset is None else offset, self.text)

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def parts(self, *, in_argument: bool) -> tuple[Part, ...]:
        """Text and expressions up to the end (an argument: up to an unnested ``,`` or ``)``)."""
        parts: list[Part] = []
        buffer: list[str] = []
        depth = 0
        while self.pos < len(self.text):
            char = self.text[self.pos]
            pair = self.text[self.pos : self.pos + 2]
            if pair in ("{{", "}}"):
                buffer.append(char)
                self.pos += 2
            elif char == "{":
                if buffer:
                    parts.append(Literal("".join(buffer)))
                    buffer = []
                parts.append(self.expression())
            elif char == "}":
                if in_argument:
                    break  # the call lacks its ")": call() says so
                raise self.fail("a single '}' must be written '}}'")
            elif (
                in_argument
                and char == "\\"
                and self.text[self.pos + 1 : self.pos + 2] in _ARG_ESCAPES
            ):
                buffer.append(self.text[self.pos + 1])
                self.pos += 2
            elif in_argument and depth == 0 and char in ",)":
                break
            else:
                if in_argument and char == "(":
                    depth += 1
                elif in_argument and char == ")":
                    depth -= 1
                buffer.append(char)
                self.pos += 1
        if buffer:
            parts.append(Literal("".join(buffer)))
        return tuple(parts)

    def expression(self) -> Path | Call:
        start = self.pos
        self.pos += 1  # "{"
        self.skip_space()
        first = self.segment()
        if self.peek() == "(":
            expr: Path | Call = self.call(first, start)
        else:
            segments = [first]
            while self.peek() == ".":
                self.pos += 1
                segments.append(self.segment())
            expr = Path(tuple(segments), start)
        self.skip_space()
        if self.peek() != "}":
            if not self.peek():
                raise self.fail("unclosed '{'", start)
            raise self.fail(f"unexpected {self.peek()!r} in '{{...}}'")
        self.pos += 1
        return expr

    def call(self, name: str, start: int) -> Call:
        function = FUNCTIONS.get(name)
        if function is None:
            known = ", ".join(sorted(FUNCTIONS))
            raise self.fail(f"unknown function {name!r} (known: {known})", start + 1)
        self.pos += 1  # "("
        args: list[Template] = []
        if self.peek() != ")":
            while True:
                arg_start = self.pos
                parts = _trim(self.parts(in_argument=True))
                args.append(Template(self.text[arg_start : self.pos], parts))
                if self.peek() == ",":
                    self.pos += 1
                    continue
                if self.peek() != ")":
                    raise self.fail(f"unclosed '(' of {name}()", start)
                break
        self.pos += 1  # ")"
        if not function.min_args <= len(args) <= function.max_args:
            raise self.fail(f"{name}() takes {function.arity}, got {len(args)}", start + 1)
        return Call(name, tuple(args), start)

    def segment(self) -> str:
        match = _SEGMENT.match(self.text, self.pos)
        if match is None:
            what = repr(self.peek()) if self.peek() else "end of text"
            raise self.fail(f"expected a variable or function name, found {what}")
        self.pos = match.end()
        return match.group()

    def skip_space(self) -> None:
        while self.peek() and self.peek() in _SPACE:
            self.pos += 1


def _trim(parts: tuple[Part, ...]) -> tuple[Part, ...]:
    """Spaces around an argument are layout, not text: ``date({x}, %Y)`` passes ``%Y``."""
    trimmed = list(parts)
    if trimmed and isinstance(trimmed[0], Literal):
        trimmed[0] = Literal(trimmed[0].text.lstrip(_SPACE))
    if trimmed and isinstance(trimmed[-1], Literal):
        trimmed[-1] = Literal(trimmed[-1].text.rstrip(_SPACE))
    return tuple(part for part in trimmed if not (isinstance(part, Literal) and not part.text))
