"""The API's timesheet pages, read as plain rows.

A page of `GET /api/timesheets` is the hottest read of every Kimai client. Loading it as ORM
objects (each record with its user, project, activity, tags and meta joined or selected in) spends
most of the request building identity-mapped objects that are read once and thrown away. Here the
page is one statement of columns, its tags and meta fields one statement each. The expanded shape
(`full=true`) reads the page's activities, projects and customers as rows too, with their meta
fields, one statement each; a page of the caller's own records embeds the caller's account as
authentication read it. The related users, projects and activities are loaded as objects only
when a record of another user needs the team rule to decide whether its rates are shown (the
rule reads their teams). The rows carry the attributes `timesheet_json` and the record voter
read, so both stay the single definition of the shape and of the rule.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, joinedload, lazyload, selectinload

from horae.activities.models import Activity
from horae.customers.models import Customer
from horae.meta.models import ActivityMeta, CustomerMeta, ProjectMeta, TimesheetMeta
from horae.projects.models import Project
from horae.security.caller import columns
from horae.tags.models import Tag
from horae.timesheets.models import Timesheet, timesheet_tags
from horae.users.models import User

if TYPE_CHECKING:
    from horae.timesheets.service import TimesheetService

# The columns a listed record needs (everything `timesheet_json` writes).
COLUMNS = (
    Timesheet.id,
    Timesheet.user_id,
    Timesheet.project_id,
    Timesheet.activity_id,
    Timesheet.begin,
    Timesheet.end,
    Timesheet.timezone,
    Timesheet.duration,
    Timesheet.break_seconds,
    Timesheet.description,
    Timesheet.rate,
    Timesheet.internal_rate,
    Timesheet.fixed_rate,
    Timesheet.hourly_rate,
    Timesheet.exported,
    Timesheet.billable,
)


@dataclass(frozen=True, slots=True)
class Ref:
    """A related record known only by its id (enough for the owner test)."""

    id: int


@dataclass(frozen=True, slots=True)
class Tagged:
    """A tag of a listed record: what the JSON and its order read."""

    id: int
    name: str


@dataclass(slots=True)
class ListedTimesheet:
    """One record of a page: the columns, its tags and meta rows, and its relations."""

    id: int
    user_id: int
    project_id: int
    activity_id: int
    begin: datetime
    end: datetime | None
    timezone: str
    duration: int
    break_seconds: int
    description: str | None
    rate: Decimal
    internal_rate: Decimal | None
    fixed_rate: Decimal | None
    hourly_rate: Decimal | None
    exported: bool
    billable: bool
    tags: list[Tagged] = field(default_factory=list)
    meta: list[Any] = field(default_factory=list)
    user: Any = None
    project: Any = None
    activity: Any = None


@cache
def _tags_of_records() -> Any:
    """Built once, like the page's other fixed statements: a page runs them on every request."""
    return (
        select(timesheet_tags.c.timesheet_id, Tag.id, Tag.name)
        .join(Tag, Tag.id == timesheet_tags.c.tag_id)
        .where(timesheet_tags.c.timesheet_id.in_(bindparam("ids", expanding=True)))
        .order_by(timesheet_tags.c.timesheet_id, Tag.id)
    )


@cache
def _meta_of_records() -> Any:
    return (
        select(TimesheetMeta.timesheet_id, TimesheetMeta.name, TimesheetMeta.value, TimesheetMeta.visible)
        .where(TimesheetMeta.timesheet_id.in_(bindparam("ids", expanding=True)))
        .order_by(TimesheetMeta.id)
    )


def page(
    service: TimesheetService, query: Any, values: Mapping[str, Any], *, expanded: bool
) -> list[ListedTimesheet]:
    """The records of a page's statement of `COLUMNS` (timesheets/statements.py), run with the
    values of its parameters.

    The statements select columns only, so they run on the unit of work's connection, without
    the ORM's handling of entities (a listing reads; nothing is pending to flush)."""
    connection = service.session.connection()
    records = [ListedTimesheet(*row) for row in connection.execute(query, values)]
    if not records:
        return records
    by_id = {record.id: record for record in records}
    bound = {"ids": list(by_id)}
    for timesheet_id, tag_id, name in connection.execute(_tags_of_records(), bound):
        by_id[timesheet_id].tags.append(Tagged(tag_id, name))
    for row in connection.execute(_meta_of_records(), bound):
        by_id[row.timesheet_id].meta.append(row)
    _relations(service, records, expanded=expanded)
    return records


def _relations(service: TimesheetService, records: list[ListedTimesheet], *, expanded: bool) -> None:
    """The records' users, projects and activities: their ids for the plain shape, rows for the
    expanded one, objects where the team rule decides whether rates are shown (it reads the
    teams of projects and activities and the owners' memberships)."""
    actor = service.actor
    team_rule = (
        not actor.sees_all
        and actor.can("view_rate_other_timesheet")
        and any(record.user_id != actor.id for record in records)
    )
    if not (expanded or team_rule):
        for record in records:
            record.user, record.project, record.activity = (
                Ref(record.user_id),
                Ref(record.project_id),
                Ref(record.activity_id),
            )
        return
    if not team_rule:
        _expanded_rows(service, records)
        return
    session = service.session
    activities = _load(session, Activity, {record.activity_id for record in records}, expanded=expanded)
    project_ids = {record.project_id for record in records}
    project_ids |= {a.project_id for a in activities.values() if a.project_id is not None}
    projects = _load(session, Project, project_ids, expanded=expanded)
    users = _load(session, User, {record.user_id for record in records}, expanded=expanded, rule=True)
    _attach(records, users, projects, activities)


def _attach(
    records: list[ListedTimesheet],
    users: Mapping[int, Any],
    projects: Mapping[int, Any],
    activities: Mapping[int, Any],
) -> None:
    for record in records:
        record.user = users[record.user_id]
        record.project = projects[record.project_id]
        record.activity = activities[record.activity_id]


class Related:
    """A customer, project or activity of an expanded page, read as a row: its columns as
    attributes, its meta rows, and the project or customer it belongs to (set by the caller)."""

    customer: Related
    project: Related | None

    def __init__(self, values: Mapping[Any, Any]) -> None:
        self.__dict__.update(values)
        self.meta: list[Any] = []

    def __getattr__(self, name: str) -> Any:
        # Only reached for a name the row did not carry (the columns are instance attributes).
        raise AttributeError(f"{type(self).__name__} has no {name!r}")


# The expanded shape's relations: (model, its meta model, the meta's owner column).
_RELATED: dict[Any, tuple[Any, Any]] = {
    Activity: (ActivityMeta, ActivityMeta.activity_id),
    Project: (ProjectMeta, ProjectMeta.project_id),
    Customer: (CustomerMeta, CustomerMeta.customer_id),
}


@cache
def _related_statements(model: Any) -> tuple[Any, Any]:
    """The records of `model` with the bound ids, and their meta rows in the models' order."""
    meta, owner = _RELATED[model]
    return (
        select(*columns(model)).where(model.id.in_(bindparam("ids", expanding=True))),
        select(owner.label("owner"), meta.name, meta.value, meta.visible)
        .where(owner.in_(bindparam("ids", expanding=True)))
        .order_by(meta.id),
    )


def _related(session: Session, model: Any, ids: Iterable[int]) -> dict[int, Related]:
    """The records of `model` with these ids, each with its meta rows."""
    wanted = sorted(ids)
    if not wanted:
        return {}
    records, metas = _related_statements(model)
    connection, bound = session.connection(), {"ids": wanted}
    found = {row.id: Related(row._mapping) for row in connection.execute(records, bound)}
    for row in connection.execute(metas, bound):
        found[row.owner].meta.append(row)
    return found


def _expanded_rows(service: TimesheetService, records: list[ListedTimesheet]) -> None:
    """The expanded shape's relations as rows (see the module's notes)."""
    session, actor = service.session, service.actor
    activities = _related(session, Activity, {record.activity_id for record in records})
    project_ids = {record.project_id for record in records}
    project_ids |= {a.project_id for a in activities.values() if a.project_id is not None}
    projects = _related(session, Project, project_ids)
    customer_ids = {project.customer_id for project in projects.values()}
    customers = _related(session, Customer, customer_ids)
    for project in projects.values():
        project.customer = customers[project.customer_id]
    for activity in activities.values():
        activity.project = projects[activity.project_id] if activity.project_id is not None else None
    user_ids = {record.user_id for record in records}
    if user_ids == {actor.id}:
        users = {actor.id: actor.user}
    else:
        users = _load(session, User, user_ids, expanded=True)
    _attach(records, users, projects, activities)


def _options(model: Any, *, expanded: bool, rule: bool) -> list[Any]:
    """Meta fields for the expanded shape; a project's customer always. (The team rule reads the
    teams' restrictions from the service's `team_links`.) The embedded user needs the
    preferences (loaded with every user), the team rule also the memberships; never the
    supervisor chain the model joins by default."""
    if model is User:
        return (
            [lazyload(User.supervisor)] if rule else [lazyload(User.supervisor), lazyload(User.memberships)]
        )
    options: list[Any] = []
    if expanded:
        options.append(selectinload(model.meta))
    if model is Project:
        customer = joinedload(Project.customer)
        options.append(customer)
        if expanded:
            options.append(customer.selectinload(Customer.meta))
    return options


@cache
def _entities(model: Any, expanded: bool, rule: bool) -> Any:
    """`model`'s entities with the bound ids and their loaders, built once per kind."""
    wanted = model.id.in_(bindparam("ids", expanding=True))
    return select(model).where(wanted).options(*_options(model, expanded=expanded, rule=rule))


def _load(
    session: Session, model: Any, ids: Iterable[int], *, expanded: bool, rule: bool = False
) -> dict[int, Any]:
    wanted = sorted(ids)
    if not wanted:
        return {}
    found = session.scalars(_entities(model, expanded, rule), {"ids": wanted}).unique()
    return {entity.id: entity for entity in found}
