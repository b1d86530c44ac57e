"""API endpoints that serve the web app: context-menu actions and the dashboard's widgets
(contract ENTITIES_AND_ADMIN §10, PageAction in §1.12). /api/favorites lives with the timesheets.

Actions are built from Horae's own web routes, so a menu never links to a page that does not
exist; each entry is offered only when the caller holds its permission on the record.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter
from sqlalchemy.orm import Session
from starlette.responses import Response

from horae.activities import service as activities
from horae.api.deps import ActorDep, SessionDep
from horae.api.openapi import answers, register_schema
from horae.api.params import ascii_digits
from horae.api.responses import json_response
from horae.api.routing import UnitOfWorkRoute
from horae.customers import service as customers
from horae.errors import NotFound
from horae.projects import service as projects
from horae.security.attributes import can
from horae.security.permissions import Actor
from horae.timesheets.service import TimesheetService
from horae.users.models import User
from horae.users.service import set_preference
from horae.web.i18n import N_, translations, ui_language

router = APIRouter(route_class=UnitOfWorkRoute, prefix="/api")

DASHBOARD_PREFERENCE = "dashboard_widgets"
DEFAULT_WIDGETS = (
    "PaginatedWorkingTimeChart",
    "DurationToday",
    "DurationWeek",
    "DurationMonth",
    "DurationYear",
)
# The selectable widgets and the permission each needs (None: every signed-in user).
_PERIODS = ("Today", "Week", "Month", "Year", "Total")
WIDGETS: dict[str, str | None] = {
    "PaginatedWorkingTimeChart": "view_own_timesheet",
    "UserTeams": None,
    "UserTeamProjects": None,
    **{f"userDuration{period}": "view_own_timesheet" for period in _PERIODS},
    **{f"userAmount{period}": "view_rate_own_timesheet" for period in _PERIODS},
    **{f"Duration{period}": "view_other_timesheet" for period in _PERIODS},
    **{f"Amount{period}": "view_rate_other_timesheet" for period in _PERIODS},
    **{f"activeUsers{period}": "view_other_timesheet" for period in _PERIODS},
}

register_schema(
    "PageAction",
    {
        "type": "object",
        "required": ["id", "title", "url", "class", "attr", "divider"],
        "properties": {
            "id": {"type": "string"},
            "title": {"type": "string", "nullable": True},
            "url": {"type": "string", "nullable": True},
            "class": {"type": "string", "nullable": True},
            # Kimai writes an empty attribute map as an empty JSON array.
            "attr": {
                "oneOf": [
                    {"type": "object", "additionalProperties": {"type": "string"}},
                    {"type": "array", "maxItems": 0},
                ]
            },
            "divider": {"type": "boolean"},
        },
    },
)


@dataclass
class PageAction:
    id: str
    title: str | None = None
    url: str | None = None
    css_class: str | None = None
    attr: dict[str, str] = field(default_factory=dict)

    def json(self, gettext: Any) -> dict[str, Any]:
        divider = ("divider" in self.id and self.url is None) or self.id == "trash"
        return {
            "id": self.id,
            "title": gettext(self.title) if self.title else None,
            "url": self.url,
            "class": self.css_class,
            # PHP serialises an empty associative array as a list.
            "attr": {k: gettext(v) if k == "data-confirm" else v for k, v in self.attr.items()} or [],
            "divider": divider,
        }


def _posted(path: str, confirm: str | None = None) -> dict[str, str]:
    """Actions that change data are forms posted to the page route (with the page's token)."""
    attributes = {"data-method": "POST", "data-action": path}
    if confirm:
        attributes["data-confirm"] = confirm
    return attributes


def _timesheet_actions(session: Session, actor: Actor, record_id: int) -> list[PageAction]:
    service = TimesheetService(session, actor)
    record = service.get(record_id)
    allowed = service.access.can
    result: list[PageAction] = []
    if allowed("start", record):
        result.append(
            PageAction(
                "repeat", N_("Start"), attr=_posted(f"/timesheets/{record.id}/restart"), css_class="api-link"
            )
        )
    if allowed("edit", record):
        result.append(PageAction("edit", N_("Edit"), url=f"/timesheets/{record.id}/edit"))
    if allowed("duplicate", record):
        result.append(PageAction("copy", N_("Duplicate"), attr=_posted(f"/timesheets/{record.id}/duplicate")))
    if allowed("delete", record):
        result.append(PageAction("divider0"))
        result.append(
            PageAction(
                "trash",
                N_("Delete"),
                attr=_posted(f"/timesheets/{record.id}/delete", N_("Delete this entry?")),
                css_class="text-red",
            )
        )
    return result


def _catalog_actions(actor: Actor, kind: str, entity: Any) -> list[PageAction]:
    result: list[PageAction] = []
    path = {"customer": "/customers", "project": "/projects", "activity": "/activities"}[kind]
    if can(actor, "edit", entity):
        result.append(PageAction("edit", N_("Edit"), url=f"{path}/{entity.id}/edit"))
    child = {"customer": "project", "project": "activity"}.get(kind)
    if child and actor.can(f"create_{child}"):
        child_path = "/projects" if child == "project" else "/activities"
        title = N_("New project") if child == "project" else N_("New activity")
        result.append(PageAction(f"create-{child}", title, url=f"{child_path}/create?parent={entity.id}"))
    if actor.can("view_own_timesheet"):
        result.append(PageAction("filter", N_("My times"), url=f"/timesheets?{kind}={entity.id}"))
    return result


def _page_actions(kind: str, entity_id: str, locale: str, actor: Actor, session: Session) -> Response:
    if not ascii_digits(entity_id) or len(entity_id) > 10:
        raise NotFound(kind)
    number = int(entity_id)
    if kind == "timesheet":
        actions = _timesheet_actions(session, actor, number)
    elif kind == "customer":
        actions = _catalog_actions(actor, kind, customers.get_customer(session, actor, number))
    elif kind == "project":
        actions = _catalog_actions(actor, kind, projects.get_project(session, actor, number))
    else:
        actions = _catalog_actions(actor, kind, activities.get_activity(session, actor, number))
    gettext = translations(ui_language(locale.replace("-", "_"))).gettext
    return json_response([action.json(gettext) for action in actions])


def _install_actions(kind: str, entity: str) -> None:
    def page_actions(id: str, view: str, locale: str, actor: ActorDep, session: SessionDep) -> Response:
        # `view` names Kimai's page; Horae's menus are the same on every page.
        return _page_actions(kind, id, locale, actor, session)

    router.add_api_route(
        f"/actions/{kind}/{{id}}/{{view}}/{{locale}}",
        page_actions,
        methods=["GET"],
        tags=["Default"],
        operation_id=f"get_{kind}_actions",
        summary=f"The context menu of {entity} in the web app (PageAction array)",
        responses=answers("PageAction", array=True),
    )


for _kind, _entity in (
    ("timesheet", "a timesheet"),
    ("activity", "an activity"),
    ("project", "a project"),
    ("customer", "a customer"),
):
    _install_actions(_kind, _entity)


# --- dashboard widgets ------------------------------------------------------------------------------


def dashboard_widgets(user: User) -> list[str]:
    """The person's chosen widgets in order; the defaults until they change anything."""
    stored = user.preference(DASHBOARD_PREFERENCE)
    if not stored:
        return list(DEFAULT_WIDGETS)
    return [name for name in stored.split(",") if name]


def _selectable(actor: Actor, widget: str) -> bool:
    if widget not in WIDGETS:
        return False
    permission = WIDGETS[widget]
    return permission is None or actor.can(permission)


@router.post(
    "/dashboard/widgets/{widget}",
    tags=["Default"],
    operation_id="post_dashboard_widget",
    summary="Adds a widget to the current user's dashboard",
    status_code=204,
    responses=answers(status=204, description="Added"),
)
def add_widget(widget: str, actor: ActorDep, session: SessionDep) -> Response:
    if not _selectable(actor, widget):
        raise NotFound("widget")
    user = session.get(User, actor.id)
    assert user is not None, "the authenticated user exists"
    widgets = dashboard_widgets(user)
    if widget not in widgets:
        widgets.append(widget)
    set_preference(user, DASHBOARD_PREFERENCE, ",".join(widgets))
    return Response(status_code=204)


@router.delete(
    "/dashboard/widgets",
    tags=["Default"],
    operation_id="delete_dashboard_widgets",
    summary="Resets the current user's dashboard to the default widgets",
    status_code=204,
    responses=answers(status=204, description="Reset"),
)
def reset_widgets(actor: ActorDep, session: SessionDep) -> Response:
    user = session.get(User, actor.id)
    assert user is not None, "the authenticated user exists"
    if user.preference(DASHBOARD_PREFERENCE) is not None:
        set_preference(user, DASHBOARD_PREFERENCE, None)
    return Response(status_code=204)
