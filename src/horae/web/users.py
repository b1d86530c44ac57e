"""Users: the list with search, role and status filters, and the create and edit forms.

The forms are the API's user forms built for the signed-in person (user_create_form,
user_edit_form), so the fields a person may change, the roles they may assign and every message
are the API's; writes go through the users and teams services.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from horae.api.deps import SessionDep
from horae.api.forms import ChoiceList, Form
from horae.api.params import ascii_digits
from horae.api.routing import UnitOfWorkRoute
from horae.config.service import load_config
from horae.errors import Forbidden, ValidationFailed
from horae.settings import get_settings
from horae.teams.service import assignable_teams, set_teams_of_user
from horae.users import service
from horae.users.models import User
from horae.users.schemas import form_context, user_create_form, user_edit_form
from horae.web.admin import ROLE_LABELS
from horae.web.auth import SignedInDep, WebUser
from horae.web.csrf import CheckedFormDep
from horae.web.forms import FormState, color_options
from horae.web.i18n import N_, language_choices
from horae.web.navigation import NavItem, register
from horae.web.paging import read_page, requested_page
from horae.web.profile import timezone_choices
from horae.web.rendering import SAVED_MESSAGES, render
from horae.web.session import end_other_sessions

router = APIRouter(route_class=UnitOfWorkRoute, include_in_schema=False)

register(NavItem("users", N_("Users"), "admin", ("view_user",), prefix="/users"))
SAVED_MESSAGES.update(
    {
        "user_created": N_("The user has been created."),
        "user_saved": N_("The user has been saved."),
        "user_password": N_("The password has been set."),
        "user_enabled": N_("The user has been enabled."),
        "user_disabled": N_("The user has been disabled."),
    }
)
PAGE_SIZE = 25
STATUS = {"": 3, "1": 1, "2": 2}
# The fields of the API form this page shows, in their order; the rest keep their values.
SHOWN_FIELDS = (
    "username",
    "email",
    "alias",
    "title",
    "accountNumber",
    "color",
    "plainPassword",
    "language",
    "timezone",
    "supervisor",
    "enabled",
    "requiresPasswordReset",
    "roles",
)
CHECKBOXES = ("enabled", "requiresPasswordReset")


# --- the list -------------------------------------------------------------------------------------


@router.get("/users", name="users")
def user_list(request: Request, session: SessionDep, web_user: SignedInDep) -> Response:
    actor = web_user.actor
    params = request.query_params
    term = (params.get("term") or "").strip()[:200]
    status = params.get("enabled", "")
    status = status if status in STATUS else ""
    roles = service.known_roles(session)
    role = params.get("role", "")
    role = role if role in roles else ""
    filters = {"term": term, "enabled": status, "role": role}
    users, pager = read_page(
        lambda offset, limit: service.find_users(
            session,
            actor,
            visible=STATUS[status],
            term=term or None,
            role=role or None,
            offset=offset,
            limit=limit,
        ),
        requested_page(request),
        filters,
        size=PAGE_SIZE,
    )
    rows = [
        (
            user,
            service.is_granted_on_user(actor, "edit", user),
            user.id != actor.id and service.is_granted_on_user(actor, "edit", user),
        )
        for user in users
    ]
    return render(
        web_user.ui,
        "users.html",
        {
            "rows": rows,
            "filters": filters,
            "roles": [(name, ROLE_LABELS.get(name, name)) for name in roles],
            "role_labels": ROLE_LABELS,
            "pager": pager,
            "can_create": actor.can("create_user"),
        },
    )


# --- the forms ------------------------------------------------------------------------------------


def _body(definition: Form, form: FormData) -> dict[str, Any]:
    """The API body of the submitted page form: the shown fields this person may send."""
    body: dict[str, Any] = {}
    for name in SHOWN_FIELDS:
        if name not in definition.fields:
            continue
        if name in CHECKBOXES:
            body[name] = name in form
        elif name == "roles":
            body[name] = [value for value in form.getlist("roles") if isinstance(value, str)]
        else:
            raw = form.get(name)
            body[name] = raw if isinstance(raw, str) and raw != "" else None
    return body


def _team_ids(form: FormData) -> list[int]:
    return [int(v) for v in form.getlist("teams") if isinstance(v, str) and ascii_digits(v) and len(v) < 10]


def _submitted(form: FormData) -> dict[str, Any]:
    values: dict[str, Any] = {
        key: value for key, value in form.items() if isinstance(value, str) and key not in ("csrf_token",)
    }
    values.pop("plainPassword", None)
    for name in CHECKBOXES:
        values[name] = name in form
    values["roles"] = [v for v in form.getlist("roles") if isinstance(v, str)]
    values["teams"] = [v for v in form.getlist("teams") if isinstance(v, str)]
    return values


def _may_set_teams(web_user: WebUser, user: User | None) -> bool:
    if user is None:
        return web_user.actor.can("teams_other_profile")
    return service.is_granted_on_user(web_user.actor, "teams", user)


def _form_page(
    session: Session,
    web_user: WebUser,
    definition: Form,
    form: FormState,
    user: User | None,
    *,
    password_form: FormState | None = None,
    status_code: int = 200,
) -> Response:
    actor = web_user.actor
    roles_field = definition.fields.get("roles")
    role_choices = (
        [r for r in service.known_roles(session) if r in roles_field.choices]
        if isinstance(roles_field, ChoiceList)
        else []
    )
    supervisors = service.selectable_users(session, actor, keep=[user.supervisor_id or 0] if user else [])
    context = {
        "form": form,
        "user": user,
        "fields": definition.fields,
        "role_choices": [(role, ROLE_LABELS.get(role, role)) for role in role_choices],
        "role_labels": ROLE_LABELS,
        "teams": assignable_teams(session, actor) if _may_set_teams(web_user, user) else None,
        "supervisors": [(str(u.id), u.display_name) for u in supervisors if user is None or u.id != user.id],
        "languages": list(language_choices(web_user.ui.language)),
        "timezones": [(zone, zone) for zone in timezone_choices()],
        "colors": color_options(session, user.color if user else None),
        "password_form": password_form or FormState(),
        "can_set_password": (
            user is not None and user.id != actor.id and service.is_granted_on_user(actor, "password", user)
        ),
    }
    return render(web_user.ui, "user_edit.html", context, status_code=status_code)


def _defaults(session: Session) -> dict[str, Any]:
    config = load_config(session)
    settings = get_settings()
    return {
        "language": config.get("defaults.user.language") or settings.default_language,
        "timezone": config.get("defaults.user.timezone") or settings.default_timezone,
        "enabled": True,
        "roles": [],
        "teams": [],
    }


def _values_of(user: User) -> dict[str, Any]:
    return {
        "username": user.username,
        "email": user.email,
        "alias": user.alias or "",
        "title": user.title or "",
        "accountNumber": user.account_number or "",
        "color": user.color or "",
        "language": service.user_language(user),
        "timezone": service.user_timezone(user),
        "supervisor": str(user.supervisor_id or ""),
        "enabled": user.enabled,
        "requiresPasswordReset": user.requires_password_reset,
        "roles": list(user.roles),
        "teams": [str(m.team_id) for m in user.memberships],
    }


@router.get("/users/create", name="user_create")
def create_page(session: SessionDep, web_user: SignedInDep) -> Response:
    service.require_create_user(web_user.actor)
    config = load_config(session)
    definition = user_create_form(session, web_user.actor, config)
    return _form_page(session, web_user, definition, FormState(_defaults(session)), None)


@router.post("/users/create", name="user_create_save")
def create(session: SessionDep, web_user: SignedInDep, form: CheckedFormDep) -> Response:
    actor = web_user.actor
    service.require_create_user(actor)
    config = load_config(session)
    definition = user_create_form(session, actor, config)
    try:
        data = definition.parse(_body(definition, form), partial=False, ctx=form_context(actor, config))
        user = service.create_user_from_form(session, actor, data.values)
        if _may_set_teams(web_user, None):
            set_teams_of_user(session, actor, user, _team_ids(form))
    except ValidationFailed as exc:
        session.rollback()
        state = FormState.failed(_submitted(form), exc)
        return _form_page(session, web_user, definition, state, None, status_code=422)
    return RedirectResponse(f"/users/{user.id}/edit?saved=user_created", status_code=303)


@router.get("/users/{user_id:int}/edit", name="user_edit")
def edit_page(user_id: int, session: SessionDep, web_user: SignedInDep) -> Response:
    user = service.get_user_for_edit(session, web_user.actor, user_id)
    definition = user_edit_form(session, web_user.actor, user, load_config(session))
    return _form_page(session, web_user, definition, FormState(_values_of(user)), user)


@router.post("/users/{user_id:int}/edit", name="user_edit_save")
def edit(user_id: int, session: SessionDep, web_user: SignedInDep, form: CheckedFormDep) -> Response:
    actor = web_user.actor
    user = service.get_user_for_edit(session, actor, user_id)
    config = load_config(session)
    definition = user_edit_form(session, actor, user, config)
    try:
        data = definition.parse(_body(definition, form), partial=True, ctx=form_context(actor, config, user))
        service.update_user(session, actor, user, data.values)
        if _may_set_teams(web_user, user):
            set_teams_of_user(session, actor, user, _team_ids(form))
    except ValidationFailed as exc:
        session.rollback()
        user = service.get_user(session, user_id)
        state = FormState.failed({**_values_of(user), **_submitted(form)}, exc)
        return _form_page(session, web_user, definition, state, user, status_code=422)
    return RedirectResponse(f"/users/{user_id}/edit?saved=user_saved", status_code=303)


@router.post("/users/{user_id:int}/password", name="user_password")
def set_password(user_id: int, session: SessionDep, web_user: SignedInDep, form: CheckedFormDep) -> Response:
    actor = web_user.actor
    user = service.get_user_for_edit(session, actor, user_id)
    new, repeat = form.get("password"), form.get("password_repeat")
    try:
        service.set_user_password(
            session,
            actor,
            user,
            new if isinstance(new, str) else "",
            repeat if isinstance(repeat, str) else "",
        )
    except ValidationFailed as exc:
        session.rollback()
        user = service.get_user(session, user_id)
        definition = user_edit_form(session, actor, user, load_config(session))
        state = FormState(_values_of(user))
        return _form_page(
            session,
            web_user,
            definition,
            state,
            user,
            password_form=FormState.failed({}, exc),
            status_code=422,
        )
    # As after one's own password change: the old password's sessions end.
    end_other_sessions(session, user.id, None)
    return RedirectResponse(f"/users/{user_id}/edit?saved=user_password", status_code=303)


def _toggle(session: Session, web_user: WebUser, user_id: int, enabled: bool) -> Response:
    actor = web_user.actor
    user = service.get_user_for_edit(session, actor, user_id)
    definition = user_edit_form(session, actor, user, load_config(session))
    if "enabled" not in definition.fields:
        raise Forbidden("enabled")
    service.update_user(session, actor, user, {"enabled": enabled})
    return RedirectResponse(f"/users?saved={'user_enabled' if enabled else 'user_disabled'}", status_code=303)


@router.post("/users/{user_id:int}/enable", name="user_enable")
def enable(user_id: int, session: SessionDep, web_user: SignedInDep, form: CheckedFormDep) -> Response:
    return _toggle(session, web_user, user_id, True)


@router.post("/users/{user_id:int}/disable", name="user_disable")
def disable(user_id: int, session: SessionDep, web_user: SignedInDep, form: CheckedFormDep) -> Response:
    return _toggle(session, web_user, user_id, False)
