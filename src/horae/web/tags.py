"""Tags: the list with search, and create, edit and delete as the permissions allow.

The form is the API's tag form and the writes go through the tags service, so names, colours
and permissions follow the same rules as POST /api/tags.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from horae.api.deps import SessionDep
from horae.api.routing import UnitOfWorkRoute
from horae.errors import Forbidden, ValidationFailed
from horae.tags import service
from horae.tags.models import Tag
from horae.tags.schemas import TAG_FORM
from horae.web.auth import SignedInDep, WebUser
from horae.web.csrf import CheckedFormDep
from horae.web.forms import FormState, color_context, color_options
from horae.web.i18n import N_
from horae.web.navigation import NavItem, register
from horae.web.paging import read_page, requested_page
from horae.web.rendering import SAVED_MESSAGES, render

router = APIRouter(route_class=UnitOfWorkRoute, include_in_schema=False)

register(NavItem("tags", N_("Tags"), "catalog", ("view_tag",), prefix="/tags"))
SAVED_MESSAGES.update(
    {
        "tag_created": N_("The tag has been created."),
        "tag_saved": N_("The tag has been saved."),
        "tag_deleted": N_("The tag has been deleted."),
    }
)
# The tag form's own message, shown at the name field in the person's language.
TAG_MESSAGES = (N_("Tag name cannot contain comma"),)


def _may_create(web_user: WebUser) -> bool:
    try:
        service.require_create(web_user.actor)
    except Forbidden:
        return False
    return True


def _values(form: FormData) -> dict[str, Any]:
    name = form.get("name")
    color = form.get("color")
    return {
        "name": name if isinstance(name, str) else "",
        "color": color if isinstance(color, str) and color else None,
        "visible": "visible" in form,
    }


def _edit_page(
    session: Session, web_user: WebUser, form: FormState, tag: Tag | None, *, status_code: int = 200
) -> Response:
    return render(
        web_user.ui,
        "tag_edit.html",
        {
            "form": form,
            "tag": tag,
            "colors": color_options(session, tag.color if tag else None),
            "can_delete": tag is not None and web_user.actor.can("delete_tag"),
        },
        status_code=status_code,
    )


@router.get("/tags", name="tags")
def tag_list(request: Request, session: SessionDep, web_user: SignedInDep) -> Response:
    term = (request.query_params.get("term") or "").strip()[:200]

    tags, pager = read_page(
        lambda offset, limit: service.list_tags(
            session, web_user.actor, term or None, offset=offset, limit=limit
        ),
        requested_page(request),
        {"term": term},
    )
    return render(
        web_user.ui,
        "tags.html",
        {
            "tags": tags,
            "term": term,
            "pager": pager,
            "can_create": _may_create(web_user),
            "can_edit": service.may_manage(web_user.actor),
            "can_delete": web_user.actor.can("delete_tag"),
        },
    )


@router.get("/tags/create", name="tag_create")
def create_page(session: SessionDep, web_user: SignedInDep) -> Response:
    service.require_create(web_user.actor)
    return _edit_page(session, web_user, FormState({"visible": True}), None)


@router.post("/tags/create", name="tag_create_save")
def create(session: SessionDep, web_user: SignedInDep, form: CheckedFormDep) -> Response:
    service.require_create(web_user.actor)
    values = _values(form)
    try:
        data = TAG_FORM.parse(values, partial=False, ctx=color_context(session, web_user.actor, None))
        tag = service.create_tag(session, web_user.actor, data.values)
    except ValidationFailed as exc:
        session.rollback()
        return _edit_page(session, web_user, FormState.failed(values, exc), None, status_code=422)
    return RedirectResponse(f"/tags/{tag.id}/edit?saved=tag_created", status_code=303)


@router.get("/tags/{tag_id:int}/edit", name="tag_edit")
def edit_page(tag_id: int, session: SessionDep, web_user: SignedInDep) -> Response:
    tag = service.get_tag(session, tag_id)
    if not service.may_manage(web_user.actor):
        raise Forbidden("manage_tag")
    values = {"name": tag.name, "color": tag.color or "", "visible": tag.visible}
    return _edit_page(session, web_user, FormState(values), tag)


@router.post("/tags/{tag_id:int}/edit", name="tag_edit_save")
def edit(tag_id: int, session: SessionDep, web_user: SignedInDep, form: CheckedFormDep) -> Response:
    tag = service.get_tag(session, tag_id)
    if not service.may_manage(web_user.actor):
        raise Forbidden("manage_tag")
    values = _values(form)
    try:
        data = TAG_FORM.parse(values, partial=False, ctx=color_context(session, web_user.actor, tag.color))
        service.update_tag(session, web_user.actor, tag_id, data.values)
    except ValidationFailed as exc:
        session.rollback()
        tag = service.get_tag(session, tag_id)
        return _edit_page(session, web_user, FormState.failed(values, exc), tag, status_code=422)
    return RedirectResponse(f"/tags/{tag_id}/edit?saved=tag_saved", status_code=303)


@router.post("/tags/{tag_id:int}/delete", name="tag_delete")
def delete(tag_id: int, session: SessionDep, web_user: SignedInDep, form: CheckedFormDep) -> Response:
    service.delete_tag(session, web_user.actor, tag_id)
    return RedirectResponse("/tags?saved=tag_deleted", status_code=303)
