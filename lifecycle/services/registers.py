"""A network's registers: its organisations (the stakeholder map), its people and their pipeline,
and the member profile it aims for.

Only the network's lead changes them. Organisations are no personal data and anyone in the
municipality reads them; people are read by the lead, reviewers, auditors and administrators
(`permissions.ensure_can_read_people`), and every read or change of a person writes its line in
the processing log, in the same transaction, so no processing goes unlogged. The audit trail
records every change by reference (ids and the names of changed fields), never a person's data.
After any change that can move the composition, sign-offs that watch it are checked again.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select

from ..domain.audit import AuditDraft
from ..domain.calendar import local_date
from ..domain.composition import Gap, check_activation, gaps_filled_by
from ..domain.errors import DomainError, NotFound, ReadOnly, StaleVersion, ValidationFailed
from ..domain.pipeline import PipelineEngine, PipelineStep, StepOption
from ..domain.profiles import Profile, ProfileTargets, clean_targets
from ..domain.registers import (COMPOSITION_FIELDS, INTAKE_STEP, ORGANISATION_COMPOSITION_FIELDS,
                                clean_member_fields, clean_organisation_fields,
                                clean_step_details)
from ..extensions import db
from ..models import Member, MemberStep, Network, NetworkProfile, Organisation, User
from .audit import append_audit
from .common import (districts_of, ensure_lead, load_network, now_or, people_readable_network,
                     with_refusal, writable_network)
from .composition import (active_members_of, joined_in_quarter, member_facts, member_states,
                          recheck_watching_signoffs)
from .privacy import log_processing
from .workflows import catalogue, growth_rules_of, workflow_of













# --- Organisations ----------------------------------------------------------------------------

def list_organisations(user: User, network_id: int) -> tuple[Network, list[Organisation]]:
    """The network's register of organisations, by name."""
    network = load_network(user, network_id)
    return network, list(db.session.scalars(
        select(Organisation).where(Organisation.network_id == network.id)
        .order_by(func.lower(Organisation.name), Organisation.id)))


def get_organisation(user: User, network_id: int, organisation_id: int) -> Organisation:
    network = load_network(user, network_id)
    return _organisation_in(network, organisation_id)


def _organisation_in(network: Network, organisation_id: Any) -> Organisation:
    organisation = db.session.get(Organisation, organisation_id) \
        if isinstance(organisation_id, int) and not isinstance(organisation_id, bool) else None
    if organisation is None or organisation.network_id != network.id:
        raise NotFound("No such organisation in this network.")
    return organisation


def _municipality_user_ids(network: Network) -> list[int]:
    return list(db.session.scalars(select(User.id).where(
        User.municipality_id == network.municipality_id)))


def _unique_name(network: Network, name: str, except_id: int | None = None) -> None:
    query = select(Organisation.id).where(Organisation.network_id == network.id,
                                          func.lower(Organisation.name) == name.lower())
    if except_id is not None:
        query = query.where(Organisation.id != except_id)
    if db.session.scalar(query) is not None:
        raise ValidationFailed("This network has an organisation with this name already.",
                               errors={"name": "taken"})


def _organisation_fields(user: User, network: Network, data: dict[str, Any], *, partial: bool,
                         moment: datetime) -> dict[str, Any]:
    fields = clean_organisation_fields(
        data, partial=partial, vocabularies=catalogue().vocabularies,
        districts=districts_of(network), user_ids=_municipality_user_ids(network),
        today=local_date(moment))
    if fields.get("board_approached_on") and "board_approached_by_id" not in data:
        fields["board_approached_by_id"] = user.id
    return fields


def _organisation_snapshot(organisation: Organisation, names) -> dict[str, Any]:
    values = {}
    for name in names:
        value = getattr(organisation, name)
        values[name] = value.isoformat() if isinstance(value, date) else value
    return values


def create_organisation(user: User, network_id: int, data: dict[str, Any], *,
                        origin: str | None = None, now: datetime | None = None) -> Organisation:
    """The lead adds an organisation to the network's register."""
    network = writable_network(user, network_id)
    ensure_lead(user, network, "organisation", None, "organisation.created", origin, now)
    moment = now_or(now)
    fields = _organisation_fields(user, network, data, partial=False, moment=moment)
    _unique_name(network, fields["name"])
    organisation = Organisation(network_id=network.id, municipality_id=network.municipality_id,
                                created_at=moment, updated_at=moment,
                                **{"communities": [], **fields})
    db.session.add(organisation)
    db.session.flush()
    append_audit(AuditDraft(
        municipality_id=network.municipality_id, actor_id=user.id, object_type="organisation",
        object_id=str(organisation.id), network_id=network.id, action="organisation.created",
        origin=origin, after=_organisation_snapshot(organisation, fields)), moment)
    return organisation


def update_organisation(user: User, network_id: int, organisation_id: int,
                        data: dict[str, Any], *, expected_version: int | None = None,
                        origin: str | None = None, now: datetime | None = None) -> Organisation:
    """The lead edits an organisation: its kind, reach, power, or its board's answer."""
    network = writable_network(user, network_id)
    organisation = _organisation_in(network, organisation_id)
    ensure_lead(user, network, "organisation", organisation.id, "organisation.updated",
                 origin, now)
    if expected_version is not None and expected_version != organisation.version:
        raise StaleVersion("Someone else changed this organisation meanwhile.",
                           current_version=organisation.version)
    moment = now_or(now)
    fields = _organisation_fields(user, network, data, partial=True, moment=moment)
    if "name" in fields:
        _unique_name(network, fields["name"], except_id=organisation.id)
    changes = {k: v for k, v in fields.items() if getattr(organisation, k) != v}
    if not changes:
        return organisation
    before = _organisation_snapshot(organisation, changes)
    for name, value in changes.items():
        setattr(organisation, name, value)
    organisation.updated_at = moment
    db.session.flush()
    append_audit(AuditDraft(
        municipality_id=network.municipality_id, actor_id=user.id, object_type="organisation",
        object_id=str(organisation.id), network_id=network.id, action="organisation.updated",
        origin=origin, before=before, after=_organisation_snapshot(organisation, changes)),
        moment)
    if set(changes) & ORGANISATION_COMPOSITION_FIELDS:
        recheck_watching_signoffs(network, actor_id=user.id, origin=origin, moment=moment)
    return organisation


# --- People -----------------------------------------------------------------------------------



def _member_in(network: Network, member_id: Any) -> Member:
    member = db.session.get(Member, member_id) \
        if isinstance(member_id, int) and not isinstance(member_id, bool) else None
    if member is None or member.network_id != network.id:
        raise NotFound("No such person in this network.")
    return member


def _log(user: User, network: Network, operation: str, name: str, member_ids, moment: datetime,
         activity: str = "composition") -> None:
    log_processing(municipality_id=network.municipality_id, actor_id=user.id,
                   activity=activity, operation=operation, name=name, member_ids=member_ids,
                   started_at=moment, ended_at=now_or(None))


@dataclass(frozen=True)
class MemberPage:
    network: Network
    items: list[Member]
    next_after: int | None
    options: dict[int, list[StepOption]]  # member id -> the steps possible now


def list_members(user: User, network_id: int, *, status: str | None = None,
                 organisation_id: int | None = None, after: int | None = None,
                 limit: int = 50, now: datetime | None = None) -> MemberPage:
    """The network's people by id (keyset pages), optionally in one state or organisation."""
    network = people_readable_network(user, network_id)
    moment = now_or(now)
    limit = max(1, min(limit, 200))
    query = select(Member).where(Member.network_id == network.id)
    if status:
        query = query.where(Member.status == status)
    if organisation_id is not None:
        query = query.where(Member.organisation_id == organisation_id)
    if after is not None:
        query = query.where(Member.id > after)
    rows = list(db.session.scalars(query.order_by(Member.id).limit(limit + 1)))
    page = rows[:limit]
    _log(user, network, "read", "member.list", [m.id for m in page if m.erased_at is None], moment)
    guard = _activation_guard(network, moment)  # one guard: its counts are read once
    options = {m.id: step_options(network, m, moment, guard) for m in page}
    return MemberPage(network, page, page[-1].id if len(rows) > limit and page else None,
                      options)


@dataclass(frozen=True)
class MemberRecord:
    """One person with their steps and the steps possible now."""

    network: Network
    member: Member
    steps: list[MemberStep]
    options: list[StepOption]


def pipeline_engine() -> PipelineEngine:
    return PipelineEngine(catalogue().member_pipeline)


def _activation_guard(network: Network, moment: datetime):
    """The growth limits, as a guard on steps that make someone a member."""
    states = member_states()
    definition = workflow_of(network)
    counts: dict[str, int] = {}

    def guard(step: PipelineStep) -> DomainError | None:
        if step.dest not in states or any(source in states for source in step.sources):
            return None
        if not counts:
            counts["active"] = db.session.scalar(select(func.count()).select_from(Member).where(
                Member.network_id == network.id, Member.status.in_(states))) or 0
            counts["joined"] = joined_in_quarter(network.id, moment)
        return check_activation(network.stage, growth_rules_of(definition),
                                active=counts["active"], activated_this_quarter=counts["joined"])

    return guard


def step_options(network: Network, member: Member, moment: datetime,
                 guard=None) -> list[StepOption]:
    """The steps possible for this person now, each allowed or refused with why."""
    if member.erased_at is not None or workflow_of(network).is_final(network.stage):
        return []
    return pipeline_engine().options(member.status, guard or _activation_guard(network, moment))


def member_record(user: User, network_id: int, member_id: int, *,
                  now: datetime | None = None) -> MemberRecord:
    """A person's data, their steps and what can happen next (the read is logged)."""
    network = people_readable_network(user, network_id)
    member = _member_in(network, member_id)
    moment = now_or(now)
    steps = list(db.session.scalars(select(MemberStep).where(MemberStep.member_id == member.id)
                                    .order_by(MemberStep.recorded_at, MemberStep.id)))
    if member.erased_at is None:
        _log(user, network, "read", "member.read", [member.id], moment)
    return MemberRecord(network, member, steps, step_options(network, member, moment))


def _member_fields(network: Network, data: dict[str, Any], *, partial: bool) -> dict[str, Any]:
    organisation_ids = list(db.session.scalars(select(Organisation.id).where(
        Organisation.network_id == network.id)))
    return clean_member_fields(data, partial=partial, vocabularies=catalogue().vocabularies,
                               districts=districts_of(network), organisation_ids=organisation_ids)


def create_member(user: User, network_id: int, data: dict[str, Any], *,
                  origin: str | None = None, now: datetime | None = None) -> Member:
    """The lead adds a person to the register, as a candidate."""
    network = writable_network(user, network_id)
    ensure_lead(user, network, "member", None, "member.created", origin, now)
    fields = _member_fields(network, data, partial=False)
    moment = now_or(now)
    member = Member(network_id=network.id, municipality_id=network.municipality_id,
                    status=catalogue().member_pipeline.initial, status_since=moment,
                    created_at=moment, updated_at=moment, **fields)
    db.session.add(member)
    db.session.flush()
    _log(user, network, "create", "member.create", [member.id], moment)
    append_audit(AuditDraft(
        municipality_id=network.municipality_id, actor_id=user.id, object_type="member",
        object_id=str(member.id), network_id=network.id, action="member.created",
        origin=origin, after={"status": member.status, "fields": sorted(fields)}), moment)
    return member


def update_member(user: User, network_id: int, member_id: int, data: dict[str, Any], *,
                  expected_version: int | None = None, origin: str | None = None,
                  now: datetime | None = None) -> Member:
    """The lead corrects a person's data; the audit trail names the fields, never the values."""
    network = writable_network(user, network_id)
    member = _member_in(network, member_id)
    ensure_lead(user, network, "member", member.id, "member.updated", origin, now)
    if member.erased_at is not None:
        raise ReadOnly("This person's data has been erased.")
    if expected_version is not None and expected_version != member.version:
        raise StaleVersion("Someone else changed this person meanwhile.",
                           current_version=member.version)
    fields = _member_fields(network, data, partial=True)
    changes = {k: v for k, v in fields.items() if getattr(member, k) != v}
    moment = now_or(now)
    if not changes:
        return member
    for name, value in changes.items():
        setattr(member, name, value)
    member.updated_at = moment
    db.session.flush()
    _log(user, network, "update", "member.update", [member.id], moment)
    append_audit(AuditDraft(
        municipality_id=network.municipality_id, actor_id=user.id, object_type="member",
        object_id=str(member.id), network_id=network.id, action="member.updated",
        origin=origin, after={"fields": sorted(changes)}), moment)
    if member.status in member_states() and set(changes) & COMPOSITION_FIELDS:
        recheck_watching_signoffs(network, actor_id=user.id, origin=origin, moment=moment)
    return member


def take_member_step(user: User, network_id: int, member_id: int, step: str,
                     data: dict[str, Any] | None = None, *, origin: str | None = None,
                     now: datetime | None = None) -> Member:
    """The lead moves a person one step through the pipeline (growth limits apply)."""
    data = data or {}
    network = writable_network(user, network_id)
    member = _member_in(network, member_id)
    moment = now_or(now)
    ensure_lead(user, network, "member", member.id, "member.step", origin, now)
    if member.erased_at is not None:
        raise ReadOnly("This person's data has been erased.")
    details = clean_step_details(step, data, today=local_date(moment),
                                 vocabularies=catalogue().vocabularies)
    try:
        new_state = pipeline_engine().fire(member.status, step, reason=details["reason"],
                                           guard=_activation_guard(network, moment))
    except DomainError as exc:
        if exc.code == "growth-limit":
            raise with_refusal(exc, user, network, "member", member.id, "member.step", origin, now,
                           step=str(step)[:30], **{k: v for k, v in exc.details.items()
                                                   if k in ("limit", "maximum", "count")})
        raise
    before = member.status
    member.status, member.status_since, member.updated_at = new_state, moment, moment
    if catalogue().member_pipeline.is_final(new_state):
        member.ended_at = moment  # the retention period of their data starts here
    db.session.add(MemberStep(member_id=member.id, network_id=network.id, step=step,
                              from_state=before, to_state=new_state,
                              happened_on=details["happened_on"], recorded_at=moment,
                              actor_id=user.id, reason=details["reason"],
                              intake_outcome=details.get("intake_outcome"),
                              house_rules=details.get("house_rules")))
    db.session.flush()
    _log(user, network, "update", f"member.step.{step}", [member.id], moment,
         activity="intake" if step == INTAKE_STEP else "composition")
    append_audit(AuditDraft(
        municipality_id=network.municipality_id, actor_id=user.id, object_type="member",
        object_id=str(member.id), network_id=network.id, action="member.step", origin=origin,
        before={"status": before},
        after={"status": new_state, "step": step,
               "happened_on": details["happened_on"].isoformat(),
               **({"intake_outcome": details["intake_outcome"],
                   "house_rules": details["house_rules"]} if step == INTAKE_STEP else {})}),
        moment)
    states = member_states()
    if (before in states) != (new_state in states):
        recheck_watching_signoffs(network, actor_id=user.id, origin=origin, moment=moment)
    return member


@dataclass(frozen=True)
class Candidate:
    member: Member
    fills: list[Gap]


def candidates_with_gaps(user: User, network_id: int, *,
                         now: datetime | None = None) -> tuple[Network, list[Candidate]]:
    """The people on their way in, each with the profile gaps they would fill."""
    network = people_readable_network(user, network_id)
    moment = now_or(now)
    waiting = [s.id for s in catalogue().member_pipeline.states
               if not s.final and "member" not in s.marks and s.id != "inactive"]
    candidates = list(db.session.scalars(select(Member).where(
        Member.network_id == network.id, Member.status.in_(waiting),
        Member.erased_at.is_(None)).order_by(Member.id)))
    profile = db.session.get(NetworkProfile, network.id)
    active = member_facts(active_members_of([network.id]).get(network.id, []))
    targets = ProfileTargets.from_json(profile.targets) if profile else None
    result = [Candidate(m, gaps_filled_by(facts, active, targets) if targets else [])
              for m, facts in zip(candidates, member_facts(candidates))]
    _log(user, network, "read", "member.candidates", [m.id for m in candidates], moment)
    return network, result


# --- Profiles ---------------------------------------------------------------------------------

def starting_profiles() -> tuple[Profile, ...]:
    return catalogue().profiles


def network_profile(user: User, network_id: int) -> tuple[Network, NetworkProfile | None]:
    network = load_network(user, network_id)
    return network, db.session.get(NetworkProfile, network.id)


def set_network_profile(user: User, network_id: int, profile_id: str,
                        targets: dict[str, Any] | None = None, *,
                        expected_version: int | None = None, origin: str | None = None,
                        now: datetime | None = None) -> NetworkProfile:
    """The lead picks a starting profile for the network, adjusting its targets if they wish."""
    network = writable_network(user, network_id)
    ensure_lead(user, network, "network", network.id, "network.profile_set", origin, now)
    profile = catalogue().profile(profile_id) if isinstance(profile_id, str) else None
    if profile is None:
        raise ValidationFailed("Choose one of the profiles.", errors={"profile_id": "invalid_choice"})
    chosen = clean_targets(targets, catalogue().vocabularies, districts_of(network)) \
        if targets is not None else profile.targets
    moment = now_or(now)
    row = db.session.get(NetworkProfile, network.id)
    if row is not None and expected_version is not None and expected_version != row.version:
        raise StaleVersion("Someone else changed this profile meanwhile.",
                           current_version=row.version)
    before = {"profile_id": row.profile_id, "targets": row.targets} if row else None
    if row is None:
        row = NetworkProfile(network_id=network.id, profile_id=profile.id,
                             targets=chosen.as_json(), updated_at=moment, updated_by_id=user.id)
        db.session.add(row)
    elif row.profile_id == profile.id and row.targets == chosen.as_json():
        return row
    else:
        row.profile_id, row.targets = profile.id, chosen.as_json()
        row.updated_at, row.updated_by_id = moment, user.id
    db.session.flush()
    append_audit(AuditDraft(
        municipality_id=network.municipality_id, actor_id=user.id, object_type="network",
        object_id=str(network.id), network_id=network.id, action="network.profile_set",
        origin=origin, before=before,
        after={"profile_id": row.profile_id, "targets": row.targets}), moment)
    recheck_watching_signoffs(network, actor_id=user.id, origin=origin, moment=moment)
    return row

