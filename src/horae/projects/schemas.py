"""Projects on the wire: embedded, collection/entity and expanded shapes, and the project form."""

from __future__ import annotations

from typing import Any

from horae.api.forms import Boolean, Color, DateField, Field, Form, Reference, ReferenceList, Text
from horae.api.openapi import ref, register_schema
from horae.api.wire import color_safe, format_date, output_color
from horae.customers.schemas import (
    BUDGET_PROPERTIES,
    budget_fields,
    budget_output,
    customer_embedded,
    team_embedded,
)
from horae.meta.schemas import MetaFieldsInput
from horae.meta.service import visible_meta
from horae.projects.models import Project


def project_embedded(project: Project) -> dict[str, Any]:
    """Kimai's embedded `Project` (15 keys); `customer` is the customer's id."""
    return {
        "id": project.id,
        "name": project.name,
        "customer": project.customer_id,
        "number": project.number,
        "orderNumber": project.order_number,
        "orderDate": format_date(project.order_date),
        "start": format_date(project.start),
        "end": format_date(project.end),
        "comment": project.comment,
        "visible": project.visible,
        "billable": project.billable,
        "globalActivities": project.global_activities,
        "color": output_color(project.color),
        "color-safe": color_safe(project.color, project.name),
        "metaFields": visible_meta(project),
    }


def project_expanded(project: Project) -> dict[str, Any]:
    """`ProjectExpanded` (inside expanded timesheets): the customer as an embedded object."""
    result = project_embedded(project)
    result["customer"] = customer_embedded(project.customer)
    return result


def project_entity(project: Project, *, show_budget: bool, show_time: bool) -> dict[str, Any]:
    """`ProjectCollection` and `ProjectEntity` (they are identical)."""
    result = project_embedded(project)
    result["parentTitle"] = project.customer.name
    result["teams"] = [team_embedded(team) for team in project.teams]
    result.update(budget_output(project, show_budget, show_time))
    return result


_S = {"type": "string"}
_NS = {"type": "string", "nullable": True}
_ND = {"type": "string", "format": "date", "nullable": True}
_BOOL = {"type": "boolean"}
_PROJECT_PROPERTIES: dict[str, Any] = {
    "id": {"type": "integer"},
    "name": _S,
    "customer": {"type": "integer"},
    "number": _NS,
    "orderNumber": _NS,
    "orderDate": _ND,
    "start": _ND,
    "end": _ND,
    "comment": _NS,
    "visible": _BOOL,
    "billable": _BOOL,
    "globalActivities": _BOOL,
    "color": _NS,
    "color-safe": _S,
    "metaFields": {"type": "array", "items": ref("MetaField")},
}
register_schema("Project", {"type": "object", "properties": _PROJECT_PROPERTIES})
register_schema(
    "ProjectExpanded", {"type": "object", "properties": {**_PROJECT_PROPERTIES, "customer": ref("Customer")}}
)
for _name in ("ProjectCollection", "ProjectEntity"):
    register_schema(
        _name,
        {
            "type": "object",
            "properties": {
                **_PROJECT_PROPERTIES,
                "parentTitle": _S,
                "teams": {"type": "array", "items": ref("Team")},
                **BUDGET_PROPERTIES,
            },
        },
    )


def project_form(*, show_budget: bool, show_time: bool, with_teams: bool = False) -> Form:
    fields: dict[str, Field] = {
        "name": Text(required=True, min_length=2, max_length=150, plain=True, description="The project name"),
        "customer": Reference(required=True, description="Customer ID"),
        "number": Text(max_length=10, plain=True, description="Project number (generated when left out)"),
        "comment": Text(description="Description"),
        "invoiceText": Text(description="Text on invoices"),
        "orderNumber": Text(max_length=50),
        "orderDate": DateField(description="YYYY-MM-DD"),
        "start": DateField(description="First day of the project, YYYY-MM-DD"),
        "end": DateField(description="Last day of the project, YYYY-MM-DD"),
        "globalActivities": Boolean(default=True, description="Whether global activities may be booked"),
        "color": Color(description="One of the configured colours, see GET /api/config/colors"),
        "visible": Boolean(default=True),
        "billable": Boolean(default=True),
        **budget_fields(show_budget, show_time),
        "metaFields": MetaFieldsInput(),
    }
    if with_teams:
        fields["teams"] = ReferenceList(description="IDs of teams that may see the project")
    return Form(fields)
