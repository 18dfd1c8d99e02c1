"""A network's composition through the real services: the registers of organisations and people,
the member pipeline with its audit trail, "start small, grow slowly", the automatic items read
from the registers, and a diversity sign-off that goes stale when the composition changes.

The audit trail refers to people and never holds their data: every test that touches a person
reads all audit rows and looks for the person's name, e-mail address and phone number.
"""
from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from lifecycle.domain.composition import GrowthLimitReached, NotTakingMembers
from lifecycle.domain.errors import (InvalidTransition, NotAllowed, NotFound, ReadOnly,
                                     ReasonRequired, ValidationFailed)
from lifecycle.domain.gates import ItemStatus
from lifecycle.extensions import db
from lifecycle.models import (AuditRecord, ItemState, Member, MemberStep, Network, Organisation,
                              ProcessingLogLine, SignOff)
from lifecycle.services.composition import composition_of
from lifecycle.services.privacy import member_reference
from lifecycle.services.registers import (candidates_with_gaps, create_member,
                                          create_organisation, list_members, member_record,
                                          set_network_profile, take_member_step, update_member,
                                          update_organisation)

NAME, EMAIL, PHONE = "Karim Bouzid", "k.bouzid@example.nl", "+31 6 12345678"
INTAKE = {"intake_outcome": "suitable",
          "house_rules": ["openness", "no_lobbying", "safe_setting", "church_state"]}
FITS_GOAL = "diversity.fits_goal"


def organisation_data(n: int = 1, **extra) -> dict:
    return {"name": f"Organisatie {n}", "type": "school", "influence": "high",
            "involvement": "low", **extra}


def audit_text() -> str:
    """Every audit row, every column, as one text to search."""
    rows = db.session.scalars(select(AuditRecord).order_by(AuditRecord.id)).all()
    return "\n".join(json.dumps({column: getattr(row, column) for column in (
        "object_type", "object_id", "action", "result", "origin", "before", "after")},
        default=str, ensure_ascii=False) for row in rows)


def assert_no_personal_data_in_the_audit_trail(*values: str) -> None:
    text = audit_text().lower()
    for value in values:
        assert value.lower() not in text, f"{value!r} is in the audit trail"


def activate(write, lead, network_id, member_id, *, now=None) -> Member:
    write(take_member_step, lead, network_id, member_id, "record_intake", INTAKE, now=now)
    write(take_member_step, lead, network_id, member_id, "invite", now=now)
    return write(take_member_step, lead, network_id, member_id, "activate", now=now)


def new_person(write, lead, network_id, n: int, **extra) -> Member:
    return write(create_member, lead, network_id, {"name": f"Persoon {n}", **extra})


# --- Organisations ----------------------------------------------------------------------------

class TestOrganisations:
    def test_a_lead_maps_an_organisation_and_records_the_approach_of_its_board(
            self, lead, make_network, write, audit_records):
        network = make_network(lead)
        created = write(create_organisation, lead, network.id, organisation_data(
            communities=["Turks-Nederlands", " turks-nederlands ", "Marokkaans-Nederlands"],
            district="Kanaleneiland"))
        assert created.communities == ["Turks-Nederlands", "Marokkaans-Nederlands"]
        assert created.board_approached_on is None
        updated = write(update_organisation, lead, network.id, created.id, {
            "board_approached_on": date(2026, 3, 12), "board_outcome": "willing"})
        assert updated.board_approached_by_id == lead.id  # who approached: the lead, by default
        assert updated.version == 2
        actions = [(r.action, r.after) for r in audit_records(
            municipality_id=lead.municipality_id, network_id=network.id)
            if r.object_type == "organisation"]
        assert actions[0][0] == "organisation.created"
        assert actions[1] == ("organisation.updated", {
            "board_approached_on": "2026-03-12", "board_outcome": "willing",
            "board_approached_by_id": lead.id})

    @pytest.mark.parametrize("data, errors", [
        ({}, {"name": "required", "type": "required", "influence": "required",
              "involvement": "required"}),
        (organisation_data(type="mosque"), {"type": "invalid_choice"}),
        (organisation_data(influence="medium", involvement=None),
         {"influence": "invalid_choice", "involvement": "invalid_choice"}),
        (organisation_data(communities="Noord"), {"communities": "invalid"}),
        (organisation_data(communities=[f"Gemeenschap {n}" for n in range(13)]),
         {"communities": "too_long"}),
        (organisation_data(board_approached_on=date.today() + timedelta(days=2)),
         {"board_approached_on": "in_future"}),
        (organisation_data(board_outcome="maybe"), {"board_outcome": "invalid_choice"}),
        (organisation_data(religion="islam"), {"religion": "unknown_field"}),
    ])
    def test_bad_organisation_fields_are_named_and_nothing_is_written(
            self, lead, make_network, write, data, errors):
        network = make_network(lead)
        with pytest.raises(ValidationFailed) as refused:
            write(create_organisation, lead, network.id, data)
        assert refused.value.errors == errors
        assert db.session.scalar(select(func.count()).select_from(Organisation)) == 0

    def test_a_board_is_approached_by_a_user_of_the_municipality_only(
            self, lead, make_user, make_network, write):
        network = make_network(lead)
        stranger = make_user("lead", municipality="Venlo")
        with pytest.raises(ValidationFailed) as refused:
            write(create_organisation, lead, network.id, organisation_data(
                board_approached_on=date(2026, 1, 5), board_approached_by_id=stranger.id))
        assert refused.value.errors == {"board_approached_by_id": "invalid"}

    def test_two_organisations_of_one_network_cannot_share_a_name(self, lead, make_network,
                                                                   write):
        network = make_network(lead)
        write(create_organisation, lead, network.id, organisation_data(name="De Schakel"))
        with pytest.raises(ValidationFailed) as refused:
            write(create_organisation, lead, network.id, organisation_data(name="de schakel"))
        assert refused.value.errors == {"name": "taken"}
        other = make_network(lead, name="Netwerk Overvecht")
        write(create_organisation, lead, other.id, organisation_data(name="De Schakel"))

    def test_only_the_networks_lead_changes_its_register_and_a_refusal_is_audited(
            self, lead, make_user, make_network, write, audit_records):
        network = make_network(lead)
        for intruder in (make_user("lead"), make_user("reviewer"), make_user("auditor"),
                         make_user("admin")):
            with pytest.raises(NotAllowed):
                write(create_organisation, intruder, network.id, organisation_data())
            last = audit_records(municipality_id=lead.municipality_id)[-1]
            assert (last.action, last.result, last.actor_id) == (
                "organisation.created", "refused", intruder.id)
        with pytest.raises(NotFound):
            write(create_organisation, make_user("lead", municipality="Venlo"), network.id,
                  organisation_data())


# --- People -------------------------------------------------------------------------------

class TestPeople:
    def test_a_lead_adds_a_person_as_a_candidate_and_corrects_their_data(
            self, lead, make_network, write, audit_records):
        network = make_network(lead)
        organisation = write(create_organisation, lead, network.id, organisation_data())
        person = write(create_member, lead, network.id, {
            "name": NAME, "email": "K.Bouzid@Example.NL", "phone": PHONE,
            "organisation_id": organisation.id, "sector": "education", "age_band": "25_39",
            "gender": "prefers_not_to_say", "formal": False, "member_type": "verbinder",
            "known_to_municipality": True, "note": "Via de school benaderd."})
        assert (person.status, person.email, person.version) == ("candidate", EMAIL, 1)
        updated = write(update_member, lead, network.id, person.id,
                        {"phone": None, "member_type": "doener"})
        assert (updated.phone, updated.member_type, updated.version) == (None, "doener", 2)
        records = [r for r in audit_records(municipality_id=lead.municipality_id,
                                            network_id=network.id) if r.object_type == "member"]
        assert [(r.action, r.object_id) for r in records] == [
            ("member.created", str(person.id)), ("member.updated", str(person.id))]
        assert records[1].after == {"fields": ["member_type", "phone"]}  # names, never values
        assert_no_personal_data_in_the_audit_trail(NAME, EMAIL, PHONE, "Via de school")

    @pytest.mark.parametrize("data, errors", [
        ({"email": "k@example.nl"}, {"name": "required"}),
        ({"name": "  "}, {"name": "required"}),
        ({"name": NAME, "email": "geen adres"}, {"email": "invalid"}),
        ({"name": NAME, "phone": "bel me"}, {"phone": "invalid"}),
        ({"name": NAME, "sector": "faith_belief"}, {"sector": "invalid_choice"}),
        ({"name": NAME, "gender": "x"}, {"gender": "invalid_choice"}),
        ({"name": NAME, "formal": "yes"}, {"formal": "invalid"}),
        ({"name": NAME, "organisation_id": 999}, {"organisation_id": "invalid"}),
        ({"name": NAME, "note": "x" * 501}, {"note": "too_long"}),
        ({"name": NAME, "ethnicity": "Turks"}, {"ethnicity": "unknown_field"}),
        ({"name": NAME, "religion": "islam", "political_view": "links"},
         {"religion": "unknown_field", "political_view": "unknown_field"}),
    ])
    def test_bad_person_fields_are_named_and_nothing_is_written(self, lead, make_network, write,
                                                                data, errors):
        network = make_network(lead)
        with pytest.raises(ValidationFailed) as refused:
            write(create_member, lead, network.id, data)
        assert refused.value.errors == errors
        assert db.session.scalar(select(func.count()).select_from(Member)) == 0

    def test_a_person_cannot_come_from_an_organisation_of_another_network(
            self, lead, make_network, write):
        network, other = make_network(lead), make_network(lead, name="Netwerk Overvecht")
        elsewhere = write(create_organisation, lead, other.id, organisation_data())
        with pytest.raises(ValidationFailed) as refused:
            write(create_member, lead, network.id, {"name": NAME,
                                                    "organisation_id": elsewhere.id})
        assert refused.value.errors == {"organisation_id": "invalid"}

    def test_people_are_read_by_the_lead_reviewers_auditors_and_admins_only(
            self, lead, make_user, make_network, write):
        network = make_network(lead)
        person = write(create_member, lead, network.id, {"name": NAME})
        for reader in (lead, make_user("reviewer"), make_user("auditor"), make_user("admin")):
            assert write(member_record, reader, network.id, person.id).member.name == NAME
            assert [m.id for m in write(list_members, reader, network.id).items] == [person.id]
        with pytest.raises(NotAllowed):
            write(member_record, make_user("lead"), network.id, person.id)
        with pytest.raises(NotFound):
            write(member_record, make_user("reviewer", municipality="Venlo"), network.id,
                  person.id)
        with pytest.raises(NotAllowed):
            write(update_member, make_user("reviewer"), network.id, person.id, {"phone": PHONE})

    def test_the_list_filters_by_state_and_organisation(self, lead, make_network, write):
        network = make_network(lead)
        organisation = write(create_organisation, lead, network.id, organisation_data())
        first = new_person(write, lead, network.id, 1, organisation_id=organisation.id)
        second = new_person(write, lead, network.id, 2)
        write(take_member_step, lead, network.id, second.id, "decline")
        ids = lambda **f: [m.id for m in write(list_members, lead, network.id, **f).items]  # noqa: E731
        assert ids() == [first.id, second.id]
        assert ids(status="declined") == [second.id]
        assert ids(organisation_id=organisation.id) == [first.id]
        page = write(list_members, lead, network.id, limit=1)
        assert [m.id for m in page.items] == [first.id] and page.next_after == first.id
        assert ids(after=first.id) == [second.id]


# --- The pipeline -------------------------------------------------------------------------

class TestPipeline:
    def test_a_person_goes_the_whole_way_and_every_step_is_audited_by_reference(
            self, lead, make_network, write, audit_records):
        network = make_network(lead)
        person = write(create_member, lead, network.id, {"name": NAME, "email": EMAIL,
                                                         "phone": PHONE})
        steps = [("record_intake", {**INTAKE, "happened_on": date.today() - timedelta(days=3)}),
                 ("invite", {}), ("activate", {}), ("deactivate", {}), ("activate", {}),
                 ("leave", {"reason": f"{NAME} verhuist naar Rotterdam."})]
        for step, data in steps:
            write(take_member_step, lead, network.id, person.id, step, data)
        person = db.session.get(Member, person.id)
        assert person.status == "left" and person.ended_at is not None
        history = db.session.scalars(select(MemberStep).where(MemberStep.member_id == person.id)
                                     .order_by(MemberStep.id)).all()
        assert [(h.step, h.from_state, h.to_state) for h in history] == [
            ("record_intake", "candidate", "intake_held"), ("invite", "intake_held", "invited"),
            ("activate", "invited", "active"), ("deactivate", "active", "inactive"),
            ("activate", "inactive", "active"), ("leave", "active", "left")]
        assert all(h.actor_id == lead.id for h in history)
        assert history[0].happened_on == date.today() - timedelta(days=3)
        assert (history[0].intake_outcome, history[0].house_rules) == (
            "suitable", INTAKE["house_rules"])
        assert history[-1].reason.startswith(NAME)

        records = [r for r in audit_records(municipality_id=lead.municipality_id,
                                            network_id=network.id) if r.action == "member.step"]
        assert [(r.object_id, r.actor_id, r.before["status"], r.after["status"],
                 r.after["step"]) for r in records] == [
            (str(person.id), lead.id, h.from_state, h.to_state, h.step) for h in history]
        assert records[0].after["intake_outcome"] == "suitable"
        assert_no_personal_data_in_the_audit_trail(NAME, EMAIL, PHONE, "Rotterdam")
        # Each step is also in the processing log, under the person's pseudonym only.
        lines = db.session.scalars(select(ProcessingLogLine).where(
            ProcessingLogLine.subject_ref == member_reference(person.id))).all()
        assert {line.name for line in lines} >= {f"member.step.{s}" for s, _ in steps}
        assert {line.activity for line in lines if line.name == "member.step.record_intake"} == \
            {"intake"}

    def test_a_person_who_left_or_declined_takes_no_more_steps(self, lead, make_network, write):
        network = make_network(lead)
        person = new_person(write, lead, network.id, 1)
        write(take_member_step, lead, network.id, person.id, "decline")
        with pytest.raises(ReadOnly):
            write(take_member_step, lead, network.id, person.id, "record_intake", INTAKE)
        assert write(member_record, lead, network.id, person.id).options == []

    def test_refused_steps_change_nothing(self, lead, make_network, write):
        network = make_network(lead)
        person = new_person(write, lead, network.id, 1)
        with pytest.raises(InvalidTransition):
            write(take_member_step, lead, network.id, person.id, "activate")
        with pytest.raises(ValidationFailed) as refused:
            write(take_member_step, lead, network.id, person.id, "record_intake", {})
        assert refused.value.errors == {"intake_outcome": "required"}
        activate(write, lead, network.id, person.id)
        with pytest.raises(ReasonRequired):
            write(take_member_step, lead, network.id, person.id, "leave", {"reason": " "})
        assert db.session.get(Member, person.id).status == "active"
        assert db.session.scalar(select(func.count()).select_from(MemberStep)) == 3

    def test_only_the_lead_takes_steps(self, lead, make_user, make_network, write,
                                       audit_records):
        network = make_network(lead)
        person = new_person(write, lead, network.id, 1)
        reviewer = make_user("reviewer")
        with pytest.raises(NotAllowed):
            write(take_member_step, reviewer, network.id, person.id, "record_intake", INTAKE)
        last = audit_records(municipality_id=lead.municipality_id)[-1]
        assert (last.action, last.result, last.object_id) == ("member.step", "refused",
                                                              str(person.id))
        assert db.session.get(Member, person.id).status == "candidate"


# --- Start small, grow slowly -------------------------------------------------------------

def test_the_small_core_refuses_one_member_more_than_its_maximum(
        lead, reviewer, make_network, write, walk_to, audit_records):
    network = walk_to(make_network(lead), lead, reviewer, "small_core")
    already = db.session.scalars(select(Member).where(Member.network_id == network.id)).all()
    for person in already:  # the orientation's candidates, with their intake held
        write(take_member_step, lead, network.id, person.id, "invite")
        write(take_member_step, lead, network.id, person.id, "activate")
    for n in range(len(already) + 1, 13):
        activate(write, lead, network.id, new_person(write, lead, network.id, n).id)
    assert composition_of(lead, network.id).limits.active == 12
    thirteenth = new_person(write, lead, network.id, 13)
    write(take_member_step, lead, network.id, thirteenth.id, "record_intake", INTAKE)
    write(take_member_step, lead, network.id, thirteenth.id, "invite")
    option = {o.step.id: o for o in write(member_record, lead, network.id,
                                          thirteenth.id).options}["activate"]
    assert (option.available, option.refusal_code) == (False, "growth-limit")

    with pytest.raises(GrowthLimitReached) as refused:
        write(take_member_step, lead, network.id, thirteenth.id, "activate")
    assert "12" in str(refused.value)
    assert db.session.get(Member, thirteenth.id).status == "invited"
    last = audit_records(municipality_id=lead.municipality_id)[-1]
    assert (last.action, last.result, last.object_id) == ("member.step", "refused",
                                                          str(thirteenth.id))
    assert last.after == {"refusal": "growth-limit", "step": "activate",
                          "limit": "max_core_size", "maximum": 12, "count": 12}
    # Once one member steps back, there is room again.
    write(take_member_step, lead, network.id, already[0].id, "deactivate")
    write(take_member_step, lead, network.id, thirteenth.id, "activate")


def test_expansion_refuses_a_sixth_member_within_a_quarter_and_takes_them_the_next(
        lead, reviewer, make_network, write, walk_to, audit_records):
    network = walk_to(make_network(lead), lead, reviewer, "expansion")
    # 1 April 2027 starts at 22:00 UTC on 31 March (summer time in Amsterdam).
    late_march = datetime(2027, 3, 31, 21, 50)
    people = [new_person(write, lead, network.id, n) for n in range(7, 13)]
    for person in people:
        write(take_member_step, lead, network.id, person.id, "record_intake", INTAKE,
              now=late_march)
        write(take_member_step, lead, network.id, person.id, "invite", now=late_march)
    for minute, person in enumerate(people[:5]):
        write(take_member_step, lead, network.id, person.id, "activate",
              now=late_march + timedelta(minutes=minute))
    sixth = people[5]
    last_second = datetime(2027, 3, 31, 21, 59, 59)
    assert composition_of(lead, network.id, now=last_second).limits.joined_this_quarter == 5

    with pytest.raises(GrowthLimitReached):
        write(take_member_step, lead, network.id, sixth.id, "activate", now=last_second)
    last = audit_records(municipality_id=lead.municipality_id)[-1]
    assert (last.action, last.result, last.occurred_at) == ("member.step", "refused",
                                                            last_second)
    assert last.after["limit"] == "max_growth_per_quarter" and last.after["count"] == 5

    april = datetime(2027, 3, 31, 22, 0, 0)
    limits = composition_of(lead, network.id, now=april).limits
    assert (limits.applies, limits.joined_this_quarter, limits.quarter_start) == (
        "growth", 0, april)
    write(take_member_step, lead, network.id, sixth.id, "activate", now=april)
    assert db.session.get(Member, sixth.id).status == "active"
    assert composition_of(lead, network.id, now=april).limits.active == 12  # no core limit now


def test_a_paused_network_takes_no_new_members(lead, reviewer, make_network, write, walk_to):
    from lifecycle.services.lifecycle import advance_network

    network = walk_to(make_network(lead), lead, reviewer, "small_core")
    person = new_person(write, lead, network.id, 7)
    write(take_member_step, lead, network.id, person.id, "record_intake", INTAKE)
    write(take_member_step, lead, network.id, person.id, "invite")
    write(advance_network, lead, network.id, "pause", reason="Zomerstop.")
    with pytest.raises(NotTakingMembers) as refused:
        write(take_member_step, lead, network.id, person.id, "activate")
    assert refused.value.code == "invalid-transition"
    assert db.session.get(Member, person.id).status == "invited"


# --- Automatic items from the registers ----------------------------------------------------

def auto_items(user, network_id) -> dict[str, tuple[bool, dict]]:
    return {item.id: (check.ok, check.figures)
            for item, check in composition_of(user, network_id).auto_items}


def test_the_orientation_items_count_organisations_boards_and_intakes(lead, make_network,
                                                                      write):
    network = make_network(lead)
    items = lambda: auto_items(lead, network.id)  # noqa: E731
    for n in range(1, 5):
        write(create_organisation, lead, network.id, organisation_data(n, **(
            {"board_approached_on": date(2026, 2, n), "board_outcome": "hesitant"}
            if n <= 2 else {})))
    assert items()["orientation.stakeholders_mapped"][0] is False
    assert items()["orientation.boards_approached"][0] is False
    fifth = write(create_organisation, lead, network.id, organisation_data(5))
    assert items()["orientation.stakeholders_mapped"][0] is True
    write(update_organisation, lead, network.id, fifth.id,
          {"board_approached_on": date(2026, 2, 9), "board_outcome": "no_response"})
    assert items()["orientation.boards_approached"][0] is True

    people = [new_person(write, lead, network.id, n) for n in range(1, 4)]
    for person in people[:2]:
        write(take_member_step, lead, network.id, person.id, "record_intake",
              {"intake_outcome": "not_now"})
    write(take_member_step, lead, network.id, people[2].id, "decline")  # declined: no intake
    assert items()["orientation.intakes_held"][0] is False
    extra = new_person(write, lead, network.id, 4)
    write(take_member_step, lead, network.id, extra.id, "record_intake",
          {"intake_outcome": "not_suitable"})
    assert items()["orientation.intakes_held"][0] is True


def test_the_diversity_items_are_computed_from_the_active_members_and_the_profile(
        lead, make_network, write):
    from tests.builders import satisfy_auto_items

    network = make_network(lead)
    satisfy_auto_items(network.id, lead, ["orientation"])  # candidates only, no profile
    diversity = lambda: {k: v for k, v in auto_items(lead, network.id).items()  # noqa: E731
                         if k.startswith("diversity.")}
    assert diversity() and not any(ok for ok, _ in diversity().values())
    satisfy_auto_items(network.id, lead, ["diversity"])  # the profile and six active members
    assert all(ok for ok, _ in diversity().values()), diversity()
    ok, figures = diversity()["diversity.formal_and_informal"]
    assert figures["formal"] == 2 and figures["informal"] == 4

    sporty = db.session.scalars(select(Member).where(Member.network_id == network.id,
                                                     Member.sector == "sport")).one()
    write(take_member_step, lead, network.id, sporty.id, "deactivate")
    after = diversity()
    assert after["diversity.sectors_spread"][0] is False
    assert {"characteristic": "sectors", "value": "sport", "have": 0, "need": 1} in \
        after["diversity.sectors_spread"][1]["missing"]
    assert after["diversity.member_types"][0] is True

    # A stricter profile shows new gaps at once.
    from lifecycle.services.workflows import catalogue

    stricter = catalogue().profile("neighbourhood_signaling").targets.as_json()
    stricter["min_communities"] = 5
    write(set_network_profile, lead, network.id, "neighbourhood_signaling", stricter)
    assert diversity()["diversity.communities_reached"] == (False, {"have": 3, "need": 5})


def test_the_candidate_list_shows_the_gaps_each_candidate_would_fill(lead, make_network, write):
    network = make_network(lead)
    write(set_network_profile, lead, network.id, "neighbourhood_signaling")
    school = write(create_organisation, lead, network.id, organisation_data(
        type="school", communities=["Noord"]))
    candidate = write(create_member, lead, network.id, {
        "name": NAME, "organisation_id": school.id, "sector": "education",
        "member_type": "verbinder", "age_band": "16_24", "gender": "woman", "formal": True})
    nobody = new_person(write, lead, network.id, 2)
    _network, candidates = write(candidates_with_gaps, lead, network.id)
    fills = {c.member.id: {(g.characteristic, g.value) for g in c.fills} for c in candidates}
    assert {("sectors", "education"), ("organisation_types", "school"),
            ("member_types", "verbinder"), ("age_bands", "16_24"), ("genders", "woman"),
            ("communities", None), ("formal_share", None)} <= fills[candidate.id]
    assert fills[nobody.id] == set()


# --- A diversity sign-off that goes stale -------------------------------------------------

def signed_off_diversity(network, lead, reviewer, sign_off):
    sign_off(network, lead, reviewer, "diversity")
    state = db.session.scalars(select(ItemState).where(
        ItemState.network_id == network.id, ItemState.item_id == FITS_GOAL)).one()
    assert state.status == ItemStatus.APPROVED
    signoff = db.session.get(SignOff, state.signoff_id)
    assert signoff.frozen["figures"]["active"] == 6 and len(signoff.frozen["member_ids"]) == 6
    return signoff.id


def fits_goal_state(network_id):
    db.session.expire_all()
    return db.session.scalars(select(ItemState).where(ItemState.network_id == network_id,
                                                      ItemState.item_id == FITS_GOAL)).one()


def stale_records(audit_records, lead, network):
    return [r for r in audit_records(municipality_id=lead.municipality_id, network_id=network.id)
            if r.action == "item.signoff_stale"]


def test_the_sign_off_goes_stale_when_an_automatic_item_stops_holding(
        lead, reviewer, make_network, write, sign_off, audit_records):
    network = make_network(lead)
    signoff_id = signed_off_diversity(network, lead, reviewer, sign_off)
    sporty = db.session.scalars(select(Member).where(Member.network_id == network.id,
                                                     Member.sector == "sport")).one()

    write(take_member_step, lead, network.id, sporty.id, "deactivate")

    state = fits_goal_state(network.id)
    assert (state.status, state.signoff_id) == (ItemStatus.SUBMITTED, None)
    assert db.session.get(SignOff, signoff_id).stale_at is not None
    [record] = stale_records(audit_records, lead, network)
    assert record.object_id == f"{network.id}:{FITS_GOAL}"
    assert record.before == {"status": "approved", "signoff_id": signoff_id}
    assert record.after == {"status": "submitted",
                            "reasons": {"auto_items_failing": ["diversity.sectors_spread"]}}


def test_the_sign_off_holds_within_the_tolerance_and_goes_stale_beyond_it(
        lead, reviewer, make_network, write, sign_off, audit_records):
    network = make_network(lead)
    signed_off_diversity(network, lead, reviewer, sign_off)  # tolerance: 2
    newcomers = [new_person(write, lead, network.id, n, formal=None) for n in range(7, 10)]
    for person in newcomers[:2]:
        activate(write, lead, network.id, person.id)
    assert fits_goal_state(network.id).status == ItemStatus.APPROVED
    assert stale_records(audit_records, lead, network) == []

    activate(write, lead, network.id, newcomers[2].id)

    assert fits_goal_state(network.id).status == ItemStatus.SUBMITTED
    [record] = stale_records(audit_records, lead, network)
    assert record.after["reasons"] == {"members_changed": 3, "tolerance": 2}


def test_a_changed_person_or_organisation_can_make_the_sign_off_stale(
        lead, reviewer, make_network, write, sign_off, audit_records):
    network = make_network(lead)
    signed_off_diversity(network, lead, reviewer, sign_off)
    member = db.session.scalars(select(Member).where(Member.network_id == network.id)
                                .order_by(Member.id)).first()
    write(update_member, lead, network.id, member.id, {"phone": PHONE})  # not composition
    assert fits_goal_state(network.id).status == ItemStatus.APPROVED
    # Wijk-Noord has three voices (the school, the neighbourhood centre, the mosque). The first
    # change leaves two, which still holds; the second leaves one, and "more than one voice per
    # community" fails.
    school, neighbourhood = (db.session.scalars(select(Organisation).where(
        Organisation.network_id == network.id, Organisation.name == name)).one()
        for name in ("Basisschool De Horizon", "Buurtcentrum De Schakel"))
    write(update_organisation, lead, network.id, school.id, {"communities": ["Wijk-Oost"]})
    write(update_organisation, lead, network.id, neighbourhood.id, {"communities": ["Wijk-West"]})
    assert fits_goal_state(network.id).status == ItemStatus.SUBMITTED
    [record] = stale_records(audit_records, lead, network)
    assert record.after["reasons"] == {"auto_items_failing": ["diversity.voices_per_community"]}


def test_facts_are_gathered_once_a_unit_of_work_and_again_after_each_write(
        lead, make_network, write):
    """The network page asks four services for the same facts; a write in between is seen."""
    from sqlalchemy import event

    from lifecycle.services.composition import facts_for

    network = make_network(lead)
    counted = []

    def count(_conn, _cursor, statement, *_args):
        if statement.lstrip().startswith("SELECT organisation.network_id, count(*)"):
            counted.append(statement)

    db.session.commit()
    event.listen(db.engine, "before_cursor_execute", count)
    try:
        first = facts_for([network])[network.id]
        assert facts_for([network])[network.id] is first
        gathered = len(counted)
        assert gathered == 2  # organisations mapped, boards approached: once
        db.session.add(Organisation(network_id=network.id, municipality_id=network.municipality_id,
                                    **organisation_data(7)))
        after_add = facts_for([network])[network.id]  # pending: flushed by the facts' queries
        assert after_add.organisations_mapped == first.organisations_mapped + 1
        db.session.rollback()
        assert facts_for([network])[network.id].organisations_mapped == \
            first.organisations_mapped
        write(create_organisation, lead, network.id, organisation_data(8))
        assert facts_for([network])[network.id].organisations_mapped == \
            first.organisations_mapped + 1
        assert len(counted) == gathered + 6
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
