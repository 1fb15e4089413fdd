"""``tutela import unit``: a whole unit document checked first, then written at once, or not at all.

Checks, in order: JSON, the published schema, every record's values, duplicate refs, references to records
that neither the file nor the store holds, and records the store already holds differently. A record the store
holds identically is skipped, so importing a file twice changes nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import tzinfo
from pathlib import Path
from typing import Any

from tutela.domain import unit_format
from tutela.errors import UsageError
from tutela.store.unit import UnitStore

SHOWN_PROBLEMS = 5


@dataclass
class UnitImport:
    added: dict[str, int] = field(default_factory=dict)
    already_present: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def rejected(self) -> bool:
        return bool(self.problems)


class UnitImportRejected(UsageError):
    """The document has problems; nothing was written. ``problems`` lists every one."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.problems = problems
        shown = "; ".join(problems[:SHOWN_PROBLEMS])
        more = f"; and {len(problems) - SHOWN_PROBLEMS} more" if len(problems) > SHOWN_PROBLEMS else ""
        super().__init__(f"{source}: rejected, nothing imported: {len(problems)} problem"
                         f"{'s' if len(problems) != 1 else ''}: {shown}{more}")


def read_document(path: Path) -> Any:
    try:
        with path.open("rb") as stream:
            return json.load(stream)
    except FileNotFoundError:
        raise UsageError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: cannot read: {exc}") from None
    except json.JSONDecodeError as exc:
        raise UsageError(f"{path}: not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None


def schema_problems(document: Any) -> list[str]:
    from jsonschema import Draft202012Validator

    from tutela.formats.unit_schema import unit_schema

    validator = Draft202012Validator(unit_schema())
    problems = []
    for error in sorted(validator.iter_errors(document), key=lambda e: list(map(str, e.absolute_path))):
        where = _where(document, list(error.absolute_path))
        problems.append(f"{where}: {error.message}" if where else error.message)
    return problems


def _where(document: Any, path: list) -> str:
    """e.g. exhibits[3] (EX-0004).type: the record is named by its ref when it has one."""
    if not path:
        return ""
    text = str(path[0])
    if len(path) > 1:
        item = document.get(path[0], [None] * (path[1] + 1))[path[1]] if isinstance(document, dict) else None
        ref = item.get("ref") if isinstance(item, dict) else None
        text += f"[{path[1]}]" + (f" ({ref})" if isinstance(ref, str) else "")
        text += "".join(f".{p}" if isinstance(p, str) else f"[{p}]" for p in path[2:])
    return text


def plan_import(store: UnitStore, document: Any, zone: tzinfo) -> tuple[dict[str, list[dict]], UnitImport]:
    """The records to insert, and what the import would do; ``problems`` non-empty means reject."""
    result = UnitImport()
    result.problems = schema_problems(document)
    if result.problems:
        return {}, result
    records: dict[str, list[dict]] = {}
    for section in unit_format.SECTIONS:
        for position, item in enumerate(document.get(section, [])):
            record, problems = unit_format.normalise(section, item, zone)
            result.problems += [f"{section}[{position}] ({item.get('ref')}): {p}" for p in problems]
            records.setdefault(section, []).append(record)
    result.problems += _duplicates(records)
    held = store.existing({s: {r["ref"] for r in rs if "ref" in r} for s, rs in records.items()})
    named: dict[str, set[str]] = {s: set() for s in unit_format.SECTIONS}
    for section, items in records.items():
        for item in items:
            for _field, goes_to, ref in unit_format.references(section, item):
                named[goes_to].add(ref)
    present = store.existing(named)
    known = {s: {r.get("ref") for r in records.get(s, [])} | set(present.get(s, {})) for s in unit_format.SECTIONS}
    to_insert: dict[str, list[dict]] = {}
    for section, items in records.items():
        for item in items:
            result.problems += _dangling(section, item, known)
            existing = held.get(section, {}).get(item.get("ref"))
            if existing is None:
                to_insert.setdefault(section, []).append(item)
                result.added[section] = result.added.get(section, 0) + 1
                continue
            changed = unit_format.differences(item, existing)
            if changed:
                result.problems.append(f"{unit_format.SINGULAR[section]} {item['ref']!r} already exists with "
                                       f"other {', '.join(changed)}: {', '.join(_show(existing, changed))}")
            result.already_present[section] = result.already_present.get(section, 0) + 1
    return to_insert, result


def _show(existing: dict, names: list[str]) -> list[str]:
    return [f"{name}={existing.get(name)!r}" for name in names]


def _duplicates(records: dict[str, list[dict]]) -> list[str]:
    problems = []
    for section, items in records.items():
        seen: set[str] = set()
        for item in items:
            ref = item.get("ref")
            if ref in seen:
                problems.append(f"{unit_format.SINGULAR[section]} {ref!r} appears twice in {section}")
            seen.add(ref)
    return problems


def _dangling(section: str, item: dict, known: dict[str, set]) -> list[str]:
    problems = []
    for name, goes_to, ref in unit_format.references(section, item):
        if ref not in known[goes_to]:
            problems.append(f"{unit_format.SINGULAR[section]} {item.get('ref')!r}: {name} {ref!r} does not exist "
                            f"(neither in the file's {goes_to} nor in the store)")
    return problems


def import_unit(store: UnitStore, document: Any, zone: tzinfo, *, source: str) -> UnitImport:
    """Check everything, then write everything in one transaction; raises UnitImportRejected on any problem."""
    to_insert, result = plan_import(store, document, zone)
    if result.problems:
        raise UnitImportRejected(source, result.problems)
    store.apply(to_insert)
    return result
