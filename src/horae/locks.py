"""Named locks that serialize a read-then-write across concurrent transactions.

A lock is a row of `named_locks`, taken with SELECT … FOR UPDATE and held until the transaction
ends, so it works the same through every worker process on PostgreSQL and MariaDB. SQLite runs
one writing transaction at a time (BEGIN IMMEDIATE, see db.py), which already serializes writers,
so nothing is taken there. The row is created on first use, in a transaction of its own.
"""

from __future__ import annotations

from sqlalchemy import String, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from horae.db import Base


class NamedLock(Base):
    __tablename__ = "named_locks"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)


def hold_lock(session: Session, name: str) -> None:
    """Blocks until this transaction holds the lock `name`; it is released at commit or rollback.

    Taking a lock the transaction already holds returns at once.
    """
    # Through the connection: taking a lock flushes nothing of the session's pending changes.
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        return
    query = select(NamedLock.name).where(NamedLock.name == name).with_for_update()
    if connection.execute(query).first() is not None:
        return
    # Created and committed apart, so that no transaction keeps a lock on a row being inserted
    # (InnoDB would let two first users deadlock on the duplicate-key check).
    with connection.engine.connect() as apart:
        try:
            apart.execute(insert(NamedLock).values(name=name))
            apart.commit()
        except IntegrityError:
            apart.rollback()
    connection.execute(query).one()
