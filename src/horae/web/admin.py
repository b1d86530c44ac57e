"""Administration: the timesheet settings and the role permission matrix."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from horae.api.deps import SessionDep
from horae.api.routing import UnitOfWorkRoute
from horae.config.service import SETTINGS, load_config, update_settings
from horae.errors import Forbidden, ValidationFailed
from horae.security.matrix import ALL_PERMISSIONS
from horae.security.role_permissions import RoleMatrix, load_role_matrix, permission_group, save_role_matrix
from horae.web.auth import SignedInDep, WebUser
from horae.web.csrf import CheckedFormDep
from horae.web.forms import FormState
from horae.web.i18n import N_
from horae.web.profile import timezone_choices
from horae.web.rendering import render

router = APIRouter(route_class=UnitOfWorkRoute, include_in_schema=False)

WEEKDAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
WEEKDAY_LABELS = {
    "monday": N_("Monday"),
    "tuesday": N_("Tuesday"),
    "wednesday": N_("Wednesday"),
    "thursday": N_("Thursday"),
    "friday": N_("Friday"),
    "saturday": N_("Saturday"),
    "sunday": N_("Sunday"),
}


@dataclass(frozen=True)
class SettingField:
    """How one system setting is edited: its widget, label, help text and choices."""

    name: str
    kind: str  # select, checkbox, number, text, weekdays, timezone
    label: str
    help: str = ""
    choices: tuple[tuple[str, str], ...] = ()


TIMESHEET_SETTINGS: tuple[tuple[str, tuple[SettingField, ...]], ...] = (
    (
        N_("Recording"),
        (
            SettingField(
                "timesheet.mode",
                "select",
                N_("Tracking mode"),
                N_("How entries are recorded: begin and end, a duration, or by the clock only."),
                (
                    ("default", N_("Begin and end (default)")),
                    ("duration_only", N_("Duration only")),
                    ("duration_fixed_begin", N_("Duration with a fixed begin")),
                    ("punch", N_("Punch clock")),
                ),
            ),
            SettingField(
                "timesheet.default_begin",
                "text",
                N_("Default begin time"),
                N_("“now” or a time such as 08:00."),
            ),
        ),
    ),
    (
        N_("Rounding"),
        (
            SettingField("timesheet.rounding.default.begin", "number", N_("Round begin to (minutes)")),
            SettingField("timesheet.rounding.default.end", "number", N_("Round end to (minutes)")),
            SettingField("timesheet.rounding.default.duration", "number", N_("Round duration to (minutes)")),
            SettingField(
                "timesheet.rounding.default.mode",
                "select",
                N_("Rounding mode"),
                choices=(
                    ("default", N_("Begin down, end up (default)")),
                    ("closest", N_("To the closest value")),
                    ("floor", N_("Always down")),
                    ("ceil", N_("Always up")),
                ),
            ),
            SettingField("timesheet.rounding.default.days", "weekdays", N_("Rounding applies on")),
        ),
    ),
    (
        N_("Active entries"),
        (
            SettingField(
                "timesheet.active_entries.hard_limit",
                "number",
                N_("Running entries per user"),
                N_("How many timers a person may run at the same time."),
            ),
        ),
    ),
    (
        N_("Rules"),
        (
            SettingField("timesheet.rules.allow_future_times", "checkbox", N_("Allow entries in the future")),
            SettingField(
                "timesheet.rules.allow_overlapping_records", "checkbox", N_("Allow overlapping entries")
            ),
            SettingField(
                "timesheet.rules.allow_zero_duration", "checkbox", N_("Allow entries without duration")
            ),
            SettingField(
                "timesheet.rules.allow_overbooking_budget", "checkbox", N_("Allow booking beyond budgets")
            ),
            SettingField("timesheet.rules.require_activity", "checkbox", N_("An entry needs an activity")),
            SettingField("timesheet.rules.break_time_active", "checkbox", N_("Record breaks")),
            SettingField(
                "timesheet.rules.long_running_duration",
                "number",
                N_("Longest allowed duration (minutes)"),
                N_("0 means no limit."),
            ),
        ),
    ),
    (
        N_("Lockdown"),
        (
            SettingField(
                "timesheet.rules.lockdown_period_start",
                "text",
                N_("Lockdown period start"),
                N_("A relative date such as “first day of last month”; empty disables the lockdown."),
            ),
            SettingField(
                "timesheet.rules.lockdown_period_end",
                "text",
                N_("Lockdown period end"),
                N_("A relative date such as “last day of last month 23:59:59”."),
            ),
            SettingField(
                "timesheet.rules.lockdown_grace_period",
                "text",
                N_("Grace period"),
                N_("Until when people may still change locked entries, such as “+10 days”."),
            ),
            SettingField(
                "timesheet.rules.lockdown_period_timezone",
                "timezone",
                N_("Timezone of the lockdown"),
                N_("Empty: each person's own timezone."),
            ),
        ),
    ),
    (
        N_("Durations"),
        (
            SettingField("timesheet.duration_increment", "number", N_("Duration steps (minutes)")),
            SettingField("timesheet.time_increment", "number", N_("Time steps (minutes)")),
        ),
    ),
)
SETTING_FIELDS = {f.name: f for _, fields in TIMESHEET_SETTINGS for f in fields}
assert set(SETTING_FIELDS) <= set(SETTINGS), "every field edits a known setting"


def _require(web_user: WebUser, permission: str) -> None:
    if not web_user.actor.can(permission):
        raise Forbidden(permission)


def _setting_values(form: FormData) -> dict[str, str]:
    values: dict[str, str] = {}
    for name, spec in SETTING_FIELDS.items():
        if spec.kind == "checkbox":
            values[name] = "1" if form.get(name) else "0"
        elif spec.kind == "weekdays":
            chosen = set(form.getlist(name))
            values[name] = ",".join(day for day in WEEKDAY_NAMES if day in chosen)
        else:
            raw = form.get(name)
            values[name] = raw.strip() if isinstance(raw, str) else ""
    return values


def _settings_page(
    session: Session, web_user: WebUser, state: FormState | None = None, status_code: int = 200
) -> Response:
    if state is None:
        config = load_config(session)
        state = FormState({name: config.raw(name) for name in SETTING_FIELDS})
    return render(
        web_user.ui,
        "admin/settings.html",
        {
            "sections": TIMESHEET_SETTINGS,
            "form": state,
            "weekdays": [(day, WEEKDAY_LABELS[day]) for day in WEEKDAY_NAMES],
            "timezones": timezone_choices(),
        },
        status_code=status_code,
    )


@router.get("/admin/settings", name="admin_settings")
def settings_page(session: SessionDep, web_user: SignedInDep) -> Response:
    _require(web_user, "system_configuration")
    return _settings_page(session, web_user)


@router.post("/admin/settings", name="admin_settings_submit")
def save_settings(session: SessionDep, web_user: SignedInDep, form: CheckedFormDep) -> Response:
    values = _setting_values(form)
    try:
        update_settings(session, web_user.actor, values)
    except ValidationFailed as exc:
        session.rollback()
        return _settings_page(session, web_user, FormState.failed(values, exc), status_code=422)
    return RedirectResponse("/admin/settings?saved=settings", status_code=303)


def _permission_rows(matrix: RoleMatrix) -> list[tuple[str, list[str]]]:
    groups: dict[str, list[str]] = {}
    for permission in ALL_PERMISSIONS:
        groups.setdefault(permission_group(permission), []).append(permission)
    return list(groups.items())


PERMISSION_GROUP_LABELS = {
    "activity": N_("Activities"),
    "project": N_("Projects"),
    "customer": N_("Customers"),
    "invoice": N_("Invoices"),
    "timesheet": N_("Timesheets"),
    "profile": N_("Profiles"),
    "tag": N_("Tags"),
    "user": N_("Users"),
    "team": N_("Teams"),
    "reporting": N_("Reporting"),
    "system": N_("System"),
}
ROLE_LABELS = {
    "ROLE_USER": N_("User"),
    "ROLE_TEAMLEAD": N_("Team lead"),
    "ROLE_ADMIN": N_("Administrator"),
    "ROLE_SUPER_ADMIN": N_("System administrator"),
}


def _permissions_page(
    web_user: WebUser, matrix: RoleMatrix, status_code: int = 200, errors: list[str] | None = None
) -> Response:
    return render(
        web_user.ui,
        "admin/permissions.html",
        {
            "matrix": matrix,
            "groups": _permission_rows(matrix),
            "group_labels": PERMISSION_GROUP_LABELS,
            "role_labels": ROLE_LABELS,
            "errors": errors or [],
        },
        status_code=status_code,
    )


@router.get("/admin/permissions", name="admin_permissions")
def permissions_page(session: SessionDep, web_user: SignedInDep) -> Response:
    return _permissions_page(web_user, load_role_matrix(session, web_user.actor))


@router.post("/admin/permissions", name="admin_permissions_submit")
def save_permissions(session: SessionDep, web_user: SignedInDep, form: CheckedFormDep) -> Response:
    current = load_role_matrix(session, web_user.actor)
    wanted: dict[str, set[str]] = {role: set() for role in current.roles}
    for cell in form.getlist("grant"):
        role, _, permission = str(cell).partition(":")
        if role in wanted:
            wanted[role].add(permission)
    try:
        save_role_matrix(session, web_user.actor, wanted)
    except ValidationFailed as exc:
        session.rollback()
        return _permissions_page(web_user, current, status_code=422, errors=exc.global_errors)
    return RedirectResponse("/admin/permissions?saved=permissions", status_code=303)
