"""Recording the unit's work one record at a time: every value checked before anything is written."""

from __future__ import annotations

from datetime import tzinfo
from typing import Any

from tutela.domain import unit, unit_format
from tutela.errors import NotFoundError, UsageError
from tutela.store.unit import UnitStore

CONTINUITY_STATUS = {"examination": "in_examination", "return": "returned"}


def add_record(store: UnitStore, section: str, item: dict[str, Any], zone: tzinfo) -> dict[str, Any]:
    """Check one record as an import would, then insert it (one transaction)."""
    record, problems = unit_format.normalise(section, {k: v for k, v in item.items() if v not in (None, [])}, zone)
    if problems:
        raise UsageError(f"bad {unit_format.SINGULAR[section]} {item.get('ref')!r}: {'; '.join(problems)}")
    return store.add(section, record)


def add_suspect(store: UnitStore, item: dict[str, Any], zone: tzinfo, team: str | None = None) -> dict[str, Any]:
    """A suspect belongs to one case; naming a case of another team (or a team the case is not) is refused."""
    case = store.record("cases", item["case"])
    if team is not None and case.get("team") != team:
        raise UsageError(f"suspect {item['ref']!r}: case {case['ref']!r} belongs to team "
                         f"{case.get('team') or '(none)'}, not {team}")
    try:
        held = store.record("suspects", item["ref"])
    except NotFoundError:
        held = None
    if held is not None and held["case"] != case["ref"]:
        other = store.record("cases", held["case"])
        if other.get("team") != case.get("team"):
            raise UsageError(f"suspect {item['ref']!r} is in case {other['ref']!r} of team "
                             f"{other.get('team') or '(none)'}; case {case['ref']!r} belongs to team "
                             f"{case.get('team') or '(none)'}")
    return add_record(store, "suspects", item, zone)


def add_exhibit(store: UnitStore, item: dict[str, Any], zone: tzinfo, seized_by: str | None = None) -> dict:
    """An exhibit; who seized it opens its continuity log."""
    if seized_by:
        at = item.get("seized") or unit.format_when(store.clock())
        item = {**item, "continuity": [{"at": at, "from": "", "to": seized_by, "reason": "seized",
                                        "kind": "seizure"}]}
    return add_record(store, "exhibits", item, zone)


def update_warrant(store: UnitStore, ref: str, zone: tzinfo, **given: str | None) -> dict[str, Any]:
    """Record a warrant's grant, execution or outcome; times must keep their order (applied, granted, executed)."""
    current = store.record("warrants", ref)
    merged = {**current, **{k: v for k, v in given.items() if v is not None}}
    record, problems = unit_format.normalise("warrants", merged, zone)
    if problems:
        raise UsageError(f"bad warrant {ref!r}: {'; '.join(problems)}")
    values = {name: unit.parse_when(record[name], zone) if name != "outcome" else record[name]
              for name in given if given[name] is not None}
    return store.change("warrants", ref, **values)


def move_exhibit(store: UnitStore, ref: str, zone: tzinfo, *, to: str, reason: str, kind: str = "movement",
                 at: str | None = None) -> dict[str, Any]:
    """Append to the exhibit's continuity log; an examination or a return also changes its status."""
    unit.check_choice(kind, unit.CONTINUITY_KINDS, "continuity kind")
    if not to.strip() or not reason.strip():
        raise UsageError(f"exhibit {ref!r}: a movement needs who has it now (--to) and why (--reason)")
    when = unit.parse_when(at, zone, "--at") if at else None
    return store.add_continuity(ref, to=to, reason=reason, kind=kind, at=when, status=CONTINUITY_STATUS.get(kind))


def set_status(store: UnitStore, section: str, ref: str, status: str, **values: Any) -> dict[str, Any]:
    choices = {"exhibits": unit.EXHIBIT_STATUSES, "cases": unit.CASE_STATUSES,
               "referrals": unit.REFERRAL_STATUSES}[section]
    unit.check_choice(status, choices, f"{unit_format.SINGULAR[section]} status")
    return store.change(section, ref, status=status, **{k: v for k, v in values.items() if v is not None})
