"""The profile page: personal data, preferences, password, API password and access tokens."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter
from sqlalchemy.orm import Session
from starlette.responses import RedirectResponse, Response

from horae.api.deps import SessionDep
from horae.api.forms import (
    Choice,
    Color,
    DateField,
    Email,
    Form,
    FormContext,
    LocaleField,
    Money,
    Text,
    Timezone,
    known_timezones,
)
from horae.api.routing import UnitOfWorkRoute
from horae.config.service import load_config
from horae.db import utcnow
from horae.errors import Forbidden, ValidationFailed
from horae.users.service import (
    change_own_password,
    create_own_access_token,
    own_access_tokens,
    revoke_own_access_token,
    set_own_api_password,
    update_own_preferences,
    update_own_profile,
    user_timezone,
)
from horae.web.auth import SignedInDep, WebUser
from horae.web.csrf import CheckedFormDep
from horae.web.forms import FormState, parse, submitted
from horae.web.i18n import OFFERED_LOCALES, UI_LANGUAGES, language_choices, locale_choices
from horae.web.rendering import render
from horae.web.session import end_other_sessions

router = APIRouter(route_class=UnitOfWorkRoute, include_in_schema=False)

PERSONAL_FORM = Form(
    alias=Text(max_length=60, plain=True),
    title=Text(max_length=50, plain=True),
    email=Email(required=True, max_length=180),
    account_number=Text(max_length=30),
    color=Color(),
)
WEEKDAYS = ("monday", "sunday")
PASSWORD_FIELDS = ("current_password", "password", "password_repeat")
API_PASSWORD_FIELDS = ("api_password", "api_password_repeat")
TOKEN_FIELDS = ("name", "expires")


@lru_cache(maxsize=1)
def timezone_choices() -> tuple[str, ...]:
    return tuple(sorted(known_timezones()))


def _preferences_form(web_user: WebUser) -> Form:
    current_language = web_user.user.preference("language") or "en"
    form = Form(
        timezone=Timezone(required=True),
        language=Choice({*UI_LANGUAGES, current_language}, required=True),
        locale=LocaleField(required=True, max_length=50),
        first_weekday=Choice(WEEKDAYS, required=True),
    )
    if web_user.actor.can("hourly-rate_own_profile"):
        form = form.with_fields(hourly_rate=Money(), internal_rate=Money())
    return form


def _defaults(web_user: WebUser) -> dict[str, FormState]:
    user = web_user.user
    language = user.preference("language") or "en"
    return {
        "personal": FormState(
            {
                "alias": user.alias,
                "title": user.title,
                "email": user.email,
                "account_number": user.account_number,
                "color": user.color,
            }
        ),
        "preferences": FormState(
            {
                "timezone": user_timezone(user),
                "language": language,
                "locale": user.preference("locale") or language,
                "first_weekday": user.preference("first_weekday") or "monday",
                "hourly_rate": user.preference("hourly_rate"),
                "internal_rate": user.preference("internal_rate"),
            }
        ),
        "password": FormState(),
        "api_password": FormState(),
        "token": FormState(),
    }


def _profile_page(
    session: Session,
    web_user: WebUser,
    *,
    failed: dict[str, FormState] | None = None,
    new_token: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    actor = web_user.actor
    if not actor.can("view_own_profile"):
        raise Forbidden("view_own_profile")
    forms = {**_defaults(web_user), **(failed or {})}
    colors = load_config(session).colors()
    own_color = web_user.user.color
    if own_color and own_color.lower() not in {value.lower() for value in colors.values()}:
        colors = {own_color: own_color, **colors}
    locales = list(locale_choices(web_user.ui.language))
    current_locale = str(forms["preferences"].value("locale"))
    if current_locale and current_locale not in OFFERED_LOCALES:
        locales.insert(0, (current_locale, current_locale))
    languages = list(language_choices(web_user.ui.language))
    current_language = str(forms["preferences"].value("language"))
    if current_language and current_language not in UI_LANGUAGES:
        languages.insert(0, (current_language, current_language))
    now = utcnow()
    tokens = own_access_tokens(session, actor) if actor.can("api-token_own_profile") else []
    return render(
        web_user.ui,
        "profile.html",
        {
            "forms": forms,
            "user": web_user.user,
            "color_options": [(value, f"{name} ({value})") for name, value in colors.items()],
            "timezone_options": [(zone, zone) for zone in timezone_choices()],
            "locales": locales,
            "languages": languages,
            "weekdays": WEEKDAYS,
            "tokens": tokens,
            "new_token": new_token,
            "now": now,
            "min_expiry": (
                now.astimezone(ZoneInfo(web_user.ui.formatter.timezone)).date() + timedelta(days=1)
            ).isoformat(),
        },
        status_code=status_code,
    )


@router.get("/profile", name="profile")
def profile_page(session: SessionDep, web_user: SignedInDep) -> Response:
    return _profile_page(session, web_user)


def _saved(key: str) -> Response:
    # The confirmation is shown at the top of the page, where the browser lands.
    return RedirectResponse(f"/profile?saved={key}", status_code=303)


@router.post("/profile/personal", name="profile_personal")
def save_personal(session: SessionDep, web_user: SignedInDep, form: CheckedFormDep) -> Response:
    values = submitted(form, PERSONAL_FORM.fields)
    try:
        parsed = parse(
            PERSONAL_FORM,
            values,
            FormContext(
                colors=load_config(session).colors().values(), current={"color": web_user.user.color}
            ),
        )
        update_own_profile(session, web_user.actor, **parsed)
    except ValidationFailed as exc:
        session.rollback()
        failed = {"personal": FormState.failed(values, exc)}
        return _profile_page(session, web_user, failed=failed, status_code=422)
    return _saved("personal")


@router.post("/profile/preferences", name="profile_preferences")
def save_preferences(session: SessionDep, web_user: SignedInDep, form: CheckedFormDep) -> Response:
    definition = _preferences_form(web_user)
    values = submitted(form, definition.fields)
    try:
        parsed = parse(definition, values)
        stored: dict[str, str | None] = {
            name: (str(value) if value is not None else None) for name, value in parsed.items()
        }
        if "hourly_rate" in parsed:
            stored["hourly_rate"] = str(parsed["hourly_rate"] or Decimal("0"))
        update_own_preferences(session, web_user.actor, stored)
    except ValidationFailed as exc:
        session.rollback()
        failed = {"preferences": FormState.failed(values, exc)}
        return _profile_page(session, web_user, failed=failed, status_code=422)
    return _saved("preferences")


@router.post("/profile/password", name="profile_password")
def save_password(session: SessionDep, web_user: SignedInDep, form: CheckedFormDep) -> Response:
    values = submitted(form, PASSWORD_FIELDS)
    try:
        change_own_password(
            session, web_user.actor, values["current_password"], values["password"], values["password_repeat"]
        )
    except ValidationFailed as exc:
        session.rollback()
        # Secrets are never sent back to the browser.
        failed = {"password": FormState.failed({}, exc)}
        return _profile_page(session, web_user, failed=failed, status_code=422)
    end_other_sessions(session, web_user.actor.id, keep=web_user.web_session)
    return _saved("password")


@router.post("/profile/api-password", name="profile_api_password")
def save_api_password(session: SessionDep, web_user: SignedInDep, form: CheckedFormDep) -> Response:
    values = submitted(form, API_PASSWORD_FIELDS)
    try:
        set_own_api_password(session, web_user.actor, values["api_password"], values["api_password_repeat"])
    except ValidationFailed as exc:
        session.rollback()
        failed = {"api_password": FormState.failed({}, exc)}
        return _profile_page(session, web_user, failed=failed, status_code=422)
    return _saved("api_password")


TOKEN_FORM = Form(name=Text(), expires=DateField())


@router.post("/profile/tokens", name="profile_token_create")
def create_token(session: SessionDep, web_user: SignedInDep, form: CheckedFormDep) -> Response:
    values = submitted(form, TOKEN_FIELDS)
    try:
        parsed = parse(TOKEN_FORM, values)
        token, plain = create_own_access_token(
            session, web_user.actor, parsed["name"] or "", parsed["expires"]
        )
    except ValidationFailed as exc:
        session.rollback()
        failed = {"token": FormState.failed(values, exc, rename={"expiresAt": "expires"})}
        return _profile_page(session, web_user, failed=failed, status_code=422)
    return _profile_page(session, web_user, new_token={"name": token.name, "value": plain})


@router.post("/profile/tokens/{token_id}/revoke", name="profile_token_revoke")
def revoke_token(token_id: int, session: SessionDep, web_user: SignedInDep, form: CheckedFormDep) -> Response:
    revoke_own_access_token(session, web_user.actor, token_id)
    return _saved("token_revoked")
