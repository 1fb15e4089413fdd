"""The unit's records in its own words: what a team, an exhibit or a time may be, and how input reads.

Pure: no store, no terminal. Times are kept as aware UTC datetimes; a time written without an offset, or a
bare date, is read in the unit's time zone (TUTELA_TIMEZONE), because that is how officers write them.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, tzinfo

from tutela.errors import UsageError

TEAM_KINDS = ("central", "borough")
EXHIBIT_TYPES = ("phone", "tablet", "laptop", "desktop", "storage", "other")
EXHIBIT_STATUSES = ("awaiting_examination", "in_examination", "examined", "returned")
CONTINUITY_KINDS = ("seizure", "movement", "examination", "return")
CASE_STATUSES = ("open", "closed")
REFERRAL_STATUSES = ("awaiting_assessment", "assessed", "closed")
RISK_BANDS = ("Very High", "High", "Medium", "Low")
AGE_BANDS = ("0-2", "3-5", "6-10", "11-13", "14-15", "16-17", "unknown")

# England and Wales: no one under 10 can be charged; no suspect lives past 120.
SUSPECT_AGE_MIN = 10
SUSPECT_AGE_MAX = 120
REF_MAX = 64


def check_ref(ref: str, what: str) -> str:
    """A reference: 1-64 printable characters, no spaces at either end."""
    if not isinstance(ref, str) or not ref or len(ref) > REF_MAX or not ref.isprintable() or ref != ref.strip():
        raise UsageError(f"bad {what} reference {ref!r}: 1-{REF_MAX} printable characters, no spaces at the ends")
    return ref


def check_choice(value: str, choices: tuple[str, ...], what: str) -> str:
    if value not in choices:
        raise UsageError(f"unknown {what} {value!r}: one of {', '.join(choices)}")
    return value


def check_age(age: int | None) -> int | None:
    if age is None:
        return None
    if isinstance(age, bool) or not isinstance(age, int) or not SUSPECT_AGE_MIN <= age <= SUSPECT_AGE_MAX:
        raise UsageError(f"bad suspect age {age!r}: a whole number from {SUSPECT_AGE_MIN} to {SUSPECT_AGE_MAX}")
    return age


def parse_day(text: str, what: str = "date") -> date:
    """An ISO 8601 calendar date, YYYY-MM-DD."""
    try:
        return date.fromisoformat(text)
    except (TypeError, ValueError):
        raise UsageError(f"bad {what} {text!r}: expected a date such as 2025-03-23") from None


def parse_when(text: str, zone: tzinfo, what: str = "time") -> datetime:
    """An ISO 8601 time (or a bare date, meaning its midnight) as aware UTC; no offset means the unit's zone."""
    try:
        if isinstance(text, str) and len(text) == 10:
            moment = datetime.combine(date.fromisoformat(text), time())
        else:
            moment = datetime.fromisoformat(text)
    except (TypeError, ValueError):
        raise UsageError(f"bad {what} {text!r}: expected ISO 8601 such as 2025-03-23T06:30 or "
                         "2025-03-23T06:30:00+01:00") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment.astimezone(UTC)


def check_period(start: date, end: date, what: str = "period") -> None:
    if end < start:
        raise UsageError(f"bad {what}: ends {end.isoformat()}, before it starts {start.isoformat()}")


def check_order(earlier: datetime | None, later: datetime | None, names: tuple[str, str]) -> None:
    """E.g. a warrant cannot be executed before it was granted."""
    if earlier is not None and later is not None and later < earlier:
        raise UsageError(f"{names[1]} {format_when(later)} is before {names[0]} {format_when(earlier)}")


def format_when(moment: datetime | None) -> str | None:
    """How times are written out: UTC with a Z, seconds precision unless there is more."""
    if moment is None:
        return None
    text = moment.astimezone(UTC).replace(tzinfo=None).isoformat()
    return text + "Z"


def local_day(moment: datetime, zone: tzinfo) -> date:
    """The calendar day a moment falls on in the unit's time zone."""
    return moment.astimezone(zone).date()
