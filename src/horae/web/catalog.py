"""Catalog pages: customers, projects and activities with their lists, create and edit forms,
budgets and their progress, rates, custom fields, comments and teams.

One description per kind (`Kind`) drives the same routes and templates for all three. Writes go
through the domain services with the API's field names, so every rule and message is theirs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from horae.activities import service as activities
from horae.activities.models import Activity
from horae.api.deps import SessionDep
from horae.api.params import BOTH, HIDDEN, VISIBLE, ascii_digits
from horae.api.routing import UnitOfWorkRoute
from horae.config.service import load_config
from horae.customers import service as customers
from horae.customers.models import Customer
from horae.errors import Forbidden, ValidationFailed
from horae.meta.service import list_meta_fields
from horae.projects import service as projects
from horae.projects.models import Project
from horae.security.attributes import budget_grants, can, can_on_new
from horae.teams.service import assignable_teams
from horae.timesheets.models import Timesheet
from horae.users.service import selectable_users
from horae.web.auth import SignedInDep, WebUser
from horae.web.csrf import CheckedFormDep
from horae.web.forms import FormState
from horae.web.i18n import N_
from horae.web.navigation import NavItem, register
from horae.web.paging import Pager, read_page, requested_page
from horae.web.profile import timezone_choices
from horae.web.rendering import SAVED_MESSAGES, render

router = APIRouter(route_class=UnitOfWorkRoute, include_in_schema=False)

SAVED_MESSAGES.update(
    {
        "catalog_created": N_("The record has been created."),
        "catalog_saved": N_("The record has been saved."),
        "rate_added": N_("The rate has been added."),
        "rate_deleted": N_("The rate has been deleted."),
        "comment_added": N_("The comment has been added."),
        "comment_deleted": N_("The comment has been deleted."),
    }
)
# Messages of the catalog services, shown at the fields in the person's language.
CATALOG_MESSAGES = (
    N_("End date must not be earlier then start date."),
    N_("This value is already used."),
    N_("This value should not be blank."),
    N_('These characters are not allowed: < > " ='),
)


@dataclass(frozen=True)
class FieldSpec:
    """One input of a catalog form, named as the API field it fills."""

    name: str
    label: str
    widget: str = "text"  # text, textarea, checkbox, date, color, timezone, choice, parent
    required: bool = False
    help: str = ""
    max_length: int | None = None


COMMON_TAIL = (
    FieldSpec("comment", N_("Description"), "textarea"),
    FieldSpec("color", N_("Colour"), "color"),
    FieldSpec("visible", N_("Visible"), "checkbox"),
    FieldSpec("billable", N_("Billable"), "checkbox"),
)
CUSTOMER_FIELDS = (
    FieldSpec("name", N_("Name"), required=True, max_length=150),
    FieldSpec("number", N_("Account number"), help=N_("Generated when left empty."), max_length=50),
    FieldSpec("company", N_("Company"), max_length=100),
    FieldSpec("vatId", N_("VAT ID"), max_length=50),
    FieldSpec("contact", N_("Contact"), max_length=100),
    FieldSpec("email", N_("E-mail"), max_length=75),
    FieldSpec("phone", N_("Phone"), max_length=30),
    FieldSpec("homepage", N_("Homepage"), max_length=100),
    FieldSpec("country", N_("Country"), required=True, help=N_("Two letters, e.g. DE."), max_length=2),
    FieldSpec("currency", N_("Currency"), required=True, help=N_("Three letters, e.g. EUR."), max_length=3),
    FieldSpec("timezone", N_("Timezone"), "timezone", required=True),
    *COMMON_TAIL,
)
PROJECT_FIELDS = (
    FieldSpec("name", N_("Name"), required=True, max_length=150),
    FieldSpec("customer", N_("Customer"), "parent", required=True),
    FieldSpec("number", N_("Project number"), help=N_("Generated when left empty."), max_length=10),
    FieldSpec("orderNumber", N_("Order number"), max_length=50),
    FieldSpec("orderDate", N_("Order date"), "date"),
    FieldSpec("start", N_("Start"), "date"),
    FieldSpec("end", N_("End"), "date"),
    FieldSpec("globalActivities", N_("Global activities may be booked"), "checkbox"),
    *COMMON_TAIL,
)
ACTIVITY_FIELDS = (
    FieldSpec("name", N_("Name"), required=True, max_length=150),
    FieldSpec("project", N_("Project"), "parent", help=N_("Empty: a global activity for every project.")),
    FieldSpec("number", N_("Activity number"), help=N_("Generated when left empty."), max_length=10),
    *COMMON_TAIL,
)
VISIBILITY = {"1": VISIBLE, "2": HIDDEN, "3": BOTH}


@dataclass(frozen=True)
class Kind:
    key: str  # customer, project, activity
    path: str  # /customers
    title: str
    singular: str
    new_title: str
    fields: tuple[FieldSpec, ...]
    model: type
    load: Callable[[Session, int], Any]
    create: Callable[[Session, Any, Any], Any]
    update: Callable[[Session, Any, int, Any], Any]
    comments: bool

    @property
    def plural(self) -> str:
        return self.path.strip("/")


KINDS = {
    "customer": Kind(
        "customer",
        "/customers",
        N_("Customers"),
        N_("Customer"),
        N_("New customer"),
        CUSTOMER_FIELDS,
        Customer,
        customers.load_customer,
        customers.create_customer,
        customers.update_customer,
        True,
    ),
    "project": Kind(
        "project",
        "/projects",
        N_("Projects"),
        N_("Project"),
        N_("New project"),
        PROJECT_FIELDS,
        Project,
        projects.load_project,
        projects.create_project,
        projects.update_project,
        True,
    ),
    "activity": Kind(
        "activity",
        "/activities",
        N_("Activities"),
        N_("Activity"),
        N_("New activity"),
        ACTIVITY_FIELDS,
        Activity,
        activities.load_activity,
        activities.create_activity,
        activities.update_activity,
        False,
    ),
}

for _kind in KINDS.values():
    register(NavItem(_kind.plural, _kind.title, "catalog", (f"view_{_kind.key}",), prefix=_kind.path))


# --- reading --------------------------------------------------------------------------------------


def _visibility(request: Request) -> tuple[str, int]:
    raw = request.query_params.get("visible", "1")
    return (raw, VISIBILITY[raw]) if raw in VISIBILITY else ("1", VISIBLE)


def _id(raw: str | None) -> int | None:
    return int(raw) if raw and ascii_digits(raw) and len(raw) < 10 else None


def _list(
    session: Session, web_user: WebUser, kind: Kind, request: Request
) -> tuple[list[Any], dict[str, Any], Pager]:
    """One page of the list, its filters and its pager; a page beyond the last shows the last."""
    actor = web_user.actor
    term = (request.query_params.get("term") or "").strip()[:200] or None
    visible_raw, visible = _visibility(request)
    parent = _id(request.query_params.get("parent"))
    filters: dict[str, Any] = {"term": term or "", "visible": visible_raw, "parent": str(parent or "")}

    def find(offset: int, limit: int) -> tuple[list[Any], int]:
        if kind.key == "customer":
            customer_query = customers.CustomerQuery(visible=visible, term=term)
            return customers.find_customers(session, actor, customer_query, offset=offset, limit=limit)
        if kind.key == "project":
            project_query = projects.ProjectQuery(
                customers=[parent] if parent else [], visible=visible, term=term, ignore_dates=True
            )
            return projects.find_projects(session, actor, project_query, offset=offset, limit=limit)
        activity_query = activities.ActivityQuery(
            projects=[parent] if parent else [], visible=visible, term=term
        )
        return activities.find_activities(session, actor, activity_query, offset=offset, limit=limit)

    rows, pager = read_page(find, requested_page(request), filters)
    return rows, filters, pager


def _parent_options(session: Session, web_user: WebUser, kind: Kind) -> list[tuple[str, str]]:
    """Customers for projects, projects (with their customer) for activities, read as rows."""
    actor = web_user.actor
    if kind.key == "project":
        owners = customers.select_customers(actor, customers.CustomerQuery(visible=BOTH))
        return [
            (str(id_), name)
            for id_, name in session.execute(owners.with_only_columns(Customer.id, Customer.name))
        ]
    if kind.key == "activity":
        found = projects.select_projects(
            session, actor, projects.ProjectQuery(visible=BOTH, ignore_dates=True)
        )
        columns = found.with_only_columns(Project.id, Customer.name, Project.name)
        return [(str(id_), f"{customer} / {name}") for id_, customer, name in session.execute(columns)]
    return []


def _month_bounds(web_user: WebUser) -> tuple[datetime, datetime]:
    zone = ZoneInfo(web_user.ui.formatter.timezone)
    today = datetime.now(UTC).astimezone(zone).date()
    first = today.replace(day=1)
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return (
        datetime.combine(first, time(0), tzinfo=zone).astimezone(UTC),
        datetime.combine(following, time(0), tzinfo=zone).astimezone(UTC),
    )


@dataclass(frozen=True)
class BudgetProgress:
    money_budget: Decimal
    time_budget: int
    money_used: Decimal
    time_used: int
    monthly: bool
    show_money: bool
    show_time: bool

    @staticmethod
    def percent(used: Decimal | int, budget: Decimal | int) -> int:
        return min(100, round(float(used) * 100 / float(budget))) if budget else 0

    @property
    def money_percent(self) -> int:
        return self.percent(self.money_used, self.money_budget)

    @property
    def time_percent(self) -> int:
        return self.percent(self.time_used, self.time_budget)


def _progress(session: Session, web_user: WebUser, entity: Any) -> BudgetProgress | None:
    show_money, show_time = budget_grants(web_user.actor, entity)
    if not (show_money and entity.budget) and not (show_time and entity.time_budget):
        return None
    query = select(func.coalesce(func.sum(Timesheet.duration), 0), func.coalesce(func.sum(Timesheet.rate), 0))
    if isinstance(entity, Customer):
        query = query.join(Project, Project.id == Timesheet.project_id).where(
            Project.customer_id == entity.id
        )
    elif isinstance(entity, Project):
        query = query.where(Timesheet.project_id == entity.id)
    else:
        query = query.where(Timesheet.activity_id == entity.id)
    monthly = entity.budget_type == "month"
    if monthly:
        start, end = _month_bounds(web_user)
        query = query.where(Timesheet.begin >= start, Timesheet.begin < end)
    seconds, amount = session.execute(query).one()
    return BudgetProgress(
        Decimal(entity.budget or 0),
        int(entity.time_budget or 0),
        Decimal(str(amount or 0)),
        int(seconds or 0),
        monthly,
        show_money and bool(entity.budget),
        show_time and bool(entity.time_budget),
    )


# --- forms ----------------------------------------------------------------------------------------


def _values_of(kind: Kind, entity: Any) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for spec in kind.fields:
        if spec.widget == "parent":
            values[spec.name] = str(getattr(entity, f"{spec.name}_id") or "")
            continue
        attribute = customers.CUSTOMER_ATTRIBUTES.get(spec.name) or _snake(spec.name)
        value = getattr(entity, attribute, None)
        values[spec.name] = value.isoformat() if isinstance(value, date) else value
    values["budget"] = entity.budget if entity.budget else ""
    values["timeBudget"] = _hours(entity.time_budget) if entity.time_budget else ""
    values["budgetType"] = entity.budget_type or ""
    for meta in entity.meta:
        values[f"meta.{meta.name}"] = meta.value
    return values


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name)


def _hours(seconds: int) -> str:
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}"


def _new_values(session: Session, kind: Kind, request: Request) -> dict[str, Any]:
    config = load_config(session)
    values: dict[str, Any] = {"visible": True, "billable": True, "globalActivities": True}
    if kind.key == "customer":
        values.update(
            country=config.raw("defaults.customer.country") or "",
            currency=config.raw("defaults.customer.currency") or "",
            timezone=customers.default_customer_timezone(config),
        )
    parent = _id(request.query_params.get("parent"))
    if parent:
        values["customer" if kind.key == "project" else "project"] = str(parent)
    return values


def _body(
    kind: Kind, form: FormData, *, budget: tuple[bool, bool], teams: bool, meta: list[Any]
) -> dict[str, Any]:
    """The API body of a submitted page form; every shown field is sent, so emptied ones clear."""
    body: dict[str, Any] = {}
    for spec in kind.fields:
        raw = form.get(spec.name)
        if spec.widget == "checkbox":
            body[spec.name] = raw is not None
        elif spec.widget == "parent" and kind.key == "activity" and not raw:
            body[spec.name] = None
        else:
            body[spec.name] = raw if isinstance(raw, str) else ""
    show_money, show_time = budget
    if show_money:
        body["budget"] = form.get("budget") or "0"
    if show_time:
        body["timeBudget"] = form.get("timeBudget") or "0"
    if show_money or show_time:
        body["budgetType"] = form.get("budgetType") or None
    if teams:
        body["teams"] = [value for value in form.getlist("teams") if isinstance(value, str)]
    if meta:
        body["metaFields"] = {
            definition.name: (form.get(f"meta.{definition.name}") or None) for definition in meta
        }
    return body


def _submitted_values(kind: Kind, form: FormData) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key, value in form.multi_items():
        if key != "csrf_token" and isinstance(value, str):
            values[key] = value
    for spec in kind.fields:
        if spec.widget == "checkbox":
            values[spec.name] = spec.name in form
    values["teams"] = [v for v in form.getlist("teams") if isinstance(v, str)]
    return values


def _edit_page(
    session: Session,
    web_user: WebUser,
    kind: Kind,
    form: FormState,
    entity: Any | None,
    *,
    status_code: int = 200,
    rate_form: FormState | None = None,
    comment_form: FormState | None = None,
) -> Response:
    actor = web_user.actor
    if entity is None:
        budget = (can_on_new(actor, "budget", kind.key), can_on_new(actor, "time", kind.key))
    else:
        budget = budget_grants(actor, entity)
    config = load_config(session)
    colors = config.colors()
    context: dict[str, Any] = {
        "kind": kind,
        "form": form,
        "entity": entity,
        "budget": budget,
        "meta": [d for d in list_meta_fields(session, kind.key) if d.visible],
        "colors": [(value, f"{name} ({value})") for name, value in colors.items()],
        "timezones": [(zone, zone) for zone in timezone_choices()],
        "parents": _parent_options(session, web_user, kind),
        "teams": assignable_teams(session, web_user.actor) if entity is None else [],
        "progress": _progress(session, web_user, entity) if entity is not None else None,
        "rates": [],
        "rate_users": [],
        "comments": [],
        "rate_form": rate_form or FormState(),
        "comment_form": comment_form or FormState(),
        "can_comment": False,
    }
    if entity is not None:
        if can(actor, "edit", entity):
            context["rates"] = _rates(session, actor, kind, entity.id)
            context["rate_users"] = [(str(u.id), u.display_name) for u in selectable_users(session, actor)]
        if kind.comments and can(actor, "comments", entity):
            context["can_comment"] = True
            context["comments"] = _comments(session, actor, kind, entity.id)
    return render(web_user.ui, "catalog_edit.html", context, status_code=status_code)


def _domain(kind: Kind) -> Any:
    """The service module of a kind: its RATES and COMMENTS use cases."""
    return {"customer": customers, "project": projects, "activity": activities}[kind.key]


def _rates(session: Session, actor: Any, kind: Kind, entity_id: int) -> list[Any]:
    return _domain(kind).RATES.rates(session, actor, entity_id)


def _comments(session: Session, actor: Any, kind: Kind, entity_id: int) -> list[Any]:
    return _domain(kind).COMMENTS.comments(session, actor, entity_id)


def _saved(kind: Kind, entity_id: int, key: str, anchor: str = "") -> RedirectResponse:
    return RedirectResponse(f"{kind.path}/{entity_id}/edit?saved={key}{anchor}", status_code=303)


# --- routes ---------------------------------------------------------------------------------------


def _install(kind: Kind) -> None:
    plural = kind.plural

    def require_view(web_user: WebUser) -> None:
        if not web_user.actor.can(f"view_{kind.key}") and not any(
            web_user.actor.can(f"view_{scope}_{kind.key}") for scope in ("team", "teamlead")
        ):
            raise Forbidden(f"view_{kind.key}")

    def list_page(request: Request, session: SessionDep, web_user: SignedInDep) -> Response:
        require_view(web_user)
        rows, filters, pager = _list(session, web_user, kind, request)
        actor = web_user.actor
        return render(
            web_user.ui,
            "catalog_list.html",
            {
                "kind": kind,
                "rows": [(row, can(actor, "edit", row)) for row in rows],
                "filters": filters,
                "pager": pager,
                "parents": _parent_options(session, web_user, kind),
                "can_create": actor.can(f"create_{kind.key}"),
            },
        )

    def create_page(request: Request, session: SessionDep, web_user: SignedInDep) -> Response:
        if not web_user.actor.can(f"create_{kind.key}"):
            raise Forbidden(f"create_{kind.key}")
        return _edit_page(session, web_user, kind, FormState(_new_values(session, kind, request)), None)

    def create(session: SessionDep, web_user: SignedInDep, form: CheckedFormDep) -> Response:
        actor = web_user.actor
        if not actor.can(f"create_{kind.key}"):
            raise Forbidden(f"create_{kind.key}")
        meta = [d for d in list_meta_fields(session, kind.key) if d.visible]
        budget = (can_on_new(actor, "budget", kind.key), can_on_new(actor, "time", kind.key))
        body = _body(kind, form, budget=budget, teams=True, meta=meta)
        try:
            entity = kind.create(session, actor, body)
        except ValidationFailed as exc:
            session.rollback()
            state = FormState.failed(_submitted_values(kind, form), exc)
            return _edit_page(session, web_user, kind, state, None, status_code=422)
        return _saved(kind, entity.id, "catalog_created")

    def edit_page(session: SessionDep, web_user: SignedInDep, entity_id: int) -> Response:
        entity = kind.load(session, entity_id)
        if not can(web_user.actor, "edit", entity):
            raise Forbidden(f"edit_{kind.key}")
        return _edit_page(session, web_user, kind, FormState(_values_of(kind, entity)), entity)

    def edit(session: SessionDep, web_user: SignedInDep, form: CheckedFormDep, entity_id: int) -> Response:
        actor = web_user.actor
        entity = kind.load(session, entity_id)
        if not can(actor, "edit", entity):
            raise Forbidden(f"edit_{kind.key}")
        meta = [d for d in list_meta_fields(session, kind.key) if d.visible]
        body = _body(kind, form, budget=budget_grants(actor, entity), teams=False, meta=meta)
        if kind.key == "activity" and entity.project_id is None:
            # A global activity stays global: its API form has no project field.
            body.pop("project", None)
        try:
            kind.update(session, actor, entity_id, body)
        except ValidationFailed as exc:
            session.rollback()
            entity = kind.load(session, entity_id)
            state = FormState.failed(_submitted_values(kind, form), exc)
            return _edit_page(session, web_user, kind, state, entity, status_code=422)
        return _saved(kind, entity_id, "catalog_saved")

    def add_rate(
        session: SessionDep, web_user: SignedInDep, form: CheckedFormDep, entity_id: int
    ) -> Response:
        adder = _domain(kind).RATES.add
        body = {
            "rate": form.get("rate") or "",
            "internalRate": form.get("internalRate") or None,
            "isFixed": "isFixed" in form,
            "user": form.get("user") or None,
        }
        try:
            adder(session, web_user.actor, entity_id, body)
        except ValidationFailed as exc:
            session.rollback()
            entity = kind.load(session, entity_id)
            values = {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}
            return _edit_page(
                session,
                web_user,
                kind,
                FormState(_values_of(kind, entity)),
                entity,
                rate_form=FormState.failed(values, exc),
                status_code=422,
            )
        return _saved(kind, entity_id, "rate_added", "#rates")

    def delete_rate(
        session: SessionDep, web_user: SignedInDep, form: CheckedFormDep, entity_id: int, rate_id: int
    ) -> Response:
        remover = _domain(kind).RATES.delete
        remover(session, web_user.actor, entity_id, rate_id)
        return _saved(kind, entity_id, "rate_deleted", "#rates")

    router.add_api_route(kind.path, list_page, methods=["GET"], name=plural)
    router.add_api_route(f"{kind.path}/create", create_page, methods=["GET"], name=f"{kind.key}_create")
    router.add_api_route(f"{kind.path}/create", create, methods=["POST"], name=f"{kind.key}_create_save")
    router.add_api_route(
        f"{kind.path}/{{entity_id}}/edit", edit_page, methods=["GET"], name=f"{kind.key}_edit"
    )
    router.add_api_route(
        f"{kind.path}/{{entity_id}}/edit", edit, methods=["POST"], name=f"{kind.key}_edit_save"
    )
    router.add_api_route(
        f"{kind.path}/{{entity_id}}/rates", add_rate, methods=["POST"], name=f"{kind.key}_rate_add"
    )
    router.add_api_route(
        f"{kind.path}/{{entity_id}}/rates/{{rate_id}}/delete",
        delete_rate,
        methods=["POST"],
        name=f"{kind.key}_rate_delete",
    )
    if kind.comments:
        _install_comments(kind)


def _install_comments(kind: Kind) -> None:
    adder, remover = _domain(kind).COMMENTS.add, _domain(kind).COMMENTS.delete

    def add_comment(
        session: SessionDep, web_user: SignedInDep, form: CheckedFormDep, entity_id: int
    ) -> Response:
        try:
            adder(session, web_user.actor, entity_id, {"message": form.get("message") or ""})
        except ValidationFailed as exc:
            session.rollback()
            entity = kind.load(session, entity_id)
            values = {"message": form.get("message") or ""}
            return _edit_page(
                session,
                web_user,
                kind,
                FormState(_values_of(kind, entity)),
                entity,
                comment_form=FormState.failed(values, exc),
                status_code=422,
            )
        return _saved(kind, entity_id, "comment_added", "#comments")

    def delete_comment(
        session: SessionDep, web_user: SignedInDep, form: CheckedFormDep, entity_id: int, comment_id: int
    ) -> Response:
        remover(session, web_user.actor, entity_id, comment_id)
        return _saved(kind, entity_id, "comment_deleted", "#comments")

    router.add_api_route(
        f"{kind.path}/{{entity_id}}/comments", add_comment, methods=["POST"], name=f"{kind.key}_comment_add"
    )
    router.add_api_route(
        f"{kind.path}/{{entity_id}}/comments/{{comment_id}}/delete",
        delete_comment,
        methods=["POST"],
        name=f"{kind.key}_comment_delete",
    )


for _kind in KINDS.values():
    _install(_kind)
