"""Tags: free labels for timesheets, searched by name."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
from sqlalchemy import func, select, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from horae.catalog_cache import TAGS, cached_answer
from horae.db import count_rows
from horae.errors import Forbidden, NotFound, ValidationFailed
from horae.search import contains
from horae.security.permissions import Actor
from horae.tags.models import Tag
from horae.tags.schemas import tag_entity

NAME_TAKEN = "This value is already used."


def _name_contains(name: str | None) -> Any:
    return contains(Tag.name, name) if name else true()


def visible_tag_names(session: Session, name: str | None = None) -> list[str]:
    """GET /api/tags: names of visible tags containing `name`, alphabetically."""
    query = select(Tag.name).where(Tag.visible == true(), _name_contains(name))
    return list(session.scalars(query.order_by(func.lower(Tag.name), Tag.id)).all())


def find_tags(session: Session, name: str | None) -> list[Tag]:
    """GET /api/tags/find: visible tags containing `name`; nothing at all without a name."""
    if not name:
        return []
    query = select(Tag).where(Tag.visible == true(), _name_contains(name))
    return list(session.scalars(query.order_by(func.lower(Tag.name), Tag.id)).all())


def tag_names_json(session: Session, name: str | None) -> bytes:
    """GET /api/tags as JSON, kept while no tag changes (catalog_cache.py)."""
    return cached_answer(
        session, TAGS, ("names", name), lambda: orjson.dumps(visible_tag_names(session, name))
    )


def found_tags_json(session: Session, name: str | None) -> bytes:
    """GET /api/tags/find as JSON, kept while no tag changes: a tag search while typing asks
    for the same few terms again and again."""
    return cached_answer(
        session,
        TAGS,
        ("find", name),
        lambda: orjson.dumps([tag_entity(tag) for tag in find_tags(session, name)]),
    )


def require_list(actor: Actor) -> None:
    if not actor.can("view_tag"):
        raise Forbidden("view_tag")


def list_tags(
    session: Session, actor: Actor, name: str | None = None, *, offset: int = 0, limit: int = 50
) -> tuple[list[Tag], int]:
    """One page of the tags, visible or not, whose name contains `name`, alphabetically, and how
    many match in all (needs view_tag)."""
    require_list(actor)
    query = select(Tag).where(_name_contains(name))
    total = count_rows(session, query)
    page = query.order_by(func.lower(Tag.name), Tag.id).offset(offset).limit(limit)
    return list(session.scalars(page).all()), total


def may_manage(actor: Actor) -> bool:
    return actor.can("manage_tag")


def get_tag(session: Session, tag_id: int) -> Tag:
    tag = session.get(Tag, tag_id)
    if tag is None:
        raise NotFound("tag")
    return tag


def require_create(actor: Actor) -> None:
    if not (actor.can("manage_tag") or actor.can("create_tag")):
        raise Forbidden("create_tag")


def create_tag(session: Session, actor: Actor, values: Mapping[str, Any]) -> Tag:
    """POST /api/tags; names are unique regardless of case, on every backend alike."""
    require_create(actor)
    name: str = values["name"]
    _check_name(session, name, None)
    tag = Tag(name=name, visible=values.get("visible", False), color=values.get("color"))
    session.add(tag)
    _flush_unique(session)
    return tag


def update_tag(session: Session, actor: Actor, tag_id: int, values: Mapping[str, Any]) -> Tag:
    """Renames, recolours or hides a tag (needs manage_tag); the name stays unique."""
    tag = get_tag(session, tag_id)
    if not may_manage(actor):
        raise Forbidden("manage_tag")
    name: str = values["name"]
    _check_name(session, name, tag.id)
    tag.name = name
    tag.visible = bool(values.get("visible", False))
    tag.color = values.get("color")
    _flush_unique(session)
    return tag


def _check_name(session: Session, name: str, exclude_id: int | None) -> None:
    query = select(Tag.id).where(func.lower(Tag.name) == name.lower())
    if exclude_id is not None:
        query = query.where(Tag.id != exclude_id)
    if session.scalars(query).first() is not None:
        raise ValidationFailed({"name": [NAME_TAKEN]})


def _flush_unique(session: Session) -> None:
    try:
        session.flush()
    except IntegrityError as exc:
        # A concurrent request took the name first; the unique constraint decided.
        raise ValidationFailed({"name": [NAME_TAKEN]}) from exc


def delete_tag(session: Session, actor: Actor, tag_id: int) -> None:
    tag = get_tag(session, tag_id)
    if not actor.can("delete_tag"):
        raise Forbidden("delete_tag")
    session.delete(tag)
    session.flush()
