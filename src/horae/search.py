"""Kimai's free-text `term` parameter, turned into one SQL condition.

The term is split on whitespace and every part must hold:
* `word` - some searchable column contains it;
* `!word` - no searchable column contains it (a NULL column counts as not containing it);
* `name:value` - the custom field `name` contains `value`; `name:*` - it has a value;
  `name:~` - the record has no such field; `name:""` - empty or missing; `name:!value` - does
  not contain it.
Matching is case-insensitive on every backend.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, false, func, or_, select, true

LIKE_ESCAPE = "/"


@dataclass(frozen=True)
class TermPart:
    term: str
    field: str | None = None
    excluded: bool = False


def parse_term(raw: str | None) -> list[TermPart]:
    parts: list[TermPart] = []
    # NUL never occurs in stored text, and PostgreSQL refuses it in parameters.
    for word in (raw or "").replace("\x00", "").split():
        field = None
        term = word
        if ":" in word:
            name, value = word.split(":", 1)
            # "name:" is a plain word that happens to contain a colon
            if value != "":
                field = name
                term = "" if value == '""' else value
        excluded = False
        if len(term) > 1 and term.startswith("!"):
            term = term[1:]
            excluded = True
        parts.append(TermPart(term, field, excluded))
    return parts


def like_pattern(text: str) -> str:
    escaped = text.lower().replace(LIKE_ESCAPE, LIKE_ESCAPE * 2).replace("%", "/%").replace("_", "/_")
    return f"%{escaped}%"


def contains(column: Any, text: str) -> ColumnElement[bool]:
    """`column` contains `text`, case-insensitively and with wildcards taken literally. Text with a
    NUL character is contained nowhere: no stored text holds one, and PostgreSQL refuses it."""
    if "\x00" in text:
        return false()
    return func.lower(column).like(like_pattern(text), escape=LIKE_ESCAPE)


def term_condition(
    raw: str | None,
    columns: Sequence[Any],
    meta_model: Any,
    meta_owner: Any,
    owner_id: Any,
) -> ColumnElement[bool]:
    """The condition a record must meet to match `raw`.

    meta_model/meta_owner: the record's custom-field table and its column pointing at the record;
    owner_id: the record's id column in the outer query.
    """
    conditions: list[ColumnElement[bool]] = []
    for part in parse_term(raw):
        if part.field is not None:
            conditions.append(_meta_condition(part, meta_model, meta_owner, owner_id))
        elif part.excluded:
            conditions.append(
                and_(*(or_(column.is_(None), ~contains(column, part.term)) for column in columns))
            )
        else:
            conditions.append(or_(*(contains(column, part.term) for column in columns)))
    return and_(true(), *conditions)


def _meta_condition(part: TermPart, meta_model: Any, meta_owner: Any, owner_id: Any) -> ColumnElement[bool]:
    assert part.field is not None
    same_field = and_(meta_owner == owner_id, func.lower(meta_model.name) == part.field.lower())
    has_value = and_(meta_model.value.is_not(None), meta_model.value != "")

    def rows(*extra: ColumnElement[bool]) -> ColumnElement[bool]:
        return exists(select(1).select_from(meta_model).where(same_field, *extra))

    if part.term == "~":
        condition = ~rows()
    elif part.term == "*":
        condition = rows(has_value)
    elif part.term == "":
        condition = ~rows(has_value)
    else:
        condition = rows(has_value, contains(meta_model.value, part.term))
    return ~condition if part.excluded else condition
