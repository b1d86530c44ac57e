"""Dependencies whose work runs in the handler's own thread.

FastAPI runs each synchronous dependency on a worker thread of its own, and then the synchronous
handler on another one. Every such hand-off is a round trip through the event loop that costs as
much CPU as a small query, and the caller's authentication, a synchronous dependency of nearly
every route, was one of them on every request.

A dependency marked `in_handler_thread` is declared to FastAPI as an asynchronous one that only
returns a `Deferred`: FastAPI still solves its parameters (and caches it once a request), and
the route (`api/routing.UnitOfWorkRoute`) makes the value in the handler's thread just before
it calls the handler, each `Deferred` once, in the order the handler declares its parameters.
A `late` one, the body's decoding, is made after all others: Kimai answers 401 and 403 before
400. Nothing else about the order changes: a route's path parameters are matched by their
converters before any dependency runs, and no query parameter is required. A route of another
class would hand its handler the `Deferred` itself: every router is built with
`UnitOfWorkRoute` (`tests/api/test_unit_of_work.py` checks every route of the application).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


class Deferred:
    """A dependency's value, made by `value()` on first use (in the handler's thread)."""

    __slots__ = ("_arguments", "_call", "_made", "_value", "late")

    def __init__(self, call: Callable[..., Any], arguments: dict[str, Any], *, late: bool = False) -> None:
        self._call = call
        self._arguments = arguments
        self._made = False
        self._value: Any = None
        self.late = late

    def value(self) -> Any:
        if not self._made:
            arguments = {name: made(argument) for name, argument in self._arguments.items()}
            self._value = self._call(**arguments)
            self._made = True
        return self._value


def made(argument: Any) -> Any:
    return argument.value() if isinstance(argument, Deferred) else argument


def in_handler_thread(function: Callable[..., T]) -> Callable[..., Any]:
    """The synchronous dependency `function`, run in the handler's thread instead of its own.

    FastAPI reads the parameters (and their annotations, in `function`'s module) through
    `__wrapped__`, and awaits the wrapper because it is a coroutine function."""

    @functools.wraps(function)
    async def deferring(**arguments: Any) -> Deferred:
        return Deferred(function, arguments)

    deferring.in_handler_thread = True  # type: ignore[attr-defined]
    return deferring


def is_deferring(call: Any) -> bool:
    return getattr(call, "in_handler_thread", False) is True


def make_arguments(arguments: dict[str, Any]) -> dict[str, Any]:
    """The handler's keyword arguments with every `Deferred` made: in order, the late ones last."""
    pending = [name for name, argument in arguments.items() if isinstance(argument, Deferred)]
    if not pending:
        return arguments
    done = dict(arguments)
    for late in (False, True):
        for name in pending:
            if arguments[name].late is late:
                done[name] = arguments[name].value()
    return done
