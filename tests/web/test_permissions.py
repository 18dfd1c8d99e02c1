"""Every route of the URL map, HTML and API, denies the wrong role and the wrong municipality.

The routes come from `app.url_map`, not from a hand-made list: every rule and every method it
allows (PUT, PATCH and DELETE too), the `auth` and `i18n` blueprints included. Every HTML
endpoint must be classified in `ACCESS` and every API endpoint in `API_ACCESS`, and an entry
whose endpoint has no route fails too, so the tables cannot drift from the app. Only the static
files (`static`, `vendor_asset`) are left out: they are files, not pages.

The routes that need no login are listed in `NO_LOGIN` (the login page, the language switch,
the accessibility statement, the health checks, the API reference and the API's contract and
problem types), and that they need none is asserted, as is the login requirement of all others.

For each route the tests build a URL for network N of municipality A (with a real checklist item
and one of A's API tokens where the route needs them) and check:
- an anonymous visitor is sent to the login page, on GET and on POST (except on public pages);
- a user of municipality B, whatever their roles, gets 404 on every route of N, and never sees
  A's data anywhere;
- within A, the users the rule admits get in, and every other user is refused: 403 on a page
  load; 403, 404 or a 303 back with an error message on a POST, with nothing changed (refused
  attempts may add a `refused` audit record, nothing else).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Callable
from urllib.parse import urlsplit

import pytest
from flask import url_for
from sqlalchemy import select

from lifecycle.extensions import db
from lifecycle.models import (ApiToken, AuditChain, AuditRecord, Evidence, ItemState, Member,
                              MemberStep, Network, NetworkProfile, Organisation, SignOff,
                              StageChange, User)
from lifecycle.services.accounts import create_token
from lifecycle.services.checklists import approve_item, submit_evidence
from lifecycle.services.registers import (create_member, create_organisation,
                                          set_network_profile)
from lifecycle.services.uow import write_transaction
from tests.builders import compose_through_api
from tests.conftest import TEST_PASSWORD
from tests.web import maintenance_access
from tests.web.api_routes import api_request

SKIPPED_ENDPOINTS = {"static", "vendor_asset"}
IGNORED_METHODS = {"HEAD", "OPTIONS"}

# Who a rule admits (see `admits`), besides a tuple of roles of which one is enough.
PUBLIC = "everybody, also without logging in"
ANYONE = "anyone in the municipality"
NETWORK_LEAD = "the network's own lead"
SIGNING_REVIEWER = "a reviewer who does not lead the network"
PEOPLE_READER = maintenance_access.PEOPLE_READERS
TOKEN_OWNER_OR_ADMIN = "the token's owner or an administrator"
# The second login step and two-factor enrolment belong to someone halfway through logging in;
# everyone else, logged in or not, is sent (back) to the login page.
LOGIN_STEP = "someone halfway through logging in"

SUBMITTED_ITEM = "mandate.sponsor_named"
APPROVED_ITEM = "orientation.problem_goal"
OPEN_ITEM = "mandate.roles_described"

MARKER_NETWORK = "Netwerk Zuilen Alfa-Zeven"
MARKER_LEAD = "Ada Alfa-Lead"


@dataclass(frozen=True)
class Access:
    """Who may use an endpoint, and what a permitted user would post to it."""

    admits: str | tuple[str, ...]  # a rule above, or the roles of which one is enough
    form: Callable[["World"], dict[str, Any]] = field(default=lambda world: {})
    item_id: str = SUBMITTED_ITEM
    lands: int = 200  # what an admitted user's GET answers (a redirect for the entry pages)
    # Whether an admitted POST changes the database (logging in or out, or switching the
    # language, changes only the session).
    writes: bool = True


ACCESS: dict[str, Access] = {
    "auth.root": Access(ANYONE, lands=302),
    "auth.login": Access(PUBLIC, lands=302, writes=False, form=lambda world: {
        "email": "nobody@utrecht.example.nl", "password": "not the password"}),
    "auth.second_step": Access(LOGIN_STEP),
    "auth.enrol": Access(LOGIN_STEP),
    "auth.logout": Access(ANYONE, writes=False),
    "i18n.switch_language": Access(PUBLIC, writes=False, form=lambda world: {
        "lang": "en", "next": "/toegankelijkheid"}),
    "pages.accessibility": Access(PUBLIC),
    "api_reference.index": Access(PUBLIC),
    "dashboard.index": Access(ANYONE),
    "history.network_history": Access(ANYONE),
    "history.audit_log": Access(("auditor", "admin")),
    "history.audit_export": Access(("auditor", "admin"), form=lambda world: {
        "export-log": "audit", "export-format": "jsonl"}),
    "account.tokens": Access(ANYONE),
    "account.create_token": Access(ANYONE, form=lambda world: {"label": "my script"}),
    "account.revoke_token": Access(TOKEN_OWNER_OR_ADMIN),
    "networks.list_networks": Access(ANYONE),
    "networks.detail": Access(ANYONE),
    "networks.dossier": Access(ANYONE),
    "networks.new_network": Access(("lead",), form=lambda world: {
        "name": "Netwerk Overvecht", "goal": "Spanningen vroeg zien.", "form": "ad_hoc",
        "level": "broad", "roles": ["signaling"]}),
    "networks.edit_network": Access(NETWORK_LEAD, form=lambda world: {
        "name": "Netwerk Zuilen, hernoemd", "goal": "Een scherper doel.", "form": "structural",
        "form_justification": "Een vast netwerk past bij de langdurige opgave.",
        "level": "group", "roles": ["signaling"], "version": str(world.network_version())}),
    "networks.change_lead": Access(("admin",), form=lambda world: {
        "lead_id": str(world.users["other_lead"].id),
        "version": str(world.network_version())}),
    "networks.advance": Access(NETWORK_LEAD, form=lambda world: {
        "trigger": "close", "reason": "Het netwerk is opgegaan in een ander netwerk.",
        "expected_stage": "orientation"}),
    "items.detail": Access(ANYONE),
    "items.submit": Access(NETWORK_LEAD, item_id=OPEN_ITEM, form=lambda world: {
        "justification": "Het college besloot op 12 maart.", "links": ""}),
    "items.approve": Access(SIGNING_REVIEWER, form=lambda world: {"comment": "Akkoord."}),
    "items.reject": Access(SIGNING_REVIEWER, form=lambda world: {"comment": "Te vaag."}),
    "items.revoke": Access(SIGNING_REVIEWER, item_id=APPROVED_ITEM,
                           form=lambda world: {"reason": "Het besluit is ingetrokken."}),
    "security.overview": Access(ANYONE),
    "security.enrol": Access(ANYONE, form=lambda world: world.enrolment_form()),
    "security.password": Access(ANYONE, form=lambda world: {
        "current_password": TEST_PASSWORD, "new_password": "een heel nieuw wachtwoord",
        "repeat_password": "een heel nieuw wachtwoord"}),
    "admin.users": Access(("admin",)),
    "admin.new_user": Access(("admin",), form=lambda world: {
        "name": "Nieuwe Collega", "email": "nieuwe.collega@utrecht.example.nl",
        "roles": ["lead"]}),
    "admin.edit_user": Access(("admin",), form=lambda world: {
        "name": "Andere Naam", "email": world.users["other_lead"].email,
        "roles": ["lead", "reviewer"]}),
    "admin.deactivate_user": Access(("admin",)),
    "admin.activate_user": Access(("admin",)),
    "admin.reset_mfa": Access(("admin",)),
    "admin.tokens": Access(("admin",)),
    "admin.revoke_token": Access(("admin",)),
    "composition.organisations": Access(ANYONE),
    "composition.new_organisation": Access(NETWORK_LEAD, form=lambda world: {
        "name": "Voetbalvereniging Zuilen", "type": "sports_club", "influence": "low",
        "involvement": "high", "communities": "Wijk-Noord"}),
    "composition.edit_organisation": Access(NETWORK_LEAD, form=lambda world: {
        "name": "Basisschool De Brug", "type": "school", "influence": "low",
        "involvement": "low", "board_approached_on": "2026-01-05", "board_outcome": "willing",
        "version": str(world.version_of(Organisation, world.organisation_id))}),
    "composition.people": Access(PEOPLE_READER),
    "composition.candidates": Access(PEOPLE_READER),
    "composition.member": Access(PEOPLE_READER),
    "composition.new_member": Access(NETWORK_LEAD, form=lambda world: {
        "name": "Karim Bouzid", "sector": "education", "member_type": "verbinder"}),
    "composition.edit_member": Access(NETWORK_LEAD, form=lambda world: {
        "name": "Samira Veld", "phone": "+31 6 12345678",
        "version": str(world.version_of(Member, world.member_id))}),
    "composition.member_step": Access(NETWORK_LEAD, form=lambda world: {
        "step": "record_intake", "intake_outcome": "suitable", "house_rules": ["openness"]}),
    "composition.erase": Access(("admin",), form=lambda world: {
        "reason": "Verzoek van betrokkene."}),
    "composition.profile": Access(ANYONE),
    "composition.choose_profile": Access(NETWORK_LEAD, form=lambda world: {
        "profile_id": "neighbourhood_signaling"}),
    "composition.adjust_profile": Access(NETWORK_LEAD, form=lambda world: {
        "profile_id": "policy_sounding_board", "sectors": ["education", "sport"],
        "formal_share_min": "10", "formal_share_max": "60", "min_communities": "2",
        "min_voices_per_community": "2",
        "version": str(world.version_of(NetworkProfile, world.network_id))}),
    "health.healthz": Access(PUBLIC),
    "health.readyz": Access(PUBLIC),
}
ACCESS.update(maintenance_access.access_rules(Access, ANYONE, NETWORK_LEAD))

# Users of municipality A: the key, their roles, and whether they lead network N.
A_USERS = {
    "network_lead": ("lead", "reviewer"),  # also a reviewer, so four-eyes is tested too
    "other_lead": ("lead",),
    "reviewer": ("reviewer",),
    "auditor": ("auditor",),
    "admin": ("admin",),
}
B_USERS = {
    "b_everything": ("lead", "reviewer", "auditor", "admin"),
    "b_lead": ("lead",),
    "b_auditor": ("auditor",),
}


def checked_rules(app):
    """The HTML rules of the url_map (the API has its own walk below), logging out last:
    it ends the session the walk goes on with."""
    rules = [rule for rule in app.url_map.iter_rules()
             if rule.endpoint not in SKIPPED_ENDPOINTS and not rule.rule.startswith("/api/")]
    return sorted(rules, key=lambda rule: (rule.endpoint == "auth.logout", rule.rule))


def rule_methods(rule) -> list[str]:
    return sorted(rule.methods - IGNORED_METHODS)


def admits(access: Access, user_key: str, roles: tuple[str, ...]) -> bool:
    if access.admits == LOGIN_STEP:
        return False
    if access.admits in (PUBLIC, ANYONE):
        return True
    if access.admits == NETWORK_LEAD:
        return user_key == "network_lead"
    if access.admits == SIGNING_REVIEWER:
        return "reviewer" in roles and user_key != "network_lead"
    if access.admits == PEOPLE_READER:
        return maintenance_access.admits_people_reader(user_key, roles)
    if access.admits == TOKEN_OWNER_OR_ADMIN:
        return user_key == "network_lead" or "admin" in roles
    return any(role in roles for role in access.admits)


class World:
    """Municipality A with network N (an item submitted, one signed off, a token), and B."""

    def __init__(self, app, make_user, make_network):
        self.app = app
        self.users = {key: make_user(*roles, municipality="Utrecht",
                                     name=MARKER_LEAD if key == "network_lead" else None)
                      for key, roles in A_USERS.items()}
        self.users.update({key: make_user(*roles, municipality="Venlo")
                           for key, roles in B_USERS.items()})
        lead, reviewer = self.users["network_lead"], self.users["reviewer"]
        self.network = make_network(lead, name=MARKER_NETWORK)
        self.network_id = self.network.id
        self.municipality_id = lead.municipality_id
        for item_id in (SUBMITTED_ITEM, APPROVED_ITEM):
            with write_transaction():
                submit_evidence(lead, self.network_id, item_id, f"Toelichting bij {item_id}.")
        with write_transaction():
            approve_item(reviewer, self.network_id, APPROVED_ITEM, "Akkoord.")
        with write_transaction():
            self.token = create_token(lead, label="A's script")
        self.token_id = db.session.scalar(select(ApiToken.id).where(ApiToken.user_id == lead.id))
        with write_transaction():
            self.organisation_id = create_organisation(lead, self.network_id, {
                "name": "Basisschool De Horizon", "type": "school", "influence": "high",
                "involvement": "high"}).id
        with write_transaction():
            self.member_id = create_member(lead, self.network_id, {
                "name": "Samira el Amrani", "organisation_id": self.organisation_id}).id
        with write_transaction():
            set_network_profile(lead, self.network_id, "policy_sounding_board")
        self.maintenance_ids = maintenance_access.build_maintenance(lead, self.network_id)
        self._clients: dict[str, Any] = {}
        self.acting: str | None = None

    def signal_version(self) -> int:
        from lifecycle.models import Signal

        return db.session.get(Signal, self.maintenance_ids["signal_id"]).version

    def version_of(self, model, key: int) -> int:
        return db.session.scalar(select(model.version).where(
            (model.network_id if model is NetworkProfile else model.id) == key))

    def network_version(self) -> int:
        return db.session.scalar(select(Network.version).where(Network.id == self.network_id))

    def client(self, user_key: str | None):
        """A logged-in test client per user (None: anonymous); logging in once is enough."""
        self.acting = user_key
        if user_key not in self._clients:
            client = self.app.test_client()
            if user_key is not None:
                response = client.post("/login", data={
                    "email": self.users[user_key].email, "password": TEST_PASSWORD})
                assert response.status_code == 302, f"{user_key} could not log in"
            self._clients[user_key] = client
        return self._clients[user_key]

    def enrolment_form(self) -> dict[str, str]:
        """The two-factor set-up form as the acting user would fill it in from their app."""
        import pyotp

        if self.acting is None:
            return {}
        with self._clients[self.acting].session_transaction() as session:
            secret = session.get("_enrol_secret")
        return {"current_password": TEST_PASSWORD,
                "code": pyotp.TOTP(secret).now() if secret else "000000"}

    def url(self, rule, access: Access) -> str:
        fillers = {"network_id": self.network_id, "item_id": access.item_id,
                   "token_id": self.token_id, "user_id": self.users["other_lead"].id,
                   "organisation_id": self.organisation_id, "member_id": self.member_id,
                   **self.maintenance_ids}
        unknown = set(rule.arguments) - set(fillers)
        assert not unknown, (f"{rule.rule}: this test does not know how to fill {unknown}; "
                             "teach World.url about it")
        with self.app.test_request_context():
            return url_for(rule.endpoint, **{name: fillers[name] for name in rule.arguments})

    def state_of_a(self) -> dict[str, list]:
        """Everything of municipality A a request could change, as plain rows."""
        networks = select(Network.id).where(Network.municipality_id == self.municipality_id)
        users = select(User.id).where(User.municipality_id == self.municipality_id)
        chain = select(AuditChain.id).where(AuditChain.municipality_id == self.municipality_id)
        queries = {
            "networks": select(Network.id, Network.name, Network.goal, Network.form,
                               Network.form_justification, Network.level, Network.stage,
                               Network.paused_from, Network.lead_id, Network.version)
            .where(Network.id.in_(networks)).order_by(Network.id),
            "items": select(ItemState.network_id, ItemState.item_id, ItemState.status,
                            ItemState.evidence_id, ItemState.signoff_id)
            .where(ItemState.network_id.in_(networks)).order_by(ItemState.id),
            "evidence": select(Evidence.id).where(Evidence.network_id.in_(networks))
            .order_by(Evidence.id),
            "signoffs": select(SignOff.id, SignOff.revoked_at, SignOff.stale_at)
            .where(SignOff.network_id.in_(networks)).order_by(SignOff.id),
            "timeline": select(StageChange.id).where(StageChange.network_id.in_(networks)),
            "tokens": select(ApiToken.id, ApiToken.revoked_at)
            .where(ApiToken.user_id.in_(users)).order_by(ApiToken.id),
            "users": select(User.id, User.active).where(User.id.in_(users)).order_by(User.id),
            "organisations": select(Organisation.id, Organisation.version)
            .where(Organisation.network_id.in_(networks)).order_by(Organisation.id),
            "members": select(Member.id, Member.status, Member.version, Member.erased_at)
            .where(Member.network_id.in_(networks)).order_by(Member.id),
            "member_steps": select(MemberStep.id).where(MemberStep.network_id.in_(networks)),
            "profiles": select(NetworkProfile.network_id, NetworkProfile.version)
            .where(NetworkProfile.network_id.in_(networks)),
            # A read of people is recorded as such (who read, `personal_data.read`), as the
            # processing log records it: that is the trail of the read, not a change by it.
            "audit_ok": select(AuditRecord.seq).where(AuditRecord.chain_id.in_(chain),
                                                      AuditRecord.result == "ok",
                                                      AuditRecord.action != "personal_data.read")
            .order_by(AuditRecord.seq),
        }
        return {name: [tuple(row) for row in db.session.execute(query)]
                for name, query in queries.items()}


@pytest.fixture
def world(app, make_user, make_network):
    return World(app, make_user, make_network)


def error_flashes(client) -> list[str]:
    with client.session_transaction() as session:
        return [message for category, message in session.get("_flashes", [])
                if category == "error"]


def clear_flashes(client) -> None:
    with client.session_transaction() as session:
        session.pop("_flashes", None)


def is_login_redirect(response) -> bool:
    return response.status_code == 302 and \
        urlsplit(response.headers["Location"]).path == "/login"


def test_every_html_route_is_classified_in_the_access_table(app):
    unclassified = sorted({rule.endpoint for rule in checked_rules(app)} - set(ACCESS))
    assert not unclassified, (
        f"New routes without an access rule: {unclassified}. Add them to ACCESS in "
        f"{__name__} so their permissions are tested.")


def test_every_access_entry_has_a_route(app):
    endpoints = {rule.endpoint for rule in checked_rules(app)}
    gone = sorted(set(ACCESS) - endpoints)
    assert not gone, f"ACCESS entries without a route: {gone}; remove or fix them"


def test_the_whole_url_map_is_walked_by_the_html_or_the_api_checks(app):
    walked = {rule.endpoint for rule in checked_rules(app)} | {
        rule.endpoint for rule in api_rules(app)}
    assert {rule.endpoint for rule in app.url_map.iter_rules()} - walked == SKIPPED_ENDPOINTS


def test_the_access_table_covers_the_pages_that_exist_now(app):
    """Guards against a url_map that is accidentally empty (then nothing would be checked)."""
    endpoints = {rule.endpoint for rule in checked_rules(app)}
    assert {"dashboard.index", "history.network_history", "history.audit_log",
            "account.tokens", "account.create_token", "account.revoke_token"} <= endpoints


def test_an_anonymous_visitor_is_sent_to_the_login_page_from_every_route(app, world):
    before = world.state_of_a()
    for rule in checked_rules(app):
        access = ACCESS[rule.endpoint]
        url = world.url(rule, access)
        for method in rule_methods(rule):
            response = world.client(None).open(url, method=method, data=access.form(world))
            if access.admits == PUBLIC:
                assert response.status_code in (200, 302, 303), (method, url,
                                                                 response.status_code)
                assert not is_login_redirect(response), (method, url, "sent to log in")
                for marker in (MARKER_NETWORK, MARKER_LEAD):
                    assert marker not in response.get_data(as_text=True), (url, marker)
            else:
                assert is_login_redirect(response), (method, url, response.status_code)
    assert world.state_of_a() == before


@pytest.mark.parametrize("b_user", sorted(B_USERS))
def test_a_user_of_another_municipality_gets_404_for_every_route_of_the_network(
        app, world, b_user):
    before = world.state_of_a()
    client = world.client(b_user)
    for rule in checked_rules(app):
        access = ACCESS[rule.endpoint]
        url = world.url(rule, access)
        for method in rule_methods(rule):
            response = client.open(url, method=method, data=access.form(world))
            html = response.get_data(as_text=True)
            if {"network_id", "token_id", "user_id"} & set(rule.arguments):
                assert response.status_code == 404, (b_user, method, url, response.status_code)
            else:
                assert response.status_code in (200, 302, 303, 403), (b_user, method, url,
                                                                 response.status_code)
            for marker in (MARKER_NETWORK, MARKER_LEAD, world.token[:10]):
                assert marker not in html, (b_user, method, url, marker)
    assert world.state_of_a() == before


@pytest.mark.parametrize("endpoint", sorted(ACCESS))
def test_each_route_admits_exactly_the_right_users_of_the_municipality(app, world, endpoint):
    access = ACCESS[endpoint]
    rules = [rule for rule in checked_rules(app) if rule.endpoint == endpoint]
    assert rules, f"{endpoint} is in ACCESS but has no route"
    # Refused users first: each must leave everything as it was. The admitted ones come last,
    # and at least one of their POSTs must change something, or the refusals prove nothing.
    ordered = sorted(A_USERS, key=lambda key: admits(access, key, A_USERS[key]))
    posts_changed_something = False
    posted = False
    for rule in rules:
        url = world.url(rule, access)
        for method in rule_methods(rule):
            for user_key in ordered:
                admitted = admits(access, user_key, A_USERS[user_key])
                client = world.client(user_key)
                clear_flashes(client)
                before = world.state_of_a()
                response = client.open(url, method=method, data=access.form(world))
                context = (user_key, method, url, response.status_code)
                if access.admits == LOGIN_STEP:
                    assert is_login_redirect(response), context
                    assert world.state_of_a() == before, context
                    continue
                if method == "GET":
                    assert response.status_code == (access.lands if admitted else 403), context
                    assert world.state_of_a() == before, context
                    continue
                posted = posted or access.writes
                if admitted:
                    assert response.status_code in (200, 302, 303), context
                    assert not error_flashes(client), (context, error_flashes(client))
                    posts_changed_something |= world.state_of_a() != before
                else:
                    assert response.status_code in (303, 403, 404), context
                    if response.status_code == 303:
                        assert error_flashes(client), (context, "303 without an error message")
                    assert world.state_of_a() == before, context
    if posted:
        assert posts_changed_something, f"no admitted user changed anything via {endpoint}"


# -- the JSON API ----------------------------------------------------------------------------
# The API authenticates with a bearer token, so it is walked with tokens, not logged-in
# clients; the same URL map, every rule and every method it allows. Who a route admits:
API_PUBLIC_ENDPOINTS = {"api-docs.openapi_json", "api_v1.meta.problem_types",
                        "api_v1.meta.problem_type"}
API_ACCESS: dict[str, str | tuple[str, ...]] = {
    "api-docs.openapi_json": PUBLIC,
    "api_v1.meta.problem_types": PUBLIC,
    "api_v1.meta.problem_type": PUBLIC,
    "api_v1.attention.attention_list": ANYONE,
    "api_v1.attention.dashboard": ANYONE,
    "api_v1.attention.list_notifications": ANYONE,
    "api_v1.history.audit_log": ("auditor", "admin"),
    "api_v1.history.network_history": ANYONE,
    "api_v1.networks.list_networks": ANYONE,
    "api_v1.networks.create_network": ("lead",),
    "api_v1.networks.get_network": ANYONE,
    "api_v1.networks.update_network": NETWORK_LEAD,
    "api_v1.checklists.list_checklists": ANYONE,
    "api_v1.checklists.submit_evidence": NETWORK_LEAD,
    "api_v1.checklists.approve_item": SIGNING_REVIEWER,
    "api_v1.checklists.reject_item": SIGNING_REVIEWER,
    "api_v1.checklists.revoke_signoff": SIGNING_REVIEWER,
    "api_v1.lifecycle.list_transitions": ANYONE,
    "api_v1.lifecycle.fire_transition": NETWORK_LEAD,
    "api_v1.registers.list_vocabularies": ANYONE,
    "api_v1.registers.list_profiles": ANYONE,
    "api_v1.registers.get_composition": ANYONE,
    "api_v1.registers.get_network_profile": ANYONE,
    "api_v1.registers.set_network_profile": NETWORK_LEAD,
    "api_v1.registers.list_organisations": ANYONE,
    "api_v1.registers.get_organisation": ANYONE,
    "api_v1.registers.create_organisation": NETWORK_LEAD,
    "api_v1.registers.update_organisation": NETWORK_LEAD,
    "api_v1.registers.list_candidates": PEOPLE_READER,
    "api_v1.registers.list_members": PEOPLE_READER,
    "api_v1.registers.get_member": PEOPLE_READER,
    "api_v1.registers.create_member": NETWORK_LEAD,
    "api_v1.registers.update_member": NETWORK_LEAD,
    "api_v1.registers.take_member_step": NETWORK_LEAD,
    "api_v1.registers.erase_member": ("admin",),
    "api_v1.meetings.list_meetings": PEOPLE_READER,
    "api_v1.meetings.get_meeting": PEOPLE_READER,
    "api_v1.meetings.create_meeting": NETWORK_LEAD,
    "api_v1.meetings.update_meeting": NETWORK_LEAD,
    "api_v1.meetings.add_agreement": NETWORK_LEAD,
    "api_v1.meetings.complete_agreement": NETWORK_LEAD,
    "api_v1.signals.list_signals": PEOPLE_READER,
    "api_v1.signals.get_signal": PEOPLE_READER,
    "api_v1.signals.record_signal": NETWORK_LEAD,
    "api_v1.signals.update_signal": NETWORK_LEAD,
    "api_v1.signals.take_signal_step": NETWORK_LEAD,
    "api_v1.feedback.list_inputs": ANYONE,
    "api_v1.feedback.hand_to_policy": NETWORK_LEAD,
    "api_v1.feedback.record_answer": NETWORK_LEAD,
    "api_v1.feedback.list_briefings": ANYONE,
    "api_v1.feedback.share_briefing": NETWORK_LEAD,
    "api_v1.feedback.get_exchange": ANYONE,
}
# Writes that end something for the routes after them go last: an erased member is gone, a
# closed network is read-only.
LAST_ENDPOINTS = ("api_v1.registers.erase_member", "api_v1.lifecycle.fire_transition")


def api_admits(admits, user_key: str, roles: tuple[str, ...]) -> bool:
    if admits == PEOPLE_READER:
        return user_key == "network_lead" or bool({"reviewer", "auditor", "admin"} & set(roles))
    return globals()["admits"](Access(admits), user_key, roles)


def api_rules(app):
    return [rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/")]


def api_walk(app):
    """Every (method, rule) of the API, the ending writes last."""
    pairs = [(method, rule) for rule in api_rules(app)
             for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    return sorted(pairs, key=lambda pair: (LAST_ENDPOINTS.index(pair[1].endpoint)
                                           if pair[1].endpoint in LAST_ENDPOINTS else -1,
                                           pair[1].rule, pair[0]))


class ApiWorld:
    """Network N of municipality A with one of everything its routes name, and tokens for all."""

    def __init__(self, api, make_user, make_network):
        self.users = {key: make_user(*roles, municipality="Utrecht",
                                     name=MARKER_LEAD if key == "network_lead" else None)
                      for key, roles in A_USERS.items()}
        self.users.update({key: make_user(*roles, municipality="Venlo")
                           for key, roles in B_USERS.items()})
        self.clients = {key: api(user) for key, user in self.users.items()}
        self.anonymous = api(None)
        lead = self.clients["network_lead"]
        self.network = make_network(self.users["network_lead"], name=MARKER_NETWORK)
        base = f"/api/v1/networks/{self.network.id}"
        compose_through_api(lead, self.network.id, activate=False)
        member_id = lead.get(f"{base}/members").get_json()["items"][-1]["id"]
        organisation_id = lead.get(f"{base}/organisations").get_json()["items"][0]["id"]
        meeting = self._created(lead.post(f"{base}/meetings", json={
            "held_on": date.today().isoformat(), "form": "core", "attendee_ids": [member_id],
            "agreements": [{"text": "Wijkagent uitnodigen.", "owner_member_id": member_id,
                            "due_on": (date.today() + timedelta(days=14)).isoformat()}]}))
        signal = self._created(lead.post(f"{base}/signals", json={
            "reported_on": date.today().isoformat(), "theme": "liveability",
            "description": "Klachten over afval.", "urgency": "normal"}))
        handed = self._created(lead.post(f"{base}/inputs", json={
            "signal_id": signal["id"], "summary": "Jongeren missen een plek.",
            "recipient": "Afdeling Jeugd",
            "due_on": (date.today() + timedelta(days=30)).isoformat()}))
        self._created(lead.post(f"{base}/items/{SUBMITTED_ITEM}/submit",
                                json={"evidence": "Wethouder benoemd."}), status=200)
        self.fillers = {
            "network_id": self.network.id, "item_id": SUBMITTED_ITEM, "member_id": member_id,
            "organisation_id": organisation_id, "meeting_id": meeting["id"],
            "agreement_id": meeting["agreements"][0]["id"], "signal_id": signal["id"],
            "input_id": handed["id"], "code": "not-found",
        }

    @staticmethod
    def _created(response, status=201):
        assert response.status_code == status, response.get_json()
        return response.get_json()


@pytest.fixture
def api_world(api, make_user, make_network):
    return ApiWorld(api, make_user, make_network)


def test_every_api_route_is_classified_and_every_entry_has_a_route(app):
    endpoints = {rule.endpoint for rule in api_rules(app)}
    assert not endpoints - set(API_ACCESS), (
        f"API routes without an access rule: {sorted(endpoints - set(API_ACCESS))}")
    assert not set(API_ACCESS) - endpoints, (
        f"API_ACCESS entries without a route: {sorted(set(API_ACCESS) - endpoints)}")
    methods = {method for method, _ in api_walk(app)}
    assert {"GET", "POST", "PATCH", "PUT"} <= methods  # the walk is not accidentally empty


def test_an_api_request_without_a_token_gets_401_on_every_route_but_the_public_ones(
        app, api_world):
    for method, rule in api_walk(app):
        response = api_request(api_world.anonymous, method, rule, api_world.fillers)
        context = (method, rule.rule, response.status_code)
        if API_ACCESS[rule.endpoint] == PUBLIC:
            assert response.status_code == 200, context
        else:
            assert response.status_code == 401, context
            assert response.get_json()["type"].endswith("/unauthorized"), context


@pytest.mark.parametrize("b_user", sorted(B_USERS))
def test_an_api_user_of_another_municipality_gets_404_on_every_route_of_the_network(
        app, api_world, b_user):
    client = api_world.clients[b_user]
    for method, rule in api_walk(app):
        response = api_request(client, method, rule, api_world.fillers)
        context = (b_user, method, rule.rule, response.status_code)
        if "network_id" in rule.arguments:
            assert response.status_code == 404, context
            assert response.get_json()["type"] == "/api/v1/problems/not-found", context
        else:
            assert response.status_code < 500, context
        body = response.get_data(as_text=True)
        assert MARKER_NETWORK not in body and MARKER_LEAD not in body, context


def test_each_api_route_admits_exactly_the_right_users_and_refuses_the_others_with_403(
        app, api_world):
    seen_refusals = seen_admissions = 0
    wrong = []
    for method, rule in api_walk(app):
        access = API_ACCESS[rule.endpoint]
        # Refused users first, then the admitted ones (whose writes may change things).
        ordered = sorted(A_USERS, key=lambda key: api_admits(access, key, A_USERS[key]))
        for user_key in ordered:
            response = api_request(api_world.clients[user_key], method, rule, api_world.fillers)
            context = (user_key, method, rule.rule, response.status_code,
                       (response.get_json(silent=True) or {}).get("type"))
            if api_admits(access, user_key, A_USERS[user_key]):
                # In, though the act itself may be refused for other reasons (409, 422).
                if response.status_code not in (200, 201, 204, 409, 422):
                    wrong.append(("should be admitted",) + context)
                seen_admissions += 1
            else:
                if response.status_code != 403 or response.get_json()["type"] not in (
                        "/api/v1/problems/forbidden", "/api/v1/problems/four-eyes"):
                    wrong.append(("should be refused with 403",) + context)
                seen_refusals += 1
    assert not wrong, "\n".join(map(str, wrong))
    assert seen_refusals > 50 and seen_admissions > 50


NO_LOGIN = {"auth.login", "i18n.switch_language", "pages.accessibility", "health.healthz",
            "health.readyz", "api_reference.index"} | API_PUBLIC_ENDPOINTS


def test_the_routes_that_need_no_login_are_exactly_the_listed_ones(app):
    public = {endpoint for endpoint, access in ACCESS.items() if access.admits == PUBLIC}
    public |= {endpoint for endpoint, admits in API_ACCESS.items() if admits == PUBLIC}
    assert public == NO_LOGIN


def test_the_routes_that_need_no_login_answer_an_anonymous_visitor(app, world):
    anonymous = app.test_client()
    for rule in checked_rules(app):
        if rule.endpoint not in NO_LOGIN:
            continue
        access = ACCESS[rule.endpoint]
        for method in rule_methods(rule):
            response = anonymous.open(world.url(rule, access), method=method,
                                      data=access.form(world))
            assert not is_login_redirect(response), (rule.rule, method)
            assert response.status_code in (200, 302, 303), (rule.rule, method)
    # The language switch did switch, without anyone logged in.
    with anonymous.session_transaction() as session:
        assert session.get("lang") == "en"
    assert 'lang="en"' in anonymous.get("/toegankelijkheid").get_data(as_text=True)
