"""Projects: the filtered list (with its date semantics), CRUD, and duplication."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, and_, delete, func, or_, select
from sqlalchemy.orm import Session, contains_eager, selectinload

from horae.activities.models import Activity
from horae.api.forms import INVALID_CHOICE, Form
from horae.api.params import BOTH, HIDDEN, MAX_ID, VISIBLE
from horae.catalog_cache import cached_list
from horae.comments.service import RecordComments
from horae.config.service import SystemConfig, load_config
from horae.customers.models import Customer
from horae.customers.service import (
    assign,
    assign_budget,
    choose_teams,
    form_context,
    missing,
    number_and_meta_errors,
    order_by_name,
    require,
    today_for,
)
from horae.db import count_rows
from horae.errors import Forbidden, NotFound
from horae.meta.models import ProjectMeta
from horae.meta.service import copy_meta
from horae.numbering import next_number
from horae.projects.listing import projects_json
from horae.projects.models import Project
from horae.projects.schemas import project_form
from horae.rates.service import RecordRates, copy_rates
from horae.search import term_condition
from horae.security.attributes import RecordAccess, can_on_new, can_project
from horae.security.permissions import Actor
from horae.security.visibility import can_access_customer, project_visible

SEARCH_COLUMNS = (Project.name, Project.comment, Project.order_number, Project.number)
PROJECT_ATTRIBUTES = {
    "name": "name",
    "number": "number",
    "comment": "comment",
    "invoiceText": "invoice_text",
    "orderNumber": "order_number",
    "orderDate": "order_date",
    "start": "start",
    "end": "end",
    "globalActivities": "global_activities",
    "color": "color",
    "visible": "visible",
    "billable": "billable",
}
END_BEFORE_START = "End date must not be earlier then start date."
COPY_SUFFIX = " [COPY]"


@dataclass(frozen=True)
class ProjectQuery:
    customers: list[int] = field(default_factory=list)
    visible: int = VISIBLE
    start: date | None = None
    end: date | None = None
    ignore_dates: bool = False
    global_activities: bool | None = None
    order: str = "ASC"
    order_by: str = "name"
    term: str | None = None


def _with_relations(query: Select[Any]) -> Select[Any]:
    return query.join(Project.customer).options(
        contains_eager(Project.customer).selectinload(Customer.teams),
        selectinload(Project.teams),
        selectinload(Project.meta),
    )


def accessible_customer_filter(session: Session, actor: Actor, customer_ids: list[int]) -> list[int]:
    """The existing ids of a customer filter; unknown ids drop out, an inaccessible one is a 403."""
    if not customer_ids:
        return []
    found = list(
        session.scalars(
            select(Customer).options(selectinload(Customer.teams)).where(Customer.id.in_(customer_ids))
        )
    )
    if any(not can_access_customer(actor, customer) for customer in found):
        raise Forbidden("customer filter")
    return [customer.id for customer in found]


def running_on(day: date) -> Any:
    return and_(
        or_(Project.start.is_(None), Project.start <= day),
        or_(Project.end.is_(None), Project.end >= day),
    )


def list_projects(session: Session, actor: Actor, query: ProjectQuery) -> bytes:
    """The projects the caller may see, by default only those running today, as the JSON array
    of `GET /api/projects`."""
    return cached_list(
        session,
        actor,
        "projects",
        query,
        lambda: projects_json(session, actor, select_projects(session, actor, query)),
    )


def find_projects(
    session: Session, actor: Actor, query: ProjectQuery, *, offset: int = 0, limit: int = 50
) -> tuple[list[Project], int]:
    """One page of the same projects as records, with their relations loaded, and how many
    match in all (for the web pages)."""
    statement = select_projects(session, actor, query)
    total = count_rows(session, statement)
    # The list query joins Customer already; load it from that join.
    page = (
        statement.offset(offset)
        .limit(limit)
        .options(
            contains_eager(Project.customer).selectinload(Customer.teams),
            selectinload(Project.teams),
            selectinload(Project.meta),
        )
    )
    return list(session.scalars(page).unique()), total


def select_projects(session: Session, actor: Actor, query: ProjectQuery) -> Select[Any]:
    """The filtered, ordered query behind the project list (403 for an inaccessible customer)."""
    customer_ids = accessible_customer_filter(session, actor, query.customers)
    statement = (
        select(Project).join(Customer, Project.customer_id == Customer.id).where(project_visible(actor))
    )
    if customer_ids:
        statement = statement.where(Project.customer_id.in_(customer_ids))
    if query.visible == VISIBLE:
        statement = statement.where(Project.visible.is_(True), Customer.visible.is_(True))
    elif query.visible == HIDDEN:
        statement = statement.where(Project.visible.is_(False), Customer.visible.is_(True))
    else:
        assert query.visible == BOTH
    if not query.ignore_dates:
        days = [d for d in (query.start, query.end) if d is not None] or [today_for(actor)]
        for day in days:
            statement = statement.where(running_on(day))
    if query.global_activities is not None:
        statement = statement.where(Project.global_activities.is_(query.global_activities))
    if query.term:
        statement = statement.where(
            term_condition(query.term, SEARCH_COLUMNS, ProjectMeta, ProjectMeta.project_id, Project.id)
        )
    if query.order_by == "customer":
        descending = query.order == "DESC"
        keys = (func.lower(Customer.name), func.lower(Project.name), Project.id)
        statement = statement.order_by(*(key.desc() if descending else key.asc() for key in keys))
    else:
        statement = order_by_name(statement, query.order_by, query.order, Project.name, Project.id)
    return statement


def load_project(session: Session, project_id: int) -> Project:
    """The project with its customer, teams and custom fields; NotFound before any permission."""
    project = None
    if 0 < project_id <= MAX_ID:
        project = (
            session.scalars(_with_relations(select(Project)).where(Project.id == project_id)).unique().first()
        )
    if project is None:
        raise NotFound("project")
    return project


def get_project(session: Session, actor: Actor, project_id: int) -> Project:
    project = load_project(session, project_id)
    require(can_project(actor, "view", project))
    return project


def create_project(session: Session, actor: Actor, body: Any) -> Project:
    """POST /api/projects."""
    require(actor.can("create_project"))
    config = load_config(session)
    form = project_form(
        show_budget=can_on_new(actor, "budget", "project"),
        show_time=can_on_new(actor, "time", "project"),
        with_teams=True,
    )
    values = form.parse(body, partial=True, ctx=form_context(actor, config)).values
    project = Project(
        visible=True,
        billable=True,
        global_activities=True,
        budget=Decimal(0),
        time_budget=0,
        meta=[],
        teams=[],
    )
    if "number" not in values:
        project.number = next_number(session, Project, config.raw("project.number_format"), today_for(actor))
    # Nothing is written before the whole form is valid.
    with session.no_autoflush:
        _apply(session, actor, config, form, project, values, missing(values, "name", "customer"))
    session.add(project)
    session.flush()
    return load_project(session, project.id)


def update_project(session: Session, actor: Actor, project_id: int, body: Any) -> Project:
    """PATCH /api/projects/{id}."""
    project = load_project(session, project_id)
    require(can_project(actor, "edit", project))
    config = load_config(session)
    form = project_form(
        show_budget=can_project(actor, "budget", project),
        show_time=can_project(actor, "time", project),
    )
    values = form.parse(body, partial=True, ctx=form_context(actor, config, project.color)).values
    # Nothing is written before the whole form is valid.
    with session.no_autoflush:
        _apply(session, actor, config, form, project, values, {})
    session.flush()
    return load_project(session, project.id)


def choose_customer(
    session: Session, actor: Actor, customer_id: int, current_id: int | None
) -> Customer | None:
    """A customer a project may move to: visible and accessible (its current one always)."""
    customer = session.scalar(
        select(Customer).options(selectinload(Customer.teams)).where(Customer.id == customer_id)
    )
    if customer is None:
        return None
    if customer.id == current_id:
        return customer
    if not customer.visible or not can_access_customer(actor, customer):
        return None
    return customer


def _apply(
    session: Session,
    actor: Actor,
    config: SystemConfig,
    form: Form,
    project: Project,
    values: Mapping[str, Any],
    errors: dict[str, list[str]],
) -> None:
    if "customer" in values:
        customer = choose_customer(session, actor, values["customer"], project.customer_id)
        if customer is None:
            errors["customer"] = [INVALID_CHOICE]
        else:
            project.customer = customer
    assign(project, values, PROJECT_ATTRIBUTES)
    assign_budget(project, values)
    if any(name in values for name in ("orderDate", "start", "end")):
        # The dates count as entered in the editor's timezone.
        project.timezone = actor.timezone
    if project.start is not None and project.end is not None and project.end < project.start:
        errors.setdefault("end", []).append(END_BEFORE_START)
    if "teams" in values:
        teams = choose_teams(session, actor, values["teams"])
        if teams is None:
            errors["teams"] = [INVALID_CHOICE]
        else:
            project.teams = teams
    errors.update(number_and_meta_errors(session, config, project, "project", values))
    if errors:
        raise form.fail(errors)


def delete_project(session: Session, actor: Actor, project_id: int) -> None:
    """Deletes the project with its activities, timesheets, rates, comments and custom fields."""
    project = load_project(session, project_id)
    require(can_project(actor, "delete", project))
    session.expunge(project)
    session.execute(
        delete(Project).where(Project.id == project_id), execution_options={"synchronize_session": False}
    )


def duplicate_project(session: Session, actor: Actor, project_id: int) -> Project:
    """A copy named "<name> [COPY]" with a new number, the same teams, custom fields and rates,
    and copies of its visible activities; a finished project's copy starts where it ended."""
    project = load_project(session, project_id)
    require(
        can_project(actor, "edit", project) and actor.can("create_project") and actor.can("create_activity")
    )
    config = load_config(session)
    today = today_for(actor)
    name = project.name[: 150 - len(COPY_SUFFIX)] + COPY_SUFFIX
    copy = Project(
        customer_id=project.customer_id,
        name=name,
        number=next_number(session, Project, config.raw("project.number_format"), today),
        order_number=project.order_number,
        order_date=project.order_date,
        start=project.end if project.end is not None else project.start,
        end=None,
        timezone=project.timezone,
        comment=project.comment,
        visible=project.visible,
        billable=project.billable,
        global_activities=project.global_activities,
        invoice_text=project.invoice_text,
        color=project.color,
        budget=project.budget,
        time_budget=project.time_budget,
        budget_type=project.budget_type,
        teams=list(project.teams),
        meta=[],
    )
    copy_meta(project, copy)
    session.add(copy)
    session.flush()
    copy_rates(session, "project", project.id, copy.id)
    originals = session.scalars(
        select(Activity)
        .options(selectinload(Activity.teams), selectinload(Activity.meta))
        .where(Activity.project_id == project.id, Activity.visible.is_(True))
        .order_by(Activity.id)
    ).all()
    for original in originals:
        activity = Activity(
            project_id=copy.id,
            name=original.name,
            number=next_number(session, Activity, config.raw("activity.number_format"), today),
            comment=original.comment,
            visible=original.visible,
            billable=original.billable,
            invoice_text=original.invoice_text,
            color=original.color,
            budget=original.budget,
            time_budget=original.time_budget,
            budget_type=original.budget_type,
            teams=list(original.teams),
            meta=[],
        )
        copy_meta(original, activity)
        session.add(activity)
        session.flush()
        copy_rates(session, "activity", original.id, activity.id)
    return load_project(session, copy.id)


# --- rates and comments ---------------------------------------------------------------------

ACCESS = RecordAccess("project", load_project, can_project)
RATES = RecordRates(ACCESS)
COMMENTS = RecordComments(ACCESS)
