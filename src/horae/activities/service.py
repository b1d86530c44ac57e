"""Activities: project activities and global ones; the filtered list and CRUD."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, case, delete, func, or_, select
from sqlalchemy.orm import Session, aliased, selectinload

from horae.activities.listing import activities_json
from horae.activities.models import Activity
from horae.activities.schemas import activity_form
from horae.api.forms import INVALID_CHOICE, NOT_BLANK, Form
from horae.api.params import BOTH, HIDDEN, MAX_ID, VISIBLE
from horae.catalog_cache import cached_list
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
from horae.meta.models import ActivityMeta
from horae.numbering import next_number
from horae.projects.models import Project
from horae.rates.service import RecordRates
from horae.search import term_condition
from horae.security.attributes import RecordAccess, can_activity, can_on_new
from horae.security.permissions import Actor
from horae.security.visibility import activity_visible, can_access_project

SEARCH_COLUMNS = (Activity.name, Activity.comment, Activity.number)
ACTIVITY_ATTRIBUTES = {
    "name": "name",
    "number": "number",
    "comment": "comment",
    "invoiceText": "invoice_text",
    "color": "color",
    "visible": "visible",
    "billable": "billable",
}


@dataclass(frozen=True)
class ActivityQuery:
    projects: list[int] = field(default_factory=list)
    visible: int = VISIBLE
    globals_only: bool = False
    order: str = "ASC"
    order_by: str = "name"
    term: str | None = None


def _project_options() -> Any:
    return selectinload(Activity.project).options(
        selectinload(Project.teams),
        selectinload(Project.meta),
        selectinload(Project.customer).selectinload(Customer.teams),
    )


def _with_relations(query: Select[Any]) -> Select[Any]:
    return query.options(selectinload(Activity.teams), selectinload(Activity.meta), _project_options())


def accessible_project_filter(session: Session, actor: Actor, project_ids: list[int]) -> list[Project]:
    """The existing projects of a project filter; unknown ids drop out, an inaccessible one is a 403."""
    if not project_ids:
        return []
    found = list(
        session.scalars(
            select(Project)
            .options(selectinload(Project.teams), selectinload(Project.customer).selectinload(Customer.teams))
            .where(Project.id.in_(project_ids))
        ).unique()
    )
    if any(not can_access_project(actor, project) for project in found):
        raise Forbidden("project filter")
    return found


def list_activities(session: Session, actor: Actor, query: ActivityQuery) -> bytes:
    """The activities the caller may see, as the JSON array of `GET /api/activities`.

    A project filter returns the activities of those projects plus every global activity, except
    when exactly one project is asked for and it does not allow global activities.
    """

    def build() -> bytes:
        statement, parent = select_activities(session, actor, query)
        return activities_json(session, actor, statement, parent)

    return cached_list(session, actor, "activities", query, build)


def find_activities(
    session: Session, actor: Actor, query: ActivityQuery, *, offset: int = 0, limit: int = 50
) -> tuple[list[Activity], int]:
    """One page of the same activities as records, with their relations loaded, and how many
    match in all (for the web pages)."""
    statement, _ = select_activities(session, actor, query)
    total = count_rows(session, statement)
    page = _with_relations(statement.offset(offset).limit(limit))
    return list(session.scalars(page).unique()), total


def select_activities(session: Session, actor: Actor, query: ActivityQuery) -> tuple[Select[Any], Any]:
    """The filtered, ordered query behind the activity list, and the alias of the parent project."""
    projects = accessible_project_filter(session, actor, query.projects)
    # The list joins aliases, so that the visibility subqueries (which name Project) stay
    # independent of the outer join.
    parent = aliased(Project, name="parent_project")
    parent_customer = aliased(Customer, name="parent_customer")
    statement = (
        select(Activity)
        .outerjoin(parent, Activity.project_id == parent.id)
        .outerjoin(parent_customer, parent.customer_id == parent_customer.id)
        .where(activity_visible(actor))
    )
    parents_visible = or_(
        Activity.project_id.is_(None), (parent.visible.is_(True)) & (parent_customer.visible.is_(True))
    )
    if query.visible == VISIBLE:
        statement = statement.where(Activity.visible.is_(True), parents_visible)
    elif query.visible == HIDDEN:
        statement = statement.where(Activity.visible.is_(False), parents_visible)
    else:
        assert query.visible == BOTH
    if query.globals_only:
        statement = statement.where(Activity.project_id.is_(None))
    if projects:
        ids = [project.id for project in projects]
        if len(projects) == 1 and not projects[0].global_activities:
            statement = statement.where(Activity.project_id.in_(ids))
        else:
            statement = statement.where(or_(Activity.project_id.in_(ids), Activity.project_id.is_(None)))
    if query.term:
        statement = statement.where(
            term_condition(query.term, SEARCH_COLUMNS, ActivityMeta, ActivityMeta.activity_id, Activity.id)
        )
    if query.order_by == "project":
        # Global activities (no project) first when ascending, as MySQL sorts NULL.
        descending = query.order == "DESC"
        keys = (
            case((Activity.project_id.is_(None), 0), else_=1),
            func.lower(parent.name),
            func.lower(Activity.name),
            Activity.id,
        )
        statement = statement.order_by(*(key.desc() if descending else key.asc() for key in keys))
    else:
        statement = order_by_name(statement, query.order_by, query.order, Activity.name, Activity.id)
    return statement, parent


def load_activity(session: Session, activity_id: int) -> Activity:
    """The activity with teams, custom fields and its project; NotFound before any permission."""
    activity = None
    if 0 < activity_id <= MAX_ID:
        activity = (
            session.scalars(_with_relations(select(Activity)).where(Activity.id == activity_id))
            .unique()
            .first()
        )
    if activity is None:
        raise NotFound("activity")
    return activity


def get_activity(session: Session, actor: Actor, activity_id: int) -> Activity:
    activity = load_activity(session, activity_id)
    require(can_activity(actor, "view", activity))
    return activity


def create_activity(session: Session, actor: Actor, body: Any) -> Activity:
    """POST /api/activities: without a project it is a global activity."""
    require(actor.can("create_activity"))
    config = load_config(session)
    form = activity_form(
        show_budget=can_on_new(actor, "budget", "activity"),
        show_time=can_on_new(actor, "time", "activity"),
        with_teams=True,
    )
    values = form.parse(body, partial=True, ctx=form_context(actor, config)).values
    activity = Activity(visible=True, billable=True, budget=Decimal(0), time_budget=0, meta=[], teams=[])
    if "number" not in values:
        activity.number = next_number(
            session, Activity, config.raw("activity.number_format"), today_for(actor)
        )
    errors = missing(values, "name")
    if values.get("project") is not None:
        project = _choose_project(session, actor, values["project"])
        if project is None:
            errors["project"] = [INVALID_CHOICE]
        else:
            activity.project = project
    # Nothing is written before the whole form is valid.
    with session.no_autoflush:
        _apply(session, actor, config, form, activity, values, errors)
    session.add(activity)
    session.flush()
    return load_activity(session, activity.id)


def update_activity(session: Session, actor: Actor, activity_id: int, body: Any) -> Activity:
    """PATCH /api/activities/{id}: a project activity may move within its customer; a global
    one takes no `project` at all."""
    activity = load_activity(session, activity_id)
    require(can_activity(actor, "edit", activity))
    config = load_config(session)
    form = activity_form(
        show_budget=can_activity(actor, "budget", activity),
        show_time=can_activity(actor, "time", activity),
        with_project=activity.project is not None,
    )
    values = form.parse(body, partial=True, ctx=form_context(actor, config, activity.color)).values
    errors: dict[str, list[str]] = {}
    if "project" in values and activity.project is not None:
        if values["project"] is None:
            errors["project"] = [NOT_BLANK]
        elif values["project"] != activity.project_id:
            project = _choose_project(session, actor, values["project"])
            if project is None or project.customer_id != activity.project.customer_id:
                errors["project"] = [INVALID_CHOICE]
            else:
                activity.project = project
    # Nothing is written before the whole form is valid.
    with session.no_autoflush:
        _apply(session, actor, config, form, activity, values, errors)
    session.flush()
    return load_activity(session, activity.id)


def _choose_project(session: Session, actor: Actor, project_id: int) -> Project | None:
    """A project an activity may belong to: visible, of a visible customer, accessible to the
    caller; its dates do not matter."""
    project = session.scalars(
        select(Project)
        .options(selectinload(Project.teams), selectinload(Project.customer).selectinload(Customer.teams))
        .where(Project.id == project_id)
    ).first()
    if project is None or not project.visible or not project.customer.visible:
        return None
    return project if can_access_project(actor, project) else None


def _apply(
    session: Session,
    actor: Actor,
    config: SystemConfig,
    form: Form,
    activity: Activity,
    values: Mapping[str, Any],
    errors: dict[str, list[str]],
) -> None:
    assign(activity, values, ACTIVITY_ATTRIBUTES)
    assign_budget(activity, values)
    if "teams" in values:
        teams = choose_teams(session, actor, values["teams"])
        if teams is None:
            errors["teams"] = [INVALID_CHOICE]
        else:
            activity.teams = teams
    errors.update(number_and_meta_errors(session, config, activity, "activity", values))
    if errors:
        raise form.fail(errors)


def delete_activity(session: Session, actor: Actor, activity_id: int) -> None:
    """Deletes the activity with its timesheets, rates and custom fields."""
    activity = load_activity(session, activity_id)
    require(can_activity(actor, "delete", activity))
    session.expunge(activity)
    session.execute(
        delete(Activity).where(Activity.id == activity_id), execution_options={"synchronize_session": False}
    )


# --- rates ----------------------------------------------------------------------------------

ACCESS = RecordAccess("activity", load_activity, can_activity)
# Followed by the names the web pages call its use cases by.
RATES = RecordRates(ACCESS)
