"""Kimai's request bodies: decoding, key normalisation and typed form fields.

A `Form` lists the fields one endpoint accepts for one caller. Parsing collects every error at
once and raises `ValidationFailed` naming all fields, which the API turns into Kimai's
`{"code":400,"message":"Validation Failed","errors":{"children":…}}` body. The one boolean rule
of the contract lives in `Boolean`: JSON false is false, any other provided value is true.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import parse_qsl
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import orjson
from babel import Locale, UnknownLocaleError

from horae.api.wire import parse_local_datetime
from horae.errors import BadRequest, ValidationFailed

EXTRA_FIELDS = "This form should not contain extra fields."
NOT_BLANK = "This value should not be blank."
NOT_NULL = "This value should not be null."
INVALID_CHOICE = "The selected choice is invalid."
NOT_VALID = "This value is not valid."
FORBIDDEN_CHARS = re.compile(r'[<>"=]')
# Kimai names the whole set, whichever of the characters was found.
FORBIDDEN_CHARS_MESSAGE = 'These characters are not allowed: < > " ='


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False


MISSING: Any = _Missing()


# --- decoding -------------------------------------------------------------------------------


def camelize(key: str) -> str:
    """fixed_rate → fixedRate; keys without underscores are kept as they are."""
    if "_" not in key:
        return key
    head, *rest = key.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def normalize_keys(value: Any) -> Any:
    """Turns snake_case keys into camelCase at every depth; both spellings at once → 400."""
    if isinstance(value, dict):
        result: dict[str, Any] = {}
        for key, item in value.items():
            name = camelize(str(key))
            if name in result:
                raise BadRequest(f"both spellings of {name!r} were sent")
            result[name] = normalize_keys(item)
        return result
    if isinstance(value, list):
        return [normalize_keys(item) for item in value]
    return value


# No Kimai body nests deeper than a few levels; deeper ones are refused before any recursion.
MAX_BODY_DEPTH = 32


def decode_body(raw: bytes, content_type: str | None) -> Any:
    """Decodes a POST/PATCH body as Kimai does: JSON by default, urlencoded forms too.

    Anything a well-behaved client never sends is a 400 here, before a form sees it: invalid
    JSON or UTF-8, a scalar at the top level, nesting deeper than MAX_BODY_DEPTH, NUL characters
    (which PostgreSQL cannot store).
    """
    kind = (content_type or "").split(";")[0].strip().lower()
    if kind == "application/x-www-form-urlencoded":
        try:
            # Percent-escapes must decode to UTF-8 too, not to replacement characters.
            pairs = parse_qsl(raw.decode("utf-8"), keep_blank_values=True, errors="strict")
        except UnicodeDecodeError as exc:
            raise BadRequest("body is not UTF-8") from exc
        if any("\x00" in key or "\x00" in value for key, value in pairs):
            raise BadRequest("NUL character in the body")
        return normalize_keys(_nest_form_pairs(pairs))
    if kind and kind != "application/json" and not kind.endswith("+json"):
        return {}
    if not raw.strip():
        return {}
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise BadRequest("invalid JSON") from exc
    if not isinstance(data, dict | list):
        raise BadRequest("the body must be a JSON object")
    _check_shape(data)
    return normalize_keys(data)


def _check_shape(data: dict[str, Any] | list[Any]) -> None:
    """Refuses more than MAX_BODY_DEPTH nested objects/arrays and NUL characters, without recursion."""
    pending: list[tuple[Any, int]] = [(data, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, dict | list) and depth > MAX_BODY_DEPTH:
            raise BadRequest("the body is nested too deeply")
        if isinstance(value, dict):
            for key, item in value.items():
                if "\x00" in key:
                    raise BadRequest("NUL character in the body")
                pending.append((item, depth + 1))
        elif isinstance(value, list):
            pending.extend((item, depth + 1) for item in value)
        elif isinstance(value, str) and "\x00" in value:
            raise BadRequest("NUL character in the body")


def _nest_form_pairs(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key.endswith("[]"):
            result.setdefault(key[:-2], []).append(value)
        else:
            result[key] = value
    return result


# --- fields ---------------------------------------------------------------------------------


class FieldError(Exception):
    def __init__(self, *messages: str) -> None:
        self.messages = list(messages)
        super().__init__("; ".join(messages))


@dataclass
class FormContext:
    """What fields need to know about the request: the caller's timezone, allowed colours …"""

    timezone: str = "UTC"
    colors: Iterable[str] = ()
    current: Mapping[str, Any] = field(default_factory=dict)


class Field:
    """One form field. `convert` turns a raw JSON value into a Python value or raises FieldError."""

    json_type: str = "string"

    def __init__(self, *, required: bool = False, default: Any = None, description: str = "") -> None:
        self.required = required
        self.default = default
        self.description = description

    def convert(self, raw: Any, ctx: FormContext) -> Any:
        raise NotImplementedError

    def clean(self, raw: Any, ctx: FormContext) -> Any:
        if raw is None or raw == "":
            if self.required:
                raise FieldError(NOT_BLANK)
            return self.empty_value()
        return self.convert(raw, ctx)

    def empty_value(self) -> Any:
        return None

    def schema(self) -> dict[str, Any]:
        result: dict[str, Any] = {"type": self.json_type}
        if self.description:
            result["description"] = self.description
        return result


def _scalar_text(raw: Any) -> str:
    if isinstance(raw, bool):
        return "1" if raw else ""
    if isinstance(raw, int | float | Decimal):
        return str(raw)
    if isinstance(raw, str):
        return raw
    raise FieldError(NOT_VALID)


class Text(Field):
    def __init__(
        self,
        *,
        max_length: int | None = None,
        min_length: int | None = None,
        plain: bool = False,
        strip: bool = True,
        pattern: re.Pattern[str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.max_length = max_length
        self.min_length = min_length
        # Names may not contain < > " = (Kimai's rule against markup in labels).
        self.plain = plain
        self.strip = strip
        self.pattern = pattern

    def clean(self, raw: Any, ctx: FormContext) -> Any:
        if isinstance(raw, str) and self.strip:
            raw = raw.strip()
        return super().clean(raw, ctx)

    def convert(self, raw: Any, ctx: FormContext) -> Any:
        text = _scalar_text(raw)
        errors = []
        if self.min_length is not None and len(text) < self.min_length:
            errors.append(
                f"This value is too short. It should have {self.min_length} "
                f"character{'s' if self.min_length != 1 else ''} or more."
            )
        if self.max_length is not None and len(text) > self.max_length:
            errors.append(
                f"This value is too long. It should have {self.max_length} "
                f"character{'s' if self.max_length != 1 else ''} or less."
            )
        if self.plain and FORBIDDEN_CHARS.search(text):
            errors.append(FORBIDDEN_CHARS_MESSAGE)
        if self.pattern is not None and not self.pattern.fullmatch(text):
            errors.append(NOT_VALID)
        if "\x00" in text:
            errors.append(NOT_VALID)
        if errors:
            raise FieldError(*errors)
        return text

    def schema(self) -> dict[str, Any]:
        result = super().schema()
        if self.max_length is not None:
            result["maxLength"] = self.max_length
        return result


class Boolean(Field):
    """The contract's one boolean rule: JSON false is false, any other provided value is true."""

    json_type = "boolean"

    def __init__(self, *, default: bool = False, **kwargs: Any) -> None:
        super().__init__(default=default, **kwargs)

    def clean(self, raw: Any, ctx: FormContext) -> Any:
        if raw is False:
            return False
        if isinstance(raw, dict | list):
            raise FieldError("The checkbox has an invalid value.")
        return True

    def empty_value(self) -> Any:
        return False


class FormBoolean(Boolean):
    """A checkbox as Kimai's yes/no widgets read it: null, 0, "0", "", "false" and false are false.

    Only used where Kimai's own tests prove it (a team member's `teamlead`).
    """

    def clean(self, raw: Any, ctx: FormContext) -> Any:
        if raw is None or raw is False or raw in (0, "0", "", "false"):
            return False
        return super().clean(raw, ctx)


class Integer(Field):
    json_type = "integer"

    def __init__(self, *, minimum: int | None = None, maximum: int | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.minimum = minimum
        self.maximum = maximum

    def convert(self, raw: Any, ctx: FormContext) -> Any:
        value = parse_int(raw)
        if value is None:
            raise FieldError("Please enter an integer.")
        if self.minimum is not None and value < self.minimum:
            raise FieldError(f"This value should be greater than or equal to {self.minimum}.")
        if self.maximum is not None and value > self.maximum:
            raise FieldError(f"This value should be less than or equal to {self.maximum}.")
        return value


MAX_ID = 2**31 - 1


# Beyond 64 bits no database driver can even bind the value.
_INT64 = range(-(2**63), 2**63)


def parse_int(raw: Any) -> int | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw if raw in _INT64 else None
    if isinstance(raw, float) and raw.is_integer():
        return int(raw) if int(raw) in _INT64 else None
    if isinstance(raw, str) and re.fullmatch(r"-?\d{1,18}", raw.strip()):
        return int(raw.strip())
    return None


class Reference(Field):
    """The id of another record; whether the caller may choose it is the service's decision."""

    json_type = "integer"

    def convert(self, raw: Any, ctx: FormContext) -> Any:
        value = parse_int(raw)
        if value is None or value < 1 or value > MAX_ID:
            raise FieldError(INVALID_CHOICE)
        return value


class ReferenceList(Field):
    json_type = "array"

    def clean(self, raw: Any, ctx: FormContext) -> Any:
        if raw is None or raw == "":
            return []
        if not isinstance(raw, list):
            raw = [raw]
        result: list[int] = []
        for item in raw:
            value = parse_int(item)
            if value is None or value < 1 or value > MAX_ID:
                raise FieldError(INVALID_CHOICE)
            if value not in result:
                result.append(value)
        return result

    def empty_value(self) -> Any:
        return []

    def schema(self) -> dict[str, Any]:
        return {"type": "array", "items": {"type": "integer"}}


class Money(Field):
    json_type = "number"

    def __init__(
        self, *, minimum: Decimal | None = Decimal(0), maximum: Decimal | None = None, **kwargs: Any
    ):
        super().__init__(**kwargs)
        self.minimum = minimum
        self.maximum = maximum

    def convert(self, raw: Any, ctx: FormContext) -> Any:
        value = parse_decimal(raw)
        if value is None:
            raise FieldError("Please enter a valid money amount.")
        value = value.quantize(Decimal("0.01"))
        if self.minimum is not None and value < self.minimum:
            raise FieldError(f"This value should be greater than or equal to {self.minimum}.")
        if self.maximum is not None and value > self.maximum:
            raise FieldError(f"This value should be between {self.minimum} and {self.maximum}.")
        return value


class Number(Money):
    def convert(self, raw: Any, ctx: FormContext) -> Any:
        value = parse_decimal(raw)
        if value is None:
            raise FieldError("Please enter a number.")
        if self.minimum is not None and value < self.minimum:
            raise FieldError(f"This value should be greater than or equal to {self.minimum}.")
        if self.maximum is not None and value > self.maximum:
            raise FieldError(f"This value should be less than or equal to {self.maximum}.")
        return value


def parse_decimal(raw: Any) -> Decimal | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int | float):
        raw = repr(raw) if isinstance(raw, float) else str(raw)
    if not isinstance(raw, str):
        return None
    text = raw.strip()
    if not re.fullmatch(r"-?\d{1,15}(\.\d{1,6})?(e-?\d{1,2})?", text, flags=re.IGNORECASE):
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    if not value.is_finite() or abs(value) >= Decimal("1e15"):
        return None
    return value


_DURATION_COLON = re.compile(r"^(-)?(\d+):(\d{1,2})(?::(\d{1,2}))?$")
_DURATION_UNITS = re.compile(r"^(?:(\d+)h)?\s*(?:(\d+)m)?\s*(?:(\d+)s)?$", re.IGNORECASE)
_DURATION_DECIMAL = re.compile(r"^(-)?(\d+)(?:[.,](\d+))?$")
MAX_DURATION = 315_360_000_000_000


def parse_duration(raw: Any) -> int | None:
    """Kimai's duration input: "1:30", "1:30:15", "1h30m", "45s", decimal hours "10,25"."""
    if isinstance(raw, bool):
        return None
    text = str(raw).strip() if isinstance(raw, int | float | str) else None
    if text is None:
        return None
    if text == "":
        return 0
    seconds: int | None = None
    if match := _DURATION_COLON.match(text):
        sign, hours, minutes, secs = match.groups()
        seconds = int(hours) * 3600 + int(minutes) * 60 + int(secs or 0)
        if sign:
            seconds = -seconds
    elif match := _DURATION_DECIMAL.match(text):
        sign, whole, fraction = match.groups()
        value = Decimal(f"{whole}.{fraction or 0}") * 3600
        seconds = int(value.to_integral_value())
        if sign:
            seconds = -seconds
    elif (match := _DURATION_UNITS.match(text)) and any(match.groups()):
        hours, minutes, secs = (int(g or 0) for g in match.groups())
        seconds = hours * 3600 + minutes * 60 + secs
    if seconds is None or abs(seconds) > MAX_DURATION:
        return None
    return seconds


class Duration(Field):
    json_type = "string"

    def __init__(self, *, minimum: int | None = 0, maximum: int | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.minimum = minimum
        self.maximum = maximum

    def clean(self, raw: Any, ctx: FormContext) -> Any:
        if raw is None:
            return 0
        return self.convert(raw, ctx)

    def convert(self, raw: Any, ctx: FormContext) -> Any:
        value = parse_duration(raw)
        if value is None:
            raise FieldError(NOT_VALID)
        if self.minimum is not None and value < self.minimum:
            raise FieldError(f"This value should be greater than or equal to {self.minimum}.")
        if self.maximum is not None and value > self.maximum:
            raise FieldError(f"This value should be between {self.minimum} and {self.maximum}.")
        return value

    def empty_value(self) -> Any:
        return 0

    def schema(self) -> dict[str, Any]:
        return {
            "type": "string",
            "description": self.description or 'A duration: "1:30", "1h30m", "90m" or decimal hours "1.5"',
        }


class DateField(Field):
    """A calendar date: YYYY-MM-DD, or an HTML5 datetime whose date part is taken."""

    json_type = "string"

    def convert(self, raw: Any, ctx: FormContext) -> Any:
        if not isinstance(raw, str):
            raise FieldError("Please enter a valid date.")
        match = re.match(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ]\d{2}:\d{2}(?::\d{2})?)?$", raw.strip())
        if not match:
            raise FieldError("Please enter a valid date.")
        try:
            return date(*(int(g) for g in match.groups()))
        except ValueError as exc:
            raise FieldError("Please enter a valid date.") from exc

    def schema(self) -> dict[str, Any]:
        return {"type": "string", "format": "date"}


class LocalDateTime(Field):
    """An HTML5 local datetime read in the form's timezone (the wall time counts)."""

    json_type = "string"

    def convert(self, raw: Any, ctx: FormContext) -> Any:
        if not isinstance(raw, str):
            raise FieldError("Please enter a valid date and time.")
        value = parse_local_datetime(raw, ctx.timezone)
        if value is None:
            raise FieldError("Please enter a valid date and time.")
        return value

    def schema(self) -> dict[str, Any]:
        return {"type": "string", "format": "date-time", "example": "2024-05-01T14:00:00"}


class Choice(Field):
    def __init__(self, choices: Iterable[str] | Callable[[], Iterable[str]], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._choices = choices

    @property
    def choices(self) -> set[str]:
        source = self._choices() if callable(self._choices) else self._choices
        return set(source)

    def convert(self, raw: Any, ctx: FormContext) -> Any:
        text = _scalar_text(raw)
        if text not in self.choices:
            raise FieldError(INVALID_CHOICE)
        return text

    def schema(self) -> dict[str, Any]:
        result = super().schema()
        if not callable(self._choices):
            result["enum"] = sorted(self.choices)
        return result


class Color(Field):
    """One of the configured colours (or the record's current one); `#rgb`/`#rrggbb`."""

    def __init__(self, *, current_key: str = "color", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.current_key = current_key

    def convert(self, raw: Any, ctx: FormContext) -> Any:
        text = _scalar_text(raw).strip()
        if not re.fullmatch(r"#[0-9a-fA-F]{3}([0-9a-fA-F]{3})?", text):
            raise FieldError(INVALID_CHOICE)
        allowed = {c.lower() for c in ctx.colors}
        current = ctx.current.get(self.current_key)
        if allowed and text.lower() not in allowed and (not current or current.lower() != text.lower()):
            raise FieldError(INVALID_CHOICE)
        return text


_EMAIL = re.compile(
    r"^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$"
)


class Email(Text):
    def convert(self, raw: Any, ctx: FormContext) -> Any:
        text = super().convert(raw, ctx)
        if not _EMAIL.match(text):
            raise FieldError("This value is not a valid email address.")
        return text


class Url(Text):
    def convert(self, raw: Any, ctx: FormContext) -> Any:
        text = super().convert(raw, ctx)
        if not re.match(r"^[a-z][a-z0-9+.-]*://", text, flags=re.IGNORECASE):
            text = "https://" + text
        if not re.fullmatch(r"https?://[^\s/$.?#][^\s]*", text, flags=re.IGNORECASE) or not text.isascii():
            raise FieldError("This value is not a valid URL.")
        if self.max_length is not None and len(text) > self.max_length:
            raise FieldError(f"This value is too long. It should have {self.max_length} characters or less.")
        return text


_TIMEZONES: frozenset[str] = frozenset()


def known_timezones() -> frozenset[str]:
    global _TIMEZONES
    if not _TIMEZONES:
        _TIMEZONES = frozenset(available_timezones() | {"UTC"})
    return _TIMEZONES


class Timezone(Text):
    def convert(self, raw: Any, ctx: FormContext) -> Any:
        text = super().convert(raw, ctx)
        if text not in known_timezones():
            raise FieldError("This value is not a valid timezone.")
        try:
            ZoneInfo(text)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise FieldError("This value is not a valid timezone.") from exc
        return text


class Country(Text):
    def convert(self, raw: Any, ctx: FormContext) -> Any:
        text = super().convert(raw, ctx).upper()
        if text not in Locale("en").territories or not re.fullmatch(r"[A-Z]{2}", text):
            raise FieldError("This value is not a valid country.")
        return text


class Currency(Text):
    def convert(self, raw: Any, ctx: FormContext) -> Any:
        text = super().convert(raw, ctx).upper()
        if not re.fullmatch(r"[A-Z]{3}", text) or text not in Locale("en").currencies:
            raise FieldError("This value is not a valid currency.")
        return text


# Languages Kimai is translated into (the choices of its language selects).
TRANSLATED_LANGUAGES = (
    "ar bg ca cs da de de_CH el en eo es eu fa fi fo fr he hr hu id it ja ko nb_NO nl pa pl pt pt_BR "
    "ro ru sk sl sr sv ta tr uk vi zh_CN zh_Hant zh_Hant_TW"
).split()


class Language(Choice):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(TRANSLATED_LANGUAGES, **kwargs)


class LocaleField(Text):
    def convert(self, raw: Any, ctx: FormContext) -> Any:
        text = super().convert(raw, ctx)
        try:
            Locale.parse(text)
        except (UnknownLocaleError, ValueError, TypeError) as exc:
            raise FieldError("This value is not a valid locale.") from exc
        return text


class Nested(Field):
    """A list of sub-forms, such as a team's members."""

    json_type = "array"

    def __init__(self, form: Form, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.form = form

    def clean(self, raw: Any, ctx: FormContext) -> Any:
        if raw is None or raw == "":
            return []
        if isinstance(raw, dict):
            raw = list(raw.values())
        if not isinstance(raw, list):
            raise FieldError(NOT_VALID)
        items = []
        for item in raw:
            if not isinstance(item, dict):
                raise FieldError(NOT_VALID)
            items.append(self.form.parse(item, partial=False, ctx=ctx).values)
        return items

    def empty_value(self) -> Any:
        return []

    def schema(self) -> dict[str, Any]:
        return {"type": "array", "items": self.form.schema()}


# --- forms ----------------------------------------------------------------------------------


@dataclass
class FormData:
    """What a form read: `values` holds the submitted fields (all fields in full mode)."""

    values: dict[str, Any]
    fields: list[str]

    def __contains__(self, name: str) -> bool:
        return name in self.values

    def get(self, name: str, default: Any = None) -> Any:
        return self.values.get(name, default)


@dataclass
class FormResult:
    """Everything a form read: the valid values, and the errors per field and for the form."""

    values: dict[str, Any]
    field_errors: dict[str, list[str]]
    global_errors: list[str]


class Form:
    """The fields one endpoint accepts (for one caller; build it per request when it varies)."""

    def __init__(self, fields: Mapping[str, Field] | None = None, **kwargs: Field) -> None:
        self.fields: dict[str, Field] = {**(fields or {}), **kwargs}

    def without(self, *names: str) -> Form:
        return Form({k: v for k, v in self.fields.items() if k not in names})

    def with_fields(self, **extra: Field) -> Form:
        return Form({**self.fields, **extra})

    def parse(self, body: Any, *, partial: bool, ctx: FormContext | None = None) -> FormData:
        """Reads a decoded body.

        partial: a missing key keeps its current value (left out of `values`); otherwise a
        missing key is submitted as empty, as Kimai's full-submit forms do.
        """
        result = self.read(body, partial=partial, ctx=ctx)
        if result.field_errors or result.global_errors:
            raise ValidationFailed(result.field_errors, result.global_errors, fields=list(self.fields))
        return FormData(result.values, list(self.fields))

    def read(self, body: Any, *, partial: bool, ctx: FormContext | None = None) -> FormResult:
        """Like `parse`, but returns the errors next to the values of the fields that were valid,
        for forms whose entity rules still run when some fields failed (as Kimai's do)."""
        ctx = ctx or FormContext()
        if not isinstance(body, dict):
            raise BadRequest("the body must be a JSON object")
        result = FormResult({}, {}, [])
        if any(key not in self.fields for key in body):
            result.global_errors.append(EXTRA_FIELDS)
        for name, spec in self.fields.items():
            if name in body:
                raw = body[name]
            elif partial:
                continue
            else:
                raw = MISSING
            try:
                if raw is MISSING:
                    if spec.required:
                        raise FieldError(NOT_BLANK)
                    result.values[name] = spec.empty_value()
                else:
                    result.values[name] = spec.clean(raw, ctx)
            except FieldError as exc:
                result.field_errors[name] = exc.messages
        return result

    def fail(
        self, field_errors: Mapping[str, Iterable[str]], global_errors: Iterable[str] = ()
    ) -> ValidationFailed:
        """A validation error found after parsing (a uniqueness or choice rule), naming every field."""
        return ValidationFailed(field_errors, global_errors, fields=list(self.fields))

    def schema(self, required: bool = True) -> dict[str, Any]:
        props = {name: spec.schema() for name, spec in self.fields.items()}
        result: dict[str, Any] = {"type": "object", "properties": props}
        needed = [name for name, spec in self.fields.items() if spec.required]
        if needed and required:
            result["required"] = needed
        return result


def bool_query(value: str | None) -> bool | None:
    """A boolean query parameter as Kimai reads them: 1/true and 0/false."""
    if value is None or value == "":
        return None
    lowered = value.lower()
    if lowered in ("1", "true"):
        return True
    if lowered in ("0", "false"):
        return False
    raise BadRequest(f"invalid boolean {value!r}")
