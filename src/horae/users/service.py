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
