"""Language is complete: every message is translated, and templates hold no bare text.

Bare text is text people read that does not go through `_()`:
- text between tags, and the text-bearing attributes (`alt`, `title`, `placeholder`,
  `aria-label`, `aria-description`, `aria-roledescription`, `aria-valuetext`, `aria-placeholder`,
  and `value` on a button-like input) with any letters in them;
- `value`, `content` and every other `aria-*` attribute holding prose (see `looks_like_prose`;
  `value="close"` or `aria-current="page"` are codes, not prose);
- string literals passed to the component macros of `macros/components.html` (every literal
  for a parameter that is shown, such as `label` or `message`; prose for the others), and
  `{% set x = "..." %}` holding prose. A literal inside `_()` or any other call is not counted.

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
from jinja2 import Environment, nodes

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"
TRANSLATIONS = ROOT / "translations"
LANGUAGES = ("nl", "en")
# Attributes whose values people read or hear; they must be translated like text.
TEXT_ATTRIBUTES = {"alt", "title", "placeholder", "aria-label", "aria-description",
                   "aria-roledescription", "aria-valuetext", "aria-placeholder"}
# Attributes that hold a code as often as text; they count when their value is prose.
MAYBE_TEXT_ATTRIBUTES = {"value", "content"}
BUTTON_INPUTS = {"submit", "button", "reset"}
# Parameters of the component macros whose values are shown to people.
SHOWN_PARAMETERS = {"label", "message", "caption", "headers", "pairs", "description"}
COMPONENTS = "macros/components.html"
CODE_WORD = re.compile(r"[a-z0-9_\-.:/#=%,;()]+")
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


def looks_like_prose(text: str) -> bool:
    """Text a person reads rather than a code: a capital or non-ASCII letter, or several plain
    words (`"opslaan en verder"`), where CSS classes and codes are `utrecht-button--primary`."""
    if not HAS_LETTERS.search(text):
        return False
    words = text.split()
    if any(not CODE_WORD.fullmatch(word) for word in words):
        return True
    return len(words) >= 2 and all(not re.search(r"[-_.:/#=]", word) for word in words)


class _BareText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in NOT_PROSE:
            self._skip += 1
        attributes = dict(attrs)
        for name, value in attrs:
            if not value or not HAS_LETTERS.search(value):
                continue
            shown = name in TEXT_ATTRIBUTES or (
                name == "value" and tag == "input"
                and (attributes.get("type") or "").lower() in BUTTON_INPUTS)
            maybe = name in MAYBE_TEXT_ATTRIBUTES or name.startswith("aria-")
            if shown or (maybe and looks_like_prose(value)):
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
    return parser.found + _bare_literals_in(source, env)


def _macro_parameters(env: Environment) -> dict[str, list[str]]:
    """The component macros and their parameters in order, read from their definitions."""
    tree = env.parse((TEMPLATES / COMPONENTS).read_text(encoding="utf-8"))
    return {macro.name: [arg.name for arg in macro.args] for macro in tree.find_all(nodes.Macro)}


def _literals(node) -> list[str]:
    """The string literals an argument is made of, not looking inside calls (`_()`, ...)."""
    if isinstance(node, nodes.Const):
        return [node.value] if isinstance(node.value, str) else []
    if isinstance(node, nodes.Call):
        return []
    if isinstance(node, nodes.Filter):  # "text"|upper still shows the text
        return _literals(node.node) if node.node is not None else []
    found = []
    for child in node.iter_child_nodes():
        if isinstance(child, nodes.Pair):  # a dict: keys are names, values may be shown
            found += _literals(child.value)
        else:
            found += _literals(child)
    return found


def _bare_literals_in(source: str, env: Environment) -> list[str]:
    """String literals people would read: component macro arguments and `{% set %}` values."""
    tree = env.parse(source)
    macros = _macro_parameters(env)
    found = []
    for call in tree.find_all(nodes.Call):
        name = getattr(call.node, "name", None) or getattr(call.node, "attr", None)
        if name not in macros:
            continue
        parameters = macros[name]
        named = [(parameters[i] if i < len(parameters) else None, arg)
                 for i, arg in enumerate(call.args)]
        named += [(keyword.key, keyword.value) for keyword in call.kwargs]
        for parameter, argument in named:
            for text in _literals(argument):
                if (parameter in SHOWN_PARAMETERS and HAS_LETTERS.search(text)) \
                        or looks_like_prose(text):
                    found.append(f'{name}({parameter}="{text}")')
    for assign in tree.find_all(nodes.Assign):
        for text in _literals(assign.node):
            if looks_like_prose(text):
                found.append(f'set {getattr(assign.target, "name", "?")} = "{text}"')
    return found


TEMPLATE_FILES = sorted(TEMPLATES.rglob("*.html"))


@pytest.mark.parametrize("template", TEMPLATE_FILES, ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_templates_hold_no_text_outside_the_translation_functions(template):
    assert _bare_text_in(template) == []


CAUGHT = {
    "text between tags": ('<p>{{ _("Fine") }}</p><p>Not translated</p>', ["Not translated"]),
    "aria-label": ('<a href="#" aria-label="Also bare">{{ x }}</a>', ['aria-label="Also bare"']),
    "alt": ('<img src="x.png" alt="Logo gemeente">', ['alt="Logo gemeente"']),
    "title": ('<abbr title="Gemeente">Gem</abbr>', ['title="Gemeente"', "Gem"]),
    "placeholder": ('<input name="q" placeholder="zoeken">', ['placeholder="zoeken"']),
    "aria-description": ('<nav aria-description="hoofdmenu"></nav>',
                         ['aria-description="hoofdmenu"']),
    "another aria-* with prose": ('<p aria-roledescription="Dia">{{ x }}</p>',
                                  ['aria-roledescription="Dia"']),
    "value of a button-like input": ('<input type="submit" value="opslaan">',
                                     ['value="opslaan"']),
    "value holding prose": ('<option value="Alle netwerken">{{ x }}</option>',
                            ['value="Alle netwerken"']),
    "content holding prose": ('<meta name="description" content="Netwerken van de gemeente">',
                              ['content="Netwerken van de gemeente"']),
    "component macro, shown parameter": (
        '{% from "macros/components.html" import button %}{{ button("opslaan") }}',
        ['button(label="opslaan")']),
    "component macro, keyword": (
        '{% import "macros/components.html" as c %}{{ c.alert(message="Gelukt") }}',
        ['alert(message="Gelukt")']),
    "component macro, prose in another parameter": (
        '{% from "macros/components.html" import button %}'
        '{{ button(_("Save"), variant="Grote knop") }}', ['button(variant="Grote knop")']),
    "component macro, list of headers": (
        '{% from "macros/components.html" import table %}'
        '{% call table(_("Members"), ["naam", _("Role")]) %}{% endcall %}',
        ['table(headers="naam")']),
    "set": ('{% set title = "Netwerken" %}<h1>{{ title }}</h1>', ['set title = "Netwerken"']),
    "set, lowercase sentence": ('{% set hint = "kies een netwerk" %}',
                                ['set hint = "kies een netwerk"']),
}


@pytest.mark.parametrize("source, expected", CAUGHT.values(), ids=CAUGHT.keys())
def test_the_bare_text_check_catches_each_kind_of_untranslated_text(tmp_path, source, expected):
    sample = tmp_path / "sample.html"
    sample.write_text(source, encoding="utf-8")
    assert _bare_text_in(sample) == expected


PASSES = {
    "translated everywhere": '{% from "macros/components.html" import button %}'
                             '<p title="{{ _("Fine") }}">{{ _("Fine") }}</p>'
                             '{{ button(_("Save"), variant="secondary-action", type="submit") }}',
    "codes in value, content and aria-*": '<input type="hidden" name="trigger" value="close">'
                                          '<meta name="viewport" content="width=device-width">'
                                          '<a href="#" aria-current="page">{{ x }}</a>',
    "CSS classes in a set": '{% set control = "utrecht-textbox utrecht-textbox--html-input" %}',
    "literals inside calls": '{% from "macros/components.html" import link %}'
                             '{{ link(url_for("networks.detail", network_id=1), _("Open")) }}',
}


@pytest.mark.parametrize("source", PASSES.values(), ids=PASSES.keys())
def test_the_bare_text_check_lets_translated_text_and_codes_pass(tmp_path, source):
    sample = tmp_path / "sample.html"
    sample.write_text(source, encoding="utf-8")
    assert _bare_text_in(sample) == []
