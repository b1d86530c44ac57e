"""GET /api/timesheets' query parameters, read into an ExportFilter (contract TIMESHEETS §5.1).

The parameters are read by the list's own parser (`timesheets.search`): patterns are checked
first, all of them (any bad value → 400), then ids are checked for access (inaccessible → 403;
unknown ids are dropped, and a filter left empty is not applied), tag names are resolved (none
found → 400). `page`, `size` and `full` mean nothing to an export and are ignored, like unknown
parameters. `term` is the list's search (description words, `!word`, `name:value` on custom
fields).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from horae.activities.models import Activity
from horae.customers.models import Customer
from horae.errors import BadRequest, Forbidden
from horae.exports.filters import ExportFilter, sees_other_users
from horae.exports.service import OTHER_PERMISSION, ExportRequest
from horae.projects.models import Project
from horae.security.permissions import Actor
from horae.security.visibility import can_access_activity, can_access_customer, can_access_project
from horae.timesheets.access import can_access_user
from horae.timesheets.search import (
    ListQuery,
    TimesheetFilter,
    accessible_ids,
    parse_list_query,
    term_conditions,
    visible_tag_ids,
)
from horae.users.models import User

# Ids are 32-bit integers in every backend; a larger one names no record and is dropped.
MAX_ID = 2**31 - 1
_MARK = {"0": False, "1": True, "false": False, "true": True}


class QueryValues(ListQuery):
    """Multi-valued query parameters (what Starlette's QueryParams offers, or a plain dict)."""

    @classmethod
    def of(cls, mapping: Mapping[str, str | Sequence[str]]) -> QueryValues:
        pairs: list[tuple[str, str]] = []
        for key, value in mapping.items():
            values = [value] if isinstance(value, str) else list(value)
            pairs.extend((key, v) for v in values)
        return cls(pairs)

    def many(self, name: str) -> list[str]:
        return [v for k, v in self.items if k == f"{name}[]"]


def _users(session: Session, actor: Actor, listed: TimesheetFilter) -> tuple[int, ...]:
    if not sees_other_users(actor, OTHER_PERMISSION) or listed.user == "all":
        return ()
    single = [int(listed.user)] if listed.user and int(listed.user) <= MAX_ID else []
    wanted = sorted(set(listed.users + single))
    if not wanted:
        return ()
    found = session.scalars(select(User).where(User.id.in_(wanted))).all()
    for user in found:
        if not can_access_user(session, actor, user):
            raise Forbidden(f"no access to user {user.username}")
    return tuple(user.id for user in found)


def parse_export_filter(
    session: Session, actor: Actor, query: ListQuery, timezone: str | None = None
) -> ExportFilter:
    """The list filters of a query string, read and checked by the list's own parser
    (`timesheets.search.parse_list_query`); local times are read in `timezone` (default: the
    caller's). Exports sort by begin, ascending, unless told otherwise."""
    listed = parse_list_query(query, timezone or actor.timezone, default_order="ASC", paging=False)
    tags = [name for name in listed.tags if name.strip()]
    return ExportFilter(
        users=_users(session, actor, listed),
        customers=tuple(accessible_ids(session, actor, Customer, listed.customers, can_access_customer)),
        projects=tuple(accessible_ids(session, actor, Project, listed.projects, can_access_project)),
        activities=tuple(accessible_ids(session, actor, Activity, listed.activities, can_access_activity)),
        tags=tuple(visible_tag_ids(session, tags)) if tags else (),
        begin=listed.begin,
        end=listed.end,
        exported=listed.exported,
        billable=listed.billable,
        active=listed.active,
        modified_after=listed.modified_after,
        order_by=listed.order_by,
        order="DESC" if listed.descending else "ASC",
        conditions=tuple(term_conditions(listed.term)) if listed.term else (),
    )


def parse_export_request(
    session: Session, actor: Actor, export_format: str, query: QueryValues
) -> ExportRequest:
    """An export request from a query string: the list filters plus `columns[]` and
    `markAsExported` (0/1/true/false)."""
    mark = query.scalar("markAsExported")
    if mark is not None and mark not in _MARK:
        raise BadRequest("markAsExported must be 0, 1, true or false")
    columns = [c for c in query.many("columns") if c]
    return ExportRequest(
        format=export_format,
        filter=parse_export_filter(session, actor, query),
        columns=tuple(columns) or None,
        mark_exported=_MARK.get(mark or "0", False),
    )
