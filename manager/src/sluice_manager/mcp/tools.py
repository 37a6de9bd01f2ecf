"""The tools each MCP endpoint serves, built from the sources whose actions can run now.

Pure functions of ``OfferingSource`` values (docs/mcp.md, "Tools" and "Naming"):

* ``/mcp`` (endpoint ``""``) serves ``search``, ``get_document`` and one tool per action of every
  offering source, named ``<source>__<action>``: the source's name as a slug (made unique with the
  end of its id when two sources slug alike), two underscores, the action's name.
* A declarative source whose descriptor enables ``mcp_config`` exposes the operations its
  ``route_mappings`` list (all of them when it lists none), under the mapping's tool name,
  description and parameter names, on ``/mcp`` and on ``/mcp/<server_name>``. There the names are
  the mapping's own, prefixed with the source only when several sources share the server.
* A write action of a read-only source is not offered (it would be refused).

Names keep to ``[a-z0-9_-]`` (``[A-Za-z0-9_-]`` for an action's own part) and 64 characters, which
every common client accepts.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import mcp_types as types
import orjson

from sluice_descriptor.model import McpConfig, RouteMapping
from sluice_manager.actions.sources import OfferingSource
from sluice_sdk.models import ActionDefinition

ALL_TOOLS = ""  # the endpoint key of /mcp
MAX_NAME = 64
SEPARATOR = "__"
_PREFIX_MAX = 24
_NOT_SLUG = re.compile(r"[^a-z0-9]+")
_NOT_NAME = re.compile(r"[^A-Za-z0-9_-]+")


@dataclass(frozen=True, slots=True)
class ActionTool:
    """A tool that runs one action of one source."""

    tool: types.Tool
    source_id: str
    action: str
    # MCP argument name → the action's parameter name (``parameter_mappings`` reversed).
    renames: Mapping[str, str] = field(default_factory=dict)

    def params(self, arguments: Mapping[str, Any]) -> dict[str, Any]:
        return {self.renames.get(name, name): value for name, value in arguments.items()}

    def renamed_away(self, arguments: Mapping[str, Any]) -> list[str]:
        """Arguments named by a parameter's own name where the tool renamed it."""
        hidden = set(self.renames.values()) - set(self.renames)
        return [name for name in arguments if name in hidden]


@dataclass(frozen=True, slots=True)
class EndpointTools:
    """What one endpoint serves: its description and action tools (by name), and a digest of
    the whole list a client sees, which changes whenever that list does."""

    name: str
    description: str
    tools: Mapping[str, ActionTool]
    digest: str


@dataclass(frozen=True, slots=True)
class ToolSet:
    """Every endpoint's tools at one moment, keyed by endpoint (``""`` for ``/mcp``)."""

    endpoints: Mapping[str, EndpointTools]

    def endpoint(self, name: str) -> EndpointTools | None:
        return self.endpoints.get(name)

    def find(self, endpoint: str, tool: str) -> ActionTool | None:
        found = self.endpoints.get(endpoint)
        return None if found is None else found.tools.get(tool)


def slug(text: str, limit: int = _PREFIX_MAX) -> str:
    """Lower-case letters and digits joined by ``-``; ``source`` when nothing is left."""
    return _NOT_SLUG.sub("-", text.lower()).strip("-")[:limit].strip("-") or "source"


def _fit(name: str) -> str:
    """``name`` within MAX_NAME characters, shortened with a digest of the whole to stay unique."""
    if len(name) <= MAX_NAME:
        return name
    tail = hashlib.sha256(name.encode()).hexdigest()[:8]
    return f"{name[: MAX_NAME - 9]}-{tail}"


def tool_name(prefix: str | None, action: str) -> str:
    own = _NOT_NAME.sub("_", action).strip("_") or "action"
    return _fit(own if prefix is None else f"{prefix}{SEPARATOR}{own}")


def source_prefixes(sources: Iterable[OfferingSource]) -> dict[str, str]:
    """Each source's name prefix: its slug, or (when an older source took it) the slug and the
    end of its id."""
    prefixes: dict[str, str] = {}
    taken: set[str] = set()
    for source in sources:
        prefix = slug(source.name)
        if prefix in taken:
            prefix = f"{prefix}-{source.source_id[-6:].lower()}"
        taken.add(prefix)
        prefixes[source.source_id] = prefix
    return prefixes


def object_schema(schema: Mapping[str, Any], renames: Mapping[str, str]) -> dict[str, Any]:
    """An action's input schema as MCP needs it (``type: object`` at the root), with its
    properties and required names renamed (``renames``: parameter → MCP name)."""
    out = dict(schema)
    out.setdefault("type", "object")
    if renames:
        properties = out.get("properties")
        if isinstance(properties, dict):
            out["properties"] = {renames.get(k, k): v for k, v in properties.items()}
        required = out.get("required")
        if isinstance(required, list):
            out["required"] = [renames.get(k, k) for k in required]
    return out


@dataclass(frozen=True, slots=True)
class _Exposed:
    """One action of one source as a tool, before it is named for an endpoint."""

    source: OfferingSource
    action: ActionDefinition
    own_name: str
    description: str
    renames: Mapping[str, str]  # parameter → MCP name


def _mcp_config(source: OfferingSource) -> McpConfig | None:
    config = source.descriptor.mcp_config if source.descriptor is not None else None
    return config if config is not None and config.enabled else None


def _exposed(source: OfferingSource) -> list[_Exposed]:
    actions = [a for a in source.actions if not (a.mode == "write" and source.read_only)]
    config = _mcp_config(source)
    if config is None or not config.route_mappings:
        return [_Exposed(source, a, a.name, a.description or a.name, {}) for a in actions]
    by_name = {a.name: a for a in actions}
    mapped: list[tuple[RouteMapping, ActionDefinition]] = [
        (route, by_name[route.operation_id])
        for route in config.route_mappings
        if route.operation_id in by_name
    ]
    return [
        _Exposed(
            source,
            action,
            route.mcp_tool_name,
            route.mcp_tool_description,
            dict(route.parameter_mappings),
        )
        for route, action in mapped
    ]


def _tool(item: _Exposed, name: str, where: str | None) -> ActionTool:
    action, source = item.action, item.source
    description = item.description
    if where is not None:
        description = f"{description} ({where})"
    tool = types.Tool(
        name=name,
        title=f"{source.name}: {item.own_name}",
        description=description,
        input_schema=object_schema(action.input_schema, item.renames),
        annotations=types.ToolAnnotations(read_only_hint=action.mode == "read"),
    )
    renames = {mcp: param for param, mcp in item.renames.items()}
    return ActionTool(tool, source.source_id, action.name, renames)


def _where(source: OfferingSource, action: ActionDefinition) -> str:
    return f'{action.mode} action of the {source.source_type} source "{source.name}"'


def _digest(tools: Iterable[types.Tool]) -> str:
    dumped = [t.model_dump(mode="json", by_alias=True, exclude_none=True) for t in tools]
    return hashlib.sha256(orjson.dumps(dumped, option=orjson.OPT_SORT_KEYS)).hexdigest()


def _endpoint(
    name: str, description: str, tools: Iterable[ActionTool], builtins: Iterable[types.Tool]
) -> EndpointTools:
    by_name: dict[str, ActionTool] = {}
    for tool in tools:
        key = tool.tool.name
        if key in by_name:  # two names shortened alike: keep the first (older source)
            continue
        by_name[key] = tool
    listed = [*builtins, *(t.tool for t in by_name.values())]
    return EndpointTools(name, description, by_name, _digest(listed))


def build_tool_set(
    sources: list[OfferingSource], builtins: list[types.Tool], description: str
) -> ToolSet:
    """Every endpoint's tools for ``sources`` (oldest first); ``builtins`` open ``/mcp``'s list."""
    prefixes = source_prefixes(sources)
    exposed = {source.source_id: _exposed(source) for source in sources}
    everything = [
        _tool(
            item,
            tool_name(prefixes[item.source.source_id], item.own_name),
            _where(item.source, item.action),
        )
        for source in sources
        for item in exposed[source.source_id]
    ]
    endpoints = {ALL_TOOLS: _endpoint(ALL_TOOLS, description, everything, builtins)}
    servers: dict[str, list[OfferingSource]] = {}
    descriptions: dict[str, str] = {}
    for source in sources:
        config = _mcp_config(source)
        if config is not None:
            servers.setdefault(config.server_name, []).append(source)
            descriptions.setdefault(config.server_name, config.server_description)
    for server, members in servers.items():
        shared = len(members) > 1
        tools = [
            _tool(
                item,
                tool_name(prefixes[member.source_id] if shared else None, item.own_name),
                f'source "{member.name}"' if shared else None,
            )
            for member in members
            for item in exposed[member.source_id]
        ]
        endpoints[server] = _endpoint(server, descriptions[server], tools, [])
    return ToolSet(endpoints)
