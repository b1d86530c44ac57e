"""Tags on the wire: TagEntity and the tag form."""

from __future__ import annotations

from typing import Any

from horae.api.forms import Boolean, Color, FieldError, Form, FormContext, Text
from horae.api.openapi import register_schema
from horae.api.wire import color_safe, output_color
from horae.tags.models import Tag


class TagName(Text):
    """2 to 100 characters after trimming, no comma (tags travel as a comma list), no < > " =."""

    def convert(self, raw: Any, ctx: FormContext) -> Any:
        text = super().convert(raw, ctx)
        if "," in text:
            raise FieldError("Tag name cannot contain comma")
        return text


def tag_entity(tag: Tag) -> dict[str, Any]:
    return {
        "id": tag.id,
        "name": tag.name,
        "visible": tag.visible,
        "color": output_color(tag.color),
        "color-safe": color_safe(tag.color, tag.name),
    }


TAG_FORM = Form(
    name=TagName(required=True, min_length=2, max_length=100, plain=True),
    visible=Boolean(description="Left out: false (the form is submitted in full)"),
    color=Color(),
)

register_schema(
    "TagEntity",
    {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "name": {"type": "string"},
            "visible": {"type": "boolean"},
            "color": {"type": "string", "nullable": True},
            "color-safe": {"type": "string"},
        },
    },
)
