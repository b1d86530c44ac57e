"""Typed domain errors; the API and the web app each turn them into their own answers."""

from __future__ import annotations

from collections.abc import Iterable, Mapping


class DomainError(Exception):
    """Base of every error a service raises on purpose."""


class NotFound(DomainError):
    """The addressed record does not exist (or must look as if it did not)."""


class Forbidden(DomainError):
    """The acting user lacks a permission."""


class BadRequest(DomainError):
    """A malformed parameter, answered with Kimai's plain 400 body."""


class Gone(DomainError):
    """A removed endpoint; the message is shown to the client."""


class ValidationFailed(DomainError):
    """Form validation failed.

    `fields` lists every field of the form (so the API can echo them all, as Kimai does) with the
    messages of those that failed; `global_errors` holds rules that belong to no single field.
    """

    def __init__(
        self,
        field_errors: Mapping[str, Iterable[str]] | None = None,
        global_errors: Iterable[str] = (),
        fields: Iterable[str] = (),
    ) -> None:
        self.field_errors: dict[str, list[str]] = {k: list(v) for k, v in (field_errors or {}).items()}
        self.global_errors = list(global_errors)
        self.fields = list(fields)
        super().__init__(self.summary())

    def summary(self) -> str:
        parts = [f"{name}: {'; '.join(msgs)}" for name, msgs in self.field_errors.items()]
        return ", ".join(parts + self.global_errors) or "validation failed"


class ServiceValidationFailed(DomainError):
    """Validation of a service action without a form (stop, restart, duplicate).

    Kimai answers these with code "400" as a string and only the failing paths.
    """

    def __init__(
        self, violations: Mapping[str, Iterable[str]], message: str = "There was a problem saving."
    ) -> None:
        self.violations = {k: list(v) for k, v in violations.items()}
        self.message = message
        super().__init__(message)


class Conflict(DomainError):
    """The request conflicts with the current state (membership exists, link missing …)."""
