"""Users: creation, passwords, API passwords, access tokens and preferences."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from horae.db import utcnow
from horae.errors import NotFound, ValidationFailed
from horae.security.passwords import generate_access_token, hash_password, sha256_hex
from horae.security.permissions import BUILTIN_ROLES, ROLE_USER
from horae.settings import get_settings
from horae.users.models import AccessToken, User, UserPreference


def user_timezone(user: User) -> str:
    return user.preference("timezone") or get_settings().default_timezone


def user_language(user: User) -> str:
    return user.preference("language") or get_settings().default_language


def set_preference(user: User, name: str, value: str | None) -> None:
    for pref in user.preferences:
        if pref.name == name:
            pref.value = value
            return
    user.preferences.append(UserPreference(name=name, value=value))


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
) -> User:
    """Creates a user with hashed secrets; the username and e-mail must be unused by anyone."""
    errors: dict[str, list[str]] = {}
    taken = session.scalars(
        select(User).where(
            (func.lower(User.username).in_([username.lower(), email.lower()]))
            | (func.lower(User.email).in_([username.lower(), email.lower()]))
        )
    ).all()
    for other in taken:
        if username.lower() in (other.username.lower(), other.email.lower()):
            errors.setdefault("username", []).append("The username is already used.")
        if email.lower() in (other.username.lower(), other.email.lower()):
            errors.setdefault("email", []).append("The email is already used.")
    unknown_roles = [r for r in roles or [] if r not in BUILTIN_ROLES and not _custom_role_exists(session, r)]
    if unknown_roles:
        errors["roles"] = ["The selected choice is invalid."]
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
    )
    user.preferences = [
        UserPreference(name="timezone", value=timezone or settings.default_timezone),
        UserPreference(name="language", value=language or settings.default_language),
    ]
    session.add(user)
    session.flush()
    return user


def _custom_role_exists(session: Session, name: str) -> bool:
    from horae.users.models import Role

    return session.scalars(select(Role.id).where(Role.name == name)).first() is not None


def set_password(user: User, password: str) -> None:
    user.password_hash = hash_password(password)


def set_api_password(user: User, api_password: str | None) -> None:
    user.api_password_hash = hash_password(api_password) if api_password else None


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


# --- the signed-in person's own profile (used by the web app's profile page) ---------------
# (Imports kept with this section so that it merges as one block; move them up when convenient.)
from horae.errors import BadRequest, Forbidden  # noqa: E402
from horae.security.passwords import verify_password  # noqa: E402
from horae.security.permissions import Actor  # noqa: E402

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
