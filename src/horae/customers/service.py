"""Customers: the filtered list, and create, update and delete with Kimai's rules.

The helpers for budgets, teams, numbers and ordering serve projects and activities as well.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Select, delete, func, select
from sqlalchemy.orm import Session, selectinload

from horae.api.forms import INVALID_CHOICE, NOT_BLANK, Form, FormContext
from horae.api.params import BOTH, HIDDEN, MAX_ID, VISIBLE
from horae.api.wire import zone
from horae.catalog_cache import cached_list
from horae.comments.service import RecordComments
from horae.config.service import SystemConfig, load_config
from horae.customers.listing import customers_json
from horae.customers.models import BudgetColumns, Customer
from horae.customers.schemas import customer_form
from horae.db import count_rows
from horae.errors import Forbidden, NotFound
from horae.meta.models import CustomerMeta, MetaFieldDefinition
from horae.meta.service import apply_meta_defaults, apply_meta_values, list_meta_fields
from horae.numbering import lock_numbers, next_number
from horae.rates.service import RecordRates
from horae.search import term_condition
from horae.security.attributes import RecordAccess, can_customer, can_on_new
from horae.security.permissions import Actor
from horae.security.visibility import customer_visible
from horae.settings import get_settings
from horae.teams.models import Team

SEARCH_COLUMNS = (
    Customer.name,
    Customer.comment,
    Customer.company,
    Customer.vat_id,
    Customer.number,
    Customer.contact,
    Customer.phone,
    Customer.email,
    Customer.address,
    Customer.invoice_email,
)
# Wire field → attribute, for the plain fields of the customer form.
CUSTOMER_ATTRIBUTES = {
    "name": "name",
    "number": "number",
    "comment": "comment",
    "company": "company",
    "vatId": "vat_id",
    "contact": "contact",
    "addressLine1": "address_line1",
    "addressLine2": "address_line2",
    "addressLine3": "address_line3",
    "postCode": "post_code",
    "city": "city",
    "country": "country",
    "currency": "currency",
    "language": "language",
    "timezone": "timezone",
    "phone": "phone",
    "fax": "fax",
    "mobile": "mobile",
    "email": "email",
    "homepage": "homepage",
    "invoiceEmail": "invoice_email",
    "buyerReference": "buyer_reference",
    "invoiceText": "invoice_text",
    "color": "color",
    "visible": "visible",
    "billable": "billable",
    "address": "address",
}
NUMBER_TAKEN = "The number {number} is already used."
DEFAULT_LANGUAGE = "en"


# --- helpers shared by the catalog domains --------------------------------------------------


def form_context(actor: Actor, config: SystemConfig, current_color: str | None = None) -> FormContext:
    return FormContext(
        timezone=actor.timezone, colors=list(config.colors().values()), current={"color": current_color}
    )


def assign(entity: Any, values: Mapping[str, Any], attributes: Mapping[str, str]) -> None:
    for field, attribute in attributes.items():
        if field in values:
            setattr(entity, attribute, values[field])


def assign_budget(entity: BudgetColumns, values: Mapping[str, Any]) -> None:
    if "budget" in values:
        entity.budget = values["budget"] if values["budget"] is not None else Decimal(0)
    if "timeBudget" in values:
        entity.time_budget = values["timeBudget"] or 0
    if "budgetType" in values:
        entity.budget_type = values["budgetType"]


def choose_teams(session: Session, actor: Actor, team_ids: Sequence[int]) -> list[Team] | None:
    """The teams for a new record; None if one is unknown or not the caller's to choose
    (everyone with view_all_data chooses any team, others only teams they lead)."""
    if not team_ids:
        return []
    teams = list(session.scalars(select(Team).where(Team.id.in_(team_ids)).order_by(Team.id)))
    if len(teams) != len(set(team_ids)):
        return None
    if not actor.sees_all and any(team.id not in actor.led_team_ids for team in teams):
        return None
    order = {team_id: index for index, team_id in enumerate(team_ids)}
    return sorted(teams, key=lambda team: order[team.id])


def number_errors(
    session: Session, config: SystemConfig, model: Any, setting: str, number: str | None, own_id: int | None
) -> list[str]:
    """`number` must be unused by other records unless the setting allows repeats."""
    if number is None or config.get(setting):
        return []
    lock_numbers(session, model)
    query = select(model.id).where(model.number == number)
    if own_id is not None:
        query = query.where(model.id != own_id)
    if session.scalar(query.limit(1)) is None:
        return []
    return [NUMBER_TAKEN.format(number=number)]


def number_and_meta_errors(
    session: Session, config: SystemConfig, record: Any, entity_type: str, values: Mapping[str, Any]
) -> dict[str, list[str]]:
    """The checks every catalog record shares: a free number and valid custom fields.

    A new record also receives the defaults of its custom fields.
    """
    errors: dict[str, list[str]] = {}
    setting = f"{entity_type}.rules.allow_duplicate_number"
    if taken := number_errors(session, config, type(record), setting, record.number, record.id):
        errors["number"] = taken
    wanted = "metaFields" in values or record.id is None
    definitions = list_meta_fields(session, entity_type) if wanted else []
    if problems := meta_errors(record, definitions, values):
        errors["metaFields"] = problems
    if record.id is None:
        apply_meta_defaults(record, definitions)
    return errors


def today_for(actor: Actor) -> date:
    return datetime.now(zone(actor.timezone)).date()


def order_by_name(query: Select[Any], order_by: str, order: str, name: Any, id_column: Any) -> Select[Any]:
    """Orders case-insensitively by name (the same on every backend), ties by id."""
    descending = order == "DESC"
    if order_by == "id":
        return query.order_by(id_column.desc() if descending else id_column.asc())
    key = func.lower(name)
    if descending:
        return query.order_by(key.desc(), id_column.desc())
    return query.order_by(key.asc(), id_column.asc())


def visibility_condition(column: Any, visible: int) -> ColumnElement[bool] | None:
    if visible == VISIBLE:
        return column.is_(True)
    if visible == HIDDEN:
        return column.is_(False)
    assert visible == BOTH
    return None


def missing(values: Mapping[str, Any], *names: str) -> dict[str, list[str]]:
    """Required fields a partial create left out (the new record has no value for them)."""
    return {name: [NOT_BLANK] for name in names if name not in values}


def meta_errors(
    entity: Any, definitions: Sequence[MetaFieldDefinition], values: Mapping[str, Any]
) -> list[str]:
    if "metaFields" not in values:
        return []
    return apply_meta_values(entity, definitions, values["metaFields"])


# --- queries --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CustomerQuery:
    visible: int = VISIBLE
    order: str = "ASC"
    order_by: str = "name"
    term: str | None = None


def _with_relations(query: Select[Any]) -> Select[Any]:
    return query.options(selectinload(Customer.teams), selectinload(Customer.meta))


def list_customers(session: Session, actor: Actor, query: CustomerQuery, *, details: bool = False) -> bytes:
    """The customers the caller may see (team rule), filtered and ordered as asked, as the JSON
    array of `GET /api/customers` (`details` adds the address keys)."""
    return cached_list(
        session,
        actor,
        "customers",
        (query, details),
        lambda: customers_json(session, actor, select_customers(actor, query), details=details),
    )


def find_customers(
    session: Session, actor: Actor, query: CustomerQuery, *, offset: int = 0, limit: int = 50
) -> tuple[list[Customer], int]:
    """One page of the same customers as records, with teams and meta loaded, and how many match
    in all (for the web pages)."""
    statement = select_customers(actor, query)
    total = count_rows(session, statement)
    page = _with_relations(statement.offset(offset).limit(limit))
    return list(session.scalars(page).unique()), total


def select_customers(actor: Actor, query: CustomerQuery) -> Select[Any]:
    """The filtered, ordered query behind the customer list."""
    statement = select(Customer).where(customer_visible(actor))
    visible = visibility_condition(Customer.visible, query.visible)
    if visible is not None:
        statement = statement.where(visible)
    if query.term:
        statement = statement.where(
            term_condition(query.term, SEARCH_COLUMNS, CustomerMeta, CustomerMeta.customer_id, Customer.id)
        )
    statement = order_by_name(statement, query.order_by, query.order, Customer.name, Customer.id)
    return statement


def load_customer(session: Session, customer_id: int) -> Customer:
    """The customer with its teams and custom fields; NotFound before any permission check."""
    customer = None
    if 0 < customer_id <= MAX_ID:
        customer = session.scalar(_with_relations(select(Customer)).where(Customer.id == customer_id))
    if customer is None:
        raise NotFound("customer")
    return customer


def require(granted: bool) -> None:
    if not granted:
        raise Forbidden("permission denied")


def get_customer(session: Session, actor: Actor, customer_id: int) -> Customer:
    customer = load_customer(session, customer_id)
    require(can_customer(actor, "view", customer))
    return customer


# --- writes ---------------------------------------------------------------------------------


def default_customer_timezone(config: SystemConfig) -> str:
    return config.raw("defaults.customer.timezone") or get_settings().default_timezone


def create_customer(session: Session, actor: Actor, body: Any) -> Customer:
    """POST /api/customers: a partial form over Kimai's defaults; numbers are generated."""
    require(actor.can("create_customer"))
    config = load_config(session)
    form = customer_form(
        show_budget=can_on_new(actor, "budget", "customer"),
        show_time=can_on_new(actor, "time", "customer"),
        with_teams=True,
    )
    values = form.parse(body, partial=True, ctx=form_context(actor, config)).values
    customer = Customer(
        visible=True,
        billable=True,
        country=config.raw("defaults.customer.country"),
        currency=config.raw("defaults.customer.currency"),
        language=DEFAULT_LANGUAGE,
        timezone=default_customer_timezone(config),
        budget=Decimal(0),
        time_budget=0,
        meta=[],
        teams=[],
    )
    if "number" not in values:
        customer.number = next_number(
            session, Customer, config.raw("customer.number_format"), today_for(actor)
        )
    # Nothing is written before the whole form is valid.
    with session.no_autoflush:
        _apply(session, actor, config, form, customer, values, missing(values, "name"))
    session.add(customer)
    session.flush()
    return customer


def update_customer(session: Session, actor: Actor, customer_id: int, body: Any) -> Customer:
    """PATCH /api/customers/{id}: only the submitted fields change."""
    customer = load_customer(session, customer_id)
    require(can_customer(actor, "edit", customer))
    config = load_config(session)
    form = customer_form(
        show_budget=can_customer(actor, "budget", customer),
        show_time=can_customer(actor, "time", customer),
        with_address=bool(customer.address and customer.address.strip()),
    )
    values = form.parse(body, partial=True, ctx=form_context(actor, config, customer.color)).values
    # Nothing is written before the whole form is valid.
    with session.no_autoflush:
        _apply(session, actor, config, form, customer, values, {})
    session.flush()
    return customer


def _apply(
    session: Session,
    actor: Actor,
    config: SystemConfig,
    form: Form,
    customer: Customer,
    values: Mapping[str, Any],
    errors: dict[str, list[str]],
) -> None:
    assign(customer, values, CUSTOMER_ATTRIBUTES)
    assign_budget(customer, values)
    if values.get("invoiceTemplate") is not None:
        # No invoice templates exist to choose from.
        errors["invoiceTemplate"] = [INVALID_CHOICE]
    if "teams" in values:
        teams = choose_teams(session, actor, values["teams"])
        if teams is None:
            errors["teams"] = [INVALID_CHOICE]
        else:
            customer.teams = teams
    errors.update(number_and_meta_errors(session, config, customer, "customer", values))
    if errors:
        raise form.fail(errors)


def delete_customer(session: Session, actor: Actor, customer_id: int) -> None:
    """Deletes the customer with its projects, activities, timesheets, rates, comments and
    custom fields (the database cascades, inside the request's one transaction)."""
    customer = load_customer(session, customer_id)
    require(can_customer(actor, "delete", customer))
    session.expunge(customer)
    session.execute(
        delete(Customer).where(Customer.id == customer_id), execution_options={"synchronize_session": False}
    )


# --- rates and comments ---------------------------------------------------------------------

ACCESS = RecordAccess("customer", load_customer, can_customer)
RATES = RecordRates(ACCESS)
COMMENTS = RecordComments(ACCESS)
