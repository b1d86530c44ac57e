"""Exports of a filtered timesheet list: permission checks, then one streamed unit of work.

Who gets which rows is the list's rule (contract TIMESHEETS §7.5) with the export permissions:
own records need `export_own_timesheet`; other users' records `view_other_timesheet` and
`export_other_timesheet`. Rate columns need the rate permissions, "mark as exported" needs
`edit_export_own_timesheet` (and `edit_export_other_timesheet` when other users' records can be
part of it).

"Mark as exported" happens in the export's own transaction: the ids of the matching rows are
first pinned in a temporary table, the rows are streamed, then exactly those ids are marked and
the transaction commits before the last bytes go out. A client that stops reading leaves
nothing marked.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Generator, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from horae.catalog_cache import touch_timesheets
from horae.db import Database, utcnow
from horae.errors import BadRequest, Forbidden
from horae.exports.columns import ExportColumn, Fields, choose_columns
from horae.exports.filters import ExportFilter, sees_other_users
from horae.exports.formatting import Formatter, locale_of
from horae.exports.source import count_rows, export_rows, id_table, matching_ids, stream
from horae.exports.writers import FORMATS, ExportFormat
from horae.exports.writers.base import Batch, Document
from horae.meta.models import MetaFieldDefinition
from horae.reporting.scope import shows_rates
from horae.security.permissions import Actor
from horae.timesheets.models import Timesheet

OTHER_PERMISSION = "export_other_timesheet"


@dataclass(frozen=True)
class ExportRequest:
    """What to export and how: the list filters, the format, columns and options."""

    format: str
    filter: ExportFilter = field(default_factory=ExportFilter)
    # Column keys in order (see exports.columns); None for the default set.
    columns: tuple[str, ...] | None = None
    mark_exported: bool = False
    # Formatting locale; None for the caller's own (preference `locale`, else `language`).
    locale: str | None = None


@dataclass
class PreparedExport:
    actor: Actor
    request: ExportRequest
    format: ExportFormat
    columns: list[ExportColumn]
    meta_names: list[str]
    document: Document
    filename: str


def meta_fields(session: Session) -> list[tuple[str, str | None]]:
    m = MetaFieldDefinition
    rows = session.execute(
        select(m.name, m.label).where(m.entity_type == "timesheet", m.visible.is_(True)).order_by(m.id)
    ).all()
    return [(row.name, row.label) for row in rows]


def _notes(actor: Actor, criteria: ExportFilter, formatter: Formatter, generated: datetime) -> list[str]:
    zone = ZoneInfo(actor.timezone)
    notes = []
    if criteria.begin is not None or criteria.end is not None:

        def moment(value: datetime | None) -> str:
            if value is None:
                return "…"
            local = value.astimezone(zone)
            return f"{formatter.date(local.date())} {formatter.time(local)}"

        notes.append(f"Period: {moment(criteria.begin)} to {moment(criteria.end)} ({actor.timezone})")
    for label, value in (("Exported", criteria.exported), ("Billable", criteria.billable)):
        if value is not None:
            notes.append(f"{label}: {formatter.boolean(value)}")
    author = actor.user.alias or actor.user.username
    notes.append(f"Created by {author} on {formatter.date(generated.date())} {formatter.time(generated)}")
    return notes


def prepare_export(session: Session, actor: Actor, request: ExportRequest) -> PreparedExport:
    """Checks permissions and settles the columns; reads no timesheet yet."""
    export_format = FORMATS.get(request.format)
    if export_format is None:
        raise BadRequest(f"unknown format {request.format!r}")
    with_others = sees_other_users(actor, OTHER_PERMISSION)
    if not actor.can("export_own_timesheet") and not with_others:
        raise Forbidden("exporting timesheets needs export_own_timesheet")
    if request.mark_exported and (
        not actor.can("edit_export_own_timesheet")
        or (with_others and not actor.can("edit_export_other_timesheet"))
    ):
        raise Forbidden(
            "marking as exported needs edit_export_own_timesheet (and edit_export_other_timesheet)"
        )
    fields = meta_fields(session)
    columns = choose_columns(
        request.columns, fields, may_see_rates=shows_rates(actor, only_own=not with_others)
    )
    formatter = Formatter(request.locale or locale_of(actor.user))
    generated = utcnow().astimezone(ZoneInfo(actor.timezone))
    document = Document(
        columns=columns,
        formatter=formatter,
        title="Timesheets",
        notes=_notes(actor, request.filter, formatter, generated),
        generated_at=generated,
    )
    filename = f"horae-timesheets-{generated:%Y%m%d-%H%M%S}.{export_format.extension}"
    return PreparedExport(
        actor, request, export_format, columns, [name for name, _ in fields], document, filename
    )


def count_export(session: Session, prepared: PreparedExport) -> int:
    """How many rows the export will hold (one COUNT; used for progress bars)."""
    return int(session.scalar(count_rows(prepared.actor, prepared.request.filter, OTHER_PERMISSION)) or 0)


def _batches(
    batches: Iterable[Fields], columns: list[ExportColumn], on_rows: Callable[[int], None] | None
) -> Iterator[Batch]:
    for fields in batches:
        batch = Batch([column.read(fields) for column in columns], fields["currency"])
        yield batch
        if on_rows is not None:
            on_rows(len(batch))


def run_export(
    db: Database, prepared: PreparedExport, on_rows: Callable[[int], None] | None = None
) -> Generator[bytes, None, None]:
    """The export file in chunks, read from a server-side cursor in its own unit of work;
    `on_rows` hears how many more rows have been written after each batch."""
    actor, request = prepared.actor, prepared.request
    mark = request.mark_exported
    with db.session(write=mark) as session:
        connection = session.connection()
        pinned = None
        if mark:
            pinned = id_table(f"horae_export_{uuid.uuid4().hex[:16]}")
            pinned.create(connection)
            connection.execute(
                insert(pinned).from_select(["id"], matching_ids(actor, request.filter, OTHER_PERMISSION))
            )
        # The currency goes with every batch (`Batch.currencies`), whichever columns show it.
        fields = {"currency", *(field for column in prepared.columns for field in column.fields)}
        statement = export_rows(actor, request.filter, OTHER_PERMISSION, prepared.meta_names, pinned, fields)
        rows = stream(connection, statement)
        finished = False
        try:
            # One chunk is held back, so that the marks are committed before the file is complete.
            held: bytes | None = None
            for chunk in prepared.format.write(prepared.document, _batches(rows, prepared.columns, on_rows)):
                if held is not None:
                    yield held
                held = chunk
            if pinned is not None:
                touch_timesheets(session, None)  # many users' records, written past the session
                connection.execute(
                    update(Timesheet)
                    .where(Timesheet.id.in_(select(pinned.c.id)))
                    .values(exported=True, modified_at=utcnow())
                )
                pinned.drop(connection)
            session.commit()
            finished = True
            if held is not None:
                yield held
        finally:
            rows.close()
            if pinned is not None and not finished and connection.dialect.name in ("mysql", "mariadb"):
                # MariaDB keeps temporary tables past a rollback; a fresh connection drops it.
                connection.invalidate()
