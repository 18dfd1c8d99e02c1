"""The composition pages: organisations and the stakeholder map, people and their pipeline, the
candidates with the gaps they fill, the profile editor, and the section on the network page.

Users log in through /login and use the forms. People's pages are for the network's lead,
reviewers, auditors and administrators; other leads of the municipality see figures only (403
on people's pages), other municipalities get 404. Every read of a person writes its line in the
processing log.
"""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from lifecycle.extensions import db
from lifecycle.models import Member, NetworkProfile, Organisation, ProcessingLogLine
from lifecycle.services.lifecycle import advance_network
from lifecycle.services.privacy import member_reference
from lifecycle.services.registers import create_member, take_member_step
from lifecycle.services.uow import write_transaction
from tests.builders import satisfy_auto_items
from tests.web.html import tags, text

GATE_ONE = ("orientation", "mandate", "church_state")


def fresh():
    db.session.rollback()  # end the test's own read transaction, to see what requests wrote


def log_lines(member_id: int | None = None, name: str | None = None) -> int:
    fresh()
    query = select(func.count()).select_from(ProcessingLogLine)
    if member_id is not None:
        query = query.where(ProcessingLogLine.subject_ref == member_reference(member_id))
    if name is not None:
        query = query.where(ProcessingLogLine.name == name)
    return db.session.scalar(query)


def member_ids(network_id: int, status: str | None = None) -> list[int]:
    fresh()
    query = select(Member.id).where(Member.network_id == network_id)
    if status:
        query = query.where(Member.status == status)
    return list(db.session.scalars(query.order_by(Member.id)))


def write(service, *args, **kwargs):
    with write_transaction():
        return service(*args, **kwargs)


def assert_field_error(page: str, element: str, field_name: str, **wanted: str) -> None:
    control = tags(page, element, name=field_name, **wanted)[0]
    assert control["aria-invalid"] == "true", control
    assert f"{control['id']}-error" in control["aria-describedby"].split()
    assert f'id="{control["id"]}-error"' in page


def error_messages(client) -> list[str]:
    """The error messages waiting to be shown (taken, so the next check starts empty)."""
    with client.session_transaction() as session:
        return [message for category, message in session.pop("_flashes", [])
                if category == "error"]


@pytest.fixture
def cast(make_user, make_network):
    """A network in orientation with its register (organisations, people after their intake)."""
    people = {key: make_user(*roles, name=name) for key, roles, name in (
        ("lead", ("lead",), "Lotte Lead"), ("reviewer", ("reviewer",), "Rik Reviewer"),
        ("auditor", ("auditor",), "Anna Auditor"), ("admin", ("admin",), "Ad Admin"),
        ("other_lead", ("lead",), "Olga Andere"))}
    people["b_user"] = make_user("lead", "reviewer", "auditor", "admin", municipality="Venlo")
    network = make_network(people["lead"])
    satisfy_auto_items(network.id, people["lead"], ["orientation"])
    return people, network


def base(network, suffix: str = "") -> str:
    return f"/netwerken/{network.id}{suffix}"


# --- who sees what ----------------------------------------------------------------------------

PAGES = ("/organisaties", "/personen", "/kandidaten", "/profiel", "/organisaties/nieuw",
         "/personen/nieuw")
EXPECTED = {  # user -> the status of each page above
    "lead": (200, 200, 200, 200, 200, 200),
    "reviewer": (200, 200, 200, 200, 403, 403),
    "auditor": (200, 200, 200, 200, 403, 403),
    "admin": (200, 200, 200, 200, 403, 403),
    "other_lead": (200, 403, 403, 200, 403, 403),
    "b_user": (404, 404, 404, 404, 404, 404),
}


@pytest.mark.parametrize("who", sorted(EXPECTED))
def test_each_page_answers_each_user_as_the_rules_say(cast, browse, who):
    people, network = cast
    client = browse(people[who])
    seen = tuple(client.get(base(network, page)).status_code for page in PAGES)
    assert seen == EXPECTED[who]
    member_id = member_ids(network.id)[0]
    person = client.get(base(network, f"/personen/{member_id}")).status_code
    assert person == {"other_lead": 403, "b_user": 404}.get(who, 200)
    edit = client.get(base(network, f"/personen/{member_id}/bewerken")).status_code
    assert edit == {"lead": 200, "b_user": 404}.get(who, 403)


def test_the_network_page_shows_the_composition_and_its_limits(cast, browse):
    people, network = cast
    page = text(browse(people["lead"]).get(base(network)))
    assert 'id="composition"' in page
    assert "0 of at most 12" in page  # the small core: nobody active yet, at most 12
    assert "0 of at most 5" in page  # the growth per quarter
    assert base(network, "/personen") in page

    other = text(browse(people["other_lead"]).get(base(network)))
    assert 'id="composition"' in other
    assert base(network, "/organisaties") in other
    assert base(network, "/personen") not in other
    assert "Sleutelfiguur" not in other


def test_figures_only_for_another_lead_on_the_profile_page(cast, browse):
    people, network = cast
    page = text(browse(people["other_lead"]).get(base(network, "/profiel")))
    assert base(network, "/personen") not in page
    assert "Sleutelfiguur" not in page
    assert 'action="' + base(network, "/profiel/kiezen") not in page


# --- organisations ----------------------------------------------------------------------------

def test_the_register_shows_the_stakeholder_map_as_svg_and_as_a_table(cast, browse):
    people, network = cast
    response = browse(people["auditor"]).get(base(network, "/organisaties"))
    page = text(response)
    svg = tags(page, "svg", role="img")[0]
    assert set(svg["aria-labelledby"].split()) == {"map-title", "map-desc"}
    assert 'id="map-title"' in page and 'id="map-desc"' in page
    assert "<title>Basisschool De Horizon: School</title>" in page
    assert page.count("Basisschool De Horizon") >= 3  # map point, description, table
    assert "Work together closely" in page and "Keep an eye on" in page
    assert 'style="' not in page  # the CSP forbids inline styles
    assert "<table" in page and "Board approached" in page
    # Only the lead gets the forms.
    assert base(network, "/organisaties/nieuw") not in page


def test_the_lead_adds_an_organisation_and_errors_come_back_marked(cast, browse):
    people, network = cast
    client = browse(people["lead"])
    url = base(network, "/organisaties/nieuw")
    assert tags(text(client.get(url)), "input", name="name")

    empty = client.post(url, data={"name": "", "type": "", "influence": "high",
                                   "involvement": "low"})
    assert empty.status_code == 422
    assert_field_error(text(empty), "input", "name")
    assert_field_error(text(empty), "select", "type")

    taken = client.post(url, data={"name": "basisschool de horizon", "type": "school",
                                   "influence": "high", "involvement": "low"})
    assert taken.status_code == 422
    assert "This value is already in use." in text(taken)

    future = client.post(url, data={"name": "Moskee Yunus Emre", "type":
                                    "faith_belief_organisation", "influence": "high",
                                    "involvement": "low", "board_approached_on": "2999-01-01",
                                    "board_outcome": "willing"})
    assert future.status_code == 422
    assert_field_error(text(future), "input", "board_approached_on")

    saved = client.post(url, data={"name": "Moskee Yunus Emre",
                                   "type": "faith_belief_organisation",
                                   "communities": "Turks-Nederlands\nWijk-Zuid\n",
                                   "influence": "high", "involvement": "high",
                                   "board_approached_on": "2026-01-05",
                                   "board_outcome": "hesitant"})
    assert saved.status_code == 303
    fresh()
    organisation = db.session.scalars(select(Organisation).where(
        Organisation.name == "Moskee Yunus Emre")).one()
    assert organisation.communities == ["Turks-Nederlands", "Wijk-Zuid"]
    assert organisation.board_approached_by_id == people["lead"].id
    listing = text(client.get(base(network, "/organisaties")))
    assert "Moskee Yunus Emre" in listing and "Hesitant" in listing


def test_the_lead_edits_an_organisation_and_a_stale_form_is_refused(cast, browse):
    people, network = cast
    client = browse(people["lead"])
    fresh()
    organisation = db.session.scalars(select(Organisation).where(
        Organisation.network_id == network.id).order_by(Organisation.id)).first()
    url = base(network, f"/organisaties/{organisation.id}/bewerken")
    form = text(client.get(url))
    version = tags(form, "input", name="version")[0]["value"]
    data = {"name": organisation.name, "type": organisation.type, "influence": "low",
            "involvement": "low", "communities": "Wijk-Noord", "version": version}
    assert client.post(url, data=data).status_code == 303
    fresh()
    assert db.session.get(Organisation, organisation.id).influence == "low"
    stale = client.post(url, data={**data, "influence": "high"})
    assert stale.status_code == 303 and stale.headers["Location"].endswith(url)
    assert "Someone else changed this" in " ".join(error_messages(client))
    assert browse(people["reviewer"]).post(url, data=data).status_code == 403


# --- people -----------------------------------------------------------------------------------

def test_the_people_list_groups_by_state_filters_and_logs_each_person_shown(cast, browse):
    people, network = cast
    client = browse(people["reviewer"])
    before = log_lines(name="member.list")
    page = text(client.get(base(network, "/personen")))
    assert "Intake held (6)" in page and "Sleutelfiguur 1" in page
    assert log_lines(name="member.list") == before + 6
    assert "Nobody is in this state." in text(client.get(base(network, "/personen?status=active")))
    assert client.get(base(network, "/personen?status=ghost")).status_code == 400
    assert client.get(base(network, "/personen?after=x")).status_code == 400


def test_reading_a_person_page_writes_a_processing_log_line(cast, browse):
    people, network = cast
    member_id = member_ids(network.id)[0]
    for who in ("lead", "auditor", "admin"):
        before = log_lines(member_id, "member.read")
        page = text(browse(people[who]).get(base(network, f"/personen/{member_id}")))
        assert "Sleutelfiguur 1" in page
        assert log_lines(member_id, "member.read") == before + 1
    before = log_lines(member_id)
    assert browse(people["other_lead"]).get(base(network, f"/personen/{member_id}")) \
        .status_code == 403
    assert log_lines(member_id) == before  # nothing read, nothing logged


def test_the_lead_adds_a_person_and_errors_come_back_marked(cast, browse):
    people, network = cast
    client = browse(people["lead"])
    url = base(network, "/personen/nieuw")
    page = text(client.get(url))
    assert "Never write down someone's religion" in page
    assert tags(page, "input", name="known_to_municipality", type="checkbox")

    empty = client.post(url, data={"name": ""})
    assert empty.status_code == 422
    assert_field_error(text(empty), "input", "name")
    bad = client.post(url, data={"name": "Karim", "email": "geen-adres", "phone": "abc"})
    assert bad.status_code == 422
    assert_field_error(text(bad), "input", "phone")
    long_note = client.post(url, data={"name": "Karim", "note": "x" * 501})
    assert long_note.status_code == 422
    assert_field_error(text(long_note), "textarea", "note")

    saved = client.post(url, data={"name": "Karim Bouzid", "email": "k.bouzid@example.nl",
                                   "sector": "education", "age_band": "25_39",
                                   "gender": "prefers_not_to_say", "formal": "informal",
                                   "member_type": "verbinder", "known_to_municipality": "y"})
    assert saved.status_code == 303
    fresh()
    member = db.session.scalars(select(Member).where(Member.name == "Karim Bouzid")).one()
    assert (member.status, member.formal, member.known_to_municipality) == \
        ("candidate", False, True)
    assert saved.headers["Location"].endswith(f"/personen/{member.id}")


def test_the_lead_edits_a_person(cast, browse):
    people, network = cast
    client = browse(people["lead"])
    member_id = member_ids(network.id)[0]
    url = base(network, f"/personen/{member_id}/bewerken")
    form = text(client.get(url))
    assert tags(form, "input", name="name")[0]["value"] == "Sleutelfiguur 1"
    version = tags(form, "input", name="version")[0]["value"]
    assert client.post(url, data={"name": "", "version": version}).status_code == 422
    response = client.post(url, data={"name": "Sleutelfiguur Een", "phone": "+31 6 12345678",
                                      "formal": "formal", "version": version})
    assert response.status_code == 303
    fresh()
    assert db.session.get(Member, member_id).phone == "+31 6 12345678"


def test_the_pipeline_steps_are_forms_and_the_history_grows(cast, browse):
    people, network = cast
    client = browse(people["lead"])
    candidate = write(create_member, people["lead"], network.id, {"name": "Nieuwe Kandidaat"})
    url = base(network, f"/personen/{candidate.id}")
    page = text(client.get(url))
    assert 'value="record_intake"' in page and 'value="decline"' in page
    assert "No steps yet" in page

    missing = client.post(url + "/stap", data={"step": "record_intake"})
    assert missing.status_code == 422
    assert "The step Record the intake conversation was not taken." in text(missing)
    assert_field_error(text(missing), "select", "intake_outcome")

    done = client.post(url + "/stap", data={
        "step": "record_intake", "intake_outcome": "suitable",
        "house_rules": ["openness", "church_state"]})
    assert done.status_code == 303
    history = text(client.get(url))
    assert "Outcome: Suitable" in history
    assert "Openness to each other's views, Separation of church and state" in history
    assert 'value="invite"' in history

    for step in ("invite", "activate"):
        assert client.post(url + "/stap", data={"step": step}).status_code == 303
    no_reason = client.post(url + "/stap", data={"step": "leave"})
    assert no_reason.status_code == 422
    assert "This step needs a reason." in text(no_reason)
    assert_field_error(text(no_reason), "textarea", "reason", id="step-leave-reason")
    left = client.post(url + "/stap", data={"step": "leave", "reason": "Verhuisd."})
    assert left.status_code == 303
    final = text(client.get(url))
    assert "Reason: Verhuisd." in final and "There are no steps from this state." in final


def test_a_step_that_is_not_possible_is_refused_with_a_clear_message(cast, browse):
    people, network = cast
    client = browse(people["lead"])
    member_id = member_ids(network.id, "intake_held")[0]
    url = base(network, f"/personen/{member_id}")
    response = client.post(url + "/stap", data={"step": "deactivate"})
    assert response.status_code == 303
    assert error_messages(client) == ["This step is not possible from the current stage."]
    assert client.post(url + "/stap", data={}).status_code == 303
    assert error_messages(client) == ["Choose a step to take."]
    fresh()
    assert db.session.get(Member, member_id).status == "intake_held"
    # Only the lead takes steps.
    assert browse(people["reviewer"]).post(url + "/stap", data={"step": "invite"}) \
        .status_code == 403


def test_the_growth_limit_shows_on_the_page_and_refuses_the_step(make_user, make_network,
                                                                 sign_off, browse):
    lead, reviewer = make_user("lead"), make_user("reviewer")
    network = make_network(lead, form="ad_hoc")
    sign_off(network, lead, reviewer, *GATE_ONE, "core_functioning", "diversity")
    for trigger in ("start_core", "expand"):
        write(advance_network, lead, network.id, trigger)
    # Six people became members this quarter; the expansion allows five per quarter.
    newcomer = write(create_member, lead, network.id, {"name": "Zevende Lid"})
    write(take_member_step, lead, network.id, newcomer.id, "record_intake",
          {"intake_outcome": "suitable"})
    write(take_member_step, lead, network.id, newcomer.id, "invite")
    client = browse(lead)
    url = base(network, f"/personen/{newcomer.id}")
    page = text(client.get(url))
    assert "Start small, grow slowly" in page and "Not possible now" in page
    assert 'value="activate"' not in page

    response = client.post(url + "/stap", data={"step": "activate"})
    assert response.status_code == 303
    assert any("Start small, grow slowly" in m for m in error_messages(client))
    fresh()
    assert db.session.get(Member, newcomer.id).status == "invited"
    assert "6 of at most 5" in text(client.get(base(network)))


def test_an_administrator_erases_a_person_with_a_reason(cast, browse):
    people, network = cast
    member_id = member_ids(network.id)[0]
    url = base(network, f"/personen/{member_id}")
    lead_page = text(browse(people["lead"]).get(url))
    assert "/wissen" not in lead_page
    assert browse(people["lead"]).post(url + "/wissen", data={"reason": "x"}).status_code == 403

    admin = browse(people["admin"])
    assert tags(text(admin.get(url)), "form", action=url + "/wissen")
    no_reason = admin.post(url + "/wissen", data={"reason": ""})
    assert no_reason.status_code == 422
    assert_field_error(text(no_reason), "textarea", "reason", id="reason")
    assert admin.post(url + "/wissen", data={"reason": "Verzoek van betrokkene."}) \
        .status_code == 303
    fresh()
    assert db.session.get(Member, member_id).name == ""
    page = text(admin.get(url))
    assert "data erased" in page and "Sleutelfiguur 1" not in page
    assert "/wissen" not in page


# --- candidates and the profile ---------------------------------------------------------------

def test_the_candidate_list_shows_the_gaps_each_candidate_would_fill(cast, browse):
    people, network = cast
    client = browse(people["lead"])
    page = text(client.get(base(network, "/kandidaten")))
    assert "This network has no profile yet" in page
    assert client.post(base(network, "/profiel/kiezen"),
                       data={"profile_id": "neighbourhood_signaling"}).status_code == 303
    before = log_lines(name="member.candidates")
    page = text(client.get(base(network, "/kandidaten")))
    assert "Sleutelfiguur 1" in page
    assert "Sectors: Education is missing" in page
    assert log_lines(name="member.candidates") == before + 6


def test_the_profile_editor_chooses_adjusts_and_draws_the_gaps(cast, browse):
    people, network = cast
    client = browse(people["lead"])
    url = base(network, "/profiel")
    assert "This network has no profile yet." in text(client.get(url))
    refused = client.post(url + "/kiezen", data={"profile_id": "geen"})
    assert refused.status_code == 422
    assert_field_error(text(refused), "select", "profile_id")
    assert client.post(url + "/kiezen", data={"profile_id": "neighbourhood_signaling"}) \
        .status_code == 303

    page = text(client.get(url))
    svg = tags(page, "svg", role="img")[0]
    assert set(svg["aria-labelledby"].split()) == {"chart-title", "chart-desc"}
    assert "vs-chart__bar--gap" in page and "vs-chart__target" in page
    assert "Not met yet" in page and "20% to 60%" in page
    assert 'style="' not in page
    form = tags(page, "form", action=url + "/doelen")
    assert form
    version = tags(page, "input", name="version")[0]["value"]

    crossed = client.post(url + "/doelen", data={
        "profile_id": "neighbourhood_signaling", "version": version, "sectors": ["education"],
        "formal_share_min": "70", "formal_share_max": "20", "min_communities": "2",
        "min_voices_per_community": "2"})
    assert crossed.status_code == 422
    assert_field_error(text(crossed), "input", "formal_share_max")
    out_of_range = client.post(url + "/doelen", data={
        "profile_id": "neighbourhood_signaling", "version": version,
        "formal_share_min": "10", "formal_share_max": "150", "min_communities": "",
        "min_voices_per_community": "2"})
    assert out_of_range.status_code == 422
    assert_field_error(text(out_of_range), "input", "min_communities")

    saved = client.post(url + "/doelen", data={
        "profile_id": "neighbourhood_signaling", "version": version,
        "sectors": ["education", "sport"], "member_types": ["verbinder"],
        "districts": "Wijk-Noord\n", "formal_share_min": "10", "formal_share_max": "50",
        "min_communities": "2", "min_voices_per_community": "2"})
    assert saved.status_code == 303
    fresh()
    targets = db.session.get(NetworkProfile, network.id).targets
    assert targets["sectors"] == ["education", "sport"]
    assert targets["districts"] == ["Wijk-Noord"]
    assert targets["formal_share"] == {"min": 0.1, "max": 0.5}
    assert re.search(r"10% to 50%", text(client.get(url)))
    assert browse(people["reviewer"]).post(url + "/kiezen", data={
        "profile_id": "policy_sounding_board"}).status_code == 403


def test_the_pages_speak_dutch(app, cast):
    from tests.web.clients import logged_in

    people, network = cast
    client = logged_in(app, people["lead"], language="nl")
    assert client.post(base(network, "/profiel/kiezen"),
                       data={"profile_id": "neighbourhood_signaling"}).status_code == 303
    assert "Samenstelling" in text(client.get(base(network)))
    profile = text(client.get(base(network, "/profiel")))
    assert "Het profiel naast de actieve leden" in profile and "20% tot 60%" in profile
    assert "Krachtenveldkaart" in text(client.get(base(network, "/organisaties")))
    assert "Intake gehouden (6)" in text(client.get(base(network, "/personen")))
