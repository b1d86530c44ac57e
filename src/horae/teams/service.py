"""Teams: members and teamleads, and the customers, projects and activities a team may use."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Select, func, literal, select, union_all
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from horae.activities.models import Activity
from horae.customers.models import Customer
from horae.db import count_rows
from horae.errors import Conflict, Forbidden, NotFound, ValidationFailed
from horae.projects.models import Project
from horae.search import contains
from horae.security.permissions import ROLE_ADMIN, ROLE_SUPER_ADMIN, Actor
from horae.teams.models import Team, TeamMember, team_activities, team_customers, team_projects
from horae.users.models import User
from horae.users.service import can_access_user, require_on_user, selectable_user

NAME_TAKEN = "This value is already used."
MISSING_TEAMLEAD = "At least one team leader must be assigned to the team."
INVALID_CHOICE = "The selected choice is invalid."


def _entity_options() -> list[Any]:
    """Everything a TeamEntity shows, in a fixed number of queries."""
    return [
        selectinload(Team.members).selectinload(TeamMember.user),
        selectinload(Team.customers).selectinload(Customer.meta),
        selectinload(Team.projects).selectinload(Project.meta),
        selectinload(Team.activities).selectinload(Activity.meta),
    ]


def load_team(session: Session, team_id: int) -> Team:
    """A team with its members and linked records loaded; NotFound if it does not exist."""
    team = session.scalars(select(Team).where(Team.id == team_id).options(*_entity_options())).first()
    if team is None:
        raise NotFound("team")
    return team


# --- permissions (Kimai's team voter) ---------------------------------------------------------


def _may_change(actor: Actor, team: Team, permission: str) -> bool:
    """edit/delete a team: admins, or a teamlead of this very team, with the role permission."""
    if not actor.can(permission):
        return False
    if actor.has_role(ROLE_ADMIN) or actor.has_role(ROLE_SUPER_ADMIN):
        return True
    return team.id in actor.led_team_ids


def require_edit(actor: Actor, team: Team) -> None:
    if not _may_change(actor, team, "edit_team"):
        raise Forbidden("edit team")


def _leads_any(actor: Actor, *team_lists: Sequence[Team]) -> bool:
    return any(team.id in actor.led_team_ids for teams in team_lists for team in teams)


def may_manage_access(actor: Actor, record: Customer | Project | Activity) -> bool:
    """The `permissions` attribute: `permissions_<entity>`, or `permissions_teamlead_<entity>`
    and teamlead of one of the record's teams (or of its parents' teams)."""
    if isinstance(record, Customer):
        kind, teams = "customer", [record.teams]
    elif isinstance(record, Project):
        kind, teams = "project", [record.teams, record.customer.teams]
    else:
        kind, teams = "activity", [record.teams]
        if record.project is not None:
            teams += [record.project.teams, record.project.customer.teams]
    if actor.can(f"permissions_{kind}"):
        return True
    return actor.can(f"permissions_teamlead_{kind}") and _leads_any(actor, *teams)


# --- reading ----------------------------------------------------------------------------------


def _listed_teams(actor: Actor, term: str | None) -> Select[Any]:
    """All teams for view_all_data, otherwise the teams the caller leads; by name."""
    if not actor.can("view_team"):
        raise Forbidden("view_team")
    query = select(Team)
    if not actor.sees_all:
        query = query.where(Team.id.in_(actor.led_team_ids or {0}))
    if term:
        query = query.where(contains(Team.name, term))
    return query.order_by(func.lower(Team.name), Team.id)


def list_teams(session: Session, actor: Actor, term: str | None = None) -> list[Team]:
    """All teams for view_all_data, otherwise the teams the caller leads; by name.

    term: part of the name.
    """
    query = _listed_teams(actor, term)
    if not actor.sees_all and not actor.led_team_ids:
        return []
    return list(session.scalars(query).all())


@dataclass(frozen=True)
class TeamAccess:
    """How many customers, projects and activities a team gives access to."""

    customers: int = 0
    projects: int = 0
    activities: int = 0


def find_teams(
    session: Session, actor: Actor, term: str | None = None, *, offset: int = 0, limit: int = 50
) -> tuple[list[tuple[Team, TeamAccess]], int]:
    """One page of the listed teams with their members and how many records each gives access
    to, and how many teams match in all (the web list; a fixed number of queries)."""
    query = _listed_teams(actor, term)
    if not actor.sees_all and not actor.led_team_ids:
        return [], 0
    total = count_rows(session, query)
    page = query.offset(offset).limit(limit).options(selectinload(Team.members).selectinload(TeamMember.user))
    teams = list(session.scalars(page).all())
    counts: dict[int, dict[str, int]] = {team.id: {} for team in teams}
    if teams:
        links = [
            select(literal(name).label("kind"), table.c.team_id, func.count().label("records"))
            .where(table.c.team_id.in_(counts))
            .group_by(table.c.team_id)
            for name, table in (
                ("customers", team_customers),
                ("projects", team_projects),
                ("activities", team_activities),
            )
        ]
        for kind, team_id, records in session.execute(union_all(*links)):
            counts[team_id][kind] = int(records)
    return [(team, TeamAccess(**counts[team.id])) for team in teams], total


def assignable_teams(session: Session, actor: Actor) -> list[Team]:
    """The teams a caller may give a new record or a user: all with view_all_data, else the led
    ones; by name."""
    query = select(Team).order_by(func.lower(Team.name), Team.id)
    if not actor.sees_all:
        query = query.where(Team.id.in_(actor.led_team_ids or {0}))
    return list(session.scalars(query).all())


def may_edit(actor: Actor, team: Team) -> bool:
    return _may_change(actor, team, "edit_team")


def may_delete(actor: Actor, team: Team) -> bool:
    return _may_change(actor, team, "delete_team")


def get_team(session: Session, actor: Actor, team_id: int) -> Team:
    team = load_team(session, team_id)
    if not actor.can("view_team"):
        raise Forbidden("view_team")
    return team


# --- writing ----------------------------------------------------------------------------------


def require_create(actor: Actor) -> None:
    if not actor.can("create_team"):
        raise Forbidden("create_team")


def _check(
    session: Session,
    actor: Actor,
    values: Mapping[str, Any],
    team: Team | None,
) -> tuple[dict[str, list[str]], list[tuple[User, bool]]]:
    """Validates name and members; returns the errors and the members to keep (first entry of a
    user wins)."""
    errors: dict[str, list[str]] = {}
    if values.get("name"):
        query = select(Team.id).where(func.lower(Team.name) == values["name"].lower())
        if team is not None:
            query = query.where(Team.id != team.id)
        if session.scalars(query).first() is not None:
            errors["name"] = [NAME_TAKEN]
    members: list[tuple[User, bool]] = []
    if "members" not in values:
        return errors, members
    entries: list[dict[str, Any]] = values["members"]
    current = {member.user_id for member in team.members} if team is not None else set()
    wanted = {entry["user"] for entry in entries}
    users = (
        {user.id: user for user in session.scalars(select(User).where(User.id.in_(wanted)))} if wanted else {}
    )
    seen: set[int] = set()
    for index, entry in enumerate(entries):
        user = users.get(entry["user"])
        # Current members stay valid choices even when they could not be picked any more.
        if user is None or (user.id not in current and not selectable_user(actor, user)):
            errors[f"members.{index}.user"] = [INVALID_CHOICE]
            continue
        if user.id not in seen:
            seen.add(user.id)
            members.append((user, entry["teamlead"]))
    if not any(teamlead for _, teamlead in members) and not any(k.startswith("members.") for k in errors):
        errors["members"] = [MISSING_TEAMLEAD]
    return errors, members


def _replace_members(team: Team, members: list[tuple[User, bool]]) -> None:
    # Kept members keep their rows: deleting and re-inserting would collide on (team, user).
    existing = {member.user_id: member for member in team.members}
    result = []
    for user, teamlead in members:
        member = existing.get(user.id) or TeamMember(user=user)
        member.teamlead = teamlead
        result.append(member)
    team.members = result


def _flush_unique(session: Session) -> None:
    try:
        session.flush()
    except IntegrityError as exc:
        # Two requests creating the same name at once: the database constraint decides.
        raise ValidationFailed({"name": [NAME_TAKEN]}) from exc


def create_team(session: Session, actor: Actor, values: Mapping[str, Any]) -> Team:
    """POST /api/teams (full submit): a name, and members with at least one teamlead."""
    require_create(actor)
    errors, members = _check(session, actor, values, None)
    if errors:
        raise ValidationFailed(errors)
    team = Team(name=values["name"], color=values.get("color"))
    _replace_members(team, members)
    session.add(team)
    _flush_unique(session)
    return load_team(session, team.id)


def update_team(session: Session, actor: Actor, team: Team, values: Mapping[str, Any]) -> Team:
    """PATCH /api/teams/{id}: sent `members` replace the whole list."""
    require_edit(actor, team)
    errors, members = _check(session, actor, values, team)
    if errors:
        raise ValidationFailed(errors)
    if "name" in values:
        team.name = values["name"]
    if "color" in values:
        team.color = values["color"]
    if "members" in values:
        _replace_members(team, members)
    _flush_unique(session)
    return load_team(session, team.id)


def delete_team(session: Session, actor: Actor, team_id: int) -> None:
    team = load_team(session, team_id)
    if not _may_change(actor, team, "delete_team"):
        raise Forbidden("delete team")
    session.delete(team)
    session.flush()


def add_member(session: Session, actor: Actor, team_id: int, user_id: int) -> Team:
    """Adds a user as a plain member; needs `edit` on the team and `access_user` on the user."""
    team = load_team(session, team_id)
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("user")
    require_edit(actor, team)
    if not can_access_user(actor, user):
        raise Forbidden("access_user")
    if any(member.user_id == user.id for member in team.members):
        raise Conflict("User is already member of the team")
    team.members.append(TeamMember(user=user, teamlead=False))
    session.flush()
    return load_team(session, team.id)


def remove_member(session: Session, actor: Actor, team_id: int, user_id: int) -> Team:
    team = load_team(session, team_id)
    if session.get(User, user_id) is None:
        raise NotFound("user")
    require_edit(actor, team)
    member = next((m for m in team.members if m.user_id == user_id), None)
    if member is None:
        raise Conflict("User is not a member of the team")
    if member.teamlead:
        raise Conflict("Cannot remove teamlead")
    team.members.remove(member)
    session.flush()
    return load_team(session, team.id)


LinkedRecord = Customer | Project | Activity
_LINKED_MODELS: dict[str, type[LinkedRecord]] = {
    "customers": Customer,
    "projects": Project,
    "activities": Activity,
}


def change_link(
    session: Session, actor: Actor, team_id: int, kind: str, record_id: int, *, grant: bool
) -> Team:
    """Grants (or revokes) the team access to a customer, project or activity."""
    team = load_team(session, team_id)
    record = cast(LinkedRecord | None, session.get(_LINKED_MODELS[kind], record_id))
    if record is None:
        raise NotFound(kind)
    require_edit(actor, team)
    if not may_manage_access(actor, record):
        raise Forbidden(f"permissions on {kind}")
    linked: list[Any] = getattr(team, kind)
    if grant:
        if record in linked:
            raise Conflict(f"Team has already access to {kind}")
        linked.append(record)
    else:
        if record not in linked:
            raise Conflict(f"Team has no access to {kind}")
        linked.remove(record)
    session.flush()
    return load_team(session, team.id)


def set_teams_of_user(session: Session, actor: Actor, user: User, team_ids: Sequence[int]) -> None:
    """The teams of a user's form (the `teams` attribute on the user): chosen teams out of the
    caller's assignable ones are joined as a plain member, unchosen ones left; teams the caller
    cannot assign stay as they are. A team's last teamlead cannot leave it this way."""
    require_on_user(actor, "teams", user)
    choosable = {team.id: team for team in assignable_teams(session, actor)}
    wanted = set(team_ids)
    if wanted - set(choosable):
        raise ValidationFailed({"teams": [INVALID_CHOICE]})
    current = {membership.team_id: membership for membership in user.memberships}
    leaving = [m for team_id, m in current.items() if team_id in choosable and team_id not in wanted]
    for membership in leaving:
        team = membership.team
        if membership.teamlead and not any(m.teamlead and m.user_id != user.id for m in team.members):
            raise ValidationFailed({"teams": [MISSING_TEAMLEAD]})
    for membership in leaving:
        membership.team.members.remove(membership)
        user.memberships.remove(membership)
    for team_id in sorted(wanted - set(current)):
        user.memberships.append(TeamMember(team=choosable[team_id], teamlead=False))
    session.flush()


def linkable_records(session: Session, actor: Actor, kind: str) -> list[LinkedRecord]:
    """The customers, projects or activities whose team access the caller may change, by name."""
    model = _LINKED_MODELS[kind]
    customer_teams = selectinload(Customer.teams)
    options: list[Any] = [customer_teams]
    if model is Project:
        options = [selectinload(Project.teams), selectinload(Project.customer).selectinload(Customer.teams)]
    elif model is Activity:
        parent = selectinload(Activity.project)
        options = [
            selectinload(Activity.teams),
            parent.selectinload(Project.teams),
            parent.selectinload(Project.customer).selectinload(Customer.teams),
        ]
    query = select(model).options(*options).order_by(func.lower(model.name), model.id)
    records = cast(list[LinkedRecord], list(session.scalars(query)))
    return [record for record in records if may_manage_access(actor, record)]
