"""Comments on customers and projects.

`RecordComments` serves the use cases of one kind of record: reading and writing comments takes
`view` and `comments` on the record, pinning and deleting one also `edit`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic

from sqlalchemy import select
from sqlalchemy.orm import Session

from horae.comments.models import CommentColumns, CustomerComment, ProjectComment
from horae.comments.schemas import COMMENT_FORM
from horae.db import utcnow
from horae.errors import Forbidden, NotFound
from horae.security.attributes import Record, RecordAccess
from horae.security.permissions import Actor

COMMENT_MODELS: dict[str, tuple[type[CommentColumns], str]] = {
    "customer": (CustomerComment, "customer_id"),
    "project": (ProjectComment, "project_id"),
}


def _model(kind: str) -> tuple[Any, Any]:
    model, column = COMMENT_MODELS[kind]
    return model, getattr(model, column)


def list_comments(session: Session, kind: str, parent_id: int) -> list[CommentColumns]:
    """Pinned comments first, then the newest."""
    model, parent = _model(kind)
    query = (
        select(model)
        .where(parent == parent_id)
        .order_by(model.pinned.desc(), model.created_at.desc(), model.id.desc())
    )
    return list(session.scalars(query).unique())


def add_comment(session: Session, actor: Actor, kind: str, parent_id: int, body: Any) -> CommentColumns:
    values = COMMENT_FORM.parse(body, partial=True).values
    if "message" not in values:
        raise COMMENT_FORM.fail({"message": ["This value should not be blank."]})
    model, parent = _model(kind)
    comment = model(
        message=values["message"],
        pinned=bool(values.get("pinned", False)),
        created_by_id=actor.id,
        created_at=utcnow(),
    )
    setattr(comment, parent.key, parent_id)
    session.add(comment)
    session.flush()
    session.refresh(comment)
    return comment


def load_comment(session: Session, kind: str, comment_id: int) -> CommentColumns:
    model, _ = _model(kind)
    comment = session.get(model, comment_id) if comment_id <= 2**31 - 1 else None
    if comment is None:
        raise NotFound("comment")
    return comment


def check_comment_parent(kind: str, comment: CommentColumns, parent_id: int) -> None:
    """A comment addressed through another parent is refused, not hidden (Kimai answers 403)."""
    _, parent = _model(kind)
    if getattr(comment, parent.key) != parent_id:
        raise Forbidden("the comment belongs to another record")


def toggle_pin(session: Session, comment: CommentColumns) -> CommentColumns:
    comment.pinned = not comment.pinned
    session.flush()
    return comment


def delete_comment(session: Session, comment: CommentColumns) -> None:
    session.delete(comment)
    session.flush()


@dataclass(frozen=True)
class RecordComments(Generic[Record]):
    """The comments of one kind of catalog record, behind the record's voter."""

    access: RecordAccess[Record]

    def comments(self, session: Session, actor: Actor, record_id: int) -> list[CommentColumns]:
        record = self.access.load_for(session, actor, record_id, "view", "comments")
        return list_comments(session, self.access.kind, record.id)

    def add(self, session: Session, actor: Actor, record_id: int, body: Any) -> CommentColumns:
        record = self.access.load_for(session, actor, record_id, "view", "comments")
        return add_comment(session, actor, self.access.kind, record.id, body)

    def pin(self, session: Session, actor: Actor, record_id: int, comment_id: int) -> CommentColumns:
        return toggle_pin(session, self._for_change(session, actor, record_id, comment_id))

    def delete(self, session: Session, actor: Actor, record_id: int, comment_id: int) -> None:
        delete_comment(session, self._for_change(session, actor, record_id, comment_id))

    def _for_change(self, session: Session, actor: Actor, record_id: int, comment_id: int) -> CommentColumns:
        # An unknown record or comment is reported before a missing permission.
        record = self.access.load(session, record_id)
        comment = load_comment(session, self.access.kind, comment_id)
        self.access.require(actor, record, "view", "edit", "comments")
        check_comment_parent(self.access.kind, comment, record.id)
        return comment
