"""Every route that shows or changes a person's data writes its processing-log line, and the list
of such routes comes from the URL map, so a new one cannot slip past.

A route counts as personal when its URL names people or what names them: members and candidates
(people, personen, leden, kandidaten), meetings with their attendees and agreements with their
owners, and signals with the member they came from. `PLAN` says, for each such endpoint and
method, how to call it and whose data it touches; a personal route missing from the plan fails
`test_every_personal_route_is_in_the_plan`. Each planned call sends its own W3C `traceparent`,
and the check finds a line for every person it touched under exactly that trace id, so the line
is tied to the request (and to its audit records, which carry the same id).
"""
from __future__ import annotations

import re
import secrets
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Callable

import pytest
from sqlalchemy import select

from lifecycle.extensions import db
from lifecycle.models import AuditRecord, Member, ProcessingLogLine, Signal
from lifecycle.services.privacy import member_reference
from tests.builders import compose_through_api

PERSONAL_WORDS = re.compile(
    r"member|people|person|leden|candidate|kandida|meeting|bijeenkomst|agreement|afspra|"
    r"signal", re.IGNORECASE)
METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE"}


def personal_routes(app) -> set[tuple[str, str]]:
    """(endpoint, method) of every route whose URL names people or what names them."""
    return {(rule.endpoint, method) for rule in app.url_map.iter_rules()
            if PERSONAL_WORDS.search(rule.rule) and rule.endpoint != "static"
            for method in rule.methods & METHODS}


@dataclass
class World:
    network_id: int
    members: list[int]
    meeting_id: int
    agreement_id: int
    signal_id: int
    clients: dict[str, Any]  # API clients with a token, by role
    pages: dict[str, Any]  # logged-in browser clients, by role
    second_agreement_id: int = 0

    @property
    def base(self) -> str:
        return f"/api/v1/networks/{self.network_id}"


@dataclass
class Visit:
    role: str  # who calls: a key of World.clients
    method: str
    url: str
    json: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    # Whose data the call touches: member ids, or a function of the response.
    subjects: list[int] | Callable[[Any], list[int]] = field(default_factory=list)
    form: dict[str, Any] | None = None  # an HTML form post
    page: bool = False  # an HTML page, opened by a logged-in user rather than with a token


def _if_match() -> dict[str, str]:
    return {"If-Match": "*"}


TODAY = date.today()
PLAN: dict[tuple[str, str], Callable[[World], Visit]] = {
    ("api_v1.registers.list_members", "GET"): lambda w: Visit(
        "reviewer", "GET", f"{w.base}/members", subjects=w.members[:5]),
    ("api_v1.registers.create_member", "POST"): lambda w: Visit(
        "lead", "POST", f"{w.base}/members", json={"name": "Nieuw Lid"},
        subjects=lambda response: [response.get_json()["id"]]),
    ("api_v1.registers.get_member", "GET"): lambda w: Visit(
        "auditor", "GET", f"{w.base}/members/{w.members[0]}", subjects=[w.members[0]]),
    ("api_v1.registers.update_member", "PATCH"): lambda w: Visit(
        "lead", "PATCH", f"{w.base}/members/{w.members[0]}", json={"note": "Bijgewerkt."},
        headers=_if_match(), subjects=[w.members[0]]),
    ("api_v1.registers.take_member_step", "POST"): lambda w: Visit(
        "lead", "POST", f"{w.base}/members/{w.members[1]}/steps", json={"step": "invite"},
        subjects=[w.members[1]]),
    ("api_v1.registers.list_candidates", "GET"): lambda w: Visit(
        "reviewer", "GET", f"{w.base}/candidates", subjects=w.members[2:5]),
    ("api_v1.meetings.list_meetings", "GET"): lambda w: Visit(
        "reviewer", "GET", f"{w.base}/meetings", subjects=w.members[:3]),
    ("api_v1.meetings.create_meeting", "POST"): lambda w: Visit(
        "lead", "POST", f"{w.base}/meetings", json={
            "held_on": TODAY.isoformat(), "form": "one_to_one",
            "attendee_ids": [w.members[3]], "topics": ["liveability"],
            "agreements": [{"text": "Terugbellen.", "owner_member_id": w.members[4],
                            "due_on": (TODAY + timedelta(days=7)).isoformat()}]},
        subjects=[w.members[3], w.members[4]]),
    ("api_v1.meetings.get_meeting", "GET"): lambda w: Visit(
        "auditor", "GET", f"{w.base}/meetings/{w.meeting_id}", subjects=w.members[:3]),
    ("api_v1.meetings.update_meeting", "PATCH"): lambda w: Visit(
        "lead", "PATCH", f"{w.base}/meetings/{w.meeting_id}",
        json={"attendee_ids": w.members[:4]}, headers=_if_match(), subjects=w.members[:4]),
    ("api_v1.meetings.add_agreement", "POST"): lambda w: Visit(
        "lead", "POST", f"{w.base}/meetings/{w.meeting_id}/agreements", json={
            "text": "Zaal regelen.", "owner_member_id": w.members[2],
            "due_on": (TODAY + timedelta(days=14)).isoformat()}, subjects=[w.members[2]]),
    ("api_v1.meetings.complete_agreement", "POST"): lambda w: Visit(
        "lead", "POST", f"{w.base}/agreements/{w.agreement_id}/done", json={},
        subjects=[w.members[0]]),
    ("api_v1.signals.list_signals", "GET"): lambda w: Visit(
        "reviewer", "GET", f"{w.base}/signals", subjects=[w.members[3]]),
    ("api_v1.signals.record_signal", "POST"): lambda w: Visit(
        "lead", "POST", f"{w.base}/signals", json={
            "reported_on": TODAY.isoformat(), "theme": "liveability", "urgency": "low",
            "description": "Zorgen over het plein.", "source_member_id": w.members[4]},
        subjects=[w.members[4]]),
    ("api_v1.signals.get_signal", "GET"): lambda w: Visit(
        "auditor", "GET", f"{w.base}/signals/{w.signal_id}", subjects=[w.members[3]]),
    ("api_v1.signals.update_signal", "PATCH"): lambda w: Visit(
        "lead", "PATCH", f"{w.base}/signals/{w.signal_id}", json={"district": "Kanaleneiland"},
        headers=_if_match(), subjects=[w.members[3]]),
    ("api_v1.signals.take_signal_step", "POST"): lambda w: Visit(
        "lead", "POST", f"{w.base}/signals/{w.signal_id}/steps", json={"step": "assess"},
        subjects=[w.members[3]]),
}
# Last: it empties the person, after which nothing more is processed about them.
LAST: dict[tuple[str, str], Callable[[World], Visit]] = {
    ("api_v1.registers.erase_member", "POST"): lambda w: Visit(
        "admin", "POST", f"{w.base}/members/{w.members[5]}/erase",
        json={"reason": "Verzoek van betrokkene."}, subjects=[w.members[5]]),
}


def _page(role: str, path: str, subjects, form: dict | None = None) -> Callable[[World], Visit]:
    """An HTML page or form of network N; `path` and `subjects` are functions of the world."""
    def visit(w: World) -> Visit:
        url = f"/netwerken/{w.network_id}{path(w)}"
        return Visit(role, "POST" if form is not None else "GET", url, page=True,
                     form=form(w) if form is not None else None,
                     subjects=subjects if callable(subjects) and subjects.__name__ == "created"
                     else subjects(w))
    return visit


def _version(model, key: int) -> str:
    db.session.rollback()
    return str(db.session.get(model, key).version)


def created(response) -> list[int]:
    """The person a form post created, from where it sends the browser next."""
    return [int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])]


def _later() -> str:
    return (TODAY + timedelta(days=30)).isoformat()


POLICY_FORM = {"summary": "Een plek voor jongeren.", "recipient": "Afdeling Jeugd"}
PAGE_PLAN: dict[tuple[str, str], Callable[[World], Visit]] = {
    ("composition.people", "GET"): _page(
        "reviewer", lambda w: "/personen", lambda w: w.members[:5]),
    ("composition.candidates", "GET"): _page(
        "reviewer", lambda w: "/kandidaten", lambda w: w.members[2:4]),
    ("composition.member", "GET"): _page(
        "auditor", lambda w: f"/personen/{w.members[0]}", lambda w: [w.members[0]]),
    ("composition.edit_member", "GET"): _page(
        "lead", lambda w: f"/personen/{w.members[0]}/bewerken", lambda w: [w.members[0]]),
    ("composition.edit_member", "POST"): _page(
        "lead", lambda w: f"/personen/{w.members[0]}/bewerken", lambda w: [w.members[0]],
        form=lambda w: {"name": "Samira Veld", "phone": "+31 6 12345678",
                        "version": _version(Member, w.members[0])}),
    ("composition.new_member", "GET"): _page("lead", lambda w: "/personen/nieuw", lambda w: []),
    ("composition.new_member", "POST"): _page(
        "lead", lambda w: "/personen/nieuw", created,
        form=lambda w: {"name": "Karim Bouzid", "sector": "education"}),
    ("composition.member_step", "POST"): _page(
        "lead", lambda w: f"/personen/{w.members[2]}/stap", lambda w: [w.members[2]],
        form=lambda w: {"step": "invite"}),
    ("meetings.list_network_meetings", "GET"): _page(
        "reviewer", lambda w: "/bijeenkomsten", lambda w: w.members[:3]),
    ("meetings.meeting", "GET"): _page(
        "auditor", lambda w: f"/bijeenkomsten/{w.meeting_id}", lambda w: w.members[:3]),
    ("meetings.new_meeting", "GET"): _page(
        "lead", lambda w: "/bijeenkomsten/nieuw", lambda w: w.members[:4]),
    ("meetings.new_meeting", "POST"): _page(
        "lead", lambda w: "/bijeenkomsten/nieuw", lambda w: [w.members[3]],
        form=lambda w: {"held_on": TODAY.isoformat(), "form": "one_to_one",
                        "attendee_ids": [str(w.members[3])], "notes": "Kennismaking."}),
    ("meetings.agreement_done", "POST"): _page(
        "lead", lambda w: f"/bijeenkomsten/{w.meeting_id}/afspraken/{w.second_agreement_id}"
        "/gedaan", lambda w: [w.members[1]], form=lambda w: {}),
    ("signals.list_network_signals", "GET"): _page(
        "reviewer", lambda w: "/signalen", lambda w: [w.members[3]]),
    ("signals.signal", "GET"): _page(
        "auditor", lambda w: f"/signalen/{w.signal_id}", lambda w: [w.members[3]]),
    ("signals.new_signal", "GET"): _page(
        "lead", lambda w: "/signalen/nieuw", lambda w: w.members[:4]),
    ("signals.new_signal", "POST"): _page(
        "lead", lambda w: "/signalen/nieuw", lambda w: [w.members[2]],
        form=lambda w: {"reported_on": TODAY.isoformat(), "theme": "other", "urgency": "low",
                        "description": "Onrust bij de halte.",
                        "source_member_id": str(w.members[2])}),
    ("signals.take_step", "POST"): _page(
        "lead", lambda w: f"/signalen/{w.signal_id}/stap", lambda w: [w.members[3]],
        form=lambda w: {"step": "act"}),
    ("signals.link_deeper_theme", "POST"): _page(
        "lead", lambda w: f"/signalen/{w.signal_id}/dieper-thema", lambda w: [w.members[3]],
        form=lambda w: {"deeper_theme": "polarisation",
                        "version": _version(Signal, w.signal_id)}),
    ("exchange.signal_to_policy", "GET"): _page(
        "lead", lambda w: f"/signalen/{w.signal_id}/naar-beleid", lambda w: [w.members[3]]),
    ("exchange.signal_to_policy", "POST"): _page(
        "lead", lambda w: f"/signalen/{w.signal_id}/naar-beleid", lambda w: [w.members[3]],
        form=lambda w: {**POLICY_FORM, "due_on": _later()}),
    ("exchange.agreement_to_policy", "GET"): _page(
        "lead", lambda w: f"/bijeenkomsten/{w.meeting_id}/afspraken/{w.second_agreement_id}"
        "/naar-beleid", lambda w: [w.members[1]]),
    ("exchange.agreement_to_policy", "POST"): _page(
        "lead", lambda w: f"/bijeenkomsten/{w.meeting_id}/afspraken/{w.second_agreement_id}"
        "/naar-beleid", lambda w: [w.members[1]],
        form=lambda w: {**POLICY_FORM, "due_on": _later()}),
    # Before the API's erasure, which comes last of all.
    ("composition.erase", "POST"): _page(
        "admin", lambda w: f"/personen/{w.members[4]}/wissen", lambda w: [w.members[4]],
        form=lambda w: {"reason": "Verzoek van betrokkene."}),
}
PLAN.update(PAGE_PLAN)
PLAN.update(LAST)


def build_world(make_user, api, browse) -> World:
    users = {role: make_user(role) for role in ("lead", "reviewer", "auditor", "admin")}
    clients = {role: api(user) for role, user in users.items()}
    with _pages_without_csrf():
        pages = {role: browse(user) for role, user in users.items()}
    lead = clients["lead"]
    network_id = lead.post("/api/v1/networks", json={
        "name": "Netwerk Kanaleneiland", "goal": "Vroeg signaleren van spanningen.",
        "form": "structural", "roles": ["signaling"],
        "form_justification": "Een vast netwerk past bij de opgave in de wijk."}).get_json()["id"]
    compose_through_api(lead, network_id, activate=False)
    base = f"/api/v1/networks/{network_id}"
    members = [m["id"] for m in lead.get(f"{base}/members").get_json()["items"]]
    meeting = lead.post(f"{base}/meetings", json={
        "held_on": (TODAY - timedelta(days=2)).isoformat(), "form": "core",
        "attendee_ids": members[:3], "topics": ["liveability"],
        "agreements": [{"text": "Wijkagent uitnodigen.", "owner_member_id": members[0],
                        "due_on": (TODAY + timedelta(days=10)).isoformat()}]})
    assert meeting.status_code == 201, meeting.get_json()
    signal = lead.post(f"{base}/signals", json={
        "reported_on": TODAY.isoformat(), "theme": "liveability", "urgency": "normal",
        "description": "Afval rond het buurthuis.", "source_member_id": members[3]})
    assert signal.status_code == 201, signal.get_json()
    second = lead.post(f"{base}/meetings/{meeting.get_json()['id']}/agreements", json={
        "text": "Buurthuis vragen.", "owner_member_id": members[1],
        "due_on": (TODAY + timedelta(days=12)).isoformat()})
    assert second.status_code == 201, second.get_json()
    # The fifth candidate's intake is held already; the sixth is left to be erased.
    return World(network_id, members, meeting.get_json()["id"],
                 meeting.get_json()["agreements"][0]["id"], signal.get_json()["id"], clients,
                 pages, second.get_json()["id"])


@contextmanager
def _pages_without_csrf():
    """The `api` fixture switches CSRF protection on (the API must not need it); the page forms
    here post without a token, as the other page tests do."""
    from flask import current_app

    before = current_app.config["WTF_CSRF_ENABLED"]
    current_app.config["WTF_CSRF_ENABLED"] = False
    try:
        yield
    finally:
        current_app.config["WTF_CSRF_ENABLED"] = before


def check(world: World, key: tuple[str, str], visit: Visit) -> str | None:
    """Call the route; say what is wrong with its processing log, or None when all is well."""
    trace_id = secrets.token_hex(16)
    headers = {**visit.headers, "traceparent": f"00-{trace_id}-{secrets.token_hex(8)}-01"}
    if visit.page:
        with _pages_without_csrf():
            response = world.pages[visit.role].open(visit.url, method=visit.method,
                                                    data=visit.form, headers=headers)
    else:
        response = world.clients[visit.role].request(visit.method, visit.url, json=visit.json,
                                                     headers=headers)
    if response.status_code >= 400:
        return f"{key}: {visit.method} {visit.url} answered {response.status_code}"
    subjects = visit.subjects(response) if callable(visit.subjects) else visit.subjects
    logged = set(db.session.scalars(select(ProcessingLogLine.subject_ref).where(
        ProcessingLogLine.trace_id == trace_id)))
    missing = [m for m in subjects if member_reference(m) not in logged]
    if missing:
        return f"{key}: no processing-log line for people {missing} under the request's trace"
    if visit.method != "GET":
        actions = db.session.scalars(select(AuditRecord.action).where(
            AuditRecord.trace_id == trace_id)).all()
        if not actions:
            return f"{key}: the change left no audit record under the same trace id"
    return None


def plan_gaps(app) -> list[str]:
    return [f"personal route {endpoint} {method} is not in PLAN"
            for endpoint, method in sorted(personal_routes(app)) if (endpoint, method) not in PLAN]


def test_every_personal_route_is_in_the_plan(app):
    routes = personal_routes(app)
    assert ("api_v1.registers.get_member", "GET") in routes
    assert ("api_v1.meetings.list_meetings", "GET") in routes
    assert ("api_v1.registers.get_composition", "GET") not in routes  # figures, no people
    gaps = plan_gaps(app)
    assert not gaps, "\n".join(gaps)
    stale = sorted(set(PLAN) - routes)
    assert not stale, f"PLAN names routes the app does not have: {stale}"


def test_a_new_route_that_names_people_is_caught(app):
    app.add_url_rule("/api/v1/networks/<int:network_id>/members/<int:member_id>/notes",
                     "api_v1.registers.member_notes", lambda network_id, member_id: "{}")
    app.add_url_rule("/netwerken/<int:network_id>/personen", "people.index",
                     lambda network_id: "<html></html>")
    app.add_url_rule("/netwerken/<int:network_id>/leden/nieuw", "members.new",
                     lambda network_id: "", methods=["POST"])
    gaps = "\n".join(plan_gaps(app))
    assert "api_v1.registers.member_notes GET is not in PLAN" in gaps
    assert "people.index GET is not in PLAN" in gaps
    assert "members.new POST is not in PLAN" in gaps


def test_every_personal_route_writes_its_processing_log_line_under_the_requests_trace(
        app, make_user, api, browse):
    world = build_world(make_user, api, browse)
    failures = [problem for key, plan in PLAN.items()
                if (problem := check(world, key, plan(world))) is not None]
    assert not failures, "\n".join(failures)


def test_the_check_fails_for_a_route_that_shows_a_person_without_logging(app, make_user, api,
                                                                      browse):
    from flask import jsonify

    from lifecycle.models import Member

    def unlogged(network_id, member_id):
        return jsonify({"name": db.session.get(Member, member_id).name})

    app.add_url_rule("/api/v1/networks/<int:network_id>/members/<int:member_id>/unlogged",
                     "api_v1.registers.unlogged", unlogged)
    world = build_world(make_user, api, browse)
    visit = Visit("lead", "GET", f"{world.base}/members/{world.members[0]}/unlogged",
                  subjects=[world.members[0]])
    problem = check(world, ("api_v1.registers.unlogged", "GET"), visit)
    assert problem and "no processing-log line" in problem


def test_each_request_has_its_own_trace_id(app, make_user, api, browse):
    world = build_world(make_user, api, browse)
    for _ in range(2):
        world.clients["reviewer"].get(f"{world.base}/members/{world.members[0]}")
    traces = db.session.scalars(select(ProcessingLogLine.trace_id).where(
        ProcessingLogLine.name == "member.read",
        ProcessingLogLine.subject_ref == member_reference(world.members[0]))).all()
    assert len(traces) >= 2 and len(set(traces[-2:])) == 2, traces
