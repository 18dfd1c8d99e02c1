"""Language is complete: every message is translated, and templates hold no bare text.

These checks read files only; they need no app or database.
"""
from __future__ import annotations

import re
from html.parser import HTMLParser
from io import BytesIO
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po
from jinja2 import Environment

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"
TRANSLATIONS = ROOT / "translations"
LANGUAGES = ("nl", "en")
# Attributes whose values people read or hear; they must be translated like text.
TEXT_ATTRIBUTES = {"alt", "title", "placeholder", "aria-label", "aria-description"}
# Code samples (commands, headers) are the same in every language.
NOT_PROSE = {"script", "style", "code", "pre", "kbd", "samp"}
HAS_LETTERS = re.compile(r"[^\W\d_]", re.UNICODE)


def _catalog(language: str):
    path = TRANSLATIONS / language / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        return read_po(handle, locale=language)


def _source_messages() -> set[str]:
    """Every msgid the code and templates use, extracted as `pybabel extract` would."""
    method_map = [("lifecycle/**.py", "python"), ("templates/**.html", "jinja2")]
    found = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map=method_map,
        keywords={**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None},
        options_map={"templates/**.html": {"extensions": "jinja2.ext.do"}},
    ):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_in_the_catalogue_is_translated(language):
    catalog = _catalog(language)
    untranslated = [
        message.id for message in catalog
        if message.id and (not message.string or (isinstance(message.string, tuple)
                                                  and not all(message.string)))
    ]
    fuzzy = [message.id for message in catalog if message.id and message.fuzzy]
    assert untranslated == [], f"{language}: untranslated messages: {untranslated[:20]}"
    assert fuzzy == [], f"{language}: fuzzy (unchecked) translations: {fuzzy[:20]}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_the_code_uses_is_in_the_catalogue(language):
    catalog = _catalog(language)
    known = {message.id[0] if isinstance(message.id, tuple) else message.id
             for message in catalog if message.id}
    missing = sorted(_source_messages() - known)
    assert missing == [], (
        f"{language}: messages missing from the catalogue (run scripts/translations): {missing[:20]}"
    )


class _BareText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in NOT_PROSE:
            self._skip += 1
        for name, value in attrs:
            if name in TEXT_ATTRIBUTES and value and HAS_LETTERS.search(value):
                self.found.append(f'{name}="{value}"')

    def handle_endtag(self, tag):
        if tag in NOT_PROSE:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and HAS_LETTERS.search(data):
            self.found.append(data.strip())


def _bare_text_in(template: Path) -> list[str]:
    """Text outside Jinja expressions and tags: the lexer's `data` tokens, read as HTML."""
    source = template.read_text(encoding="utf-8")
    env = Environment(extensions=["jinja2.ext.i18n", "jinja2.ext.do"])
    # Replace every Jinja expression/statement by a placeholder so HTML stays well formed.
    pieces = []
    for _lineno, token_type, value in env.lex(source):
        if token_type == "data":
            pieces.append(value)
        elif token_type in ("variable_begin", "block_begin"):
            pieces.append("\x00")
    parser = _BareText()
    # The placeholder has no letters, so an expression alone never counts as bare text.
    parser.feed("".join(pieces).replace("\x00", "0"))
    return parser.found


TEMPLATE_FILES = sorted(TEMPLATES.rglob("*.html"))


@pytest.mark.parametrize("template", TEMPLATE_FILES, ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_templates_hold_no_text_outside_the_translation_functions(template):
    assert _bare_text_in(template) == []


def test_the_bare_text_check_catches_untranslated_text(tmp_path):
    sample = tmp_path / "sample.html"
    sample.write_text('<p>{{ _("Fine") }}</p><p>Not translated</p>'
                      '<a href="#" aria-label="Also bare">{{ x }}</a>', encoding="utf-8")
    assert _bare_text_in(sample) == ["Not translated", 'aria-label="Also bare"']
