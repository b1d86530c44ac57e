"""Timesheet use cases: list, read, create or start, update, stop, restart, duplicate, export,
meta fields, delete, and favourites, each with Kimai's permissions and rules.

The service works in the request's unit of work and never commits. Invariants concurrency could
break are protected by row locks: the owner's user row is locked before running records are
counted (the active-entries limit), and a record is locked before it is read, changed and
written back. On SQLite the write transaction already began with BEGIN IMMEDIATE.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, time
from decimal import Decimal
from functools import cache
from typing import Any, cast

from sqlalchemy import CursorResult, Select, Table, bindparam, func, insert, inspect, select, update
from sqlalchemy.orm import Session, defaultload, joinedload, make_transient_to_detached, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from horae.activities.models import Activity
from horae.api.forms import NOT_NULL, Form, FormContext, FormResult
from horae.api.params import ascii_digits
from horae.api.wire import localize, parse_local_datetime, zone
from horae.catalog_cache import OWNERS, kept_entity, kept_tags, kept_value
from horae.customers.models import Customer
from horae.db import is_sqlite, utcnow
from horae.errors import BadRequest, Forbidden, NotFound, ServiceValidationFailed, ValidationFailed
from horae.meta.models import MetaFieldDefinition, TimesheetMeta
from horae.projects.models import Project
from horae.security.permissions import Actor
from horae.security.visibility import (
    TeamLinks,
    can_access_activity,
    can_access_customer,
    can_access_project,
)
from horae.tags.models import Tag
from horae.timesheets import listing, statements
from horae.timesheets.access import (
    TimesheetAccess,
    can_access_user,
    entity_filter,
    led_member_ids,
    lockdown_check,
    selectable_user_ids,
)
from horae.timesheets.listing import ListedTimesheet
from horae.timesheets.models import Timesheet, timesheet_tags
from horae.timesheets.rounding import round_begin, round_end
from horae.timesheets.rules import (
    Calculated,
    Draft,
    MetaValue,
    RuleContext,
    Snapshot,
    TimesheetSettings,
    Violation,
    calculate,
    validate,
)
from horae.timesheets.schemas import MAX_TEXT_BYTES, timesheet_form
from horae.timesheets.search import (
    TimesheetFilter,
    accessible_ids,
    record_shape,
    term_conditions,
    visible_tag_ids,
)
from horae.timesheets.statements import Aggregates, ListCriteria, ListShape, Owners
from horae.users.models import User
from horae.users.service import set_preference, user_timezone

# Sorts before every end of a record.
_NEVER = datetime.min.replace(tzinfo=UTC)


@dataclass(frozen=True)
class RecentPair:
    """A project and activity the caller booked lately, as the pages show it (`recent_pairs`)."""

    id: int  # the newest record of the pair
    project_id: int
    activity_id: int
    end: datetime | None
    customer: str
    project: str
    activity: str


MAX_ID = 2**31 - 1
CANNOT_STOP = "You have an active time record which cannot be stopped automatically."
FAVORITES_PREFERENCE = "favorite_timesheets"
MAX_FAVORITES = 5
INVALID_CHOICE = "The selected choice is invalid."
# Rule paths that are fields of the API form; every other path is a global form error.
_FIELD_PATHS = ("project", "activity", "exported")


@cache
def _record_columns() -> tuple[tuple[str, str, Any], ...]:
    """(attribute, column, scalar default) of each column a record is written with: all but its
    id. A new record's value left unset takes the column's default, as in the ORM's flush."""
    found = []
    for prop in inspect(Timesheet).column_attrs:
        column = prop.columns[0]
        if column.primary_key:
            continue
        default = column.default.arg if column.default is not None and column.default.is_scalar else None
        found.append((prop.key, column.key, default))
    return tuple(found)


@cache
def _column_names() -> dict[str, str]:
    """A record's column names by attribute name (`break_seconds` is stored as `break`)."""
    return {key: column for key, column, _default in _record_columns()}


@cache
def _insert_into(table: Any) -> Any:
    """An INSERT of a record or its tag links, the values bound at execution (built once:
    every create runs them)."""
    return insert(table)


@cache
def _record_update() -> Any:
    """A record's UPDATE by id; the columns set are the ones given at execution."""
    table = cast(Table, Timesheet.__table__)
    return update(table).where(table.c.id == bindparam("record_id"))


@cache
def _record(for_update: bool) -> Any:
    """One record by id; for a change, its row locked and its attributes read afresh."""
    query = select(Timesheet).where(Timesheet.id == bindparam("record_id"))
    if for_update:
        query = query.with_for_update().execution_options(populate_existing=True)
        # The write reads the owner (rates, preferences) but never the supervisor chain.
        query = query.options(defaultload(Timesheet.user).lazyload(User.supervisor))
    return query


@cache
def _record_owner() -> Any:
    """The owner's id of one record (a change locks the owner's row before the record's)."""
    return select(Timesheet.user_id).where(Timesheet.id == bindparam("record_id"))


@cache
def _other_running() -> Any:
    """The owner's running records but one, oldest first, their rows locked (every start)."""
    return (
        select(Timesheet)
        .where(
            Timesheet.user_id == bindparam("user_id"),
            Timesheet.end.is_(None),
            Timesheet.id != bindparam("record_id"),
        )
        .order_by(Timesheet.begin.asc(), Timesheet.id.asc())
        .with_for_update()
        .execution_options(populate_existing=True)
    )


@cache
def _owner_lock() -> Any:
    """Locks one user's row: the writers of that user's records queue on it."""
    return select(User.id).where(User.id == bindparam("user_id")).with_for_update()


@cache
def _record_tags() -> Any:
    """One record's tags, in the order of the relationship."""
    link = timesheet_tags.c
    return (
        select(Tag)
        .join(timesheet_tags, link.tag_id == Tag.id)
        .where(link.timesheet_id == bindparam("record_id"))
        .order_by(Tag.name)
    )


@cache
def _record_meta() -> Any:
    """One record's custom fields, in the order of the relationship."""
    return (
        select(TimesheetMeta)
        .where(TimesheetMeta.timesheet_id == bindparam("record_id"))
        .order_by(TimesheetMeta.id)
    )


# Up to this many names a write's tags are read by a statement with one parameter per name; an
# expanding list would have SQLAlchemy write the names into the statement's text on each request.
TAG_NAMES_KEPT = 16


@cache
def _tags_named(count: int) -> Any:
    """The tags of `count` bound names (`name_0` …) as stored, or of the expanding list `names`
    when `count` is 0 (built once per count: every write with tags reads them)."""
    if not count:
        return select(Tag).where(Tag.name.in_(bindparam("names", expanding=True)))
    return select(Tag).where(Tag.name.in_([bindparam(f"name_{index}") for index in range(count)]))


class InvalidChoice(Exception):
    """A submitted id the caller may not pick (Kimai: not among the field's choices)."""


@dataclass
class RestartOptions:
    copy_all: bool = False
    begin: datetime | None = None


class TimesheetService:
    """Timesheet use cases for one caller in one unit of work."""

    def __init__(self, session: Session, actor: Actor) -> None:
        self.session = session
        self.actor = actor
        # The clock of the use case; read again once the owner's records are locked.
        self.now = utcnow()
        self._caller: User | None = None
        self._settings: TimesheetSettings | None = None
        self._team_links: TeamLinks | None = None
        self._access: TimesheetAccess | None = None
        self._lockdown: Callable[[Any], bool] | None = None
        self._sqlite: bool | None = None
        self._parents: tuple[Project | None, Activity | None] = (None, None)

    # The system settings are read when a use case first needs them (a page that only lists
    # recent pairs reads none). Not functools.cached_property: on Python 3.11 its lock is shared
    # by every instance, so a request waiting for the database while reading its settings
    # would hold up every other request's settings.
    @property
    def settings(self) -> TimesheetSettings:
        if self._settings is None:
            self._settings = kept_value(self.session, "timesheet_settings", TimesheetSettings.load)
        return self._settings

    @property
    def team_links(self) -> TeamLinks:
        """The teams' restrictions, read once per use case like the settings (a page checks
        each of its records)."""
        if self._team_links is None:
            self._team_links = kept_value(self.session, "team_links", TeamLinks.load)
        return self._team_links

    @property
    def access(self) -> TimesheetAccess:
        if self._access is None:
            self._access = TimesheetAccess(self.actor, self._is_locked, lambda: self.team_links)
        return self._access

    def _is_locked(self, record: Any) -> bool:
        # Only the decisions on changes ask, so a list that shows rates reads no settings.
        if self._lockdown is None:
            self._lockdown = lockdown_check(self.actor, self.settings.lockdown, self.now)
        return self._lockdown(record)

    # --- reading ------------------------------------------------------------------------------

    def shows_rates(self, record: Timesheet | ListedTimesheet) -> bool:
        return self.access.can("view_rate", record)

    def find(self, timesheet_id: int, *, for_update: bool = False) -> Timesheet:
        """The record or 404.

        A write locks the owner's user row and then the record's row, the same order every
        write of a user's records follows (starts lock the user row before touching running
        records), so concurrent writes queue instead of deadlocking or losing an update. On
        SQLite, which runs one writer at a time, nothing is locked.
        """
        if timesheet_id < 1 or timesheet_id > MAX_ID:
            raise NotFound("timesheet")
        values = {"record_id": timesheet_id}
        if for_update:
            if self._serialized:
                # Nothing to lock; the caller is most often the owner, read then at no cost.
                self._adopt_caller()
            else:
                owner_id = self.session.scalar(_record_owner(), values)
                if owner_id is None:
                    raise NotFound("timesheet")
                self._lock_user(owner_id)
                if owner_id == self.actor.id:
                    self._adopt_caller()
        record = self.session.scalars(_record(for_update), values).first()
        if record is None:
            raise NotFound("timesheet")
        # Every answer shows them and every change checks them: read by statements built once
        # rather than by the relationships' lazy loaders, which build theirs on each request.
        set_committed_value(record, "tags", list(self.session.scalars(_record_tags(), values)))
        set_committed_value(record, "meta", list(self.session.scalars(_record_meta(), values)))
        if for_update:
            self._take_kept_parents(record)
        return record

    def _take_kept_parents(self, record: Timesheet) -> None:
        """A change reads the record's project and activity (its draft, its rules): taken from
        the kept copies, they are in the unit of work before the record asks. (The session holds
        clean objects weakly: the service keeps the references.)"""
        project_id, activity_id = record.project_id, record.activity_id
        self._parents = (
            None if project_id is None else kept_entity(self.session, Project, project_id),
            None if activity_id is None else kept_entity(self.session, Activity, activity_id),
        )

    def get(self, timesheet_id: int) -> Timesheet:
        record = self.find(timesheet_id)
        self._require(self.access.can("view", record))
        return record

    def require_listing(self) -> None:
        """The list's own permission, checked before its parameters are read (403 before 400)."""
        self._require(self.actor.can("view_own_timesheet") or self.actor.can("view_other_timesheet"))

    def require_own_view(self) -> None:
        self._require(self.actor.can("view_own_timesheet"))

    def search(
        self, filters: TimesheetFilter, *, expanded: bool, total: int | None = None
    ) -> tuple[list[Timesheet], int]:
        """One page of records and the total count (contract §5.1, §7.5). `total`, when the
        caller has counted the same filters already (`totals`), saves counting again. The
        per-record checks read the teams' restrictions from `team_links`, not from the records'
        customers, projects and activities."""
        query, values, total = self._page(filters, total, columns=False)
        found = self.session.scalars(query.options(*self._loaders(expanded)), values).unique()
        return [*found], total

    def listing(self, filters: TimesheetFilter, *, expanded: bool) -> tuple[list[ListedTimesheet], int]:
        """The API's page: the same records as `search`, read as rows (see listing.py)."""
        query, values, total = self._page(filters, columns=True)
        return listing.page(self, query, values, expanded=expanded), total

    def _page(
        self, filters: TimesheetFilter, total: int | None = None, *, columns: bool
    ) -> tuple[Select[Any], dict[str, Any], int]:
        """The statement of one page, its parameters' values, and the total count of every page
        (counted unless given)."""
        criteria = self._criteria(filters)
        if total is None:
            total = int(self._aggregate(criteria, "count")[0] or 0)
        page = filters.page
        page.check_in_range(total)
        values = {**criteria.values, "page_offset": page.offset, "page_size": page.size}
        return statements.page(criteria, filters.order_by, filters.descending, columns=columns), values, total

    def totals(self, filters: TimesheetFilter) -> tuple[int, int, Decimal]:
        """Count, seconds and money of every record the filters select (all pages), one query."""
        count, seconds, money = self._aggregate(self._criteria(filters), "totals")
        return int(count or 0), int(seconds or 0), Decimal(str(money or 0))

    def _aggregate(self, criteria: ListCriteria, aggregates: Aggregates) -> tuple[Any, ...]:
        """Count (and sums) over every record of the list (`statements.aggregate`). Columns
        only: run on the unit of work's connection, without the ORM's entity handling (the
        lists that count read; nothing is pending to flush)."""
        connection = self.session.connection()
        return tuple(connection.execute(statements.aggregate(criteria, aggregates), criteria.values).one())

    def _criteria(self, filters: TimesheetFilter) -> ListCriteria:
        """What the filters select, as a statement's shape and its values; checking them reads
        the users, customers, projects, activities and tags they name (403 for one the caller
        may not see, unknown ids dropped)."""
        self.require_listing()
        values: dict[str, Any] = {}
        owners = self._owners(filters, values)
        checks: list[tuple[str, Iterable[int], Any, Any]] = [
            ("customer_ids", filters.customers, Customer, can_access_customer),
            ("project_ids", filters.projects, Project, can_access_project),
            ("activity_ids", filters.activities, Activity, can_access_activity),
        ]
        for name, ids, model, may_access in checks:
            found = accessible_ids(self.session, self.actor, model, ids, may_access)
            if found:
                values[name] = found
        if filters.tags:
            values["tag_ids"] = visible_tag_ids(self.session, filters.tags)
        record, record_values = record_shape(filters)
        values.update(record_values)
        shape = ListShape(
            owners=owners,
            customers="customer_ids" in values,
            projects="project_ids" in values,
            activities="activity_ids" in values,
            tags="tag_ids" in values,
            record=record,
            teams=self._teams,
        )
        term = tuple(term_conditions(filters.term)) if filters.term else ()
        return ListCriteria(shape, values, term)

    def recent(self, begin: datetime | None, size: int) -> list[ListedTimesheet]:
        """The caller's latest record per project and activity (contract §5.6), read as rows
        for the API's expanded shape (with the custom fields of their projects, customers,
        activities)."""
        self.require_own_view()
        values: dict[str, Any] = {"user_id": self.actor.id, "latest_size": size}
        if begin is not None:
            values["latest_begin"] = begin
        connection = self.session.connection()
        latest = statements.latest_per_pair(self._teams, begin is not None)
        ids = [row.id for row in connection.execute(latest, values)]
        if not ids:
            return []
        return listing.page(self, statements.latest_records(), {"ids": ids}, expanded=True)

    def recent_pairs(self, size: int) -> list[RecentPair]:
        """The same records for the pages, which show their customer, project and activity
        names only: one statement, in the same order."""
        self.require_own_view()
        values = {"user_id": self.actor.id, "latest_size": size}
        rows = self.session.connection().execute(statements.latest_named(self._teams), values)
        pairs = [RecentPair(**row._mapping) for row in rows]
        # The order of `recent`: finished records by end, newest first, then running ones.
        pairs.sort(key=lambda pair: pair.id, reverse=True)
        pairs.sort(key=lambda pair: pair.end or _NEVER, reverse=True)
        pairs.sort(key=lambda pair: pair.end is None)
        return pairs

    def own_entries(self, begin: datetime, end: datetime, limit: int) -> list[Any]:
        """The caller's records that begin between `begin` and `end` (both included, as the
        list filters compare), oldest first, as rows: the record's columns the week pages use
        and its customer's, project's and activity's names and colors, one statement."""
        self.require_own_view()
        return list(
            self.session.execute(
                select(
                    Timesheet.id,
                    Timesheet.project_id,
                    Timesheet.activity_id,
                    Timesheet.begin,
                    Timesheet.end,
                    Timesheet.duration,
                    Timesheet.timezone,
                    Customer.name.label("customer"),
                    Project.name.label("project"),
                    Project.color.label("project_color"),
                    Activity.name.label("activity"),
                    Activity.color.label("activity_color"),
                )
                .join(Project, Project.id == Timesheet.project_id)
                .join(Customer, Customer.id == Project.customer_id)
                .join(Activity, Activity.id == Timesheet.activity_id)
                .where(
                    Timesheet.user_id == self.actor.id,
                    Timesheet.begin >= begin,
                    Timesheet.begin <= end,
                    entity_filter(self.actor),
                )
                .order_by(Timesheet.begin, Timesheet.id)
                .limit(limit)
            )
        )

    @property
    def _teams(self) -> frozenset[int] | None:
        """The caller's teams for the visibility rules of kept statements (None: sees all)."""
        return None if self.actor.sees_all else self.actor.team_ids

    def active(self) -> list[ListedTimesheet]:
        """The caller's running records, newest begin first, read as rows for the API's
        expanded shape."""
        self._require(self.actor.can("view_own_timesheet"))
        return listing.page(self, statements.running(), {"user_id": self.actor.id}, expanded=True)

    # --- writing ------------------------------------------------------------------------------

    def create(self, body: Any, presets: Mapping[str, str] | None = None) -> Timesheet:
        """POST /api/timesheets: a finished record, or a running one (contract §5.3)."""
        actor = self.actor
        self._require(actor.can("create_own_timesheet"))
        self._adopt_caller()
        me = self._user(actor.id)
        fresh = Draft(user=me, project=None, activity=None, begin=None, end=None, timezone=actor.timezone)
        form = timesheet_form(
            times=self.settings.can_edit_times(actor),
            break_time=self.settings.break_time_active,
            rates=self.access.can("edit_rate", fresh),
            user=actor.can("create_other_timesheet"),
            exported=self.access.can("edit_export", fresh),
            billable=self.access.can("edit_billable", fresh),
        )
        result = form.read(body, partial=True, ctx=FormContext(timezone=actor.timezone))
        draft = self._apply_form(fresh, result, original=None)
        self._lock_user(draft.user.id)
        # The times the caller left out are taken from the clock read under the owner's lock.
        self._apply_mode_defaults(draft, presets or {}, given=result.values)
        draft.timezone = user_timezone(draft.user)
        calculated = calculate(self.session, draft, self.settings)
        self._form_check(form, result, draft, calculated, original=None)
        self._require(self.access.can("start" if draft.end is None else "create", draft))
        record = self._persist(Timesheet(), draft, calculated)
        if record.end is None:
            self._stop_others(record, form_errors=form)
        return record

    def update(self, timesheet_id: int, body: Any) -> Timesheet:
        """PATCH /api/timesheets/{id}: a partial update through the form (contract §5.4)."""
        record = self.find(timesheet_id, for_update=True)
        self._require(self.access.can("edit", record))
        current = Draft.of(record)
        form = timesheet_form(
            times=self.settings.can_edit_times(self.actor),
            break_time=self.settings.break_time_active,
            rates=self.access.can("edit_rate", record),
            user=True,
            exported=self.access.can("edit_export", record),
            billable=self.access.can("edit_billable", record),
        )
        result = form.read(body, partial=True, ctx=FormContext(timezone=record.timezone))
        original = Snapshot.of(record)
        draft = self._apply_form(current, result, original=original)
        draft.timezone = user_timezone(draft.user)
        calculated = calculate(self.session, draft, self.settings)
        self._form_check(form, result, draft, calculated, original=original)
        return self._persist(record, draft, calculated)

    def delete(self, timesheet_id: int) -> None:
        record = self.find(timesheet_id, for_update=True)
        self._require(self.access.can("delete", record))
        self.session.delete(record)
        self.session.flush()

    def stop(self, timesheet_id: int) -> Timesheet:
        """PATCH /api/timesheets/{id}/stop: end = now, validated; a stopped record is left alone."""
        record = self.find(timesheet_id, for_update=True)
        self._require(self.access.can("stop", record))
        if record.end is not None:
            return record
        violations = self._stop_record(record)
        if violations:
            raise ServiceValidationFailed(_by_path(violations))
        return record

    def restart(self, timesheet_id: int, read_options: Callable[[], RestartOptions]) -> Timesheet:
        """PATCH /api/timesheets/{id}/restart: a new running record of the caller (contract §5.9).

        The options are read after the record was found and the caller may start it.
        """
        original = self.find(timesheet_id)
        self._require(self.access.can("start", original))
        options = read_options()
        me = self._user(self.actor.id)
        self._lock_user(me.id)
        begin = options.begin or self.now
        draft = Draft(
            user=me,
            project=original.project,
            activity=original.activity,
            begin=begin,
            end=None,
            timezone=user_timezone(me),
        )
        if options.copy_all:
            draft.description = original.description
            draft.billable = original.billable
            draft.tags = list(original.tags)
            draft.meta = [MetaValue(m.name, m.value, m.visible) for m in original.meta]
        draft.begin = self._mode_begin(begin, draft.timezone)
        return self._create_by_service(draft)

    def duplicate(self, timesheet_id: int) -> Timesheet:
        """PATCH /api/timesheets/{id}/duplicate: a copy with the same owner, times and rates."""
        original = self.find(timesheet_id)
        self._require(self.access.can("duplicate", original))
        self._lock_user(original.user_id)
        draft = Draft.of(original)
        draft.id = None
        draft.exported = False
        draft.timezone = user_timezone(original.user)
        return self._create_by_service(draft)

    def toggle_export(self, timesheet_id: int) -> Timesheet:
        """PATCH /api/timesheets/{id}/export: flips `exported`; un-exporting needs more rights."""
        record = self.find(timesheet_id, for_update=True)
        self._require(self.access.can("edit_export", record))
        if record.exported:
            self._require(self.actor.can("edit_exported_timesheet"))
        draft = Draft.of(record)
        draft.exported = not record.exported
        draft.timezone = user_timezone(record.user)
        return self._persist(record, draft, calculate(self.session, draft, self.settings))

    def set_meta(self, timesheet_id: int, name: Any, value: Any, *, has_value: bool) -> Timesheet:
        """PATCH /api/timesheets/{id}/meta: stores one configured meta field, unvalidated."""
        record = self.find(timesheet_id, for_update=True)
        self._require(self.access.can("edit", record))
        if name is None or isinstance(name, dict | list | bool):
            raise BadRequest("name is required")
        if "\x00" in str(name):
            raise NotFound("meta field")
        definition = self.session.scalars(
            select(MetaFieldDefinition).where(
                MetaFieldDefinition.entity_type == "timesheet",
                func.lower(MetaFieldDefinition.name) == str(name).lower(),
            )
        ).first()
        if definition is None:
            raise NotFound("meta field")
        if not has_value or value is False or isinstance(value, dict | list):
            raise BadRequest("value is required")
        text = "" if value is None else ("1" if value is True else str(value))
        if "\x00" in text or len(text.encode()) > MAX_TEXT_BYTES:
            raise BadRequest("value cannot be stored")
        existing = next((m for m in record.meta if m.name.lower() == definition.name.lower()), None)
        if existing is None:
            record.meta.append(TimesheetMeta(name=definition.name, value=text, visible=definition.visible))
        else:
            existing.value = text
        draft = Draft.of(record)
        draft.timezone = user_timezone(record.user)
        return self._persist(record, draft, calculate(self.session, draft, self.settings), meta=False)

    # --- favourites ---------------------------------------------------------------------------

    def favorites(self) -> list[Timesheet]:
        """The caller's favourite records, the most recently added first."""
        self._require(self.actor.can("start_own_timesheet"))
        me = self._user(self.actor.id)
        ids = _favorite_ids(me)
        if not ids:
            return []
        records = self.session.scalars(
            select(Timesheet)
            .where(Timesheet.id.in_(ids), Timesheet.user_id == me.id)
            .options(*self._loaders(True))
        ).unique()
        by_id = {record.id: record for record in records}
        return [by_id[i] for i in ids if i in by_id]

    def add_favorite(self, timesheet_id: int) -> None:
        record, me = self._favorite_target(timesheet_id)
        ids = _favorite_ids(me)
        if record.id in ids:
            return
        ids = [record.id, *ids][:MAX_FAVORITES]
        set_preference(me, FAVORITES_PREFERENCE, ",".join(str(i) for i in ids))
        self.session.flush()

    def remove_favorite(self, timesheet_id: int) -> None:
        record, me = self._favorite_target(timesheet_id)
        ids = _favorite_ids(me)
        if record.id not in ids:
            return
        set_preference(me, FAVORITES_PREFERENCE, ",".join(str(i) for i in ids if i != record.id))
        self.session.flush()

    def _favorite_target(self, timesheet_id: int) -> tuple[Timesheet, User]:
        record = self.find(timesheet_id)
        self._require(self.actor.can("start_own_timesheet") and record.user_id == self.actor.id)
        me = self._user(self.actor.id)
        self._lock_user(me.id)
        self.session.refresh(me, attribute_names=["preferences"])
        return record, me

    # --- internals: forms ---------------------------------------------------------------------

    def _apply_mode_defaults(
        self, draft: Draft, presets: Mapping[str, str], given: Mapping[str, Any]
    ) -> None:
        """The tracking mode fills a new record's begin (and Kimai's legacy query presets its
        end) where the submitted values in `given` leave them out."""
        timezone = self.actor.timezone
        begin, end = self._presets(presets, timezone)
        mode = self.settings.mode
        if mode == "default":
            begin = round_begin(begin, self.settings.rounding, timezone)
            if end is not None:
                end = round_end(end, self.settings.rounding, timezone)
        elif mode == "duration_only":
            begin = self.settings.default_begin_of(begin, timezone)
        elif mode == "duration_fixed_begin":
            begin = self.settings.default_begin_of(begin, timezone).replace(second=0)
        if "begin" not in given:
            draft.begin = begin
        if end is not None and "end" not in given and mode == "default":
            draft.end = end

    def _presets(self, presets: Mapping[str, str], timezone: str) -> tuple[datetime, datetime | None]:
        """The begin and end preset by the query parameters begin/end (dates: 10:00 to 18:00)
        and from/to (datetimes); the begin is now without them."""
        begin = self.now
        end: datetime | None = None
        begin_day = _date_preset(presets.get("begin"))
        if begin_day is not None:
            local_now = self.now.astimezone(zone(timezone))
            begin = localize(datetime.combine(begin_day, local_now.time().replace(microsecond=0)), timezone)
            end_day = _date_preset(presets.get("end"))
            if end_day is not None:
                begin = localize(datetime.combine(begin_day, time(10, 0)), timezone)
                end = localize(datetime.combine(end_day, time(18, 0)), timezone)
        start = parse_local_datetime(presets["from"], timezone) if presets.get("from") else None
        if start is not None:
            begin = start
            stop = parse_local_datetime(presets["to"], timezone) if presets.get("to") else None
            if stop is not None:
                end = stop
        return begin, end

    def _mode_begin(self, begin: datetime, timezone: str) -> datetime:
        """How the tracking mode adjusts the begin of a restarted record."""
        mode = self.settings.mode
        if mode == "default":
            return round_begin(begin, self.settings.rounding, timezone)
        if mode == "duration_fixed_begin":
            return self.settings.default_begin_of(begin, timezone).replace(second=0)
        if mode == "duration_only":
            return self.settings.default_begin_of(begin, timezone)
        return begin

    def _apply_form(self, draft: Draft, result: FormResult, *, original: Snapshot | None) -> Draft:
        """Moves the submitted values onto the draft; choices the caller may not pick become
        field errors in `result` and leave the current value in place."""
        values, errors = result.values, result.field_errors
        for name, attribute in (("begin", "begin"), ("end", "end"), ("break", "break_seconds")):
            if name in values:
                setattr(draft, attribute, values[name])
        if "description" in values:
            draft.description = values["description"]
        if "tags" in values:
            draft.tags = self._tags(values["tags"])
        for name, attribute in (("fixedRate", "fixed_rate"), ("hourlyRate", "hourly_rate")):
            if name in values:
                setattr(draft, attribute, values[name])
        if "exported" in values:
            draft.exported = values["exported"]
        if "billable" in values:
            draft.billable = values["billable"]
        body_project: Project | None = None
        if "project" in values:
            try:
                draft.project = body_project = self._project_choice(values["project"], original)
            except InvalidChoice:
                errors["project"] = [INVALID_CHOICE]
        if "activity" in values:
            try:
                draft.activity = self._activity_choice(
                    values["activity"], body_project, "project" in values, original
                )
            except InvalidChoice:
                errors["activity"] = [INVALID_CHOICE]
        if "user" in values:
            try:
                owner = self._user_choice(values["user"], original)
            except InvalidChoice:
                errors["user"] = [INVALID_CHOICE]
            else:
                if owner is None:
                    errors["user"] = [NOT_NULL]
                else:
                    draft.user = owner
        if original is not None:
            changed = (
                draft.user.id != original.user_id
                or (draft.project is not None and draft.project.id != original.project_id)
                or (draft.activity is not None and draft.activity.id != original.activity_id)
            )
            if changed and "fixedRate" not in values and "hourlyRate" not in values:
                # Kimai recalculates from scratch, and billable goes back to automatic.
                draft.fixed_rate = draft.hourly_rate = None
                draft.billable = None
        return draft

    def _form_check(
        self,
        form: Form,
        result: FormResult,
        draft: Draft,
        calculated: Calculated,
        *,
        original: Snapshot | None,
    ) -> None:
        """Runs the rules and raises Kimai's form error body when anything failed."""
        field_errors = {name: list(messages) for name, messages in result.field_errors.items()}
        global_errors = list(result.global_errors)
        violations = validate(draft, calculated, self._rule_context(original))
        for violation in violations:
            target = (
                violation.path if violation.path in _FIELD_PATHS and violation.path in form.fields else None
            )
            if target is None:
                global_errors.append(violation.message)
            elif target not in result.field_errors:
                # Kimai does not map rule errors onto a field whose own value was unreadable.
                field_errors.setdefault(target, []).append(violation.message)
        for name, missing in (
            ("project", draft.project),
            ("activity", draft.activity),
            ("begin", draft.begin),
        ):
            if missing is None and name in form.fields and name not in result.field_errors:
                field_errors.setdefault(name, []).append(NOT_NULL)
        if field_errors or global_errors:
            raise ValidationFailed(field_errors, global_errors, fields=list(form.fields))

    def _project_choice(self, project_id: int | None, original: Snapshot | None) -> Project | None:
        """The project if the caller may pick it (None for "none"); InvalidChoice otherwise."""
        if project_id is None:
            return None
        project = kept_entity(self.session, Project, project_id)
        if project is None:
            raise InvalidChoice()
        if original is not None and project.id == original.project_id:
            return project
        if not project.visible or not project.customer.visible:
            raise InvalidChoice()
        today = self.now.astimezone(zone(self.actor.timezone)).date()
        if (project.start is not None and project.start > today) or (
            project.end is not None and project.end < today
        ):
            raise InvalidChoice()
        if not self.access.reaches_project(project):
            raise InvalidChoice()
        return project

    def _activity_choice(
        self, activity_id: int | None, project: Project | None, project_sent: bool, original: Snapshot | None
    ) -> Activity | None:
        if activity_id is None:
            return None
        activity = kept_entity(self.session, Activity, activity_id)
        if activity is None:
            raise InvalidChoice()
        if original is not None and activity.id == original.activity_id:
            return activity
        parent = activity.project
        if not activity.visible:
            raise InvalidChoice()
        if not self.access.reaches_activity(activity):
            raise InvalidChoice()
        if parent is not None and (not parent.visible or not parent.customer.visible):
            raise InvalidChoice()
        if project_sent and project is not None:
            if parent is not None and parent.id != project.id:
                raise InvalidChoice()
            if parent is None and not project.global_activities:
                raise InvalidChoice()
        return activity

    def _user_choice(self, user_id: int | None, original: Snapshot | None) -> User | None:
        if user_id is None:
            return None
        user = self.session.get(User, user_id)
        if user is None:
            raise InvalidChoice()
        if original is not None and user.id == original.user_id:
            return user
        if not user.enabled or user.system_account:
            raise InvalidChoice()
        allowed = selectable_user_ids(self.session, self.actor)
        if allowed is not None and user.id not in allowed:
            raise InvalidChoice()
        return user

    def _tags(self, names: list[str]) -> list[Tag]:
        """Existing tags by name; unknown names are dropped (the API never creates tags)."""
        if not names:
            return []
        return kept_tags(self.session, names, self._read_tags)

    def _read_tags(self, names: list[str]) -> list[Tag]:
        # Names as stored are found on the unique index; only the others are compared without
        # case, which reads every tag.
        if len(names) <= TAG_NAMES_KEPT:
            statement = _tags_named(len(names))
            values: dict[str, Any] = {f"name_{index}": name for index, name in enumerate(names)}
        else:
            statement, values = _tags_named(0), {"names": names}
        found = list(self.session.scalars(statement, values))
        matched = {tag.name.lower() for tag in found}
        others = {name.lower() for name in names} - matched
        if others:
            found += self.session.scalars(select(Tag).where(func.lower(Tag.name).in_(others)))
        by_name = {tag.name.lower(): tag for tag in reversed(found)}
        result: list[Tag] = []
        for name in names:
            tag = by_name.get(name.lower())
            if tag is not None and tag not in result:
                result.append(tag)
        return result

    # --- internals: saving --------------------------------------------------------------------

    def _rule_context(self, original: Snapshot | None) -> RuleContext:
        return RuleContext(self.session, self.actor, self.settings, self.access, self.now, original)

    def _create_by_service(self, draft: Draft) -> Timesheet:
        """Restart and duplicate: permission on the new record, rules, save, auto-stop."""
        self._require(self.access.can("start" if draft.end is None else "create", draft))
        if draft.end is None:
            draft.begin = draft.begin or self.now
        calculated = calculate(self.session, draft, self.settings)
        violations = validate(draft, calculated, self._rule_context(None))
        if violations:
            raise ServiceValidationFailed(_by_path(violations))
        record = self._persist(Timesheet(), draft, calculated)
        if record.end is None:
            self._stop_others(record, form_errors=None)
        return record

    def _persist(
        self, record: Timesheet, draft: Draft, calculated: Calculated, *, meta: bool = True
    ) -> Timesheet:
        begin, local_day = calculated.begin, calculated.date
        assert begin is not None and local_day is not None, "saved only after validation"
        rates = calculated.rates
        values = {
            "begin": begin,
            "end": calculated.end,
            "timezone": draft.timezone,
            "date": local_day,
            "duration": calculated.duration,
            "break_seconds": draft.break_seconds,
            "description": draft.description,
            "rate": rates.rate,
            "internal_rate": rates.internal_rate,
            "fixed_rate": rates.fixed_rate,
            "hourly_rate": rates.hourly_rate,
            "exported": draft.exported,
            "billable": calculated.billable,
            "modified_at": utcnow(),
        }
        if record.id is not None and self._only_columns_change(record, draft):
            self._update(record, values)
            return record
        record.user = draft.user
        if draft.project is not None:
            record.project = draft.project
        if draft.activity is not None:
            record.activity = draft.activity
        record.tags = list(draft.tags)
        for key, value in values.items():
            setattr(record, key, value)
        if record.id is None:
            self._insert(record)
            if meta and draft.meta:
                record.meta = [
                    TimesheetMeta(name=m.name, value=m.value, visible=m.visible) for m in draft.meta
                ]
        self.session.flush()
        return record

    def _insert(self, record: Timesheet) -> None:
        """Writes a new record and its tags with one INSERT each, then takes it into the unit of
        work as if it had been loaded.

        The ORM's flush of a new record sorts and walks its owner, project, activity and tags as
        well (the unit of work's dependencies and cascades): several times the cost of the INSERT
        statements themselves, and the larger part of a create's own work. The statements are the
        ones that flush would send; the record's attributes hold what it would have left there."""
        session = self.session
        record.user_id = record.user.id
        record.project_id = record.project.id
        record.activity_id = record.activity.id
        values: dict[str, Any] = {}
        for key, column, default in _record_columns():
            value = getattr(record, key)
            if value is None and default is not None:
                value = default
                setattr(record, key, value)
            values[column] = value
        owners = {OWNERS: (record.user_id,)}
        inserted = cast(
            CursorResult[Any],
            session.execute(_insert_into(Timesheet.__table__), values, execution_options=owners),
        )
        primary_key = inserted.inserted_primary_key
        assert primary_key is not None, "a single-row INSERT"
        record.id = primary_key[0]
        if record.tags:
            session.execute(
                _insert_into(timesheet_tags),
                [{"timesheet_id": record.id, "tag_id": tag.id} for tag in record.tags],
                execution_options=owners,
            )
        make_transient_to_detached(record)
        set_committed_value(record, "meta", [])
        session.add(record)

    def _only_columns_change(self, record: Timesheet, draft: Draft) -> bool:
        """Whether saving `draft` over the stored `record` changes none of its relations (owner,
        project, activity, tags, custom fields) while nothing else in the unit of work waits to
        be written: then one UPDATE of its changed columns is all a flush would send."""
        session = self.session
        if session.new or session.deleted or session.dirty:
            return False
        return (
            record.user is draft.user
            and (draft.project is None or record.project is draft.project)
            and (draft.activity is None or record.activity is draft.activity)
            and set(record.tags) == set(draft.tags)
        )

    def _update(self, record: Timesheet, values: dict[str, Any]) -> None:
        """Writes the columns of a stored record whose values change (a stop: its end, duration,
        date and rates), as the flush would, and leaves the record holding them as loaded."""
        changed = {key: value for key, value in values.items() if getattr(record, key) != value}
        if not changed:
            return
        columns = _column_names()
        parameters = {columns[key]: value for key, value in changed.items()}
        self.session.execute(
            _record_update(),
            {**parameters, "record_id": record.id},
            execution_options={OWNERS: (record.user_id,)},
        )
        for key, value in changed.items():
            set_committed_value(record, key, value)

    def _stop_record(self, record: Timesheet) -> list[Violation]:
        """Ends a running record now: full validation, then rounding and rates. The record's
        timezone is kept (a stop does not touch it)."""
        draft = Draft.of(record)
        draft.end = self.now
        calculated = calculate(self.session, draft, self.settings)
        violations = validate(draft, calculated, self._rule_context(Snapshot.of(record)))
        if violations:
            return violations
        self._persist(record, draft, calculated, meta=False)
        return []

    def _stop_others(self, record: Timesheet, *, form_errors: Form | None) -> None:
        """Stops the owner's oldest running records beyond the hard limit (never the new one).

        Runs while the owner's user row is locked, so parallel starts see each other's records.
        """
        limit = max(1, self.settings.hard_limit)
        running = self.session.scalars(
            _other_running(), {"user_id": record.user_id, "record_id": record.id}
        ).all()
        excess = len(running) + 1 - limit
        for older in running[: max(0, excess)]:
            violations = self._stop_record(older)
            if not violations:
                continue
            if form_errors is not None:
                raise ValidationFailed({}, [CANNOT_STOP], fields=list(form_errors.fields))
            raise ServiceValidationFailed(_by_path(violations), message=CANNOT_STOP)

    @property
    def _serialized(self) -> bool:
        """Whether the database runs one writer at a time (SQLite: a writing unit of work holds
        the database's write lock from its first statement), so that no row needs a lock."""
        if self._sqlite is None:
            self._sqlite = is_sqlite(self.session)
        return self._sqlite

    def _lock_user(self, user_id: int) -> None:
        """Serializes writers of one user's records (PostgreSQL/MariaDB; SQLite is serialized,
        and the statement, its FOR UPDATE compiled away, would only cost its round).

        The clock is read again once the lock is held: the writes of one user's records then
        happen in the order of their times, and a start that waited for another never stops it
        before it began. (On SQLite the unit of work held the write lock before the clock was
        first read.)"""
        if not self._serialized:
            self.session.execute(_owner_lock(), {"user_id": user_id})
            self.now = utcnow()

    def _adopt_caller(self) -> None:
        """Takes the caller's account, read for authentication, into this unit of work as it is:
        reading it as a record's owner or a draft's user then costs no statement. (The session
        holds clean objects weakly: the service keeps the reference.)"""
        self._caller = self.session.merge(self.actor.user, load=False)

    def _user(self, user_id: int) -> User:
        user = self.session.get(User, user_id)
        if user is None:
            raise NotFound("user")
        return user

    def _require(self, allowed: bool) -> None:
        if not allowed:
            raise Forbidden("timesheet")

    # --- internals: queries -------------------------------------------------------------------

    def lists_only_own(self, filters: TimesheetFilter) -> bool:
        """Whether the list shows the caller's own records only, known without reading anything:
        the caller may not see others' records, or names no user."""
        return not self.actor.can("view_other_timesheet") or (filters.user is None and not filters.users)

    def _owners(self, filters: TimesheetFilter, values: dict[str, Any]) -> Owners:
        """Whose records the list shows; their ids go into `values`."""
        actor = self.actor
        if self.lists_only_own(filters):
            values["user_id"] = actor.id
            return "caller"
        if filters.user == "all":
            if actor.sees_all:
                return "everyone"
            values["user_ids"] = sorted({actor.id} | led_member_ids(self.session, actor))
            return "users"
        wanted = list(filters.users)
        if filters.user is not None:
            wanted.append(int(filters.user))
        users = self.session.scalars(select(User).where(User.id.in_(wanted))).all()
        for user in users:
            self._require(can_access_user(self.session, actor, user))
        if not users:
            values["user_id"] = actor.id
            return "caller"
        values["user_ids"] = sorted(user.id for user in users)
        return "users"

    def _loaders(self, expanded: bool) -> list[Any]:
        """Eager loading so a page costs the same number of queries for 5 or 500 rows."""
        options: list[Any] = [
            selectinload(Timesheet.tags),
            selectinload(Timesheet.meta),
            joinedload(Timesheet.user),
            # Inner joins where the record always has one, and the activity's optional project
            # outer-joined with its customer in one chain (every project has a customer):
            # SQLite materializes a nested `LEFT JOIN (projects JOIN customers)` over every
            # project first.
            joinedload(Timesheet.project, innerjoin=True),
            joinedload(Timesheet.activity, innerjoin=True)
            .joinedload(Activity.project)
            .joinedload(Project.customer, innerjoin=False),
        ]
        project, activity = defaultload(Timesheet.project), defaultload(Timesheet.activity)
        if expanded:
            options += [
                project.selectinload(Project.meta),
                project.defaultload(Project.customer).selectinload(Customer.meta),
                activity.selectinload(Activity.meta),
            ]
        return options


# --- helpers ------------------------------------------------------------------------------------


def _by_path(violations: list[Violation]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for violation in violations:
        grouped.setdefault(violation.path, []).append(violation.message)
    return grouped


def _favorite_ids(user: User) -> list[int]:
    raw = user.preference(FAVORITES_PREFERENCE) or ""
    return [int(part) for part in raw.split(",") if ascii_digits(part.strip())]


def _date_preset(value: str | None) -> Any:
    if not value or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        return None
