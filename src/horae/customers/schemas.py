"""Customers on the wire: embedded, collection and entity shapes, and the customer form.

The budget helpers here serve projects and activities too (the budget columns live on
customers.models.BudgetColumns).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from horae.api.forms import (
    Boolean,
    Choice,
    Color,
    Country,
    Currency,
    Duration,
    Email,
    Field,
    Form,
    Language,
    Money,
    Reference,
    ReferenceList,
    Text,
    Timezone,
    Url,
)
from horae.api.openapi import ref, register_schema
from horae.api.wire import color_safe, money, output_color
from horae.customers.models import BudgetColumns, Customer
from horae.meta.schemas import MetaFieldsInput
from horae.meta.service import visible_meta
from horae.teams.models import Team

MAX_BUDGET = Decimal("900000000000")
MAX_TIME_BUDGET = 2_145_600_000

# --- output ---------------------------------------------------------------------------------


def team_embedded(team: Team) -> dict[str, Any]:
    """Kimai's embedded `Team` (4 keys)."""
    return {
        "id": team.id,
        "name": team.name,
        "color": output_color(team.color),
        "color-safe": color_safe(team.color, team.name),
    }


def budget_output(entity: BudgetColumns, show_budget: bool, show_time: bool) -> dict[str, Any]:
    """The budget keys a caller may see on one record (none, some or all three)."""
    result: dict[str, Any] = {}
    if show_budget:
        result["budget"] = money(entity.budget) or 0.0
    if show_time:
        result["timeBudget"] = int(entity.time_budget or 0)
    if show_budget or show_time:
        result["budgetType"] = entity.budget_type
    return result


def customer_embedded(customer: Customer) -> dict[str, Any]:
    """Kimai's embedded `Customer` (18 keys), as nested in teams, invoices and projects."""
    return {
        "id": customer.id,
        "name": customer.name,
        "number": customer.number,
        "comment": customer.comment,
        "visible": customer.visible,
        "billable": customer.billable,
        "company": customer.company,
        "country": customer.country,
        "language": customer.language,
        "currency": customer.currency,
        "phone": customer.phone,
        "fax": customer.fax,
        "mobile": customer.mobile,
        "homepage": customer.homepage,
        "timezone": customer.timezone,
        "color": output_color(customer.color),
        "color-safe": color_safe(customer.color, customer.name),
        "metaFields": visible_meta(customer),
    }


def customer_collection(
    customer: Customer, *, show_budget: bool, show_time: bool, details: bool = False
) -> dict[str, Any]:
    """One entry of `GET /api/customers`; `details` adds the address keys of `full=1`."""
    result = customer_embedded(customer)
    result["teams"] = [team_embedded(team) for team in customer.teams]
    result.update(budget_output(customer, show_budget, show_time))
    if details:
        result.update(
            {
                "vatId": customer.vat_id,
                "addressLine1": customer.address_line1,
                "addressLine2": customer.address_line2,
                "addressLine3": customer.address_line3,
                "postCode": customer.post_code,
                "city": customer.city,
            }
        )
    return result


def customer_entity(customer: Customer, *, show_budget: bool, show_time: bool) -> dict[str, Any]:
    """`CustomerEntity`: single GET, POST, PATCH and PATCH meta."""
    result = customer_collection(customer, show_budget=show_budget, show_time=show_time)
    result.update(
        {
            "contact": customer.contact,
            "email": customer.email,
            "vatId": customer.vat_id,
            "addressLine1": customer.address_line1,
            "addressLine2": customer.address_line2,
            "addressLine3": customer.address_line3,
            "city": customer.city,
            "postCode": customer.post_code,
            "invoiceEmail": customer.invoice_email,
            "buyerReference": customer.buyer_reference,
            "address": customer.address,
        }
    )
    return result


# --- OpenAPI --------------------------------------------------------------------------------

_S = {"type": "string"}
_NS = {"type": "string", "nullable": True}
_BOOL = {"type": "boolean"}
_INT = {"type": "integer"}

register_schema(
    "Team", {"type": "object", "properties": {"id": _INT, "name": _S, "color": _NS, "color-safe": _S}}
)
BUDGET_PROPERTIES = {
    "budget": {"type": "number", "description": "Only with the budget permission on the record"},
    "timeBudget": {"type": "integer", "description": "Seconds; only with the time permission on the record"},
    "budgetType": {"type": "string", "nullable": True, "enum": ["month", None]},
}
_CUSTOMER_PROPERTIES: dict[str, Any] = {
    "id": _INT,
    "name": _S,
    "number": _NS,
    "comment": _NS,
    "visible": _BOOL,
    "billable": _BOOL,
    "company": _NS,
    "country": _S,
    "language": _S,
    "currency": _S,
    "phone": _NS,
    "fax": _NS,
    "mobile": _NS,
    "homepage": _NS,
    "timezone": _S,
    "color": _NS,
    "color-safe": _S,
    "metaFields": {"type": "array", "items": ref("MetaField")},
}
_DETAILS = {k: _NS for k in ("vatId", "addressLine1", "addressLine2", "addressLine3", "postCode", "city")}
register_schema("Customer", {"type": "object", "properties": _CUSTOMER_PROPERTIES})
register_schema(
    "CustomerCollection",
    {
        "type": "object",
        "properties": {
            **_CUSTOMER_PROPERTIES,
            "teams": {"type": "array", "items": ref("Team")},
            **BUDGET_PROPERTIES,
            **_DETAILS,
        },
    },
)
register_schema(
    "CustomerEntity",
    {
        "type": "object",
        "properties": {
            **_CUSTOMER_PROPERTIES,
            "teams": {"type": "array", "items": ref("Team")},
            **BUDGET_PROPERTIES,
            **_DETAILS,
            **{k: _NS for k in ("contact", "email", "invoiceEmail", "buyerReference", "address")},
        },
    },
)

# --- input ----------------------------------------------------------------------------------


def budget_fields(show_budget: bool, show_time: bool) -> dict[str, Field]:
    """The budget inputs a caller may send: each one only with its permission."""
    fields: dict[str, Field] = {}
    if show_budget:
        fields["budget"] = Money(maximum=MAX_BUDGET, description="Money budget")
    if show_time:
        fields["timeBudget"] = Duration(
            maximum=MAX_TIME_BUDGET, description='Time budget: "1:30", "90m", "1.5" (hours)'
        )
    if show_budget or show_time:
        fields["budgetType"] = Choice(
            ["month"], description='"month" for a monthly budget, empty for the lifetime'
        )
    return fields


def customer_form(
    *, show_budget: bool, show_time: bool, with_teams: bool = False, with_address: bool = False
) -> Form:
    """The fields of POST (`with_teams`) and PATCH (`with_address` when a legacy address exists)."""
    fields: dict[str, Field] = {
        "name": Text(
            required=True, min_length=2, max_length=150, plain=True, description="The customer name"
        ),
        "number": Text(max_length=50, plain=True, description="Account number (generated when left out)"),
        "comment": Text(description="Description"),
        "company": Text(max_length=100),
        "vatId": Text(max_length=50),
        "contact": Text(max_length=100),
        "addressLine1": Text(max_length=150),
        "addressLine2": Text(max_length=150),
        "addressLine3": Text(max_length=150),
        "postCode": Text(max_length=20),
        "city": Text(max_length=50),
        "country": Country(required=True, description="ISO 3166-1 alpha-2 code"),
        "currency": Currency(required=True, description="ISO 4217 code"),
        "language": Language(required=True, description="Language of documents for this customer"),
        "timezone": Timezone(required=True, max_length=64),
        "phone": Text(max_length=30),
        "fax": Text(max_length=30),
        "mobile": Text(max_length=30),
        "email": Email(max_length=75),
        "homepage": Url(max_length=100),
        "invoiceEmail": Email(max_length=75),
        "buyerReference": Text(max_length=50),
        "invoiceTemplate": Reference(description="Invoice template ID"),
        "invoiceText": Text(description="Text on invoices"),
        "color": Color(description="One of the configured colours, see GET /api/config/colors"),
        "visible": Boolean(default=True),
        "billable": Boolean(default=True),
        **budget_fields(show_budget, show_time),
        "metaFields": MetaFieldsInput(),
    }
    if with_teams:
        fields["teams"] = ReferenceList(description="IDs of teams that may see the customer")
    if with_address:
        fields["address"] = Text(description="Legacy free-text address")
    return Form(fields)
