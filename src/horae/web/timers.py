"""The running timers every page shows in its header, read in one query with their names and kept
while the person's records and the catalog are unchanged."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from horae.activities.models import Activity
from horae.customers.models import Customer
from horae.projects.models import Project
from horae.security.caller import kept_own
from horae.security.permissions import Actor
from horae.timesheets.models import Timesheet

# More running timers than this are summarised by the header's link to the timer page.
HEADER_LIMIT = 3


@dataclass(frozen=True)
class RunningTimer:
    id: int
    begin: datetime
    customer: str
    project: str
    activity: str
    description: str | None


@cache
def _running_of_user() -> Any:
    """Built once: every page runs it (see `running_timers`)."""
    return (
        select(
            Timesheet.id,
            Timesheet.begin,
            Customer.name,
            Project.name,
            Activity.name,
            Timesheet.description,
        )
        .join(Project, Timesheet.project_id == Project.id)
        .join(Customer, Project.customer_id == Customer.id)
        .join(Activity, Timesheet.activity_id == Activity.id)
        .where(Timesheet.user_id == bindparam("user_id"), Timesheet.end.is_(None))
        .order_by(Timesheet.begin.desc(), Timesheet.id.desc())
        .limit(HEADER_LIMIT + 1)
    )


def running_timers(
    session: Session, actor: Actor, counters: tuple[int | None, ...] = ()
) -> tuple[RunningTimer, ...]:
    """The person's running records, newest first; none without view_own_timesheet.

    `counters`: those of the person's records, of everyone's and of the catalog, read with the
    web session (`LiveWebSession.records_counters`). The timers are kept under them
    (`security/caller.kept_own`): a timer started or stopped by anyone, or a renamed project or
    activity, is read again on the next page."""
    if not actor.can("view_own_timesheet"):
        return ()

    def read() -> tuple[RunningTimer, ...]:
        rows = session.connection().execute(_running_of_user(), {"user_id": actor.id}).all()
        return tuple(RunningTimer(*row) for row in rows)

    return kept_own(session, actor.id, counters, "running", read)
