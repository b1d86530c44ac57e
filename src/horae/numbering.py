"""Generated record numbers from Kimai's number formats, such as `{cc,4}` → `0007`.

A format is text with `{…}` placeholders: a counter (`cc` customers, `pc` projects, `ac`
activities: the number of records plus one), the date (`Y`, `y`, `M`, `m`, `D`, `d`) or a date
shifted by the increment (`YY`, `yy`, `MM`, `DD`, one by default). `+N`/`-N` change the
increment, `,N` pads with zeros to N characters. Unknown placeholders stay as they are.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from horae.api.params import ascii_digits
from horae.locks import hold_lock

_PLACEHOLDER = re.compile(r"{[^}]*?}")
_MODIFIERS = re.compile(r"([+\-,])")
# Tries before giving up on a free number (Kimai's limit).
MAX_ATTEMPTS = 100


def format_number(fmt: str, counter: int, today: date) -> str | None:
    """The number for one counter value; None when the format is malformed."""
    result = fmt
    for placeholder in _PLACEHOLDER.findall(fmt):
        value = _replace(placeholder, counter, today)
        if value is None:
            return None
        result = result.replace(placeholder, value, 1)
    return result


def _replace(placeholder: str, counter: int, today: date) -> str | None:
    pieces = _MODIFIERS.split(placeholder[1:-1])
    name, modifiers = pieces[0], pieces[1:]
    if len(modifiers) % 2:
        return None
    increment = 0
    width: int | None = None
    for sign, amount in zip(modifiers[::2], modifiers[1::2], strict=True):
        if not ascii_digits(amount):
            return None
        if sign == "+":
            increment += int(amount)
        elif sign == "-":
            increment -= int(amount)
        else:
            width = int(amount)
    if increment == 0:
        increment = 1
    values: dict[str, Callable[[], str | int]] = {
        "Y": lambda: today.strftime("%Y"),
        "y": lambda: today.strftime("%y"),
        "M": lambda: today.strftime("%m"),
        "m": lambda: today.month,
        "D": lambda: today.strftime("%d"),
        "d": lambda: today.day,
        "YY": lambda: today.year + increment,
        "yy": lambda: int(today.strftime("%y")) + increment,
        "MM": lambda: today.month + increment,
        "DD": lambda: today.day + increment,
        "cc": lambda: counter + increment - 1,
        "pc": lambda: counter + increment - 1,
        "ac": lambda: counter + increment - 1,
    }
    producer = values.get(name)
    text = placeholder if producer is None else str(producer())
    if width is not None:
        text = text.rjust(width, "0")
    return text


def next_number(session: Session, model: type, fmt: str, today: date) -> str | None:
    """The next free number for `model` (which has `number`) in the format `fmt`.

    Counts the records (a varchar column has no usable maximum) and moves on while the number is
    taken; None when the format is empty or no free number was found. Holds the model's number
    lock until the transaction ends, so that concurrent creates count each other's records.
    """
    if not fmt:
        return None
    lock_numbers(session, model)
    count = session.scalar(select(func.count()).select_from(model)) or 0
    for attempt in range(MAX_ATTEMPTS):
        number = format_number(fmt, count + 1 + attempt, today)
        if number is None:
            return None
        number = number[: model.number.type.length]  # type: ignore[attr-defined]
        taken = session.scalar(select(model.id).where(model.number == number).limit(1))  # type: ignore[attr-defined]
        if taken is None:
            return number
    return None


def lock_numbers(session: Session, model: type) -> None:
    """Serializes choosing and checking numbers of `model` until the transaction ends."""
    hold_lock(session, f"numbers:{model.__tablename__}")  # type: ignore[attr-defined]
