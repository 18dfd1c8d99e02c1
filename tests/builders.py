"""Build the data behind a network's automatic checklist items, through the real services.

`satisfy_auto_items(network_id, lead, checklist_ids)` gives a network what its automatic items in
those checklists look at, so a test can walk a network through its gates the way a lead would:
organisations in the register with their boards approached, intake conversations with
candidates, a member profile, and enough active members to meet it. It is idempotent: a network
that has the data already gets nothing more.

The composition it builds meets the starting profile "Signaleren in de wijk": six organisations
reaching three communities, six members covering its sectors, organisation types, member types,
age bands and genders, a third of them with a formal position, and two or more voices per
community.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

PROFILE = "neighbourhood_signaling"
ORGANISATIONS = (
    ("Basisschool De Horizon", "school", ["Wijk-Noord", "Wijk-Oost"], True),
    ("Jongerenwerk Het Dok", "youth_work", ["Wijk-Oost", "Wijk-West"], True),
    ("Buurtcentrum De Schakel", "neighbourhood_initiative", ["Wijk-Noord", "Wijk-West"], True),
    ("Stichting Moskee Al Amal", "faith_belief_organisation", ["Wijk-Noord"], True),
    ("Voetbalvereniging Sparta", "sports_club", ["Wijk-Oost", "Wijk-West"], False),
    ("Ouderinitiatief Samen Sterk", "parents_initiative", ["Wijk-West"], False),
)
MEMBERS = (  # organisation index, sector, age band, gender, formal, member type
    (0, "education", "16_24", "woman", True, "verbinder"),
    (1, "youth_work", "25_39", "man", False, "doener"),
    (2, "womens_neighbourhood", "40_54", "woman", False, "kritische_denker"),
    (3, "professionals", "25_39", "man", True, "verbinder"),
    (4, "sport", "16_24", "man", False, "doener"),
    (5, "parents_educators", "40_54", "woman", False, "vertegenwoordiger"),
)
ORIENTATION_RULES = {"organisations_mapped", "boards_approached", "intakes_held"}


def example_details(kind: str | None, today: date | None = None) -> dict | None:
    """Structured details a lead would record with an item's evidence (None for most items)."""
    from datetime import timedelta

    today = today or date.today()
    return {
        None: None,
        "mandate_decision": {"body": "college van burgemeester en wethouders",
                             "decided_on": today - timedelta(days=30),
                             "reference": "B&W-2026-0117",
                             "valid_until": today + timedelta(days=3 * 365)},
        "meeting_cadence": {"every_weeks": 6},
        "annual_review": {"review_on": today + timedelta(days=300)},
    }[kind]


def example_details_json(kind: str | None) -> dict | None:
    """The same, as the JSON API takes it (dates as YYYY-MM-DD)."""
    details = example_details(kind)
    return None if details is None else {
        key: value.isoformat() if isinstance(value, date) else value
        for key, value in details.items()}


def _write(service, *args, **kwargs):
    from lifecycle.services.uow import write_transaction

    with write_transaction():
        return service(*args, **kwargs)


def _build_register(network_id: int, lead) -> list[int]:
    """Organisations, and the members as candidates with their intake held; their ids."""
    from lifecycle.extensions import db
    from lifecycle.models import Member
    from lifecycle.services.registers import (create_member, create_organisation,
                                              take_member_step)

    if db.session.scalar(select(func.count()).select_from(Member)
                         .where(Member.network_id == network_id)):
        return list(db.session.scalars(select(Member.id).where(Member.network_id == network_id)
                                       .order_by(Member.id)))
    organisation_ids = []
    for index, (name, kind, communities, approached) in enumerate(ORGANISATIONS):
        organisation = _write(create_organisation, lead, network_id, {
            "name": name, "type": kind, "communities": communities,
            "influence": "high" if index % 2 == 0 else "low",
            "involvement": "high" if index < 3 else "low",
            **({"board_approached_on": date(2026, 1, 12), "board_outcome": "willing"}
               if approached else {})})
        organisation_ids.append(organisation.id)
    member_ids = []
    for n, (org, sector, age, gender, formal, kind) in enumerate(MEMBERS, start=1):
        member = _write(create_member, lead, network_id, {
            "name": f"Sleutelfiguur {n}", "organisation_id": organisation_ids[org],
            "sector": sector, "age_band": age, "gender": gender, "formal": formal,
            "member_type": kind})
        _write(take_member_step, lead, network_id, member.id, "record_intake",
               {"intake_outcome": "suitable",
                "house_rules": ["openness", "no_lobbying", "safe_setting", "church_state"]})
        member_ids.append(member.id)
    return member_ids


def _activate_members(network_id: int, lead, member_ids: list[int]) -> None:
    from lifecycle.extensions import db
    from lifecycle.models import Member, NetworkProfile
    from lifecycle.services.registers import set_network_profile, take_member_step

    if db.session.get(NetworkProfile, network_id) is None:
        _write(set_network_profile, lead, network_id, PROFILE)
    for member_id in member_ids:
        status = db.session.get(Member, member_id).status
        for step in {"intake_held": ("invite", "activate"), "invited": ("activate",),
                     "inactive": ("activate",)}.get(status, ()):
            _write(take_member_step, lead, network_id, member_id, step)


def satisfy_auto_items(network_id: int, lead, checklist_ids) -> None:
    """Give the network the data its automatic items in these checklists need."""
    from lifecycle.extensions import db
    from lifecycle.models import Network
    from lifecycle.services.workflows import workflow_of

    db.session.commit()  # end a read snapshot older than the network (a live server made it)
    definition = workflow_of(db.session.get(Network, network_id))
    rules = {item.rule for checklist_id in checklist_ids
             for item in definition.checklist(checklist_id).items if item.is_auto}
    if rules & ORIENTATION_RULES or "core_meetings_held" in rules or \
            any(rule.startswith("diversity_") for rule in rules):
        member_ids = _build_register(network_id, lead)
        if any(rule.startswith("diversity_") for rule in rules):
            _activate_members(network_id, lead, member_ids)
        if "core_meetings_held" in rules:
            _hold_core_meetings(network_id, lead, member_ids)


CORE_MEETINGS = 3  # the default workflow's min_core_meetings


def _hold_core_meetings(network_id: int, lead, member_ids: list[int]) -> None:
    """Three core meetings, a month apart, with the first three people (idempotent)."""
    from datetime import timedelta

    from lifecycle.extensions import db
    from lifecycle.models import Meeting
    from lifecycle.services.meetings import create_meeting

    held = db.session.scalar(select(func.count()).select_from(Meeting).where(
        Meeting.network_id == network_id, Meeting.form == "core"))
    for number in range(held, CORE_MEETINGS):
        _write(create_meeting, lead, network_id, {
            "held_on": date.today() - timedelta(days=30 * (CORE_MEETINGS - number)),
            "form": "core", "attendee_ids": member_ids[:3], "topics": ["liveability"],
            "notes": "Kennismaking en afspraken over de werkwijze van de kern."})


def compose_through_api(as_lead, network_id: int, *, activate: bool) -> None:
    """The same registers, built through the JSON API as an integrator would (idempotent)."""
    base = f"/api/v1/networks/{network_id}"
    if as_lead.get(f"{base}/members").get_json()["items"]:
        member_ids = [m["id"] for m in as_lead.get(f"{base}/members").get_json()["items"]]
    else:
        organisation_ids = []
        for index, (name, kind, communities, approached) in enumerate(ORGANISATIONS):
            created = as_lead.post(f"{base}/organisations", json={
                "name": name, "type": kind, "communities": communities,
                "influence": "high" if index % 2 == 0 else "low",
                "involvement": "high" if index < 3 else "low",
                **({"board_approached_on": "2026-01-12", "board_outcome": "willing"}
                   if approached else {})})
            assert created.status_code == 201, created.get_json()
            organisation_ids.append(created.get_json()["id"])
        member_ids = []
        for n, (org, sector, age, gender, formal, kind) in enumerate(MEMBERS, start=1):
            created = as_lead.post(f"{base}/members", json={
                "name": f"Sleutelfiguur {n}", "organisation_id": organisation_ids[org],
                "sector": sector, "age_band": age, "gender": gender, "formal": formal,
                "member_type": kind})
            assert created.status_code == 201, created.get_json()
            member_id = created.get_json()["id"]
            stepped = as_lead.post(f"{base}/members/{member_id}/steps", json={
                "step": "record_intake", "intake_outcome": "suitable",
                "house_rules": ["openness", "no_lobbying", "safe_setting", "church_state"]})
            assert stepped.status_code == 200, stepped.get_json()
            member_ids.append(member_id)
    if not activate:
        return
    if as_lead.get(f"{base}/profile").get_json()["profile_id"] is None:
        chosen = as_lead.request("PUT", f"{base}/profile", json={"profile_id": PROFILE},
                                 headers={"If-Match": "*"})
        assert chosen.status_code == 200, chosen.get_json()
    for member_id in member_ids:
        member = as_lead.get(f"{base}/members/{member_id}").get_json()
        for step in {"intake_held": ("invite", "activate"), "invited": ("activate",)}.get(
                member["status"], ()):
            stepped = as_lead.post(f"{base}/members/{member_id}/steps", json={"step": step})
            assert stepped.status_code == 200, stepped.get_json()


def meet_through_api(as_lead, network_id: int) -> None:
    """The core meetings `core_functioning` counts, logged through the JSON API."""
    from datetime import timedelta

    base = f"/api/v1/networks/{network_id}"
    people = [m["id"] for m in as_lead.get(f"{base}/members").get_json()["items"]][:3]
    for number in range(CORE_MEETINGS):
        logged = as_lead.post(f"{base}/meetings", json={
            "held_on": (date.today() - timedelta(days=30 * (CORE_MEETINGS - number))).isoformat(),
            "form": "core", "attendee_ids": people, "topics": ["liveability"]})
        assert logged.status_code == 201, logged.get_json()
