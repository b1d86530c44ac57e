"""The routes of Horae: a synchronous handler ends the request's unit of work in its own thread.

FastAPI runs a plain handler on a worker thread and the request session's end (`api/deps.
get_session`) on another one afterwards, after a round trip through the event loop. A writing
unit of work on SQLite holds the write lock until it ends, so every other writer waited for that
round trip too. Committed at the handler's return, in the handler's thread, the unit of work
gives its connection (and with it the lock) back at once; the session's end then only closes it.
The unit of work's rule is unchanged: committed when the handler returns, rolled back when it
raises, before the answer leaves.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

from fastapi.routing import APIRoute
from sqlalchemy.orm import Session


def _committing(handler: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(handler)
    def run(*args: Any, **kwargs: Any) -> Any:
        answer = handler(*args, **kwargs)
        for value in kwargs.values():
            if isinstance(value, Session) and value.in_transaction():
                value.commit()
        return answer

    return run


class UnitOfWorkRoute(APIRoute):
    """An APIRoute whose synchronous handler commits the session it was given when it returns."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        if not inspect.iscoroutinefunction(endpoint):
            endpoint = _committing(endpoint)
        super().__init__(path, endpoint, **kwargs)
