"""The unit document (``tutela import unit`` / ``export unit``): its sections, fields and canonical form.

One description drives the JSON Schema (docs/unit-schema.json), the checks on every record (from a file or
from a command), and the form records are written out in. Pure: references to other records are checked
by the caller, who knows what the store holds.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, tzinfo
from itertools import pairwise
from typing import Any

from tutela.domain import unit
from tutela.errors import UsageError

# section -> field -> kind. "->S" names one record of section S, "->>S" a list of them. Order matters:
# a section only names records of sections before it.
SECTIONS: dict[str, dict[str, str]] = {
    "teams": {"ref": "ref", "name": "text", "kind": "team_kind"},
    "operations": {"ref": "ref", "name": "text", "start": "day", "end": "day"},
    "referrals": {"ref": "ref", "received": "time", "source": "text", "team": "->teams", "risk_band": "risk_band",
                  "risk_reasons": "reasons", "status": "referral_status"},
    "cases": {"ref": "ref", "team": "->teams", "referrals": "->>referrals", "status": "case_status",
              "opened": "time", "outcome": "text"},
    "suspects": {"ref": "ref", "case": "->cases", "age": "age"},
    "warrants": {"ref": "ref", "case": "->cases", "operation": "->operations", "applied": "time",
                 "granted": "time", "executed": "time", "outcome": "text"},
    "arrests": {"ref": "ref", "suspect": "->suspects", "operation": "->operations", "at": "time"},
    "exhibits": {"ref": "ref", "case": "->cases", "operation": "->operations", "type": "exhibit_type",
                 "seized": "time", "seized_place": "text", "bag_number": "text", "status": "exhibit_status",
                 "continuity": "continuity"},
    "safeguarding": {"ref": "ref", "case": "->cases", "child": "child", "operation": "->operations",
                     "at": "time", "age_band": "age_band"},
}
REQUIRED: dict[str, tuple[str, ...]] = {
    "teams": ("ref", "name", "kind"), "operations": ("ref", "name", "start", "end"),
    "referrals": ("ref", "received"), "cases": ("ref",), "suspects": ("ref", "case"), "warrants": ("ref", "case"),
    "arrests": ("ref", "suspect", "at"), "exhibits": ("ref", "case", "type"),
    "safeguarding": ("ref", "case", "child", "at"),
}
SINGULAR = {"teams": "team", "operations": "operation", "referrals": "referral", "cases": "case",
            "suspects": "suspect", "warrants": "warrant", "arrests": "arrest", "exhibits": "exhibit",
            "safeguarding": "safeguarding record"}
CHOICES = {"team_kind": unit.TEAM_KINDS, "risk_band": unit.RISK_BANDS, "referral_status": unit.REFERRAL_STATUSES,
           "case_status": unit.CASE_STATUSES, "exhibit_type": unit.EXHIBIT_TYPES,
           "exhibit_status": unit.EXHIBIT_STATUSES, "age_band": unit.AGE_BANDS}
CHOICE_NAMES = {"team_kind": "team kind", "risk_band": "risk band", "referral_status": "referral status",
                "case_status": "case status", "exhibit_type": "exhibit type", "exhibit_status": "exhibit status",
                "age_band": "age band"}
# Compared on re-import; the continuity log only ever grows, so it is not.
NOT_COMPARED = frozenset({"continuity"})


def target(kind: str) -> str | None:
    """The section a reference field points to, or None."""
    return kind.lstrip("->") if kind.startswith("->") else None


def normalise(section: str, item: dict[str, Any], zone: tzinfo) -> tuple[dict[str, Any], list[str]]:
    """The record in canonical form (times UTC with Z, lists sorted) and every problem found in it."""
    fields = SECTIONS[section]
    out: dict[str, Any] = {}
    problems = [f"{name} is missing" for name in REQUIRED[section] if item.get(name) is None]
    problems += [f"unknown field {name!r}" for name in item if name not in fields]
    for name, value in item.items():
        if name not in fields or value is None:
            continue
        try:
            out[name] = _canonical(fields[name], value, zone, name, section)
        except UsageError as exc:
            problems.append(str(exc))
    problems += _cross_checks(section, out)
    return out, problems


def _canonical(kind: str, value: Any, zone: tzinfo, name: str, section: str) -> Any:
    if kind in ("ref", "child"):
        return unit.check_ref(value, SINGULAR[section] if kind == "ref" else "child")
    if kind.startswith("->>"):
        if not isinstance(value, list):
            raise UsageError(f"{name} must be a list of references")
        return sorted({unit.check_ref(v, SINGULAR[target(kind) or ""]) for v in value})
    if kind.startswith("->"):
        return unit.check_ref(value, SINGULAR[target(kind) or ""])
    return _CONVERTERS[kind](value, zone, name)


def _text(value: Any, _zone: tzinfo, name: str) -> str:
    if not isinstance(value, str):
        raise UsageError(f"{name} must be text")
    return value


def _choice(kind: str) -> Callable[[Any, tzinfo, str], str]:
    return lambda value, _zone, _name: unit.check_choice(value, CHOICES[kind], CHOICE_NAMES[kind])


def _reasons(value: Any, _zone: tzinfo, name: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise UsageError(f"{name} must be a list of text")
    return list(value)


def _continuity(value: Any, zone: tzinfo, name: str) -> list[dict[str, str]]:
    events = []
    for event in value:
        kind = unit.check_choice(event.get("kind", "movement"), unit.CONTINUITY_KINDS, "continuity kind")
        events.append({"at": unit.format_when(unit.parse_when(event.get("at"), zone, "continuity time")),
                       "from": str(event.get("from", "")), "to": str(event.get("to", "")),
                       "reason": str(event.get("reason", "")), "kind": kind})
    return events


_CONVERTERS: dict[str, Callable[[Any, tzinfo, str], Any]] = {
    "text": _text,
    "time": lambda value, zone, name: unit.format_when(unit.parse_when(value, zone, name)),
    "day": lambda value, _zone, name: unit.parse_day(value, name).isoformat(),
    "age": lambda value, _zone, _name: unit.check_age(value),
    "reasons": _reasons,
    "continuity": _continuity,
    **{kind: _choice(kind) for kind in CHOICES},
}


def _cross_checks(section: str, record: dict[str, Any]) -> list[str]:
    try:
        if section == "operations" and "start" in record and "end" in record:
            unit.check_period(unit.parse_day(record["start"]), unit.parse_day(record["end"]), "operation dates")
        if section == "warrants":
            times = [(n, record.get(n)) for n in ("applied", "granted", "executed")]
            given = [(n, unit.parse_when(v, UTC)) for n, v in times if v]
            for (first, early), (second, late) in pairwise(given):
                unit.check_order(early, late, (first, second))
    except UsageError as exc:
        return [str(exc)]
    return []


def references(section: str, record: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(field, target section, ref) for every other record this one names."""
    out = []
    for name, kind in SECTIONS[section].items():
        goes_to = target(kind)
        if goes_to and record.get(name) is not None:
            values = record[name] if kind.startswith("->>") else [record[name]]
            out += [(name, goes_to, value) for value in values]
    return out


def differences(incoming: dict[str, Any], existing: dict[str, Any]) -> list[str]:
    """Fields given in ``incoming`` that the stored record holds differently."""
    return [name for name, value in incoming.items()
            if name not in NOT_COMPARED and existing.get(name) != value]
