"""Validate JSON bodies against component schemas of Xero's OpenAPI spec (MIT, XeroAPI/Xero-OpenAPI).

The spec is OpenAPI 3.0: ``nullable: true`` becomes a ``null`` alternative, ``$ref`` resolves
inside the document, and dates are plain strings (MS-JSON ``/Date(…)/`` included). Numbers may be
Decimal (parse bodies with ``parse_float=Decimal``). ``strict=True`` also refuses properties the
schema does not declare — except the ``…String`` companions Xero adds (``DateString``) and the
envelope keys (``Id``, ``Status``, ``ProviderName``, ``DateTimeUTC``) at the top.

Used for sandbox responses here, and for the plugin's request bodies. Skips the calling test with
a clear message when the spec file is absent (outside this repository's workspace).
"""

from __future__ import annotations

import copy
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator

SPEC_PATH = Path(__file__).parents[3].parent / "shared/specs/xero_accounting.yaml"
ENVELOPE = {"Id": {"type": "string"}, "Status": {"type": "string"}, "ProviderName": {"type": "string"},
            "DateTimeUTC": {"type": "string"}}
COMPANIONS = {"^.+String$": {"type": "string"}}


@lru_cache(maxsize=1)
def _spec() -> dict[str, Any] | None:
    if not SPEC_PATH.is_file():
        return None
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with SPEC_PATH.open(encoding="utf-8") as handle:
        return yaml.load(handle, Loader=loader)


def spec() -> dict[str, Any]:
    """The parsed spec, or skip the test."""
    loaded = _spec()
    if loaded is None:
        pytest.skip(f"Xero OpenAPI spec not found at {SPEC_PATH} (it lives in the shared workspace)")
    return loaded


def _convert(node: Any, strict: bool) -> Any:
    if isinstance(node, list):
        return [_convert(n, strict) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: _convert(v, strict) for k, v in node.items() if not k.startswith("x-") and k not in ("example", "nullable")}
    if node.get("nullable"):
        if "type" in out:
            out["type"] = [out["type"], "null"]
        if "enum" in out:
            out["enum"] = list(out["enum"]) + [None]
        if "$ref" in out:
            out = {"anyOf": [{"$ref": out.pop("$ref")}, {"type": "null"}], **out}
    if strict and isinstance(node.get("properties"), dict) and "additionalProperties" not in node:
        out["additionalProperties"] = False
        out["patternProperties"] = COMPANIONS
    return out


@lru_cache(maxsize=2)
def _components(strict: bool) -> dict[str, Any]:
    return _convert(copy.deepcopy(spec()["components"]["schemas"]), strict)


@lru_cache(maxsize=64)
def validator(name: str, *, strict: bool = False, envelope: bool = False) -> Draft202012Validator:
    """A validator for ``components.schemas[name]`` (``envelope`` allows Xero's top-level keys)."""
    schemas = _components(strict)
    if name not in schemas:
        raise KeyError(f"no component schema {name!r} in {SPEC_PATH.name}")
    root: dict[str, Any] = {"components": {"schemas": schemas}, "$ref": f"#/components/schemas/{name}"}
    if envelope and strict:
        root = {"components": {"schemas": schemas}, "allOf": [{"$ref": f"#/components/schemas/{name}"}]}
        target = copy.deepcopy(schemas[name])
        target["properties"] = {**target.get("properties", {}), **ENVELOPE}
        root["allOf"] = [target]
    return Draft202012Validator(root, format_checker=Draft202012Validator.FORMAT_CHECKER)


def errors(body: Any, name: str, *, strict: bool = False, envelope: bool = False) -> list[str]:
    """Readable validation errors (empty when ``body`` is valid)."""
    found = sorted(validator(name, strict=strict, envelope=envelope).iter_errors(body), key=lambda e: list(e.path))
    return [f"{'/'.join(str(p) for p in e.path) or '<root>'}: {e.message}" for e in found]


def assert_valid(body: Any, name: str, *, strict: bool = False, envelope: bool = False) -> None:
    """Fail with every problem listed when ``body`` does not validate against schema ``name``."""
    problems = errors(body, name, strict=strict, envelope=envelope)
    assert not problems, f"body does not match Xero's {name} schema:\n  " + "\n  ".join(problems[:20])
