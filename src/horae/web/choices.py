"""The customers, projects and activities a person may book on, for the narrowing selects.

Three queries, each with the team-visibility predicate of security/visibility.py; the timesheet
service checks the submitted ids again, so these lists only decide what is offered. The lists
depend only on the catalog and the caller's teams: they are kept while the catalog's generation
is unchanged (catalog_cache.py), as the API's catalog lists are.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, NamedTuple

import orjson
from markupsafe import Markup, escape
from sqlalchemy import null, select
from sqlalchemy.orm import Session

from horae.activities.models import Activity
from horae.catalog_cache import CATALOG, cached_answer
from horae.customers.models import Customer
from horae.projects.models import Project
from horae.security.permissions import Actor
from horae.security.visibility import activity_visible, customer_visible, project_visible


class Option(NamedTuple):
    id: int
    name: str
    # The customer of a project, the project of an activity (None: a global activity).
    parent: int | None = None


@dataclass(frozen=True)
class BookingChoices:
    """Each list holds options or [id, name, parent] rows."""

    customers: Sequence[Any]
    projects: Sequence[Any]
    activities: Sequence[Any]


def booking_choices(session: Session, actor: Actor) -> BookingChoices:
    # Thousands of activities, each with the team rules: read once per catalog generation.
    key = ("booking_choices", actor.sees_all, tuple(sorted(actor.team_ids)))
    answer = cached_answer(session, CATALOG, key, lambda: orjson.dumps(_read_choices(session, actor)))
    return _parsed(answer)


@lru_cache(maxsize=32)
def _parsed(answer: bytes) -> BookingChoices:
    """The lists of a kept answer, parsed once: a kept answer is the same bytes object on every
    request (its hash is computed once), so the pages reuse the lists and their written tags."""
    customers, projects, activities = orjson.loads(answer)
    return BookingChoices(Options(customers), Options(projects), Options(activities))


class Options(tuple[Any, ...]):
    """Option rows of a booking select, with their <option> tags written once (`option_tags`)."""

    def written(self, parents: bool) -> str:
        cached: dict[bool, str] = self.__dict__.setdefault("_written", {})
        if parents not in cached:
            cached[parents] = _write(self, parents)
        return cached[parents]


def _read_choices(session: Session, actor: Actor) -> list[list[Any]]:
    customers = session.execute(
        select(Customer.id, Customer.name, null())
        .where(Customer.visible.is_(True), customer_visible(actor))
        .order_by(Customer.name, Customer.id)
    ).all()
    projects = session.execute(
        select(Project.id, Project.name, Project.customer_id)
        .join(Customer, Customer.id == Project.customer_id)
        .where(
            Project.visible.is_(True),
            Customer.visible.is_(True),
            project_visible(actor),
            customer_visible(actor),
        )
        .order_by(Project.name, Project.id)
    ).all()
    activities = session.execute(
        select(Activity.id, Activity.name, Activity.project_id)
        .where(Activity.visible.is_(True), activity_visible(actor))
        .order_by(Activity.name, Activity.id)
    ).all()
    return [[tuple(row) for row in rows] for rows in (customers, projects, activities)]


def option_tags(options: Iterable[Any], selected: Any, *, parents: bool = False) -> Markup:
    """The <option> tags of a booking select (options or rows of id, name and parent), written
    in one pass (a template loop over thousands of activities costs more than the rest of the
    page); `selected` is the chosen id, compared as text as the form holds it."""
    written = options.written(parents) if isinstance(options, Options) else _write(options, parents)
    chosen = str(selected)
    start = written.find(f'<option value="{chosen}"') if chosen else -1
    if start >= 0:
        end = written.index(">", start)
        written = f"{written[:end]} selected{written[end:]}"
    return Markup(written)


def _write(options: Iterable[Any], parents: bool) -> str:
    tags = []
    for option_id, name, parent_id in options:
        parent = ""
        if parents:
            parent = f' data-parent="{"" if parent_id is None else parent_id}"'
        tags.append(f'<option value="{option_id}"{parent}>{escape(name)}</option>')
    return "\n".join(tags)
