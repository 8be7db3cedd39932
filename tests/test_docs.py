"""README, the written config and the settings models stay in step (Datasette's test_docs).

The models hold every default once; the config `init` writes is rendered from them and
README's Configuration table names their keys. These tests walk the models recursively,
so a field added without a description, or without its key in README's table, fails
here rather than reaching a user undocumented.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any, get_args, get_origin

import pytest
from pydantic import BaseModel, Field, create_model
from pydantic.fields import FieldInfo

from crawler.settings import DedupSettings, TopicSettings
from scheduler.config import DEFAULT_SOURCES, Settings, default_config, parse_settings
from scheduler.render_config import render_config

README = Path(__file__).resolve().parents[1] / "README.md"


def _submodel(annotation: Any) -> tuple[type[BaseModel] | None, bool]:
    """(the settings model a field holds, whether a list of them): tables to walk into."""
    many = get_origin(annotation) is list
    if many:
        (annotation,) = get_args(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation, many
    return None, False


def settings_fields(
    model: type[BaseModel], table: tuple[str, ...] = ()
) -> Iterator[tuple[str, str, FieldInfo]]:
    """(table, key, field) for every leaf field, e.g. ("topics.classifier", "backend", …)."""
    for name, field in model.model_fields.items():
        key = field.alias or name
        sub, _ = _submodel(field.annotation)
        if sub is not None:
            yield from settings_fields(sub, (*table, key))
        else:
            yield ".".join(table), key, field


def configuration_rows(readme: str) -> dict[str, str]:
    """README's Configuration table: the keys cell of each row, by table (`[[x]]` → x)."""
    section = readme.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    rows: dict[str, str] = {}
    for line in section.splitlines():
        match = re.match(r"^\|\s*`\[\[?([\w.]+)\]\]?`\s*\|(.*)\|\s*$", line)
        if match:
            rows[match.group(1)] = match.group(2)
    return rows


def undocumented(root: type[BaseModel], readme: str) -> list[str]:
    """Keys missing from their own table's row (a key named in another row does not count)."""
    rows = configuration_rows(readme)
    return [
        f"{table}.{key}"
        for table, key, _ in settings_fields(root)
        if f"`{key}`" not in rows.get(table, "")
    ]


def switched_on(text: str) -> str:
    """The written config with every switched-off setting on.

    Prose is `# text`; a `#` straight before TOML (`#key = …`, `#[daemon]`, `#  [...]`
    inside a long array, or a bare `#`) switches it off, so dropping it is safe.
    """
    return "\n".join(re.sub(r"^#(?! \S)", "", line) for line in text.splitlines())


def _table_of(raw: dict[str, Any], table: str) -> dict[str, Any]:
    """A table of parsed TOML by dotted name; in an array of tables, its first entry."""
    node: Any = raw
    for part in table.split("."):
        node = node[part]
        if isinstance(node, list):
            node = node[0]
    return node


def test_every_field_has_a_description():
    """The description is the comment above the key in the written config."""
    missing = [f"{t}.{k}" for t, k, field in settings_fields(Settings) if not field.description]
    assert missing == []


def test_every_field_is_in_the_readme_configuration_table():
    assert undocumented(Settings, README.read_text(encoding="utf-8")) == []


def test_every_field_is_a_key_of_the_written_config(monkeypatch):
    """Each key appears, on or switched off, and switching all of them on still loads."""
    monkeypatch.setenv("PEACEWATCH_WEBHOOK_SECRET", "s3cret")
    monkeypatch.setenv("PEACEWATCH_WEB_TOKEN", "t0ken")
    text = switched_on(default_config())
    raw = tomllib.loads(text)
    absent = [
        f"{table}.{key}"
        for table, key, _ in settings_fields(Settings)
        if key not in _table_of(raw, table)
    ]
    assert absent == []
    everything = parse_settings(text, "switched on")
    assert everything.channels[0].secret == "s3cret"
    assert everything.daemon.retention is not None


def test_written_config_loads_to_exactly_the_defaults():
    """Defaults plus the default topic and sources: nothing the models do not say."""
    written = parse_settings(default_config(), "written")
    sources = tomllib.loads(DEFAULT_SOURCES.read_text(encoding="utf-8"))
    assert set(sources) == {"sources"}, "default_sources.toml holds data, not defaults"
    assert written == Settings.model_validate(sources)
    assert written.topics == [TopicSettings()]
    assert written.dedup == DedupSettings() and written.dedup.threshold == 0.42
    assert len(written.sources) >= 15 and written.channels == []


@pytest.mark.parametrize("where", ["readme", "written config"])
def test_a_new_undocumented_field_is_caught(where):
    """The checks above are not vacuous: a new field is missed until it is documented."""
    dedup = create_model(
        "DedupWithSurprise",
        __base__=DedupSettings,
        surprise=(int, Field(default=7, description="A knob nobody wrote up.")),
    )
    root = create_model(
        "SettingsWithSurprise",
        __base__=Settings,
        dedup=(dedup, Field(default_factory=dedup, description="Stories.")),
    )
    if where == "readme":
        assert undocumented(root, README.read_text(encoding="utf-8")) == ["dedup.surprise"]
    else:
        # The renderer needs no change to write it: the models are the one place.
        text = render_config(root, preamble="test")
        assert "# A knob nobody wrote up.\nsurprise = 7\n" in text
