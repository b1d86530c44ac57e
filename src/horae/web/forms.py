"""What a web form shows: the values typed and the messages of the fields that failed."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import FormData

from horae.api.forms import Form, FormContext
from horae.errors import ValidationFailed


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
