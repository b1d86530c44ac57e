"""What a web form shows: the values typed and the messages of the fields that failed."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from horae.api.forms import Form, FormContext
from horae.config.service import load_config
from horae.errors import ValidationFailed
from horae.security.permissions import Actor


@dataclass
class FormState:
    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)
    global_errors: list[str] = field(default_factory=list)

    @classmethod
    def failed(
        cls, values: Mapping[str, Any], exc: ValidationFailed, rename: Mapping[str, str] | None = None
    ) -> FormState:
        rename = rename or {}
        errors = {rename.get(name, name): messages for name, messages in exc.field_errors.items()}
        return cls(dict(values), errors, list(exc.global_errors))

    def value(self, name: str, default: Any = "") -> Any:
        value = self.values.get(name)
        return default if value is None else value

    def error(self, name: str) -> list[str]:
        return self.errors.get(name, [])

    @property
    def invalid(self) -> bool:
        return bool(self.errors or self.global_errors)


def submitted(form: FormData, names: Iterable[str]) -> dict[str, str]:
    """The named text fields of a submitted form (other keys, such as the CSRF token, are left out)."""
    result = {}
    for name in names:
        value = form.get(name)
        result[name] = value if isinstance(value, str) else ""
    return result


def parse(definition: Form, values: Mapping[str, str], ctx: FormContext | None = None) -> dict[str, Any]:
    """Converts and checks the fields with the API's field types; raises ValidationFailed."""
    return definition.parse(dict(values), partial=False, ctx=ctx).values


def color_options(session: Session, current: str | None = None) -> list[tuple[str, str]]:
    """The configured colours as select options; a record's own other colour stays choosable."""
    colors = load_config(session).colors()
    options = [(value, f"{name} ({value})") for name, value in colors.items()]
    if current and current.lower() not in {value.lower() for value in colors.values()}:
        options.insert(0, (current, current))
    return options


def color_context(session: Session, actor: Actor, current: str | None) -> FormContext:
    colors = list(load_config(session).colors().values())
    return FormContext(timezone=actor.timezone, colors=colors, current={"color": current})
