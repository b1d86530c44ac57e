"""The Kimai JSON shapes of timesheets (collection, entity, and their expanded variants), the
embedded/expanded sub-objects they carry, and the timesheet input form.

The embedded user and customer come from api/embedded.py; the expanded project and activity
shapes used inside timesheets are written here (contract TIMESHEETS §4.3, ENTITIES §1.1 to §1.5).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from horae.activities.models import Activity
from horae.api.embedded import customer_embedded, user_embedded
from horae.api.forms import (
    NOT_VALID,
    Boolean,
    Duration,
    Field,
    FieldError,
    Form,
    FormContext,
    LocalDateTime,
    Money,
    Reference,
    Text,
)
from horae.api.openapi import register_schema
from horae.api.wire import color_safe, format_date, format_datetime, money, output_color
from horae.projects.models import Project
from horae.timesheets.listing import ListedTimesheet
from horae.timesheets.models import Timesheet

# --- input ------------------------------------------------------------------------------------


# What the TEXT columns of every backend hold (MariaDB: 65 535 bytes).
MAX_TEXT_BYTES = 65_535
# Rates are stored as Numeric(16, 4).
MAX_MONEY = Decimal("999999999999")
MAX_BREAK = 2**31 - 1


class Description(Text):
    """Free text, stored as sent; only what a TEXT column can hold."""

    def convert(self, raw: Any, ctx: FormContext) -> Any:
        text = super().convert(raw, ctx)
        if len(text.encode()) > MAX_TEXT_BYTES:
            raise FieldError(f"This value is too long. It should have {MAX_TEXT_BYTES} characters or less.")
        return text


class TagNames(Field):
    """Tags as Kimai's API reads them: one comma-separated string of names (arrays are refused)."""

    json_type = "string"

    def clean(self, raw: Any, ctx: FormContext) -> Any:
        if raw is None or raw is False:
            return []
        if isinstance(raw, dict | list):
            raise FieldError(NOT_VALID)
        text = "1" if raw is True else str(raw)
        if "\x00" in text:
            raise FieldError(NOT_VALID)
        names: list[str] = []
        for part in text.split(","):
            name = part.strip()
            if name and name not in names:
                names.append(name)
        return names

    def empty_value(self) -> Any:
        return []

    def schema(self) -> dict[str, Any]:
        return {
            "type": "string",
            "description": 'Comma-separated tag names, e.g. "foo,bar"',
            "example": "foo,bar",
        }


def timesheet_form(
    *,
    times: bool = True,
    break_time: bool = False,
    rates: bool = False,
    user: bool = False,
    exported: bool = False,
    billable: bool = False,
) -> Form:
    """The fields of Kimai's timesheet API form for one caller and record (contract §5.3)."""
    fields: dict[str, Field] = {}
    if times:
        fields["begin"] = LocalDateTime(description="Local date and time (HTML5), default: now")
        fields["end"] = LocalDateTime(description="Local date and time (HTML5); empty for a running record")
    if break_time:
        fields["break"] = Duration(maximum=MAX_BREAK, description='Break, e.g. "0:30" or "30m"')
    fields["project"] = Reference(required=False, description="Project ID")
    fields["activity"] = Reference(required=False, description="Activity ID")
    fields["description"] = Description(strip=False, description="Description (Markdown)")
    fields["tags"] = TagNames()
    if rates:
        fields["fixedRate"] = Money(maximum=MAX_MONEY, description="Fixed rate")
        fields["hourlyRate"] = Money(maximum=MAX_MONEY, description="Hourly rate")
    if user:
        fields["user"] = Reference(description="Owner (user ID)")
    if exported:
        fields["exported"] = Boolean(description="Whether the record is exported")
    if billable:
        fields["billable"] = Boolean(description="Whether the record is billable (default: computed)")
    return Form(fields)


# --- embedded and expanded sub-objects ----------------------------------------------------------


def _meta(entries: Any) -> list[dict[str, Any]]:
    return [{"name": entry.name, "value": entry.value} for entry in entries if entry.visible]


def project_expanded(project: Project) -> dict[str, Any]:
    return {
        "id": project.id,
        "name": project.name,
        "customer": customer_embedded(project.customer),
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
        "metaFields": _meta(project.meta),
    }


def activity_expanded(activity: Activity) -> dict[str, Any]:
    return {
        "id": activity.id,
        "name": activity.name,
        "project": project_expanded(activity.project) if activity.project is not None else None,
        "number": activity.number,
        "comment": activity.comment,
        "visible": activity.visible,
        "billable": activity.billable,
        "color": output_color(activity.color),
        "color-safe": color_safe(activity.color, activity.name),
        "metaFields": _meta(activity.meta),
    }


# --- timesheets -------------------------------------------------------------------------------


class Expansions:
    """The expanded activities, projects and users of one answer, each written once: a page of
    fifty records usually books on a handful of them."""

    def __init__(self) -> None:
        self._written: dict[tuple[str, int], dict[str, Any]] = {}

    def of(self, record: Timesheet | ListedTimesheet) -> dict[str, Any]:
        return {
            "activity": self._once("activity", record.activity, activity_expanded),
            "project": self._once("project", record.project, project_expanded),
            "user": self._once("user", record.user, user_embedded),
        }

    def _once(self, kind: str, entity: Any, write: Callable[[Any], dict[str, Any]]) -> dict[str, Any]:
        key = (kind, entity.id)
        if key not in self._written:
            self._written[key] = write(entity)
        return self._written[key]


def timesheet_json(
    record: Timesheet | ListedTimesheet,
    *,
    entity: bool,
    expanded: bool,
    rates: bool,
    expansions: Expansions | None = None,
) -> dict[str, Any]:
    """One record in one of the four shapes; the rate keys only when the caller may see rates.
    A list passes one `Expansions` for all its records."""
    relations: dict[str, Any]
    if expanded:
        relations = (expansions or Expansions()).of(record)
    else:
        relations = {"activity": record.activity_id, "project": record.project_id, "user": record.user_id}
    body: dict[str, Any] = {
        **relations,
        # Kimai lists tags in the order of their ids (the order of its join table).
        "tags": [name for _, name in sorted((tag.id, tag.name) for tag in record.tags)],
        "id": record.id,
        "begin": format_datetime(record.begin, record.timezone),
        "end": format_datetime(record.end, record.timezone),
        "duration": record.duration if record.end is not None else 0,
        "break": record.break_seconds or 0,
        "description": record.description,
        "metaFields": _meta(record.meta),
        "exported": record.exported,
        "billable": record.billable,
    }
    if rates:
        body["rate"] = money(record.rate) or 0.0
        body["internalRate"] = money(record.internal_rate)
        if entity:
            body["fixedRate"] = money(record.fixed_rate)
            body["hourlyRate"] = money(record.hourly_rate)
    return body


# --- OpenAPI ----------------------------------------------------------------------------------

_META = {
    "type": "array",
    "items": {"type": "object", "properties": {"name": {"type": "string"}, "value": {}}},
}
_NULLABLE_STRING = {"type": "string", "nullable": True}


def _register_schemas() -> None:
    customer = register_schema(
        "Customer",
        {
            "type": "object",
            "properties": {
                "id": {"type": "integer"},
                "name": {"type": "string"},
                "number": _NULLABLE_STRING,
                "comment": _NULLABLE_STRING,
                "visible": {"type": "boolean"},
                "billable": {"type": "boolean"},
                "company": _NULLABLE_STRING,
                "country": {"type": "string"},
                "language": {"type": "string"},
                "currency": {"type": "string"},
                "phone": _NULLABLE_STRING,
                "fax": _NULLABLE_STRING,
                "mobile": _NULLABLE_STRING,
                "homepage": _NULLABLE_STRING,
                "timezone": {"type": "string"},
                "color": _NULLABLE_STRING,
                "color-safe": {"type": "string"},
                "metaFields": _META,
            },
        },
    )
    project = register_schema(
        "ProjectExpanded",
        {
            "type": "object",
            "properties": {
                "id": {"type": "integer"},
                "name": {"type": "string"},
                "customer": {"$ref": customer},
                "number": _NULLABLE_STRING,
                "orderNumber": _NULLABLE_STRING,
                "orderDate": {"type": "string", "format": "date", "nullable": True},
                "start": {"type": "string", "format": "date", "nullable": True},
                "end": {"type": "string", "format": "date", "nullable": True},
                "comment": _NULLABLE_STRING,
                "visible": {"type": "boolean"},
                "billable": {"type": "boolean"},
                "globalActivities": {"type": "boolean"},
                "color": _NULLABLE_STRING,
                "color-safe": {"type": "string"},
                "metaFields": _META,
            },
        },
    )
    activity = register_schema(
        "ActivityExpanded",
        {
            "type": "object",
            "properties": {
                "id": {"type": "integer"},
                "name": {"type": "string"},
                "project": {"allOf": [{"$ref": project}], "nullable": True},
                "number": _NULLABLE_STRING,
                "comment": _NULLABLE_STRING,
                "visible": {"type": "boolean"},
                "billable": {"type": "boolean"},
                "color": _NULLABLE_STRING,
                "color-safe": {"type": "string"},
                "metaFields": _META,
            },
        },
    )
    user = register_schema(
        "User",
        {
            "type": "object",
            "properties": {
                "id": {"type": "integer"},
                "username": {"type": "string"},
                "email": {"type": "string"},
                "enabled": {"type": "boolean"},
                "apiToken": {"type": "boolean"},
                "systemAccount": {"type": "boolean"},
                "color": _NULLABLE_STRING,
                "color-safe": {"type": "string"},
                "avatar": _NULLABLE_STRING,
                "alias": _NULLABLE_STRING,
                "accountNumber": _NULLABLE_STRING,
                "initials": {"type": "string"},
                "title": _NULLABLE_STRING,
                "language": {"type": "string"},
                "locale": {"type": "string"},
                "timezone": {"type": "string"},
            },
        },
    )
    common = {
        "id": {"type": "integer"},
        "begin": {"type": "string", "format": "date-time", "example": "2024-05-01T14:00:00+0200"},
        "end": {"type": "string", "format": "date-time", "nullable": True},
        "duration": {"type": "integer", "nullable": True},
        "break": {"type": "integer"},
        "description": _NULLABLE_STRING,
        "tags": {"type": "array", "items": {"type": "string"}},
        "metaFields": _META,
        "exported": {"type": "boolean"},
        "billable": {"type": "boolean"},
        "rate": {"type": "number", "description": "Only with the view_rate permission on the record"},
        "internalRate": {"type": "number", "nullable": True, "description": "Only with view_rate"},
    }
    entity_rates = {
        "fixedRate": {"type": "number", "nullable": True, "description": "Only with view_rate"},
        "hourlyRate": {"type": "number", "nullable": True, "description": "Only with view_rate"},
    }
    ids = {"activity": {"type": "integer"}, "project": {"type": "integer"}, "user": {"type": "integer"}}
    objects = {"activity": {"$ref": activity}, "project": {"$ref": project}, "user": {"$ref": user}}
    register_schema("TimesheetCollection", {"type": "object", "properties": {**ids, **common}})
    register_schema("TimesheetCollectionExpanded", {"type": "object", "properties": {**objects, **common}})
    register_schema("TimesheetEntity", {"type": "object", "properties": {**ids, **common, **entity_rates}})
    register_schema(
        "TimesheetEntityExpanded", {"type": "object", "properties": {**objects, **common, **entity_rates}}
    )


_register_schemas()
