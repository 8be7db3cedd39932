"""The one config file: find it, read it, fill in `${VAR}`, validate it whole.

Each package owns the models of its own sections; this module composes them into
`Settings`. Any problem surfaces as `ConfigError` with one line naming the key, before
the program does anything.

Every default lives once, in those models. The file `peacewatch init` writes, which is
also what runs when there is no file, is rendered from them (`default_config`); only
the default sources are data, kept in `default_sources.toml`.
"""

from __future__ import annotations

import os
import re
import tomllib
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError, model_validator

from crawler.settings import (
    DatabaseSettings,
    DedupSettings,
    NetworkSettings,
    SourceSettings,
    Strict,
    TopicSettings,
)
from notifier.settings import AlertSettings, ChannelSettings, WebSettings
from scheduler.render_config import render_config
from scheduler.settings import DaemonSettings

CONFIG_ENV = "PEACEWATCH_CONFIG"
WEB_ENV = {
    "host": "PEACEWATCH_WEB_HOST",
    "port": "PEACEWATCH_WEB_PORT",
    "token": "PEACEWATCH_WEB_TOKEN",
}
"""Environment variables that override `[web]` keys: a container sets where to listen
without editing the user's mounted config (whose 127.0.0.1 would reach nothing)."""
DEFAULT_PATH = Path("peacewatch.toml")
DEFAULT_SOURCES = Path(__file__).with_name("default_sources.toml")
_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
MAX_NESTING = 32
"""Arrays and tables nested deeper than this are refused; no setting needs more than 3."""


class ConfigError(ValueError):
    """A config problem, worded as the one line the user will read."""


class Settings(Strict):
    """The whole file; each field's description heads its section in the written config."""

    database: DatabaseSettings = Field(
        default_factory=DatabaseSettings, description="Where everything is stored."
    )
    topics: list[TopicSettings] = Field(
        default_factory=list,
        description=(
            "What to watch. Without a [[topics]] table peacewatch watches the default "
            "topic, the Russia–Ukraine peace talks, as the entry below spells out; the "
            "first topic is the one sources count for unless they name another."
        ),
    )
    sources: list[SourceSettings] = Field(
        default_factory=list,
        description="Where news comes from: one [[sources]] table per feed, listing or sitemap.",
    )
    channels: list[ChannelSettings] = Field(
        default_factory=list,
        description=(
            "Where alerts go: one [[channels]] table per webhook, email or Apprise target. "
            "With none, shifts are recorded and shown but not sent."
        ),
    )
    alerts: AlertSettings = Field(
        default_factory=AlertSettings,
        description="When coverage has shifted, and how the alerts about it are delivered.",
    )
    web: WebSettings = Field(
        default_factory=WebSettings,
        description="The dashboard, JSON API, /healthz and /metrics (`run` and `serve`).",
    )
    network: NetworkSettings = Field(
        default_factory=NetworkSettings, description="How feeds and pages are fetched."
    )
    dedup: DedupSettings = Field(
        default_factory=DedupSettings,
        description="Stories: when two articles are copies of one another.",
    )
    daemon: DaemonSettings = Field(
        default_factory=DaemonSettings,
        description="The daemon (`peacewatch run`): polling, source health and upkeep.",
    )

    @model_validator(mode="after")
    def _consistent(self) -> Settings:
        if not self.topics:
            self.topics = [TopicSettings()]
        _unique("topics", [t.name for t in self.topics])
        _unique("sources", [s.name for s in self.sources])
        _unique("channels", [c.name for c in self.channels])
        topic_names = {t.name for t in self.topics}
        for index, source in enumerate(self.sources):
            if source.topic is None:
                source.topic = self.topics[0].name
            elif source.topic not in topic_names:
                raise ValueError(
                    f"sources[{index}].topic: unknown topic {source.topic!r} "
                    f"(known: {', '.join(sorted(topic_names))})"
                )
        return self

    def topic(self, name: str | None = None) -> TopicSettings:
        for topic in self.topics:
            if name is None or topic.name == name:
                return topic
        raise KeyError(name)


def _unique(section: str, names: list[str]) -> None:
    seen: set[str] = set()
    for index, name in enumerate(names):
        if name in seen:
            raise ValueError(f"{section}[{index}].name: duplicate name {name!r}")
        seen.add(name)


_PREAMBLE = """
peacewatch configuration, written by `peacewatch init`.

peacewatch watches news coverage of a question and alerts you when the reported answer
shifts. Every setting is here, under its description: `key = value` is in force, and a
`#` straight before a key (`#key = value`) switches it off, showing the default or an
example; delete that `#` to switch it on. Without any config file peacewatch runs
exactly this one.

`${VAR}` in any value reads the environment. An unknown key, a bad URL or a bad
interval stops peacewatch with one line naming the key, before it does anything.
"""


@cache
def default_config() -> str:
    """The commented config `init` writes and a config-less run uses: the models' defaults.

    [daemon] is written switched off, as the hand-written file had it: its bounds suit
    nearly every install, and a user who appends their own [daemon] table still has a
    valid file. The default topic and sources are written as entries; every other value
    comes from the models, so this cannot drift from them.
    """
    return render_config(
        Settings,
        preamble=_PREAMBLE,
        off={"daemon"},
        entries={"sources": DEFAULT_SOURCES.read_text(encoding="utf-8")},
    )


def resolve_path(path: Path | str | None) -> Path | None:
    """The config file to read: `--config`, then $PEACEWATCH_CONFIG, then ./peacewatch.toml.

    None means no file was named and none exists: the built-in default applies.
    """
    if path is not None:
        return Path(path)
    if os.environ.get(CONFIG_ENV):
        return Path(os.environ[CONFIG_ENV])
    if DEFAULT_PATH.exists():
        return DEFAULT_PATH
    return None


def load_settings(path: Path | str | None = None) -> Settings:
    resolved = resolve_path(path)
    if resolved is None:
        return parse_settings(default_config(), "default config")
    try:
        text = resolved.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"config file {resolved} not found (run `peacewatch init`)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read config file {resolved}: {exc}") from None
    settings = parse_settings(text, str(resolved))
    _check_files(settings, str(resolved))
    return settings


def _check_files(settings: Settings, origin: str) -> None:
    """Files the config names must exist: a missing one stops the program at start,
    named by its key, rather than when the first article is read."""
    for i, topic in enumerate(settings.topics):
        lexicon = topic.classifier.lexicon
        if lexicon is not None and not Path(lexicon).is_file():
            raise ConfigError(f"{origin}: topics[{i}].classifier.lexicon: no file at {lexicon!r}")
        path = topic.classifier.model_path
        if path is not None and not Path(path).is_file():
            raise ConfigError(
                f"{origin}: topics[{i}].classifier.model_path: no model file at {path!r} "
                "(write one with `peacewatch train`)"
            )


def parse_settings(text: str, origin: str = "config") -> Settings:
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{origin}: not valid TOML: {exc}") from None
    except RecursionError:  # tomllib parses nested arrays and inline tables recursively
        raise ConfigError(
            f"{origin}: not valid TOML: arrays or tables nested too deeply "
            f"(at most {MAX_NESTING} levels)"
        ) from None
    try:
        raw = _interpolate(raw, ())
    except ConfigError as exc:
        raise ConfigError(f"{origin}: {exc}") from None
    _web_from_environment(raw)
    try:
        return Settings.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(f"{origin}: {_first_error(exc, raw)}") from None


def _web_from_environment(raw: dict[str, Any]) -> None:
    """Apply $PEACEWATCH_WEB_HOST / _PORT / _TOKEN over `[web]` when set and not blank."""
    web = raw.get("web")
    if web is not None and not isinstance(web, dict):
        return  # the model reports the malformed section itself
    for key, name in WEB_ENV.items():
        value = os.environ.get(name, "").strip()
        if not value:
            continue
        if key == "port":
            if not value.isdigit() or int(value) > 65535:
                raise ConfigError(f"${name}: expected a port number 0-65535, got {value!r}")
            raw.setdefault("web", {})[key] = int(value)
        else:
            raw.setdefault("web", {})[key] = value


def _interpolate(value: Any, where: tuple[str | int, ...]) -> Any:
    if len(where) > MAX_NESTING:
        raise ConfigError(
            f"{_key(where[:MAX_NESTING])}: arrays or tables nested too deeply "
            f"(at most {MAX_NESTING} levels)"
        )
    if isinstance(value, str):

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in os.environ:
                raise ConfigError(f"{_key(where)}: environment variable {name} is not set")
            return os.environ[name]

        return _VAR.sub(replace, value)
    if isinstance(value, dict):
        return {k: _interpolate(v, (*where, k)) for k, v in value.items()}
    if isinstance(value, list):
        return [_interpolate(v, (*where, i)) for i, v in enumerate(value)]
    return value


def _key(where: tuple[str | int, ...]) -> str:
    out = ""
    for part in where:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "config"


def _first_error(exc: ValidationError, raw: dict[str, Any]) -> str:
    error = exc.errors()[0]
    loc = tuple(p for p in error["loc"] if not (isinstance(p, str) and "[" in p and "]" in p))
    message = str(error["msg"]).removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        return f"{_key(loc)}: unknown key"
    if error["type"] == "missing":
        return f"{_key(loc)}: required key is missing"
    if error["type"].startswith("url_"):
        return f"{_key(loc)}: invalid URL {error.get('input')!r} ({message})"
    if not loc and message.split(":", 1)[0].endswith(("name", "topic")):
        return message
    return f"{_key(loc)}: {message}" if loc else message
