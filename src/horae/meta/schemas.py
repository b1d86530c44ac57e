"""Custom fields on the wire: the `metaFields` input of forms and the `{name, value}` output."""

from __future__ import annotations

from typing import Any

from horae.api.forms import NOT_VALID, Field, FieldError, FormContext
from horae.api.openapi import register_schema

META_FIELD_SCHEMA = register_schema(
    "MetaField",
    {
        "type": "object",
        "properties": {"name": {"type": "string"}, "value": {"type": "string", "nullable": True}},
        "required": ["name", "value"],
    },
)


class MetaFieldsInput(Field):
    """`{"<name>": {"value": …}}`; a bare value per name and a `[{name, value}]` list are read too.

    Returns `{name: raw value}`; whether the names exist is checked by the service.
    """

    json_type = "object"

    def clean(self, raw: Any, ctx: FormContext) -> Any:
        if raw is None or raw == "":
            return {}
        if isinstance(raw, list):
            pairs = {}
            for item in raw:
                if not isinstance(item, dict) or not isinstance(item.get("name"), str):
                    raise FieldError(NOT_VALID)
                pairs[item["name"]] = item.get("value")
            return pairs
        if not isinstance(raw, dict):
            raise FieldError(NOT_VALID)
        values: dict[str, Any] = {}
        for name, item in raw.items():
            if isinstance(item, dict):
                if set(item) - {"value"}:
                    raise FieldError("This form should not contain extra fields.")
                values[str(name)] = item.get("value")
            else:
                values[str(name)] = item
        return values

    def empty_value(self) -> Any:
        return {}

    def schema(self) -> dict[str, Any]:
        return {
            "type": "object",
            "description": 'Values of defined custom fields: {"<name>": {"value": "…"}}',
            "additionalProperties": {"type": "object", "properties": {"value": {"type": "string"}}},
        }


META_BODY_SCHEMA = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "properties": {"name": {"type": "string"}, "value": {"type": "string"}},
                    "required": ["name", "value"],
                }
            }
        },
    }
}
