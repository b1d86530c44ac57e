"""Teams: the list with search, the create and edit form (name, colour, members with their
teamlead flag), access to customers, projects and activities, and delete.

The form is the API's team form and the writes go through the teams service, so the member
choices, the teamlead rule and the permissions (teamleads change only the teams they lead) are
the API's.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from horae.activities.models import Activity
from horae.api.deps import SessionDep
from horae.api.params import ascii_digits
from horae.api.routing import UnitOfWorkRoute
from horae.customers.models import Customer
from horae.errors import NotFound, ValidationFailed
from horae.projects.models import Project
from horae.teams import service
from horae.teams.models import Team
from horae.teams.schemas import TEAM_FORM
from horae.users.service import selectable_users
from horae.web.auth import SignedInDep, WebUser
from horae.web.csrf import CheckedFormDep
from horae.web.forms import FormState, color_context, color_options
from horae.web.i18n import N_
from horae.web.navigation import NavItem, register
from horae.web.paging import read_page, requested_page
from horae.web.rendering import SAVED_MESSAGES, render

router = APIRouter(route_class=UnitOfWorkRoute, include_in_schema=False)

register(NavItem("teams", N_("Teams"), "admin", ("view_team",), prefix="/teams"))
SAVED_MESSAGES.update(
    {
        "team_created": N_("The team has been created."),
        "team_saved": N_("The team has been saved."),
        "team_deleted": N_("The team has been deleted."),
        "team_access": N_("The team's access has been changed."),
    }
)
# The team service's own message, shown at the members in the person's language.
TEAM_MESSAGES = (N_("At least one team leader must be assigned to the team."),)
# Empty member rows offered below the current members (the page works without JavaScript).
SPARE_ROWS = 3
MAX_ROWS = 500
LINK_KINDS = (
    ("customers", N_("Customers")),
    ("projects", N_("Projects")),
    ("activities", N_("Activities")),
)


def _record_label(record: Customer | Project | Activity) -> str:
    if isinstance(record, Project):
        return f"{record.customer.name} / {record.name}"
    if isinstance(record, Activity) and record.project is not None:
        return f"{record.project.name} / {record.name}"
    return record.name


# --- reading --------------------------------------------------------------------------------------


@router.get("/teams", name="teams")
def team_list(request: Request, session: SessionDep, web_user: SignedInDep) -> Response:
    actor = web_user.actor
    term = (request.query_params.get("term") or "").strip()[:200]
    teams, pager = read_page(
        lambda offset, limit: service.find_teams(session, actor, term or None, offset=offset, limit=limit),
        requested_page(request),
        {"term": term},
    )
    return render(
        web_user.ui,
        "teams.html",
        {
            "rows": [
                (team, access, service.may_edit(actor, team), service.may_delete(actor, team))
                for team, access in teams
            ],
            "term": term,
            "pager": pager,
            "can_create": actor.can("create_team"),
        },
    )


# --- the form -------------------------------------------------------------------------------------


def _rows_of(form: FormData) -> list[tuple[str, bool]]:
    raw_count = form.get("member_rows")
    count = int(raw_count) if isinstance(raw_count, str) and ascii_digits(raw_count) else 0
    rows = []
    for index in range(min(count, MAX_ROWS)):
        user = form.get(f"members.{index}.user")
        rows.append((user if isinstance(user, str) else "", f"members.{index}.teamlead" in form))
    return rows


def _body(form: FormData, rows: list[tuple[str, bool]]) -> tuple[dict[str, Any], dict[str, str]]:
    """The API body, and how its member positions map back to the page's rows."""
    members: list[dict[str, Any]] = []
    rename: dict[str, str] = {}
    for index, (user, teamlead) in enumerate(rows):
        if not user:
            continue
        rename[f"members.{len(members)}.user"] = f"members.{index}.user"
        rename[f"members.{len(members)}.teamlead"] = f"members.{index}.teamlead"
        members.append({"user": user, "teamlead": teamlead})
    name, color = form.get("name"), form.get("color")
    body = {
        "name": name if isinstance(name, str) else "",
        "color": color if isinstance(color, str) and color else None,
        "members": members,
    }
    return body, rename


def _values_of(team: Team) -> dict[str, Any]:
    return {
        "name": team.name,
        "color": team.color or "",
        "members": [(str(member.user_id), member.teamlead) for member in team.members],
    }


def _edit_page(
    session: Session, web_user: WebUser, form: FormState, team: Team | None, *, status_code: int = 200
) -> Response:
    actor = web_user.actor
    rows = [row for row in form.value("members", []) if row[0]] + [("", False)] * SPARE_ROWS
    current = [member.user_id for member in team.members] if team is not None else []
    users = selectable_users(session, actor, keep=current)
    links: list[dict[str, Any]] = []
    if team is not None:
        for kind, label in LINK_KINDS:
            linked = sorted(getattr(team, kind), key=lambda record: record.name.lower())
            choosable = service.linkable_records(session, actor, kind)
            linked_ids = {record.id for record in linked}
            links.append(
                {
                    "kind": kind,
                    "label": label,
                    "linked": [(record, _record_label(record)) for record in linked],
                    "removable": {record.id for record in choosable},
                    "options": [
                        (str(record.id), _record_label(record))
                        for record in choosable
                        if record.id not in linked_ids
                    ],
                }
            )
    return render(
        web_user.ui,
        "team_edit.html",
        {
            "form": form,
            "team": team,
            "rows": rows,
            "users": [(str(user.id), user.display_name) for user in users],
            "colors": color_options(session, team.color if team else None),
            "links": links,
            "can_delete": team is not None and service.may_delete(actor, team),
        },
        status_code=status_code,
    )


def _save(
    session: Session, web_user: WebUser, form: FormData, team: Team | None
) -> tuple[Team | None, Response | None]:
    actor = web_user.actor
    rows = _rows_of(form)
    body, rename = _body(form, rows)
    ctx = color_context(session, actor, team.color if team else None)
    try:
        data = TEAM_FORM.parse(body, partial=False, ctx=ctx)
        if team is None:
            saved = service.create_team(session, actor, data.values)
        else:
            saved = service.update_team(session, actor, team, data.values)
    except ValidationFailed as exc:
        session.rollback()
        team_id = team.id if team is not None else None
        reloaded = service.load_team(session, team_id) if team_id is not None else None
        values = {"name": body["name"], "color": body["color"] or "", "members": rows}
        state = FormState.failed(values, exc, rename)
        return None, _edit_page(session, web_user, state, reloaded, status_code=422)
    return saved, None


@router.get("/teams/create", name="team_create")
def create_page(session: SessionDep, web_user: SignedInDep) -> Response:
    service.require_create(web_user.actor)
    values = {"name": "", "color": "", "members": [(str(web_user.actor.id), True)]}
    return _edit_page(session, web_user, FormState(values), None)


@router.post("/teams/create", name="team_create_save")
def create(session: SessionDep, web_user: SignedInDep, form: CheckedFormDep) -> Response:
    service.require_create(web_user.actor)
    team, failed = _save(session, web_user, form, None)
    if failed is not None or team is None:
        return failed or Response(status_code=500)
    return RedirectResponse(f"/teams/{team.id}/edit?saved=team_created", status_code=303)


@router.get("/teams/{team_id:int}/edit", name="team_edit")
def edit_page(team_id: int, session: SessionDep, web_user: SignedInDep) -> Response:
    team = service.load_team(session, team_id)
    service.require_edit(web_user.actor, team)
    return _edit_page(session, web_user, FormState(_values_of(team)), team)


@router.post("/teams/{team_id:int}/edit", name="team_edit_save")
def edit(team_id: int, session: SessionDep, web_user: SignedInDep, form: CheckedFormDep) -> Response:
    team = service.load_team(session, team_id)
    service.require_edit(web_user.actor, team)
    _, failed = _save(session, web_user, form, team)
    if failed is not None:
        return failed
    return RedirectResponse(f"/teams/{team_id}/edit?saved=team_saved", status_code=303)


@router.post("/teams/{team_id:int}/delete", name="team_delete")
def delete(team_id: int, session: SessionDep, web_user: SignedInDep, form: CheckedFormDep) -> Response:
    service.delete_team(session, web_user.actor, team_id)
    return RedirectResponse("/teams?saved=team_deleted", status_code=303)


# --- access to customers, projects and activities ----------------------------------------------


def _kind(kind: str) -> str:
    if kind not in dict(LINK_KINDS):
        raise NotFound(kind)
    return kind


@router.post("/teams/{team_id:int}/access/{kind}", name="team_access_add")
def grant(
    team_id: int, kind: str, session: SessionDep, web_user: SignedInDep, form: CheckedFormDep
) -> Response:
    raw = form.get("record")
    if not isinstance(raw, str) or not ascii_digits(raw) or len(raw) > 9:
        return RedirectResponse(f"/teams/{team_id}/edit#access", status_code=303)
    service.change_link(session, web_user.actor, team_id, _kind(kind), int(raw), grant=True)
    return RedirectResponse(f"/teams/{team_id}/edit?saved=team_access#access", status_code=303)


@router.post("/teams/{team_id:int}/access/{kind}/{record_id:int}/delete", name="team_access_delete")
def revoke(
    team_id: int, kind: str, record_id: int, session: SessionDep, web_user: SignedInDep, form: CheckedFormDep
) -> Response:
    service.change_link(session, web_user.actor, team_id, _kind(kind), record_id, grant=False)
    return RedirectResponse(f"/teams/{team_id}/edit?saved=team_access#access", status_code=303)
