"""Every operation of a source's descriptor as a connector action, built per request (§3.6).

The request carries the pinned descriptor (``ActionRequest.descriptor``); the action named
``request.action`` is its operation of that id, read and write operations alike. Parameters are
checked against the operation's declaration (``sluice_descriptor.params.validated_params``: types,
required names, defaults, unknown names refused) when the SDK validates the params model, so a bad
call is a 400 before anything is sent. The result is ``{"status": <upstream status>, "body": ...}``;
the client checks ``response_schema``.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any, ClassVar

import aiohttp
from pydantic import BaseModel, ConfigDict, model_validator

from sluice_connector_declarative.errors import classified
from sluice_descriptor.client.api import ApiClient
from sluice_descriptor.client.limits import LimiterRegistry
from sluice_descriptor.client.retry import RetryPolicy
from sluice_descriptor.client.tokens import TokenCache
from sluice_descriptor.model import Descriptor, Operation
from sluice_descriptor.params import ParamError, input_schema, validated_params
from sluice_sdk.connector import ActionContext, ActionSpec


class OperationParams(BaseModel):
    """Base of the params model of one operation; the checked values are ``values``."""

    model_config = ConfigDict(extra="allow")

    operation: ClassVar[Operation]
    ignored: ClassVar[frozenset[str]] = frozenset()
    """Source config keys the manager copies into params (§3.6) that are no parameters."""

    @model_validator(mode="before")
    @classmethod
    def _check(cls, data: Any) -> Any:
        if not isinstance(data, Mapping):
            raise ValueError("params must be an object")
        declared = {parameter.name for parameter in cls.operation.parameters}
        given = {k: v for k, v in data.items() if k in declared or k not in cls.ignored}
        try:
            return validated_params(cls.operation, given)
        except ParamError as exc:
            raise ValueError(str(exc)) from exc

    @classmethod
    def model_json_schema(cls, *args: Any, **kwargs: Any) -> dict[str, Any]:
        return input_schema(cls.operation)

    @property
    def values(self) -> dict[str, Any]:
        return dict(self.model_extra or {})


def params_model(operation: Operation, ignored: Collection[str] = ()) -> type[OperationParams]:
    """A params model for ``operation``: validates declared types, gives the flat input schema."""
    return type(
        f"{operation.operation_id}_params",
        (OperationParams,),
        {"operation": operation, "ignored": frozenset(ignored), "__module__": __name__},
    )


class OperationAction:
    """The handler of one operation's action; its client shares the runtime's limits and tokens."""

    def __init__(
        self,
        descriptor: Descriptor,
        operation: Operation,
        *,
        limiters: LimiterRegistry,
        token_cache: TokenCache,
        retry: RetryPolicy | None = None,
    ) -> None:
        self.descriptor = descriptor
        self.operation = operation
        self.limiters = limiters
        self.token_cache = token_cache
        self.retry = retry

    async def __call__(
        self, connector: Any, params: OperationParams, ctx: ActionContext[Any, Any]
    ) -> dict[str, Any]:
        with classified():
            async with aiohttp.ClientSession() as session:
                client = ApiClient(
                    self.descriptor,
                    config=ctx.source.config,
                    credentials=ctx.credential.credentials,
                    auth_type=ctx.credential.auth_type or None,
                    session=session,
                    connection_key=ctx.source.id,
                    limiters=self.limiters,
                    token_cache=self.token_cache,
                    retry=self.retry,
                )
                response = await client.call(self.operation.operation_id, params.values)
        return {"status": response.status, "body": response.body}


def operation_action(
    descriptor: Descriptor,
    operation: Operation,
    *,
    source_config: Mapping[str, Any],
    limiters: LimiterRegistry,
    token_cache: TokenCache,
    retry: RetryPolicy | None = None,
) -> ActionSpec:
    handler = OperationAction(
        descriptor, operation, limiters=limiters, token_cache=token_cache, retry=retry
    )
    ignored = set(source_config) | {field.key for field in descriptor.source_config}
    return ActionSpec(
        name=operation.operation_id,
        params_model=params_model(operation, ignored),
        handler=handler,
        description=operation.summary,
        mode="read" if operation.is_read else "write",
    )
