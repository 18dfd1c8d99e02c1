"""The composition of a network in figures, its gaps against a profile, the diversity rules,
"start small, grow slowly" at the quarter boundary (Europe/Amsterdam) and the drift that makes a
diversity sign-off stale.

The figures and the diversity rules are checked against a plain recomputation over any set of
members Hypothesis makes up; `event()` shows which kinds of composition it reached, and the test
fails if a kind was never reached.
"""
from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from lifecycle.domain.composition import (DIVERSITY_RULES, LIST_CHARACTERISTICS, GrowthLimitReached,
                                          GrowthRules, MemberFacts, NotTakingMembers,
                                          check_activation, composition_drift, figures_of, gaps,
                                          gaps_filled_by, quarter_of)
from lifecycle.domain.profiles import ProfileTargets
from tests.unit.conftest import GOOD_MEMBERS

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
SECTORS = ("education", "sport", "youth_work", "professionals")
TYPES = {"school": "education", "sports_club": "sport", "youth_work": "youth_work",
         "faith_belief_organisation": "faith_belief"}
COMMUNITIES = ("Noord", "Oost", "West")
AGES = ("16_24", "25_39", "40_54")
GENDERS = ("woman", "man", "prefers_not_to_say")
KINDS = ("verbinder", "doener", "kritische_denker", "vertegenwoordiger")
DISTRICTS = ("Zuid", "Centrum")


def maybe(values):
    return st.one_of(st.none(), st.sampled_from(values))


@st.composite
def member_lists(draw):
    count = draw(st.integers(0, 8))
    members = []
    for number in range(1, count + 1):
        kind = draw(maybe(tuple(TYPES)))
        members.append(MemberFacts(
            id=number, sector=draw(maybe(SECTORS)), organisation_type=kind,
            organisation_sector=TYPES.get(kind),
            communities=tuple(draw(st.lists(st.sampled_from(COMMUNITIES), max_size=3,
                                            unique=True))) if kind else (),
            formal=draw(st.one_of(st.none(), st.booleans())), age_band=draw(maybe(AGES)),
            gender=draw(maybe(GENDERS)), member_type=draw(maybe(KINDS)),
            district=draw(maybe(DISTRICTS))))
    return members


@st.composite
def targets(draw):
    low = draw(st.sampled_from((0.0, 0.2, 0.4, 0.5)))
    high = draw(st.sampled_from([h for h in (0.4, 0.5, 0.8, 1.0) if h >= low]))
    subset = lambda values: tuple(draw(st.lists(st.sampled_from(values), max_size=len(values),  # noqa: E731
                                                unique=True)))
    return ProfileTargets(
        sectors=subset((*SECTORS, "faith_belief")), organisation_types=subset(tuple(TYPES)),
        member_types=subset(KINDS), age_bands=subset(AGES), genders=subset(GENDERS[:2]),
        districts=subset(DISTRICTS), formal_share_min=low, formal_share_max=high,
        min_communities=draw(st.integers(0, 4)), min_voices_per_community=draw(st.integers(1, 3)))


def plain_counts(members, characteristic):
    """Members per value, written out the long way for each characteristic."""
    counts = Counter()
    for m in members:
        if characteristic == "sectors":
            values = {m.sector, m.organisation_sector} - {None}
        else:
            values = {{"organisation_types": m.organisation_type, "member_types": m.member_type,
                       "age_bands": m.age_band, "genders": m.gender,
                       "districts": m.district}[characteristic]} - {None}
        for value in values:
            counts[value] += 1
    return dict(counts)


def plain_voices(members):
    voices = Counter()
    for m in members:
        for community in set(m.communities):
            voices[community] += 1
    return dict(voices)


def plain_rules(members, t):
    """Each diversity rule decided from scratch, as a reviewer would count on paper."""
    counted = {name: plain_counts(members, name) for name in LIST_CHARACTERISTICS}
    covered = lambda *names: all(counted[n].get(v, 0) >= 1  # noqa: E731
                                 for n in names for v in getattr(t, n))
    formal = sum(1 for m in members if m.formal is True)
    informal = sum(1 for m in members if m.formal is False)
    share_ok = formal > 0 and informal > 0 and \
        t.formal_share_min <= formal / (formal + informal) <= t.formal_share_max
    voices = plain_voices(members)
    return {
        "diversity_sectors": covered("sectors", "organisation_types"),
        "diversity_communities": len(voices) >= t.min_communities,
        "diversity_voices": bool(voices) and all(v >= t.min_voices_per_community
                                                 for v in voices.values()),
        "diversity_formal_informal": share_ok,
        "diversity_age_gender": covered("age_bands", "genders"),
        "diversity_member_types": covered("member_types"),
    }


def kinds_of(members, t) -> set[str]:
    """The kinds of composition an example is, for event() and the reach check."""
    voices = plain_voices(members)
    formal = sum(1 for m in members if m.formal is True)
    informal = sum(1 for m in members if m.formal is False)
    kinds = {"empty" if not members else "one member" if len(members) == 1 else "several members"}
    kinds.add({0: "no community", 1: "one community"}.get(len(voices), "several communities"))
    if any(v == 1 for v in voices.values()):
        kinds.add("a community with a single voice")
    if any(v >= 2 for v in voices.values()):
        kinds.add("a community with several voices")
    if formal + informal == 0:
        kinds.add("formal share unknown")
    else:
        share = formal / (formal + informal)
        kinds.add("formal share below the profile" if share < t.formal_share_min else
                  "formal share above the profile" if share > t.formal_share_max else
                  "formal share within the profile")
        if share in (t.formal_share_min, t.formal_share_max):
            kinds.add("formal share exactly on a bound")
    if all(plain_rules(members, t).values()):
        kinds.add("every diversity rule holds")
    return kinds


EXPECTED_KINDS = {
    "empty", "one member", "several members", "no community", "one community",
    "several communities", "a community with a single voice", "a community with several voices",
    "formal share unknown", "formal share below the profile", "formal share above the profile",
    "formal share within the profile", "formal share exactly on a bound",
    "every diversity rule holds",
}


def test_the_figures_and_the_diversity_rules_match_a_plain_recomputation():
    reached: set[str] = set()

    @settings(max_examples=600, deadline=None, database=None)
    @given(member_lists(), targets())
    def check(members, t):
        figures = figures_of(members)
        assert figures.active == len(members)
        for name in LIST_CHARACTERISTICS:
            assert figures.counts[name] == plain_counts(members, name), name
        assert figures.communities == plain_voices(members)
        assert figures.formal == sum(1 for m in members if m.formal is True)
        assert figures.informal == sum(1 for m in members if m.formal is False)
        known = figures.formal + figures.informal
        assert figures.formal_share == (figures.formal / known if known else None)
        assert figures.member_ids == tuple(sorted(m.id for m in members))

        expected = plain_rules(members, t)
        for rule, check_rule in DIVERSITY_RULES.items():
            assert check_rule(figures, t).ok == expected[rule], rule
            assert check_rule(figures, None).ok is False  # no profile: nothing holds
        # A gap is named exactly for each target that is not met.
        found = {(g.characteristic, g.value) for g in gaps(figures, t)}
        for name in LIST_CHARACTERISTICS:
            for value in getattr(t, name):
                assert ((name, value) in found) == (plain_counts(members, name).get(value, 0) < 1)
        assert (("communities", None) in found) == (len(plain_voices(members)) < t.min_communities)
        for community, voices in plain_voices(members).items():
            assert (("voices", community) in found) == (voices < t.min_voices_per_community)
        for kind in kinds_of(members, t):
            event(kind)
            reached.add(kind)

    check()
    assert EXPECTED_KINDS <= reached, f"never reached: {sorted(EXPECTED_KINDS - reached)}"


def test_a_member_reaches_the_communities_of_their_organisation_once():
    member = MemberFacts(1, organisation_type="school", organisation_sector="education",
                         communities=("Noord", "Noord", "Oost"))
    assert figures_of([member]).communities == {"Noord": 1, "Oost": 1}


def test_a_member_brings_in_their_own_sector_and_that_of_their_organisation():
    member = MemberFacts(1, sector="professionals", organisation_type="faith_belief_organisation",
                         organisation_sector="faith_belief")
    assert figures_of([member]).counts["sectors"] == {"faith_belief": 1, "professionals": 1}


def test_the_good_members_meet_the_neighbourhood_profile(catalogue):
    t = catalogue.profile("neighbourhood_signaling").targets
    figures = figures_of(GOOD_MEMBERS)
    assert gaps(figures, t) == []
    assert all(rule(figures, t).ok for rule in DIVERSITY_RULES.values())


def test_profile_gaps_are_named_with_what_there_is_and_what_is_needed(catalogue):
    t = catalogue.profile("neighbourhood_signaling").targets
    only_two = figures_of(GOOD_MEMBERS[:2])
    found = {(g.characteristic, g.value): (g.have, g.need) for g in gaps(only_two, t)}
    assert found[("sectors", "sport")] == (0, 1)
    assert found[("member_types", "kritische_denker")] == (0, 1)
    assert ("genders", "woman") not in found
    # Three communities are reached (Noord, Oost, West); Noord and West by one voice only.
    assert ("communities", None) not in found
    assert found[("voices", "Noord")] == (1, 2)
    assert found[("voices", "West")] == (1, 2)
    assert ("voices", "Oost") not in found  # both members' organisations reach Oost
    # One formal of two is a share of 0.5, inside 0.2..0.6.
    assert ("formal_share", None) not in found


def test_a_formal_share_outside_the_profile_is_a_gap_towards_the_nearest_bound(catalogue):
    t = catalogue.profile("neighbourhood_signaling").targets  # 0.2 .. 0.6
    all_formal = [MemberFacts(n, formal=True) for n in range(1, 4)]
    none_formal = [MemberFacts(n, formal=False) for n in range(1, 4)]
    unknown = [MemberFacts(1)]
    share_gap = lambda members: next(g for g in gaps(figures_of(members), t)  # noqa: E731
                                     if g.characteristic == "formal_share")
    assert (share_gap(all_formal).have, share_gap(all_formal).need) == (1.0, 0.6)
    assert (share_gap(none_formal).have, share_gap(none_formal).need) == (0.0, 0.2)
    assert (share_gap(unknown).have, share_gap(unknown).need) == (0, 0.2)


def test_a_candidate_fills_the_gaps_they_would_close_or_narrow(catalogue):
    t = catalogue.profile("neighbourhood_signaling").targets
    members = list(GOOD_MEMBERS[:2])  # Noord and West have one voice each, Oost two
    candidate = MemberFacts(9, "sport", "faith_belief_organisation", "faith_belief", ("Noord",),
                            None, "40_54", "woman", "kritische_denker")
    filled = {(g.characteristic, g.value) for g in gaps_filled_by(candidate, members, t)}
    assert {("sectors", "sport"), ("organisation_types", "faith_belief_organisation"),
            ("member_types", "kritische_denker"), ("age_bands", "40_54"),
            ("voices", "Noord")} <= filled
    assert ("voices", "West") not in filled  # the candidate's organisation does not reach West
    assert ("sectors", "education") not in filled  # not a gap to begin with
    assert gaps_filled_by(MemberFacts(10), members, t) == []


# --- Start small, grow slowly --------------------------------------------------------------

RULES = GrowthRules(max_core_size=12, max_growth_per_quarter=5,
                    core_stages=("orientation", "small_core"),
                    growth_stages=("expansion", "maintenance"))


def test_the_small_core_takes_members_up_to_its_maximum_and_refuses_one_more():
    assert check_activation("small_core", RULES, active=11, activated_this_quarter=11) is None
    refusal = check_activation("small_core", RULES, active=12, activated_this_quarter=0)
    assert isinstance(refusal, GrowthLimitReached)
    assert refusal.code == "growth-limit" and refusal.status == 409
    assert refusal.details == {"limit": "max_core_size", "maximum": 12, "count": 12}
    assert "12" in str(refusal)
    assert check_activation("orientation", RULES, active=12, activated_this_quarter=0)


def test_expansion_counts_the_members_that_joined_this_quarter_not_the_size():
    assert check_activation("expansion", RULES, active=40, activated_this_quarter=4) is None
    refusal = check_activation("expansion", RULES, active=6, activated_this_quarter=5)
    assert isinstance(refusal, GrowthLimitReached)
    assert refusal.details == {"limit": "max_growth_per_quarter", "maximum": 5, "count": 5}


def test_a_paused_or_closed_network_takes_no_members():
    for stage in ("paused", "closed"):
        refusal = check_activation(stage, RULES, active=0, activated_this_quarter=0)
        assert isinstance(refusal, NotTakingMembers) and refusal.code == "invalid-transition"


def test_a_workflow_without_limits_lets_members_join():
    open_rules = GrowthRules(None, None, RULES.core_stages, RULES.growth_stages)
    assert check_activation("small_core", open_rules, active=500, activated_this_quarter=0) is None
    assert check_activation("expansion", open_rules, active=5, activated_this_quarter=500) is None


UTC = timezone.utc


@pytest.mark.parametrize("last_moment_before, first_moment_in", [
    # 1 April 00:00 in Amsterdam is 31 March 22:00 UTC (summer time, CEST).
    (datetime(2027, 3, 31, 21, 59, 59), datetime(2027, 3, 31, 22, 0, 0)),
    # 1 January 00:00 in Amsterdam is 31 December 23:00 UTC (winter time, CET).
    (datetime(2026, 12, 31, 22, 59, 59), datetime(2026, 12, 31, 23, 0, 0)),
    # 1 October 00:00 is 30 September 22:00 UTC; 1 July 00:00 is 30 June 22:00 UTC.
    (datetime(2026, 9, 30, 21, 59, 59), datetime(2026, 9, 30, 22, 0, 0)),
    (datetime(2026, 6, 30, 21, 59, 59), datetime(2026, 6, 30, 22, 0, 0)),
])
def test_a_quarter_starts_at_midnight_in_amsterdam_not_in_utc(last_moment_before,
                                                              first_moment_in):
    before_start, before_end = quarter_of(last_moment_before)
    start, end = quarter_of(first_moment_in)
    assert before_end == start == first_moment_in
    assert before_start < last_moment_before < before_end
    # An aware moment gives the same quarter as the naive UTC one.
    assert quarter_of(first_moment_in.replace(tzinfo=UTC)) == (start, end)


def test_quarter_bounds_hold_for_any_moment():
    reached: set[str] = set()

    @settings(max_examples=400, deadline=None, database=None)
    @given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1)))
    def check(moment):
        start, end = quarter_of(moment)
        assert start <= moment < end
        local_start = start.replace(tzinfo=UTC).astimezone(AMSTERDAM)
        local_end = end.replace(tzinfo=UTC).astimezone(AMSTERDAM)
        local = moment.replace(tzinfo=UTC).astimezone(AMSTERDAM)
        # Plain recomputation: the local month decides the quarter, midnight on its first day.
        assert (local_start.year, local_start.month, local_start.day, local_start.hour) == \
            (local.year, 3 * ((local.month - 1) // 3) + 1, 1, 0)
        assert local_end.day == 1 and local_end.hour == 0 and local_end.month in (1, 4, 7, 10)
        if local.month != moment.month or local.year != moment.year:
            kind = "the UTC month differs from the local one"
        elif end - moment < timedelta(hours=3):
            kind = "within hours of the end"
        else:
            kind = "inside a quarter"
        event(kind)
        reached.add(kind)

    check()
    assert {"inside a quarter", "the UTC month differs from the local one"} <= reached


# --- Sign-offs that watch the composition ----------------------------------------------------

def test_a_sign_off_holds_while_the_changes_stay_within_the_tolerance():
    assert composition_drift([1, 2, 3], [1, 2, 3], [], 2) is None
    assert composition_drift([1, 2, 3], [1, 2, 4], [], 2) is None  # one left, one joined: 2


def test_a_sign_off_drifts_when_more_members_change_than_the_tolerance():
    assert composition_drift([1, 2, 3], [1, 4, 5], [], 2) == {"members_changed": 4,
                                                               "tolerance": 2}
    assert composition_drift([1, 2, 3], [], [], 2) == {"members_changed": 3, "tolerance": 2}


def test_a_sign_off_drifts_at_once_when_an_automatic_item_fails():
    assert composition_drift([1, 2], [1, 2], ["diversity.voices_per_community"], 5) == {
        "auto_items_failing": ["diversity.voices_per_community"]}
    both = composition_drift([1], [2, 3, 4], ["b", "a"], 0)
    assert both == {"auto_items_failing": ["a", "b"], "members_changed": 4, "tolerance": 0}
