"""Pieces each router uses to describe its bodies and answers in /api/doc.json.

Response shapes are registered by Kimai's schema names (UserEntity, CustomerCollection …);
`api/docs.py` puts them under components/schemas.
"""

from __future__ import annotations

from typing import Any

from horae.api.forms import Form

SCHEMAS: dict[str, dict[str, Any]] = {}


def register_schema(name: str, schema: dict[str, Any]) -> str:
    """Declares a named response shape; returns its $ref."""
    SCHEMAS[name] = schema
    return f"#/components/schemas/{name}"


# `openapi_extra` of the endpoints whose body is a list of {name, value} (user preferences,
# invoice custom fields).
NAME_VALUE_LIST_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["name", "value"],
                        "properties": {"name": {"type": "string"}, "value": {"type": "string"}},
                    },
                }
            }
        },
    }
}


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def body_doc(form: Form, *, required: bool = True) -> dict[str, Any]:
    """`openapi_extra` for a route whose JSON body the given form reads."""
    schema = form.schema(required=required)
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": schema}},
        }
    }


def query_parameters(spec: list[tuple[str, dict[str, Any], str]]) -> list[dict[str, Any]]:
    """Optional query parameters for `openapi_extra`, from (name, schema, description).

    For a handler that parses its query string itself: parameters declared in its signature
    would also be parsed and validated by FastAPI on every request (a tenth of the CPU of a
    short timesheet list, for its 21 parameters), only for the handler to read them again."""
    return [
        {"name": name, "in": "query", "required": False, "schema": schema, "description": description}
        for name, schema, description in spec
    ]


def answers(
    name: str | None = None,
    *,
    status: int = 200,
    array: bool = False,
    description: str = "OK",
    paginated: bool = False,
) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a route: its success shape by schema name, plus Kimai's error answers."""
    success: dict[str, Any] = {"description": description}
    if name is not None:
        schema: dict[str, Any] = ref(name)
        if array:
            schema = {"type": "array", "items": schema}
        success["content"] = {"application/json": {"schema": schema}}
    if paginated:
        success["headers"] = {
            header: {"schema": {"type": "string"}}
            for header in ("X-Page", "X-Total-Count", "X-Total-Pages", "X-Per-Page")
        }
    return {
        status: success,
        400: {"description": "Bad request or validation failed"},
        401: {"description": "Authentication required"},
        403: {"description": "Forbidden"},
        404: {"description": "Not found"},
    }
