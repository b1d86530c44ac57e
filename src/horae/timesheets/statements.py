"""The statements of a timesheet list, built once per shape and run with the request's values.

What SQL a list needs depends on which filters it has, not on their values: the caller's own
records or a set of users, whether customers, projects, activities or tags are filtered, which
of the conditions on a record's own columns apply, the caller's teams (the visibility rules),
the order. That is the list's `ListShape`; the values (ids, instants, the page) travel as bound
parameters, lists of ids as expanding ones. A statement is built the first time its shape is
asked for and kept: a request neither builds its statements again nor has SQLAlchemy walk them
to compute their cache keys (it memoizes a key on the statement that was keyed). Kept, a week's
list takes about a third less CPU (docs/benchmarks.md).

Kimai's search term has as many conditions as it has words, with the words in them: a list with
a term is built for its request, the term's conditions added to the shape's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Any, Literal

from sqlalchemy import ColumnElement, Integer, Select, bindparam, func, select

from horae.activities.models import Activity
from horae.customers.models import Customer
from horae.projects.models import Project
from horae.timesheets.access import teams_filter
from horae.timesheets.listing import COLUMNS
from horae.timesheets.models import Timesheet
from horae.timesheets.search import RecordShape, ordering, record_clauses, tagged_with

# Whose records: the caller's (`user_id`), everyone's, or those of the users in `user_ids`.
Owners = Literal["caller", "everyone", "users"]
# What `aggregate` computes: the count, or the count, the seconds and the money.
Aggregates = Literal["count", "totals"]

# A select of any columns (SQLAlchemy types a select by its columns).
Statement = Select[*tuple[Any, ...]]

# Shapes kept: per set of teams, a handful of filter combinations and orders are in use. A
# shape's page and count take about 80 KiB together, their cache keys included: at most about
# 20 MB per process.
_KEPT_SHAPES = 256


@dataclass(frozen=True, slots=True)
class ListShape:
    """What a list's statements depend on (see the module's notes)."""

    owners: Owners
    customers: bool
    projects: bool
    activities: bool
    tags: bool
    record: RecordShape
    # The caller's teams for the visibility rules; None for a caller who sees all.
    teams: frozenset[int] | None


@dataclass(frozen=True, slots=True)
class ListCriteria:
    """A list's shape, its parameters' values, and the search term's conditions if any."""

    shape: ListShape
    values: dict[str, Any]
    term: tuple[ColumnElement[bool], ...] = field(default=())


def page(criteria: ListCriteria, order_by: str, descending: bool, *, columns: bool) -> Statement:
    """One page of records (`page_offset`, `page_size`), ordered: the `Timesheet` entities, or
    the columns a listed record needs (`listing.COLUMNS`)."""
    if criteria.term:
        return _page(criteria.shape, order_by, descending, columns, criteria.term)
    return _kept_page(criteria.shape, order_by, descending, columns)


def aggregate(criteria: ListCriteria, aggregates: Aggregates) -> Statement:
    """One row of `aggregates` over every record of the list, all pages."""
    if criteria.term:
        return _aggregate(criteria.shape, aggregates, criteria.term)
    return _kept_aggregate(criteria.shape, aggregates)


def _conditions(shape: ListShape, term: Sequence[ColumnElement[bool]]) -> list[Any]:
    """The list's conditions, before the visibility rules (the customers need Project joined)."""
    conditions: list[Any] = []
    if shape.owners == "caller":
        conditions.append(Timesheet.user_id == bindparam("user_id"))
    elif shape.owners == "users":
        conditions.append(Timesheet.user_id.in_(bindparam("user_ids", expanding=True)))
    if shape.customers:
        conditions.append(Project.customer_id.in_(bindparam("customer_ids", expanding=True)))
    if shape.projects:
        conditions.append(Timesheet.project_id.in_(bindparam("project_ids", expanding=True)))
    if shape.activities:
        conditions.append(Timesheet.activity_id.in_(bindparam("activity_ids", expanding=True)))
    if shape.tags:
        conditions.append(tagged_with(bindparam("tag_ids", expanding=True)))
    conditions += record_clauses(shape.record, bindparam)
    conditions += term
    return conditions


def _joined() -> Statement:
    return (
        select(Timesheet)
        .join(Project, Project.id == Timesheet.project_id)
        .join(Activity, Activity.id == Timesheet.activity_id)
    )


def _page(
    shape: ListShape,
    order_by: str,
    descending: bool,
    columns: bool,
    term: Sequence[ColumnElement[bool]] = (),
) -> Statement:
    query = (
        _joined()
        .where(*_conditions(shape, term), teams_filter(shape.teams))
        .order_by(*ordering(order_by, descending))
        .offset(bindparam("page_offset", type_=Integer))
        .limit(bindparam("page_size", type_=Integer))
    )
    return query.with_only_columns(*COLUMNS) if columns else query


def _aggregate(
    shape: ListShape, aggregates: Aggregates, term: Sequence[ColumnElement[bool]] = ()
) -> Statement:
    """Under the team rules, the records are first counted and summed per project and activity,
    and the rules checked once per pair on the pairs' sums: one user's 5,000 records have about
    1,400 pairs, and checking the rules on every record was half the time of a page. Counts and
    sums add up across pairs, so the result is the same."""
    computed: list[ColumnElement[Any]] = [func.count(Timesheet.id)]
    if aggregates == "totals":
        computed += [func.sum(Timesheet.duration), func.sum(Timesheet.rate)]
    # Project is joined only for the customer filter, which reads the project's customer.
    rows = (_joined() if shape.customers else select(Timesheet)).where(*_conditions(shape, term))
    if shape.teams is None:
        return rows.with_only_columns(*computed)
    pairs = (
        rows.with_only_columns(
            Timesheet.project_id,
            Timesheet.activity_id,
            *(value.label(f"a{index}") for index, value in enumerate(computed)),
        )
        .group_by(Timesheet.project_id, Timesheet.activity_id)
        .subquery("pairs")
    )
    return (
        select(*(func.sum(pairs.c[f"a{index}"]) for index in range(len(computed))))
        .select_from(pairs)
        .join(Project, Project.id == pairs.c.project_id)
        .join(Activity, Activity.id == pairs.c.activity_id)
        .where(teams_filter(shape.teams))
    )


_kept_page = lru_cache(maxsize=_KEPT_SHAPES)(_page)
_kept_aggregate = lru_cache(maxsize=_KEPT_SHAPES)(_aggregate)


# --- the caller's own records: running ones, the latest per project and activity ---------------


@cache
def running() -> Statement:
    """The running records of the user `user_id`, newest begin first (`listing.COLUMNS`)."""
    return (
        select(*COLUMNS)
        .where(Timesheet.user_id == bindparam("user_id"), Timesheet.end.is_(None))
        .order_by(Timesheet.begin.desc(), Timesheet.id.desc())
    )


@lru_cache(maxsize=_KEPT_SHAPES)
def latest_per_pair(teams: frozenset[int] | None, since: bool) -> Statement:
    """The newest record id of the user `user_id` per project and activity (from
    `latest_begin` on when `since`), newest first, `latest_size` of them. Grouped first (on the
    user's covering index), then each group's project and activity checked once instead of
    once per record."""
    groups = select(
        Timesheet.project_id, Timesheet.activity_id, func.max(Timesheet.id).label("latest")
    ).where(Timesheet.user_id == bindparam("user_id"))
    if since:
        groups = groups.where(Timesheet.begin >= bindparam("latest_begin"))
    latest = groups.group_by(Timesheet.project_id, Timesheet.activity_id).subquery("latest_per_pair")
    return (
        select(latest.c.latest.label("id"), latest.c.project_id, latest.c.activity_id)
        .select_from(latest)
        .join(Project, Project.id == latest.c.project_id)
        .join(Activity, Activity.id == latest.c.activity_id)
        .where(teams_filter(teams))
        .order_by(latest.c.latest.desc())
        .limit(bindparam("latest_size", type_=Integer))
    )


@cache
def latest_records() -> Statement:
    """The records `ids` in the order of the recent list: finished ones by end, newest first,
    then running ones (`listing.COLUMNS`)."""
    return (
        select(*COLUMNS)
        .where(Timesheet.id.in_(bindparam("ids", expanding=True)))
        .order_by(Timesheet.end.is_(None), Timesheet.end.desc(), Timesheet.id.desc())
    )


@lru_cache(maxsize=_KEPT_SHAPES)
def latest_named(teams: frozenset[int] | None) -> Statement:
    """`latest_per_pair` with each record's end and its customer's, project's and activity's
    names, for the pages."""
    latest = latest_per_pair(teams, False)
    return (
        latest.add_columns(
            Timesheet.end,
            Customer.name.label("customer"),
            Project.name.label("project"),
            Activity.name.label("activity"),
        )
        .join(Timesheet, Timesheet.id == latest.selected_columns.id)
        .join(Customer, Customer.id == Project.customer_id)
    )
