"""The rss source's configuration (the source's ``config`` object)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator


class RssConfig(BaseModel):
    model_config = ConfigDict(extra="ignore")

    feeds: list[str] = Field(min_length=1, description="RSS 2.0, RSS 1.0 or Atom feed URLs")
    timeout_seconds: float = Field(default=30, gt=0, le=300)
    user_agent: str = "SluiceRss/0.1 (+https://github.com/sluice)"
    public: bool = Field(default=True, description="entries are visible to everyone")

    @field_validator("feeds")
    @classmethod
    def _http_urls(cls, feeds: list[str]) -> list[str]:
        for url in feeds:
            if not url.startswith(("http://", "https://")):
                raise ValueError(f"feed URL must be http(s): {url!r}")
        # Order kept, duplicates dropped: a feed listed twice is read once.
        return list(dict.fromkeys(feeds))
