"""Authentication at run time: what a profile adds to a request (docs/descriptor.md,
"Authentication at run time").

``Authenticator.values()`` gives the names auth puts in the template context (``access_token`` for
oauth2_* and service_account profiles; a chain's extracted names, with its final credential also as
``access_token``). ``default_headers`` is what a request carries when its operation says nothing
more precise: a bearer token, or Basic from ``username``/``password``. ``renew()`` is called once
after a 401: it drops the cached token or chain values and fetches new ones.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any

from sluice_descriptor.client import oauth, service_account
from sluice_descriptor.client.chains import ChainRunner
from sluice_descriptor.client.clock import epoch
from sluice_descriptor.client.errors import ConfigurationProblem
from sluice_descriptor.client.tokens import EXPIRY_LEEWAY, CachedValue, TokenCache, cache_key
from sluice_descriptor.client.transport import Transport
from sluice_descriptor.model import TOKEN_TYPES, AuthProfile, Descriptor


class Authenticator:
    def __init__(
        self,
        descriptor: Descriptor,
        profile: AuthProfile,
        credentials: Mapping[str, Any],
        *,
        transport: Transport,
        cache: TokenCache,
        connection_key: str,
    ) -> None:
        self.profile = profile
        self.credentials = credentials
        self.transport = transport
        self.cache = cache
        self.connection_key = connection_key
        self.chain: ChainRunner | None = None
        if profile.credential_chain_id:
            chain = descriptor.chain(profile.credential_chain_id)
            if chain is None:
                raise ConfigurationProblem(
                    f"authentication profile {profile.type} names an unknown credential chain"
                )
            self.chain = ChainRunner(
                chain,
                transport=transport,
                cache=cache,
                namespace=descriptor.metadata.slug,
                connection_key=connection_key,
            )

    @property
    def renewable(self) -> bool:
        """Whether a 401 can be answered with fresh credentials."""
        return self.chain is not None or self.profile.type in TOKEN_TYPES

    async def values(self, ctx: Mapping[str, Any]) -> dict[str, Any]:
        values: dict[str, Any] = {}
        kind = self.profile.type
        if kind == "oauth2_client_credentials":
            values["access_token"] = await self._client_credentials()
        elif kind == "oauth2_authorization_code":
            values["access_token"] = await self._authorization_code()
        elif kind == "service_account":
            values["access_token"] = await self._service_account()
        if self.chain is not None:
            extracted = await self.chain.values(ctx)
            values.update(extracted)
            values.setdefault("access_token", extracted[self.chain.chain.final_credential_name])
        return values

    def default_headers(self, values: Mapping[str, Any]) -> dict[str, str]:
        if "access_token" in values:
            return {"Authorization": f"Bearer {values['access_token']}"}
        if self.profile.type == "basic":
            username = self.credentials.get("username")
            password = self.credentials.get("password")
            if username is None or password is None:
                raise ConfigurationProblem(
                    "basic authentication without auth_headers needs username and password"
                )
            pair = base64.b64encode(f"{username}:{password}".encode()).decode("ascii")
            return {"Authorization": f"Basic {pair}"}
        return {}

    async def renew(self, used: Mapping[str, Any]) -> bool:
        """Drop what a 401 proved stale (``used``: the values the refused request carried); True
        when there is something new to try. A token another caller already replaced is kept."""
        if self.chain is not None:
            self.chain.invalidate()
        stale = used.get("access_token")
        kind = self.profile.type
        if kind == "oauth2_client_credentials":
            self._invalidate_if(self._client_credentials_key(), stale)
        elif kind == "service_account":
            self._invalidate_if(self._service_account_key(self._key()), stale)
        elif kind == "oauth2_authorization_code":
            refreshed = await self._refresh_authorization_code(stale=stale)
            return refreshed or self.chain is not None
        return self.renewable

    def _invalidate_if(self, key: str, stale: Any) -> None:
        cached = self.cache.peek(key)
        if cached is not None and cached.values.get("access_token") == stale:
            self.cache.invalidate(key)

    # -- oauth2_client_credentials ------------------------------------------------------------

    def _required(self, name: str) -> str:
        value = self.credentials.get(name)
        if value in (None, ""):
            raise ConfigurationProblem(f"credential {name!r} is missing")
        return str(value)

    def _client_credentials_key(self) -> str:
        token_url = self.profile.oauth.token_url if self.profile.oauth else None
        return cache_key(
            "client_credentials",
            token_url,
            self.credentials.get("client_id"),
            oauth.scope_text(self.profile),
        )

    async def _client_credentials(self) -> str:
        key = self._client_credentials_key()

        async def fetch() -> CachedValue:
            token = await oauth.client_credentials_token(
                self.transport,
                self.profile,
                self._required("client_id"),
                self._required("client_secret"),
            )
            return self.cache.put(key, token, token["expires_at"])

        cached = await self.cache.get_or_fetch(key, self.transport.clock, fetch)
        return str(cached.values["access_token"])

    # -- oauth2_authorization_code -------------------------------------------------------------

    def _authorization_code_key(self) -> str:
        token_url = self.profile.oauth.token_url if self.profile.oauth else None
        return cache_key(
            "authorization_code", token_url, self.credentials.get("client_id"), self.connection_key
        )

    def _current_token(self) -> Mapping[str, Any]:
        """The latest token: a refreshed one from the cache, else the one the credentials hold."""
        cached = self.cache.peek(self._authorization_code_key())
        if cached is not None:
            return cached.values
        if not self.credentials.get("access_token"):
            raise ConfigurationProblem(
                "no access_token in the credentials: complete the OAuth consent first"
            )
        return {k: self.credentials.get(k) for k in oauth.TOKEN_KEYS}

    def _expired(self, token: Mapping[str, Any]) -> bool:
        expires_at = token.get("expires_at")
        if expires_at in (None, ""):
            return False
        return epoch(self.transport.clock) >= float(expires_at) - EXPIRY_LEEWAY

    async def _authorization_code(self) -> str:
        token = self._current_token()
        if self._expired(token):
            await self._refresh_authorization_code(stale=token.get("access_token"))
            token = self._current_token()
        return str(token["access_token"])

    async def _refresh_authorization_code(self, *, stale: Any) -> bool:
        """Refresh unless another caller already replaced the ``stale`` access token."""
        key = self._authorization_code_key()
        async with self.cache.lock(key):
            token = self._current_token()
            if token.get("access_token") != stale:
                return True
            if not token.get("refresh_token"):
                return False
            fresh = await oauth.refresh_token(
                self.transport,
                self.profile,
                self.credentials.get("client_id"),
                self.credentials.get("client_secret"),
                token,
            )
            self.cache.put(key, fresh, None)
            return True

    # -- service_account -----------------------------------------------------------------------

    def _key(self) -> service_account.ServiceAccountKey:
        return service_account.read_key(self.profile, self.credentials)

    def _service_account_key(self, account: service_account.ServiceAccountKey) -> str:
        return cache_key(
            "service_account",
            service_account.token_url(self.profile, account),
            account.client_email,
            account.subject,
            oauth.scope_text(self.profile),
        )

    async def _service_account(self) -> str:
        account = self._key()
        token_url = service_account.token_url(self.profile, account)
        key = self._service_account_key(account)

        async def fetch() -> CachedValue:
            scope = oauth.scope_text(self.profile)
            assertion = service_account.sign_assertion(
                account, token_url, scope, int(epoch(self.transport.clock))
            )
            token = await oauth.jwt_bearer_token(self.transport, token_url, assertion, scope)
            return self.cache.put(key, token, token["expires_at"])

        cached = await self.cache.get_or_fetch(key, self.transport.clock, fetch)
        return str(cached.values["access_token"])
