"""A network's composition: its figures, its profile and gaps, its limits, and the facts gates read.

`facts_for` gathers what the automatic checklist items look at for many networks in a handful of
queries (counts of organisations, approached boards and intakes, and the figures of the active
members against each network's profile), so the dashboard and the network page stay cheap.
The network page asks for one network's facts from four services (checklists, reopened items,
transitions, composition); a unit of work gathers them once and keeps them in its ORM session
until it writes or its transaction ends (see `_facts_memo`), so nothing read from the database
outlives the transaction that read it.
`recheck_watching_signoffs` runs after every change to a composition: a sign-off that watches the
composition goes stale when one of its checklist's automatic items no longer holds, or when more
members joined or left than the workflow's tolerance, and the audit trail says which.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from dataclasses import fields as dataclass_fields
from datetime import date, datetime

from sqlalchemy import event, func, select
from sqlalchemy.orm import ORMExecuteState, Session, joinedload

from ..domain.audit import AuditDraft
from ..domain.calendar import local_date
from ..domain.composition import (AutoCheck, Figures, Gap, MemberFacts, composition_drift,
                                  figures_of, gaps, quarter_of)
from ..domain.gates import ItemStatus, NetworkFacts, auto_check
from ..domain.maintenance import MANDATE_DECISION, core_meetings_held
from ..domain.profiles import ProfileTargets
from ..domain.workflow import Item
from ..extensions import db
from ..models import (ItemState, Meeting, MeetingAttendance, Member, MemberStep, Network,
                      NetworkProfile, Organisation, User)
from .audit import append_audit
from .common import load_network, now_or
from .workflows import catalogue, growth_rules_of, workflow_of


def member_facts(members: Iterable[Member]) -> list[MemberFacts]:
    """What composition may look at of these people (their organisations loaded with them)."""
    vocabularies = catalogue().vocabularies
    facts = []
    for member in members:
        organisation = member.organisation
        facts.append(MemberFacts(
            id=member.id, sector=member.sector,
            organisation_type=organisation.type if organisation else None,
            organisation_sector=vocabularies.sector_of_type(organisation.type)
            if organisation else None,
            communities=tuple(organisation.communities or ()) if organisation else (),
            formal=member.formal, age_band=member.age_band, gender=member.gender,
            member_type=member.member_type, district=member.district))
    return facts


def member_states() -> tuple[str, ...]:
    return catalogue().member_pipeline.member_states


def active_members_of(network_ids: list[int]) -> dict[int, list[Member]]:
    # Their organisations come in the same query; who approached an organisation's board
    # is not a composition fact, so that user is not loaded.
    rows = db.session.scalars(select(Member).where(Member.network_id.in_(network_ids),
                                                   Member.status.in_(member_states()))
                              .options(joinedload(Member.organisation)
                                       .lazyload(Organisation.board_approached_by))
                              .order_by(Member.id))
    grouped: dict[int, list[Member]] = defaultdict(list)
    for member in rows:
        grouped[member.network_id].append(member)
    return grouped


def targets_of(network_ids: list[int]) -> dict[int, ProfileTargets]:
    return {row.network_id: ProfileTargets.from_json(row.targets) for row in db.session.scalars(
        select(NetworkProfile).where(NetworkProfile.network_id.in_(network_ids)))}


def _counts(query) -> dict[int, int]:
    return dict(db.session.execute(query).all())


ALL_FACTS = frozenset(f.name for f in dataclass_fields(NetworkFacts))
FACTS_MEMO = "voelspriet.network_facts"


@event.listens_for(Session, "after_flush")
@event.listens_for(Session, "after_transaction_end")
def _forget_facts(session: Session, *_args) -> None:
    session.info.pop(FACTS_MEMO, None)


@event.listens_for(Session, "do_orm_execute")
def _forget_facts_on_write(state: ORMExecuteState) -> None:
    if not state.is_select:
        state.session.info.pop(FACTS_MEMO, None)


def _facts_memo(today: date) -> dict[int, NetworkFacts]:
    """The complete facts this transaction already gathered for `today`, by network id.

    Kept in the session's `info` (one session per request or command, never shared between
    threads) and dropped at every flush, write statement and transaction end (the listeners
    above). A session with unflushed changes gets a fresh dict: its next query flushes them.
    """
    session = db.session()
    if session.new or session.dirty or session.deleted:
        return {}
    memo = session.info.setdefault(FACTS_MEMO, {})
    return memo.setdefault(today, {})


def facts_for(networks: list[Network], now: datetime | None = None,
              needs: frozenset[str] = ALL_FACTS,
              statuses: Mapping[int, Mapping[str, str]] | None = None
              ) -> dict[int, NetworkFacts]:
    """The facts behind the automatic items, for each of these networks, as of `now`.

    `needs` names the NetworkFacts fields wanted (`gates.facts_read_by` says which a gate
    reads); only their queries run, and the other fields keep their empty defaults. Only
    complete facts are remembered for the rest of the transaction. `statuses` are the
    networks' item statuses, where the caller has read them already.
    """
    today = local_date(now_or(now))
    if needs != ALL_FACTS:
        return _gather_facts(networks, today, needs, statuses or {})
    memo = _facts_memo(today)
    missing = [network for network in networks if network.id not in memo]
    if missing:
        memo.update(_gather_facts(missing, today, needs, statuses or {}))
    return {network.id: memo[network.id] for network in networks}


def _gather_facts(networks: list[Network], today: date, needs: frozenset[str],
                  statuses: Mapping[int, Mapping[str, str]]) -> dict[int, NetworkFacts]:
    ids = [network.id for network in networks]
    if not ids:
        return {}

    def counted(name: str, query) -> dict[int, int]:
        return _counts(query) if name in needs else {}

    organisations = counted("organisations_mapped", select(Organisation.network_id, func.count())
                            .where(Organisation.network_id.in_(ids))
                            .group_by(Organisation.network_id))
    boards = counted("boards_approached", select(Organisation.network_id, func.count())
                     .where(Organisation.network_id.in_(ids),
                            Organisation.board_approached_on.is_not(None))
                     .group_by(Organisation.network_id))
    intakes = counted("intakes_held", select(MemberStep.network_id,
                                             func.count(func.distinct(MemberStep.member_id)))
                      .where(MemberStep.network_id.in_(ids), MemberStep.intake_outcome.is_not(None))
                      .group_by(MemberStep.network_id))
    active = active_members_of(ids) if "composition" in needs else {}
    targets = targets_of(ids) if "profile" in needs else {}
    core_meetings = _core_meetings(ids, today) if "core_meetings" in needs else {}
    mandates = _signed_off_mandates(networks, statuses) \
        if "mandate_valid_until" in needs else {}
    return {network.id: NetworkFacts(
        form=network.form, form_justification=network.form_justification,
        roles=tuple(network.roles or ()),
        organisations_mapped=organisations.get(network.id, 0),
        boards_approached=boards.get(network.id, 0),
        intakes_held=intakes.get(network.id, 0),
        composition=figures_of(member_facts(active.get(network.id, [])))
        if "composition" in needs else None,
        profile=targets.get(network.id),
        core_meetings=core_meetings.get(network.id, 0),
        mandate_valid_until=mandates.get(network.id),
        today=today,
    ) for network in networks}


def _core_meetings(network_ids: list[int], today: date) -> dict[int, int]:
    """Core meetings held by `today` with at least two of the network's people, per network."""
    # Counted over these networks' meetings only, so the cost never grows with all the data.
    rows = db.session.execute(
        select(Meeting.network_id, Meeting.form, func.count(MeetingAttendance.member_id),
               Meeting.held_on)
        .join(MeetingAttendance, MeetingAttendance.meeting_id == Meeting.id)
        .where(Meeting.network_id.in_(network_ids))
        .group_by(Meeting.id, Meeting.network_id, Meeting.form, Meeting.held_on)).all()
    grouped: dict[int, list] = defaultdict(list)
    for network_id, form, attendees, held_on in rows:
        grouped[network_id].append((form, attendees, held_on))
    return {network_id: core_meetings_held(meetings, today)
            for network_id, meetings in grouped.items()}


def _signed_off_mandates(networks: list[Network],
                         statuses: Mapping[int, Mapping[str, str]]) -> dict[int, date]:
    """The valid-until day of each network's mandate decision, where it is signed off (read
    from `statuses` for the networks it has, from the database for the others)."""
    by_item: dict[str, list[Network]] = defaultdict(list)
    approved = set()
    for network in networks:
        item = next((i for i in workflow_of(network).items.values()
                     if i.records == MANDATE_DECISION), None)
        if item is None or network.mandate_valid_until is None:
            continue
        if network.id in statuses:
            if statuses[network.id].get(item.id) == ItemStatus.APPROVED:
                approved.add(network.id)
        else:
            by_item[item.id].append(network)
    for item_id, group in by_item.items():
        approved |= set(db.session.scalars(select(ItemState.network_id).where(
            ItemState.network_id.in_([n.id for n in group]), ItemState.item_id == item_id,
            ItemState.status == ItemStatus.APPROVED)))
    return {network.id: network.mandate_valid_until for network in networks
            if network.id in approved}


def joined_in_quarter(network_id: int, moment: datetime) -> int:
    """How many people became members of the network in the calendar quarter of `moment`."""
    start, end = quarter_of(moment)
    states = member_states()
    return db.session.scalar(
        select(func.count()).select_from(MemberStep).where(
            MemberStep.network_id == network_id, MemberStep.to_state.in_(states),
            MemberStep.from_state.not_in(states), MemberStep.recorded_at >= start,
            MemberStep.recorded_at < end)) or 0


@dataclass(frozen=True)
class Limits:
    """The growth limits next to the current counts, as the network page shows them."""

    applies: str  # core | growth | none
    max_core_size: int | None
    active: int
    max_growth_per_quarter: int | None
    joined_this_quarter: int
    quarter_start: datetime
    quarter_end: datetime


@dataclass(frozen=True)
class CompositionView:
    network: Network
    figures: Figures
    profile_id: str | None
    targets: ProfileTargets | None
    gaps: list[Gap]
    auto_items: list[tuple[Item, AutoCheck]]
    limits: Limits
    profile_version: int | None = None


def limits_of(network: Network, active: int, moment: datetime) -> Limits:
    rules = growth_rules_of(workflow_of(network))
    start, end = quarter_of(moment)
    applies = "core" if network.stage in rules.core_stages else \
        "growth" if network.stage in rules.growth_stages else "none"
    return Limits(applies, rules.max_core_size, active, rules.max_growth_per_quarter,
                  joined_in_quarter(network.id, moment), start, end)


def composition_view(network: Network, moment: datetime) -> CompositionView:
    facts = facts_for([network], moment)[network.id]
    definition = workflow_of(network)
    profile = db.session.get(NetworkProfile, network.id)
    auto_items = [(item, auto_check(item, facts, definition.limits))
                  for checklist in definition.checklists for item in checklist.items
                  if item.is_auto]
    return CompositionView(
        network=network, figures=facts.composition, profile_id=profile.profile_id if profile
        else None, targets=facts.profile,
        gaps=gaps(facts.composition, facts.profile) if facts.profile else [],
        auto_items=auto_items, limits=limits_of(network, facts.composition.active, moment),
        profile_version=profile.version if profile else None)


def composition_of(user: User, network_id: int, *, now: datetime | None = None) -> CompositionView:
    """A network's composition in figures (no personal data): anyone in its municipality."""
    network = load_network(user, network_id)
    return composition_view(network, now_or(now))


def frozen_composition(network: Network, now: datetime | None = None) -> dict:
    """What a reviewer judged when signing off an item that watches the composition."""
    facts = facts_for([network], now)[network.id]
    return {"figures": facts.composition.as_json(),
            "member_ids": list(facts.composition.member_ids),
            "profile": facts.profile.as_json() if facts.profile else None}


def recheck_watching_signoffs(network: Network, *, actor_id: int | None, origin: str | None,
                              moment: datetime) -> list[str]:
    """Let each current sign-off that watches the composition go stale if it no longer holds."""
    definition = workflow_of(network)
    watching = {item.id: checklist for checklist in definition.checklists
                for item in checklist.items if item.watches == "composition"}
    if not watching:
        return []
    states = db.session.scalars(select(ItemState).where(
        ItemState.network_id == network.id, ItemState.item_id.in_(list(watching)),
        ItemState.status == ItemStatus.APPROVED)).all()
    if not states:
        return []
    facts = facts_for([network], moment)[network.id]
    tolerance = definition.limits.get("diversity_tolerance", 0)
    staled = []
    for state in states:
        signoff = state.signoff
        frozen = (signoff.frozen or {}) if signoff is not None else {}
        failing = [item.id for item in watching[state.item_id].items
                   if item.is_auto and not auto_check(item, facts, definition.limits).ok]
        reasons = composition_drift(frozen.get("member_ids", []), facts.composition.member_ids,
                                    failing, tolerance)
        if reasons is None:
            continue
        signoff.stale_at = moment
        state.status, state.signoff_id, state.updated_at = ItemStatus.SUBMITTED, None, moment
        db.session.flush()
        append_audit(AuditDraft(
            municipality_id=network.municipality_id, actor_id=actor_id,
            object_type="checklist_item", object_id=f"{network.id}:{state.item_id}",
            network_id=network.id, action="item.signoff_stale", origin=origin,
            before={"status": ItemStatus.APPROVED, "signoff_id": signoff.id},
            after={"status": ItemStatus.SUBMITTED, "reasons": reasons}), moment)
        staled.append(state.item_id)
    return staled
