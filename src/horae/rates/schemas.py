"""Rates on the wire: `{id, user, rate, internalRate, isFixed}` and the rate form."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from horae.api.forms import Boolean, Form, Number, Reference
from horae.api.openapi import ref, register_schema
from horae.api.wire import color_safe, money, output_color
from horae.rates.models import RateColumns
from horae.settings import get_settings
from horae.users.models import User

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


def initials(user: User) -> str:
    """Two letters from the display name (an e-mail address counts by its local part)."""
    name = user.display_name
    if "@" in name:
        name = name.split("@", 1)[0].replace(".", " ")
    words = [w for w in re.split(r"\s+", name.strip()) if w]
    if not words:
        return ""
    letters = words[0][:2] if len(words) == 1 else "".join(w[0] for w in words)[:2]
    return letters.upper()


def user_embedded(user: User) -> dict[str, Any]:
    """Kimai's embedded `User` (16 keys)."""
    settings = get_settings()
    language = user.preference("language") or settings.default_language
    return {
        "id": user.id,
        "username": user.username,
        "email": user.email,
        "enabled": user.enabled,
        "apiToken": user.api_password_hash is not None,
        "systemAccount": user.system_account,
        "color": output_color(user.color),
        "color-safe": color_safe(user.color, user.display_name),
        "avatar": user.avatar,
        "alias": user.alias,
        "accountNumber": user.account_number,
        "initials": initials(user),
        "title": user.title,
        "language": language,
        "locale": user.preference("locale") or language,
        "timezone": user.preference("timezone") or settings.default_timezone,
    }


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
