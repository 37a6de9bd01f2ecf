"""The OpenAPI 3.1 document of the manager, built from the live router.

The router is walked when the document is asked for, so every registered route appears. Bodies come
from pydantic models the route modules register with :func:`describe` (keyed by method and path);
an undescribed route still appears, with any JSON accepted as its body. The admin API serves it at
``GET /api/openapi.json`` (``sluice_manager.admin.openapi_api``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from pydantic import TypeAdapter

from sluice_manager.http.auth import OPEN_API_PATHS

PROTOCOL_VERSION = "1"
_PARAM = re.compile(r"\{([^}:]+)(?::[^}]*)?\}")
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
_ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {"type": "string"}},
}


@dataclass(frozen=True, slots=True)
class RouteDoc:
    request: Any = None  # a type TypeAdapter accepts; None = no documented body
    response: Any = None
    status: int = 200
    query: tuple[str, ...] = ()
    content_type: str = "application/json"
    summary: str = ""
    body_required: bool = True


ROUTE_DOCS: dict[tuple[str, str], RouteDoc] = {}
"""(METHOD, path template) → documentation. Any part of the manager may add entries."""


def describe(
    method: str,
    path: str,
    *,
    request: Any = None,
    response: Any = None,
    status: int = 200,
    query: tuple[str, ...] = (),
    content_type: str = "application/json",
    summary: str = "",
    body_required: bool = True,
) -> None:
    """Register the bodies of one route for the OpenAPI document."""
    ROUTE_DOCS[(method.upper(), path)] = RouteDoc(
        request, response, status, query, content_type, summary, body_required
    )


class _Components:
    """Collects pydantic ``$defs`` into ``components.schemas``; output models get their own names
    because a model's serialization schema can differ from its validation schema."""

    def __init__(self) -> None:
        self.schemas: dict[str, Any] = {}

    def schema(self, tp: Any, mode: str, *, closed: bool = False) -> dict[str, Any]:
        """``closed``: the models' objects take no other member (admin request bodies, §1.3);
        free-form objects (``dict`` members) stay open."""
        suffix = "" if mode == "validation" else "Output"
        generated = TypeAdapter(tp).json_schema(
            mode=mode,  # type: ignore[arg-type]
            ref_template="#/components/schemas/{model}" + suffix,
        )
        definitions = generated.pop("$defs", {})
        if closed:
            for definition in (generated, *definitions.values()):
                _close(definition)
        for name, definition in definitions.items():
            self.schemas[name + suffix] = definition
        return generated


def _close(schema: Any) -> None:
    """``additionalProperties: false`` on every object of ``schema`` that lists properties and
    says nothing about others (a model's), through nested schemas."""
    if isinstance(schema, list):
        for value in schema:
            _close(value)
    elif isinstance(schema, dict):
        if "properties" in schema and "additionalProperties" not in schema:
            schema["additionalProperties"] = False
        for key, value in schema.items():
            if key == "properties" and isinstance(value, dict):
                for member in value.values():  # names to schemas, not a schema itself
                    _close(member)
            else:
                _close(value)


def _security(path: str) -> list[dict[str, list[str]]]:
    if path in OPEN_API_PATHS:
        return []
    if path == "/api" or path.startswith("/api/"):
        return [{"adminToken": []}]
    if path.startswith("/sdk/"):
        return [{"connectorToken": []}]
    return []


def _operation(
    method: str, path: str, doc: RouteDoc | None, components: _Components
) -> dict[str, Any]:
    params: list[dict[str, Any]] = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in _PARAM.findall(path)
    ]
    op: dict[str, Any] = {"operationId": f"{method.lower()}_{path}", "parameters": params}
    if doc is not None:
        params.extend(
            {"name": name, "in": "query", "required": False, "schema": {"type": "string"}}
            for name in doc.query
        )
        if doc.summary:
            op["summary"] = doc.summary
    if method in _BODY_METHODS:
        if doc is not None and doc.request is not None:
            op["requestBody"] = {
                "required": doc.body_required,
                "content": {
                    "application/json": {
                        "schema": components.schema(
                            doc.request, "validation", closed=path.startswith("/api/")
                        )
                    }
                },
            }
        elif doc is None:
            op["requestBody"] = {"required": False, "content": {"application/json": {"schema": {}}}}
    ok: dict[str, Any] = {"description": "success"}
    if doc is not None and doc.response is not None:
        ok["content"] = {
            doc.content_type: {"schema": components.schema(doc.response, "serialization")}
        }
    elif doc is not None and doc.content_type != "application/json":
        ok["content"] = {doc.content_type: {}}
    else:
        ok["content"] = {"application/json": {}}
    op["responses"] = {
        str(doc.status if doc is not None else 200): ok,
        "default": {
            "description": "error envelope (protocol §1.3)",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        },
    }
    security = _security(path)
    if security:
        op["security"] = security
    return op


def build_document(app: web.Application) -> dict[str, Any]:
    components = _Components()
    paths: dict[str, dict[str, Any]] = {}
    for route in app.router.routes():
        method = route.method.upper()
        if method in ("HEAD", "*") or route.resource is None:
            continue
        path = route.resource.canonical
        doc = ROUTE_DOCS.get((method, path))
        paths.setdefault(path, {})[method.lower()] = _operation(method, path, doc, components)
    components.schemas["Error"] = _ERROR_SCHEMA
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Sluice manager",
            "version": PROTOCOL_VERSION,
            "description": "Admin API (/api) and connector-facing SDK API (/sdk).",
        },
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": dict(sorted(components.schemas.items())),
            "securitySchemes": {
                "adminToken": {"type": "http", "scheme": "bearer"},
                "connectorToken": {"type": "http", "scheme": "bearer"},
            },
        },
    }
