"""Reading, validating and writing preset files.

Validation is strict (unknown keys, wrong types, bad durations, credentials) and every
error names the file, the line and the key, because a preset is usually fixed in a
hurry during an incident.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from pathlib import Path
from typing import Any

import tomli_w

from triage.atomic import write_text
from triage.presets import schema
from triage.presets.model import Preset, PresetError
from triage.presets.secrets import find_secret
from triage.presets.toml_lines import key_lines, line_of

MAX_BYTES = 1_000_000  # a preset is a few lines; anything bigger is a mistake, not a query
_TOML_POS = re.compile(r"\s*\(at line (\d+), column (\d+)\)")
_TYPE_NAMES = {"str": "a string", "bool": "true or false", "int": "an integer", "count": "an integer",
               "number": "a number",
               "str_list": "a list of strings", "str_table": "a table of strings"}


def load_preset(path: str | Path, *, origin: str = "") -> Preset:
    """Read and validate one preset file; raises PresetError (file, line, key)."""
    path = Path(path)
    try:
        if path.stat().st_size > MAX_BYTES:
            raise PresetError(f"too large for a preset ({path.stat().st_size:,} bytes)", path=path)
        data = path.read_bytes()
    except OSError as exc:
        raise PresetError(f"cannot read: {exc.strerror or exc}", path=path) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PresetError(f"not UTF-8 text (byte {exc.start})", path=path) from None
    return parse_preset(text, path=path, origin=origin)


def parse_preset(text: str, *, path: str | Path | None = None, origin: str = "") -> Preset:
    """Validate preset TOML text. `path` names the file in errors and fixes the default name."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        m = _TOML_POS.search(msg)
        line = int(m.group(1)) if m else None
        detail = _TOML_POS.sub(f" (column {m.group(2)})" if m else "", msg)
        raise PresetError(f"TOML syntax error: {detail}", path=path, line=line) from None
    lines = key_lines(text)

    def fail(key: str | None, message: str) -> PresetError:
        return PresetError(message, path=path, line=line_of(lines, key or ""), key=key)

    secret = find_secret(raw)
    if secret:
        raise fail(secret[0], secret[1])
    values = _flatten(raw, fail)
    for key, value in values.items():
        _check_value(schema.BY_PATH[key], value, fail)
    source = values.get("source")
    if source is None:
        raise fail(None, "missing required key 'source' (files, elasticsearch, opensearch or cloudwatch)")
    for key in values:
        spec = schema.BY_PATH[key]
        if source not in spec.sources:
            raise fail(key, f"does not apply to source '{source}' (only {', '.join(sorted(spec.sources))})")
    for key in schema.REQUIRED_BY_SOURCE[source]:
        if key not in values:
            raise fail(None, f"missing required key '{key}' for source '{source}'")
    if "connection.url" in values and "connection.url_env" in values:
        raise fail("connection.url", "give connection.url or connection.url_env, not both")
    name = _name(values, path, fail)
    return Preset(
        name=name,
        source=source,
        description=values.get("description", ""),
        values={k: v for k, v in values.items() if k not in ("name", "description", "source")},
        path=Path(path) if path is not None else None,
        origin=origin,
    )


def _flatten(raw: dict[str, Any], fail) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for top, value in raw.items():
        if top in schema.SECTIONS:
            if not isinstance(value, dict):
                raise fail(top, f"must be a table ([{top}])")
            for leaf, inner in value.items():
                values[_known(f"{top}.{leaf}", fail)] = inner
        else:
            values[_known(top, fail)] = value
    return values


def _known(key: str, fail) -> str:
    if key in schema.BY_PATH:
        return key
    close = difflib.get_close_matches(key, list(schema.BY_PATH), n=1, cutoff=0.6)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    raise fail(key, f"unknown key{hint}")


def _check_value(spec: schema.Key, value: Any, fail) -> None:
    kind = spec.kind
    ok = {
        "str": isinstance(value, str),
        "bool": isinstance(value, bool),
        "int": isinstance(value, int) and not isinstance(value, bool),
        "count": isinstance(value, int) and not isinstance(value, bool),
        "number": isinstance(value, (int, float)) and not isinstance(value, bool),
        "str_list": isinstance(value, list) and all(isinstance(v, str) for v in value),
        "str_table": isinstance(value, dict) and all(isinstance(v, str) for v in value.values()),
    }[kind]
    if not ok:
        raise fail(spec.path, f"expected {_TYPE_NAMES[kind]}, got {_describe(value)}")
    if kind == "int" and value <= 0:
        raise fail(spec.path, "must be a positive integer")
    if kind == "count" and value < 0:
        raise fail(spec.path, "must be zero or more")
    if kind == "number":
        if value != value or value in (float("inf"), float("-inf")):
            raise fail(spec.path, "must be a finite number")
        if spec.check is not None:
            try:
                spec.check(value)
            except ValueError as exc:
                raise fail(spec.path, f"{value!r}: {exc}") from None
    if kind == "str_table":
        for name in value:
            problem = schema.table_key_problem(spec.path, name)
            if problem:
                raise fail(f"{spec.path}.{name}", problem)
    items = value if kind == "str_list" else [value] if kind == "str" else []
    if kind == "str_list" and not value:
        raise fail(spec.path, "must not be empty (remove the key instead)")
    for item in items:
        if spec.check is not None:
            try:
                spec.check(item)
            except ValueError as exc:
                raise fail(spec.path, f"{item!r}: {exc}") from None


def _describe(value: Any) -> str:
    names = {bool: "a boolean", int: "an integer", float: "a float", str: "a string",
             list: "a list", dict: "a table"}
    for typ, label in names.items():
        if type(value) is typ:
            if typ is list and value:
                return "a list with non-string items"
            return label
    return type(value).__name__


def _name(values: dict[str, Any], path, fail) -> str:
    stem = Path(path).stem if path is not None else None
    name = values.get("name", stem)
    if name is None:
        raise fail(None, "missing required key 'name'")
    if not schema.NAME_RE.match(name):
        raise fail("name", f"{name!r}: use letters, digits, '.', '_' and '-' (up to 80)")
    if stem is not None and name != stem:
        raise fail("name", f"{name!r} does not match the file name '{Path(path).name}' (rename one of them)")
    return name


def dumps_preset(preset: Preset) -> str:
    """TOML text for a preset, validated the same way a loaded file is."""
    text = "# triage query preset: see `triage presets show` and docs/presets.md\n"
    text += tomli_w.dumps(preset.to_dict(), multiline_strings=True)
    parse_preset(text, path=f"{preset.name}.toml")  # refuse to write what we would refuse to read
    return text


def save_preset(preset: Preset, path: str | Path | None = None, *, overwrite: bool = False) -> Path:
    """Write atomically; FileExistsError unless `overwrite`. Default path: the user's presets dir."""
    from triage.presets.locations import user_dir

    path = Path(path) if path is not None else user_dir() / f"{preset.name}.toml"
    if path.stem != preset.name:
        raise PresetError(f"file name must be {preset.name}.toml to match the preset name", path=path)
    text = dumps_preset(preset)
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_text(path, text, overwrite=overwrite, exists_message=str(path))
