"""The web source's configuration (the source's ``config`` object)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


class WebConfig(BaseModel):
    model_config = ConfigDict(extra="ignore")

    start_urls: list[str] = Field(min_length=1)
    allowed_domains: list[str] = Field(
        default_factory=list,
        description="hosts to crawl, subdomains included (default: the start URLs' hosts)",
    )
    max_depth: int = Field(default=3, ge=0, description="links followed from a start URL")
    max_pages: int = Field(default=500, ge=1)
    requests_per_second: float = Field(default=2.0, gt=0, le=100)
    use_sitemaps: bool = True
    exclude_patterns: list[str] = Field(
        default_factory=list, description="regular expressions; matching URLs are not crawled"
    )
    user_agent: str = "SluiceBot/0.1"
    timeout_seconds: float = Field(default=30, gt=0, le=300)
    max_page_bytes: int = Field(default=5 * 1024 * 1024, ge=1024)
    public: bool = True

    @field_validator("start_urls")
    @classmethod
    def _http_urls(cls, urls: list[str]) -> list[str]:
        for url in urls:
            if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).hostname:
                raise ValueError(f"start URL must be an absolute http(s) URL: {url!r}")
        return urls

    @field_validator("exclude_patterns")
    @classmethod
    def _regexes(cls, patterns: list[str]) -> list[str]:
        for pattern in patterns:
            re.compile(pattern)
        return patterns

    @model_validator(mode="after")
    def _default_domains(self) -> WebConfig:
        if not self.allowed_domains:
            self.allowed_domains = sorted({urlsplit(u).hostname or "" for u in self.start_urls})
        self.allowed_domains = [d.lower().lstrip(".") for d in self.allowed_domains]
        return self
