"""What a user may do with one customer, project or activity (Kimai's entity voters).

An attribute (`view`, `edit`, `budget`, `time`, `delete`, `permissions`, `comments`, `details` …)
is granted by the role permission `<attribute>_<entity>`, or by `<attribute>_teamlead_<entity>`
when the user leads one of the record's teams, or by `<attribute>_team_<entity>` when the user is
a member of one of them. A project also counts its customer's teams; a project activity its
project's and customer's teams. `create` and `delete` have no team variants. A record that does
not exist yet (None) has no teams, so only the role permission counts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, TypeVar

from sqlalchemy.orm import Session

from horae.activities.models import Activity
from horae.customers.models import Customer
from horae.errors import Forbidden
from horae.projects.models import Project
from horae.security.permissions import Actor

if TYPE_CHECKING:
    from horae.teams.models import Team

ROLE_ONLY_ATTRIBUTES = frozenset({"create", "delete"})
Record = TypeVar("Record", Customer, Project, Activity)


def _granted_through_teams(
    actor: Actor, attribute: str, kind: str, team_groups: Sequence[Iterable[Team]]
) -> bool:
    return granted_through_team_ids(
        actor, attribute, kind, [[team.id for team in teams] for teams in team_groups]
    )


def granted_through_team_ids(
    actor: Actor, attribute: str, kind: str, team_id_groups: Sequence[Iterable[int]]
) -> bool:
    """The team variants of `attribute` on a record whose teams (and its parents') are given by id."""
    as_lead = actor.can(f"{attribute}_teamlead_{kind}")
    as_member = actor.can(f"{attribute}_team_{kind}")
    if not as_lead and not as_member:
        return False
    for team_ids in team_id_groups:
        for team_id in team_ids:
            if as_lead and team_id in actor.led_team_ids:
                return True
            if as_member and team_id in actor.team_ids:
                return True
    return False


def has_team_variant(actor: Actor, attribute: str, kind: str) -> bool:
    """Whether the team variants of `attribute` could grant it where the role permission does not."""
    return actor.can(f"{attribute}_teamlead_{kind}") or actor.can(f"{attribute}_team_{kind}")


def can_customer(actor: Actor, attribute: str, customer: Customer | None) -> bool:
    if actor.can(f"{attribute}_customer"):
        return True
    if attribute in ROLE_ONLY_ATTRIBUTES or customer is None:
        return False
    return _granted_through_teams(actor, attribute, "customer", [customer.teams])


def can_project(actor: Actor, attribute: str, project: Project | None) -> bool:
    if actor.can(f"{attribute}_project"):
        return True
    if attribute in ROLE_ONLY_ATTRIBUTES or project is None:
        return False
    return _granted_through_teams(actor, attribute, "project", [project.teams, project.customer.teams])


def can_activity(actor: Actor, attribute: str, activity: Activity | None) -> bool:
    if actor.can(f"{attribute}_activity"):
        return True
    if attribute in ROLE_ONLY_ATTRIBUTES or activity is None:
        return False
    groups: list[Iterable[Team]] = [activity.teams]
    if activity.project is not None:
        groups += [activity.project.teams, activity.project.customer.teams]
    return _granted_through_teams(actor, attribute, "activity", groups)


def can(actor: Actor, attribute: str, entity: Customer | Project | Activity) -> bool:
    """Whether the actor holds `attribute` on the given customer, project or activity."""
    if isinstance(entity, Customer):
        return can_customer(actor, attribute, entity)
    if isinstance(entity, Project):
        return can_project(actor, attribute, entity)
    if isinstance(entity, Activity):
        return can_activity(actor, attribute, entity)
    raise TypeError(f"no attribute rules for {type(entity).__name__}")


def can_on_new(actor: Actor, attribute: str, kind: str) -> bool:
    """The attribute on a record about to be created: only the plain role permission counts."""
    return actor.can(f"{attribute}_{kind}")


def budget_grants(actor: Actor, entity: Customer | Project | Activity) -> tuple[bool, bool]:
    """(money budget, time budget): which budget fields the actor may see and send for a record."""
    return can(actor, "budget", entity), can(actor, "time", entity)


@dataclass(frozen=True)
class RecordAccess(Generic[Record]):
    """One kind of catalog record (`customer`, `project`, `activity`): how to load a record and
    the voter that decides what a user may do with it."""

    kind: str
    load: Callable[[Session, int], Record]
    can: Callable[[Actor, str, Record], bool]

    def require(self, actor: Actor, record: Record, *attributes: str) -> None:
        """Forbidden unless the actor holds every one of the attributes on the record."""
        if not all(self.can(actor, attribute, record) for attribute in attributes):
            raise Forbidden("permission denied")

    def load_for(self, session: Session, actor: Actor, record_id: int, *attributes: str) -> Record:
        """The record (NotFound first), if the actor holds every one of the attributes on it."""
        record = self.load(session, record_id)
        self.require(actor, record, *attributes)
        return record
