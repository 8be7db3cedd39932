"""Settings of fetching: the `[network]` section and the limits behind its defaults.

Kept in a module of its own so `crawler.settings` stays readable; it re-exports
`NetworkSettings` so the config composes every section from one place.
"""

from __future__ import annotations

from pydantic import Field

from crawler.config_types import Strict

USER_AGENT = "peacewatch/0.1 (+{contact})"
DEFAULT_CONTACT = "https://github.com/peacewatch/peacewatch"
MAX_RESPONSE_BYTES = 10 * 1024 * 1024
CONNECT_TIMEOUT = 10.0
READ_TIMEOUT = 20.0
TOTAL_TIMEOUT = 60.0
MAX_REDIRECTS = 5
GLOBAL_CONCURRENCY = 16
PER_HOST_CONCURRENCY = 2


class NetworkSettings(Strict):
    allow_private: bool = Field(
        default=False,
        description=(
            "Refuse URLs learned from content (feed and page links, their redirects) "
            "that resolve to private, loopback or link-local addresses; configured "
            "source URLs are trusted."
        ),
    )
    user_agent: str | None = Field(
        default=None,
        description="The User-Agent sent. Unset: `peacewatch/0.1 (+<contact>)`.",
        examples=["peacewatch/0.1 (+mailto:desk@example.org)"],
    )
    contact: str = Field(
        default=DEFAULT_CONTACT,
        description="A URL or address for site owners, shown in the User-Agent.",
    )
    max_bytes: int = Field(
        default=MAX_RESPONSE_BYTES,
        ge=1024,
        description="A response's size cap in bytes, after decompression; larger is refused.",
    )
    connect_timeout: float = Field(
        default=CONNECT_TIMEOUT, gt=0, description="Seconds to connect (and resolve)."
    )
    read_timeout: float = Field(
        default=READ_TIMEOUT, gt=0, description="Seconds to wait for each read."
    )
    total_timeout: float = Field(
        default=TOTAL_TIMEOUT, gt=0, description="Seconds one whole download may take."
    )
    concurrency: int = Field(
        default=GLOBAL_CONCURRENCY, ge=1, le=1000, description="Downloads at once, in all."
    )
    per_host: int = Field(
        default=PER_HOST_CONCURRENCY, ge=1, le=100, description="Downloads at once per host."
    )
    obey_robots: bool = Field(
        default=True, description="Crawled sites (listings, sitemaps): honour robots.txt."
    )

    @property
    def agent(self) -> str:
        return self.user_agent or USER_AGENT.format(contact=self.contact)
