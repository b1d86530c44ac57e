"""DELETE /api/export/{id}: Kimai's saved export templates (contract §10)."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from horae.api.deps import ActorDep, SessionDep
from horae.api.openapi import answers
from horae.api.params import path_id
from horae.api.responses import no_content
from horae.api.routing import UnitOfWorkRoute
from horae.errors import Forbidden, NotFound
from horae.exports.models import ExportTemplate

router = APIRouter(route_class=UnitOfWorkRoute, prefix="/api", tags=["Export"])


@router.delete(
    "/export/{id:int}",
    operation_id="delete_delete_export_template",
    summary="Deletes an export template",
    status_code=204,
    responses=answers(None, status=204),
)
def delete_export_template(id: int, actor: ActorDep, session: SessionDep) -> Response:
    template = session.get(ExportTemplate, path_id(id))
    if template is None:
        raise NotFound("export template")
    if not actor.can("create_export_template"):
        raise Forbidden("export template")
    session.delete(template)
    session.flush()
    return no_content()
