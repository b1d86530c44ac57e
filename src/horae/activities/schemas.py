"""Activities on the wire: embedded, collection/entity and expanded shapes, and the form."""

from __future__ import annotations

from typing import Any

from horae.activities.models import Activity
from horae.api.forms import Boolean, Color, Field, Form, Reference, ReferenceList, Text
from horae.api.openapi import ref, register_schema
from horae.api.wire import color_safe, output_color
from horae.customers.schemas import BUDGET_PROPERTIES, budget_fields, budget_output, team_embedded
from horae.meta.schemas import MetaFieldsInput
from horae.meta.service import visible_meta
from horae.projects.schemas import project_expanded


def activity_embedded(activity: Activity) -> dict[str, Any]:
    """Kimai's embedded `Activity` (10 keys); `project` is the project's id, null if global."""
    return {
        "id": activity.id,
        "name": activity.name,
        "project": activity.project_id,
        "number": activity.number,
        "comment": activity.comment,
        "visible": activity.visible,
        "billable": activity.billable,
        "color": output_color(activity.color),
        "color-safe": color_safe(activity.color, activity.name),
        "metaFields": visible_meta(activity),
    }


def activity_expanded(activity: Activity) -> dict[str, Any]:
    """`ActivityExpanded` (inside expanded timesheets): the project as `ProjectExpanded`."""
    result = activity_embedded(activity)
    result["project"] = project_expanded(activity.project) if activity.project is not None else None
    return result


def activity_entity(activity: Activity, *, show_budget: bool, show_time: bool) -> dict[str, Any]:
    """`ActivityCollection` and `ActivityEntity` (they are identical)."""
    result = activity_embedded(activity)
    result["parentTitle"] = activity.project.name if activity.project is not None else None
    result["teams"] = [team_embedded(team) for team in activity.teams]
    result.update(budget_output(activity, show_budget, show_time))
    return result


_S = {"type": "string"}
_NS = {"type": "string", "nullable": True}
_BOOL = {"type": "boolean"}
_ACTIVITY_PROPERTIES: dict[str, Any] = {
    "id": {"type": "integer"},
    "name": _S,
    "project": {"type": "integer", "nullable": True},
    "number": _NS,
    "comment": _NS,
    "visible": _BOOL,
    "billable": _BOOL,
    "color": _NS,
    "color-safe": _S,
    "metaFields": {"type": "array", "items": ref("MetaField")},
}
register_schema("Activity", {"type": "object", "properties": _ACTIVITY_PROPERTIES})
register_schema(
    "ActivityExpanded",
    {
        "type": "object",
        "properties": {**_ACTIVITY_PROPERTIES, "project": {**ref("ProjectExpanded"), "nullable": True}},
    },
)
for _name in ("ActivityCollection", "ActivityEntity"):
    register_schema(
        _name,
        {
            "type": "object",
            "properties": {
                **_ACTIVITY_PROPERTIES,
                "parentTitle": _NS,
                "teams": {"type": "array", "items": ref("Team")},
                **BUDGET_PROPERTIES,
            },
        },
    )


def activity_form(
    *, show_budget: bool, show_time: bool, with_project: bool = True, with_teams: bool = False
) -> Form:
    """POST has `teams`; PATCH of a global activity has no `project`."""
    fields: dict[str, Field] = {
        "name": Text(
            required=True, min_length=2, max_length=150, plain=True, description="The activity name"
        ),
    }
    if with_project:
        fields["project"] = Reference(description="Project ID (empty: a global activity)")
    fields.update(
        {
            "number": Text(
                max_length=10, plain=True, description="Activity number (generated when left out)"
            ),
            "comment": Text(description="Description"),
            "invoiceText": Text(description="Text on invoices"),
            "color": Color(description="One of the configured colours, see GET /api/config/colors"),
            "visible": Boolean(default=True),
            "billable": Boolean(default=True),
            **budget_fields(show_budget, show_time),
            "metaFields": MetaFieldsInput(),
        }
    )
    if with_teams:
        fields["teams"] = ReferenceList(description="IDs of teams that may see the activity")
    return Form(fields)
