"""Who may do what: the roles of a unit's accounts and the rules of team scope (pure, no store).

A borough team sees only its own cases and what they hold; the central team and supervisors see every team's;
partners (platforms calling the match service) see no case data at all. Admins manage accounts and see all.
"""

from __future__ import annotations

from enum import StrEnum

from tutela.errors import UsageError

PASSWORD_MIN_LENGTH = 12
PASSWORD_MAX_LENGTH = 1024  # argon2 would hash more, but nobody types it: a longer one is an attack on the CPU
USER_NAME_MAX = 64


class Role(StrEnum):
    ADMIN = "admin"
    SUPERVISOR = "supervisor"
    EXAMINER = "examiner"
    INVESTIGATOR = "investigator"
    REFERRAL_OFFICER = "referral_officer"
    PARTNER = "partner"


# Roles that work on the unit's records (cases, exhibits, referrals), within their team's scope.
CASE_ROLES = frozenset({Role.ADMIN, Role.SUPERVISOR, Role.EXAMINER, Role.INVESTIGATOR, Role.REFERRAL_OFFICER})
# Roles that see every team's records whatever team they belong to.
ALL_TEAMS_ROLES = frozenset({Role.ADMIN, Role.SUPERVISOR})


def parse_role(value: str) -> Role:
    try:
        return Role(value)
    except ValueError:
        raise UsageError(f"unknown role {value!r}: one of {', '.join(r.value for r in Role)}") from None


def sees_all_teams(role: Role, team_kind: str | None) -> bool:
    """Central team members, supervisors and admins see every team's records; partners see none."""
    if role == Role.PARTNER:
        return False
    return role in ALL_TEAMS_ROLES or team_kind == "central"


def check_user_name(name: str) -> str:
    """An account name: 1-64 characters of letters, digits and . _ - (it appears in audit events and URLs)."""
    if (not isinstance(name, str) or not 0 < len(name) <= USER_NAME_MAX
            or not all(c.isascii() and (c.isalnum() or c in "._-") for c in name)):
        raise UsageError(f"bad user name {name!r}: 1-{USER_NAME_MAX} letters, digits, '.', '_' or '-'")
    return name


def check_password(password: str) -> str:
    if len(password) < PASSWORD_MIN_LENGTH:
        raise UsageError(f"password too short: at least {PASSWORD_MIN_LENGTH} characters")
    if len(password) > PASSWORD_MAX_LENGTH:
        raise UsageError(f"password too long: at most {PASSWORD_MAX_LENGTH} characters")
    return password


def check_team_for_role(role: Role, team_ref: str | None) -> None:
    """Case roles other than admin and supervisor belong to a team (their scope); partners belong to none."""
    if role == Role.PARTNER and team_ref:
        raise UsageError("a partner account belongs to no team (--team not allowed)")
    if role in CASE_ROLES - ALL_TEAMS_ROLES and not team_ref:
        raise UsageError(f"a {role.value} belongs to a team: give --team")
