"""The smallest useful Sluice connector: it greets N people, one document each.

Run it with ``SLUICE_MANAGER_URL=http://127.0.0.1:8090 SLUICE_CONNECTOR_TOKEN=... PORT=8001
python -m tests.e2e.sdk_example.hello_connector``.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from sluice_sdk import ConfigurationError, Connector, NoCredentials, SyncContext


class HelloConfig(BaseModel):
    count: int = Field(default=3, ge=0, le=10_000)
    greeting: str = "Hello"


class HelloCredentials(NoCredentials):
    password: str = "open sesame"


class HelloConnector(Connector[HelloConfig, HelloCredentials]):
    name = "hello"
    version = "1.0.0"
    source_types = ["hello"]
    sync_modes = ["full", "incremental"]
    config_model = HelloConfig
    credentials_model = HelloCredentials

    async def sync(self, ctx: SyncContext[HelloConfig, HelloCredentials]) -> None:
        if ctx.credentials.password != "open sesame":
            raise ConfigurationError("the hello source refused the password")
        start = (ctx.checkpoint or {}).get("next", 0)  # resume where the last checkpoint said
        for i in range(start, ctx.config.count):
            await ctx.emit(
                f"person-{i}",
                text=f"{ctx.config.greeting}, person {i}!",
                metadata={"title": f"Greeting {i}", "size": 20},
                permissions={"public": True, "users": [], "groups": []},
            )
            ctx.increment_scanned()
            if i % 2 == 1:
                await ctx.save_checkpoint({"next": i + 1})
        # Returning completes the run; the SDK flushes the buffer first.


if __name__ == "__main__":
    HelloConnector().serve()
