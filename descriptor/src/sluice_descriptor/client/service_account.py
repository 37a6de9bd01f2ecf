"""Service accounts: a Google-style JSON key (``client_email``, ``private_key``, ``private_key_id``,
``token_uri``) signs a JWT assertion that the token endpoint exchanges for an access token
(RFC 7523 §2.1, the JWT bearer grant). authlib signs; the key never leaves the process."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from authlib.oauth2.rfc7523.assertion import sign_jwt_bearer_assertion
from joserfc.errors import JoseError
from joserfc.jwk import RSAKey

from sluice_descriptor.client.errors import ConfigurationProblem
from sluice_descriptor.model import AuthProfile

ASSERTION_LIFETIME = 3600
"""Seconds an assertion is valid; Google's maximum."""


@dataclass(frozen=True, slots=True)
class ServiceAccountKey:
    client_email: str
    private_key: str
    private_key_id: str | None
    token_uri: str | None
    subject: str | None
    """A user to act for (domain-wide delegation); defaults to the account itself."""

    def __repr__(self) -> str:  # the private key must not reach a log through repr()
        return f"ServiceAccountKey(client_email={self.client_email!r})"


def key_field(profile: AuthProfile) -> str:
    """The credential field holding the JSON key: the profile's ``json`` field, else
    ``service_account_json``."""
    for field in profile.fields:
        if field.field_type == "json":
            return field.key
    return "service_account_json"


def read_key(profile: AuthProfile, credentials: Mapping[str, Any]) -> ServiceAccountKey:
    name = key_field(profile)
    raw = credentials.get(name)
    if raw is None:
        raise ConfigurationProblem(f"credential {name!r} (the service account JSON key) is missing")
    data: Any = raw
    if isinstance(raw, str | bytes):
        try:
            data = json.loads(raw)
        except ValueError as exc:
            raise ConfigurationProblem(f"credential {name!r} is not JSON") from exc
    if not isinstance(data, Mapping):
        raise ConfigurationProblem(f"credential {name!r} is not a JSON object")
    for required in ("client_email", "private_key"):
        if not isinstance(data.get(required), str) or not data[required]:
            raise ConfigurationProblem(f"credential {name!r} has no {required}")
    subject = credentials.get("subject")
    return ServiceAccountKey(
        client_email=data["client_email"],
        private_key=data["private_key"],
        private_key_id=data.get("private_key_id") or None,
        token_uri=data.get("token_uri") or None,
        subject=subject if isinstance(subject, str) and subject else None,
    )


def token_url(profile: AuthProfile, key: ServiceAccountKey) -> str:
    """The JSON's ``token_uri``, else the profile's ``oauth.token_url``."""
    url = key.token_uri or (profile.oauth.token_url if profile.oauth else None)
    if not url:
        raise ConfigurationProblem(
            "the service account JSON has no token_uri and the profile no oauth.token_url"
        )
    return str(url)


def sign_assertion(key: ServiceAccountKey, audience: str, scope: str | None, issued_at: int) -> str:
    """The signed assertion: ``iss`` the account, ``sub`` the subject (or the account), ``aud`` the
    token endpoint, ``scope`` the requested scopes, valid for an hour from ``issued_at``."""
    header: dict[str, Any] = {"alg": "RS256", "typ": "JWT"}
    if key.private_key_id:
        header["kid"] = key.private_key_id
    claims = {"scope": scope} if scope else {}
    try:
        private_key = RSAKey.import_key(key.private_key)
    except (JoseError, ValueError, TypeError) as exc:
        raise ConfigurationProblem("the service account private_key is not an RSA PEM key") from exc
    signed = sign_jwt_bearer_assertion(
        private_key,
        issuer=key.client_email,
        audience=audience,
        subject=key.subject or key.client_email,
        issued_at=issued_at,
        expires_at=issued_at + ASSERTION_LIFETIME,
        claims=claims,
        header=header,
    )
    return signed.decode() if isinstance(signed, bytes) else str(signed)
