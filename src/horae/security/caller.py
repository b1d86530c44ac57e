"""The calling account, read as plain rows and handed out as detached ORM instances.

Every authenticated request loads its caller: the account, its preferences (timezone, language)
and its team memberships. Through the mapper's eager loaders that costs more CPU than the whole
query of a small answer, so the caller is read here with two column statements and assembled
into `User`, `UserPreference` and `TeamMember` instances made detached, exactly as if a session
had loaded them and closed. Their columns, `preferences` and `memberships` are set; the other
relationships (the supervisor, a membership's team) are not loaded and raise when read: code that
needs them loads the account in its own session (as `/api/users/me` does).

The instances made for an account are kept with the rows they were made from and the accounts'
generation read with the account's row (`catalog_cache`: a counter in the database that every
change of an account, its preferences, its tokens or its teams moves at its commit, in every
process and on every host). While the generation is the one they were made under and the
account's row is unchanged, the kept instances are handed out again without the second
statement; otherwise the preferences and memberships are read, and the instances are made anew
only when those rows differ. The generation is read before (or with) the rows it labels, so kept
instances are never older than their generation. The instances are shared by the requests of
one account and never changed: code that changes an account loads it in its own session, and
`Session.merge(load=False)` copies them.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from functools import cache
from typing import Any, TypeVar, cast

from sqlalchemy import (
    BindParameter,
    Boolean,
    Integer,
    String,
    bindparam,
    inspect,
    literal,
    null,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from horae.catalog_cache import keep
from horae.teams.models import TeamMember
from horae.users.models import User, UserPreference

M = TypeVar("M")
V = TypeVar("V")


@cache
def _keys(model: type) -> tuple[str, ...]:
    """The attribute names of a model's columns that load with it (not the deferred ones: a
    user's time entries' counter, which moves with every change of them)."""
    attributes: Any = inspect(model).column_attrs
    return tuple(prop.key for prop in attributes if not prop.deferred)


@cache
def columns(model: type) -> tuple[Any, ...]:
    """The loaded column attributes of a model, labelled with their attribute names."""
    return tuple(getattr(model, key).label(key) for key in _keys(model))


def detached(model: type[M], values: Mapping[Any, Any]) -> M:
    """An instance of `model` holding `values` as loaded, attached to no session."""
    keys = _keys(cast(type, model))
    instance = model(**{key: value for key, value in values.items() if key in keys})
    make_transient_to_detached(instance)
    return instance


@cache
def _preferences_and_memberships() -> Any:
    """One statement, built once: the user's preferences, then their memberships, by id.

    The two row kinds share one column list (a preference's `name`/`value`, a membership's
    `team_id`/`teamlead`; the other pair is NULL), so a request reads its caller's settings
    and teams in one round trip."""
    user_id: BindParameter[int] = bindparam("user_id")
    text, flag, number = String(), Boolean(), Integer()
    preferences = select(
        literal(0).label("kind"),
        UserPreference.id.label("id"),
        UserPreference.name.label("name"),
        UserPreference.value.label("value"),
        type_coerce(null(), number).label("team_id"),
        type_coerce(null(), flag).label("teamlead"),
    ).where(UserPreference.user_id == user_id)
    memberships = select(
        literal(1),
        TeamMember.id,
        type_coerce(null(), text),
        type_coerce(null(), text),
        TeamMember.team_id,
        TeamMember.teamlead,
    ).where(TeamMember.user_id == user_id)
    both = union_all(preferences, memberships).subquery()
    return select(both).order_by(both.c.kind, both.c.id)


MADE_LIMIT = 4096


class KeptCallers:
    """What one database's requests keep of their callers, held by its `Database` (in its
    sessions' `info`): two databases served by one process have unrelated generations."""

    def __init__(self) -> None:
        # By account id: the accounts' generation and the rows they were made from, and the
        # account made.
        self.made: dict[int, tuple[int | None, tuple[Any, ...], User]] = {}
        # Kept Bearer tokens by their SHA-256 and API passwords by a keyed digest of the login
        # and the password (security/authentication.py).
        self.tokens: dict[str, Any] = {}
        self.passwords: dict[bytes, tuple[int, User]] = {}
        # By account id and what was read: values made from the account's own records and the
        # catalog's names, with the counters they were read under (`kept_own`).
        self.own: dict[tuple[int, Hashable], tuple[tuple[int | None, ...], Any]] = {}
        # The permission matrix's grants by role, with the accounts' generation and the matrix's
        # epoch they were read under (security/permissions.PermissionMatrix).
        self.grants: tuple[tuple[int, int], dict[str, frozenset[str]]] | None = None


def kept_callers(session: Session) -> KeptCallers:
    """The session's database's kept callers; a session made elsewhere keeps nothing."""
    kept: KeptCallers | None = session.info.get("kept_callers")
    return KeptCallers() if kept is None else kept


def kept_own(
    session: Session, user_id: int, counters: tuple[int | None, ...], key: Hashable, read: Callable[[], V]
) -> V:
    """`read()`, a value made from an account's own records and the catalog's names, kept per
    account and `key` while `counters` are unchanged: those of the account's records, of
    everyone's and of the catalog, as read with its web session (`LiveWebSession.
    records_counters`). Any change of them, in any process, moves one of the counters at its
    commit. Without counters (a counter's row missing: None) the value is read every time.
    The value is shared by the requests of the account: it must not be changed."""
    if not counters or None in counters:
        return read()
    kept = kept_callers(session).own
    found = kept.get((user_id, key))
    if found is not None and found[0] == counters:
        value: V = found[1]
        return value
    value = read()
    keep(kept, (user_id, key), (counters, value), MADE_LIMIT)
    return value


def load_caller(session: Session, values: Mapping[Any, Any], generation: int | None = None) -> User:
    """The account of a row read with `columns(User)`, with its preferences and memberships.

    `generation` is the accounts' generation read with the row or before it (None: not read)."""
    user_id = values["id"]
    account = tuple(values[key] for key in _keys(User))
    made = kept_callers(session).made
    kept = made.get(user_id)
    if kept is not None and generation is not None and kept[0] == generation and kept[1][0] == account:
        return kept[2]
    rows = tuple(
        tuple(row)
        for row in session.connection().execute(_preferences_and_memberships(), {"user_id": user_id})
    )
    made_from = (account, rows)
    if kept is not None and kept[1] == made_from:
        user = kept[2]
    else:
        user = _make_caller(values, rows)
    keep(made, user_id, (generation, made_from, user), MADE_LIMIT)
    return user


def _make_caller(values: Mapping[Any, Any], rows: tuple[tuple[Any, ...], ...]) -> User:
    """The detached account with the preferences and memberships of `rows`."""
    user = detached(User, values)
    preferences: list[UserPreference] = []
    memberships: list[TeamMember] = []
    for kind, row_id, name, value, team_id, teamlead in rows:
        if kind == 0:
            preferences.append(
                detached(UserPreference, {"id": row_id, "user_id": user.id, "name": name, "value": value})
            )
        else:
            memberships.append(
                detached(
                    TeamMember, {"id": row_id, "user_id": user.id, "team_id": team_id, "teamlead": teamlead}
                )
            )
    set_committed_value(user, "preferences", preferences)
    set_committed_value(user, "memberships", memberships)
    return user
