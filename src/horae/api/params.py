"""Kimai's list query parameters: each one either parses or answers a plain 400."""

from __future__ import annotations

import re
from datetime import date

from horae.errors import BadRequest, NotFound

VISIBLE = 1
HIDDEN = 2
BOTH = 3

MAX_ID = 2**31 - 1
_ID = re.compile(r"[0-9]{1,12}")


def path_id(value: int) -> int:
    """A `{id:int}` path part: larger numbers cannot be ids, and answering 404 keeps them away
    from the database."""
    if value > MAX_ID:
        raise NotFound("id out of range")
    return value


def ascii_digits(value: str) -> bool:
    """Digits 0-9 only, as Kimai's `\\d+` requirements read them: `str.isdigit` also takes
    superscripts and other scripts' digits, which `int` then refuses or reads differently."""
    return value.isascii() and value.isdigit()


def parse_visibility(value: str | None) -> int:
    """`visible`: 1 visible only (default), 2 hidden only, 3 both."""
    if value is None or value == "":
        return VISIBLE
    if value not in ("1", "2", "3"):
        raise BadRequest(f"invalid visibility {value!r}")
    return int(value)


def parse_order(value: str | None) -> str:
    """`order`: ASC (default) or DESC, spelled exactly so."""
    if value is None or value == "":
        return "ASC"
    if value not in ("ASC", "DESC"):
        raise BadRequest(f"invalid order {value!r}")
    return value


def parse_choice(value: str | None, choices: tuple[str, ...], default: str) -> str:
    if value is None or value == "":
        return default
    if value not in choices:
        raise BadRequest(f"invalid value {value!r}")
    return value


def parse_flag(value: str | None, *, words: bool = False) -> bool | None:
    """A 0/1 switch (also true/false when `words`); None when absent."""
    if value is None or value == "":
        return None
    accepted_true = ("1", "true") if words else ("1",)
    accepted_false = ("0", "false") if words else ("0",)
    if value in accepted_true:
        return True
    if value in accepted_false:
        return False
    raise BadRequest(f"invalid switch {value!r}")


def parse_id(value: str | None) -> int | None:
    """An id filter: digits only; None when absent."""
    if value is None or value == "":
        return None
    if not _ID.fullmatch(value):
        raise BadRequest(f"invalid id {value!r}")
    return int(value)


def parse_ids(values: list[str] | None) -> list[int]:
    """A list of id filters without repetitions, in the order given."""
    result: list[int] = []
    for value in values or []:
        number = parse_id(value)
        if number is not None and number not in result:
            result.append(number)
    return result


def parse_id_list(bracketed: list[str] | None, plain: list[str] | None) -> list[int]:
    """`name[]=1&name[]=2` as Kimai 2 reads it, plus `name=1,2` as older clients still send it."""
    values = list(bracketed or [])
    for item in plain or []:
        values.extend(part.strip() for part in item.split(",") if part.strip())
    return parse_ids(values)


_QUERY_DATE = re.compile(r"^([0-9]{4})-([0-9]{2})-([0-9]{2})(?:T[0-9]{2}:[0-9]{2}:[0-9]{2})?$")


def parse_query_date(value: str | None) -> date | None:
    """`Y-m-d` or `Y-m-dTH:i:s`; only the calendar day counts."""
    if value is None or value == "":
        return None
    match = _QUERY_DATE.match(value)
    if not match:
        raise BadRequest(f"invalid date {value!r}")
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError as exc:
        raise BadRequest(f"invalid date {value!r}") from exc
