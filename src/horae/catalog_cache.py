"""Answers of the catalog lists, kept while the catalog does not change.

`GET /api/customers`, `/api/projects` and `/api/activities` are not paginated: with a large
catalog each answer is megabytes of JSON that takes a second or more to build, and clients fetch
the same lists again and again while the catalog itself changes rarely. A built answer is kept
in memory (per process, bounded in bytes, least recently used out first) and served again as
long as the catalog's generation has not moved.

The generation is a counter in the database (`generations`, row `catalog`; `tags` for the tag
searches), so every worker and every host sees the same one. A unit of work that writes a table
an answer or a kept value reads (customers, projects, activities and their rates, teams and
their links, custom fields and their definitions, the configuration; tags) is noticed by an ORM
flush hook and a hook on bulk statements, and moves the counter at commit, as its last write:
the new value commits or rolls back with the change, and the counter's row lock is only ever
the last lock a transaction takes. A list reads the generation before its rows: whatever rows it
then reads are at least as new as that generation, so an answer is never kept under a generation
older than the data it shows.

The key holds everything else an answer depends on: the list and its parameters, the caller, the
caller's roles, permissions and team memberships (read fresh on every request), and the caller's
current date (projects running today).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING, Any, TypeVar, cast
from zoneinfo import ZoneInfo

from sqlalchemy import (
    BigInteger,
    Connection,
    Engine,
    String,
    bindparam,
    column,
    event,
    insert,
    inspect,
    select,
    table,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, make_transient_to_detached, mapped_column
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from horae.db import Base

if TYPE_CHECKING:
    from horae.security.permissions import Actor

T = TypeVar("T")
E = TypeVar("E")

CATALOG = "catalog"
TAGS = "tags"
# The accounts: what authenticating a caller reads (security/caller.py, security/authentication.py),
# and the roles' permissions their actors are granted (security/permissions.py).
ACCOUNTS = "accounts"
ACCOUNT_TABLES = frozenset(
    {"users", "user_preferences", "access_tokens", "teams", "team_members", "roles", "role_permissions"}
)
# Tables whose content shows in a catalog list or in a kept value (the configured rates).
CATALOG_TABLES = frozenset(
    {
        "customers",
        "projects",
        "activities",
        "customer_rates",
        "project_rates",
        "activity_rates",
        "teams",
        "team_members",
        "team_customers",
        "team_projects",
        "team_activities",
        "customer_meta",
        "project_meta",
        "activity_meta",
        "meta_field_definitions",
        "configuration",
    }
)
# The time entries. A change of one user's records moves that user's own counter, a column of
# the user's row (`users.timesheets_generation`), which every write of the user's records has
# already locked; a change that cannot say whose records it touched (a bulk statement without
# OWNERS, an export's marks) moves the counter of everyone's records instead.
TIMESHEETS = "timesheets"
TIMESHEET_TABLES = frozenset({"timesheets", "timesheet_tags", "timesheet_meta"})
# Each generation and the tables whose changes move it.
WATCHED = {
    CATALOG: CATALOG_TABLES,
    TAGS: frozenset({"tags"}),
    ACCOUNTS: ACCOUNT_TABLES,
    TIMESHEETS: TIMESHEET_TABLES,
}
# The execution option of a bulk statement that changes nothing a kept value reads (a token's
# time of last use).
UNWATCHED = "horae_unwatched"
# The execution option of a bulk statement on the time entries' tables: the ids of the users
# whose records it writes (without it, the statement moves the counter of everyone's records).
OWNERS = "horae_timesheet_owners"
DEFAULT_BUDGET_BYTES = 64 * 1024 * 1024


class Generation(Base):
    """A counter that moves whenever the data behind some cached answers changes."""

    __tablename__ = "generations"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)


@cache
def _current_value() -> Any:
    """Built once: every kept answer reads its counter first."""
    return select(Generation.value).where(Generation.name == bindparam("name"))


def generation_key(name: str) -> str:
    """The key of the counter `name` in the rows of a statement that reads it as a column."""
    return f"{name}_generation"


def generation_column(name: str) -> Any:
    """The counter `name` as a column of another statement, read in the same round trip (NULL
    when its row is missing)."""
    current = select(Generation.value).where(Generation.name == name).scalar_subquery()
    return current.label(generation_key(name))


def generation(session: Session, name: str = CATALOG) -> int:
    """The current value (0 before the first change)."""
    found = session.connection().execute(_current_value(), {"name": name}).first()
    return int(found[0]) if found else 0


def advance(connection: Connection, name: str = CATALOG) -> None:
    """Moves the counter in the connection's transaction."""
    step = update(Generation).where(Generation.name == name).values(value=Generation.value + 1)
    if not connection.execute(step).rowcount:
        # The rows are created with the schema (`ensure_generations`); one deleted since is
        # written again here, in this transaction, from a value no earlier count can have
        # reached (microseconds since 1970), so that no kept answer matches it by chance.
        connection.execute(insert(Generation).values(name=name, value=time.time_ns() // 1000))


def ensure_generations(engine: Engine) -> None:
    """Creates the missing counters, each in a transaction of its own (run after migrating)."""
    for name in WATCHED:
        with engine.connect() as connection:
            if connection.execute(select(Generation.name).where(Generation.name == name)).first():
                continue
            try:
                connection.execute(insert(Generation).values(name=name, value=0))
                connection.commit()
            except IntegrityError:  # another process created it meanwhile
                connection.rollback()


_TOUCHED = "generations_touched"
_OWNERS_TOUCHED = "timesheet_owners_touched"


def _generations_of(table: str | None) -> tuple[str, ...]:
    return tuple(name for name, tables in WATCHED.items() if table in tables)


def _touch(session: Session, names: Iterable[str]) -> None:
    session.info.setdefault(_TOUCHED, set()).update(names)


def touch_timesheets(session: Session, owners: Iterable[int] | None) -> None:
    """Notes a change of the records of `owners` (None: of anyone's) in the session's
    transaction, for a write the session's hooks do not see (a statement on its connection)."""
    if owners is None:
        _touch(session, (TIMESHEETS,))
    else:
        session.info.setdefault(_OWNERS_TOUCHED, set()).update(owners)


def _note(session: Session, instance: object) -> None:
    table_name = getattr(instance, "__tablename__", None)
    if table_name in TIMESHEET_TABLES:
        touch_timesheets(session, _owners_of(session, instance))
    else:
        _touch(session, _generations_of(table_name))


def _owners_of(session: Session, instance: object) -> set[int] | None:
    """The user whose records a changed record or custom field belongs to; None when that
    cannot be told, or when the record changes hands (a write locks its record's owner before
    anything else, not the new owner: moving that one's counter could deadlock)."""
    state = inspect(instance)
    if "user_id" not in state.attrs:  # a record's custom field: its record's owner
        record_ids = [i for i in state.attrs.timesheet_id.history.sum() if i is not None]
        mapper = state.mapper.relationships["timesheet"].mapper
        records = [session.identity_map.get(identity_key(mapper.class_, i)) for i in record_ids]
        records.extend(state.attrs.timesheet.history.sum())
        owners: set[int] = set()
        for record in records:
            found = None if record is None else _owners_of(session, record)
            if found is None:
                return None
            owners |= found
        return owners or None
    ids = set(state.attrs.user_id.history.sum())
    ids.update(getattr(user, "id", None) for user in state.attrs.user.history.sum())
    ids.discard(None)
    return ids if len(ids) == 1 else None


@event.listens_for(Session, "before_flush")
def _note_flushed_changes(session: Session, _context: Any, _instances: Any) -> None:
    for instance in (*session.new, *session.deleted):
        _note(session, instance)
    for instance in session.dirty:
        if _generations_of(getattr(instance, "__tablename__", None)) and session.is_modified(instance):
            _note(session, instance)


@event.listens_for(Session, "do_orm_execute")
def _note_bulk_changes(state: ORMExecuteState) -> None:
    options = state.execution_options
    if (state.is_insert or state.is_update or state.is_delete) and not options.get(UNWATCHED):
        table_name = getattr(getattr(state.statement, "table", None), "name", None)
        if table_name in TIMESHEET_TABLES:
            touch_timesheets(state.session, options.get(OWNERS))
        else:
            _touch(state.session, _generations_of(table_name))


# A user's own counter, without the ORM's User (whose instances never load it).
_OWNER_COUNTERS = table("users", column("id"), column("timesheets_generation"))


_ADVANCE_OWNER_SQLITE = "UPDATE users SET timesheets_generation = timesheets_generation + 1 WHERE id = ?"


@cache
def _advance_owner() -> Any:
    users = _OWNER_COUNTERS.c
    return (
        update(_OWNER_COUNTERS)
        .where(users.id == bindparam("user_id"))
        .values(timesheets_generation=users.timesheets_generation + 1)
    )


@event.listens_for(Session, "before_commit")
def _advance_at_commit(session: Session) -> None:
    # The last flush first, so that its changes are noted; then the counters move as the very
    # last writes of the transaction: first the owners' rows, which every write of a user's
    # records locks before its records, then the shared counters. A transaction takes a
    # shared counter's row lock only when it has nothing left to lock, so it can never wait
    # for another lock while holding it.
    session.flush()
    owners = sorted(session.info.pop(_OWNERS_TOUCHED, ()))
    if owners:
        connection = session.connection()
        if connection.dialect.name == "sqlite":
            # Every write of a time entry runs it: straight to the driver, as BEGIN is.
            driver = connection.connection.driver_connection
            assert driver is not None
            driver.executemany(_ADVANCE_OWNER_SQLITE, [(owner,) for owner in owners])
        else:
            connection.execute(_advance_owner(), [{"user_id": owner} for owner in owners])
    for name in sorted(session.info.pop(_TOUCHED, ())):
        advance(session.connection(), name)


@event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, transaction: Any) -> None:
    if transaction.parent is None:  # a rolled-back transaction's changes are gone with it
        session.info.pop(_TOUCHED, None)
        session.info.pop(_OWNERS_TOUCHED, None)
        session.info.pop(_READ, None)
        session.info.pop(_ACCOUNTS_READ, None)


_READ = "generations_read"
_ACCOUNTS_READ = "accounts_generation_read"


def note_accounts_read(session: Session, value: int | None) -> None:
    """Notes the accounts' generation as this transaction's authentication read it, with or
    before the caller's rows; the first read holds. What is kept of the accounts is checked
    against it (`accounts_read`) without reading it again."""
    if value is not None:
        session.info.setdefault(_ACCOUNTS_READ, int(value))


def accounts_read(session: Session) -> int:
    """The accounts' generation as this transaction first read it; read now if nothing has."""
    found: int | None = session.info.get(_ACCOUNTS_READ)
    if found is None:
        found = session.info[_ACCOUNTS_READ] = generation(session, ACCOUNTS)
    return found


def changes_watched(session: Session, name: str) -> bool:
    """Whether this transaction has written, or holds unwritten changes of, a table the counter
    `name` watches: what it reads of them may not commit, and is not kept."""
    return name in session.info.get(_TOUCHED, ()) or _changes(session, WATCHED[name])


@cache
def _kept_generations() -> Any:
    """The counters kept values are read under, in one round trip."""
    return select(Generation.name, Generation.value).where(Generation.name.in_([CATALOG, TAGS]))


def _generation_read(session: Session, name: str) -> int:
    """The counter `name` (CATALOG or TAGS) as this transaction read it first: both are read
    together, once per transaction."""
    read: dict[str, int] | None = session.info.get(_READ)
    if read is None:
        rows = session.connection().execute(_kept_generations()).all()
        read = session.info[_READ] = {row_name: int(value) for row_name, value in rows}
    return read.get(name, 0)


class KeptValues:
    """Values derived from the catalog's tables (the timesheet settings, the team restrictions),
    one per name, kept while the catalog's generation is unchanged.

    Writes of time entries read them on every request; kept, they cost the generation's
    primary-key read (once per transaction) instead of their statements. A unit of work that
    itself changes the catalog builds them afresh: the generation moves only at its commit."""

    def __init__(self) -> None:
        self._kept: dict[str, tuple[int, Any]] = {}

    def get(self, session: Session, name: str, build: Callable[[Session], T], under: str = CATALOG) -> T:
        """The value `name`, kept under the counter `under` (CATALOG or TAGS)."""
        if session.info.get(_TOUCHED) or _changes(session, WATCHED[under]):
            return build(session)
        current = _generation_read(session, under)
        kept = self._kept.get(name)
        if kept is not None and kept[0] == current:
            value: T = kept[1]
            return value
        value = build(session)
        self._kept[name] = (current, value)  # one assignment: readers see the old or the new pair
        return value


def _changes(session: Session, tables: frozenset[str]) -> bool:
    pending = (*session.new, *session.deleted, *session.dirty)
    return any(getattr(instance, "__tablename__", None) in tables for instance in pending)


def kept_value(session: Session, name: str, build: Callable[[Session], T], under: str = CATALOG) -> T:
    """`build(session)`, kept while the counter `under` (the catalog's, or the tags') is
    unchanged where the session's database keeps values (every session of `Database`)."""
    values = session.info.get("kept_values")
    return build(session) if values is None else values.get(session, name, build, under)


K = TypeVar("K")
V = TypeVar("V")


def keep(store: dict[K, V], key: K, value: V, limit: int) -> V:
    """Stores `value` under `key`, the whole store dropped first when it holds `limit` entries
    (the bound of every kept map here: simpler than an order of use, and a full store is rare)."""
    if len(store) >= limit:
        store.clear()
    store[key] = value
    return value


# At most this many lists of tag names are kept (`kept_tags`).
KEPT_TAG_LISTS = 2_000


def kept_tags(session: Session, names: list[str], read: Callable[[list[str]], list[E]]) -> list[E]:
    """`read(names)`, the tags a write names, from copies kept while the tags are unchanged.

    Every write of a time entry with tags reads them by name. The answer for one list of names
    is kept as detached copies under the tags' generation (read in the same statement as the
    catalog's) and merged into a later unit of work without a statement, as `kept_entity` does.
    The list as given is the key: the same names give the same tags while no tag changes."""
    known: dict[tuple[str, ...], tuple[Any, ...]] = kept_value(
        session, "tag_lists", lambda _session: {}, TAGS
    )
    key = tuple(names)
    kept = known.get(key)
    if kept is not None:
        return [session.merge(copy, load=False) for copy in kept]
    found = read(names)
    keep(known, key, tuple(_detached_copy(tag) for tag in found), KEPT_TAG_LISTS)
    return found


# At most this many customers, projects and activities are kept (`kept_entity`): a copy of a
# project with its customer takes a few kilobytes.
KEPT_ENTITIES = 2_000
_UNREAD = object()


def kept_entity(session: Session, model: type[E], entity_id: int) -> E | None:
    """`session.get(model, entity_id)` for a customer, project or activity, from a copy kept while
    the catalog is unchanged.

    Every write of a time entry reads its project and activity, each with its chain of parents
    (an activity's project and customer), which costs the ORM as much as a dozen cells of a
    list. Once read, a detached copy of the instance and of its loaded parents is kept; a later
    unit of work takes the copy in with `Session.merge(load=False)`, as the session would have
    loaded it, without a statement. An entity already in the unit of work is its own. (A
    session holds clean instances weakly: the caller keeps the one returned while it needs it.)"""
    present = session.identity_map.get(identity_key(model, entity_id))
    if present is not None:
        return cast(E, present)
    known: dict[tuple[type, int], Any] = kept_value(session, "catalog_entities", lambda _session: {})
    kept = known.get((model, entity_id), _UNREAD)
    if kept is None:
        return None
    if kept is not _UNREAD:
        return session.merge(kept, load=False)
    loaded = session.get(model, entity_id)
    keep(known, (model, entity_id), None if loaded is None else _detached_copy(loaded), KEPT_ENTITIES)
    return loaded


def _detached_copy(instance: E) -> E:
    """A detached instance holding the loaded columns of `instance`, and copies of its loaded
    many-to-one parents (what the mapper's joined loaders read with it)."""
    state = inspect(instance)
    mapper = state.mapper
    loaded = state.dict
    columns = (attribute.key for attribute in mapper.column_attrs)
    copy = mapper.class_(**{key: loaded[key] for key in columns if key in loaded})
    make_transient_to_detached(copy)
    for relationship in mapper.relationships:
        if relationship.uselist or relationship.key not in loaded:
            continue
        parent = loaded[relationship.key]
        set_committed_value(copy, relationship.key, None if parent is None else _detached_copy(parent))
    return cast(E, copy)


class AnswerCache:
    """Answers by key, each valid for one generation (a counter's value, or a tuple of them); at
    most `budget` bytes in all, an answer's size being its length unless given."""

    def __init__(self, budget: int = DEFAULT_BUDGET_BYTES) -> None:
        self.budget = budget
        self._entries: OrderedDict[Hashable, tuple[Hashable, Any, int]] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, key: Hashable, current: Hashable) -> Any:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if entry[0] != current:
                self._drop(key)
                return None
            self._entries.move_to_end(key)
            return entry[1]

    def put(self, key: Hashable, current: Hashable, answer: Any, size: int | None = None) -> None:
        size = len(answer) if size is None else size
        if size > self.budget:
            return
        with self._lock:
            if key in self._entries:
                self._drop(key)
            self._entries[key] = (current, answer, size)
            self._size += size
            while self._size > self.budget:
                self._drop(next(iter(self._entries)))

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._size = 0

    def _drop(self, key: Hashable) -> None:
        self._size -= self._entries.pop(key)[2]

    def __len__(self) -> int:
        return len(self._entries)


def caller_key(actor: Actor) -> tuple[Any, ...]:
    """What a catalog list depends on of the caller."""
    user = actor.user
    memberships = tuple(sorted((m.team_id, bool(m.teamlead)) for m in user.memberships))
    today = datetime.now(ZoneInfo(actor.timezone)).date()
    return (user.id, tuple(sorted(user.roles)), actor.permissions, memberships, today)


def cached_list(
    session: Session, actor: Actor, kind: str, parameters: object, build: Callable[[], bytes]
) -> bytes:
    """The answer of a catalog list for this caller: kept from an earlier identical request while
    the catalog's generation is unchanged, else built by `build` and kept."""
    return cached_answer(session, CATALOG, (kind, repr(parameters), caller_key(actor)), build)


def cached_answer(session: Session, name: str, key: Hashable, build: Callable[[], bytes]) -> bytes:
    """The answer under `key`, valid while the generation `name` is unchanged."""
    cache = session.info.get("answer_cache")
    if cache is None or not cache.budget:
        return build()
    current = generation(session, name)
    answer: bytes | None = cache.get((name, key), current)
    if answer is None:
        answer = build()
        cache.put((name, key), current, answer)
    return answer


@cache
def _own_records_counters() -> Any:
    """What a list of one user's records depends on: the user's counter, everyone's records',
    and the catalog's, the tags' and the accounts' counters, in one round trip."""
    own = _OWNER_COUNTERS.c.timesheets_generation
    shared = (generation_column(name) for name in (TIMESHEETS, CATALOG, TAGS, ACCOUNTS))
    return select(own, *shared).where(_OWNER_COUNTERS.c.id == bindparam("user_id"))


def cached_own_records(
    session: Session, actor: Actor, key: Hashable, build: Callable[[], tuple[T, bytes]]
) -> tuple[T, bytes]:
    """A list of the caller's own time entries, `build()` giving a value (the count of every
    page) and the answer's bytes: kept from an earlier identical request while none of the
    caller's records, nothing of the catalog, the tags or the accounts has changed."""
    cache = session.info.get("answer_cache")
    if cache is None or not cache.budget or session.info.get(_TOUCHED) or session.info.get(_OWNERS_TOUCHED):
        return build()
    found = session.connection().execute(_own_records_counters(), {"user_id": actor.id}).first()
    if found is None:
        return build()
    current, full_key = tuple(found), (TIMESHEETS, key, caller_key(actor))
    answer: tuple[T, bytes] | None = cache.get(full_key, current)
    if answer is None:
        answer = build()
        cache.put(full_key, current, answer, size=len(answer[1]))
    return answer
