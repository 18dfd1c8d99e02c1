"""Helpers for the browser accessibility suite: the pages of the app, the data behind them, and
the checks run on every page.

- `html_get_endpoints` / `form_post_endpoints` read the app's URL map, so the suite can insist
  that every page it serves is in its visit plan.
- `build_full_municipality` and `build_empty_municipality` make the data through the services
  (as a lead, reviewer and administrator would), never through SQL.
- `axe_violations`, `structure_problems` and `overflowing_elements` turn a loaded page into a
  list of readable failures; the tests collect them and fail once, naming every problem.
"""
from __future__ import annotations

import re
from datetime import date
from dataclasses import dataclass, field
from typing import Callable

from axe_playwright_python.sync_playwright import Axe

from tests.conftest import TEST_PASSWORD, next_totp_code

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
NOT_PAGES = {"static", "vendor_asset", "health.healthz", "health.readyz",
             "overview.download"}  # files, JSON and CSV
ROLES = ("lead", "reviewer", "auditor", "admin")

_axe = Axe()


# --- the URL map ------------------------------------------------------------------------------

def _is_html(rule) -> bool:
    return not rule.rule.startswith("/api/") and rule.endpoint not in NOT_PAGES


def html_get_endpoints(app) -> set[str]:
    """Endpoints a browser can open with GET: every one renders (or redirects to) a page."""
    return {rule.endpoint for rule in app.url_map.iter_rules()
            if "GET" in rule.methods and _is_html(rule)}


def form_post_endpoints(app) -> set[str]:
    """Endpoints that take a POST from an HTML form (some of them also answer a GET)."""
    return {rule.endpoint for rule in app.url_map.iter_rules()
            if "POST" in rule.methods and _is_html(rule)}


# --- the data ---------------------------------------------------------------------------------

@dataclass
class Municipality:
    """Users by role, networks by the state they show, items by the status they show."""

    name: str
    users: dict[str, object]
    networks: dict[str, int] = field(default_factory=dict)
    items: dict[str, tuple[int, str]] = field(default_factory=dict)
    # The maintenance network's meeting, agreement, signals and inputs for policy, by what
    # they show (see `_keep_alive`).
    exchange: dict[str, int] = field(default_factory=dict)
    members: dict[str, int] = field(default_factory=dict)  # by the state they show
    organisations: dict[str, int] = field(default_factory=dict)

    def email(self, role: str) -> str:
        return self.users[role].email


def _in_transaction(service, *args, **kwargs):
    from lifecycle.services.uow import write_transaction

    with write_transaction():
        return service(*args, **kwargs)


def _fire(lead, network_id: int, trigger: str, reason: str | None = None) -> None:
    from lifecycle.services.lifecycle import advance_network

    _in_transaction(advance_network, lead, network_id, trigger, reason)


def _evidence(lead, network_id: int, item_id: str, links: list[str] | None = None) -> None:
    from lifecycle.services.checklists import submit_evidence

    _in_transaction(submit_evidence, lead, network_id, item_id,
                    f"Besproken met de besturen en vastgelegd in het verslag ({item_id}).", links)


def build_full_municipality(make_user, make_network, sign_off, *,
                            name: str = "Utrecht") -> Municipality:
    """Networks in every stage, items in every status, a long history and API tokens."""
    from lifecycle.services.accounts import create_token, list_tokens, revoke_token
    from lifecycle.services.checklists import approve_item, reject_item, revoke_signoff

    lead = make_user("lead", municipality=name, name="Fatima de Vries")
    # A lead who is a reviewer too: the four-eyes notice shows on the items of her network.
    other_lead = make_user("lead", "reviewer", municipality=name, name="Sanne Visser")
    reviewer = make_user("reviewer", municipality=name, name="Johan Bakker")
    auditor = make_user("auditor", municipality=name, name="Ilse Jansen")
    admin = make_user("admin", municipality=name, name="Pieter de Boer")
    # A colleague with two-factor login on, and one who has left (deactivated).
    with_mfa = make_user("reviewer", municipality=name, name="Karin Smit", mfa=True)
    former = make_user("lead", municipality=name, name="Henk Vroeger")
    from lifecycle.services.users import set_active

    _in_transaction(set_active, former.id, False, by=admin)
    place = Municipality(name, {"lead": lead, "reviewer": reviewer, "auditor": auditor,
                                "admin": admin, "other_lead": other_lead, "mfa": with_mfa,
                                "former": former})

    # Orientation, with an item in every status: open, waiting, signed off, rejected, revoked.
    orientation = make_network(lead, name="Netwerk Kanaleneiland").id
    _evidence(lead, orientation, "orientation.problem_goal",
              ["https://www.utrecht.nl/bestuur-en-organisatie/",
               "https://www.nctv.nl/onderwerpen/sociale-stabiliteit"])
    _evidence(lead, orientation, "church_state.public_purpose")
    _in_transaction(approve_item, reviewer, orientation, "church_state.public_purpose",
                    "Akkoord, het publieke doel is helder beschreven.")
    _evidence(lead, orientation, "church_state.no_faith_content")
    _in_transaction(reject_item, reviewer, orientation, "church_state.no_faith_content",
                    "De afspraken over bijeenkomsten in gebedshuizen ontbreken nog.")
    _evidence(lead, orientation, "church_state.equal_treatment")
    _in_transaction(approve_item, reviewer, orientation, "church_state.equal_treatment",
                    "Akkoord.")
    _in_transaction(revoke_signoff, reviewer, orientation, "church_state.equal_treatment",
                    "Twee levensbeschouwelijke organisaties zijn nog niet benaderd.")
    place.networks["orientation"] = orientation
    place.items.update({
        "open": (orientation, "mandate.decision_recorded"),
        "submitted": (orientation, "orientation.problem_goal"),
        "approved": (orientation, "church_state.public_purpose"),
        "rejected": (orientation, "church_state.no_faith_content"),
        "revoked": (orientation, "church_state.equal_treatment"),
        "auto": (orientation, "orientation.form_justified"),
    })

    gate_one = ("orientation", "mandate", "church_state")
    small_core = make_network(lead, name="Sleutelfiguren Overvecht").id
    sign_off(_network(small_core), lead, reviewer, *gate_one)
    _fire(lead, small_core, "start_core")
    place.networks["small_core"] = small_core

    expansion = make_network(lead, name="Jongerennetwerk Lombok", form="ad_hoc").id
    sign_off(_network(expansion), lead, reviewer, *gate_one, "core_functioning", "diversity")
    _fire(lead, expansion, "start_core")
    _fire(lead, expansion, "expand")
    place.networks["expansion"] = expansion

    # Maintenance, then a periodic review: its reopened items and stale sign-offs show too,
    # and its history is longer than one page.
    maintenance = make_network(lead, name="Netwerk Noordwest", level="broad").id
    sign_off(_network(maintenance), lead, reviewer, *gate_one, "core_functioning", "diversity",
             "maintenance_plan")
    for trigger in ("start_core", "expand", "consolidate", "review"):
        _fire(lead, maintenance, trigger)
    place.networks["maintenance"] = maintenance
    place.items["stale"] = (maintenance, "mandate.sponsor_named")
    place.exchange = _keep_alive(lead, maintenance)

    paused = make_network(lead, name="Ouders in Zuilen", level="individual").id
    sign_off(_network(paused), lead, reviewer, *gate_one)
    _fire(lead, paused, "start_core")
    _fire(lead, paused, "pause", "De wijkcoördinator is een half jaar met verlof.")
    place.networks["paused"] = paused

    closed = make_network(lead, name="Netwerk Hoograven").id
    _evidence(lead, closed, "orientation.problem_goal")
    _fire(lead, closed, "close", "Het netwerk gaat op in het netwerk Kanaleneiland.")
    place.networks["closed"] = closed
    place.items["closed"] = (closed, "orientation.problem_goal")

    other = make_network(other_lead, name="Vrouwennetwerk Overvecht").id
    _evidence(other_lead, other, "orientation.problem_goal")
    _evidence(other_lead, other, "mandate.sponsor_named")
    place.networks["other_lead"] = other
    place.items["four_eyes"] = (other, "orientation.problem_goal")

    _compose(place, lead, admin, orientation, expansion)
    # A network of the lead with nobody in its register yet (orientation has a full one).
    place.networks["no_people"] = make_network(lead, name="Netwerk Zuilen-Oost").id

    _in_transaction(create_token, lead, label="Rapportage-script")
    _in_transaction(create_token, other_lead, label="Koppeling zaaksysteem")
    _in_transaction(create_token, lead, label="Oude koppeling")
    old = next(token for token in list_tokens(lead) if token.label == "Oude koppeling")
    _in_transaction(revoke_token, lead, old.id)
    return place


def _keep_alive(lead, network_id: int) -> dict[str, int]:
    """Between incidents: a meeting with an agreement, a signal still to assess, a liveability
    signal, an input for policy with its answer and one without, and a briefing."""
    from datetime import date, timedelta

    from lifecycle.services.feedback import hand_to_policy, record_answer, share_briefing
    from lifecycle.services.meetings import create_meeting
    from lifecycle.services.registers import list_members
    from lifecycle.services.signals import record_signal

    today = date.today()
    people = [m.id for m in _in_transaction(list_members, lead, network_id).items]
    meeting = _in_transaction(create_meeting, lead, network_id, {
        "held_on": today - timedelta(days=3), "form": "plenary", "attendee_ids": people[:4],
        "topics": ["liveability", "polarisation"],
        "notes": "Beeld van de wijk gedeeld; afgesproken de jongerenwerkers te vragen wat zij "
                 "zien.",
        "agreements": [{"text": "De jongerenwerkers uitnodigen voor de volgende bijeenkomst.",
                        "owner_member_id": people[0], "due_on": today + timedelta(days=21)},
                       {"text": "Een plek voor jongeren in de avond bespreken met de gemeente.",
                        "owner_member_id": None, "due_on": today + timedelta(days=30)}]})
    signal = _in_transaction(record_signal, lead, network_id, {
        "reported_on": today, "theme": "tension_between_groups", "district": "Zuilen",
        "description": "Onrust tussen groepen jongeren bij het winkelcentrum.",
        "urgency": "high", "source_member_id": people[1]})
    liveability = _in_transaction(record_signal, lead, network_id, {
        "reported_on": today - timedelta(days=2), "theme": "liveability",
        "description": "Steeds meer klachten over afval rond het buurthuis.", "urgency": "low"})
    answered = _in_transaction(hand_to_policy, lead, network_id, {
        "signal_id": liveability.id, "summary": "Meer afvalbakken en een schoonmaakactie.",
        "recipient": "Afdeling Openbare Ruimte", "due_on": today + timedelta(days=14)})
    _in_transaction(record_answer, lead, network_id, answered.id,
                    {"answer": "Er komen drie afvalbakken bij en in mei is er een actie."})
    waiting = _in_transaction(hand_to_policy, lead, network_id, {
        "agreement_id": meeting.agreements[1].id,
        "summary": "Jongeren missen een plek om 's avonds samen te komen.",
        "recipient": "Afdeling Jeugd", "due_on": today + timedelta(days=30)})
    _in_transaction(share_briefing, lead, network_id, {
        "kind": "briefing", "title": "Toelichting op het jongerenbeleid",
        "summary": "De wethouder lichtte de plannen voor het jongerenwerk toe."})
    return {"meeting": meeting.id, "agreement": meeting.agreements[0].id,
            "signal": signal.id, "liveability": liveability.id, "waiting_input": waiting.id}
COMPOSITION_ORGANISATIONS = (
    ("Basisschool De Regenboog", "school", ["Marokkaans-Nederlands", "Turks-Nederlands"],
     "high", "high", True),
    ("Stichting Moskee Al Fath", "faith_belief_organisation", ["Marokkaans-Nederlands"],
     "high", "low", True),
    ("Buurtteam Kanaleneiland", "neighbourhood_initiative", ["Wijk-Zuid"], "low", "high",
     False),
    ("Voetbalclub Kanaleneiland", "sports_club", [], "low", "low", False),
)
# A person per state of the pipeline: their name, and the steps that bring them there.
PIPELINE_PEOPLE = (
    ("candidate", "Youssef Amrani", ()),
    ("intake_held", "Esra Yilmaz", ("record_intake",)),
    ("invited", "Mila Jansen", ("record_intake", "invite")),
    ("active", "Noah de Wit", ("record_intake", "invite", "activate")),
    ("inactive", "Sara Bakker", ("record_intake", "invite", "activate", "deactivate")),
    ("left", "Daan Smit", ("record_intake", "invite", "activate", "leave")),
    ("declined", "Lina Haddad", ("decline",)),
    ("erased", "Tom Vermeer", ("decline",)),
)


def _compose(place: Municipality, lead, admin, network_id: int, expanding: int) -> None:
    """The orientation network's registers: organisations on every quadrant, a person in
    every state of the pipeline (one of them erased), and a profile; and in the expanding
    network, an invited person whom the growth limit keeps out this quarter."""
    from lifecycle.services.privacy import erase_member
    from lifecycle.services.registers import (create_member, create_organisation,
                                              set_network_profile, take_member_step)

    organisation_ids = []
    for name, kind, communities, influence, involvement, approached in \
            COMPOSITION_ORGANISATIONS:
        organisation = _in_transaction(create_organisation, lead, network_id, {
            "name": name, "type": kind, "communities": communities, "influence": influence,
            "involvement": involvement,
            **({"board_approached_on": date(2026, 2, 3), "board_outcome": "willing"}
               if approached else {})})
        organisation_ids.append(organisation.id)
    place.organisations["orientation"] = organisation_ids[0]
    _in_transaction(set_network_profile, lead, network_id, "rapid_response")
    for number, (state, name, steps) in enumerate(PIPELINE_PEOPLE):
        member = _in_transaction(create_member, lead, network_id, {
            "name": name, "email": f"persoon{number}@example.nl",
            "organisation_id": organisation_ids[number % len(organisation_ids)],
            "sector": ("education", "youth_work", "sport", "care_welfare")[number % 4],
            "age_band": ("16_24", "25_39", "40_54")[number % 3],
            "gender": ("woman", "man")[number % 2], "formal": number % 3 == 0,
            "member_type": ("verbinder", "doener", "kritische_denker")[number % 3],
            "note": "Kent veel ouders via de school."})
        for step in steps:
            _in_transaction(take_member_step, lead, network_id, member.id, step, {
                **({"intake_outcome": "suitable", "house_rules": ["openness", "no_lobbying"]}
                   if step == "record_intake" else {}),
                **({"reason": "Verhuist naar een andere stad."} if step == "leave" else {})})
        place.members[state] = member.id
    _in_transaction(erase_member, admin, network_id, place.members["erased"],
                    "Verzoek van betrokkene.")
    waiting = _in_transaction(create_member, lead, expanding, {"name": "Jesse Kramer"})
    for step in ("record_intake", "invite"):
        _in_transaction(take_member_step, lead, expanding, waiting.id, step,
                        {"intake_outcome": "suitable"} if step == "record_intake" else {})
    place.members["growth_limit"] = waiting.id


def build_empty_municipality(make_user, *, name: str = "Venlo") -> Municipality:
    """A municipality on its first day: one user per role and nothing else."""
    return Municipality(name, {role: make_user(role, municipality=name) for role in ROLES})


def _network(network_id: int):
    from lifecycle.extensions import db
    from lifecycle.models import Network

    return db.session.get(Network, network_id)


# --- the browser ------------------------------------------------------------------------------

def log_in(page, base_url: str, email: str) -> None:
    """Log in as a person would: the password, then the code of their app; when two-factor
    login is required and not set up yet, set it up with the key the page shows."""
    import pyotp

    page.goto(f"{base_url}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", TEST_PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/dashboard|/login/code|/login/tweestapsverificatie"))
    if "/login/code" in page.url:
        page.fill("input[name=code]", next_totp_code(_user_id(email)))
        page.locator("main form button[type=submit]").click()
    elif "/login/tweestapsverificatie" in page.url:
        secret = page.locator("#totp-secret").inner_text().replace(" ", "")
        page.fill("input[name=code]", pyotp.TOTP(secret).now())
        page.locator("main form button[type=submit]").click()
        page.locator("#recovery-codes li").first.wait_for()
        page.locator("main a.utrecht-button-link").click()
    page.wait_for_url(re.compile(r"/dashboard"))


def _user_id(email: str) -> int:
    from sqlalchemy import select

    from lifecycle.extensions import db
    from lifecycle.models import User

    return db.session.scalar(select(User.id).where(User.email == email))


def click_and_wait(page, selector: str) -> int:
    """Click a button or link; return the HTTP status of the page it leads to."""
    with page.expect_navigation() as navigation:
        page.locator(selector).click()
    response = navigation.value
    page.wait_for_load_state()
    return response.status if response is not None else 0


def switch_language(page, code: str) -> None:
    with page.expect_navigation():
        page.locator(f"header button[name=lang][value={code}]").click()
    page.wait_for_load_state()


def _needs_contrast_rerun(response: dict) -> bool:
    return any(node["any"] and (node["any"][0].get("data") or {}).get("messageKey") == "bgGradient"
               for result in response.get("incomplete", []) if result["id"] == "color-contrast"
               for node in result["nodes"])


def axe_violations(page, where: str) -> list[str]:
    """Every WCAG 2.1 A/AA violation axe-core finds, one readable line per rule.

    The Utrecht table container draws scroll shadows with background gradients, and axe-core
    cannot measure text contrast over a gradient: it files every table cell under "incomplete".
    The shadows are 10-20px wide at the edges; under the text is the page background. So the
    contrast rule runs once more with the shadows set aside, to check the text in tables too.
    """
    response = _axe.run(page, options={**AXE_OPTIONS,
                                       "resultTypes": ["violations", "incomplete"]}).response
    violations = list(response["violations"])
    if _needs_contrast_rerun(response):
        page.evaluate("""() => {
            const style = document.createElement('style');
            style.id = 'axe-without-scroll-shadows';
            style.textContent = '.utrecht-table-container { background-image: none !important; }';
            document.head.append(style);
        }""")
        rerun = _axe.run(page, options={"runOnly": {"type": "rule", "values": ["color-contrast"]},
                                        "resultTypes": ["violations"]}).response
        page.evaluate("() => document.getElementById('axe-without-scroll-shadows').remove()")
        violations += rerun["violations"]
    problems = []
    for violation in violations:
        targets = "; ".join(" ".join(map(str, node["target"])) for node in violation["nodes"][:8])
        more = len(violation["nodes"]) - 8
        problems.append(
            f"{where}: axe [{violation['id']}] ({violation.get('impact')}) {violation['help']}"
            f" -> {targets}{f' (+{more} more)' if more > 0 else ''}"
            f" <{violation.get('helpUrl', '')}>")
    return problems


_STRUCTURE_SCRIPT = """() => {
  const outsideMain = el => !el.closest('main');
  return {
    lang: document.documentElement.getAttribute('lang'),
    headings: [...document.querySelectorAll('h1, h2, h3, h4, h5, h6')]
      .map(h => [Number(h.tagName[1]), h.textContent.trim().replace(/\\s+/g, ' ').slice(0, 60)]),
    mains: document.querySelectorAll('main').length,
    mainId: (document.querySelector('main') || {}).id || null,
    headers: [...document.querySelectorAll('header')].filter(outsideMain).length,
    navs: [...document.querySelectorAll('nav')].filter(outsideMain).length,
    // Fields the browser (and so the library's CSS) calls :invalid, with no error of ours.
    unexplainedInvalid: [...document.querySelectorAll('input, textarea, select')]
      .filter(el => el.matches(':invalid') && el.getAttribute('aria-invalid') !== 'true')
      .map(el => el.name || el.id),
  };
}"""

_ACTIVE_ELEMENT_SCRIPT = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  const box = el.getBoundingClientRect();
  return {
    tag: el.tagName.toLowerCase(),
    href: el.getAttribute('href'),
    id: el.id,
    text: (el.innerText || el.value || el.getAttribute('aria-label') || '').trim().slice(0, 50),
    outlineStyle: style.outlineStyle,
    outlineWidth: parseFloat(style.outlineWidth) || 0,
    boxShadow: style.boxShadow,
    width: box.width,
    height: box.height,
    inViewport: box.bottom > 0 && box.right > 0 && box.top < innerHeight && box.left < innerWidth,
  };
}"""


def active_element(page) -> dict | None:
    return page.evaluate(_ACTIVE_ELEMENT_SCRIPT)


def focus_is_visible(element: dict) -> bool:
    """A focus indicator: an outline of some width, or a box shadow."""
    has_outline = element["outlineStyle"] != "none" and element["outlineWidth"] > 0
    has_shadow = element["boxShadow"] not in ("none", "")
    return (has_outline or has_shadow) and element["width"] > 1 and element["height"] > 1


def structure_problems(page, where: str, *, logged_in: bool, lang: str) -> list[str]:
    """One h1, no skipped heading level, landmarks, the page language and the skip link."""
    facts = page.evaluate(_STRUCTURE_SCRIPT)
    problems = []
    if facts["lang"] != lang:
        problems.append(f"{where}: <html lang> is {facts['lang']!r}, expected {lang!r}")
    h1s = [text for level, text in facts["headings"] if level == 1]
    if len(h1s) != 1:
        problems.append(f"{where}: expected exactly one <h1>, found {len(h1s)}: {h1s}")
    previous = 0
    for level, text in facts["headings"]:
        if level > previous + 1:
            problems.append(f"{where}: heading level skipped: <h{level}> {text!r} "
                            f"follows <h{previous}>" if previous else
                            f"{where}: the first heading is <h{level}> {text!r}, not <h1>")
        previous = level
    if facts["mains"] != 1 or facts["mainId"] != "main":
        problems.append(f"{where}: expected one <main id=main>, found {facts['mains']} "
                        f"(id {facts['mainId']!r})")
    if facts["headers"] < 1:
        problems.append(f"{where}: no <header> landmark outside <main>")
    if logged_in and facts["navs"] < 1:
        problems.append(f"{where}: no <nav> landmark outside <main> for a logged-in user")
    if facts["unexplainedInvalid"]:
        problems.append(f"{where}: fields look invalid before any error is shown: "
                        f"{facts['unexplainedInvalid']}")
    # The skip link must be the very first stop of the keyboard.
    page.keyboard.press("Tab")
    first = active_element(page)
    if first is None or first["tag"] != "a" or first["href"] != "#main":
        problems.append(f"{where}: the first Tab stop is {first and first['tag']} "
                        f"{first and (first['href'] or first['text'])!r}, "
                        "not the skip link to #main")
    elif not focus_is_visible(first) or not first["inViewport"]:
        problems.append(f"{where}: the skip link is not visible when it has focus: {first}")
    return problems


_OVERFLOW_SCRIPT = """() => {
  const limit = innerWidth + 1;
  const culprits = [];
  for (const el of document.body.querySelectorAll('*')) {
    // A table scrolls inside its container, but a positioned element escapes that clipping.
    const position = getComputedStyle(el).position;
    if (el.closest('.utrecht-table-container') && !['absolute', 'fixed'].includes(position)) {
      continue;
    }
    const box = el.getBoundingClientRect();
    if (box.width > 0 && box.right > limit) {
      const name = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
        (el.className && typeof el.className === 'string'
          ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
      culprits.push(`${name} (right edge ${Math.round(box.right)}px)`);
    }
  }
  return {scrollWidth: document.documentElement.scrollWidth, innerWidth,
          culprits: culprits.slice(0, 8)};
}"""


def overflow_problem(page, where: str) -> str | None:
    """None when the page does not scroll sideways (WCAG 1.4.10); else what sticks out."""
    facts = page.evaluate(_OVERFLOW_SCRIPT)
    if facts["scrollWidth"] <= facts["innerWidth"] + 1:
        return None
    return (f"{where}: the page scrolls sideways at {facts['innerWidth']}px: scrollWidth "
            f"{facts['scrollWidth']}px; sticking out: {', '.join(facts['culprits']) or '?'}")


@dataclass(frozen=True)
class Visit:
    """One page to check: as whom, where, and optionally what to do there first.

    `act(page)` fills in and submits a form (to show its errors) and returns the HTTP status;
    `status` is what the page must answer with; `shows` is a CSS selector that proves the page
    is in the state the label names (an error, a form, a notice), so the data cannot drift away
    from what is meant to be checked.
    """

    label: str
    role: str
    path: str
    municipality: str = "full"
    act: Callable | None = None
    status: int = 200
    shows: str | None = None
