"""The booking selects' options: written in one pass, escaped, the chosen one selected."""

from __future__ import annotations

from horae.web.choices import Option, option_tags


def test_options_carry_their_parent_and_mark_the_chosen_id():
    options = [Option(3, "Design", 7), Option(4, "Global"), Option(12, "Build", 7)]
    assert option_tags(options, "12", parents=True) == (
        '<option value="3" data-parent="7">Design</option>\n'
        '<option value="4" data-parent="">Global</option>\n'
        '<option value="12" data-parent="7" selected>Build</option>'
    )


def test_customer_options_have_no_parent_and_a_number_is_chosen_as_text():
    assert option_tags([Option(1, "Acme"), Option(2, "Beta")], 2) == (
        '<option value="1">Acme</option>\n<option value="2" selected>Beta</option>'
    )


def test_names_are_escaped_and_nothing_is_chosen_without_a_value():
    assert option_tags([Option(5, '<b>Fish & "Chips"</b>')], None) == (
        '<option value="5">&lt;b&gt;Fish &amp; &#34;Chips&#34;&lt;/b&gt;</option>'
    )
