"""Every page of Voelspriet, as every role, checked for WCAG 2.1 AA in headless Chromium.

The pages come from the app's URL map: `PAGE_PLAN` says, for each endpoint that answers a GET
with HTML, which pages to open as whom (empty and full municipality); `FORM_PLAN` does the same
for each endpoint that takes a form POST: it submits the form with errors where it can have
any, so the error states are checked too, and otherwise checks the page the POST leads to.
A new endpoint that is in neither table fails
`test_every_page_and_form_of_the_url_map_is_in_the_visit_plan`.

On every page: axe-core (tags wcag2a, wcag2aa, wcag21a, wcag21aa) finds no violation; there is
one <h1> and no skipped heading level; <header>, <main id=main> and (logged in) <nav> are there;
<html lang> is the chosen language; the first Tab stop is a visible skip link to #main. Failures
are collected over all pages and reported together, one line each.
"""
from __future__ import annotations

from collections import defaultdict
from urllib.parse import urlsplit

import pytest

from tests.conftest import TEST_PASSWORD
from tests.browser.pages import (ROLES, Visit, active_element, axe_violations,
                                 build_empty_municipality, build_full_municipality,
                                 click_and_wait, focus_is_visible, form_post_endpoints,
                                 html_get_endpoints, log_in, overflow_problem,
                                 structure_problems, switch_language)

LIST_PAGE_SIZE = 4  # small, so the network list of the full municipality has a next page


@pytest.fixture
def app_config(app_config):
    return {**app_config, "PAGE_SIZE": LIST_PAGE_SIZE}


def network(world, state: str, suffix: str = "") -> str:
    return f"/netwerken/{world['full'].networks[state]}{suffix}"


def item(world, status: str) -> str:
    network_id, item_id = world["full"].items[status]
    return f"/netwerken/{network_id}/items/{item_id}"


WAITING_PANEL = "section[aria-labelledby=waiting-heading]"
WAITING_TABLE = f"{WAITING_PANEL} table tbody tr"
# A field error: the summary at the top links to a field marked invalid.
FIELD_ERROR = "main:has(.utrecht-alert--error a[href^='#']) [aria-invalid=true]"


def follow_next_page(page) -> int:
    return click_and_wait(page, "main a[rel=next]")


# --- pages opened with GET --------------------------------------------------------------------

def _root(world):
    return [Visit("start (to the login page)", "anonymous", "/"),
            Visit("start (to the dashboard)", "lead", "/")]


def _login(world):
    return [Visit("login", "anonymous", "/login")]


def _accessibility_statement(world):
    return [Visit("accessibility statement", "anonymous", "/toegankelijkheid"),
            Visit("accessibility statement", "auditor", "/toegankelijkheid")]


def _api_reference(world):
    return [Visit("API reference", "anonymous", "/api-referentie"),
            Visit("API reference", "lead", "/api-referentie")]


def _dashboard(world):
    return [*(Visit("dashboard", role, "/dashboard", municipality=place)
              for place in ("full", "empty") for role in ROLES if role != "reviewer"),
            Visit("dashboard, items waiting", "reviewer", "/dashboard", shows=WAITING_TABLE),
            Visit("dashboard, nothing waiting", "reviewer", "/dashboard", municipality="empty",
                  shows=f"{WAITING_PANEL}:not(:has(table))"),
            Visit("dashboard, lead and reviewer", "other_lead", "/dashboard",
                  shows=WAITING_TABLE)]


def _network_list(world):
    return [
        *(Visit("network list", role, "/netwerken") for role in ROLES),
        Visit("network list, second page", "lead", "/netwerken", act=follow_next_page,
              shows="main table tbody tr"),
        Visit("network list, stage filter", "reviewer", "/netwerken?stage=paused"),
        Visit("network list, empty", "lead", "/netwerken", municipality="empty"),
        Visit("network list, empty", "auditor", "/netwerken?stage=expansion",
              municipality="empty"),
    ]


def _new_network(world):
    return [Visit("new network form", "lead", "/netwerken/nieuw"),
            Visit("new network form", "lead", "/netwerken/nieuw", municipality="empty")]


def _edit_network(world):
    return [Visit("edit network form", "lead", network(world, "orientation", "/bewerken")),
            Visit("edit network form", "lead", network(world, "paused", "/bewerken"))]


def _change_lead(world):
    return [Visit("change project lead form", "admin",
                  network(world, "orientation", "/projectleider"))]


# What proves that the lead's view of a network or item is in the state it is named after.
LEAD_NETWORK_VIEWS = {
    "orientation": "main li a[href*='/items/']",  # the blocked first step lists its items
    "small_core": "form:has(input[name=trigger][value=pause])",
    "expansion": "form:has(input[name=trigger][value=regroup])",
    "maintenance": "main .utrecht-alert--warning",  # items reopened by the periodic review
    "paused": "form:has(input[name=trigger][value=resume])",
    "closed": "main .utrecht-alert:not(:has(form))",  # read-only notice, no step forms
}
LEAD_ITEM_VIEWS = {
    "open": "form[action$='/bewijs']",
    "submitted": "form[action$='/bewijs']",
    "approved": "form[action$='/bewijs']",
    "rejected": "form[action$='/bewijs']",
    "revoked": "main .utrecht-status-badge--danger",  # the revoked sign-off in the history
    "auto": "main:not(:has(form[action$='/bewijs']))",
    "stale": "main .utrecht-status-badge--warning",  # the sign-off the review made stale
    "closed": "main .utrecht-alert",
}


def _network_detail(world):
    return [
        *(Visit(f"network page, {state}", "lead", network(world, state), shows=proof)
          for state, proof in LEAD_NETWORK_VIEWS.items()),
        Visit("network page, led by someone else", "lead", network(world, "other_lead"),
              shows="main:not(:has(form[action$='/stap']))"),
        Visit("network page, orientation", "reviewer", network(world, "orientation")),
        Visit("network page, maintenance", "auditor", network(world, "maintenance")),
        Visit("network page, expansion", "admin", network(world, "expansion")),
        Visit("network page, closed", "admin", network(world, "closed")),
    ]


def _item_detail(world):
    return [
        *(Visit(f"item page, {status}", "lead", item(world, status), shows=proof)
          for status, proof in LEAD_ITEM_VIEWS.items()),
        Visit("item page, sign-off form", "reviewer", item(world, "submitted"),
              shows="form[action$='/aftekenen'] button[formaction$='/afwijzen']"),
        Visit("item page, revoke form", "reviewer", item(world, "approved"),
              shows="form[action$='/intrekken']"),
        Visit("item page, rejected", "reviewer", item(world, "rejected")),
        Visit("item page, open", "reviewer", item(world, "open")),
        Visit("item page, stale sign-off", "auditor", item(world, "stale")),
        Visit("item page, submitted", "admin", item(world, "submitted")),
        Visit("item page, four-eyes notice", "other_lead", item(world, "four_eyes"),
              shows="main .utrecht-alert"),
    ]


def _network_history(world):
    return [
        Visit("network history", "lead", network(world, "maintenance", "/geschiedenis")),
        Visit("network history, second page", "auditor",
              network(world, "maintenance", "/geschiedenis"), act=follow_next_page,
              shows="main table tbody tr"),
        Visit("network history, closed", "reviewer", network(world, "closed", "/geschiedenis")),
        Visit("network history", "admin", network(world, "orientation", "/geschiedenis")),
    ]


def _network_dossier(world):
    return [
        Visit("network file for printing", "lead", network(world, "maintenance", "/dossier"),
              shows="main table tbody tr"),
        Visit("network file for printing, closed", "auditor",
              network(world, "closed", "/dossier")),
    ]


def _audit_log(world):
    return [
        Visit("audit trail", "auditor", "/audit"),
        Visit("audit trail, second page", "auditor", "/audit", act=follow_next_page,
              shows="main table tbody tr"),
        Visit("audit trail, filtered", "admin",
              f"/audit?network={world['full'].networks['orientation']}&action=item.rejected"),
        Visit("audit trail, no matches", "auditor", "/audit?network=2147483647"),
        Visit("audit trail, bad date range", "auditor",
              "/audit?date_from=2026-05-01&date_to=2026-04-01", status=400, shows=FIELD_ERROR),
        Visit("audit trail, bad network number", "admin", "/audit?network=twaalf", status=400,
              shows=FIELD_ERROR),
        Visit("audit trail", "auditor", "/audit", municipality="empty"),
    ]


def _tokens(world):
    return [Visit("API tokens", role, "/account/tokens") for role in ROLES] + [
        Visit("API tokens, none yet", "reviewer", "/account/tokens", municipality="empty")]


def password_step(email: str, *, mfa_required: bool = False):
    """An action: type the e-mail and password on the login page; land on the second step.

    `mfa_required`: as when two-factor login is required (the app's setting is flipped for
    this one login), so a user without it lands on the set-up page.
    """
    def act(page) -> int:
        from flask import current_app

        page.fill("input[name=email]", email)
        page.fill("input[name=password]", TEST_PASSWORD)
        previous = current_app.config["MFA_REQUIRED"]
        current_app.config["MFA_REQUIRED"] = mfa_required or previous
        try:
            return click_and_wait(page, "main form button[type=submit]")
        finally:
            current_app.config["MFA_REQUIRED"] = previous
    return act


def then(*acts):
    """An action made of several, one after the other; the status is the last one's."""
    def act(page) -> int:
        status = 0
        for step in acts:
            status = step(page)
        return status
    return act


def _second_step(world):
    return [Visit("login, code of the app", "anonymous", "/login",
                  act=password_step(world["full"].email("mfa")), shows="input[name=code]")]


def _enrol_at_login(world):
    return [Visit("login, set up two-factor login", "anonymous", "/login",
                  act=password_step(world["empty"].email("lead"), mfa_required=True),
                  shows="main svg[role=img][aria-label]")]


def _security(world):
    return [Visit("login and security, two-factor off", "lead", "/account/beveiliging"),
            Visit("login and security, two-factor on", "mfa", "/account/beveiliging",
                  shows="main .utrecht-status-badge--success"),
            Visit("login and security", "admin", "/account/beveiliging", municipality="empty")]


def _security_enrol(world):
    return [Visit("set up two-factor login", "lead", "/account/beveiliging/tweestapsverificatie",
                  shows="main svg[role=img][aria-label]"),
            Visit("set up two-factor login", "auditor",
                  "/account/beveiliging/tweestapsverificatie", municipality="empty")]


def _password(world):
    return [Visit("change password", "reviewer", "/account/wachtwoord")]


def user_page(world, key: str) -> str:
    return f"/beheer/gebruikers/{world['full'].users[key].id}"


def _admin_users(world):
    return [Visit("users", "admin", "/beheer/gebruikers", shows="main table tbody tr"),
            Visit("users", "admin", "/beheer/gebruikers", municipality="empty")]


def _admin_new_user(world):
    return [Visit("add a user", "admin", "/beheer/gebruikers/nieuw")]


def _admin_edit_user(world):
    return [Visit("user page", "admin", user_page(world, "lead")),
            Visit("user page, two-factor on", "admin", user_page(world, "mfa")),
            Visit("user page, deactivated", "admin", user_page(world, "former"),
                  shows="form[action$='/activeren']"),
            Visit("user page, own", "admin", f"/beheer/gebruikers/"
                  f"{world['empty'].users['admin'].id}", municipality="empty")]


def _admin_tokens(world):
    return [Visit("all API tokens", "admin", "/beheer/tokens", shows="main table tbody tr"),
            Visit("all API tokens, none", "admin", "/beheer/tokens", municipality="empty")]


# --- keeping a network alive: meetings, signals, the exchange, the overview -------------------

def kept(world, key: str) -> int:
    return world["full"].exchange[key]


def _meetings(world):
    return [Visit("meetings", "lead", network(world, "maintenance", "/bijeenkomsten"),
                  shows="main table tbody tr"),
            Visit("meetings", "auditor", network(world, "maintenance", "/bijeenkomsten")),
            Visit("meetings, none yet", "lead", network(world, "orientation", "/bijeenkomsten"),
                  shows="main:not(:has(table))")]


def _meeting(world):
    path = network(world, "maintenance", f"/bijeenkomsten/{kept(world, 'meeting')}")
    return [Visit("meeting", "lead", path, shows="form[action$='/gedaan']"),
            Visit("meeting", "reviewer", path, shows="main:not(:has(form[action$='/gedaan']))")]


def _new_meeting(world):
    return [Visit("log a meeting", "lead", network(world, "maintenance", "/bijeenkomsten/nieuw"),
                  shows="input[name=attendee_ids]"),
            Visit("log a meeting, nobody in the register", "lead",
                  network(world, "no_people", "/bijeenkomsten/nieuw"),
                  shows="main:not(:has(input[name=attendee_ids]))")]


def _signals(world):
    return [Visit("signals", "lead", network(world, "maintenance", "/signalen"),
                  shows="main table .utrecht-status-badge"),
            Visit("signals", "admin", network(world, "maintenance", "/signalen")),
            Visit("signals, none yet", "lead", network(world, "orientation", "/signalen"),
                  shows="main:not(:has(table))")]


def _signal(world):
    signal = network(world, "maintenance", f"/signalen/{kept(world, 'signal')}")
    liveability = network(world, "maintenance", f"/signalen/{kept(world, 'liveability')}")
    return [Visit("signal, its steps", "lead", signal,
                  shows="form:has(input[name=step][value=forward]) select[name=partner_kind]"),
            Visit("signal, liveability", "lead", liveability,
                  shows="form[action$='/dieper-thema']"),
            Visit("signal", "auditor", signal, shows="main:not(:has(form[action$='/stap']))")]


def _new_signal(world):
    return [Visit("record a signal", "lead", network(world, "maintenance", "/signalen/nieuw"),
                  shows="main .utrecht-alert--warning")]


def _exchange(world):
    return [Visit("exchange", "lead", network(world, "maintenance", "/uitwisseling"),
                  shows="form[action$='/antwoord']"),
            Visit("exchange", "other_lead", network(world, "maintenance", "/uitwisseling"),
                  shows="main:not(:has(form[action$='/antwoord']))"),
            Visit("exchange, nothing yet", "lead", network(world, "orientation", "/uitwisseling"))]


def _signal_to_policy(world):
    return [Visit("hand a signal to policy", "lead", network(
        world, "maintenance", f"/signalen/{kept(world, 'signal')}/naar-beleid"))]


def _agreement_to_policy(world):
    return [Visit("hand an agreement to policy", "lead", network(
        world, "maintenance", f"/bijeenkomsten/{kept(world, 'meeting')}/afspraken/"
        f"{kept(world, 'agreement')}/naar-beleid"))]


def _overview(world):
    return [*(Visit("overview", role, "/overzicht", shows="main svg[role=img] title")
              for role in ROLES),
            Visit("overview, no data yet", "auditor", "/overzicht", municipality="empty")]
def person(world, state: str, suffix: str = "") -> str:
    network_state = "expansion" if state == "growth_limit" else "orientation"
    return network(world, network_state, f"/personen/{world['full'].members[state]}{suffix}")


MEMBER_VIEWS = {  # the state a person's page shows, and what proves it
    "candidate": "form:has(input[name=step][value=record_intake]) select[name=intake_outcome]",
    "intake_held": "form:has(input[name=step][value=invite])",
    "invited": "form:has(input[name=step][value=activate])",
    "active": "form:has(input[name=step][value=leave]) textarea[aria-required=true]",
    "inactive": "form:has(input[name=step][value=activate])",
    "left": "main table tbody tr",
    "declined": "main:not(:has(form[action$='/stap']))",
    "erased": "main .utrecht-alert",
    "growth_limit": "main .utrecht-status-badge--danger",
}


def _organisations(world):
    return [Visit("organisations and stakeholder map", "lead",
                  network(world, "orientation", "/organisaties"),
                  shows="main figure svg[role=img][aria-labelledby]"),
            Visit("organisations", "auditor", network(world, "small_core", "/organisaties"),
                  shows="main table tbody tr"),
            Visit("organisations, figures only", "other_lead",
                  network(world, "orientation", "/organisaties")),
            Visit("organisations, none yet", "reviewer",
                  network(world, "closed", "/organisaties"))]


def _new_organisation(world):
    return [Visit("add an organisation", "lead",
                  network(world, "orientation", "/organisaties/nieuw"))]


def _edit_organisation(world):
    organisation = world["full"].organisations["orientation"]
    return [Visit("edit an organisation", "lead", network(
        world, "orientation", f"/organisaties/{organisation}/bewerken"))]


def _people(world):
    return [Visit("people by pipeline state", "lead", network(world, "orientation", "/personen"),
                  shows="main h2#state-candidate"),
            Visit("people, second page", "lead", network(world, "orientation", "/personen"),
                  act=follow_next_page, shows="main h2#state-declined"),
            Visit("people, state filter", "reviewer",
                  network(world, "orientation", "/personen?status=active")),
            Visit("people", "admin", network(world, "expansion", "/personen")),
            Visit("people, nobody yet", "auditor", network(world, "closed", "/personen"))]


def _candidates(world):
    return [Visit("candidates and the gaps they fill", "lead",
                  network(world, "orientation", "/kandidaten"), shows="main td li"),
            Visit("candidates, no profile", "auditor",
                  network(world, "small_core", "/kandidaten")),
            Visit("candidates, none", "reviewer", network(world, "closed", "/kandidaten"))]


def _new_member(world):
    return [Visit("add a person", "lead", network(world, "orientation", "/personen/nieuw"))]


def _member(world):
    return [*(Visit(f"person page, {state}", "lead", person(world, state), shows=proof)
              for state, proof in MEMBER_VIEWS.items()),
            Visit("person page, erase form", "admin", person(world, "active"),
                  shows="form[action$='/wissen']"),
            Visit("person page", "auditor", person(world, "intake_held"))]


def _edit_member(world):
    return [Visit("edit a person", "lead", person(world, "invited", "/bewerken"))]


def _profile(world):
    return [Visit("profile against the members", "lead",
                  network(world, "orientation", "/profiel"),
                  shows="main:has(figure svg[role=img]):has(form[action$='/doelen'])"),
            Visit("profile, none chosen", "lead", network(world, "small_core", "/profiel"),
                  shows="form[action$='/kiezen']"),
            Visit("profile, figures only", "other_lead",
                  network(world, "orientation", "/profiel")),
            Visit("profile", "reviewer", network(world, "expansion", "/profiel"))]


PAGE_PLAN = {
    "auth.root": _root,
    "auth.second_step": _second_step,
    "auth.enrol": _enrol_at_login,
    "security.overview": _security,
    "security.enrol": _security_enrol,
    "security.password": _password,
    "admin.users": _admin_users,
    "admin.new_user": _admin_new_user,
    "admin.edit_user": _admin_edit_user,
    "admin.tokens": _admin_tokens,
    "auth.login": _login,
    "pages.accessibility": _accessibility_statement,
    "api_reference.index": _api_reference,
    "dashboard.index": _dashboard,
    "networks.list_networks": _network_list,
    "networks.new_network": _new_network,
    "networks.edit_network": _edit_network,
    "networks.change_lead": _change_lead,
    "networks.detail": _network_detail,
    "items.detail": _item_detail,
    "history.network_history": _network_history,
    "networks.dossier": _network_dossier,
    "history.audit_log": _audit_log,
    "account.tokens": _tokens,
    "meetings.list_network_meetings": _meetings,
    "meetings.meeting": _meeting,
    "meetings.new_meeting": _new_meeting,
    "signals.list_network_signals": _signals,
    "signals.signal": _signal,
    "signals.new_signal": _new_signal,
    "exchange.exchange": _exchange,
    "exchange.signal_to_policy": _signal_to_policy,
    "exchange.agreement_to_policy": _agreement_to_policy,
    "overview.index": _overview,
    "composition.organisations": _organisations,
    "composition.new_organisation": _new_organisation,
    "composition.edit_organisation": _edit_organisation,
    "composition.people": _people,
    "composition.candidates": _candidates,
    "composition.new_member": _new_member,
    "composition.member": _member,
    "composition.edit_member": _edit_member,
    "composition.profile": _profile,
}

def expire_the_form(page) -> int:
    """Submit the login form with a CSRF token that no longer matches, as after a restart."""
    page.locator("main form input[name=csrf_token]").evaluate("field => field.value = 'verlopen'")
    return click_and_wait(page, "main form button[type=submit]")


# The error page is not an endpoint of its own, yet users meet it.
ERROR_PAGES = [
    Visit("error page, not found", "lead", "/netwerken/2147483647", status=404),
    Visit("error page, no access", "lead", "/audit", status=403),
    Visit("error page, not found", "anonymous", "/bestaat-niet", status=404),
    Visit("error page, form expired", "anonymous", "/login", act=expire_the_form, status=400),
]


# --- forms posted with errors -----------------------------------------------------------------

def submit_in(form_selector: str, fill: dict[str, str] | None = None,
              button: str = "button[type=submit]:not([formaction])"):
    """An action: fill these fields of a form (the rest stays as it is) and submit it.

    The browser would cut a too-long text at the field's maxlength; the server must still
    refuse it (an old browser, a script), so the limit is lifted first to show that error.
    """
    def act(page) -> int:
        form = page.locator(form_selector)
        form.evaluate("form => form.querySelectorAll('[maxlength]')"
                      ".forEach(field => field.removeAttribute('maxlength'))")
        for name, value in (fill or {}).items():
            form.locator(f"[name={name}]").fill(value)
        return click_and_wait(page, f"{form_selector} {button}")
    return act


def choose_unknown_lead(page) -> int:
    """Post a lead that is not on the list, as a stale or tampered form would."""
    page.evaluate("""() => {
        const select = document.querySelector('select[name=lead_id]');
        select.add(new Option('Onbekend', '2147483646'));
        select.value = '2147483646';
    }""")
    return click_and_wait(page, "main form button[type=submit]")


def log_out(page) -> int:
    return click_and_wait(page, "header form[action$='/logout'] button")


def _login_errors(world):
    return [Visit("login, wrong password", "anonymous", "/login",
                  act=submit_in("main form", {"email": world["full"].email("lead"),
                                              "password": "wrong password"}),
                  shows=FIELD_ERROR),
            Visit("login, empty", "anonymous", "/login", act=submit_in("main form"),
                  shows=FIELD_ERROR)]


def _new_network_errors(world):
    return [Visit("new network form, submitted empty", "lead", "/netwerken/nieuw",
                  act=submit_in("main form"), status=422, shows=FIELD_ERROR)]


def _edit_network_errors(world):
    return [Visit("edit network form, name removed", "lead",
                  network(world, "orientation", "/bewerken"),
                  act=submit_in("main form", {"name": "", "goal": ""}), status=422,
                  shows=FIELD_ERROR)]


def _change_lead_errors(world):
    return [Visit("change project lead form, unknown lead", "admin",
                  network(world, "orientation", "/projectleider"), act=choose_unknown_lead,
                  status=422, shows=FIELD_ERROR)]


def _advance_errors(world):
    return [Visit("network page, pause without a reason", "lead", network(world, "small_core"),
                  act=submit_in("form:has(input[name=trigger][value=pause])"), status=422,
                  shows=FIELD_ERROR),
            Visit("network page, close without a reason", "lead", network(world, "paused"),
                  act=submit_in("form:has(input[name=trigger][value=close])"), status=422,
                  shows=FIELD_ERROR)]


def _evidence_errors(world):
    return [Visit("item page, evidence submitted empty", "lead", item(world, "open"),
                  act=submit_in("form[action$='/bewijs']"), status=422, shows=FIELD_ERROR),
            Visit("item page, evidence changed to empty", "lead", item(world, "rejected"),
                  act=submit_in("form[action$='/bewijs']", {"justification": ""}),
                  status=422, shows=FIELD_ERROR)]


def _approve_errors(world):
    return [Visit("item page, sign-off comment too long", "reviewer", item(world, "submitted"),
                  act=submit_in("form[action$='/aftekenen']", {"comment": "x" * 10_001}),
                  status=422, shows=FIELD_ERROR)]


def _reject_errors(world):
    return [Visit("item page, rejected without a comment", "reviewer", item(world, "submitted"),
                  act=submit_in("form[action$='/aftekenen']",
                                button="button[formaction$='/afwijzen']"),
                  status=422, shows=FIELD_ERROR)]


def _revoke_errors(world):
    return [Visit("item page, revoked without a reason", "reviewer", item(world, "approved"),
                  act=submit_in("form[action$='/intrekken']"), status=422, shows=FIELD_ERROR)]


def _token_forms(world):
    return [Visit("API tokens, name too long", "lead", "/account/tokens",
                  act=submit_in("form[action$='/account/tokens']", {"label": "x" * 101}),
                  status=400, shows=FIELD_ERROR),
            Visit("API tokens, new token shown once", "auditor", "/account/tokens",
                  act=submit_in("form[action$='/account/tokens']", {"label": "Controle"}),
                  shows="main .utrecht-alert #new-token")]


def _revoke_token(world):
    return [Visit("API tokens, token revoked", "lead", "/account/tokens",
                  act=submit_in("tr:has-text('Rapportage-script') form[action$='/intrekken']"),
                  shows="main .utrecht-alert--ok")]


def _logout(world):
    return [Visit("login page after logging out", "reviewer", "/dashboard", act=log_out,
                  municipality="empty", shows="main .utrecht-alert")]


def _second_step_errors(world):
    return [Visit("login, wrong code", "anonymous", "/login",
                  act=then(password_step(world["full"].email("mfa")),
                           submit_in("main form", {"code": "000000"})),
                  status=422, shows=FIELD_ERROR)]


def _enrol_at_login_errors(world):
    return [Visit("login, set up with a wrong code", "anonymous", "/login",
                  act=then(password_step(world["empty"].email("reviewer"), mfa_required=True),
                           submit_in("main form", {"code": "12"})),
                  status=422, shows=FIELD_ERROR)]


def _security_enrol_errors(world):
    return [Visit("set up two-factor login, wrong password", "lead",
                  "/account/beveiliging/tweestapsverificatie",
                  act=submit_in("main form", {"current_password": "niet goed", "code": "123456"}),
                  status=422, shows=FIELD_ERROR),
            Visit("set up two-factor login, recovery codes shown once", "auditor",
                  "/account/beveiliging/tweestapsverificatie", act=enrol_with_the_app,
                  shows="main #recovery-codes li")]


def enrol_with_the_app(page) -> int:
    """Fill in the set-up form as someone who added the key to their app."""
    import pyotp

    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    page.fill("input[name=current_password]", TEST_PASSWORD)
    page.fill("input[name=code]", pyotp.TOTP(secret).now())
    return click_and_wait(page, "main form button[type=submit]")


def _password_errors(world):
    return [Visit("change password, repeated wrongly", "reviewer", "/account/wachtwoord",
                  act=submit_in("main form", {"current_password": TEST_PASSWORD,
                                              "new_password": "een nieuw wachtwoord",
                                              "repeat_password": "een ander wachtwoord"}),
                  status=422, shows=FIELD_ERROR)]


def _admin_new_user_forms(world):
    return [Visit("add a user, submitted empty", "admin", "/beheer/gebruikers/nieuw",
                  act=submit_in("main form"), status=422, shows=FIELD_ERROR),
            Visit("add a user, first password shown once", "admin", "/beheer/gebruikers/nieuw",
                  act=then(lambda page: page.check("input[name=roles][value=auditor]") or 0,
                           submit_in("main form", {"name": "Nieuwe Collega",
                                                   "email": "nieuw@utrecht.example.nl"})),
                  shows="main #initial-password")]


def _admin_edit_user_errors(world):
    return [Visit("user page, name removed", "admin", user_page(world, "lead"),
                  act=submit_in("main form.vs-form", {"name": ""}), status=422,
                  shows=FIELD_ERROR)]


def _admin_actions(action: str, key: str, label: str):
    def plan(world):
        return [Visit(f"user page, {label}", "admin", user_page(world, key),
                      act=submit_in(f"form[action$='/{action}']"),
                      shows="main .utrecht-alert--ok")]
    return plan


def _admin_revoke_token(world):
    return [Visit("all API tokens, token revoked", "admin", "/beheer/tokens",
                  act=submit_in("tr:has-text('Koppeling zaaksysteem') form[action$='/intrekken']"),
                  shows="main .utrecht-alert--ok")]


def _meeting_errors(world):
    return [Visit("log a meeting, submitted empty", "lead",
                  network(world, "maintenance", "/bijeenkomsten/nieuw"),
                  act=submit_in("main form", {"agreement_1_text": "Iets zonder datum."}),
                  status=422, shows=FIELD_ERROR)]


def _agreement_done(world):
    return [Visit("meeting, agreement done", "lead", network(
        world, "maintenance", f"/bijeenkomsten/{kept(world, 'meeting')}"),
        act=submit_in(f"form[action$='/afspraken/{kept(world, 'agreement')}/gedaan']"),
        shows="main .utrecht-alert--ok")]


def _signal_errors(world):
    return [Visit("record a signal, submitted empty", "lead",
                  network(world, "maintenance", "/signalen/nieuw"), act=submit_in("main form"),
                  status=422, shows=FIELD_ERROR)]


def _signal_step_errors(world):
    return [Visit("signal, forwarded without a partner's name", "lead", network(
        world, "maintenance", f"/signalen/{kept(world, 'signal')}"),
        act=submit_in("form:has(input[name=step][value=forward])"), status=422,
        shows=FIELD_ERROR),
        Visit("signal, assessed and then acted on", "lead", network(
            world, "maintenance", f"/signalen/{kept(world, 'liveability')}"),
            act=then(submit_in("form:has(input[name=step][value=assess])"),
                     submit_in("form:has(input[name=step][value=act])")),
            shows="main .utrecht-alert--ok")]


def _deeper_theme(world):
    return [Visit("signal, deeper theme saved", "lead", network(
        world, "maintenance", f"/signalen/{kept(world, 'liveability')}"),
        act=then(lambda page: page.select_option("select[name=deeper_theme]",
                                                 "tension_between_groups") and 0,
                 submit_in("form[action$='/dieper-thema']")),
        shows="main .utrecht-alert--ok")]


def _answer_errors(world):
    return [Visit("exchange, an empty answer", "lead",
                  network(world, "maintenance", "/uitwisseling"),
                  act=submit_in("form[action$="
                                f"'/inbreng/{kept(world, 'waiting_input')}/antwoord']"),
                  status=422, shows=FIELD_ERROR)]


def _briefing_errors(world):
    return [Visit("exchange, an empty briefing", "lead",
                  network(world, "maintenance", "/uitwisseling"),
                  act=submit_in("form[action$='/briefing']"), status=422, shows=FIELD_ERROR)]


def _policy_errors(path_of):
    def plan(world):
        return [Visit("hand to policy, without a summary", "lead", path_of(world),
                      act=submit_in("main form", {"summary": ""}), status=422,
                      shows=FIELD_ERROR)]
    return plan


def _new_organisation_errors(world):
    return [Visit("add an organisation, submitted empty", "lead",
                  network(world, "orientation", "/organisaties/nieuw"),
                  act=submit_in("main form"), status=422, shows=FIELD_ERROR)]


def _edit_organisation_errors(world):
    organisation = world["full"].organisations["orientation"]
    return [Visit("edit an organisation, name removed", "lead", network(
        world, "orientation", f"/organisaties/{organisation}/bewerken"),
        act=submit_in("main form", {"name": ""}), status=422, shows=FIELD_ERROR)]


def _new_member_errors(world):
    return [Visit("add a person, submitted empty", "lead",
                  network(world, "orientation", "/personen/nieuw"),
                  act=submit_in("main form"), status=422, shows=FIELD_ERROR)]


def _edit_member_errors(world):
    return [Visit("edit a person, bad phone number", "lead", person(world, "invited", "/bewerken"),
                  act=submit_in("main form", {"phone": "bel me"}), status=422,
                  shows=FIELD_ERROR)]


def _member_step_errors(world):
    return [Visit("person page, intake without its outcome", "lead", person(world, "candidate"),
                  act=submit_in("form:has(input[name=step][value=record_intake])"),
                  status=422, shows=FIELD_ERROR),
            Visit("person page, leaving without a reason", "lead", person(world, "active"),
                  act=submit_in("form:has(input[name=step][value=leave])"), status=422,
                  shows=FIELD_ERROR),
            Visit("person page, step taken", "lead", person(world, "intake_held"),
                  act=submit_in("form:has(input[name=step][value=invite])"),
                  shows="main .utrecht-alert--ok")]


def _erase_errors(world):
    return [Visit("person page, erased without a reason", "admin", person(world, "inactive"),
                  act=submit_in("form[action$='/wissen']"), status=422, shows=FIELD_ERROR)]


def _choose_profile_errors(world):
    return [Visit("profile, chosen nothing", "lead", network(world, "small_core", "/profiel"),
                  act=submit_in("form[action$='/kiezen']"), status=422, shows=FIELD_ERROR)]


def _adjust_profile_errors(world):
    return [Visit("profile, targets emptied", "lead", network(world, "orientation", "/profiel"),
                  act=submit_in("form[action$='/doelen']", {"min_communities": ""}),
                  status=422, shows=FIELD_ERROR)]


# Users' visits run in the order their first visit appears here, so new entries go at the end:
# an earlier administrator's visit would reset the two-factor login that "login, wrong code"
# (anonymous) needs.
FORM_PLAN = {
    "auth.login": _login_errors,
    "auth.second_step": _second_step_errors,
    "auth.enrol": _enrol_at_login_errors,
    "security.enrol": _security_enrol_errors,
    "security.password": _password_errors,
    "admin.new_user": _admin_new_user_forms,
    "admin.edit_user": _admin_edit_user_errors,
    "admin.deactivate_user": _admin_actions("deactiveren", "other_lead", "deactivated"),
    "admin.activate_user": _admin_actions("activeren", "former", "reactivated"),
    "admin.reset_mfa": _admin_actions("tweestapsverificatie-herstellen", "mfa",
                                      "two-factor login reset"),
    "admin.revoke_token": _admin_revoke_token,
    "auth.logout": _logout,
    "networks.new_network": _new_network_errors,
    "networks.edit_network": _edit_network_errors,
    "networks.change_lead": _change_lead_errors,
    "networks.advance": _advance_errors,
    "items.submit": _evidence_errors,
    "items.approve": _approve_errors,
    "items.reject": _reject_errors,
    "items.revoke": _revoke_errors,
    "account.create_token": _token_forms,
    "account.revoke_token": _revoke_token,
    "meetings.new_meeting": _meeting_errors,
    "meetings.agreement_done": _agreement_done,
    "signals.new_signal": _signal_errors,
    "signals.take_step": _signal_step_errors,
    "signals.link_deeper_theme": _deeper_theme,
    "exchange.answer": _answer_errors,
    "exchange.briefing": _briefing_errors,
    "exchange.signal_to_policy": _policy_errors(lambda world: network(
        world, "maintenance", f"/signalen/{kept(world, 'signal')}/naar-beleid")),
    "exchange.agreement_to_policy": _policy_errors(lambda world: network(
        world, "maintenance", f"/bijeenkomsten/{kept(world, 'meeting')}/afspraken/"
        f"{kept(world, 'agreement')}/naar-beleid")),
    "history.audit_export": lambda world: [
        Visit("audit export, bad network number", "auditor", "/audit",
              act=submit_in("form[action$='/audit/export']", {"export-network": "twaalf"}),
              status=422, shows=FIELD_ERROR)],
    "composition.new_organisation": _new_organisation_errors,
    "composition.edit_organisation": _edit_organisation_errors,
    "composition.new_member": _new_member_errors,
    "composition.edit_member": _edit_member_errors,
    "composition.member_step": _member_step_errors,
    "composition.erase": _erase_errors,
    "composition.choose_profile": _choose_profile_errors,
    "composition.adjust_profile": _adjust_profile_errors,
    # Checked in test_the_language_switch_keeps_the_page_and_sets_html_lang.
    "i18n.switch_language": lambda world: [],
}


def build_world(make_user, make_network, sign_off) -> dict:
    return {"full": build_full_municipality(make_user, make_network, sign_off),
            "empty": build_empty_municipality(make_user)}


def check_pages(new_page, base_url: str, world: dict, visits: list[Visit]) -> list[str]:
    """Open each page as its user (one browser context per user) and collect every failure."""
    by_user: dict[tuple[str, str], list[Visit]] = defaultdict(list)
    for visit in visits:
        by_user[(visit.municipality, visit.role)].append(visit)
    failures = []
    for (place, role), user_visits in by_user.items():
        page = new_page()
        if role != "anonymous":
            log_in(page, base_url, world[place].email(role))
        # Logging out ends the session, so it comes last.
        for visit in sorted(user_visits, key=lambda v: v.act is log_out):
            where = f"{visit.label} [{role}, {place}: {visit.path}]"
            status = page.goto(base_url + visit.path).status
            if visit.act is not None:
                status = visit.act(page)
            where = f"{where} -> {urlsplit(page.url).path}"
            if status != visit.status:
                failures.append(f"{where}: HTTP {status}, expected {visit.status}")
            if visit.shows and page.locator(visit.shows).count() == 0:
                failures.append(f"{where}: the page does not show {visit.shows!r}")
            failures += axe_violations(page, where)
            failures += structure_problems(
                page, where, lang="nl",
                logged_in=role != "anonymous" and visit.act is not log_out)
        page.context.close()
    return failures


def report(failures: list[str]) -> str:
    return f"{len(failures)} accessibility problem(s):\n" + "\n".join(failures)


# --- the tests --------------------------------------------------------------------------------

def plan_gaps(app) -> list[str]:
    """What the URL map has and the plan lacks, or the other way round; one line each."""
    pages, forms = html_get_endpoints(app), form_post_endpoints(app)
    gaps = [f"page {endpoint!r} is not in PAGE_PLAN of {__name__}: add how to open it and as "
            "whom, so axe-core checks it" for endpoint in sorted(pages - PAGE_PLAN.keys())]
    gaps += [f"form {endpoint!r} is not in FORM_PLAN of {__name__}: add a visit that shows "
             "its errors" for endpoint in sorted(forms - FORM_PLAN.keys())]
    gaps += [f"the plan names {endpoint!r}, which the app no longer has"
             for endpoint in sorted((PAGE_PLAN.keys() - pages) | (FORM_PLAN.keys() - forms))]
    return gaps


def test_every_page_and_form_of_the_url_map_is_in_the_visit_plan(app):
    assert "dashboard.index" in html_get_endpoints(app)  # the URL map was read
    assert "items.reject" in form_post_endpoints(app)
    gaps = plan_gaps(app)
    assert not gaps, "\n".join(gaps)


def test_a_new_page_or_form_that_is_not_in_the_plan_is_named(app):
    app.add_url_rule("/netwerken/<int:network_id>/leden", "members.list",
                     lambda network_id: "<html></html>")
    app.add_url_rule("/netwerken/<int:network_id>/leden", "members.add",
                     lambda network_id: "", methods=["POST"])
    app.add_url_rule("/api/v1/members", "api_v1.members", lambda: "{}")

    gaps = "\n".join(plan_gaps(app))
    assert "page 'members.list' is not in PAGE_PLAN" in gaps
    assert "form 'members.add' is not in FORM_PLAN" in gaps
    assert "api_v1" not in gaps


def test_every_page_meets_wcag_21_aa_for_every_role_in_empty_and_full_municipalities(
        app, live_server, new_page, make_user, make_network, sign_off):
    world = build_world(make_user, make_network, sign_off)
    visits = [visit for plan in PAGE_PLAN.values() for visit in plan(world)]
    assert {visit.role for visit in visits} >= {*ROLES, "anonymous"}
    unvisited = sorted(endpoint for endpoint, plan in PAGE_PLAN.items() if not plan(world))
    assert not unvisited, f"PAGE_PLAN opens no page for {unvisited}"

    failures = check_pages(new_page, live_server, world, visits + ERROR_PAGES)
    assert not failures, report(failures)


def test_every_form_shows_its_errors_accessibly(
        app, live_server, new_page, make_user, make_network, sign_off):
    world = build_world(make_user, make_network, sign_off)
    visits = [visit for plan in FORM_PLAN.values() for visit in plan(world)]

    failures = check_pages(new_page, live_server, world, visits)
    assert not failures, report(failures)


def test_the_language_switch_keeps_the_page_and_sets_html_lang(
        app, live_server, new_page, make_user, make_network, sign_off):
    world = build_world(make_user, make_network, sign_off)
    pages_by_user = {
        "anonymous": ["/login", "/toegankelijkheid"],
        "lead": ["/dashboard", "/netwerken?stage=paused", network(world, "orientation"),
                 item(world, "rejected"), network(world, "maintenance", "/geschiedenis")],
        "auditor": ["/audit?action=item.rejected"],
    }
    failures = []
    for role, paths in pages_by_user.items():
        page = new_page()
        if role != "anonymous":
            log_in(page, live_server, world["full"].email(role))
        for path in paths:
            page.goto(live_server + path)
            for language in ("en", "nl"):
                switch_language(page, language)
                where = f"{path} [{role}] in {language}"
                here = urlsplit(page.url)
                if here.path + (f"?{here.query}" if here.query else "") != path:
                    failures.append(f"{where}: the switch went to {page.url}")
                if language == "en":
                    failures += axe_violations(page, where)
                failures += structure_problems(page, where, lang=language,
                                               logged_in=role != "anonymous")
    assert not failures, report(failures)


def test_the_network_page_is_usable_by_keyboard_with_a_visible_focus(
        app, live_server, new_page, make_user, make_network, sign_off):
    world = build_world(make_user, make_network, sign_off)
    page = new_page()
    log_in(page, live_server, world["full"].email("lead"))
    page.goto(live_server + network(world, "small_core"))

    page.keyboard.press("Tab")
    skip_link = active_element(page)
    assert skip_link is not None and skip_link["href"] == "#main", skip_link
    assert focus_is_visible(skip_link) and skip_link["inViewport"], skip_link
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('main') !== null"), \
        "after the skip link, Tab goes on inside <main>"

    page.goto(live_server + network(world, "small_core"))
    stops = []
    for _ in range(14):
        page.keyboard.press("Tab")
        element = active_element(page)
        assert element is not None, f"focus left the page after {stops}"
        assert focus_is_visible(element), f"no visible focus on tab stop {element}"
        stops.append(element)
    kinds = {(stop["tag"], bool(stop["href"])) for stop in stops}
    assert ("a", True) in kinds and ("button", False) in kinds, stops
    assert len({(s["tag"], s["href"], s["text"]) for s in stops}) == len(stops), \
        f"Tab visited an element twice: {stops}"

    # Every step form on the page can be reached and is a real button.
    step_buttons = page.locator("main form[action$='/stap'] button[type=submit]")
    assert step_buttons.count() >= 2
    for index in range(step_buttons.count()):
        step_buttons.nth(index).focus()
        assert focus_is_visible(active_element(page))


def test_pages_reflow_at_320_css_pixels_without_sideways_scrolling(
        app, live_server, new_page, make_user, make_network, sign_off, artifacts_dir):
    """320 CSS px is a 1280px screen at 400% zoom (WCAG 1.4.10); wide tables may scroll."""
    world = build_world(make_user, make_network, sign_off)
    pages_by_role = {
        "lead": ["/dashboard", network(world, "orientation"), network(world, "maintenance"),
                 item(world, "rejected"), "/netwerken", "/netwerken/nieuw"],
        "reviewer": ["/dashboard", item(world, "submitted")],
        "auditor": ["/audit", network(world, "maintenance", "/geschiedenis")],
    }
    failures = []
    for role, paths in pages_by_role.items():
        page = new_page(width=320, height=640)
        log_in(page, live_server, world["full"].email(role))
        for path in paths:
            page.goto(live_server + path)
            assert page.evaluate("innerWidth") == 320
            problem = overflow_problem(page, f"{path} [{role}]")
            if problem:
                failures.append(problem)
        if role == "lead":
            page.goto(live_server + network(world, "orientation"))
            page.screenshot(path=str(artifacts_dir / "a11y-network-page-320px-nl.png"),
                            full_page=True)
    assert not failures, "\n".join(failures)


def test_screenshots_of_the_dashboard_network_page_and_sign_off_form_are_saved_in_dutch(
        app, live_server, new_page, make_user, make_network, sign_off, artifacts_dir,
        record_property):
    world = build_world(make_user, make_network, sign_off)
    shots = {
        "lead": [("a11y-dashboard-nl.png", "/dashboard"),
                 ("a11y-network-page-nl.png", network(world, "orientation"))],
        "reviewer": [("a11y-sign-off-form-nl.png", item(world, "submitted"))],
    }
    saved = []
    for role, targets in shots.items():
        page = new_page()
        log_in(page, live_server, world["full"].email(role))
        for file_name, path in targets:
            page.goto(live_server + path)
            assert page.evaluate("document.documentElement.lang") == "nl"
            target = artifacts_dir / file_name
            target.unlink(missing_ok=True)
            page.screenshot(path=str(target), full_page=True)
            saved.append(target)
    assert page.locator("main form[action$='/aftekenen'] textarea[name=comment]").count() == 1
    for target in saved:
        assert target.stat().st_size > 10_000, f"{target} looks empty"
    record_property("screenshots", str(artifacts_dir))


def test_the_page_checks_find_the_problems_of_a_known_bad_page(new_page):
    page = new_page()
    page.set_content("""<!doctype html><html><head><title>Kapot</title></head><body>
        <a href="/elders">Elders</a>
        <main id="main"><h1>Een</h1><h3>Drie</h3><h1>Nog een</h1>
        <img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">
        <input type="text" name="naamloos" required>
        <div class="utrecht-table-container" style="background-image: linear-gradient(to right,
          white, white), linear-gradient(to left, rgba(0, 0, 0, 0.25), white);
          background-size: 20px 100%, 10px 100%; background-repeat: no-repeat">
          <table><tr><td style="color: #bbb">Bleke tekst in een tabel</td></tr></table></div>
        </main></body></html>""")

    rules = " ".join(axe_violations(page, "bad page"))
    for rule in ("html-has-lang", "image-alt", "label"):
        assert f"[{rule}]" in rules, rules
    assert "[color-contrast]" in rules and "td" in rules, rules  # measured despite the shadow
    problems = " ".join(structure_problems(page, "bad page", logged_in=True, lang="nl"))
    for expected in ("<html lang> is None", "exactly one <h1>", "<h3> 'Drie' follows <h1>",
                     "no <header>", "no <nav>", "not the skip link",
                     "fields look invalid before any error is shown: ['naamloos']"):
        assert expected in problems, problems
    page.set_viewport_size({"width": 320, "height": 640})
    page.set_content('<html lang="nl"><body><p style="width: 600px">Breed</p></body></html>')
    assert "p (right edge 6" in (overflow_problem(page, "wide page") or "")
