"""Users on the wire: UserCollection / UserEntity and the create and edit forms."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from horae.api.embedded import team_embedded, user_embedded
from horae.api.forms import (
    Boolean,
    ChoiceList,
    Color,
    Field,
    Form,
    FormContext,
    Language,
    LocaleField,
    Reference,
    Text,
    Timezone,
    Url,
)
from horae.api.openapi import register_schema
from horae.config.service import SystemConfig
from horae.security.permissions import Actor
from horae.users.models import User
from horae.users.service import (
    EMAIL_FIELD,
    USERNAME_FIELD,
    assignable_roles,
    is_granted_on_user,
    listed_preferences,
    may_edit_roles,
)


def user_collection(user: User) -> dict[str, Any]:
    return user_embedded(user)


def user_entity(
    user: User, actor: Actor, *, with_defaults: bool = True, _path: frozenset[int] = frozenset()
) -> dict:
    """UserEntity: the embedded keys plus supervisor (recursive), teams, roles, memberships and
    the preferences the caller may see."""
    data = user_embedded(user)
    supervisor = user.supervisor
    path = _path | {user.id}
    # A supervisor chain that loops back is cut, as Kimai's serializer drops circular references.
    data["supervisor"] = (
        None
        if supervisor is None or supervisor.id in path
        else user_entity(supervisor, actor, with_defaults=with_defaults, _path=path)
    )
    data["teams"] = [team_embedded(membership.team) for membership in user.memberships]
    data["roles"] = list(user.roles)
    data["memberships"] = [
        {"team": team_embedded(membership.team), "teamlead": membership.teamlead}
        for membership in user.memberships
    ]
    data["preferences"] = [
        {"name": name, "value": value}
        for name, value in listed_preferences(actor, user, with_defaults=with_defaults)
    ]
    return data


# --- forms -------------------------------------------------------------------------------------


def _profile_fields(config: SystemConfig) -> dict[str, Field]:
    fields: dict[str, Field] = {
        "alias": Text(max_length=60, plain=True),
        "title": Text(max_length=50, plain=True),
        "accountNumber": Text(max_length=30),
    }
    if config.get("theme.avatar_url"):
        fields["avatar"] = Url(max_length=255)
    fields["color"] = Color()
    fields["email"] = EMAIL_FIELD
    return fields


def user_create_form(session: Session, actor: Actor, config: SystemConfig) -> Form:
    """POST /api/users; `roles` only for callers who may edit roles."""
    fields: dict[str, Field] = {
        "username": USERNAME_FIELD,
        **_profile_fields(config),
        "plainPassword": Text(required=True, min_length=8, max_length=60, strip=False),
        "plainApiToken": Text(min_length=8, max_length=60, strip=False),
        "language": Language(required=True),
        "locale": LocaleField(max_length=35),
        "timezone": Timezone(required=True, max_length=64),
        "enabled": Boolean(),
        "supervisor": Reference(),
        "systemAccount": Boolean(),
        "requiresPasswordReset": Boolean(),
    }
    if may_edit_roles(actor, None):
        allowed = assignable_roles(session, actor)
        fields["roles"] = ChoiceList(allowed)
    return Form(fields)


def user_edit_form(session: Session, actor: Actor, user: User, config: SystemConfig) -> Form:
    """PATCH /api/users/{id}: the field set depends on what the caller may change on this user."""
    fields = _profile_fields(config)
    if is_granted_on_user(actor, "preferences", user):
        fields["language"] = Language(required=True)
        fields["locale"] = LocaleField(max_length=35)
        fields["timezone"] = Timezone(required=True, max_length=64)
    if user.id != actor.id:
        fields["enabled"] = Boolean()
    if is_granted_on_user(actor, "supervisor", user):
        fields["supervisor"] = Reference()
    if is_granted_on_user(actor, "password", user):
        fields["systemAccount"] = Boolean()
        fields["requiresPasswordReset"] = Boolean()
    if may_edit_roles(actor, user):
        fields["roles"] = ChoiceList(assignable_roles(session, actor))
    return Form(fields)


def form_context(actor: Actor, config: SystemConfig, user: User | None = None) -> FormContext:
    return FormContext(
        timezone=actor.timezone,
        colors=list(config.colors().values()),
        current={"color": user.color} if user is not None else {},
    )


def user_create_defaults(body: Any, language: str, timezone: str) -> Any:
    """Kimai fills a new user's language and timezone before the body is applied."""
    if isinstance(body, dict):
        body = {"language": language, "timezone": timezone, **body}
    return body


# --- OpenAPI shapes ----------------------------------------------------------------------------

_TEAM = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "name": {"type": "string"},
        "color": {"type": "string", "nullable": True},
        "color-safe": {"type": "string"},
    },
}
_USER_PROPERTIES: dict[str, Any] = {
    "id": {"type": "integer"},
    "username": {"type": "string"},
    "email": {"type": "string"},
    "enabled": {"type": "boolean"},
    "apiToken": {"type": "boolean", "description": "Whether a (deprecated) API password is set"},
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
}
register_schema("UserCollection", {"type": "object", "properties": _USER_PROPERTIES})
register_schema(
    "UserEntity",
    {
        "type": "object",
        "properties": {
            **_USER_PROPERTIES,
            "supervisor": {"allOf": [{"$ref": "#/components/schemas/UserEntity"}], "nullable": True},
            "teams": {"type": "array", "items": _TEAM},
            "roles": {"type": "array", "items": {"type": "string"}},
            "memberships": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"team": _TEAM, "teamlead": {"type": "boolean"}},
                },
            },
            "preferences": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"name": {"type": "string"}, "value": {"type": "string", "nullable": True}},
                },
            },
        },
    },
)


def _documented_form(*, create: bool) -> Form:
    """Every field the form can have, for /api/doc (the real form depends on the caller)."""
    fields: dict[str, Field] = {}
    if create:
        fields["username"] = USERNAME_FIELD
    fields.update(
        {
            "alias": Text(max_length=60),
            "title": Text(max_length=50),
            "accountNumber": Text(max_length=30),
            "avatar": Url(max_length=255, description="Only when avatar URLs are enabled"),
            "color": Color(),
            "email": EMAIL_FIELD,
        }
    )
    if create:
        fields["plainPassword"] = Text(required=True, min_length=8, max_length=60)
        fields["plainApiToken"] = Text(min_length=8, max_length=60, description="Deprecated API password")
    fields.update(
        {
            "language": Language(required=create),
            "locale": LocaleField(),
            "timezone": Timezone(required=create),
            "enabled": Boolean(description="Left out of a new user: false"),
            "supervisor": Reference(),
            "systemAccount": Boolean(),
            "requiresPasswordReset": Boolean(),
            "roles": ChoiceList((), description="Replaces all roles; ROLE_USER is implicit"),
        }
    )
    return Form(fields)


USER_CREATE_DOC = _documented_form(create=True)
USER_EDIT_DOC = _documented_form(create=False)
