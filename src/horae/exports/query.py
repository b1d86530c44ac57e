"""GET /api/timesheets' query parameters, read into an ExportFilter (contract TIMESHEETS §5.1).

Patterns are checked first, all of them (any bad value → 400), then ids are checked for access
(inaccessible → 403; unknown ids are dropped, and a filter left empty is not applied), tag names
are resolved (none found → 400). `page`, `size` and `full` mean nothing to an export and are
ignored, like unknown parameters. `term` is the list's search (description words, `!word`,
`name:value` on custom fields).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from horae.activities.models import Activity
from horae.api.wire import parse_strict_datetime
from horae.customers.models import Customer
from horae.errors import BadRequest, Forbidden
from horae.exports.filters import ExportFilter, sees_other_users
from horae.exports.service import OTHER_PERMISSION, ExportRequest
from horae.projects.models import Project
from horae.security.permissions import ROLE_ADMIN, ROLE_TEAMLEAD, Actor
from horae.security.visibility import can_access_activity, can_access_customer, can_access_project
from horae.tags.models import Tag
from horae.teams.models import TeamMember
from horae.timesheets.search import term_conditions
from horae.users.models import User

_DIGITS = re.compile(r"^\d+$")
# Ids are 32-bit integers in every backend; a larger one names no record and is dropped.
MAX_ID = 2**31 - 1
_FLAG = {"0": False, "1": True}
_MARK = {"0": False, "1": True, "false": False, "true": True}


class QueryValues:
    """Multi-valued query parameters (what Starlette's QueryParams offers, or a plain dict)."""

    def __init__(self, items: Sequence[tuple[str, str]]) -> None:
        self.items = list(items)

    @classmethod
    def of(cls, mapping: Mapping[str, str | Sequence[str]]) -> QueryValues:
        pairs: list[tuple[str, str]] = []
        for key, value in mapping.items():
            values = [value] if isinstance(value, str) else list(value)
            pairs.extend((key, v) for v in values)
        return cls(pairs)

    def one(self, name: str) -> str | None:
        found = [v for k, v in self.items if k == name]
        return found[-1] if found else None

    def many(self, name: str) -> list[str]:
        return [v for k, v in self.items if k == f"{name}[]"]

    def has(self, name: str) -> bool:
        return any(k == name for k, _ in self.items)


@dataclass
class _Raw:
    user: str | None
    users: list[int]
    customers: list[int]
    projects: list[int]
    activities: list[int]
    tags: list[str]
    begin: datetime | None
    end: datetime | None
    exported: bool | None
    billable: bool | None
    active: bool | None
    modified_after: datetime | None
    term: str | None
    order_by: str
    order: str


def _ids(name: str, values: list[str]) -> list[int]:
    if any(not _DIGITS.match(v) for v in values):
        raise BadRequest(f"{name} takes numeric ids")
    return [int(v) for v in values if int(v) <= MAX_ID]


def _flag(name: str, value: str | None) -> bool | None:
    if value is None or value == "":
        return None
    if value not in _FLAG:
        raise BadRequest(f"{name} must be 0 or 1")
    return _FLAG[value]


def _moment(name: str, value: str | None, timezone: str) -> datetime | None:
    if value is None or value == "":
        return None
    parsed = parse_strict_datetime(value, timezone)
    if parsed is None:
        raise BadRequest(f"{name} must look like YYYY-MM-DDTHH:MM:SS")
    return parsed


def _listed(query: QueryValues, single: str, plural: str) -> list[int]:
    values = [v for v in (query.one(single),) if v] + query.many(plural)
    return _ids(plural, values)


def _read(query: QueryValues, timezone: str) -> _Raw:
    if any("\x00" in key or "\x00" in value for key, value in query.items):
        raise BadRequest("the query holds a NUL character")
    user = query.one("user")
    if user is not None and user != "all" and not _DIGITS.match(user):
        raise BadRequest("user takes a numeric id or all")
    if query.has("users"):  # Kimai's rule: the array syntax users[] only.
        raise BadRequest("users takes the array syntax users[]")
    order_by = query.one("orderBy") or "begin"
    order = query.one("order") or "ASC"
    if order_by not in ("id", "begin", "end", "rate") or order not in ("ASC", "DESC"):
        raise BadRequest("orderBy takes id, begin, end or rate, order ASC or DESC")
    return _Raw(
        user=user,
        users=_ids("users", query.many("users")),
        customers=_listed(query, "customer", "customers"),
        projects=_listed(query, "project", "projects"),
        activities=_listed(query, "activity", "activities"),
        tags=[t for t in query.many("tags") if t.strip()],
        begin=_moment("begin", query.one("begin"), timezone),
        end=_moment("end", query.one("end"), timezone),
        exported=_flag("exported", query.one("exported")),
        billable=_flag("billable", query.one("billable")),
        active=_flag("active", query.one("active")),
        modified_after=_moment("modified_after", query.one("modified_after"), "UTC"),
        term=(query.one("term") or "").strip() or None,
        order_by=order_by,
        order=order,
    )


def may_access_user(session: Session, actor: Actor, user: User) -> bool:
    """Kimai's `access_user` for list filters (contract TIMESHEETS §7.4)."""
    if user.id == actor.id or actor.sees_all or actor.is_super_admin:
        return True
    if not user.enabled or (user.system_account and not actor.user.system_account):
        return False
    teams = session.scalars(select(TeamMember.team_id).where(TeamMember.user_id == user.id)).all()
    if any(team in actor.led_team_ids for team in teams):
        return True
    plain = not user.roles
    return (actor.has_role(ROLE_TEAMLEAD) or actor.has_role(ROLE_ADMIN)) and plain and not teams


def _users(session: Session, actor: Actor, raw: _Raw) -> tuple[int, ...]:
    if not sees_other_users(actor, OTHER_PERMISSION) or raw.user == "all":
        return ()
    single = [int(raw.user)] if raw.user and int(raw.user) <= MAX_ID else []
    wanted = sorted(set(raw.users + single))
    if not wanted:
        return ()
    found = session.scalars(select(User).where(User.id.in_(wanted))).all()
    for user in found:
        if not may_access_user(session, actor, user):
            raise Forbidden(f"no access to user {user.username}")
    return tuple(user.id for user in found)


def _entities(
    session: Session, actor: Actor, model: Any, ids: list[int], check: Callable[[Actor, Any], bool]
) -> tuple[int, ...]:
    if not ids:
        return ()
    found: Sequence[Any] = session.scalars(select(model).where(model.id.in_(sorted(set(ids))))).all()
    for entity in found:
        if not check(actor, entity):
            raise Forbidden(f"no access to {model.__name__.lower()} {entity.id}")
    return tuple(entity.id for entity in found)


def _tags(session: Session, names: list[str]) -> tuple[int, ...]:
    if not names:
        return ()
    lowered = sorted({name.strip().lower() for name in names})
    found = session.scalars(
        select(Tag.id).where(func.lower(Tag.name).in_(lowered), Tag.visible.is_(True))
    ).all()
    if not found:
        raise BadRequest("none of the tags exists")
    return tuple(sorted(found))


def parse_export_filter(
    session: Session, actor: Actor, query: QueryValues, timezone: str | None = None
) -> ExportFilter:
    """The list filters of a query string, checked as GET /api/timesheets checks them; local
    times are read in `timezone` (default: the caller's)."""
    raw = _read(query, timezone or actor.timezone)
    return ExportFilter(
        users=_users(session, actor, raw),
        customers=_entities(session, actor, Customer, raw.customers, can_access_customer),
        projects=_entities(session, actor, Project, raw.projects, can_access_project),
        activities=_entities(session, actor, Activity, raw.activities, can_access_activity),
        tags=_tags(session, raw.tags),
        begin=raw.begin,
        end=raw.end,
        exported=raw.exported,
        billable=raw.billable,
        active=raw.active,
        modified_after=raw.modified_after,
        order_by=raw.order_by,
        order=raw.order,
        conditions=tuple(term_conditions(raw.term)) if raw.term else (),
    )


def parse_export_request(
    session: Session, actor: Actor, export_format: str, query: QueryValues
) -> ExportRequest:
    """An export request from a query string: the list filters plus `columns[]` and
    `markAsExported` (0/1/true/false)."""
    mark = query.one("markAsExported")
    if mark is not None and mark not in _MARK:
        raise BadRequest("markAsExported must be 0, 1, true or false")
    columns = [c for c in query.many("columns") if c]
    return ExportRequest(
        format=export_format,
        filter=parse_export_filter(session, actor, query),
        columns=tuple(columns) or None,
        mark_exported=_MARK.get(mark or "0", False),
    )
