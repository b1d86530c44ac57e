"""Jinja2 rendering of pages: one environment per interface language (its constant texts
translated when a template is compiled), the person's texts and formats set per render."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any
from weakref import WeakKeyDictionary

from babel.support import NullTranslations
from fastapi import Request
from fastapi.routing import iter_route_contexts
from jinja2 import Environment, FileSystemLoader, nodes, pass_eval_context, select_autoescape
from jinja2.compiler import CodeGenerator
from jinja2.idtracking import VAR_LOAD_RESOLVE
from jinja2.nodes import EvalContext
from markupsafe import Markup, escape

# markupsafe's own escaping of a plain string (what `escape` wraps in Markup), C-accelerated.
from markupsafe import _escape_inner as _escape_text
from starlette.responses import HTMLResponse
from starlette.routing import NoMatchFound

from horae.security.authentication import LiveWebSession
from horae.security.permissions import Actor
from horae.settings import Settings
from horae.users.models import User
from horae.users.service import user_timezone
from horae.web.choices import option_tags
from horae.web.i18n import (
    N_,
    UI_LANGUAGES,
    Formatter,
    negotiate_language,
    parse_locale,
    translate_message,
    translations,
    ui_language,
)
from horae.web.navigation import menu_for

TEMPLATES_DIR = Path(__file__).parent / "templates"
# Confirmations shown after a redirect (`?saved=<key>`), so a reload never repeats the action.
SAVED_MESSAGES: dict[str, str] = {
    "personal": N_("Your personal data has been saved."),
    "preferences": N_("Your preferences have been saved."),
    "password": N_("Your password has been changed."),
    "api_password": N_("Your API password has been set."),
    "token_revoked": N_("The access token has been revoked."),
    "started": N_("The timer has been started."),
    "stopped": N_("The timer has been stopped."),
    "timesheet_created": N_("The entry has been saved."),
    "timesheet_saved": N_("The entry has been saved."),
    "timesheet_duplicated": N_("The entry has been duplicated."),
    "timesheet_deleted": N_("The entry has been deleted."),
    "week_saved": N_("The week has been saved."),
    "settings": N_("The settings have been saved."),
    "permissions": N_("The permissions have been saved."),
}
STATIC_DIR = Path(__file__).parent / "static"

_active_translations: ContextVar[NullTranslations] = ContextVar("horae_translations")
# The person's view while their page renders: what the filters, `url` and `csrf_field` read, so
# that the macro libraries are imported without the page's context (an import with context runs
# the library again for every page).
_active_ui: ContextVar[Ui] = ContextVar("horae_ui")


def _active() -> NullTranslations:
    found = _active_translations.get(None)
    return translations("en") if found is None else found


def _gettext(message: str) -> str:
    return _active().gettext(message)


def _ngettext(singular: str, plural: str, number: int) -> str:
    return _active().ngettext(singular, plural, number)


# The templates' `_()`, `gettext` and `ngettext`: what jinja2's newstyle i18n callables do, in one
# call instead of three nested ones (the alias `_`, the context's wrapper, the function), which a
# page pays for each of its 30 to 70 texts. The translation is markup where the template escapes,
# and it is always a format string: `%%` stands for `%`, variables are escaped into it.


@pass_eval_context
def _template_gettext(eval_ctx: EvalContext, message: str, /, **variables: Any) -> str:
    translated: str = _active().gettext(message)
    if eval_ctx.autoescape:
        return _markup_format(translated, variables)
    if variables or "%" in translated:
        return translated % variables
    return translated


@pass_eval_context
def _template_ngettext(
    eval_ctx: EvalContext, singular: str, plural: str, number: int, /, **variables: Any
) -> str:
    variables.setdefault("num", number)
    translated: str = _active().ngettext(singular, plural, number)
    if eval_ctx.autoescape:
        return _markup_format(translated, variables)
    return translated % variables


# Numbers go into a translation as they are (`%(num)d` needs a number; their text needs no
# escaping), everything else escaped.
_UNESCAPED = (int, float, Decimal)


def _markup_format(translated: str, variables: dict[str, Any]) -> Markup:
    """`Markup(translated) % variables` in one step: Markup's own `%` wraps the mapping and each
    value in helper objects (a few µs a text; the dashboard formats about thirty)."""
    if not variables and "%" not in translated:
        return Markup(translated)
    escaped = {
        name: value if isinstance(value, _UNESCAPED) else escape(value) for name, value in variables.items()
    }
    return Markup(translated % escaped)


@dataclass(frozen=True)
class Person:
    """The signed-in person as the layout shows them; plain values, safe after a rollback."""

    id: int
    username: str
    display_name: str
    color: str | None
    requires_password_reset: bool


@dataclass
class Ui:
    """What every page needs to know about the person looking at it."""

    request: Request
    language: str
    formatter: Formatter
    person: Person | None = None
    permissions: frozenset[str] = frozenset()
    # The session's form token, or the sign-in form's token when there is no session yet.
    csrf_token: str = ""
    first_weekday: str = "monday"
    # The person's running timers, shown in the header of every page.
    timers: tuple[Any, ...] = ()

    @property
    def translations(self) -> NullTranslations:
        return translations(self.language)

    def gettext(self, message: str) -> str:
        return self.translations.gettext(message)

    def message(self, text: str) -> str:
        """A form or service message, translated."""
        return translate_message(self.gettext, text)

    def can(self, permission: str) -> bool:
        return permission in self.permissions


def ui_for_user(
    request: Request, user: User, actor: Actor, web_session: LiveWebSession, timers: tuple[Any, ...] = ()
) -> Ui:
    language = ui_language(user.preference("language"))
    locale = parse_locale(user.preference("locale"), user.preference("language") or language)
    first_weekday = "sunday" if user.preference("first_weekday") == "sunday" else "monday"
    person = Person(user.id, user.username, user.display_name, user.color, bool(user.requires_password_reset))
    return Ui(
        request,
        language,
        Formatter(locale, user_timezone(user)),
        person=person,
        permissions=actor.permissions,
        csrf_token=web_session.csrf_token,
        first_weekday=first_weekday,
        timers=timers,
    )


def anonymous_ui(request: Request) -> Ui:
    settings: Settings = request.app.state.settings
    language = negotiate_language(request.headers.get("accept-language"), settings.default_language)
    return Ui(request, language, Formatter(parse_locale(language), settings.default_timezone))


@lru_cache(maxsize=64)
def _asset_version(name: str) -> str:
    path = STATIC_DIR / name
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12] if path.is_file() else "0"


def static_url(name: str) -> str:
    """A static file's URL with its content hash, so browsers may cache it for long."""
    return f"/static/{name}?v={_asset_version(name)}"


def initials(name: str) -> str:
    """Two letters for an avatar, as Kimai makes them: words' first letters, or a word's first two."""
    if "@" in name:
        name = name.split("@", 1)[0].replace(".", " ")
    words = name.split()
    if not words:
        return ""
    if len(words) == 1:
        return words[0][:2].upper()
    return "".join(word[0] for word in words)[:2].upper()


def epoch_milliseconds(value: datetime) -> int:
    """An instant as the milliseconds since 1970 that the pages' script counts a timer from."""
    return int(value.timestamp() * 1000)


def escape_output(value: Any) -> str:
    """A value written into a page, escaped exactly as markupsafe's `escape` does it.

    The pieces of a page are only joined into one string (a macro's into Markup), so they need
    not be Markup themselves: a plain string is escaped without the Markup object `escape` wraps
    it in, and Markup (a macro's result, a translation) is written as it is, where `escape` would
    make a copy. About 400 values a page, 0.3-0.5 µs each."""
    kind = type(value)
    if kind is str:
        return _escape_text(value)
    if kind is Markup:
        return value
    if kind is int:
        return str(value)
    return escape(value)


def csrf_field(token: str) -> Markup:
    """The hidden field of a form's token (the macro library's `csrf`)."""
    return Markup(f'<input type="hidden" name="csrf_token" value="{escape(token)}">')


class _OutputCodeGenerator(CodeGenerator):
    """Jinja's code generator, writing escaped output through `environment.escape_output`, and
    in an environment of one language (`_Environment.language`) its constant texts translated."""

    def _output_child_pre(self, node: Any, frame: Any, finalize: Any) -> None:
        if frame.eval_ctx.volatile or not frame.eval_ctx.autoescape:
            super()._output_child_pre(node, frame, finalize)
            return
        self.write("environment.escape_output(")
        if finalize.src is not None:
            self.write(finalize.src)

    def visit_Call(self, node: nodes.Call, frame: Any, forward_caller: bool = False) -> None:
        translated = self._translated(node, frame)
        if translated is None:
            # By keyword: Jinja's wrapper of the method takes no third positional argument.
            super().visit_Call(node, frame, forward_caller=forward_caller)
        elif not node.kwargs:
            self.write(f"Markup({str(_markup_format(translated, {}))!r})")
        else:
            # `_("… %(name)s …", name=value)`: formatted at once, not through the context's call
            # of `_template_gettext` (about 1.5 µs for each of a page's 20 to 40 such texts).
            self.write(f"environment.markup_format({translated!r}, {{")
            for keyword in node.kwargs:
                self.write(f"{keyword.key!r}: ")
                self.visit(keyword.value, frame)
                self.write(", ")
            self.write("})")

    def _translated(self, node: nodes.Call, frame: Any) -> str | None:
        """The translation of `_("a constant", name=value, …)` in this environment's language,
        which `_template_gettext` formats into Markup, or None for any other call; `_` must be
        the global one."""
        language = getattr(self.environment, "language", None)
        if language is None or frame.eval_ctx.volatile or not frame.eval_ctx.autoescape:
            return None
        called, arguments = node.node, node.args
        if not (isinstance(called, nodes.Name) and called.name == "_" and len(arguments) == 1):
            return None
        if node.dyn_args is not None or node.dyn_kwargs is not None:
            return None
        message = arguments[0]
        if not (isinstance(message, nodes.Const) and isinstance(message.value, str)):
            return None
        reference = frame.symbols.find_ref("_")
        if reference is None or frame.symbols.find_load(reference) != (VAR_LOAD_RESOLVE, "_"):
            return None
        translated: str = translations(language).gettext(message.value)
        return translated


class _Environment(Environment):
    code_generator_class = _OutputCodeGenerator
    escape_output = staticmethod(escape_output)
    markup_format = staticmethod(_markup_format)
    # The language whose constant texts the templates are compiled in; None: translated as the
    # page renders.
    language: str | None = None


def _environment(language: str | None = None) -> Environment:
    env = _Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        # The templates ship with the package and change with a release, which restarts the
        # server: no page looks at their files' times again (three stat calls a page).
        auto_reload=False,
    )
    env.install_gettext_callables(_gettext, _ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.globals.update(_=_template_gettext, gettext=_template_gettext, ngettext=_template_ngettext)

    ui = _active_ui.get
    env.filters["date"] = lambda v, f="medium": ui().formatter.format_date(v, f)
    env.filters["day"] = lambda v, f="MMMEd": ui().formatter.format_day(v, f)
    env.filters["initials"] = initials
    env.filters["epoch_ms"] = epoch_milliseconds
    env.filters["datetime"] = lambda v, f="medium": ui().formatter.format_datetime(v, f)
    env.filters["time"] = lambda v, f="short": ui().formatter.format_time(v, f)
    env.filters["number"] = lambda v, d=2: ui().formatter.format_number(v, d)
    env.filters["duration"] = Formatter.format_duration
    env.filters["hours"] = lambda v: ui().formatter.format_hours(v)
    env.filters["message"] = lambda v: ui().message(v)
    env.filters["option_tags"] = option_tags
    env.globals["static_url"] = static_url
    env.globals["url"] = lambda name, **params: url_path(ui().request.app, name, **params)
    env.globals["csrf_field"] = lambda: csrf_field(ui().csrf_token)
    env.language = language
    return env


environment = _environment()
# The pages of each language, their constant texts translated once, when a template is compiled
# (a page has 30 to 60: each a call through Jinja's context at every render).
_PAGES = {language: _environment(language) for language in UI_LANGUAGES}


@dataclass
class _Paths:
    """One application's routes by name, and the paths of those named without parameters."""

    routes: dict[str, list[Any]]
    plain: dict[str, str]
    # Paths with parameters by (name, parameters): a page's rows link the same records on every
    # request (Starlette builds each in about 7 µs).
    made: dict[tuple[Any, ...], str]


_MADE_PATHS_KEPT = 4096
# Ids and keys: equal values of these types make the same path (1 and True would not).
_KEPT_PARAMETER_TYPES = (int, str)


_PATHS: WeakKeyDictionary[Any, _Paths] = WeakKeyDictionary()


def url_path(app: Any, name: str, **params: Any) -> str:
    """The path of a named route, as `app.url_path_for` finds it, with the routes of each name
    listed once per application: the router tries every route (hundreds with the API's, each
    miss an exception) for every link, half a millisecond, and a list writes links per row.
    A path without parameters (the menu's, the layout's: twenty a page) is made once, one with
    ids or keys kept while the application has made fewer than `_MADE_PATHS_KEPT`."""
    paths = _PATHS.get(app)
    if paths is None:
        routes: dict[str, list[Any]] = {}
        for route in iter_route_contexts(app.router.routes):
            if route.name:
                routes.setdefault(route.name, []).append(route)
        paths = _PATHS[app] = _Paths(routes, {}, {})
    if not params:
        found = paths.plain.get(name)
        if found is None:
            found = paths.plain[name] = _path_for(app, paths.routes, name)
        return found
    if not all(type(value) in _KEPT_PARAMETER_TYPES for value in params.values()):
        return _path_for(app, paths.routes, name, **params)
    key = (name, *params.items())
    found = paths.made.get(key)
    if found is None:
        if len(paths.made) >= _MADE_PATHS_KEPT:
            paths.made.clear()
        found = paths.made[key] = _path_for(app, paths.routes, name, **params)
    return found


def _path_for(app: Any, routes: dict[str, list[Any]], name: str, **params: Any) -> str:
    for route in routes.get(name, ()):
        try:
            return str(route.url_path_for(name, **params))
        except NoMatchFound:
            continue
    return str(app.url_path_for(name, **params))


def _render_text(ui: Ui, template: str, values: Mapping[str, Any]) -> str:
    token, ui_token = _active_translations.set(ui.translations), _active_ui.set(ui)
    try:
        return _PAGES.get(ui.language, environment).get_template(template).render(values)
    finally:
        _active_ui.reset(ui_token)
        _active_translations.reset(token)


def _header(ui: Ui, path: str) -> Markup:
    """The layout's header: the menu, the person, their running timers. A signed-in person's is
    kept (`fragment`); a visitor's form token is their own, and their header is short."""
    values = {"person": ui.person, "permissions": ui.permissions, "timers": ui.timers, "current_path": path}
    if ui.person is None:
        return Markup(_render_text(ui, "header.html", {**values, "menu": menu_for(ui.permissions)}))
    return fragment(ui, "header.html", lambda: {"menu": menu_for(ui.permissions)}, **values)


def render(
    ui: Ui,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
) -> HTMLResponse:
    """Renders a page in the person's language; pages are never cached (they hold personal data)."""
    request = ui.request
    path = request.url.path
    values: dict[str, Any] = {
        "ui": ui,
        "header": _header(ui, path),
        "current_path": path,
        "saved_message": SAVED_MESSAGES.get(request.query_params.get("saved", "")),
        **(context or {}),
    }
    response = HTMLResponse(_render_text(ui, template, values), status_code=status_code)
    response.headers["Cache-Control"] = "no-store"
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


# Parts of pages as rendered for their values (`fragment`), up to about this many characters.
_FRAGMENTS: dict[tuple[Any, ...], Markup] = {}
_FRAGMENT_CHARACTERS_KEPT = 8_000_000
_fragment_characters = 0
# Storing a part and counting its characters: pages render on several threads.
_fragments_stored = threading.Lock()


def _frozen(value: Any) -> Any:
    """A value as part of a fragment's key: a list as a tuple, a dictionary as its items."""
    kind = type(value)
    if kind is list:
        return tuple(value)
    if kind is dict:
        return (dict, tuple(value.items()))
    return value


def fragment(
    ui: Ui, template: str, derived: Callable[[], Mapping[str, Any]] | None = None, **values: Any
) -> Markup:
    """A part of a page, its own template, rendered once for the same values and kept.

    The part reads its `values`, what `derived` makes of them (built only when the part is
    rendered), and the pages' functions: texts in the person's language, formats of their locale
    and timezone, links, the form token. Those four are part of the key with the values, so an
    equal key renders the same text; the part must not read the person's view otherwise (it gets
    no `ui`). Values that are equal must render alike, as the rows of one statement do (`1` and
    `1.0` are one key). A page that shows the same records again (a dashboard reloaded, polled)
    writes its rows, charts and lists without formatting a value; a changed value is a new key.
    The kept parts are dropped together once they hold `_FRAGMENT_CHARACTERS_KEPT` characters."""
    global _fragment_characters
    key = (
        template,
        ui.language,
        ui.formatter.locale_name,
        ui.formatter.timezone,
        ui.csrf_token,
        *[(name, _frozen(value)) for name, value in values.items()],
    )
    found = _FRAGMENTS.get(key)
    if found is None:
        context = dict(values)
        if derived is not None:
            context.update(derived())
        found = Markup(_render_text(ui, template, context))
        with _fragments_stored:
            if _fragment_characters + len(found) > _FRAGMENT_CHARACTERS_KEPT:
                _FRAGMENTS.clear()
                _fragment_characters = 0
            if _FRAGMENTS.setdefault(key, found) is found:
                _fragment_characters += len(found)
    return found
