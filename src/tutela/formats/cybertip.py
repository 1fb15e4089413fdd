"""CyberTipline-style referral reports (JSON): what intake needs, read and checked; nothing else.

Shape (docs/unit.md, "Referral intake"): ``report_id``, ``received``, ``source``, ``incident`` (``type``,
``time``, ``escalated``), ``reported_persons`` (``screen_names``, ``emails``, ``phones``, ``ip_captures``
[{``ip``, ``at``}], ``access_to_children``, ``contact_offending_indicators``), ``files`` (``name``, ``md5``,
``sha1``, ``sha256``, ``annotations``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tutela.errors import UsageError

SELF_PRODUCED = "possible self-production"
YOUNG_CHILD = "apparent age under 13"


@dataclass
class TipReport:
    report_id: str
    received: str
    source: str
    incident_type: str
    incident_time: str | None
    escalated: bool
    identifiers: set[str] = field(default_factory=set)  # "email:...", "screen_name:...", "phone:...", "ip:..."
    file_hashes: list[dict[str, str]] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)


def _list(value: Any, where: str) -> list:
    if value is None:
        return []
    if not isinstance(value, list):
        raise UsageError(f"{where} must be a list")
    return value


def parse_tip(data: Any) -> TipReport:
    if not isinstance(data, dict) or not isinstance(data.get("report_id"), str) or not data.get("received"):
        raise UsageError("not a CyberTipline-style report: report_id and received are required")
    incident = data.get("incident") or {}
    report = TipReport(report_id=data["report_id"], received=str(data["received"]),
                       source=str(data.get("source", "NCMEC CyberTipline")),
                       incident_type=str(incident.get("type", "")), incident_time=incident.get("time"),
                       escalated=bool(incident.get("escalated", False)))
    access = contact = 0
    for person in _list(data.get("reported_persons"), "reported_persons"):
        for kind in ("screen_names", "emails", "phones"):
            report.identifiers |= {f"{kind[:-1]}:{str(v).strip().lower()}" for v in _list(person.get(kind), kind)}
        report.identifiers |= {f"ip:{c['ip']}" for c in _list(person.get("ip_captures"), "ip_captures")
                               if isinstance(c, dict) and c.get("ip")}
        access |= bool(person.get("access_to_children"))
        contact |= bool(person.get("contact_offending_indicators"))
    files = _list(data.get("files"), "files")
    self_young = 0
    for item in files:
        notes = {str(n).lower() for n in _list(item.get("annotations"), "annotations")}
        self_young |= SELF_PRODUCED in notes and YOUNG_CHILD in notes
        report.file_hashes.append({k: str(item[k]).lower() for k in ("md5", "sha1", "sha256") if item.get(k)})
    report.facts = {"escalated": report.escalated, "access_to_children": access,
                    "contact_offending_indicators": contact, "self_produced_young_child": self_young,
                    "files": len(files)}
    return report
