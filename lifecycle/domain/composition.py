"""The composition of a network: its figures, the gaps against its profile, and its limits.

Everything here is computed from `MemberFacts`, which hold what composition may look at of a
person and nothing more: sector, the type and communities of their organisation, formal or
informal, age band, gender, member type and district; no name, no contact details. Communities
are recorded for organisations only, so a member "reaches" the communities of their organisation.

- `figures_of` counts the active members per characteristic.
- `gaps` lists every target of a profile the figures do not meet; `gaps_filled_by` says which of
  them a candidate would close, which is how a profile answers "who do we still need?".
- `DIVERSITY_RULES` are the automatic checks of the `diversity` checklist.
- `check_activation` enforces "start small, grow slowly": the size of the core, and the growth per
  calendar quarter (Europe/Amsterdam) once the network expands.
- `composition_drift` says why a sign-off that watches the composition no longer holds.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Iterable, Mapping
from zoneinfo import ZoneInfo

from .errors import DomainError
from .profiles import ProfileTargets

LOCAL_ZONE = ZoneInfo("Europe/Amsterdam")
LIST_CHARACTERISTICS = ("sectors", "organisation_types", "member_types", "age_bands", "genders",
                        "districts")


@dataclass(frozen=True)
class MemberFacts:
    """One active (or candidate) member as composition sees them."""

    id: int
    sector: str | None = None
    organisation_type: str | None = None
    organisation_sector: str | None = None
    communities: tuple[str, ...] = ()
    formal: bool | None = None
    age_band: str | None = None
    gender: str | None = None
    member_type: str | None = None
    district: str | None = None

    @property
    def sectors(self) -> set[str]:
        """The sectors this member brings in: their own, and their organisation's."""
        return {s for s in (self.sector, self.organisation_sector) if s}

    def values(self, characteristic: str) -> set[str]:
        if characteristic == "sectors":
            return self.sectors
        single = {"organisation_types": self.organisation_type, "member_types": self.member_type,
                  "age_bands": self.age_band, "genders": self.gender,
                  "districts": self.district}[characteristic]
        return {single} if single else set()


@dataclass(frozen=True)
class Figures:
    """Counts of the active members, per value of each characteristic."""

    active: int
    counts: dict[str, dict[str, int]]  # characteristic -> value -> members
    formal: int
    informal: int
    communities: dict[str, int]  # community -> voices (active members whose organisation reaches it)
    member_ids: tuple[int, ...] = ()

    @property
    def formal_share(self) -> float | None:
        known = self.formal + self.informal
        return self.formal / known if known else None

    def as_json(self) -> dict:
        return {"active": self.active, "counts": self.counts, "formal": self.formal,
                "informal": self.informal, "communities": self.communities,
                "formal_share": None if self.formal_share is None
                else round(self.formal_share, 3)}


def figures_of(members: Iterable[MemberFacts]) -> Figures:
    """Count the members per characteristic (they are taken to be the active ones)."""
    members = list(members)
    counts = {name: Counter() for name in LIST_CHARACTERISTICS}
    communities: Counter = Counter()
    for member in members:
        for name in LIST_CHARACTERISTICS:
            counts[name].update(member.values(name))
        communities.update(set(member.communities))
    return Figures(
        active=len(members),
        counts={name: dict(sorted(counter.items())) for name, counter in counts.items()},
        formal=sum(1 for m in members if m.formal is True),
        informal=sum(1 for m in members if m.formal is False),
        communities=dict(sorted(communities.items())),
        member_ids=tuple(sorted(m.id for m in members)),
    )


@dataclass(frozen=True)
class Gap:
    """One target of the profile that the active members do not meet (yet)."""

    characteristic: str  # a list characteristic, formal_share, communities or voices
    value: str | None  # the missing value, or the community that needs more voices
    have: float
    need: float
    shortfall: float = field(compare=False, default=0.0)

    def as_json(self) -> dict:
        return {"characteristic": self.characteristic, "value": self.value,
                "have": self.have, "need": self.need}


def gaps(figures: Figures, targets: ProfileTargets) -> list[Gap]:
    """Every target the figures do not meet, in a stable order."""
    found: list[Gap] = []
    for name in LIST_CHARACTERISTICS:
        for value in getattr(targets, name):
            have = figures.counts[name].get(value, 0)
            if have < 1:
                found.append(Gap(name, value, have, 1, shortfall=1))
    share = figures.formal_share
    if share is None or not targets.formal_share_min <= share <= targets.formal_share_max:
        low, high = targets.formal_share_min, targets.formal_share_max
        distance = 1.0 if share is None else max(low - share, share - high, 0.0)
        found.append(Gap("formal_share", None, round(share, 3) if share is not None else 0,
                         low if share is None or share < low else high, shortfall=distance))
    reached = len(figures.communities)
    if reached < targets.min_communities:
        found.append(Gap("communities", None, reached, targets.min_communities,
                         shortfall=targets.min_communities - reached))
    for community, voices in figures.communities.items():
        if voices < targets.min_voices_per_community:
            found.append(Gap("voices", community, voices, targets.min_voices_per_community,
                             shortfall=targets.min_voices_per_community - voices))
    return found


def gaps_filled_by(candidate: MemberFacts, members: list[MemberFacts],
                   targets: ProfileTargets) -> list[Gap]:
    """The gaps this candidate would close or narrow if they became an active member."""
    before = gaps(figures_of(members), targets)
    after = {(g.characteristic, g.value): g for g in gaps(figures_of([*members, candidate]),
                                                        targets)}
    filled = []
    for gap in before:
        later = after.get((gap.characteristic, gap.value))
        if later is None or later.shortfall < gap.shortfall:
            filled.append(gap)
    return filled


@dataclass(frozen=True)
class AutoCheck:
    """The outcome of an automatic item, with the numbers that show it."""

    ok: bool
    figures: dict


def _targets_met(figures: Figures, targets: ProfileTargets | None,
                 characteristics: tuple[str, ...]) -> AutoCheck:
    if targets is None:
        return AutoCheck(False, {"reason": "no_profile"})
    missing = [g.as_json() for g in gaps(figures, targets) if g.characteristic in characteristics]
    return AutoCheck(not missing, {"missing": missing,
                                   **{name: figures.counts.get(name, {})
                                      for name in characteristics if name in figures.counts}})


def _communities(figures: Figures, targets: ProfileTargets | None) -> AutoCheck:
    if targets is None:
        return AutoCheck(False, {"reason": "no_profile"})
    return AutoCheck(len(figures.communities) >= targets.min_communities,
                     {"have": len(figures.communities), "need": targets.min_communities})


def _voices(figures: Figures, targets: ProfileTargets | None) -> AutoCheck:
    if targets is None:
        return AutoCheck(False, {"reason": "no_profile"})
    too_few = {c: v for c, v in figures.communities.items()
               if v < targets.min_voices_per_community}
    return AutoCheck(bool(figures.communities) and not too_few,
                     {"communities": figures.communities, "too_few": too_few,
                      "need": targets.min_voices_per_community})


def _formal_informal(figures: Figures, targets: ProfileTargets | None) -> AutoCheck:
    if targets is None:
        return AutoCheck(False, {"reason": "no_profile"})
    share = figures.formal_share
    ok = share is not None and figures.formal > 0 and figures.informal > 0 and \
        targets.formal_share_min <= share <= targets.formal_share_max
    return AutoCheck(ok, {"formal": figures.formal, "informal": figures.informal,
                          "share": None if share is None else round(share, 3),
                          "min": targets.formal_share_min, "max": targets.formal_share_max})


# The automatic items of the diversity checklist: rule name -> check on the active members.
DIVERSITY_RULES = {
    "diversity_sectors": lambda f, t: _targets_met(f, t, ("sectors", "organisation_types")),
    "diversity_communities": _communities,
    "diversity_voices": _voices,
    "diversity_formal_informal": _formal_informal,
    "diversity_age_gender": lambda f, t: _targets_met(f, t, ("age_bands", "genders")),
    "diversity_member_types": lambda f, t: _targets_met(f, t, ("member_types",)),
}


# --- Start small, grow slowly ----------------------------------------------------------------

class GrowthLimitReached(DomainError):
    """Activating one more member would grow the network faster than its workflow allows."""

    code = "growth-limit"
    status = 409


class NotTakingMembers(DomainError):
    """The network's stage takes no new members (paused or closed)."""

    code = "invalid-transition"
    status = 409


@dataclass(frozen=True)
class GrowthRules:
    """The limits of a workflow: the core's size and the growth per quarter, by stage."""

    max_core_size: int | None
    max_growth_per_quarter: int | None
    core_stages: tuple[str, ...]
    growth_stages: tuple[str, ...]


def quarter_of(moment: datetime) -> tuple[datetime, datetime]:
    """The calendar quarter (Europe/Amsterdam) a UTC moment falls in, as naive UTC bounds."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    local = moment.astimezone(LOCAL_ZONE)
    first_month = 3 * ((local.month - 1) // 3) + 1
    start = datetime(local.year, first_month, 1, tzinfo=LOCAL_ZONE)
    end_year, end_month = (local.year + 1, 1) if first_month == 10 else (local.year, first_month + 3)
    end = datetime(end_year, end_month, 1, tzinfo=LOCAL_ZONE)
    return (start.astimezone(timezone.utc).replace(tzinfo=None),
            end.astimezone(timezone.utc).replace(tzinfo=None))


def check_activation(stage: str, rules: GrowthRules, *, active: int,
                     activated_this_quarter: int) -> DomainError | None:
    """Why activating one more member is refused now, or None when it is allowed."""
    if stage in rules.core_stages:
        if rules.max_core_size is not None and active >= rules.max_core_size:
            return GrowthLimitReached(
                f"The small core may have at most {rules.max_core_size} members.",
                limit="max_core_size", maximum=rules.max_core_size, count=active)
        return None
    if stage in rules.growth_stages:
        if rules.max_growth_per_quarter is not None and \
                activated_this_quarter >= rules.max_growth_per_quarter:
            return GrowthLimitReached(
                f"At most {rules.max_growth_per_quarter} members may join in one quarter.",
                limit="max_growth_per_quarter", maximum=rules.max_growth_per_quarter,
                count=activated_this_quarter)
        return None
    return NotTakingMembers("In this stage the network takes no new members.", stage=stage)


# --- Sign-offs that watch the composition ----------------------------------------------------

def composition_drift(frozen_member_ids: Iterable[int], current_member_ids: Iterable[int],
                      failing_auto_items: list[str], tolerance: int) -> dict | None:
    """Why a sign-off given on a composition no longer holds, or None while it does.

    It stops holding when an automatic item of its checklist no longer holds, or when more
    members than `tolerance` joined or left since the sign-off.
    """
    changed = len(set(frozen_member_ids) ^ set(current_member_ids))
    reasons: dict = {}
    if failing_auto_items:
        reasons["auto_items_failing"] = sorted(failing_auto_items)
    if changed > tolerance:
        reasons["members_changed"] = changed
        reasons["tolerance"] = tolerance
    return reasons or None


def counts_by(values: Mapping[str, int], order: Iterable[str]) -> list[tuple[str, int]]:
    """(value, count) in the vocabulary's order, then any others; for charts and tables."""
    order = list(order)
    known = [(value, values.get(value, 0)) for value in order]
    return known + [(value, count) for value, count in values.items() if value not in order]
