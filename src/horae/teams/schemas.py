"""Teams on the wire: Team / TeamCollection, TeamEntity and the team form."""

from __future__ import annotations

from typing import Any

from horae.api.embedded import (
    activity_embedded,
    customer_embedded,
    project_embedded,
    team_embedded,
    user_embedded,
)
from horae.api.forms import Color, Form, FormBoolean, Nested, Reference, Text
from horae.api.openapi import register_schema
from horae.teams.models import Team


def team_collection(team: Team) -> dict[str, Any]:
    return team_embedded(team)


def team_entity(team: Team) -> dict[str, Any]:
    """TeamEntity: members (without their team) and the linked records in embedded form."""
    data = team_embedded(team)
    data["members"] = [{"user": user_embedded(m.user), "teamlead": m.teamlead} for m in team.members]
    data["customers"] = [customer_embedded(c) for c in sorted(team.customers, key=lambda c: c.id)]
    data["projects"] = [project_embedded(p) for p in sorted(team.projects, key=lambda p: p.id)]
    data["activities"] = [activity_embedded(a) for a in sorted(team.activities, key=lambda a: a.id)]
    return data


# Inside `members`, `teamlead` reads 0, "0", "", "false" and null as false, as Kimai's tests
# prove (README precedence 1).
MEMBER_FORM = Form(
    user=Reference(required=True, description="User ID"),
    teamlead=FormBoolean(description="Whether the user leads the team"),
)
TEAM_FORM = Form(
    name=Text(required=True, min_length=2, max_length=100, plain=True),
    color=Color(),
    members=Nested(MEMBER_FORM, description="Replaces all members when sent"),
)

_TEAM_PROPERTIES: dict[str, Any] = {
    "id": {"type": "integer"},
    "name": {"type": "string"},
    "color": {"type": "string", "nullable": True},
    "color-safe": {"type": "string"},
}
register_schema("TeamCollection", {"type": "object", "properties": _TEAM_PROPERTIES})
register_schema(
    "TeamEntity",
    {
        "type": "object",
        "properties": {
            **_TEAM_PROPERTIES,
            "members": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "user": {"$ref": "#/components/schemas/UserCollection"},
                        "teamlead": {"type": "boolean"},
                    },
                },
            },
            "customers": {"type": "array", "items": {"type": "object"}},
            "projects": {"type": "array", "items": {"type": "object"}},
            "activities": {"type": "array", "items": {"type": "object"}},
        },
    },
)
