from pydantic import BaseModel, Field

from sluice_sdk import ConfigurationError, Connector, NoCredentials, SyncContext


class HelloConfig(BaseModel):  # exported to the manager as the manifest's config_schema
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
                await ctx.save_checkpoint({"next": i + 1})  # flushes buffered events first
        # Returning completes the run.


if __name__ == "__main__":
    HelloConnector().serve()
