"""Links of the pages (the named routes' paths, found as the router finds them) and their texts."""

from __future__ import annotations

import sys
from collections import namedtuple
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from fastapi import Request
from jinja2 import Environment
from markupsafe import Markup, escape
from starlette.routing import NoMatchFound

from horae.app import create_app
from horae.settings import Settings
from horae.timesheets.service import RecentPair
from horae.web import rendering
from horae.web.i18n import Formatter, parse_locale, translations
from horae.web.rendering import url_path

LINKS = [
    ("timesheets", {}),
    ("timesheet_edit", {"timesheet_id": 5}),
    ("tag_edit", {"tag_id": 3}),
    ("customer_edit", {"entity_id": 4}),
    ("project_rate_delete", {"entity_id": 4, "rate_id": 9}),
    ("static", {"path": "/horae.css"}),
]


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('links') / 'horae.sqlite'}"
    return create_app(Settings(database_url=url, environment="local"))


@pytest.mark.parametrize(("name", "params"), LINKS)
def test_a_named_route_has_the_routers_path(app, name, params):
    assert url_path(app, name, **params) == str(app.url_path_for(name, **params))
    # Asked again: from the list of routes by name.
    assert url_path(app, name, **params) == str(app.url_path_for(name, **params))


def test_paths_with_parameters_are_kept_per_value_and_within_their_limit(app, monkeypatch):
    monkeypatch.setattr(rendering, "_MADE_PATHS_KEPT", 3)
    for number in (1, 2, 3, 4, 5, 1, 2):
        assert url_path(app, "timesheet_edit", timesheet_id=number) == f"/timesheets/{number}/edit"
    assert len(rendering._PATHS[app].made) <= 3
    # Only ids and keys are kept: True is not the 1 asked for before.
    assert url_path(app, "timesheet_edit", timesheet_id=True) == str(
        app.url_path_for("timesheet_edit", timesheet_id=True)
    )


WRONG = [("no_such_page", {}), ("timesheet_edit", {}), ("week", {"x": 1})]


@pytest.mark.parametrize(("name", "params"), WRONG)
def test_an_unknown_name_or_wrong_parameters_fail_as_in_the_router(app, name, params):
    # Asked twice: a failure is not kept as a path.
    for _ in range(2):
        with pytest.raises(NoMatchFound):
            url_path(app, name, **params)


TEXTS = [
    "{{ _('Dashboard') }} {{ gettext('Week') }}",
    "{{ _('100%% done') }}",
    "{{ _('Hours of %(name)s', name=who) }}",
    "{% trans %}Hello {{ who }}{% endtrans %}",
    "{% trans count=n %}One entry{% pluralize %}{{ count }} entries{% endtrans %}",
    "{{ ngettext('%(num)s day', '%(num)s days', n) }} {{ ngettext('a day', 'days of %(who)s', n, who=who) }}",
    "{{ _('Save') }}{{ _('Cancel') }}{{ _('Start') }}{{ _('Stop') }}",
    "{{ _('%(n)d of %(share).1f %% by %(who)s', n=n, share=n / 3, who=who) }}",
    "{% set labels = {'a': _('Today'), 'b': _('Week')} %}{{ labels.a }}/{{ labels['b'] }}",
    "{{ _('Save')|upper }}",
    "{% macro field(label) %}<label>{{ label }}</label>{% endmacro %}{{ field(_('Name')) }}",
]


@pytest.mark.parametrize("language", ["en", "de"])
@pytest.mark.parametrize("source", TEXTS)
def test_the_templates_texts_are_what_jinjas_own_i18n_gives(language, source):
    """The templates' `_`, `gettext` and `ngettext` are Horae's own one-call versions of jinja2's
    newstyle callables: the same markup, `%%`, escaped variables and plurals, in each language."""
    jinja = Environment(autoescape=True, extensions=["jinja2.ext.i18n"])
    jinja.install_gettext_callables(rendering._gettext, rendering._ngettext, newstyle=True)
    token = rendering._active_translations.set(translations(language))
    try:
        for values in ({"who": "<b>Ana</b>", "n": 1}, {"who": "Bo & Co", "n": 3}):
            expected = jinja.from_string(source).render(values)
            # Translated as the page renders, and with the constant texts translated when the
            # template is compiled (the pages of each language).
            for environment in (rendering.environment, rendering._PAGES[language]):
                assert environment.from_string(source).render(values) == expected
            assert "<b>" not in expected
    finally:
        rendering._active_translations.reset(token)


def test_a_constant_text_is_translated_when_compiled_unless_underscore_is_not_the_global():
    german = rendering._PAGES["de"]
    assert german.from_string("{{ _('Save') }}").render() == translations("de").gettext("Save") != "Save"
    assert "Markup(" in german.compile("{{ _('Save') }}", raw=True)
    # A text with variables is formatted at once, not called through the context.
    with_variables = german.compile("{{ _('since %(time)s', time=when) }}", raw=True)
    assert "environment.markup_format(" in with_variables and "context.call" not in with_variables
    # A `_` of the template's own is called as the template says.
    shadowed = "{% set _ = upper %}{{ _('Save') }}|{% for _ in ['x'] %}{{ _ }}{% endfor %}"
    assert german.from_string(shadowed).render(upper=str.upper) == "SAVE|x"
    own = "{% set _ = join %}{{ _('<b>', first='a') }}"
    assert german.from_string(own).render(join=lambda text, first: first + text) == "a&lt;b&gt;"


def test_a_translated_text_reaches_the_page_in_the_persons_language():
    token = rendering._active_translations.set(translations("de"))
    try:
        shown = rendering.environment.from_string("{{ _('Save') }}").render()
    finally:
        rendering._active_translations.reset(token)
    assert shown == translations("de").gettext("Save") != "Save"


def test_the_macro_libraries_are_imported_once_not_with_each_pages_context():
    """An import with context runs the library again for every page; the macros read the
    person's view from the render instead (`rendering._active_ui`)."""
    imports = [
        line.strip()
        for page in rendering.TEMPLATES_DIR.rglob("*.html")
        for line in page.read_text().splitlines()
        if "{% import" in line or "{% from" in line
    ]
    assert imports, "the pages import their macro libraries"
    assert [line for line in imports if "with context" in line] == []


def test_the_filters_and_links_of_a_macro_library_follow_the_page_being_rendered(app):
    source = '{% import "macros.html" as m %}{{ m.csrf() }} {{ url("tags") }} {{ 3600|hours }}'
    template = rendering.environment.from_string(source)
    shown = []
    for token, locale in (("first", "en"), ("second", "de")):
        request = Request({"type": "http", "app": app, "headers": [], "query_string": b"", "path": "/"})
        ui = rendering.Ui(request, locale, Formatter(parse_locale(locale), "UTC"), csrf_token=token)
        marker = rendering._active_ui.set(ui)
        try:
            shown.append(template.render())
        finally:
            rendering._active_ui.reset(marker)
    assert shown[0] == '<input type="hidden" name="csrf_token" value="first"> /tags 1.00'
    assert shown[1] == '<input type="hidden" name="csrf_token" value="second"> /tags 1,00'


def test_the_form_tokens_field_is_a_function_of_the_macro_library_with_its_value_escaped():
    """`m.csrf()` is `rendering.csrf_field` (a page's rows each carry one; a macro's call costs
    several times a function's); the token is written escaped, as the macro wrote it."""
    field = rendering.csrf_field('a"<b>&')
    assert field == Markup('<input type="hidden" name="csrf_token" value="a&#34;&lt;b&gt;&amp;">')
    library = rendering.environment.get_template("macros.html").module
    assert library.csrf is rendering.environment.globals["csrf_field"]


class _Html:
    def __html__(self) -> str:
        return "<em>kept</em>"


class _Text(str):
    pass


@pytest.mark.parametrize(
    "value",
    [
        "plain",
        '<b>Fish & "Chips"</b> it\'s',
        "",
        Markup("<i>safe</i>"),
        Markup("a &amp; b"),
        7,
        -12,
        True,
        None,
        2.5,
        Decimal("12.50"),
        _Html(),
        _Text("<sub>class</sub>"),
    ],
)
def test_a_pages_output_is_escaped_as_markupsafe_escapes(value):
    assert rendering.escape_output(value) == escape(value)


def test_every_template_writes_its_escaped_output_through_escape_output():
    environment = rendering.environment
    for page in rendering.TEMPLATES_DIR.rglob("*.html"):
        name = page.relative_to(rendering.TEMPLATES_DIR).as_posix()
        code = environment.compile(environment.loader.get_source(environment, name)[0], name, raw=True)
        assert " escape(" not in code and "(escape(" not in code, name
    page = environment.from_string("{{ who }}|{{ _('Hours of %(name)s', name=who) }}|{{ n }}")
    token = rendering._active_translations.set(translations("en"))
    try:
        assert page.render(who="<b>", n=3) == "&lt;b&gt;|Hours of &lt;b&gt;|3"
    finally:
        rendering._active_translations.reset(token)


def _view(app, language="en", timezone="UTC", token="token", locale=None) -> rendering.Ui:
    request = Request({"type": "http", "app": app, "headers": [], "query_string": b"", "path": "/"})
    formatter = Formatter(parse_locale(locale or language), timezone)
    return rendering.Ui(request, language, formatter, csrf_token=token)


def _timers(*names: str) -> tuple[tuple[Any, ...], ...]:
    Timer = namedtuple("Timer", "id begin alias username project activity")
    begin = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)
    return tuple(Timer(number, begin, None, name, "Site", "Survey") for number, name in enumerate(names, 1))


@pytest.fixture
def fragments(monkeypatch):
    """The kept fragments of this test only."""
    kept: dict[tuple[Any, ...], Markup] = {}
    monkeypatch.setattr(rendering, "_FRAGMENTS", kept)
    monkeypatch.setattr(rendering, "_fragment_characters", 0)
    return kept


def test_a_fragment_is_rendered_once_for_the_same_values_and_view(app, fragments):
    made = []

    def derived():
        made.append(1)
        return {}

    part = "dashboard/team_timers.html"
    first = rendering.fragment(_view(app), part, derived, team_timers=list(_timers("ada")))
    again = rendering.fragment(_view(app), part, derived, team_timers=list(_timers("ada")))
    assert again is first and made == [1]
    assert "ada" in first and "since 8:30" in first
    changed = rendering.fragment(_view(app), part, derived, team_timers=list(_timers("ada", "bo")))
    assert made == [1, 1]
    assert changed.count("<li>") == 2
    assert len(fragments) == 2


@pytest.mark.parametrize(
    ("view", "shown", "hidden"),
    [
        ({"timezone": "Asia/Tokyo"}, "since 5:30\u202fPM", "since 8:30"),
        ({"language": "de", "locale": "en"}, "seit 8:30", "since 8:30"),
        ({"language": "en", "locale": "de"}, "since 08:30", "since 8:30"),
    ],
)
def test_a_fragment_is_kept_per_language_locale_and_timezone(app, fragments, view, shown, hidden):
    english = rendering.fragment(_view(app), "dashboard/team_timers.html", team_timers=_timers("ada"))
    other = rendering.fragment(_view(app, **view), "dashboard/team_timers.html", team_timers=_timers("ada"))
    assert hidden in english and shown not in english
    assert shown in other and hidden not in other


def test_a_fragment_is_kept_per_form_token(app, fragments):
    recent = (RecentPair(7, 1, 2, None, "Acme", "Site", "Survey"),)
    pages = [
        rendering.fragment(_view(app, token=token), "dashboard/recent.html", recent=recent, can_start=True)
        for token in ("first", "second")
    ]
    assert 'name="csrf_token" value="first"' in pages[0]
    assert 'name="csrf_token" value="second"' in pages[1]
    assert "/timesheets/7/restart" in pages[0]
    assert "csrf_token" not in rendering.fragment(
        _view(app, token="first"), "dashboard/recent.html", recent=recent, can_start=False
    )


def test_dictionaries_and_lists_are_kept_by_their_contents(app, fragments):
    values = {"widgets": (), "scope": "own", "own_seconds": {"today": 60}}
    first = rendering.fragment(_view(app), "dashboard/widgets.html", **values)
    assert rendering.fragment(_view(app), "dashboard/widgets.html", **dict(values)) is first
    values["own_seconds"] = {"today": 120}
    assert rendering.fragment(_view(app), "dashboard/widgets.html", **values) is not first
    assert len(fragments) == 2


def test_the_kept_fragments_stay_within_their_limit(app, fragments, monkeypatch):
    size = len(rendering.fragment(_view(app), "dashboard/team_timers.html", team_timers=_timers("a")))
    monkeypatch.setattr(rendering, "_FRAGMENT_CHARACTERS_KEPT", 3 * size)
    for name in "bcdefg":
        rendering.fragment(_view(app), "dashboard/team_timers.html", team_timers=_timers(name))
        assert sum(len(text) for text in fragments.values()) == rendering._fragment_characters <= 3 * size
    assert 1 <= len(fragments) <= 3


def test_a_signed_in_persons_header_is_kept_per_path_and_a_visitors_is_not(app, fragments):
    person = rendering.Person(1, "ada", "Ada Lovelace", None, False)
    permissions = frozenset({"view_own_timesheet", "create_own_timesheet"})
    view = _view(app)
    signed_in = rendering.Ui(view.request, "en", view.formatter, person=person, permissions=permissions)
    first = rendering._header(signed_in, "/dashboard")
    assert rendering._header(signed_in, "/dashboard") is first
    assert 'href="/dashboard" aria-current="page"' in first and "Start timer" in first
    other = rendering._header(signed_in, "/timesheets")
    assert 'href="/dashboard" aria-current="page"' not in other
    assert 'href="/timesheets" aria-current="page"' in other
    running = rendering.Ui(
        view.request, "en", view.formatter, person=person, permissions=permissions, timers=_timers("ada")
    )
    assert "Start timer" not in rendering._header(running, "/dashboard")
    assert len(fragments) == 3
    visitor = rendering._header(_view(app), "/login")
    assert "site-nav" not in visitor
    assert len(fragments) == 3


def test_fragments_rendered_on_many_threads_are_counted_once(app, fragments, monkeypatch):
    """Threads that render the same parts at once keep one of each, and the characters counted
    are those kept, within the limit."""
    size = len(rendering.fragment(_view(app), "dashboard/team_timers.html", team_timers=_timers("a")))
    monkeypatch.setattr(rendering, "_FRAGMENT_CHARACTERS_KEPT", 12 * size)
    names = [f"n{number}" for number in range(20)]

    def render_all(offset: int) -> None:
        for name in names[offset:] + names[:offset]:
            rendering.fragment(_view(app), "dashboard/team_timers.html", team_timers=_timers(name))

    # Threads switched as often as the interpreter can, so that they meet inside `fragment`.
    switching = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        for _ in range(5):
            fragments.clear()
            monkeypatch.setattr(rendering, "_fragment_characters", 0)
            with ThreadPoolExecutor(8) as threads:
                list(threads.map(render_all, range(8)))
            assert rendering._fragment_characters == sum(len(text) for text in fragments.values())
            assert rendering._fragment_characters <= 12 * size
    finally:
        sys.setswitchinterval(switching)
