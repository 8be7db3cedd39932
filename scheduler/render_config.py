"""The commented TOML a user edits, rendered from the settings models.

Defaults used to live twice, in the models and in a hand-written TOML file, and the two
drifted (the dedup threshold was 0.42 in one and 0.5 in the other, so `init` and a
config-less `run` ran a value nobody had measured). Now the models are the only place:
each field's default becomes its value here and its `Field(description=...)` the
comment above it, so a new field shows up in the file the moment it exists.

The file's one convention: `# text` is prose, and a `#` straight before TOML (`#key =
…`, `#[daemon]`, or the indented lines of a long array) is a setting switched off,
showing its default or, when it has none, its example (`Field(examples=[...])`).
Deleting every such `#` still leaves a valid config (tests/test_docs.py checks it).
"""

from __future__ import annotations

import json
import textwrap
import tomllib
from collections.abc import Collection, Iterator, Mapping
from typing import Annotated, Any, get_args, get_origin

from pydantic import BaseModel, TypeAdapter
from pydantic.fields import FieldInfo

WIDTH = 88
RULE = "# " + "-" * (WIDTH - 2)


def render_config(
    root: type[BaseModel],
    *,
    preamble: str,
    off: Collection[str] = (),
    entries: Mapping[str, str] | None = None,
) -> str:
    """The config file for `root`, whose fields are all tables or arrays of tables.

    `off` names tables written switched off as a whole. Each array of tables gets a
    switched-off reference entry listing every key; `entries` may add real entries to an
    array as TOML text (comments kept), which must hold that array and nothing else.
    """
    entries = entries or {}
    for name, text in entries.items():
        _check_entries(name, text)
    paragraphs = preamble.strip().split("\n\n")
    lines = ["\n#\n".join(_comment(" ".join(p.split())) for p in paragraphs)]
    for name, field in root.model_fields.items():
        key = field.alias or name
        model, many = _model_of(field)
        if model is None:
            raise TypeError(f"{root.__name__}.{name}: top-level settings must be tables")
        header = f"[[{key}]]" if many else f"[{key}]"
        about = _description(field, f"{root.__name__}.{name}")
        lines += ["", RULE, _comment(f"{header} {about}"), RULE]
        if many:
            lines.append(
                _comment(
                    "Every key of an entry, with its default or an example; to add an "
                    f"entry, delete the # before {header} and before the keys you set."
                )
            )
            lines += _table(model, key, many=True, switched_off=True)
            if key in entries:
                lines += ["", entries[key].strip()]
            continue
        if key in off:
            hint = f"Switched off as a whole: to change a key, delete the # before {header}"
            lines.append(_comment(hint + " and before that key."))
        lines += _table(model, key, many=False, switched_off=key in off)
    return "\n".join(lines) + "\n"


def _check_entries(name: str, text: str) -> None:
    """Entries are data, never defaults: they may hold their array and nothing else."""
    keys = set(tomllib.loads(text))
    if keys != {name}:
        raise ValueError(f"entries for {name!r} hold {sorted(keys)}, not only [[{name}]]")


def _table(model: type[BaseModel], path: str, *, many: bool, switched_off: bool) -> list[str]:
    """One table: its header, then each scalar key under its description, then sub-tables.

    Sub-tables come last because in TOML every key after a header belongs to it.
    """
    mark = "#" if switched_off else ""
    lines = [mark + (f"[[{path}]]" if many else f"[{path}]")]
    nested: list[tuple[str, type[BaseModel], FieldInfo]] = []
    for name, field in model.model_fields.items():
        key = field.alias or name
        where = f"{model.__name__}.{name}"
        sub, sub_many = _model_of(field)
        if sub is not None:
            if sub_many:
                raise TypeError(f"{where}: arrays of tables only at the top level")
            nested.append((key, sub, field))
            continue
        value, example = _shown_value(field, where)
        lines += ["", _comment(_description(field, where))]
        lines += _prefixed(f"{key} = {_toml(value, len(key) + 3)}", switched_off or example)
    for key, sub, field in nested:
        lines += ["", _comment(f"[{path}.{key}] {_description(field, f'{model.__name__}.{key}')}")]
        lines += _table(sub, f"{path}.{key}", many=False, switched_off=switched_off)
    return lines


def _model_of(field: FieldInfo) -> tuple[type[BaseModel] | None, bool]:
    """(the settings model a field holds, whether it holds a list of them)."""
    annotation = field.annotation
    many = get_origin(annotation) is list
    if many:
        (annotation,) = get_args(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation, many
    return None, False


def _description(field: FieldInfo, where: str) -> str:
    if not field.description:
        raise ValueError(f"{where}: needs Field(description=...), the comment users read")
    return field.description


def _shown_value(field: FieldInfo, where: str) -> tuple[Any, bool]:
    """(the value to write, whether it is an example rather than the default).

    A field whose default is nothing (None, an empty list) shows its example, switched
    off: `to = []` would teach nothing.
    """
    if not field.is_required():
        default = field.get_default(call_default_factory=True)
        if not (default is None or (default in ([], {}) and field.examples)):
            # The field's metadata carries its serializer (a Duration writes as `15m`).
            shape: Any = field.annotation
            if field.metadata:
                shape = Annotated[(shape, *field.metadata)]
            adapter: TypeAdapter[Any] = TypeAdapter(shape)
            return adapter.dump_python(default, mode="json"), False
    if not field.examples:
        raise ValueError(f"{where}: a field without a default needs Field(examples=[...])")
    return field.examples[0], True


def _comment(text: str) -> str:
    wrapped = textwrap.wrap(text, WIDTH - 2, break_long_words=False, break_on_hyphens=False)
    return "\n".join("# " + line for line in wrapped)


def _prefixed(text: str, switched_off: bool) -> list[str]:
    return [("#" if switched_off else "") + line for line in text.split("\n")]


def _toml(value: Any, used: int = 0, indent: int = 0) -> str:
    """A TOML value; arrays too long for one line get one element (or a run) per line."""
    flat = _inline(value)
    if not isinstance(value, list) or used + len(flat) <= WIDTH:
        return flat
    pad = " " * (indent + 2)
    if any(isinstance(item, list) for item in value):
        body = [pad + _toml(item, len(pad), indent + 2) + "," for item in value]
    else:
        body = list(_packed([_inline(item) + "," for item in value], pad))
    return "\n".join(["[", *body, " " * indent + "]"])


def _packed(pieces: list[str], pad: str) -> Iterator[str]:
    line = ""
    for piece in pieces:
        if line and len(pad) + len(line) + 1 + len(piece) > WIDTH:
            yield pad + line
            line = ""
        line = f"{line} {piece}" if line else piece
    if line:
        yield pad + line


def _inline(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        if "\\" in value and "'" not in value and value.isprintable():
            return f"'{value}'"  # a literal string: regexes read as written
        return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")
    if isinstance(value, list):
        return "[" + ", ".join(_inline(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_inline(k)} = {_inline(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"no TOML form for {value!r}")
