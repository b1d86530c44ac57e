"""The permission matrix's overrides, kept under the accounts' generation (security/permissions.py).

A change of a role's permissions moves the accounts' generation at its commit, in whichever
process writes it; every process then grants the new permissions from its next request on.
"""

from __future__ import annotations

import pytest
from sqlalchemy import update

from horae.catalog_cache import ACCOUNTS, Generation
from horae.db import Database
from horae.migrate import upgrade
from horae.security.permissions import ROLE_USER, permission_matrix
from horae.users.models import Role, RolePermission


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_permission_changed_by_another_process_applies_at_the_next_request(
    backend, http, make_user, make_role
):
    """Written through another `Database` (another worker, another host), with nothing said to
    this process: the next request is refused."""
    role_id = make_role(ROLE_USER)
    user = make_user()
    assert http.get("/api/ping", headers=bearer(user.token)).status_code == 200
    other = Database(backend.url)
    try:
        with other.session() as session:
            session.add(RolePermission(role_id=role_id, permission="api_access", allowed=False))
    finally:
        other.dispose()
    response = http.get("/api/ping", headers=bearer(user.token))
    assert response.status_code == 403
    assert response.json() == {"code": 403, "message": "Forbidden"}


def test_unchanged_permissions_are_not_read_again(backend, http, make_user):
    user = make_user()
    assert http.get("/api/ping", headers=bearer(user.token)).status_code == 200
    counter = backend.count_queries()
    for _ in range(3):
        assert http.get("/api/ping", headers=bearer(user.token)).status_code == 200
    counter.active = False
    assert not [sql for sql in counter.statements if "role_permissions" in sql], counter.statements


def test_a_transaction_sees_its_own_change_and_a_rolled_back_one_is_not_kept(
    backend, http, make_user, make_role
):
    role_id = make_role(ROLE_USER)
    user = make_user()
    assert http.get("/api/ping", headers=bearer(user.token)).status_code == 200
    with pytest.raises(RuntimeError), backend.db.session() as session:
        session.add(RolePermission(role_id=role_id, permission="api_access", allowed=False))
        session.flush()
        assert "api_access" not in permission_matrix.grants(session)[ROLE_USER]
        raise RuntimeError("rolled back")
    assert http.get("/api/ping", headers=bearer(user.token)).status_code == 200


def test_two_databases_in_one_process_keep_their_grants_apart(tmp_path):
    """The grants belong to their `Database`, as its callers do: the same generation in two
    databases says nothing about the other's overrides."""
    granted = []
    for name, api_access in (("first", True), ("second", False)):
        db = Database(f"sqlite:///{tmp_path / name}.sqlite")
        try:
            upgrade(db.engine)
            with db.session() as session:
                if not api_access:
                    role = Role(name=ROLE_USER)
                    session.add(role)
                    session.flush()
                    session.add(RolePermission(role_id=role.id, permission="api_access", allowed=False))
            with db.session() as session:
                session.execute(update(Generation).where(Generation.name == ACCOUNTS).values(value=7))
            for _ in range(2):
                with db.session(write=False) as session:
                    granted.append("api_access" in permission_matrix.grants(session)[ROLE_USER])
        finally:
            db.dispose()
    assert granted == [True, True, False, False]
