"""One template of a document mapping, compiled for a run (``compile_member``).

A stream's templates see the record's fields as root names, plus ``record`` (the whole record),
``config`` (the source config) and ``stream`` (the stream name); those three win over record fields
of the same name. Within a run the config and the stream name are fixed, so a path into them is
resolved once; a path into the record becomes a lookup; text around paths stays text, joined with
any fixed value beside it. A template that calls functions is evaluated by the general evaluator
over a view of the record (``RecordContext``, no copy). Every kind renders and evaluates exactly
as ``Template.render`` / ``Template.evaluate`` over the full context do
(tests/connectors/declarative/test_compiled_mapping.py holds them to it).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from sluice_descriptor.errors import MissingVariable, TemplateError
from sluice_descriptor.functions import text_of
from sluice_descriptor.templates import Call, Literal, Path, Template, resolve

__all__ = ["Member", "RecordContext", "compile_member"]

_ABSENT: Any = object()


class RecordContext(Mapping[str, Any]):
    """The template context of one record, read through instead of copied."""

    __slots__ = ("_fields", "_named")

    def __init__(self, record: Any, config: dict[str, Any], stream: str) -> None:
        self._fields: Mapping[str, Any] = record if isinstance(record, Mapping) else {}
        self._named = {"record": record, "config": config, "stream": stream}

    def __getitem__(self, key: str) -> Any:
        if key in self._named:
            return self._named[key]
        return self._fields[key]

    def __contains__(self, key: object) -> bool:
        return key in self._named or key in self._fields

    def __iter__(self) -> Iterator[str]:
        return iter({**self._fields, **self._named})

    def __len__(self) -> int:
        return len({**self._fields, **self._named})


@dataclass(frozen=True, slots=True)
class _RecordPath:
    """``{id}``, ``{fields.summary}``, ``{record.id}``: a path into the record."""

    dotted: str
    root: str | None
    """The record field the path starts at; None when it starts at the record itself."""
    rest: tuple[str, ...]

    def find(self, record: Any) -> tuple[bool, Any]:
        if self.root is None:
            value = record
        elif type(record) is dict:
            value = record.get(self.root, _ABSENT)
            if value is _ABSENT:
                return False, None
        elif isinstance(record, Mapping) and self.root in record:
            value = record[self.root]
        else:
            return False, None
        return resolve(value, self.rest) if self.rest else (True, value)


@dataclass(frozen=True, slots=True)
class _FixedPath:
    """``{config.domain}``, ``{stream}``: the same for every record of the run."""

    dotted: str
    found: bool
    value: Any

    def find(self, record: Any) -> tuple[bool, Any]:
        return self.found, self.value


_Piece = str | _RecordPath | _FixedPath


class Member:
    """A compiled template: ``text`` is ``Template.render``, ``value`` is ``Template.evaluate``
    (lenient: a missing path is None) over the record's full context."""

    __slots__ = ()

    def text(self, record: Any, *, strict: bool) -> str:
        raise NotImplementedError

    def value(self, record: Any) -> Any:
        raise NotImplementedError

    def optional_text(self, record: Any) -> str | None:
        """The lenient text, None when empty or when a function refuses the record's data."""
        try:
            return self.text(record, strict=False) or None
        except TemplateError:
            return None

    @property
    def fixed(self) -> bool:
        """Whether every record gets the same value."""
        return False


class _Constant(Member):
    __slots__ = ("_optional", "_text", "_value")

    def __init__(self, value: Any, text: str) -> None:
        self._value = value
        self._text = text
        self._optional = text or None

    def text(self, record: Any, *, strict: bool) -> str:
        return self._text

    def value(self, record: Any) -> Any:
        return self._value

    def optional_text(self, record: Any) -> str | None:
        return self._optional

    @property
    def fixed(self) -> bool:
        return True


class _Lookup(Member):
    """A template that is exactly one path."""

    __slots__ = ("_field", "_path")

    def __init__(self, path: _RecordPath | _FixedPath) -> None:
        self._path = path
        # ``{title}``, a field of the record itself (the commonest member): a dict lookup.
        self._field = None
        if isinstance(path, _RecordPath) and not path.rest:
            self._field = path.root

    def text(self, record: Any, *, strict: bool) -> str:
        found, value = self._path.find(record)
        if not found and strict:
            raise MissingVariable(self._path.dotted)
        return text_of(value)

    def value(self, record: Any) -> Any:
        # Lenient: a missing field and a null one are both None.
        if self._field is not None and type(record) is dict:
            return record.get(self._field)
        return self._path.find(record)[1]

    def optional_text(self, record: Any) -> str | None:
        return text_of(self.value(record)) or None

    @property
    def fixed(self) -> bool:
        return isinstance(self._path, _FixedPath)


class _Pieces(Member):
    """Text and paths, no function calls; its value is its text."""

    __slots__ = ("_pieces",)

    def __init__(self, pieces: tuple[_Piece, ...]) -> None:
        self._pieces = pieces

    def text(self, record: Any, *, strict: bool) -> str:
        out = []
        for piece in self._pieces:
            if isinstance(piece, str):
                out.append(piece)
                continue
            found, value = piece.find(record)
            if not found and strict:
                raise MissingVariable(piece.dotted)
            out.append(text_of(value))
        return "".join(out)

    def value(self, record: Any) -> Any:
        return self.text(record, strict=False)

    def optional_text(self, record: Any) -> str | None:
        return self.text(record, strict=False) or None


class _General(Member):
    """A template with function calls: the general evaluator over a view of the record."""

    __slots__ = ("_config", "_stream", "_template")

    def __init__(self, template: Template, config: dict[str, Any], stream: str) -> None:
        self._template = template
        self._config = config
        self._stream = stream

    def text(self, record: Any, *, strict: bool) -> str:
        ctx = RecordContext(record, self._config, self._stream)
        return self._template.render(ctx, strict=strict)

    def value(self, record: Any) -> Any:
        ctx = RecordContext(record, self._config, self._stream)
        return self._template.evaluate(ctx, strict=False)


class _Invalid(Member):
    """A template that does not parse: every use raises its error, as rendering it would."""

    __slots__ = ("_template",)

    def __init__(self, template: str) -> None:
        self._template = template

    def text(self, record: Any, *, strict: bool) -> str:
        return Template.parse(self._template).text  # raises the TemplateError

    def value(self, record: Any) -> Any:
        return Template.parse(self._template).text  # raises the TemplateError


def compile_member(template: str, *, config: dict[str, Any], stream: str) -> Member:
    """``template`` compiled for the records of one run of ``stream`` with ``config`` (a copy
    the caller keeps unchanged for the run)."""
    try:
        parsed = Template.parse(template)
    except TemplateError:
        return _Invalid(template)
    if any(isinstance(part, Call) for part in parsed.parts):
        return _General(parsed, config, stream)
    pieces = [_piece(part, config, stream) for part in parsed.parts]
    if parsed.lone is not None:
        lone = pieces[0]
        assert not isinstance(lone, str)
        if isinstance(lone, _FixedPath) and lone.found:
            return _Constant(lone.value, text_of(lone.value))
        return _Lookup(lone)
    merged = _merged(pieces)
    if all(isinstance(piece, str) for piece in merged):
        text = "".join(str(piece) for piece in merged)
        return _Constant(text, text)
    return _Pieces(merged)


def _piece(part: Literal | Path | Call, config: dict[str, Any], stream: str) -> _Piece:
    if isinstance(part, Literal):
        return part.text
    assert isinstance(part, Path)
    root, rest = part.segments[0], part.segments[1:]
    if root == "record":
        return _RecordPath(part.dotted, None, rest)
    if root in ("config", "stream"):
        found, value = resolve(config if root == "config" else stream, rest)
        return _FixedPath(part.dotted, found, value)
    return _RecordPath(part.dotted, root, rest)


def _merged(pieces: list[_Piece]) -> tuple[_Piece, ...]:
    """Adjacent text and fixed values joined into one text."""
    merged: list[_Piece] = []
    for piece in pieces:
        known = text_of(piece.value) if isinstance(piece, _FixedPath) and piece.found else piece
        if isinstance(known, str) and merged and isinstance(merged[-1], str):
            merged[-1] += known
        else:
            merged.append(known)
    return tuple(merged)
