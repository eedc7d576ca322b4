"""Reading one environment's settings from .env, JSON, TOML, Helm values and Kubernetes YAML.

Every format becomes the same flat mapping `key -> Setting`, so staging's `.env` can be
compared with production's Deployment manifest:

- `.env`: `KEY=VALUE` (optionally `export`, quotes, ` # comment`).
- JSON / TOML / Helm values: nested keys joined with dots (`image.tag`); a list of
  `{name, value}` items (the Kubernetes env shape, also common in Helm values) becomes
  `<path>.<NAME>`; other lists are indexed (`hosts[0]`).
- Kubernetes YAML (any number of documents): a ConfigMap's `data` keys, a Secret's
  `data`/`stringData` keys (values hidden), and for workloads (Deployment, StatefulSet,
  DaemonSet, Job, CronJob, Pod) each container's `env` (by variable name; `valueFrom`
  as a readable reference), `envFrom` sources and `image` (`image.<container>`).
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

MAX_BYTES = 10_000_000
SUFFIXES = {".env": "env", ".json": "json", ".yaml": "yaml", ".yml": "yaml", ".toml": "toml"}
WORKLOADS = {"Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob", "Pod", "ReplicaSet"}
_ENV_LINE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*?)\s*$")


class ParityError(ValueError):
    """A settings file that cannot be read: names the file (and line when known)."""


@dataclass
class Setting:
    key: str
    value: str
    origin: str  # "prod/deploy.yaml: Deployment/payments container api"
    secret: bool = False  # the value must never be shown (a Secret's data, a credential)
    ref: bool = False  # the value is a reference (secretKeyRef, configMapKeyRef), safe to show


@dataclass
class Settings:
    name: str
    paths: list[str]
    values: dict[str, Setting]
    notes: list[str]


def load_settings(path: str | Path, name: str | None = None) -> Settings:
    """One environment from a file or a directory (its supported files, merged in name order)."""
    path = Path(path)
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file() and _format_of(p, sniff=False))
        if not files:
            raise ParityError(f"{path}: no .env, JSON, TOML or YAML files in this directory")
    elif path.exists():
        files = [path]
    else:
        raise ParityError(f"{path}: no such file or directory")
    values: dict[str, Setting] = {}
    notes: list[str] = []
    for f in files:
        for s in _read_file(f, notes):
            if s.key in values and values[s.key].value != s.value:
                notes.append(f"{s.key}: set in {values[s.key].origin} and again in {s.origin}; the later one counts")
            values[s.key] = s
    return Settings(name or _default_name(path), [str(f) for f in files], values, notes)


def _default_name(path: Path) -> str:
    return path.name if path.is_dir() else (path.stem.lstrip(".") or path.name)


def _format_of(path: Path, sniff: bool = True) -> str | None:
    name = path.name.lower()
    if name == ".env" or name.startswith(".env.") or name.endswith(".env"):
        return "env"
    fmt = SUFFIXES.get(path.suffix.lower())
    if fmt or not sniff:
        return fmt
    return "sniff"


def _read_file(path: Path, notes: list[str]) -> list[Setting]:
    try:
        if path.stat().st_size > MAX_BYTES:
            raise ParityError(f"{path}: too large for a settings file ({path.stat().st_size:,} bytes)")
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ParityError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise ParityError(f"{path}: cannot read: {exc.strerror or exc}") from None
    fmt = _format_of(path)
    if fmt == "sniff":
        fmt = _sniff(text)
    return {"env": _read_env, "json": _read_json, "toml": _read_toml, "yaml": _read_yaml}[fmt](text, str(path), notes)  # type: ignore[index]


def _sniff(text: str) -> str:
    body = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    if text.lstrip().startswith(("{", "[")):
        return "json"
    if body and all(_ENV_LINE.match(ln) for ln in body):
        return "env"
    return "yaml"


def _read_env(text: str, origin: str, notes: list[str]) -> list[Setting]:
    out, bad = [], []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        m = _ENV_LINE.match(line)
        if not m:
            bad.append(n)
            continue
        out.append(Setting(m.group(1), _env_value(m.group(2)), f"{origin}:{n}"))
    if bad:
        notes.append(f"{origin}: {len(bad)} line(s) are not KEY=VALUE and were skipped (line {', '.join(map(str, bad[:5]))})")
    return out


def _env_value(raw: str) -> str:
    if len(raw) >= 2 and raw[0] in "'\"" and raw.endswith(raw[0]):
        return raw[1:-1]
    if raw[:1] in "'\"":
        end = raw.find(raw[0], 1)
        if end > 0:
            return raw[1:end]
    return re.split(r"\s+#", raw, maxsplit=1)[0]


def _read_json(text: str, origin: str, notes: list[str]) -> list[Setting]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ParityError(f"{origin}:{exc.lineno}: not valid JSON: {exc.msg}") from None
    return [Setting(k, v, origin) for k, v in flatten(data)]


def _read_toml(text: str, origin: str, notes: list[str]) -> list[Setting]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ParityError(f"{origin}: not valid TOML: {exc}") from None
    return [Setting(k, v, origin) for k, v in flatten(data)]


def _read_yaml(text: str, origin: str, notes: list[str]) -> list[Setting]:
    import yaml

    try:
        docs = [d for d in yaml.safe_load_all(text) if d is not None]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ParityError(f"{origin}{where}: not valid YAML: {problem}") from None
    out: list[Setting] = []
    for doc in docs:
        if isinstance(doc, dict) and isinstance(doc.get("kind"), str) and "apiVersion" in doc:
            out += _kubernetes(doc, origin, notes)
        else:
            out += [Setting(k, v, origin) for k, v in flatten(doc)]
    return out


def flatten(data, prefix: str = "") -> list[tuple[str, str]]:
    """Nested dicts/lists as (dotted key, text value) pairs."""
    if isinstance(data, dict):
        out = []
        for k, v in data.items():
            out += flatten(v, f"{prefix}.{k}" if prefix else str(k))
        return out
    if isinstance(data, list):
        if data and all(isinstance(i, dict) and "name" in i and ("value" in i or "valueFrom" in i) for i in data):
            return [(f"{prefix}.{i['name']}" if prefix else str(i["name"]), _text(i.get("value", _value_from(i))))
                    for i in data]
        if not data:
            return [(prefix, "[]")] if prefix else []
        out = []
        for n, v in enumerate(data):
            out += flatten(v, f"{prefix}[{n}]")
        return out
    return [(prefix or "value", _text(data))]


def _text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    return str(value)


def _value_from(item: dict) -> str:
    src = item.get("valueFrom") or {}
    for kind in ("secretKeyRef", "configMapKeyRef"):
        ref = src.get(kind) if isinstance(src, dict) else None
        if isinstance(ref, dict):
            return f"{kind} {ref.get('name', '?')}/{ref.get('key', '?')}"
    if isinstance(src, dict) and src:
        return f"valueFrom {next(iter(src))}"
    return ""


def _kubernetes(doc: dict, origin: str, notes: list[str]) -> list[Setting]:
    kind = doc["kind"]
    name = (doc.get("metadata") or {}).get("name", "?")
    where = f"{origin}: {kind}/{name}"
    if kind == "ConfigMap":
        data = {**(doc.get("data") or {}), **(doc.get("binaryData") or {})}
        return [Setting(str(k), _text(v), where) for k, v in data.items()]
    if kind == "Secret":
        data = {**(doc.get("data") or {}), **(doc.get("stringData") or {})}
        return [Setting(str(k), _text(v), where, secret=True) for k, v in data.items()]
    if kind in WORKLOADS:
        return _workload(doc, where)
    notes.append(f"{where}: kind {kind} is not compared")
    return []


def _pod_spec(doc: dict) -> dict:
    spec = doc.get("spec") or {}
    if doc["kind"] == "Pod":
        return spec
    if doc["kind"] == "CronJob":
        spec = ((spec.get("jobTemplate") or {}).get("spec")) or {}
    return ((spec.get("template") or {}).get("spec")) or {}


def _workload(doc: dict, where: str) -> list[Setting]:
    spec = _pod_spec(doc)
    out: list[Setting] = []
    containers = list(spec.get("containers") or []) + list(spec.get("initContainers") or [])
    for c in containers:
        if not isinstance(c, dict):
            continue
        cname = str(c.get("name", "?"))
        at = f"{where} container {cname}"
        if c.get("image"):
            out.append(Setting(f"image.{cname}", str(c["image"]), at))
        for item in c.get("env") or []:
            if not isinstance(item, dict) or "name" not in item:
                continue
            if "value" in item:
                out.append(Setting(str(item["name"]), _text(item["value"]), at))
            else:
                out.append(Setting(str(item["name"]), _value_from(item), at, ref=True))
        for src in c.get("envFrom") or []:
            if not isinstance(src, dict):
                continue
            for kind in ("secretRef", "configMapRef"):
                if isinstance(src.get(kind), dict):
                    ref = str(src[kind].get("name", "?"))
                    out.append(Setting(f"envFrom.{kind}.{ref}", f"{kind} {ref}", at, ref=True))
    return out
