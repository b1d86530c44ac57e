"""Rates on the wire: `{id, user, rate, internalRate, isFixed}` and the rate form."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from horae.api.embedded import user_embedded
from horae.api.forms import Boolean, Form, Number, Reference
from horae.api.openapi import ref, register_schema
from horae.api.wire import money
from horae.rates.models import RateColumns

USER_SCHEMA = register_schema(
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
            "color": {"type": "string", "nullable": True},
            "color-safe": {"type": "string"},
            "avatar": {"type": "string", "nullable": True},
            "alias": {"type": "string", "nullable": True},
            "accountNumber": {"type": "string", "nullable": True},
            "initials": {"type": "string"},
            "title": {"type": "string", "nullable": True},
            "language": {"type": "string"},
            "locale": {"type": "string"},
            "timezone": {"type": "string"},
        },
    },
)


def _rate_properties() -> dict[str, Any]:
    return {
        "id": {"type": "integer"},
        "user": {**ref("User"), "nullable": True},
        "rate": {"type": "number"},
        "internalRate": {"type": "number", "nullable": True},
        "isFixed": {"type": "boolean"},
    }


for _name in ("CustomerRate", "ProjectRate", "ActivityRate"):
    register_schema(_name, {"type": "object", "properties": _rate_properties()})


def rate_output(rate: RateColumns) -> dict[str, Any]:
    return {
        "id": rate.id,
        "user": user_embedded(rate.user) if rate.user is not None else None,
        "rate": money(rate.rate),
        "internalRate": money(rate.internal_rate),
        "isFixed": rate.fixed,
    }


RATE_FORM = Form(
    user=Reference(description="User ID (empty: the rate applies to every user)"),
    rate=Number(
        minimum=Decimal(0), default=Decimal(0), description="The rate (hourly, or per entry when fixed)"
    ),
    internalRate=Number(minimum=None, description="The internal rate"),
    isFixed=Boolean(description="A fixed rate per entry instead of an hourly rate"),
)
