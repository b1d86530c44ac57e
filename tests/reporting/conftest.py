"""A month boundary and two DST changes, booked by users of every role.

Europe/Berlin springs forward on Sunday 2024-03-31 (02:00 → 03:00), the last day of March;
America/New_York did so on 2024-03-10. Entries cross midnight, the DST gap and the month boundary,
and some sit on different calendar dates in UTC and in their own timezone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from horae.security.permissions import Actor
from horae.users.models import User
from tests.factories.reporting import Entry, Ledger
from tests.factories.users import UserHandle


@dataclass
class Scenario:
    ledger: Ledger
    alice: UserHandle  # ROLE_USER, member of the lead's team, Berlin
    bob: UserHandle  # ROLE_USER, in no team, New York
    lead: UserHandle  # ROLE_TEAMLEAD, leads the team
    carol: UserHandle  # ROLE_USER, plain member of another team
    admin: UserHandle  # ROLE_ADMIN
    super: UserHandle  # ROLE_SUPER_ADMIN
    acme: int
    globex: int
    secret: int  # restricted to the other team
    website: int
    support: int
    migration: int
    hidden: int  # a project of a customer restricted to the other team
    design: int
    development: int
    meeting: int

    @property
    def entries(self) -> list[Entry]:
        return self.ledger.entries


def actor_of(backend: Any, handle: UserHandle) -> Actor:
    with backend.db.session(write=False) as session:
        user = session.get(User, handle.id)
        assert user is not None
        return Actor.load(session, user)


def statements(counter: Any) -> int:
    """Statements counted, without SQLite's explicit BEGIN (other drivers begin implicitly)."""
    return len([q for q in counter.statements if not q.startswith("BEGIN")])


@pytest.fixture
def scenario(backend: Any, ledger: Ledger, make_user: Callable[..., UserHandle]) -> Scenario:
    alice = make_user(username="alice", timezone="Europe/Berlin")
    bob = make_user(username="bob", timezone="America/New_York")
    lead = make_user("ROLE_TEAMLEAD", username="lead", timezone="Europe/Berlin")
    carol = make_user(username="carol", timezone="Europe/Berlin")
    admin = make_user("ROLE_ADMIN", username="admin_anna", timezone="Europe/Berlin")
    superadmin = make_user("ROLE_SUPER_ADMIN", username="super_sam", timezone="UTC")
    ledger.team("Core", leads=[lead.id], members=[alice.id])
    other_team = ledger.team("Other", members=[carol.id])

    acme = ledger.customer("ACME", currency="EUR")
    globex = ledger.customer("Globex", currency="USD")
    secret = ledger.customer("Secret Corp", teams=[other_team])
    website = ledger.project(acme, "Website", budget=1000, time_budget=10 * 3600)
    support = ledger.project(acme, "Support", budget=300, time_budget=4 * 3600, budget_type="month")
    migration = ledger.project(globex, "Migration")
    hidden = ledger.project(secret, "Hidden work", budget=50)
    design = ledger.activity("Design")
    development = ledger.activity("Development")
    meeting = ledger.activity("Meeting", project_id=website)

    e = ledger.entry
    # alice, Berlin
    e(alice.id, website, design, "2024-02-29T10:00", "2024-02-29T11:00", rate="100", internal_rate="60")
    e(alice.id, website, design, "2024-03-25T09:00", "2024-03-25T12:30", rate="350", internal_rate="200")
    e(alice.id, support, development, "2024-03-30T23:00", "2024-03-31T01:00", rate="100", internal_rate="80")
    # 01:30 → 03:30 wall time across the spring-forward gap: one real hour.
    e(alice.id, website, development, "2024-03-31T01:30", "2024-03-31T03:30", rate="50", billable=False)
    # 23:30 local on 31 March is 21:30 UTC the same day; ends in April.
    e(alice.id, migration, meeting, "2024-03-31T23:30", "2024-04-01T00:30", rate="75.5", internal_rate="40")
    # 00:30 local on 1 April is 22:30 UTC on 31 March.
    e(alice.id, website, design, "2024-04-01T00:30", "2024-04-01T02:00", rate="150", exported=True)
    e(alice.id, website, meeting, "2024-04-01T09:00", "2024-04-01T10:15", rate="125.25", internal_rate="90.1")
    e(alice.id, website, design, "2024-04-02T10:00", None)  # running: never counted
    # bob, New York: 20:00 on 31 March local is 00:00 UTC on 1 April.
    e(bob.id, migration, development, "2024-03-31T20:00", "2024-03-31T22:00", timezone="America/New_York", rate="200")
    e(bob.id, migration, development, "2024-03-10T01:30", "2024-03-10T03:30", timezone="America/New_York", rate="90")
    e(bob.id, website, design, "2024-04-01T09:00", "2024-04-01T10:00", timezone="America/New_York", rate="80")
    # the lead, carol and the admin
    e(lead.id, website, design, "2024-04-01T08:00", "2024-04-01T09:00", rate="120", internal_rate="70")
    e(lead.id, support, meeting, "2024-03-28T14:00", "2024-03-28T16:00", rate="240", billable=False)
    e(carol.id, hidden, design, "2024-03-31T10:00", "2024-03-31T11:00", rate="60")
    e(carol.id, website, development, "2024-03-31T12:00", "2024-03-31T12:45", rate="45")
    e(admin.id, support, development, "2024-04-30T22:00", "2024-05-01T01:00", rate="300", internal_rate="150")

    return Scenario(
        ledger=ledger, alice=alice, bob=bob, lead=lead, carol=carol, admin=admin, super=superadmin,
        acme=acme, globex=globex, secret=secret, website=website, support=support, migration=migration, hidden=hidden,
        design=design, development=development, meeting=meeting,
    )  # fmt: skip
