"""Settings models of the crawler's config sections.

Every default of the crawler lives here, beside the model that exposes it, so a reader
finds a limit and the key that changes it in one place. `scheduler.config` composes
these models with the notifier's and loads the TOML file.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Literal

from pydantic import AnyHttpUrl, Field, field_validator, model_validator

from crawler.config_types import Duration, Strict
from crawler.network_settings import MAX_REDIRECTS as MAX_REDIRECTS
from crawler.network_settings import NetworkSettings as NetworkSettings

DEFAULT_TOPIC_NAME = "russia-ukraine-talks"
DEFAULT_TOPIC_TITLE = "Russia–Ukraine talks"
DEFAULT_TOPIC_QUERY: list[list[str]] = [
    # Ukraine and its embattled places; Russia; talks, meetings, truces and war. English,
    # then Russian and Ukrainian stems ("огня", "вогню", "тиші": the fire that a
    # прекращение огня / припинення вогню / режим тиші stops).
    (
        "ukrain* kyiv kiev zelensk* donbas* donetsk* luhansk* zaporizh* mariupol* crimea* "
        "kherson* украин* україн* киев* київ* зеленск* зеленськ* донбас* донецк* донецьк* "
        "луганск* луганськ* запорож* запоріж* заэс заес мариупол* маріупол* крым* крим* "
        "херсон*"
    ).split(),
    "russia* moscow kremlin putin росси* росія* російськ* москв* кремл* путин* путін*".split(),
    (
        "talks negotiat* peace ceasefire cease-fire truce summit delegation* mediat* "
        "diplomat* war deal agreement* meet* talk* call* envoy* exchange* переговор* "
        "перемир* мир мирн* саммит* саміт* делегаци* делегаці* посредн* посередн* "
        "дипломат* войн* війн* сделк* соглашени* угод* оккупа* окупа* перемов* corridor* "
        "коридор* встреч* зустріч* розмов* обмен* обмін* огня вогню тиші тишины"
    ).split(),
]


class DatabaseSettings(Strict):
    url: str = Field(
        default="sqlite:///peacewatch.db",
        description=(
            "Where articles, stories, shifts and alerts are stored: `sqlite:///path.db` "
            "(WAL) on one machine, or `postgresql+psycopg://user:pass@host/db` for "
            "several workers."
        ),
    )

    @field_validator("url")
    @classmethod
    def _known_scheme(cls, url: str) -> str:
        if not re.match(r"^(sqlite|postgresql)(\+\w+)?://", url):
            raise ValueError(f"unsupported database URL {url!r} (sqlite:/// or postgresql://)")
        return url


class ClassifierSettings(Strict):
    """Which backend reads an article's status; `llm` falls back to `rules` on failure."""

    backend: Literal["model", "rules", "llm"] = Field(
        default="model",
        description=(
            "How articles' status is read: `model` (learned from labelled real coverage; "
            "see `model`), `rules` (the shipped lexicon alone) or `llm` (an "
            "OpenAI-compatible chat-completions API; the model answers on any failure)."
        ),
    )
    model_path: str | None = Field(
        default=None,
        description=(
            "For `model`: a model file written by `peacewatch train` (relevance and "
            "status). Unset: the model shipped for the default topic."
        ),
        examples=["models/russia-ukraine-talks.npz"],
    )
    lexicon: str | None = Field(
        default=None,
        description=(
            "A TOML file of cue phrases merged over the built-in lexicon (format: "
            "crawler/status/lexicon.toml). Unset: the built-in lexicon alone."
        ),
        examples=["my-lexicon.toml"],
    )
    base_url: AnyHttpUrl | None = Field(
        default=None,
        description="For `llm`: the API's base URL (needed with `llm`).",
        examples=["http://localhost:11434/v1"],
    )
    model: str | None = Field(
        default=None,
        description="For `llm`: the model to ask (needed with `llm`).",
        examples=["llama3.1"],
    )
    api_key_env: str = Field(
        default="PEACEWATCH_LLM_API_KEY",
        description=(
            "For `llm`: the environment variable holding the API key, so the key never "
            "sits in this file."
        ),
    )
    timeout: Duration = Field(
        default=timedelta(seconds=20),
        description="For `llm`: how long one request may take before the rules answer.",
    )

    @model_validator(mode="after")
    def _llm_needs_endpoint(self) -> ClassifierSettings:
        if self.backend == "llm" and (self.base_url is None or not self.model):
            raise ValueError("backend = 'llm' needs base_url and model")
        return self


class TopicSettings(Strict):
    name: str = Field(
        default=DEFAULT_TOPIC_NAME,
        description="The topic's name, unique among topics; a source's `topic` names it.",
    )
    title: str | None = Field(
        default=None,
        description="How alerts and the dashboard call the topic. Unset: its name.",
        examples=[DEFAULT_TOPIC_TITLE],
    )
    query: list[list[str]] = Field(
        default_factory=lambda: [g[:] for g in DEFAULT_TOPIC_QUERY],
        description=(
            "Groups of terms (whole words, any case; `negotiat*` matches by prefix). "
            'With `relevance = "query"` an article is about the topic when every group '
            "has a hit; with `model`, a hit in any group lets the model read it."
        ),
    )
    terms: dict[str, list[list[str]]] = Field(
        default_factory=dict,
        description=(
            "More terms per language (`ru`, `uk`, …): each list's groups join the same "
            "groups of `query` for articles detected in that language, so a topic can "
            "name its words in every language it is covered in."
        ),
        examples=[{"ru": [["украин*"], ["росси*"], ["переговор*"]]}],
    )
    relevance: Literal["model", "query"] | None = Field(
        default=None,
        description=(
            "What decides that an article is about the topic: `model` (the query is a "
            "cheap prefilter, an article needs a hit in one of its groups, and the "
            "classifier's model decides) or `query` (every group needs a hit). Unset: "
            "`model` for the default topic or a topic with `classifier.model_path`, "
            "else `query`."
        ),
        examples=["model"],
    )
    relevance_threshold: float | None = Field(
        default=None,
        ge=0.0,
        le=1.0,
        description=(
            'With `relevance = "model"`: the model\'s score an article needs. Unset: the '
            "threshold the model was calibrated with (it keeps 97% of relevant items)."
        ),
        examples=[0.3],
    )
    must: list[str] = Field(
        default_factory=list,
        description="Terms that make an article relevant whatever the model says.",
        examples=[["peace talks", "ceasefire"]],
    )
    never: list[str] = Field(
        default_factory=list,
        description="Terms that make an article irrelevant whatever else it says.",
        examples=[["horoscope"]],
    )
    classifier: ClassifierSettings = Field(
        default_factory=ClassifierSettings,
        description="How this topic's articles are read.",
    )

    @field_validator("query")
    @classmethod
    def _non_empty_groups(cls, query: list[list[str]]) -> list[list[str]]:
        if not query or any(not group for group in query):
            raise ValueError("every query group needs at least one term")
        return query

    @model_validator(mode="after")
    def _terms_match_query(self) -> TopicSettings:
        for language, groups in self.terms.items():
            if not re.fullmatch(r"[a-z]{2,3}", language):
                raise ValueError(f"terms.{language}: not a language code (en, ru, uk, …)")
            if len(groups) > len(self.query):
                raise ValueError(f"terms.{language}: more groups than `query` has")
        return self

    def query_for(self, language: str | None) -> list[list[str]]:
        """The query an article in `language` is matched against: `query` plus `terms`."""
        extra = self.terms.get(language or "", [])
        return [group + (extra[i] if i < len(extra) else []) for i, group in enumerate(self.query)]

    @property
    def relevance_by(self) -> Literal["model", "query"]:
        """How relevance is decided, the default worked out (see `relevance`)."""
        if self.relevance is not None:
            return self.relevance
        if self.name == DEFAULT_TOPIC_NAME or self.classifier.model_path:
            return "model"
        return "query"

    @property
    def display_name(self) -> str:
        if self.title:
            return self.title
        if self.name == DEFAULT_TOPIC_NAME:
            return DEFAULT_TOPIC_TITLE
        return self.name


class SourceSettings(Strict):
    name: str = Field(
        description="The source's name, unique among sources (`crawl --source NAME`).",
        examples=["example-feed"],
    )
    kind: Literal["feed", "sitemap", "listing"] = Field(
        default="feed",
        description=(
            "`feed` (RSS/Atom), `listing` (a section page that links to articles) or "
            "`sitemap` (a sitemap, sitemap index or news sitemap)."
        ),
    )
    url: AnyHttpUrl = Field(
        description=(
            "The feed, page or sitemap. A configured URL is trusted; links learned from "
            "content are checked (see `[network] allow_private`)."
        ),
        examples=["https://example.org/rss.xml"],
    )
    interval: Duration = Field(
        default=timedelta(minutes=15),
        description=(
            "How often to poll it (`30s`, `15m`, `6h`, `1d`); the daemon adapts within "
            "`[daemon] min_interval` and `max_interval`."
        ),
    )
    topic: str | None = Field(
        default=None,
        description="The topic its articles count for. Unset: the first topic.",
        examples=[DEFAULT_TOPIC_NAME],
    )
    fetch_articles: bool = Field(
        default=False,
        description="Feeds: fetch each new entry's page and read its full text.",
    )
    aggregator: bool = Field(
        default=False,
        description=(
            "Feeds: a news-search or aggregator feed whose items name their real outlet "
            "(RSS `<source>`, Atom `source`); each item then counts for that outlet. "
            "Otherwise a source adds at most one outlet to a shift's support."
        ),
    )
    group: str | None = Field(
        default=None,
        min_length=1,
        max_length=40,
        description=(
            "The outlet group its articles count for (`ru-state`, `ru-independent`, "
            "`ua`, `intl` or a name of your own): `status` then also reports each "
            "group's status. An aggregator's items take their outlet's group from "
            "`outlet_groups`, else this one."
        ),
        examples=["intl"],
    )
    outlet_groups: dict[str, str] = Field(
        default_factory=dict,
        description=(
            "Aggregators: the group of each outlet its items name, by registrable "
            "domain; an outlet not listed takes the source's `group`."
        ),
        examples=[{"tass.ru": "ru-state", "meduza.io": "ru-independent"}],
    )
    language: str | None = Field(
        default=None,
        pattern=r"^[a-z]{2,3}$",
        description=(
            "The language its articles are in (`ru`, `uk`, …), taken as declared when "
            "the feed or page declares none. Unset: each article's letters decide."
        ),
        examples=["ru"],
    )
    link_pattern: str | None = Field(
        default=None,
        description="Listings: a regex on absolute URLs that the article links match.",
        examples=["/world/[a-z0-9-]+\\.html$"],
    )
    link_css: str | None = Field(
        default=None,
        description=(
            "Listings: a CSS selector for the article links (or elements holding them); "
            "`link_pattern`, if set, then filters them."
        ),
        examples=["h2 a"],
    )
    link_xpath: str | None = Field(
        default=None,
        description="Listings: an XPath for the article links, instead of `link_css`.",
        examples=["//h2/a"],
    )
    next_pattern: str | None = Field(
        default=None,
        description="Listings: a regex on the pagination links to follow. Unset: none.",
        examples=["/world/page[0-9]+\\.html$"],
    )
    max_pages: int = Field(
        default=5,
        ge=1,
        le=1000,
        description="Listings and sitemaps: pages (or sitemaps) per poll, the first included.",
    )
    max_depth: int = Field(
        default=2,
        ge=0,
        le=20,
        description=(
            "Listings and sitemaps: how many pagination steps or nested sitemap indexes "
            "deep a poll goes."
        ),
    )
    enabled: bool = Field(
        default=True, description="`false` keeps the source listed but never polled."
    )

    @field_validator("link_pattern", "next_pattern")
    @classmethod
    def _valid_regex(cls, pattern: str | None) -> str | None:
        if pattern is not None:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"invalid regular expression: {exc}") from exc
        return pattern

    @field_validator("outlet_groups")
    @classmethod
    def _named_groups(cls, groups: dict[str, str]) -> dict[str, str]:
        for outlet, group in groups.items():
            if not outlet.strip() or not group.strip():
                raise ValueError("outlets and their groups need non-empty names")
        return {outlet.strip().lower(): group.strip() for outlet, group in groups.items()}

    @model_validator(mode="after")
    def _listing_needs_links(self) -> SourceSettings:
        if self.kind == "listing" and not (self.link_pattern or self.link_css or self.link_xpath):
            raise ValueError("a listing source needs link_pattern, link_css or link_xpath")
        return self


class DedupSettings(Strict):
    """Near-duplicate detection; the defaults are measured by `python -m tests.eval.dedup`."""

    threshold: float = Field(
        default=0.42,
        gt=0,
        lt=1,
        description=(
            "Shingle Jaccard at or above which two texts are one story. Measured "
            "(tests/eval/dedup.py): real copies go down to 0.44, different reports up "
            "to 0.39."
        ),
    )
    short_shingles: int = Field(
        default=50,
        ge=0,
        description="Texts with fewer shingles than this (feed summaries) are short.",
    )
    short_threshold: float = Field(
        default=0.6,
        gt=0,
        le=1,
        description=(
            "The threshold for short texts, which share a clause easily (short copies "
            "measure 0.77 and up)."
        ),
    )
    num_perm: int = Field(
        default=128, ge=16, le=512, description="MinHash permutations per article."
    )
    story_window: Duration = Field(
        default=timedelta(days=30),
        description=(
            "A text joins a story only through copies published this close to it: "
            "syndicated copies follow within days, and the candidates checked stay "
            "bounded however large the archive grows (tests/bench/bench_dedup_growth.py)."
        ),
    )
    shingle: int = Field(default=3, ge=1, le=10, description="Words per shingle.")
    redis_url: str | None = Field(
        default=None,
        description="Keep the LSH index in Redis, shared by several workers. Unset: in memory.",
        examples=["redis://localhost:6379/0"],
    )
    redis_prefix: str = Field(
        default="peacewatch",
        min_length=1,
        max_length=100,
        description="Prefix of the Redis keys: one per database, as they name its article ids.",
    )
