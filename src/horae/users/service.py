"""Users: creation, passwords, API passwords, access tokens, preferences, roles and who may see whom."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, String, and_, case, cast, exists, false, func, not_, or_, select, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, lazyload

from horae.api.forms import (
    Email,
    Field,
    FieldError,
    FormContext,
    Language,
    LocaleField,
    Text,
    Timezone,
    parse_decimal,
)
from horae.db import utcnow
from horae.errors import BadRequest, Conflict, Forbidden, NotFound, ValidationFailed
from horae.search import contains
from horae.security.passwords import generate_access_token, hash_password, sha256_hex, verify_password
from horae.security.permissions import (
    BUILTIN_ROLES,
    ROLE_ADMIN,
    ROLE_SUPER_ADMIN,
    ROLE_TEAMLEAD,
    ROLE_USER,
    Actor,
)
from horae.settings import get_settings
from horae.teams.models import TeamMember
from horae.users.models import AccessToken, Role, User, UserPreference

USERNAME_TAKEN = "The username is already used."
EMAIL_TAKEN = "The email is already used."
INVALID_CHOICE = "The selected choice is invalid."

# The same rules as the API's user form, so that every way in (API, CLI, web) agrees.
USERNAME_FIELD = Text(required=True, min_length=2, max_length=64, plain=True, pattern=re.compile(r"[^/]*"))
EMAIL_FIELD = Email(required=True, min_length=2, max_length=180)


# --- reading users -------------------------------------------------------------------------


def user_timezone(user: User) -> str:
    return user.preference("timezone") or get_settings().default_timezone


def user_language(user: User) -> str:
    return user.preference("language") or get_settings().default_language


def user_locale(user: User) -> str:
    """The formatting locale; falls back to the language."""
    return user.preference("locale") or user_language(user)


def user_initials(user: User) -> str:
    """Two letters for avatars: from the display name, an e-mail's local part with dots as spaces."""
    name = user.display_name
    if EMAIL_FIELD_PATTERN.match(name):
        name = name.split("@", 1)[0].replace(".", " ")
    words = [word for word in name.strip().split(" ") if word]
    if not words:
        return ""
    if len(words) == 1:
        initials = words[0][:2]
    else:
        initials = "".join(word[0] for word in words)[:2]
    return initials.upper()


EMAIL_FIELD_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def set_preference(user: User, name: str, value: str | None) -> None:
    for pref in user.preferences:
        if pref.name == name:
            pref.value = value
            return
    user.preferences.append(UserPreference(name=name, value=value))


def remove_preference(user: User, name: str) -> None:
    user.preferences[:] = [pref for pref in user.preferences if pref.name != name]


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("user")
    return user


def get_user_by_name(session: Session, username: str) -> User:
    user = session.scalars(select(User).where(User.username == username)).first()
    if user is None:
        raise NotFound(f"user {username!r}")
    return user


# --- who may do what with a user (Kimai's user voter) --------------------------------------


def _team_ids(user: User) -> set[int]:
    return {membership.team_id for membership in user.memberships}


def _is_plain_user(user: User) -> bool:
    return not [role for role in user.roles if role != ROLE_USER]


def _leads_or_adopts(actor: Actor, subject: User) -> bool:
    """Teamlead of one of the subject's teams, or a teamlead/admin and the subject a plain
    user in no team at all."""
    if _team_ids(subject) & actor.led_team_ids:
        return True
    return (
        (actor.has_role(ROLE_TEAMLEAD) or actor.has_role(ROLE_ADMIN))
        and _is_plain_user(subject)
        and not subject.memberships
    )


def may_reach_profile(actor: Actor, subject: User) -> bool:
    """Whether the caller reaches another user's profile at all (disabled users count too)."""
    if subject.id == actor.id or actor.is_super_admin or actor.sees_all:
        return True
    return _leads_or_adopts(actor, subject)


def can_access_user(actor: Actor, subject: User) -> bool:
    """Kimai's `access_user`: what team membership changes and user filters need."""
    if subject.id == actor.id or actor.is_super_admin or actor.sees_all:
        return True
    if not subject.enabled:
        return False
    if subject.system_account and not actor.user.system_account:
        return False
    return _leads_or_adopts(actor, subject)


def is_granted_on_user(actor: Actor, attribute: str, subject: User) -> bool:
    """An attribute of the user voter (view, edit, roles, preferences, password, api-token,
    hourly-rate, supervisor, contract …): `<attribute>_own_profile` on oneself, otherwise
    `<attribute>_other_profile` and access to that user."""
    if attribute == "password" and subject.auth != "kimai":
        return False
    if subject.id == actor.id:
        return actor.can(f"{attribute}_own_profile")
    return actor.can(f"{attribute}_other_profile") and may_reach_profile(actor, subject)


def require_on_user(actor: Actor, attribute: str, subject: User) -> None:
    if not is_granted_on_user(actor, attribute, subject):
        raise Forbidden(f"{attribute} on user {subject.id}")


def selectable_user(actor: Actor, user: User) -> bool:
    """Users a caller may pick in a form (supervisor, team member, rate user): enabled, not a
    system account, and the caller, or everyone with view_all_data, or members of led teams."""
    if not user.enabled or user.system_account:
        return False
    if actor.sees_all or user.id == actor.id:
        return True
    return bool(_team_ids(user) & actor.led_team_ids)


def selectable_users_condition(actor: Actor) -> ColumnElement[bool]:
    """`selectable_user` as an SQL condition, for lists of choices in a fixed number of queries."""
    usable = and_(User.enabled.is_(True), User.system_account.is_(False))
    if actor.sees_all:
        return usable
    if not actor.led_team_ids:
        return and_(usable, User.id == actor.id)
    led_member = exists(
        select(1).where(TeamMember.user_id == User.id, TeamMember.team_id.in_(sorted(actor.led_team_ids)))
    )
    return and_(usable, or_(User.id == actor.id, led_member))


def selectable_users(session: Session, actor: Actor, keep: Iterable[int] = ()) -> list[User]:
    """The users a caller may pick, by display name; `keep` adds current choices that could not
    be picked any more (a form keeps showing them)."""
    kept = [user_id for user_id in keep if user_id]
    condition = or_(selectable_users_condition(actor), User.id.in_(kept)) if kept else None
    query = select(User).where(condition if condition is not None else selectable_users_condition(actor))
    # A choice needs the name only: one query, without preferences, teams or supervisors.
    query = query.options(lazyload("*"))
    users = list(session.scalars(query).all())
    return sorted(users, key=lambda user: (user.display_name.lower(), user.id))


# --- roles ----------------------------------------------------------------------------------


def known_roles(session: Session) -> list[str]:
    """Every role name a user may hold, built-in ones first, without the implicit ROLE_USER."""
    custom = session.scalars(select(Role.name).order_by(Role.name)).all()
    builtin = [role for role in BUILTIN_ROLES if role != ROLE_USER]
    return [*builtin, *(name for name in custom if name not in BUILTIN_ROLES)]


def may_assign_role(actor: Actor, role: str) -> bool:
    if role == ROLE_SUPER_ADMIN:
        return actor.is_super_admin
    if role == ROLE_ADMIN:
        return actor.has_role(ROLE_ADMIN) or actor.is_super_admin
    if role == ROLE_TEAMLEAD:
        return any(actor.has_role(r) for r in (ROLE_TEAMLEAD, ROLE_ADMIN, ROLE_SUPER_ADMIN))
    return role != ROLE_USER


def assignable_roles(session: Session, actor: Actor) -> list[str]:
    return [role for role in known_roles(session) if may_assign_role(actor, role)]


def may_edit_roles(actor: Actor, subject: User | None) -> bool:
    """Roles are editable with the `roles` attribute, and only by someone who could assign
    every role the user holds now."""
    if subject is None:
        return actor.can("roles_other_profile")
    return is_granted_on_user(actor, "roles", subject) and all(
        may_assign_role(actor, r) for r in subject.roles
    )


def delete_role(session: Session, actor: Actor, role_id: int) -> None:
    """Deletes a custom role and takes it away from everyone holding it."""
    role = session.get(Role, role_id)
    if role is None:
        raise NotFound("role")
    if not actor.can("role_permissions"):
        raise Forbidden("role_permissions")
    if role.name in BUILTIN_ROLES:
        raise Conflict("built-in roles cannot be deleted")
    # The roles column is JSON; a text match narrows the candidates, Python decides.
    holders = session.scalars(select(User).where(cast(User.roles, String).like(f"%{role.name}%"))).all()
    for user in holders:
        if role.name in user.roles:
            user.roles = [name for name in user.roles if name != role.name]
    session.delete(role)
    session.flush()


# --- preferences ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PreferenceDefinition:
    name: str
    default: str | None = None
    # The user-voter attribute the caller needs on the user for this preference to be enabled.
    attribute: str | None = None


WORK_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# Kimai's known preferences (core and work contract); [UNSURE] which plugins add more.
PREFERENCE_DEFINITIONS: tuple[PreferenceDefinition, ...] = (
    PreferenceDefinition("hourly_rate", "0", "hourly-rate"),
    PreferenceDefinition("internal_rate", None, "hourly-rate"),
    PreferenceDefinition("timezone"),
    PreferenceDefinition("language"),
    PreferenceDefinition("locale"),
    PreferenceDefinition("first_weekday", "monday"),
    PreferenceDefinition("skin", "default"),
    PreferenceDefinition("update_browser_title", "1"),
    PreferenceDefinition("calendar_initial_view", "month"),
    PreferenceDefinition("login_initial_view", "timesheet"),
    PreferenceDefinition("daily_stats", "0"),
    PreferenceDefinition("export_decimal", "0"),
    PreferenceDefinition("favorite_routes", ""),
    *(PreferenceDefinition(f"work_{day}", "0", "contract") for day in WORK_DAYS),
    PreferenceDefinition("holidays", "0", "contract"),
    PreferenceDefinition("public_holiday_group", None, "contract"),
    PreferenceDefinition("work_start_day", None, "contract"),
    PreferenceDefinition("work_last_day", None, "contract"),
)
PREFERENCES = {definition.name: definition for definition in PREFERENCE_DEFINITIONS}
# Preferences that have their own keys in the user JSON or only matter to the web UI.
UNLISTED_PREFERENCES = frozenset(
    {
        "timezone",
        "locale",
        "language",
        "skin",
        "calendar_initial_view",
        "login_initial_view",
        "update_browser_title",
        "daily_stats",
        "export_decimal",
    }
)


def preference_enabled(actor: Actor, user: User, name: str) -> bool:
    definition = PREFERENCES.get(name)
    if definition is None or definition.attribute is None:
        return True
    return is_granted_on_user(actor, definition.attribute, user)


def listed_preferences(actor: Actor, user: User, *, with_defaults: bool) -> list[tuple[str, str | None]]:
    """The `preferences` of the user JSON: enabled ones, without the unlisted and `_` names.

    with_defaults: also list defined preferences the user never stored, with their defaults
    (GET /api/users/{id} applies the definitions, /api/users/me does not [UNSURE]).
    """
    enabled_cache: dict[str, bool] = {}

    def shown(name: str) -> bool:
        if name.startswith("_") or name in UNLISTED_PREFERENCES:
            return False
        if name not in enabled_cache:
            enabled_cache[name] = preference_enabled(actor, user, name)
        return enabled_cache[name]

    result = [(pref.name, pref.value) for pref in user.preferences if shown(pref.name)]
    if with_defaults:
        stored = {pref.name for pref in user.preferences}
        result += [
            (d.name, d.default) for d in PREFERENCE_DEFINITIONS if d.name not in stored and shown(d.name)
        ]
    return result


def _preference_text(value: Any) -> str | None:
    """A JSON value as Kimai's form decoder stores it: false → null, null → "", others → text."""
    if value is False:
        return None
    if value is None:
        return ""
    if value is True:
        return "1"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int | float | str):
        return str(value)
    raise BadRequest("a preference value must be a scalar")


_PREFERENCE_CHECKS: dict[str, Field] = {
    "timezone": Timezone(required=True),
    "locale": LocaleField(required=True),
    "language": Language(required=True),
}


def _check_preference_value(name: str, value: str | None) -> None:
    """Values the rest of Horae relies on must parse; Kimai stores anything [deliberate]."""
    if name in _PREFERENCE_CHECKS:
        try:
            _PREFERENCE_CHECKS[name].clean(value, FormContext())
        except FieldError as exc:
            raise BadRequest(f"invalid value for {name}") from exc
    elif name in ("hourly_rate", "internal_rate") and value not in (None, ""):
        amount = parse_decimal(value)
        if amount is None or amount < Decimal(0):
            raise BadRequest(f"invalid value for {name}")
    if value is not None and len(value) > 250:
        raise BadRequest("preference values hold at most 250 characters")


def update_preferences(session: Session, actor: Actor, user: User, items: Any) -> None:
    """PATCH /api/users/{id}/preferences: a list of {name, value}; unknown names are 404,
    preferences disabled for the caller 403."""
    require_on_user(actor, "edit", user)
    if not isinstance(items, list):
        raise BadRequest("expected a list of preferences")
    changes: list[tuple[str, str | None]] = []
    for item in items:
        if not isinstance(item, dict) or "name" not in item or "value" not in item:
            raise BadRequest("each preference needs a name and a value")
        name = item["name"]
        if not isinstance(name, str):
            raise BadRequest("a preference name must be a string")
        if name not in PREFERENCES:
            raise NotFound(f"preference {name!r}")
        if not preference_enabled(actor, user, name):
            raise Forbidden(f"preference {name!r}")
        value = _preference_text(item["value"])
        _check_preference_value(name, value)
        changes.append((name, value))
    for name, value in changes:
        set_preference(user, name, value)
    session.flush()


# --- creating and changing users -----------------------------------------------------------


def _identity_conflicts(
    session: Session, username: str | None, email: str | None, exclude_id: int | None = None
) -> dict[str, list[str]]:
    """A username or e-mail must not be anyone else's username or e-mail (case-insensitively)."""
    wanted = [value.lower() for value in (username, email) if value]
    if not wanted:
        return {}
    query = select(User).where(or_(func.lower(User.username).in_(wanted), func.lower(User.email).in_(wanted)))
    if exclude_id is not None:
        query = query.where(User.id != exclude_id)
    errors: dict[str, list[str]] = {}
    for other in session.scalars(query).all():
        taken = (other.username.lower(), other.email.lower())
        if username and username.lower() in taken:
            errors["username"] = [USERNAME_TAKEN]
        if email and email.lower() in taken:
            errors["email"] = [EMAIL_TAKEN]
    return errors


def check_identity_format(username: str, email: str) -> dict[str, list[str]]:
    """The API form's rules for a username and an e-mail address."""
    errors: dict[str, list[str]] = {}
    for name, spec, value in (("username", USERNAME_FIELD, username), ("email", EMAIL_FIELD, email)):
        try:
            spec.clean(value, FormContext())
        except FieldError as exc:
            errors[name] = exc.messages
    return errors


def _unknown_roles(session: Session, roles: Iterable[str]) -> list[str]:
    known = set(known_roles(session)) | {ROLE_USER}
    return [role for role in roles if role not in known]


def create_user(
    session: Session,
    *,
    username: str,
    email: str,
    password: str,
    roles: list[str] | None = None,
    api_password: str | None = None,
    timezone: str | None = None,
    language: str | None = None,
    enabled: bool = True,
    alias: str | None = None,
    locale: str | None = None,
    extra_errors: Mapping[str, list[str]] | None = None,
    **attributes: Any,
) -> User:
    """Creates a user with hashed secrets; the username and e-mail must be valid and unused.

    `attributes` are further User columns (title, account_number, color, supervisor_id …);
    `extra_errors` are the caller's own findings, reported together with these checks.
    """
    username, email = username.strip(), email.strip()
    errors: dict[str, list[str]] = dict(extra_errors or {})
    for name, messages in check_identity_format(username, email).items():
        errors.setdefault(name, messages)
    if "username" not in errors or "email" not in errors:
        for name, messages in _identity_conflicts(
            session, username if "username" not in errors else None, email if "email" not in errors else None
        ).items():
            errors.setdefault(name, messages)
    if _unknown_roles(session, roles or []):
        errors.setdefault("roles", [INVALID_CHOICE])
    if errors:
        raise ValidationFailed(errors)
    settings = get_settings()
    user = User(
        username=username,
        email=email,
        password_hash=hash_password(password),
        api_password_hash=hash_password(api_password) if api_password else None,
        roles=[r for r in dict.fromkeys(roles or []) if r != ROLE_USER],
        enabled=enabled,
        alias=alias,
        **attributes,
    )
    user.preferences = [
        UserPreference(name="timezone", value=timezone or settings.default_timezone),
        UserPreference(name="language", value=language or settings.default_language),
    ]
    if locale:
        user.preferences.append(UserPreference(name="locale", value=locale))
    _save_unique(session, user, username, email)
    return user


def _save_unique(session: Session, user: User, username: str | None, email: str | None) -> None:
    """Flushes a new or changed user; a concurrent request that took the name first loses to the
    unique constraints and gets the same answer as a sequential one."""
    try:
        with session.begin_nested():
            session.add(user)
            session.flush()
    except IntegrityError as exc:
        errors = _identity_conflicts(session, username, email, user.id)
        raise ValidationFailed(errors or {"username": [USERNAME_TAKEN]}) from exc


def _supervisor_errors(
    session: Session, actor: Actor, supervisor_id: int | None, user: User | None
) -> dict[str, list[str]]:
    if supervisor_id is None:
        return {}
    if user is not None and supervisor_id == user.id:
        return {"supervisor": [INVALID_CHOICE]}
    if user is not None and supervisor_id == user.supervisor_id:
        # The current supervisor stays a valid choice even when no longer selectable.
        return {}
    candidate = session.get(User, supervisor_id)
    if candidate is None or not selectable_user(actor, candidate):
        return {"supervisor": [INVALID_CHOICE]}
    return {}


def require_create_user(actor: Actor) -> None:
    if not actor.can("create_user"):
        raise Forbidden("create_user")


def create_user_from_form(session: Session, actor: Actor, values: Mapping[str, Any]) -> User:
    """POST /api/users after the form read the body (full submit)."""
    require_create_user(actor)
    attributes = {
        "title": values.get("title"),
        "account_number": values.get("accountNumber"),
        "avatar": values.get("avatar"),
        "color": values.get("color"),
        "supervisor_id": values.get("supervisor"),
        "system_account": values.get("systemAccount", False),
        "requires_password_reset": values.get("requiresPasswordReset", False),
    }
    return create_user(
        session,
        username=values["username"],
        email=values["email"],
        password=values["plainPassword"],
        api_password=values.get("plainApiToken"),
        roles=values.get("roles", []),
        timezone=values.get("timezone"),
        language=values.get("language"),
        locale=values.get("locale"),
        enabled=values.get("enabled", False),
        alias=values.get("alias"),
        extra_errors=_supervisor_errors(session, actor, values.get("supervisor"), None),
        **attributes,
    )


_PLAIN_COLUMNS = {
    "alias": "alias",
    "title": "title",
    "accountNumber": "account_number",
    "avatar": "avatar",
    "color": "color",
    "email": "email",
    "enabled": "enabled",
    "supervisor": "supervisor_id",
    "systemAccount": "system_account",
    "requiresPasswordReset": "requires_password_reset",
    "roles": "roles",
}


def update_user(session: Session, actor: Actor, user: User, values: Mapping[str, Any]) -> User:
    """PATCH /api/users/{id}: the form decided which fields this caller may send."""
    require_on_user(actor, "edit", user)
    errors: dict[str, list[str]] = {}
    if values.get("email") and values["email"].lower() != user.email.lower():
        errors.update({k: v for k, v in _identity_conflicts(session, None, values["email"], user.id).items()})
    if "supervisor" in values:
        errors.update(_supervisor_errors(session, actor, values["supervisor"], user))
    if errors:
        raise ValidationFailed(errors)
    for key, column in _PLAIN_COLUMNS.items():
        if key in values:
            value = values[key]
            if key == "roles":
                value = [role for role in value if role != ROLE_USER]
            setattr(user, column, value)
    for name in ("language", "timezone"):
        if values.get(name):
            set_preference(user, name, values[name])
    if "locale" in values:
        if values["locale"]:
            set_preference(user, "locale", values["locale"])
        else:
            remove_preference(user, "locale")
    _save_unique(session, user, None, values.get("email"))
    if "supervisor" in values:
        session.expire(user, ["supervisor"])
    return user


def set_password(user: User, password: str) -> None:
    user.password_hash = hash_password(password)


def set_api_password(user: User, api_password: str | None) -> None:
    user.api_password_hash = hash_password(api_password) if api_password else None


# --- listing ---------------------------------------------------------------------------------

USER_ORDER_COLUMNS = {"id": User.id, "username": User.username, "alias": User.alias, "email": User.email}
USER_SEARCH_COLUMNS = (User.alias, User.title, User.account_number, User.email, User.username)


def _preference_condition(name: str, value: str) -> ColumnElement[bool]:
    """`name:value` searches a preference like a custom field (§0.6)."""
    base = and_(UserPreference.user_id == User.id, UserPreference.name == name)
    has_value = and_(UserPreference.value.is_not(None), UserPreference.value != "")
    if value == "*":
        return exists(select(1).select_from(UserPreference).where(base, has_value))
    if value == "~":
        return not_(exists(select(1).select_from(UserPreference).where(base)))
    if value in ('""', "''"):
        return not_(exists(select(1).select_from(UserPreference).where(base, has_value)))
    return exists(select(1).select_from(UserPreference).where(base, contains(UserPreference.value, value)))


def search_condition(term: str) -> ColumnElement[bool]:
    """Every word must match one searchable column; `!word` must not; `name:value` searches
    preferences."""
    conditions: list[ColumnElement[bool]] = []
    for raw in term.split():
        negate = raw.startswith("!")
        word = raw[1:] if negate else raw
        if not word:
            continue
        if "\x00" in word:
            # No stored name or value holds one (and PostgreSQL refuses it in a statement).
            conditions.append(true() if negate else false())
        elif ":" in word and not word.startswith(":"):
            name, value = word.split(":", 1)
            condition = _preference_condition(name, value)
            conditions.append(not_(condition) if negate else condition)
        elif negate:
            conditions.append(
                and_(*(or_(col.is_(None), not_(contains(col, word))) for col in USER_SEARCH_COLUMNS))
            )
        else:
            conditions.append(or_(*(contains(col, word) for col in USER_SEARCH_COLUMNS)))
    return and_(true(), *conditions)


def led_members_condition(actor: Actor) -> ColumnElement[bool]:
    """The caller and the members of the teams the caller leads."""
    if not actor.led_team_ids:
        return User.id == actor.id
    led = select(TeamMember.user_id).where(TeamMember.team_id.in_(actor.led_team_ids))
    return or_(User.id == actor.id, User.id.in_(led))


def require_user_list(actor: Actor) -> None:
    if not actor.can("view_user"):
        raise Forbidden("view_user")


def _users_where(actor: Actor, visible: int, term: str | None, role: str | None = None) -> list[Any]:
    conditions: list[Any] = []
    if visible == 1:
        conditions.append(User.enabled == true())
    elif visible == 2:
        conditions.append(User.enabled == false())
    if not actor.sees_all:
        conditions.append(led_members_condition(actor))
    if term:
        conditions.append(search_condition(term))
    if role and "\x00" in role:
        conditions.append(false())  # no role name holds one, and PostgreSQL refuses it
    elif role and role != ROLE_USER:
        # The roles column is JSON text: a quoted name matches exactly that role.
        escaped = role.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        conditions.append(cast(User.roles, String).like(f'%"{escaped}"%', escape="\\"))
    return conditions


def list_users(
    session: Session,
    actor: Actor,
    *,
    visible: int = 1,
    order_by: str = "username",
    order: str = "ASC",
    term: str | None = None,
) -> list[User]:
    """GET /api/users: everyone for view_all_data, else the caller and members of led teams."""
    require_user_list(actor)
    query = select(User).where(*_users_where(actor, visible, term))
    column = USER_ORDER_COLUMNS[order_by]
    descending = order == "DESC"
    if column is User.id:
        keys: list[Any] = [User.id.desc() if descending else User.id.asc()]
    else:
        # The same order on every backend: NULL first (ascending), then case-insensitive.
        missing = case((column.is_(None), 0), else_=1)
        text = func.lower(column)
        keys = [missing.desc(), text.desc()] if descending else [missing.asc(), text.asc()]
        keys.append(User.id.asc())
    return list(session.scalars(query.order_by(*keys)).all())


def find_users(
    session: Session,
    actor: Actor,
    *,
    visible: int = 3,
    term: str | None = None,
    role: str | None = None,
    offset: int = 0,
    limit: int = 50,
) -> tuple[list[User], int]:
    """One page of the users the caller may list (as GET /api/users), by username, and how many
    match in all; `role` keeps the holders of one role."""
    require_user_list(actor)
    conditions = _users_where(actor, visible, term, role)
    total = session.scalar(select(func.count()).select_from(User).where(*conditions)) or 0
    query = (
        select(User)
        .where(*conditions)
        .order_by(func.lower(User.username), User.id)
        .offset(offset)
        .limit(limit)
    )
    return list(session.scalars(query).all()), int(total)


def set_user_password(session: Session, actor: Actor, user: User, new: str, repeat: str) -> User:
    """An administrator sets another user's login password (the `password` attribute); one's own
    password changes only with the current one (`change_own_password`)."""
    if user.id == actor.id:
        raise Forbidden("password of oneself without the current one")
    require_on_user(actor, "password", user)
    errors = _new_secret_errors("password", new, repeat)
    if errors:
        raise ValidationFailed(errors)
    set_password(user, new)
    session.flush()
    return user


def get_user_for_view(session: Session, actor: Actor, user_id: int) -> User:
    user = get_user(session, user_id)
    require_on_user(actor, "view", user)
    return user


def get_user_for_edit(session: Session, actor: Actor, user_id: int) -> User:
    user = get_user(session, user_id)
    require_on_user(actor, "edit", user)
    return user


# --- access tokens ---------------------------------------------------------------------------


def create_access_token(
    session: Session, user: User, name: str, expires: date | None = None
) -> tuple[AccessToken, str]:
    """Creates a Bearer token and returns it with its plain value, which is never stored.

    An expiry date means the end of that day in the owner's timezone.
    """
    name = name.strip()
    if not 2 <= len(name) <= 50:
        raise ValidationFailed({"name": ["This value should have between 2 and 50 characters."]})
    expires_at = None
    if expires is not None:
        zone = ZoneInfo(user_timezone(user))
        today = utcnow().astimezone(zone).date()
        if expires <= today:
            raise ValidationFailed({"expiresAt": ["The expiry date must be after today."]})
        expires_at = datetime.combine(expires, time(23, 59, 59), tzinfo=zone).astimezone(UTC)
    plain = generate_access_token()
    token = AccessToken(user_id=user.id, name=name, token_hash=sha256_hex(plain), expires_at=expires_at)
    session.add(token)
    session.flush()
    return token, plain


def delete_access_token(session: Session, actor: Actor, token_id: int) -> None:
    """Needs `api-token` on oneself and on the token's owner; takes effect at once."""
    token = session.get(AccessToken, token_id)
    if token is None:
        raise NotFound("access token")
    owner = session.get(User, token.user_id)
    assert owner is not None
    me = session.get(User, actor.id)
    assert me is not None
    if not (is_granted_on_user(actor, "api-token", me) and is_granted_on_user(actor, "api-token", owner)):
        raise Forbidden("api-token")
    session.delete(token)
    session.flush()


# --- the signed-in person's own profile (used by the web app's profile page) ---------------
SECRET_MIN_LENGTH = 8
SECRET_MAX_LENGTH = 60
# Preferences that reveal or set money, shown and changed only with `hourly-rate_own_profile`.
RATE_PREFERENCES = frozenset({"hourly_rate", "internal_rate"})
SELF_EDITABLE_PREFERENCES = frozenset({"timezone", "language", "locale", "first_weekday"}) | RATE_PREFERENCES


def _require(actor: Actor, permission: str) -> None:
    if not actor.can(permission):
        raise Forbidden(permission)


def _new_secret_errors(field: str, plain: str, repeat: str) -> dict[str, list[str]]:
    """The rules for a new password or API password: 8 to 60 characters, typed twice alike."""
    if not plain:
        return {field: ["This value should not be blank."]}
    if len(plain) < SECRET_MIN_LENGTH:
        return {field: [f"This value is too short. It should have {SECRET_MIN_LENGTH} characters or more."]}
    if len(plain) > SECRET_MAX_LENGTH:
        return {field: [f"This value is too long. It should have {SECRET_MAX_LENGTH} characters or less."]}
    if plain != repeat:
        return {f"{field}_repeat": ["The password fields must match."]}
    return {}


def update_own_profile(
    session: Session,
    actor: Actor,
    *,
    alias: str | None,
    title: str | None,
    email: str,
    account_number: str | None,
    color: str | None,
) -> User:
    """Changes the acting user's personal data; the e-mail must not be anybody else's login."""
    _require(actor, "edit_own_profile")
    user = get_user(session, actor.id)
    clash = session.scalars(
        select(User.id)
        .where(User.id != user.id)
        .where((func.lower(User.username) == email.lower()) | (func.lower(User.email) == email.lower()))
        .limit(1)
    ).first()
    if clash is not None:
        raise ValidationFailed({"email": ["The email is already used."]})
    user.alias = alias or None
    user.title = title or None
    user.email = email
    user.account_number = account_number or None
    user.color = color or None
    session.flush()
    return user


def update_own_preferences(session: Session, actor: Actor, values: dict[str, str | None]) -> User:
    """Stores the acting user's timezone, language, locale, first weekday and (if allowed) rates."""
    _require(actor, "preferences_own_profile")
    unknown = set(values) - SELF_EDITABLE_PREFERENCES
    if unknown:
        raise ValidationFailed({name: ["Unknown preference."] for name in sorted(unknown)})
    if RATE_PREFERENCES & set(values):
        _require(actor, "hourly-rate_own_profile")
    user = get_user(session, actor.id)
    for name, value in values.items():
        set_preference(user, name, value)
    session.flush()
    return user


def change_own_password(session: Session, actor: Actor, current: str, new: str, repeat: str) -> User:
    """Replaces the acting user's login password after checking the current one."""
    _require(actor, "password_own_profile")
    user = get_user(session, actor.id)
    errors: dict[str, list[str]] = {}
    if not verify_password(user.password_hash, current):
        errors["current_password"] = ["This value should be the user's current password."]
    errors.update(_new_secret_errors("password", new, repeat))
    if errors:
        raise ValidationFailed(errors)
    set_password(user, new)
    user.requires_password_reset = False
    session.flush()
    return user


def replace_required_password(session: Session, actor: Actor, new: str, repeat: str) -> User:
    """The change an administrator demanded (`requires_password_reset`): a new, different password."""
    user = get_user(session, actor.id)
    if not user.requires_password_reset:
        raise BadRequest("no password change is pending")
    errors = _new_secret_errors("password", new, repeat)
    if not errors and verify_password(user.password_hash, new):
        errors = {"password": ["The new password must differ from the current one."]}
    if errors:
        raise ValidationFailed(errors)
    set_password(user, new)
    user.requires_password_reset = False
    session.flush()
    return user


def set_own_api_password(session: Session, actor: Actor, new: str, repeat: str) -> User:
    """Sets or replaces the acting user's legacy API password (X-AUTH-TOKEN)."""
    _require(actor, "api-token_own_profile")
    user = get_user(session, actor.id)
    errors = _new_secret_errors("api_password", new, repeat)
    if errors:
        raise ValidationFailed(errors)
    set_api_password(user, new)
    session.flush()
    return user


def own_access_tokens(session: Session, actor: Actor) -> list[AccessToken]:
    """The acting user's access tokens, newest first."""
    _require(actor, "api-token_own_profile")
    return list(
        session.scalars(
            select(AccessToken)
            .where(AccessToken.user_id == actor.id)
            .order_by(AccessToken.created_at.desc(), AccessToken.id.desc())
        )
    )


def create_own_access_token(
    session: Session, actor: Actor, name: str, expires: date | None = None
) -> tuple[AccessToken, str]:
    """A new Bearer token for the acting user; the plain value is returned once and never stored."""
    _require(actor, "api-token_own_profile")
    return create_access_token(session, get_user(session, actor.id), name, expires)


def revoke_own_access_token(session: Session, actor: Actor, token_id: int) -> None:
    """Deletes one of the acting user's tokens; it stops working with the next request."""
    _require(actor, "api-token_own_profile")
    token = session.get(AccessToken, token_id)
    if token is None or token.user_id != actor.id:
        raise NotFound("access token")
    session.delete(token)
    session.flush()
