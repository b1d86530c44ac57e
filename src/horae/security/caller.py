"""The calling account, read as plain rows and handed out as detached ORM instances.

Every authenticated request loads its caller: the account, its preferences (timezone, language)
and its team memberships. Through the mapper's eager loaders that costs more CPU than the whole
query of a small answer, so the caller is read here with three column statements and assembled
into `User`, `UserPreference` and `TeamMember` instances made detached, exactly as if a session
had loaded them and closed. Their columns, `preferences` and `memberships` are set; the other
relationships (the supervisor, a membership's team) are not loaded and raise when read: code that
needs them loads the account in its own session (as `/api/users/me` does).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any, TypeVar

from sqlalchemy import bindparam, inspect, select
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from horae.teams.models import TeamMember
from horae.users.models import User, UserPreference

M = TypeVar("M")


@cache
def columns(model: type) -> tuple[Any, ...]:
    """The mapped column attributes of a model, labelled with their attribute names."""
    keys: list[str] = inspect(model).column_attrs.keys()
    return tuple(getattr(model, key).label(key) for key in keys)


def detached(model: type[M], values: Mapping[Any, Any]) -> M:
    """An instance of `model` holding `values` as loaded, attached to no session."""
    keys = set(inspect(model).column_attrs.keys())
    instance = model(**{key: value for key, value in values.items() if key in keys})
    make_transient_to_detached(instance)
    return instance


@cache
def _related(model: Any) -> Any:
    """One statement per related model, built once: its columns for one user, by id."""
    return select(*columns(model)).where(model.user_id == bindparam("user_id")).order_by(model.id)


def load_caller(session: Session, values: Mapping[Any, Any]) -> User:
    """The account of a row read with `columns(User)`, with its preferences and memberships."""
    user = detached(User, values)
    connection = session.connection()
    for key, model in (("preferences", UserPreference), ("memberships", TeamMember)):
        rows = connection.execute(_related(model), {"user_id": user.id}).mappings()
        set_committed_value(user, key, [detached(model, row) for row in rows])
    return user
