"""The JSON Schema of the unit document, built from its one description (published as docs/unit-schema.json)."""

from __future__ import annotations

from typing import Any

from tutela.domain import unit
from tutela.domain.unit_format import CHOICES, REQUIRED, SECTIONS

SCHEMA_ID = "https://tutela.example/schemas/unit-1.json"

_REF = {"type": "string", "minLength": 1, "maxLength": unit.REF_MAX}
_TIME = {"type": "string", "description": "ISO 8601 time; without an offset, in the unit's time zone",
         "pattern": r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$"}
_DAY = {"type": "string", "description": "ISO 8601 date, inclusive", "pattern": r"^\d{4}-\d{2}-\d{2}$"}


def _field(kind: str) -> dict[str, Any]:
    if kind in ("ref", "child") or (kind.startswith("->") and not kind.startswith("->>")):
        return dict(_REF)
    if kind.startswith("->>"):
        return {"type": "array", "items": dict(_REF), "uniqueItems": True}
    if kind in CHOICES:
        return {"enum": list(CHOICES[kind])}
    return {
        "text": {"type": "string"},
        "time": _TIME,
        "day": _DAY,
        "age": {"type": "integer", "minimum": unit.SUSPECT_AGE_MIN, "maximum": unit.SUSPECT_AGE_MAX},
        "reasons": {"type": "array", "items": {"type": "string"}},
        "continuity": {"type": "array", "items": {
            "type": "object", "additionalProperties": False, "required": ["at", "to", "reason"],
            "properties": {"at": _TIME, "from": {"type": "string"}, "to": {"type": "string"},
                           "reason": {"type": "string"}, "kind": {"enum": list(unit.CONTINUITY_KINDS)}}}},
    }[kind]


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    """Optional fields may be null; merged rather than anyOf, so that errors name the real constraint."""
    if "enum" in schema:
        return {"enum": [*schema["enum"], None]}
    return {**schema, "type": [schema["type"], "null"]}


def unit_schema() -> dict[str, Any]:
    sections = {}
    for section, fields in SECTIONS.items():
        required = REQUIRED[section]
        properties = {name: _field(kind) if name in required else _nullable(_field(kind))
                      for name, kind in fields.items()}
        sections[section] = {"type": "array", "items": {
            "type": "object", "additionalProperties": False, "required": list(required), "properties": properties}}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "Tutela unit records",
        "description": "Teams, operations, referrals, cases and what they hold; see docs/unit.md.",
        "type": "object",
        "additionalProperties": False,
        "properties": {"format": {"const": "tutela-unit/1"}, **sections},
    }
