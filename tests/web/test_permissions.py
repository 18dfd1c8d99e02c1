"""Every HTML route denies the wrong role and the wrong municipality.

The routes come from `app.url_map`, not from a hand-made list, and every endpoint found there must
be classified in `ACCESS` below: a new page cannot slip past these checks unclassified. Entries
whose endpoint is not registered (yet) are skipped.

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
from typing import Any, Callable
from urllib.parse import urlsplit

import pytest
from flask import url_for
from sqlalchemy import select

from lifecycle.extensions import db
from lifecycle.models import (ApiToken, AuditChain, AuditRecord, Evidence, ItemState, Network,
                              SignOff, StageChange, User)
from lifecycle.services.accounts import create_token
from lifecycle.services.checklists import approve_item, submit_evidence
from lifecycle.services.uow import write_transaction
from tests.conftest import TEST_PASSWORD

SKIPPED_BLUEPRINTS = {"auth", "i18n"}
SKIPPED_ENDPOINTS = {"static", "vendor_asset"}
CHECKED_METHODS = ("GET", "POST")

# Who a rule admits (see `admits`), besides a tuple of roles of which one is enough.
PUBLIC = "everybody, also without logging in"
ANYONE = "anyone in the municipality"
NETWORK_LEAD = "the network's own lead"
SIGNING_REVIEWER = "a reviewer who does not lead the network"
TOKEN_OWNER_OR_ADMIN = "the token's owner or an administrator"

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


ACCESS: dict[str, Access] = {
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
    "health.healthz": Access(PUBLIC),
    "health.readyz": Access(PUBLIC),
}

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
    """The url_map rules this test is about: not static files, the API, login or language."""
    for rule in app.url_map.iter_rules():
        if rule.endpoint in SKIPPED_ENDPOINTS or rule.rule.startswith("/api/"):
            continue
        if rule.endpoint.partition(".")[0] in SKIPPED_BLUEPRINTS:
            continue
        yield rule


def rule_methods(rule) -> list[str]:
    return [method for method in CHECKED_METHODS if method in rule.methods]


def admits(access: Access, user_key: str, roles: tuple[str, ...]) -> bool:
    if access.admits in (PUBLIC, ANYONE):
        return True
    if access.admits == NETWORK_LEAD:
        return user_key == "network_lead"
    if access.admits == SIGNING_REVIEWER:
        return "reviewer" in roles and user_key != "network_lead"
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
        self._clients: dict[str, Any] = {}
        self.acting: str | None = None

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
                   "token_id": self.token_id, "user_id": self.users["other_lead"].id}
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
            "audit_ok": select(AuditRecord.seq).where(AuditRecord.chain_id.in_(chain),
                                                      AuditRecord.result == "ok")
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
                assert response.status_code == 200, (method, url, response.status_code)
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
                assert response.status_code in (200, 303, 403), (b_user, method, url,
                                                                 response.status_code)
            for marker in (MARKER_NETWORK, MARKER_LEAD, world.token[:10]):
                assert marker not in html, (b_user, method, url, marker)
    assert world.state_of_a() == before


@pytest.mark.parametrize("endpoint", sorted(ACCESS))
def test_each_route_admits_exactly_the_right_users_of_the_municipality(app, world, endpoint):
    if endpoint not in app.view_functions:
        pytest.skip(f"{endpoint} is not registered (yet)")
    access = ACCESS[endpoint]
    rules = [rule for rule in checked_rules(app) if rule.endpoint == endpoint]
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
                if method == "GET":
                    assert response.status_code == (200 if admitted else 403), context
                    assert world.state_of_a() == before, context
                    continue
                posted = True
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
