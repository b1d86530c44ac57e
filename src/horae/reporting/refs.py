"""The names shown next to report figures, loaded with one statement per kind of record."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from horae.activities.models import Activity
from horae.customers.models import Customer
from horae.projects.models import Project
from horae.users.models import User

PROJECTS = Project.__table__
CUSTOMERS = Customer.__table__
ACTIVITIES = Activity.__table__
USERS = User.__table__


@dataclass(frozen=True)
class CustomerRef:
    id: int
    name: str
    number: str | None = None
    currency: str | None = None
    color: str | None = None


@dataclass(frozen=True)
class ProjectRef:
    id: int
    name: str
    customer: CustomerRef
    number: str | None = None
    color: str | None = None


@dataclass(frozen=True)
class ActivityRef:
    id: int
    name: str
    number: str | None = None
    color: str | None = None


@dataclass(frozen=True)
class UserRef:
    id: int
    username: str
    alias: str | None = None
    color: str | None = None
    enabled: bool = True

    @property
    def display_name(self) -> str:
        return self.alias or self.username


def sort_key(name: str) -> str:
    return name.casefold()


def load_projects(session: Session, ids: Iterable[int]) -> dict[int, ProjectRef]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    p, c = PROJECTS.c, CUSTOMERS.c
    rows = session.execute(
        select(
            p.id,
            p.name,
            p.number,
            p.color,
            c.id.label("customer_id"),
            c.name.label("customer_name"),
            c.number.label("customer_number"),
            c.currency,
            c.color.label("customer_color"),
        )
        .select_from(PROJECTS.join(CUSTOMERS, c.id == p.customer_id))
        .where(p.id.in_(wanted))
    ).all()
    return {
        row.id: ProjectRef(
            row.id,
            row.name,
            CustomerRef(
                row.customer_id, row.customer_name, row.customer_number, row.currency, row.customer_color
            ),
            row.number,
            row.color,
        )
        for row in rows
    }


def load_activities(session: Session, ids: Iterable[int]) -> dict[int, ActivityRef]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    a = ACTIVITIES.c
    rows = session.execute(select(a.id, a.name, a.number, a.color).where(a.id.in_(wanted))).all()
    return {row.id: ActivityRef(row.id, row.name, row.number, row.color) for row in rows}


def user_ref(row: Any) -> UserRef:
    return UserRef(row.id, row.username, row.alias, row.color, bool(row.enabled))


def load_users(session: Session, ids: Iterable[int]) -> dict[int, UserRef]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    u = USERS.c
    rows = session.execute(
        select(u.id, u.username, u.alias, u.color, u.enabled).where(u.id.in_(wanted))
    ).all()
    return {row.id: user_ref(row) for row in rows}
