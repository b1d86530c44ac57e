"""Rates of customers, projects and activities: for every user, or for one user.

`RecordRates` serves the use cases of one kind of record: only a user who may edit the record
sees or changes its rates. A rate is unique per parent and user; the shared rate has `user_key`
0 so that the database constraint covers it too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Generic

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from horae.errors import NotFound
from horae.rates.models import ActivityRate, CustomerRate, ProjectRate, RateColumns
from horae.rates.schemas import RATE_FORM
from horae.security.attributes import Record, RecordAccess
from horae.security.permissions import Actor
from horae.users.models import User
from horae.users.service import selectable_users_condition

RATE_MODELS: dict[str, tuple[type[RateColumns], str]] = {
    "customer": (CustomerRate, "customer_id"),
    "project": (ProjectRate, "project_id"),
    "activity": (ActivityRate, "activity_id"),
}
ALREADY_USED = "This value is already used."
INVALID_CHOICE = "The selected choice is invalid."


def _model(kind: str) -> tuple[Any, Any]:
    model, column = RATE_MODELS[kind]
    return model, getattr(model, column)


def list_rates(session: Session, kind: str, parent_id: int) -> list[RateColumns]:
    """The rates of one parent, oldest first, with their users loaded."""
    model, parent = _model(kind)
    return list(session.scalars(select(model).where(parent == parent_id).order_by(model.id)).unique())


def add_rate(session: Session, actor: Actor, kind: str, parent_id: int, body: Any) -> RateColumns:
    """Creates a rate from a rate form body; a second rate for the same user is refused on `user`."""
    values = RATE_FORM.parse(body, partial=True).values
    model, parent = _model(kind)
    user_id = values.get("user")
    if user_id is not None:
        found = session.scalar(select(User.id).where(User.id == user_id, selectable_users_condition(actor)))
        if found is None:
            raise RATE_FORM.fail({"user": [INVALID_CHOICE]})
    user_key = user_id or 0
    taken = session.scalar(select(model.id).where(parent == parent_id, model.user_key == user_key))
    if taken is not None:
        raise RATE_FORM.fail({"user": [ALREADY_USED]})
    rate = model(
        user_id=user_id,
        user_key=user_key,
        rate=_amount(values, "rate") or Decimal(0),
        internal_rate=_amount(values, "internalRate"),
        fixed=bool(values.get("isFixed", False)),
    )
    setattr(rate, parent.key, parent_id)
    try:
        with session.begin_nested():
            session.add(rate)
            session.flush()
    except IntegrityError as exc:
        # A concurrent request stored the same (parent, user) pair first.
        raise RATE_FORM.fail({"user": [ALREADY_USED]}) from exc
    session.refresh(rate)
    return rate


def _amount(values: Mapping[str, Any], name: str) -> Decimal | None:
    value = values.get(name)
    return None if value is None else Decimal(value)


def delete_rate(session: Session, kind: str, parent_id: int, rate_id: int) -> None:
    """Deletes one rate of the parent; a rate of another parent is not found."""
    model, parent = _model(kind)
    rate = session.get(model, rate_id) if rate_id <= 2**31 - 1 else None
    if rate is None or getattr(rate, parent.key) != parent_id:
        raise NotFound("rate")
    session.delete(rate)
    session.flush()


def copy_rates(session: Session, kind: str, source_id: int, target_id: int) -> None:
    """Gives `target_id` a copy of every rate of `source_id` (both parents of kind `kind`)."""
    model, parent = _model(kind)
    for rate in list_rates(session, kind, source_id):
        copy = model(
            user_id=rate.user_id,
            user_key=rate.user_key,
            rate=rate.rate,
            internal_rate=rate.internal_rate,
            fixed=rate.fixed,
        )
        setattr(copy, parent.key, target_id)
        session.add(copy)
    session.flush()


@dataclass(frozen=True)
class RecordRates(Generic[Record]):
    """The rates of one kind of catalog record, for callers who may edit the record."""

    access: RecordAccess[Record]

    def rates(self, session: Session, actor: Actor, record_id: int) -> list[RateColumns]:
        record = self.access.load_for(session, actor, record_id, "edit")
        return list_rates(session, self.access.kind, record.id)

    def add(self, session: Session, actor: Actor, record_id: int, body: Any) -> RateColumns:
        record = self.access.load_for(session, actor, record_id, "edit")
        return add_rate(session, actor, self.access.kind, record.id, body)

    def delete(self, session: Session, actor: Actor, record_id: int, rate_id: int) -> None:
        record = self.access.load_for(session, actor, record_id, "edit")
        delete_rate(session, self.access.kind, record.id, rate_id)
