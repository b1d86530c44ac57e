"""Comments on the wire: `{id, message, createdBy, createdAt, pinned}` and the comment form."""

from __future__ import annotations

from typing import Any

from horae.api.forms import Boolean, Form, Text
from horae.api.openapi import ref, register_schema
from horae.api.wire import format_datetime
from horae.comments.models import CommentColumns
from horae.rates.schemas import user_embedded

_COMMENT_PROPERTIES = {
    "id": {"type": "integer"},
    "message": {"type": "string"},
    "createdBy": ref("User"),
    "createdAt": {"type": "string", "format": "date-time"},
    "pinned": {"type": "boolean"},
}
for _name in ("CustomerComment", "ProjectComment"):
    register_schema(_name, {"type": "object", "properties": dict(_COMMENT_PROPERTIES)})


def comment_output(comment: CommentColumns, timezone: str) -> dict[str, Any]:
    return {
        "id": comment.id,
        "message": comment.message,
        "createdBy": user_embedded(comment.created_by),
        "createdAt": format_datetime(comment.created_at, timezone),
        "pinned": comment.pinned,
    }


COMMENT_FORM = Form(
    message=Text(required=True, strip=False, description="The comment (Markdown)"),
    pinned=Boolean(description="Pinned comments are listed first"),
)
