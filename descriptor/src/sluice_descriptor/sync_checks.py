"""Rules of the ``sync`` section: streams name read operations, parameters exist, each pagination
style has the members it needs (and only those), JSONPaths compile, document templates are sound."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sluice_descriptor.model import Operation, Pagination, Stream
from sluice_descriptor.problems import Loc
from sluice_descriptor.sync import REQUIRED_MEMBERS

if TYPE_CHECKING:
    from sluice_descriptor.checks import Checker

__all__ = ["ALLOWED_MEMBERS", "REQUIRED_MEMBERS", "check_sync"]


_EVERY_PAGED_STYLE = ("limit_parameter", "page_size", "has_more", "total", "max_pages")
ALLOWED_MEMBERS: dict[str, frozenset[str]] = {
    "none": frozenset({"style"}),
    **{
        style: frozenset({"style", *required, *_EVERY_PAGED_STYLE})
        for style, required in REQUIRED_MEMBERS.items()
        if style != "none"
    },
}
ALLOWED_MEMBERS["offset"] |= {"stop_on_short_page"}
ALLOWED_MEMBERS["page_number"] |= {"stop_on_short_page", "start_page"}

_DOCUMENT_TEMPLATES = (
    "external_id",
    "title",
    "text",
    "url",
    "author",
    "content_type",
    "created_at",
    "updated_at",
)
_JSONPATH_MEMBERS = ("next_url", "cursor", "has_more", "total")
_PARAMETER_MEMBERS = ("cursor_parameter", "offset_parameter", "limit_parameter", "page_parameter")


def check_sync(checker: Checker) -> None:
    sync = checker.descriptor.sync
    if sync is None:
        return
    streams = sync.streams
    seen: dict[str, int] = {}
    for index, stream in enumerate(streams):
        if stream.name in seen:
            checker.report(
                ("sync", "streams", index, "name"),
                f"duplicate stream name {stream.name!r} (see streams[{seen[stream.name]}])",
            )
        seen.setdefault(stream.name, index)
        _check_stream(checker, ("sync", "streams", index), stream)


def _check_stream(checker: Checker, loc: Loc, stream: Stream) -> None:
    operation = checker.descriptor.operation(stream.operation_id)
    if operation is None:
        checker.report((*loc, "operation_id"), f"no operation {stream.operation_id!r}")
    elif not operation.is_read:
        tags = ", ".join(operation.tags) or "none"
        checker.report(
            (*loc, "operation_id"),
            f"operation {operation.operation_id!r} is not a read operation"
            f" (method {operation.method}, tags: {tags}); a stream only reads",
        )
    parameter_scope = checker.config_keys | {"config"}
    for name, value in stream.parameters.items():
        if operation is not None and operation.parameter(name) is None:
            _no_parameter(checker, (*loc, "parameters", name), name, operation, at_key=True)
        if isinstance(value, str):
            template = checker.template((*loc, "parameters", name), value, parameter_scope)
            if template is not None:
                _check_config_paths(checker, (*loc, "parameters", name), template.paths)
    if stream.records is not None:
        checker.jsonpath((*loc, "records"), stream.records)
    _check_pagination(checker, (*loc, "pagination"), stream.pagination, operation)
    _check_document(checker, (*loc, "document"), stream)
    if stream.incremental is not None:
        incremental = stream.incremental
        if operation is not None and operation.parameter(incremental.parameter) is None:
            _no_parameter(
                checker, (*loc, "incremental", "parameter"), incremental.parameter, operation
            )
        if incremental.format is not None:
            checker.template(
                (*loc, "incremental", "format"),
                incremental.format,
                checker.config_keys | {"bookmark"},
            )


def _check_pagination(
    checker: Checker, loc: Loc, pagination: Pagination, operation: Operation | None
) -> None:
    style = pagination.style
    given = pagination.model_fields_set
    for member in REQUIRED_MEMBERS[style]:
        if getattr(pagination, member) is None:
            checker.report(loc, f"pagination style {style!r} needs {member!r}")
    for member in sorted(given - ALLOWED_MEMBERS[style]):
        checker.report(
            (*loc, member), f"{member!r} does not apply to pagination style {style!r}", at_key=True
        )
    for member in _JSONPATH_MEMBERS:
        expression = getattr(pagination, member)
        if expression is not None:
            checker.jsonpath((*loc, member), expression)
    if operation is None:
        return
    for member in _PARAMETER_MEMBERS:
        name = getattr(pagination, member)
        if name is not None and operation.parameter(name) is None:
            _no_parameter(checker, (*loc, member), name, operation)


def _check_document(checker: Checker, loc: Loc, stream: Stream) -> None:
    document = stream.document
    texts: list[tuple[Loc, str]] = [
        ((*loc, name), value)
        for name in _DOCUMENT_TEMPLATES
        if isinstance(value := getattr(document, name), str)
    ]  # fmt: skip
    if document.permissions is not None:
        texts += [
            ((*loc, "permissions", "users", i), v) for i, v in enumerate(document.permissions.users)
        ]
        texts += [
            ((*loc, "permissions", "groups", i), v)
            for i, v in enumerate(document.permissions.groups)
        ]
    texts += [((*loc, "attributes", name), value) for name, value in document.attributes.items()]
    for text_loc, text in texts:
        # Records are schemaless: any root name may be a record field; only config.* is checked.
        template = checker.template(text_loc, text, None)
        if template is not None:
            _check_config_paths(checker, text_loc, template.paths)


def _check_config_paths(checker: Checker, loc: Loc, paths: frozenset[tuple[str, ...]]) -> None:
    for path in sorted(paths):
        if path[0] != "config":
            continue
        if len(path) < 2:
            checker.report(loc, "{config} needs a key: {config.<source_config key>}")
        elif path[1] not in checker.config_keys:
            known = ", ".join(sorted(checker.config_keys)) or "none"
            checker.report(
                loc, f"{{config.{path[1]}}}: no source_config key {path[1]!r} (keys: {known})"
            )


def _no_parameter(
    checker: Checker, loc: Loc, name: str, operation: Operation, *, at_key: bool = False
) -> None:
    declared = ", ".join(p.name for p in operation.parameters) or "none"
    checker.report(
        loc,
        f"{name!r} is not a parameter of operation {operation.operation_id!r}"
        f" (parameters: {declared})",
        at_key=at_key,
    )
