"""The request's translations and formats, found once a request, answer as Flask-Babel would.

`lifecycle/web/request_locale.py` keeps the request's locale, translations and time zone in `g`
and gives the templates a gettext without Jinja's general-purpose call: the texts, escaping,
percent signs and formats must stay exactly those of Flask-Babel and Jinja's new-style gettext,
and a locale forced within the request (a notification in the recipient's language) must win.
"""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from flask import render_template_string
from flask_babel import force_locale, format_date, format_datetime, get_translations
from jinja2 import Environment

from lifecycle.web.common import localized

TEMPLATES = [
    "{{ _('Log in') }}",
    "{{ _('100%%') }}",
    "{{ _('%(who)s logged in', who='<b>Ann</b>') }}",
    "{{ _('<em>%(num)d</em> records', num=3) }}",
    "{{ ngettext('%(num)d record', '%(num)d records', 1) }}",
    "{{ ngettext('%(num)d record', '%(num)d records', 7) }}",
    "{% trans n=2 %}{{ n }} networks{% endtrans %}",
]
MOMENTS = [datetime(2026, 1, 2, 3, 4, 5), datetime(2026, 7, 1, 22, 30), datetime(2025, 10, 26, 1)]


def jinja_reference(app) -> Environment:
    """Jinja's own new-style gettext over Flask-Babel's translations of this moment."""
    reference = Environment(extensions=["jinja2.ext.i18n"], autoescape=True)
    translations = get_translations()
    reference.install_gettext_callables(translations.ugettext, translations.ungettext,
                                        newstyle=True)
    return reference


@pytest.mark.parametrize("language", ["nl", "en"])
def test_templates_translate_escape_and_format_as_jinja_new_style_gettext(app, language):
    with app.test_request_context("/"), force_locale(language):
        reference = jinja_reference(app)
        for source in TEMPLATES:
            assert render_template_string(source) == reference.from_string(source).render()


def test_a_locale_forced_within_the_request_wins_and_ends_with_its_block(app):
    workflow_text = {"nl": "Oriëntatie", "en": "Orientation"}
    with app.test_request_context("/"), force_locale("nl"):
        assert render_template_string("{{ _('Log in') }}") == "Inloggen"
        assert localized(workflow_text) == "Oriëntatie"
        with force_locale("en"):
            assert render_template_string("{{ _('Log in') }}") == "Log in"
            assert localized(workflow_text) == "Orientation"
        assert render_template_string("{{ _('Log in') }}") == "Inloggen"
        assert localized(workflow_text) == "Oriëntatie"


@pytest.mark.parametrize("language", ["nl", "en"])
def test_moments_and_days_are_formatted_as_flask_babel_formats_them(app, language):
    with app.test_request_context("/"), force_locale(language):
        for moment in MOMENTS:
            for form in ("short", "medium", "long"):
                shown = render_template_string("{{ m|localtime(f) }}|{{ m|localdate(f) }}|"
                                               "{{ m.date()|localdate(f) }}", m=moment, f=form)
                aware = moment.replace(tzinfo=timezone.utc)
                assert shown == "|".join((format_datetime(aware, form), format_date(aware, form),
                                          format_date(moment.date(), form)))
        assert render_template_string("{{ none|localtime }}{{ none|localdate }}") == ""
        assert render_template_string("{{ d|localdate('d MMMM') }}", d=date(2026, 3, 9)) == \
            format_date(date(2026, 3, 9), "d MMMM")
