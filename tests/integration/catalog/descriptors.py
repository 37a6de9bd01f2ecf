"""Descriptors the catalog tests push: built as data, sent as JSON or YAML text."""

from __future__ import annotations

import copy
import json
from typing import Any

SLUG = "httpbin-demo"


def document(version: str = "1.0.0", slug: str = SLUG, **sections: Any) -> dict[str, Any]:
    """A valid descriptor of httpbin (basic auth, a bearer token, an OAuth consent profile)."""
    doc: dict[str, Any] = {
        "metadata": {
            "name": "httpbin demo",
            "slug": slug,
            "version": version,
            "description": "httpbin described as an API, for the catalog tests.",
            "summary": "echo service",
            "publisher": "Sluice tests",
            "categories": ["custom"],
            "tags": ["test", "echo"],
        },
        "source_config": [
            {"key": "base_url", "label": "Base URL"},
            {
                "key": "page_size",
                "label": "Page size",
                "field_type": "integer",
                "required": False,
                "default_value": 10,
            },
        ],
        "authentication": [
            {
                "type": "basic",
                "fields": [
                    {"key": "username", "label": "User"},
                    {
                        "key": "password",
                        "label": "Password",
                        "field_type": "password",
                        "secret": True,
                    },
                ],
                "test_endpoint": {"url": "{base_url}/basic-auth/alice/s3cret"},
            },
            {
                "type": "api_key",
                "fields": [{"key": "token", "label": "Token", "field_type": "secret"}],
                "test_endpoint": {
                    "url": "{base_url}/bearer",
                    "headers": {"Authorization": "Bearer {token}"},
                },
            },
        ],
        "operations": [
            {
                "operation_id": "get_anything",
                "endpoint": "{base_url}/anything",
                "summary": "Echo a read",
                "auth_type_ref": "basic",
                "parameters": [
                    {"name": "q", "location": "query", "required": True},
                    {
                        "name": "n",
                        "location": "query",
                        "field_type": "integer",
                        "default_value": 5,
                    },
                ],
                "tags": ["read"],
            },
            {
                "operation_id": "post_anything",
                "endpoint": "{base_url}/anything",
                "method": "POST",
                "summary": "Echo a write",
                "auth_type_ref": "basic",
                "parameters": [{"name": "title", "location": "body", "required": True}],
                "tags": ["write"],
            },
        ],
    }
    for name, value in sections.items():
        doc[name] = value
    return doc


def oauth_profile(authorize_url: str, token_url: str) -> dict[str, Any]:
    return {
        "type": "oauth2_authorization_code",
        "oauth": {
            "authorize_url": authorize_url,
            "token_url": token_url,
            "scopes": [{"name": "read", "description": "read access"}],
            "default_scopes": ["read"],
        },
    }


def with_meta(doc: dict[str, Any], **metadata: Any) -> dict[str, Any]:
    changed = copy.deepcopy(doc)
    changed["metadata"].update(metadata)
    return changed


def text(doc: dict[str, Any]) -> str:
    """JSON, which is YAML too."""
    return json.dumps(doc, indent=2)


INVALID_YAML = """\
metadata:
  name: "Broken"
  slug: "broken-one"
  version: "1.0.0"
  description: "A descriptor with a dangling reference."
  publisher: "Sluice tests"
authentication:
  - type: api_key
operations:
  - operation_id: list_things
    endpoint: "https://example.com/things"
    summary: "Things"
    auth_type_ref: oauth2_client_credentials
"""
"""Its one problem: line 13, the auth_type_ref value."""
