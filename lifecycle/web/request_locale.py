"""The request's language, translations and time zone, looked up once per request for the pages.

A page calls gettext a few hundred times and formats a moment per table row. Through Flask-Babel
each call finds the request's Babel context, its locale, the locale's name and the translations
anew (about 15 µs a text, 30 µs more a moment on top of Babel's own formatting). Here they are
found once and kept in `g`, beside the locale object they belong to; when Flask-Babel's locale
changes within the request (`force_locale` for a notification in the recipient's language, or
`refresh`), the object differs and everything is looked up again. `g` ends with the request, so
nothing is kept between requests. The texts and formats are Flask-Babel's and Babel's own.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone, tzinfo

from babel import Locale, dates
from babel.support import NullTranslations
from flask import Flask, g, has_app_context
from flask_babel import get_locale, get_timezone, get_translations
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup

# Flask-Babel 4 keeps the request's locale in this namespace of `g`; what is found here is kept
# beside it. Without it (another Flask-Babel) every call looks up again: slower, never wrong.
FLASK_BABEL_G_KEY = "_flask_babel"
KEPT = "voelspriet_request_locale"
DEFAULT_LANGUAGE = "nl"


@dataclass(frozen=True)
class RequestLocale:
    locale: Locale | None
    language: str
    translations: NullTranslations
    timezone: tzinfo


def request_locale() -> RequestLocale:
    babel_context = g.get(FLASK_BABEL_G_KEY) if has_app_context() else None
    kept = getattr(babel_context, KEPT, None)
    if kept is not None and kept.locale is getattr(babel_context, "babel_locale", None):
        return kept
    return _look_up()


def _look_up() -> RequestLocale:
    if not has_app_context():  # as Flask-Babel answers there: the default language, untranslated
        return RequestLocale(None, DEFAULT_LANGUAGE, NullTranslations(), timezone.utc)
    locale = get_locale()  # selects the request's locale and stores it in `g`
    found = RequestLocale(locale, str(locale or DEFAULT_LANGUAGE), get_translations(),
                          get_timezone())
    babel_context = g.get(FLASK_BABEL_G_KEY)
    if babel_context is not None:
        setattr(babel_context, KEPT, found)
    return found


def current_language() -> str:
    return request_locale().language


def local_datetime_text(value: datetime | None, format: str = "medium") -> str:
    """A stored (naive UTC) moment in the user's locale and time zone, as `format_datetime`."""
    if value is None:
        return ""
    here = request_locale()
    return dates.format_datetime(value.replace(tzinfo=timezone.utc), format,
                                 tzinfo=here.timezone, locale=here.locale)


def local_date_text(value: date | None, format: str = "medium") -> str:
    """A day in the user's locale, as `format_date` (a moment is first moved to their zone)."""
    if value is None:
        return ""
    here = request_locale()
    if isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
        value = aware.astimezone(here.timezone)
    return dates.format_date(value, format, locale=here.locale)


def install_template_gettext(app: Flask) -> None:
    """Templates translate through the request's translations, found once (see above).

    `gettext` and `ngettext` behave as Jinja's new-style ones (escaped when autoescaping, then
    formatted with their variables, so a literal percent sign is always written `%%`), without
    Jinja's general-purpose call in between, since they are called a few hundred times a page.
    """
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: request_locale().translations.ugettext(s),
        ngettext=lambda s, p, n: request_locale().translations.ungettext(s, p, n),
        pgettext=lambda c, s: request_locale().translations.upgettext(c, s),
        npgettext=lambda c, s, p, n: request_locale().translations.unpgettext(c, s, p, n),
        newstyle=True,
    )
    app.jinja_env.globals.update(gettext=_template_gettext, ngettext=_template_ngettext)


@pass_context
def _template_gettext(context: Context, string: str, **variables) -> str:
    text = request_locale().translations.ugettext(string)
    if context.eval_ctx.autoescape:
        text = Markup(text)
    # Formatting a text without a percent sign changes nothing; most texts have none.
    return text % variables if variables or "%" in text else text


@pass_context
def _template_ngettext(context: Context, singular: str, plural: str, num: int,
                       **variables) -> str:
    variables.setdefault("num", num)
    text = request_locale().translations.ungettext(singular, plural, num)
    if context.eval_ctx.autoescape:
        text = Markup(text)
    return text % variables
