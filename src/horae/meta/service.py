"""Custom fields: which names each entity type allows, and the values records carry.

A value is stored as text on the record's meta table together with the visibility of its
definition, so that responses can list the visible values without reading the definitions.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from horae.activities.models import Activity
from horae.api.forms import (
    INVALID_CHOICE,
    NOT_BLANK,
    NOT_VALID,
    Email,
    FieldError,
    FormContext,
    Url,
    camelize,
    parse_decimal,
    parse_int,
)
from horae.customers.models import Customer
from horae.errors import BadRequest, NotFound, ValidationFailed
from horae.invoices.models import Invoice
from horae.meta.models import (
    ActivityMeta,
    CustomerMeta,
    InvoiceMeta,
    MetaFieldDefinition,
    ProjectMeta,
    TimesheetMeta,
)
from horae.projects.models import Project
from horae.security.attributes import Record, RecordAccess
from horae.security.permissions import Actor

META_MODELS: dict[str, tuple[type, str]] = {
    "customer": (CustomerMeta, "customer_id"),
    "project": (ProjectMeta, "project_id"),
    "activity": (ActivityMeta, "activity_id"),
    "timesheet": (TimesheetMeta, "timesheet_id"),
    "invoice": (InvoiceMeta, "invoice_id"),
}
ENTITY_TYPES = tuple(META_MODELS)
FIELD_TYPES = ("string", "text", "integer", "number", "boolean", "choice", "date", "email", "url", "color")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,49}$")


def meta_model(entity_type: str) -> type:
    return META_MODELS[entity_type][0]


def meta_owner_column(entity_type: str) -> Any:
    model, column = META_MODELS[entity_type]
    return getattr(model, column)


def entity_type_of(entity: object) -> str:
    if isinstance(entity, Customer):
        return "customer"
    if isinstance(entity, Project):
        return "project"
    if isinstance(entity, Activity):
        return "activity"
    if isinstance(entity, Invoice):
        return "invoice"
    return "timesheet"


# --- definitions ----------------------------------------------------------------------------


def list_meta_fields(session: Session, entity_type: str | None = None) -> list[MetaFieldDefinition]:
    """The defined custom fields, of one entity type or of all."""
    query = select(MetaFieldDefinition).order_by(MetaFieldDefinition.entity_type, MetaFieldDefinition.id)
    if entity_type is not None:
        query = query.where(MetaFieldDefinition.entity_type == entity_type)
    return list(session.scalars(query))


def define_meta_field(
    session: Session,
    entity_type: str,
    name: str,
    *,
    label: str | None = None,
    type: str = "string",
    options: Iterable[str] | None = None,
    default_value: str | None = None,
    required: bool = False,
    visible: bool = True,
) -> MetaFieldDefinition:
    """Declares (or redefines) a custom field that records of `entity_type` may carry.

    A changed visibility applies to the values already stored.
    """
    errors: dict[str, list[str]] = {}
    if entity_type not in META_MODELS:
        errors["entityType"] = [INVALID_CHOICE]
    name = name.strip()
    if not _NAME.match(name):
        errors["name"] = ["Use 1 to 50 letters, digits, dots, dashes or underscores."]
    if type not in FIELD_TYPES:
        errors["type"] = [INVALID_CHOICE]
    choices = [o.strip() for o in options or [] if o.strip()]
    if type == "choice" and not choices:
        errors["options"] = ["A choice field needs at least one option."]
    if errors:
        raise ValidationFailed(
            errors, fields=["entityType", "name", "label", "type", "options", "defaultValue"]
        )
    definition = find_definition(list_meta_fields(session, entity_type), name)
    if definition is None:
        definition = MetaFieldDefinition(entity_type=entity_type, name=name)
        session.add(definition)
    definition.label = label
    definition.type = type
    definition.options = ",".join(choices) or None
    definition.default_value = default_value
    definition.required = required
    if definition.visible != visible and definition.id is not None:
        model = meta_model(entity_type)
        session.execute(
            update(model)
            .where(func.lower(model.name) == definition.name.lower())  # type: ignore[attr-defined]
            .values(visible=visible)
        )
    definition.visible = visible
    session.flush()
    return definition


def remove_meta_field(session: Session, entity_type: str, name: str) -> None:
    """Removes a custom field and every value stored under it."""
    definition = find_definition(list_meta_fields(session, entity_type), name)
    if definition is None:
        raise NotFound(f"meta field {name!r}")
    model = meta_model(entity_type)
    session.execute(delete(model).where(func.lower(model.name) == definition.name.lower()))  # type: ignore[attr-defined]
    session.delete(definition)
    session.flush()


def find_definition(definitions: Iterable[MetaFieldDefinition], name: str) -> MetaFieldDefinition | None:
    """Case-insensitive; also finds `foo_bar` under `fooBar`, as bodies are camelised."""
    wanted = name.lower()
    for definition in definitions:
        if definition.name.lower() == wanted or camelize(definition.name).lower() == wanted:
            return definition
    return None


# --- values ---------------------------------------------------------------------------------


def convert_meta_value(definition: MetaFieldDefinition, raw: Any) -> str | None:
    """The text stored for a submitted value, or FieldError naming what is wrong."""
    if definition.type == "boolean":
        return "0" if raw is False or raw is None or raw == "" else "1"
    if raw is None or raw == "" or raw is False:
        if definition.required:
            raise FieldError(NOT_BLANK)
        return None
    if isinstance(raw, dict | list):
        raise FieldError(NOT_VALID)
    text = raw if isinstance(raw, str) else str(raw)
    text = text.strip()
    if "\x00" in text:
        raise FieldError(NOT_VALID)
    kind = definition.type
    if kind == "integer":
        number = parse_int(raw)
        if number is None:
            raise FieldError("Please enter an integer.")
        return str(number)
    if kind == "number":
        value = parse_decimal(raw)
        if value is None:
            raise FieldError("Please enter a number.")
        return _plain_decimal(value)
    if kind == "choice":
        if text not in (definition.options or "").split(","):
            raise FieldError(INVALID_CHOICE)
        return text
    if kind == "date":
        return _iso_date(text)
    if kind == "email":
        return str(Email(max_length=255).convert(text, FormContext()))
    if kind == "url":
        return str(Url(max_length=255).convert(text, FormContext()))
    if kind == "color" and not re.fullmatch(r"#[0-9a-fA-F]{3}([0-9a-fA-F]{3})?", text):
        raise FieldError(NOT_VALID)
    if kind == "string" and len(text) > 255:
        raise FieldError("This value is too long. It should have 255 characters or less.")
    return text


def _iso_date(text: str) -> str:
    match = re.match(r"^\d{4}-\d{2}-\d{2}", text)
    try:
        if match:
            return date.fromisoformat(match[0]).isoformat()
    except ValueError:
        pass
    raise FieldError("Please enter a valid date.")


def _plain_decimal(value: Decimal) -> str:
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def apply_meta_values(
    entity: Any,
    definitions: Sequence[MetaFieldDefinition],
    submitted: Mapping[str, Any],
) -> list[str]:
    """Stores submitted `{name: value}` pairs on the entity; returns the error messages.

    Unknown names are refused as a whole, like extra fields of a form.
    """
    errors: list[str] = []
    resolved: list[tuple[MetaFieldDefinition, Any]] = []
    for name, raw in submitted.items():
        definition = find_definition(definitions, name)
        if definition is None:
            return ["This form should not contain extra fields."]
        resolved.append((definition, raw))
    for definition, raw in resolved:
        try:
            value = convert_meta_value(definition, raw)
        except FieldError as exc:
            errors.extend(f"{definition.name}: {message}" for message in exc.messages)
            continue
        store_meta_value(entity, definition, value)
    return errors


def apply_meta_defaults(entity: Any, definitions: Sequence[MetaFieldDefinition]) -> None:
    """Gives a new record the default value of every field it did not receive."""
    present = {meta.name.lower() for meta in entity.meta}
    for definition in definitions:
        if definition.name.lower() not in present and definition.default_value is not None:
            store_meta_value(entity, definition, definition.default_value)


def store_meta_value(entity: Any, definition: MetaFieldDefinition, value: str | None) -> None:
    for meta in entity.meta:
        if meta.name.lower() == definition.name.lower():
            meta.value = value
            meta.visible = definition.visible
            return
    model = meta_model(definition.entity_type)
    entity.meta.append(model(name=definition.name, value=value, visible=definition.visible))


def set_meta_field(session: Session, entity: Any, name: Any, value: Any) -> None:
    """`PATCH …/meta`: sets one defined field to a scalar, stored as Kimai stores it.

    A missing name or value is a 400; a name no definition knows is a 404.
    """
    if not isinstance(name, str) or name == "":
        raise BadRequest('Parameter "name" must not be null')
    if value is None or value is False or isinstance(value, dict | list):
        raise BadRequest('Parameter "value" must not be null')
    definition = find_definition(list_meta_fields(session, entity_type_of(entity)), name)
    if definition is None:
        raise NotFound("Unknown meta-field requested")
    text = _scalar_text(value)
    if "\x00" in text:
        raise BadRequest('Parameter "value" must not contain NUL')
    store_meta_value(entity, definition, text)


def set_record_meta(
    session: Session, actor: Actor, access: RecordAccess[Record], record_id: int, body: Any
) -> Record:
    """`PATCH /api/<records>/{id}/meta` for one kind of catalog record: needs `edit` on it."""
    record = access.load_for(session, actor, record_id, "edit")
    body = body if isinstance(body, dict) else {}
    set_meta_field(session, record, body.get("name"), body.get("value"))
    session.flush()
    return record


def _scalar_text(value: Any) -> str:
    if value is True:
        return "1"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def visible_meta(entity: Any) -> list[dict[str, str | None]]:
    """The `metaFields` of a response: name and value of every visible field."""
    return [{"name": meta.name, "value": meta.value} for meta in entity.meta if meta.visible]


def copy_meta(source: Any, target: Any) -> None:
    """Gives `target` (of the same entity type) a copy of every value `source` carries."""
    model = meta_model(entity_type_of(target))
    for meta in source.meta:
        target.meta.append(model(name=meta.name, value=meta.value, visible=meta.visible))
