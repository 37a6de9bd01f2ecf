"""``POST /action`` (protocol §3.6): validate, run the connector's handler, shape the reply."""

from __future__ import annotations

from typing import Any

import pydantic
import structlog

from sluice_sdk.client import ManagerClient
from sluice_sdk.connector import ActionContext, Connector
from sluice_sdk.errors import configuration_error_from, failure_message
from sluice_sdk.models import ActionRequest

log = structlog.get_logger("sdk.action")


def _error(status: int, message: str) -> tuple[int, dict[str, Any]]:
    return status, {"status": "error", "error": message}


async def handle_action(
    connector: Connector[Any, Any], client: ManagerClient, raw: bytes
) -> tuple[int, dict[str, Any]]:
    try:
        request = ActionRequest.model_validate_json(raw)
    except ValueError as exc:
        return _error(400, f"invalid action request: {exc}")
    try:
        spec = connector.resolve_action(request)
    except Exception as exc:
        return _error(400, failure_message(exc))
    if spec is None:
        return _error(404, f"unknown action {request.action}")
    try:
        params = spec.params_model.model_validate(request.params)
        config = _validated(connector.config_model, request.source.config, "config")
        credentials = _validated(
            connector.credentials_model, request.credentials.credentials, "credentials"
        )
    except pydantic.ValidationError as exc:
        return _error(400, f"invalid params: {exc}")
    except Exception as exc:
        return _error(400, failure_message(exc))
    ctx = ActionContext(
        source=request.source,
        credential=request.credentials,
        config=config,
        credentials=credentials,
        actor_email=request.actor_email,
        client=client,
    )
    try:
        result = await spec.handler(connector, params, ctx)
    except Exception as exc:
        message = failure_message(exc)
        log.warning("action_failed", action=spec.name, source_id=request.source.id, error=message)
        return _error(400, message)
    if isinstance(result, pydantic.BaseModel):
        result = result.model_dump(mode="json")
    return 200, {"status": "success", "result": result}


def _validated(model: type[pydantic.BaseModel], data: Any, what: str) -> pydantic.BaseModel:
    try:
        return model.model_validate(data)
    except pydantic.ValidationError as exc:
        raise configuration_error_from(exc, what) from exc
