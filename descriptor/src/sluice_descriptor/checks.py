"""Rules relating one part of a descriptor to another: references, uniqueness, the sequencing of
credential chains, template variables, JSONPath expressions, the operations' own consistency.

The ``sync`` section's rules are in ``sync_checks.py``. Each rule reports a ``Problem`` at the path
of the value at fault.
"""

from __future__ import annotations

import itertools
from collections.abc import Collection, Iterable, Iterator
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from sluice_descriptor.jsonpaths import JsonPathError, compile_path
from sluice_descriptor.model import (
    OAUTH_TYPES,
    TOKEN_TYPES,
    AuthProfile,
    CredentialChain,
    Descriptor,
    Operation,
)
from sluice_descriptor.params import coerce
from sluice_descriptor.problems import Loc, Problem
from sluice_descriptor.templates import Template, TemplateError
from sluice_descriptor.validate import Locator

__all__ = ["Checker", "check_descriptor"]


def check_descriptor(descriptor: Descriptor, locator: Locator) -> list[Problem]:
    """Every problem the models cannot see, in document order of sections."""
    from sluice_descriptor.sync_checks import check_sync

    checker = Checker(descriptor, locator)
    checker.check_source_config()
    checker.check_authentication()
    checker.check_chains()
    checker.check_operations()
    checker.check_rate_limits()
    checker.check_mcp()
    checker.check_database()
    check_sync(checker)
    return checker.problems


def duplicates(items: Iterable[tuple[int, str | None]]) -> Iterator[tuple[int, str, int]]:
    """``(index, value, first_index)`` of every value seen before."""
    first: dict[str, int] = {}
    for index, value in items:
        if value is None:
            continue
        if value in first:
            yield index, value, first[value]
        else:
            first[value] = index


def listing(names: Collection[str]) -> str:
    return ", ".join(sorted(names)) if names else "none"


class Checker:
    """Accumulates problems; helpers check one template or JSONPath at a path."""

    def __init__(self, descriptor: Descriptor, locator: Locator) -> None:
        self.descriptor = descriptor
        self.locator = locator
        self.problems: list[Problem] = []
        self.config_keys = frozenset(field.key for field in descriptor.source_config)

    def report(self, loc: Loc, message: str, *, at_key: bool = False) -> None:
        self.problems.append(self.locator.problem(loc, message, at_key=at_key))

    def template(self, loc: Loc, text: str, scope: Collection[str] | None) -> Template | None:
        """Parse ``text``; with a scope, every root name it reads must be in it."""
        try:
            template = Template.parse(text)
        except TemplateError as exc:
            self.report(loc, f"invalid template: {exc}")
            return None
        if scope is not None:
            unknown = sorted(template.variables - set(scope))
            for name in unknown:
                self.report(loc, f"unknown variable {{{name}}} (known here: {listing(scope)})")
        return template

    def jsonpath(self, loc: Loc, expression: str) -> None:
        try:
            compile_path(expression)
        except JsonPathError as exc:
            self.report(loc, str(exc))

    # --- source_config -------------------------------------------------------------------------

    def check_source_config(self) -> None:
        fields = self.descriptor.source_config
        for index, key, first in duplicates(enumerate(f.key for f in fields)):
            self.report(
                ("source_config", index, "key"),
                f"duplicate key {key!r} (see source_config[{first}])",
            )
        for index, field in enumerate(fields):
            if field.default_value is not None:
                self.check_default(
                    ("source_config", index, "default_value"), field.field_type, field.default_value
                )

    def check_default(self, loc: Loc, field_type: str, value: Any) -> None:
        try:
            coerce(field_type, value)
        except ValueError as exc:
            self.report(loc, f"default_value does not fit field_type {field_type}: {exc}")

    # --- authentication ------------------------------------------------------------------------

    def check_authentication(self) -> None:
        profiles = self.descriptor.authentication
        for index, kind, first in duplicates(enumerate(p.type for p in profiles)):
            self.report(
                ("authentication", index, "type"),
                f"duplicate authentication profile of type {kind!r} (see authentication[{first}])",
            )
        for index, profile in enumerate(profiles):
            self.check_profile(("authentication", index), profile)

    def check_profile(self, loc: Loc, profile: AuthProfile) -> None:
        for index, key, first in duplicates(enumerate(f.key for f in profile.fields)):
            self.report(
                (*loc, "fields", index, "key"), f"duplicate key {key!r} (see fields[{first}])"
            )
        for index, field in enumerate(profile.fields):
            if field.key in self.config_keys:
                self.report(
                    (*loc, "fields", index, "key"),
                    f"{field.key!r} is also a source_config key; templates could not tell them"
                    " apart",
                )
        self.check_oauth(loc, profile)
        if (
            profile.credential_chain_id is not None
            and self.descriptor.chain(profile.credential_chain_id) is None
        ):
            declared = [c.chain_id for c in self.descriptor.credential_chains if c.chain_id]
            self.report(
                (*loc, "credential_chain_id"),
                f"no credential chain {profile.credential_chain_id!r}"
                f" (declared: {listing(declared)})",
            )
        if profile.test_endpoint is not None:
            scope = self.profile_scope(profile) | self.config_keys
            test = profile.test_endpoint
            self.template((*loc, "test_endpoint", "url"), test.url, scope)
            for name, value in test.headers.items():
                self.template((*loc, "test_endpoint", "headers", name), value, scope)

    def check_oauth(self, loc: Loc, profile: AuthProfile) -> None:
        oauth = profile.oauth
        if profile.type in OAUTH_TYPES:
            if oauth is None:
                self.report(loc, f"a {profile.type} profile needs 'oauth' settings")
                return
            if oauth.token_url is None:
                self.report((*loc, "oauth"), f"a {profile.type} profile needs oauth.token_url")
            if profile.type == "oauth2_authorization_code" and oauth.authorize_url is None:
                self.report(
                    (*loc, "oauth"),
                    "an oauth2_authorization_code profile needs oauth.authorize_url",
                )
        if oauth is None or not oauth.scopes:
            return
        declared = {scope.name for scope in oauth.scopes}
        for index, scope_name in enumerate(oauth.default_scopes):
            if scope_name not in declared:
                self.report(
                    (*loc, "oauth", "default_scopes", index),
                    f"default scope {scope_name!r} is not one of the declared scopes"
                    f" ({listing(declared)})",
                )

    def profile_scope(self, profile: AuthProfile) -> frozenset[str]:
        """Names a request of this profile can use: its credential keys and the obtained token."""
        names = set(self.descriptor.credential_keys(profile))
        if profile.type in TOKEN_TYPES:
            names.add("access_token")
        chain = (
            self.descriptor.chain(profile.credential_chain_id)
            if profile.credential_chain_id
            else None
        )
        if chain is not None:
            names.add(chain.final_credential_name)
        return frozenset(names)

    # --- credential chains ---------------------------------------------------------------------

    def check_chains(self) -> None:
        chains = self.descriptor.credential_chains
        for index, chain_id, first in duplicates(enumerate(c.chain_id for c in chains)):
            self.report(
                ("credential_chains", index, "chain_id"),
                f"duplicate chain_id {chain_id!r} (see credential_chains[{first}])",
            )
        for index, chain in enumerate(chains):
            self.check_chain(("credential_chains", index), chain)

    def check_chain(self, loc: Loc, chain: CredentialChain) -> None:
        available = set(chain.initial_credentials_required) | self.config_keys
        extracted_at: dict[str, str] = {}
        for step in chain.steps:
            for name in step.extract:
                extracted_at.setdefault(name, step.step_name)
        for index, step in enumerate(chain.steps):
            step_loc = (*loc, "steps", index)
            texts: list[tuple[Loc, str]] = [((*step_loc, "endpoint"), step.endpoint)]
            texts += [((*step_loc, "headers", k), v) for k, v in step.headers.items()]
            texts += [((*step_loc, "query_params", k), v) for k, v in step.query_params.items()]
            texts += list(_strings((*step_loc, "body"), step.body))
            for text_loc, text in texts:
                template = self.template(text_loc, text, None)
                if template is None:
                    continue
                for name in sorted(template.variables - available):
                    later = extracted_at.get(name)
                    if later is not None:
                        why = f"it is only extracted by a later step {later!r}"
                    else:
                        why = "neither initial_credentials_required nor an earlier step provides it"
                    self.report(text_loc, f"step {step.step_name!r} uses {{{name}}}, but {why}")
            if step.cache_key is not None:
                scope = set(chain.initial_credentials_required) | self.config_keys
                self.template((*step_loc, "cache_key"), step.cache_key, scope)
            for name, expression in step.extract.items():
                self.jsonpath((*step_loc, "extract", name), expression)
            available |= set(step.extract)
        last = chain.steps[-1]
        if chain.final_credential_name not in last.extract:
            self.report(
                (*loc, "final_credential_name"),
                f"{chain.final_credential_name!r} is not extracted by the last step"
                f" {last.step_name!r}"
                f" (it extracts: {listing(last.extract)})",
            )

    # --- operations ----------------------------------------------------------------------------

    def check_operations(self) -> None:
        operations = self.descriptor.operations
        if not operations and self.descriptor.database_config is None:
            self.report(
                ("operations",), "a descriptor needs at least one operation (or database_config)"
            )
        for index, op_id, first in duplicates(enumerate(o.operation_id for o in operations)):
            self.report(
                ("operations", index, "operation_id"),
                f"duplicate operation_id {op_id!r} (see operations[{first}])",
            )
        for index, operation in enumerate(operations):
            self.check_operation(("operations", index), operation)

    def check_operation(self, loc: Loc, operation: Operation) -> None:
        profile = self.descriptor.auth_profile(operation.auth_type_ref)
        if profile is None:
            declared = [p.type for p in self.descriptor.authentication]
            self.report(
                (*loc, "auth_type_ref"),
                f"no authentication profile of type {operation.auth_type_ref!r}"
                f" (declared: {listing(declared)})",
            )
        scope = None if profile is None else self.profile_scope(profile) | self.config_keys
        self.check_parameters(loc, operation)
        params = {p.name for p in operation.parameters}
        endpoint = self.template(
            (*loc, "endpoint"), operation.endpoint, None if scope is None else scope | params
        )
        if endpoint is not None:
            self.check_path_parameters(loc, operation, endpoint)
        for name, value in operation.auth_headers.items():
            self.template(
                (*loc, "auth_headers", name), value, None if scope is None else scope | params
            )
        field = operation.credential_field
        if field is not None and profile is not None and field not in self.profile_scope(profile):
            self.report(
                (*loc, "credential_field"),
                f"{field!r} is no credential of profile {profile.type!r}"
                f" (known: {listing(self.profile_scope(profile))})",
            )
        if (
            operation.rate_limit_scope is not None
            and self.descriptor.rate_limit(operation.rate_limit_scope) is None
        ):
            scopes = [r.scope for r in self.descriptor.rate_limits]
            self.report(
                (*loc, "rate_limit_scope"),
                f"no rate limit with scope {operation.rate_limit_scope!r}"
                f" (declared: {listing(scopes)})",
            )
        if operation.response_schema is not None:
            try:
                Draft202012Validator.check_schema(operation.response_schema)
            except SchemaError as exc:
                self.report((*loc, "response_schema"), f"not a valid JSON Schema: {exc.message}")

    def check_parameters(self, loc: Loc, operation: Operation) -> None:
        for index, name, first in duplicates(enumerate(p.name for p in operation.parameters)):
            self.report(
                (*loc, "parameters", index, "name"),
                f"duplicate parameter {name!r} (see parameters[{first}])",
            )
        for index, parameter in enumerate(operation.parameters):
            if parameter.default_value is not None:
                self.check_default(
                    (*loc, "parameters", index, "default_value"),
                    parameter.field_type,
                    parameter.default_value,
                )

    def check_path_parameters(self, loc: Loc, operation: Operation, endpoint: Template) -> None:
        used = endpoint.variables
        for index, parameter in enumerate(operation.parameters):
            if parameter.location == "path" and parameter.name not in used:
                self.report(
                    (*loc, "parameters", index, "location"),
                    f"path parameter {parameter.name!r} has no {{{parameter.name}}}"
                    " in the endpoint",
                )
            elif parameter.location != "path" and parameter.name in used:
                self.report(
                    (*loc, "endpoint"),
                    f"{{{parameter.name}}} in the endpoint names a {parameter.location} parameter;"
                    " declare it with location: path",
                )

    # --- rate limits, MCP, database ------------------------------------------------------------

    def check_rate_limits(self) -> None:
        limits = self.descriptor.rate_limits
        for index, scope, first in duplicates(enumerate(r.scope for r in limits)):
            self.report(
                ("rate_limits", index, "scope"),
                f"duplicate rate limit scope {scope!r} (see rate_limits[{first}])",
            )

    def check_mcp(self) -> None:
        mcp = self.descriptor.mcp_config
        if mcp is None:
            return
        routes = mcp.route_mappings
        for index, tool, first in duplicates(enumerate(r.mcp_tool_name for r in routes)):
            self.report(
                ("mcp_config", "route_mappings", index, "mcp_tool_name"),
                f"duplicate tool name {tool!r} (see route_mappings[{first}])",
            )
        for index, route in enumerate(routes):
            loc: Loc = ("mcp_config", "route_mappings", index)
            operation = self.descriptor.operation(route.operation_id)
            if operation is None:
                self.report((*loc, "operation_id"), f"no operation {route.operation_id!r}")
                continue
            params = {p.name for p in operation.parameters}
            for name in route.parameter_mappings:
                if name not in params:
                    self.report(
                        (*loc, "parameter_mappings", name),
                        f"{name!r} is not a parameter of {operation.operation_id}"
                        f" (parameters: {listing(params)})",
                        at_key=True,
                    )
            exposed = sorted((route.parameter_mappings.get(name, name), name) for name in params)
            for (new_name, name), (other_new, other) in itertools.pairwise(exposed):
                if new_name == other_new:
                    renamed = name if name in route.parameter_mappings else other
                    self.report(
                        (*loc, "parameter_mappings", renamed),
                        f"MCP parameter name {new_name!r} would name both {name!r} and {other!r}",
                    )

    def check_database(self) -> None:
        sync = self.descriptor.sync
        if (
            sync is not None
            and sync.database is not None
            and self.descriptor.database_config is None
        ):
            self.report(("sync", "database"), "sync.database needs a database_config section")


def _strings(loc: Loc, value: Any) -> Iterator[tuple[Loc, str]]:
    """Every string inside a JSON value, with its path (the templates of a chain step's body)."""
    if isinstance(value, str):
        yield loc, value
    elif isinstance(value, dict):
        for key, member in value.items():
            yield from _strings((*loc, key), member)
    elif isinstance(value, list):
        for index, member in enumerate(value):
            yield from _strings((*loc, index), member)
