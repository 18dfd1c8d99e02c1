"""The maintenance pages: meetings, signals and their steps, the exchange with policy and with
the members, the attention list on the dashboard, and the municipal overview with its CSV.

Each page is opened as the network's lead, a reviewer, an auditor, another lead of the same
municipality and a user of another municipality; forms are posted with errors (422, the fields
marked invalid and described) and refusals come back as a 303 with a clear message.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from lifecycle.extensions import db
from lifecycle.models import Briefing, Meeting, PolicyInput, Signal
from lifecycle.services.feedback import hand_to_policy, record_answer, share_briefing
from lifecycle.services.insights import insights_csv, insights_for
from lifecycle.services.meetings import create_meeting
from lifecycle.services.registers import list_members
from lifecycle.services.signals import record_signal
from lifecycle.services.uow import write_transaction
from tests.builders import satisfy_auto_items
from tests.web.clients import logged_in
from tests.web.html import tags, text

TODAY = date.today()


def _write(service, *args, **kwargs):
    with write_transaction():
        return service(*args, **kwargs)


@dataclass
class World:
    app: object
    users: dict
    network_id: int
    member_ids: list
    member_names: list
    meeting_id: int
    agreement_id: int
    signal_id: int
    liveability_id: int
    open_input_id: int

    def client(self, key: str, language: str = "en"):
        return logged_in(self.app, self.users[key], language)

    def url(self, path: str) -> str:
        return f"/netwerken/{self.network_id}{path}"


@pytest.fixture
def world(app, make_user, make_network):
    users = {"lead": make_user("lead", name="Lea Leider"), "other_lead": make_user("lead"),
             "reviewer": make_user("reviewer"), "auditor": make_user("auditor"),
             "stranger": make_user("lead", "reviewer", "auditor", "admin",
                                   municipality="Venlo")}
    lead = users["lead"]
    network = make_network(lead, name="Netwerk Lombok")
    satisfy_auto_items(network.id, lead, ["orientation"])  # the people register
    with write_transaction():
        people = list_members(lead, network.id).items
    member_ids = [m.id for m in people]
    meeting = _write(create_meeting, lead, network.id, {
        "held_on": TODAY - timedelta(days=7), "form": "core", "attendee_ids": member_ids[:2],
        "topics": ["liveability"], "notes": "Beeld van de wijk gedeeld.",
        "agreements": [{"text": "Wijkagent uitnodigen.", "owner_member_id": member_ids[0],
                        "due_on": TODAY + timedelta(days=14)}]})
    signal = _write(record_signal, lead, network.id, {
        "reported_on": TODAY, "theme": "polarisation", "description": "Onrust op het plein.",
        "urgency": "normal", "source_member_id": member_ids[0]})
    liveability = _write(record_signal, lead, network.id, {
        "reported_on": TODAY, "theme": "liveability", "description": "Afval bij het buurthuis.",
        "urgency": "low"})
    open_input = _write(hand_to_policy, lead, network.id, {
        "signal_id": liveability.id, "summary": "Meer afvalbakken nodig.",
        "recipient": "Afdeling Openbare Ruimte", "due_on": TODAY + timedelta(days=30)})
    return World(app, users, network.id, member_ids, [m.name for m in people], meeting.id,
                 meeting.agreements[0].id, signal.id, liveability.id, open_input.id)


def page_urls(world: World) -> dict[str, str]:
    return {
        "meetings": world.url("/bijeenkomsten"),
        "meeting": world.url(f"/bijeenkomsten/{world.meeting_id}"),
        "new meeting": world.url("/bijeenkomsten/nieuw"),
        "signals": world.url("/signalen"),
        "signal": world.url(f"/signalen/{world.signal_id}"),
        "new signal": world.url("/signalen/nieuw"),
        "exchange": world.url("/uitwisseling"),
        "signal to policy": world.url(f"/signalen/{world.signal_id}/naar-beleid"),
        "agreement to policy": world.url(
            f"/bijeenkomsten/{world.meeting_id}/afspraken/{world.agreement_id}/naar-beleid"),
        "overview": "/overzicht",
        "overview csv": "/overzicht.csv",
    }


# Who gets which page: people pages are for those who may read the network's people; forms
# for its lead; the exchange and the overview for everyone of the municipality.
EXPECTED = {
    #                      lead reviewer auditor other_lead stranger
    "meetings":            (200, 200, 200, 403, 404),
    "meeting":             (200, 200, 200, 403, 404),
    "new meeting":         (200, 403, 403, 403, 404),
    "signals":             (200, 200, 200, 403, 404),
    "signal":              (200, 200, 200, 403, 404),
    "new signal":          (200, 403, 403, 403, 404),
    "exchange":            (200, 200, 200, 200, 404),
    "signal to policy":    (200, 403, 403, 403, 404),
    "agreement to policy": (200, 403, 403, 403, 404),
    "overview":            (200, 200, 200, 200, 200),
    "overview csv":        (200, 200, 200, 200, 200),
}
USERS = ("lead", "reviewer", "auditor", "other_lead", "stranger")


def test_each_page_answers_each_user_as_the_rules_say(world):
    urls = page_urls(world)
    seen = {}
    for index, key in enumerate(USERS):
        client = world.client(key)
        for page, url in urls.items():
            seen[(page, key)] = client.get(url).status_code
    wrong = {(page, key): status for (page, key), status in seen.items()
             if status != EXPECTED[page][USERS.index(key)]}
    assert not wrong, wrong
    assert set(EXPECTED) == set(urls)


def test_a_user_of_another_municipality_sees_no_figure_of_ours_in_the_overview(world):
    csv = world.client("stranger").get("/overzicht.csv").get_data(as_text=True)
    assert "polarisation,1" not in csv.replace(f"{TODAY:%Y-%m},", "")
    ours = world.client("lead").get("/overzicht.csv").get_data(as_text=True)
    assert f"signals_by_theme_and_month,{TODAY:%Y-%m},polarisation,1" in ours
    assert f"signals_by_theme_and_month,{TODAY:%Y-%m},polarisation,0" in csv


def test_the_lead_logs_a_meeting_with_attendees_topics_and_an_agreement(world):
    client = world.client("lead")
    form = client.get(world.url("/bijeenkomsten/nieuw"))
    assert "not who said what" in text(form)
    assert tags(form.get_data(as_text=True), "input", type="checkbox", name="attendee_ids",
                value=str(world.member_ids[0]))
    response = client.post(world.url("/bijeenkomsten/nieuw"), data={
        "held_on": (TODAY - timedelta(days=1)).isoformat(), "form": "plenary",
        "attendee_ids": [str(i) for i in world.member_ids[:3]],
        "topics": ["polarisation", "liveability"], "notes": "Gesproken over het plein.",
        "agreement_1_text": "Een brief aan de bewoners.", "agreement_1_owner": "",
        "agreement_1_due_on": (TODAY + timedelta(days=10)).isoformat()})
    assert response.status_code == 303, text(response)[:2000]
    meeting = db.session.scalars(select(Meeting).order_by(Meeting.id.desc())).first()
    assert [m.id for m in meeting.attendees] == world.member_ids[:3]
    assert meeting.topics == ["polarisation", "liveability"]
    assert [(a.text, a.owner_user_id) for a in meeting.agreements] == \
        [("Een brief aan de bewoners.", world.users["lead"].id)]
    page = text(client.get(response.headers["Location"]))
    assert "Een brief aan de bewoners." in page and "Plenary meeting" in page


def test_a_meeting_form_with_errors_comes_back_with_the_fields_marked(world):
    client = world.client("lead")
    response = client.post(world.url("/bijeenkomsten/nieuw"), data={
        "held_on": "", "form": "core", "agreement_2_text": "Iets zonder datum."})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    for field_id in ("held_on", "agreement_2_due_on"):
        found = tags(html, "input", id=field_id)
        assert found and found[0].get("aria-invalid") == "true", field_id
        assert f"{field_id}-error" in found[0]["aria-describedby"]
    future = client.post(world.url("/bijeenkomsten/nieuw"), data={
        "held_on": (TODAY + timedelta(days=3)).isoformat(), "form": "core"})
    assert future.status_code == 422 and "This date is in the future." in text(future)
    assert db.session.scalar(select(db.func.count()).select_from(Meeting)) == 1


def test_the_lead_marks_an_agreement_done_and_others_are_refused_with_a_message(world):
    url = world.url(f"/bijeenkomsten/{world.meeting_id}/afspraken/{world.agreement_id}/gedaan")
    refused = world.client("reviewer").post(url, follow_redirects=True)
    assert "You are not allowed to do this." in text(refused)
    assert world.client("stranger").post(url).status_code == 404
    response = world.client("lead").post(url, follow_redirects=True)
    assert "The agreement is marked as done." in text(response)
    assert "Done on" in text(response)


def test_the_signal_form_warns_and_records_a_signal(world):
    client = world.client("lead")
    form = text(client.get(world.url("/signalen/nieuw")))
    assert "never about a person" in form and "personal data of third parties" in form
    response = client.post(world.url("/signalen/nieuw"), data={
        "reported_on": TODAY.isoformat(), "theme": "discrimination",
        "district_name": "Lombok-Oost", "description": "Scheldpartijen bij de sporthal.",
        "source_member_id": "", "urgency": "high"})
    assert response.status_code == 303, text(response)[:2000]
    signal = db.session.scalars(select(Signal).order_by(Signal.id.desc())).first()
    assert (signal.theme, signal.district, signal.urgency, signal.source_member_id) == \
        ("discrimination", "Lombok-Oost", "high", None)
    page = text(client.get(response.headers["Location"]))
    assert "Within its deadline" in page and "Received" in page


def test_a_too_long_signal_description_is_refused_on_its_field(world):
    response = world.client("lead").post(world.url("/signalen/nieuw"), data={
        "reported_on": TODAY.isoformat(), "theme": "other", "description": "x" * 1001,
        "source_member_id": "", "urgency": "low"})
    assert response.status_code == 422
    field = tags(response.get_data(as_text=True), "textarea", id="description")[0]
    assert field["aria-invalid"] == "true"


def test_signal_steps_are_taken_and_a_step_that_is_not_possible_is_refused_clearly(world):
    client = world.client("lead")
    url = world.url(f"/signalen/{world.signal_id}/stap")
    # close is not possible from received: a clear message, nothing changed
    refused = client.post(url, data={"step": "close", "note": "Klaar."})
    assert refused.status_code == 303
    page = text(client.get(refused.headers["Location"]))
    assert "This step is not possible in the signal's current status" in page
    assert db.session.get(Signal, world.signal_id).status == "received"
    assert client.post(url, data={"step": "assess"}).status_code == 303
    no_note = client.post(url, data={"step": "close", "note": ""})
    assert no_note.status_code == 422
    assert tags(no_note.get_data(as_text=True), "textarea", id="step-close-note")[0][
        "aria-invalid"] == "true"
    no_partner = client.post(url, data={"step": "forward", "partner_kind": "police",
                                        "partner_name": ""})
    assert no_partner.status_code == 422
    assert tags(no_partner.get_data(as_text=True), "input", id="step-forward-partner_name")[0][
        "aria-invalid"] == "true"
    forwarded = client.post(url, data={"step": "forward", "partner_kind": "police",
                                       "partner_name": "Wijkteam politie West"},
                            follow_redirects=True)
    assert "Forwarded" in text(forwarded) and "Wijkteam politie West" in text(forwarded)
    db.session.expire_all()
    assert db.session.get(Signal, world.signal_id).status == "forwarded"
    assert "Only the project lead" in text(world.client("auditor").get(
        world.url(f"/signalen/{world.signal_id}")))


def test_an_overdue_signal_is_shown_as_past_its_deadline_and_past_three_times(world):
    lead = world.users["lead"]
    long_ago = datetime.utcnow() - timedelta(days=90)
    _write(record_signal, lead, world.network_id, {
        "reported_on": long_ago.date(), "theme": "undermining",
        "description": "Leegstaande panden.", "urgency": "high"}, now=long_ago)
    recent = datetime.utcnow() - timedelta(days=4)
    _write(record_signal, lead, world.network_id, {
        "reported_on": recent.date(), "theme": "other",
        "description": "Iets anders.", "urgency": "high"}, now=recent)
    page = text(world.client("lead").get(world.url("/signalen")))
    assert "Past three times its deadline" in page
    assert "Past its deadline" in page


def test_a_liveability_signal_is_linked_to_its_deeper_theme(world):
    client = world.client("lead")
    page = client.get(world.url(f"/signalen/{world.liveability_id}")).get_data(as_text=True)
    version = tags(page, "input", name="version")[0]["value"]
    assert not tags(client.get(world.url(f"/signalen/{world.signal_id}")).get_data(
        as_text=True), "select", name="deeper_theme")
    response = client.post(world.url(f"/signalen/{world.liveability_id}/dieper-thema"),
                           data={"deeper_theme": "tension_between_groups", "version": version})
    assert response.status_code == 303
    assert db.session.get(Signal, world.liveability_id).deeper_theme == "tension_between_groups"
    bad = client.post(world.url(f"/signalen/{world.liveability_id}/dieper-thema"),
                      data={"deeper_theme": "liveability", "version": version})
    assert bad.status_code == 422


def test_a_signal_handed_to_policy_waits_until_its_answer_is_recorded(world):
    client = world.client("lead")
    url = world.url(f"/signalen/{world.signal_id}/naar-beleid")
    assert "Onrust op het plein." in text(client.get(url))  # the summary starts as the signal
    past = client.post(url, data={"summary": "Zorgen.", "recipient": "Afdeling Veiligheid",
                                  "due_on": (TODAY - timedelta(days=1)).isoformat()})
    assert past.status_code == 422 and "This date is in the past" in text(past)
    response = client.post(url, data={"summary": "Zorgen over polarisatie.",
                                      "recipient": "Afdeling Veiligheid",
                                      "due_on": (TODAY + timedelta(days=20)).isoformat()})
    assert response.status_code == 303
    item = db.session.scalars(select(PolicyInput).order_by(PolicyInput.id.desc())).first()
    exchange = text(client.get(world.url("/uitwisseling")))
    assert "To Afdeling Veiligheid" in exchange and "Waiting for an answer" in exchange
    empty = client.post(world.url(f"/uitwisseling/inbreng/{item.id}/antwoord"),
                        data={"answer": ""})
    assert empty.status_code == 422
    assert tags(empty.get_data(as_text=True), "textarea", id=f"answer-{item.id}-answer")[0][
        "aria-invalid"] == "true"
    answered = client.post(world.url(f"/uitwisseling/inbreng/{item.id}/antwoord"),
                           data={"answer": "Er komt een gesprek met de scholen."},
                           follow_redirects=True)
    page = text(answered)
    assert "Er komt een gesprek met de scholen." in page
    assert page.index("What we did with your input") < page.index("Er komt een gesprek")
    again = client.post(world.url(f"/uitwisseling/inbreng/{item.id}/antwoord"),
                        data={"answer": "Nog eens."}, follow_redirects=True)
    assert "This input has its answer already." in text(again)


def test_an_agreement_handed_to_policy_shows_on_its_meeting(world):
    client = world.client("lead")
    url = world.url(f"/bijeenkomsten/{world.meeting_id}/afspraken/{world.agreement_id}"
                    "/naar-beleid")
    response = client.post(url, data={"summary": "Wijkagent vaker in de wijk.",
                                      "recipient": "Politie en gemeente",
                                      "due_on": (TODAY + timedelta(days=20)).isoformat()})
    assert response.status_code == 303
    page = text(client.get(world.url(f"/bijeenkomsten/{world.meeting_id}")))
    assert "Handed to Politie en gemeente" in page


def test_the_lead_logs_a_briefing_and_an_empty_one_is_refused(world):
    client = world.client("lead")
    empty = client.post(world.url("/uitwisseling/briefing"), data={"kind": "briefing"})
    assert empty.status_code == 422
    assert tags(empty.get_data(as_text=True), "input", id="title")[0]["aria-invalid"] == "true"
    response = client.post(world.url("/uitwisseling/briefing"), data={
        "kind": "briefing", "title": "Nieuw jongerenbeleid",
        "summary": "De wethouder lichtte het beleid toe."}, follow_redirects=True)
    assert "Nieuw jongerenbeleid" in text(response)
    assert db.session.scalar(select(db.func.count()).select_from(Briefing)) == 1
    refused = world.client("auditor").post(world.url("/uitwisseling/briefing"), data={
        "kind": "update", "title": "X", "summary": "Y"}, follow_redirects=True)
    assert "You are not allowed to do this." in text(refused)


def test_the_network_page_shows_both_directions_per_quarter(world):
    lead = world.users["lead"]
    _write(record_answer, lead, world.network_id, world.open_input_id, {"answer": "Geregeld."})
    _write(share_briefing, lead, world.network_id, {"title": "Update", "summary": "Nieuws."})
    client = world.client("other_lead")
    page = client.get(world.url("")).get_data(as_text=True)
    quarter = f"{TODAY.year}-Q{(TODAY.month - 1) // 3 + 1}"
    row = page[page.index(f">{quarter}</th>"):]
    row = row[:row.index("</tr>")]
    assert [cell.split(">")[-1] for cell in row.split("</td>")[:-1]] == ["2", "1", "1", "1"]
    assert f'href="/netwerken/{world.network_id}/uitwisseling"' in page
    # another lead sees the counts, not the pages that name people
    assert f'href="/netwerken/{world.network_id}/signalen"' not in page
    assert f'href="/netwerken/{world.network_id}/signalen"' in \
        world.client("lead").get(world.url("")).get_data(as_text=True)


def test_the_dashboard_shows_the_attention_list_most_overdue_first_with_the_reason(world):
    lead = world.users["lead"]
    long_ago = datetime.utcnow() - timedelta(days=60)
    _write(hand_to_policy, lead, world.network_id, {
        "signal_id": world.signal_id, "summary": "Oud.", "recipient": "Afdeling Jeugd",
        "due_on": long_ago.date() + timedelta(days=10)}, now=long_ago)
    _write(record_signal, lead, world.network_id, {
        "reported_on": (TODAY - timedelta(days=20)), "theme": "other",
        "description": "Iets.", "urgency": "normal"},
        now=datetime.utcnow() - timedelta(days=20))
    for key in ("reviewer", "other_lead"):
        html = text(world.client(key).get("/dashboard"))
        panel = html[html.index('id="attention-heading"'):html.index('id="notifications-heading"')]
        assert "An input for policy has had no answer since its due date" in panel
        assert "A signal is past its deadline" in panel
        assert panel.index("An input for policy") < panel.index("A signal is past")
        assert "Netwerk Lombok" in panel
    stranger = text(world.client("stranger").get("/dashboard"))
    assert "Netwerk Lombok" not in stranger
    assert "Nothing in your municipality's networks is overdue." in stranger


def test_the_tick_s_notifications_show_on_the_dashboard_of_the_lead(world):
    from lifecycle.services.notifications import run_tick

    lead = world.users["lead"]
    long_ago = datetime.utcnow() - timedelta(days=60)
    _write(hand_to_policy, lead, world.network_id, {
        "signal_id": world.signal_id, "summary": "Oud.", "recipient": "Afdeling Jeugd",
        "due_on": long_ago.date() + timedelta(days=10)}, now=long_ago)
    run_tick()
    panel = text(world.client("lead").get("/dashboard"))
    panel = panel[panel.index('id="notifications-heading"'):]
    assert "An input for policy has had no answer since its due date" in panel
    assert "You have no notifications." in text(world.client("reviewer").get("/dashboard"))


def test_the_overview_draws_each_chart_as_an_image_with_a_title_and_a_table(world):
    html = world.client("lead", "nl").get("/overzicht").get_data(as_text=True)
    charts = tags(html, "svg", role="img")
    # The funnel, signals by month, on time; the median chart waits for a stay that ended.
    assert len(charts) == 3
    for chart in charts:
        assert chart["aria-labelledby"].endswith("-title")
        assert f'<title id="{chart["aria-labelledby"]}">' in html
    assert html.count("<table") >= 4
    assert "style=" not in html and "<script" not in html
    assert "Polarisatie" in html  # in Dutch


def test_the_csv_has_the_same_figures_as_the_overview_and_no_personal_data(world):
    client = world.client("lead")
    response = client.get("/overzicht.csv")
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    body = response.get_data(as_text=True)
    assert body == insights_csv(insights_for(world.users["lead"]))
    rows = [line.split(",") for line in body.strip().split("\r\n")[1:]]
    figures = {(f, label, series): value for f, label, series, value in rows}
    month = f"{TODAY:%Y-%m}"
    assert figures[("signals_by_theme_and_month", month, "polarisation")] == "1"
    assert figures[("signals_by_theme_and_month", month, "liveability")] == "1"
    assert figures[("networks_by_stage", "orientation", "networks")] == "1"
    assert figures[("inputs_for_policy", "last_12_months", "open")] == "1"
    for name in [*world.member_names, "Lea Leider", "Netwerk Lombok"]:
        assert name not in body
    # the page shows the same counts
    html = text(client.get("/overzicht"))
    assert "Polarisation" in html


def test_a_reviewer_posting_a_broken_step_form_is_told_only_the_lead_takes_steps(world):
    response = world.client("reviewer").post(world.url(f"/signalen/{world.signal_id}/stap"),
                                             data={"step": "close", "note": "x" * 1001},
                                             follow_redirects=True)
    assert "Only the project lead of this network can take these steps." in text(response)
    assert db.session.get(Signal, world.signal_id).status == "received"
