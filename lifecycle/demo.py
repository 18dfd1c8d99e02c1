"""Realistic demo data: two municipalities, their people, and networks at every stage.

Everything goes through the real services, one write transaction per step as the web app would
do it, so the audit trail is genuine and verifies. Each step carries its own moment (`now=`),
spread over the past eighteen months on working days; the steps of all networks are run in time
order, so every hash chain only moves forward in time.

The people, places and texts are fictional but follow the ESS article on key-figure networks.
As in real use, no text names a person of concern or records anyone's faith or origin:
composition is described per organisation and sector, signals per theme.
"""
from __future__ import annotations

import itertools
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, Callable

from babel.dates import format_date
from sqlalchemy import func, select

from . import demo_exchange as exchange
from .demo_exchange import MEETING_AGENDAS, core_meetings
from .demo_people import Kit, PersonSpec, kit_for
from .domain.composition import quarter_of
from .domain.errors import DomainError, FourEyesViolation, GateBlocked
from .extensions import db
from .models import AuditRecord, Member, Municipality, Network, User
from .services.accounts import authenticate, create_user
from .services.attention import record_overdue
from .services.checklists import approve_item, reject_item, revoke_signoff, submit_evidence
from .services.composition import member_states
from .services.feedback import hand_to_policy, record_answer, share_briefing
from .services.lifecycle import advance_network
from .services.meetings import create_meeting
from .services.networks import create_network, update_network
from .services.registers import (create_member, create_organisation, set_network_profile,
                                 starting_profiles, take_member_step, update_organisation)
from .services.signals import record_signal, take_signal_step, update_signal
from .services.uow import write_transaction
from .services.workflows import catalogue, latest_workflow

DEMO_PASSWORD = "voelspriet-demo"
WORKFLOW = "network-lifecycle"
HISTORY_DAYS = 540  # about eighteen months
CLI_ORIGIN = "cli"  # the audit origin of what the operator does at the command line


@dataclass(frozen=True)
class DemoAccount:
    key: str
    email: str
    name: str
    municipality: str
    roles: tuple[str, ...]
    # The workstation address the audit trail shows for this person (RFC 5737 example ranges).
    origin: str


DEMO_ACCOUNTS: tuple[DemoAccount, ...] = (
    DemoAccount("ilse", "ilse.verstappen@venlo.example.nl", "Ilse Verstappen", "Venlo",
                ("admin",), "192.0.2.10"),
    DemoAccount("sanne", "sanne.hermans@venlo.example.nl", "Sanne Hermans", "Venlo",
                ("lead",), "192.0.2.21"),
    DemoAccount("youssef", "youssef.elidrissi@venlo.example.nl", "Youssef El Idrissi", "Venlo",
                ("lead", "reviewer"), "192.0.2.22"),
    DemoAccount("marieke", "marieke.peeters@venlo.example.nl", "Marieke Peeters", "Venlo",
                ("reviewer",), "192.0.2.31"),
    DemoAccount("ruud", "ruud.janssen@venlo.example.nl", "Ruud Janssen", "Venlo",
                ("auditor",), "192.0.2.41"),
    DemoAccount("noor", "noor.bakker@amersfoort.example.nl", "Noor Bakker", "Amersfoort",
                ("admin",), "198.51.100.10"),
    DemoAccount("daan", "daan.devries@amersfoort.example.nl", "Daan de Vries", "Amersfoort",
                ("lead",), "198.51.100.21"),
    DemoAccount("fatma", "fatma.yildiz@amersfoort.example.nl", "Fatma Yıldız", "Amersfoort",
                ("reviewer",), "198.51.100.31"),
    DemoAccount("henk", "henk.vandijk@amersfoort.example.nl", "Henk van Dijk", "Amersfoort",
                ("auditor",), "198.51.100.41"),
)
ACCOUNTS_BY_KEY = {account.key: account for account in DEMO_ACCOUNTS}


def database_has_users() -> bool:
    return db.session.scalar(select(func.count()).select_from(User)) > 0


def demo_accounts_present() -> bool:
    emails = [account.email for account in DEMO_ACCOUNTS]
    found = db.session.scalar(select(func.count()).select_from(User).where(User.email.in_(emails)))
    return found == len(emails)


def dutch_date(day: date) -> str:
    return format_date(day, format="long", locale="nl")


# Evidence per checklist item. `{today}` and `{valid_until}` come from the step's own moment;
# the other fields from the network's context below.
EVIDENCE: dict[str, str] = {
    "orientation.problem_goal": (
        "Vraagstuk: {problem} Doel: {aim} Het netwerk is de voelspriet van de gemeente: "
        "signalen komen vroeg binnen, spanningen kunnen samen worden gekalmeerd en de "
        "gemeente krijgt input voor beleid."),
    "orientation.stakeholders_mapped": (
        "Krachtenveldanalyse gemaakt met {stakeholders}. Per partij staat erin wie formeel "
        "bestuurt, wie informeel gezag heeft en hoe de partijen zich tot elkaar en tot de "
        "gemeente verhouden. Aandachtspunt: {power_note}"),
    "orientation.boards_approached": (
        "Besturen benaderd: {boards}. Met elk bestuur is een kennismakingsgesprek gevoerd; de "
        "besturen dragen zelf kandidaten voor, zodat we niet alleen met losse personen spreken."),
    "mandate.sponsor_named": (
        "Bestuurlijk opdrachtgever is {sponsor}. Afgestemd in het portefeuillehoudersoverleg "
        "van {today}."),
    "mandate.decision_recorded": (
        "Besluit van {body} van {today}, kenmerk {reference}, geldig tot {valid_until}. Het "
        "mandaat omvat het opzetten en onderhouden van het netwerk en het delen van signalen "
        "op themaniveau, nooit over personen."),
    "mandate.roles_described": (
        "De gemeente faciliteert, zit de bijeenkomsten voor via de projectleider en koppelt "
        "terug wat er met signalen gebeurt. Leden denken mee, signaleren en bemiddelen vanuit "
        "hun eigen rol; zij spreken niet namens de gemeente en de gemeente niet namens hen."),
    "mandate.resources_settled": (
        "Budget: {budget} per jaar voor zaalhuur, bijeenkomsten en een jaarlijkse training. "
        "Vast aanspreekpunt: {contact}."),
    "church_state.public_purpose": (
        "Het doel is openbaar en niet-religieus: {public_purpose} Vastgelegd in de "
        "startnotitie."),
    "church_state.no_faith_content": (
        "De gemeente spreekt met organisaties over maatschappelijke vraagstukken, niet over "
        "geloofsinhoud of interne religieuze zaken. Dit staat in de huisregels en de "
        "projectleider licht het toe aan elke nieuwe deelnemer."),
    "church_state.equal_treatment": (
        "Uitgenodigd: {faith_orgs}. Alle religieuze en levensbeschouwelijke organisaties in het "
        "gebied kregen dezelfde uitnodiging en dezelfde informatie; de verzendlijst is "
        "opgenomen in het dossier."),
    "church_state.general_interest_funding": (
        "Er gaat geen geld naar religieuze activiteiten. Bijdragen alleen voor activiteiten van "
        "algemeen belang, zoals {funded_activity}, open voor alle inwoners."),
    "church_state.members_briefed": (
        "Op de bijeenkomst van {today} is het principe van scheiding van kerk en staat "
        "toegelicht, met voorbeelden van wat wel en niet kan. Alle leden ontvingen de notitie."),
    "core_functioning.house_rules": (
        "Huisregels vastgesteld in de eerste kernbijeenkomst: we staan open voor elkaars "
        "mening; niemand doet aan belangenbehartiging voor de eigen groep; wat in het netwerk "
        "gedeeld wordt blijft vertrouwelijk en heeft geen directe gevolgen (veilige omgeving); "
        "en we respecteren de scheiding van kerk en staat."),
    "core_functioning.core_meetings": (
        "{meetings} kernbijeenkomsten gehouden. Onderwerpen: {meeting_topics}."),
    "core_functioning.core_evaluated": "Evaluatie met de kernleden op {today}: {evaluation}",
    "diversity.fits_goal": (
        "De spreiding past bij het doel: de leden komen uit {sector_spread} en via hun "
        "organisaties bereiken we {communities}, met steeds meer dan één stem per "
        "gemeenschap. Formeel: {formal}. Informeel: {informal}. De cijfers staan bij de "
        "automatische punten."),
    "maintenance_plan.cadence": (
        "Het netwerk komt {cadence} bij elkaar, ook als er niets speelt, zodat het contact "
        "tussen incidenten door levend blijft."),
    "maintenance_plan.contact_person": (
        "Vast aanspreekpunt voor de leden: {contact}; bij afwezigheid neemt de "
        "beleidsadviseur veiligheid waar."),
    "maintenance_plan.feedback_loop": (
        "Signalen gaan op themaniveau naar {signal_receiver}. Binnen zes weken hoort het "
        "netwerk wat ermee is gedaan; dat is een vast agendapunt."),
    "maintenance_plan.annual_review": (
        "Jaarlijkse evaluatie gepland in {review_month}, samen met de bestuurlijk opdrachtgever "
        "en een afvaardiging van de leden."),
}

APPROVAL_COMMENTS = (
    "Akkoord.",
    "Akkoord, helder onderbouwd.",
    "Akkoord; sluit aan bij de startnotitie.",
    "Akkoord. Goed dat dit schriftelijk is vastgelegd.",
    "Akkoord, gecontroleerd in het dossier.",
)

COMMON_CONTEXT = {
    "sponsor": "de burgemeester (portefeuille openbare orde en veiligheid)",
    "body": "het college van burgemeester en wethouders",
    "budget": "€ 12.500",
    "public_purpose": ("sociale stabiliteit en een veilige, verbonden wijk voor alle "
                       "inwoners, ongeacht hun achtergrond of overtuiging."),
    "funded_activity": "een wijkdialoog en een training over omgaan met polarisatie",
    "meetings": "Vier",
    "meeting_topics": ("kennismaking en huisregels, het beeld van de wijk, omgaan met "
                       "spanningen op sociale media, en een casusbespreking op themaniveau"),
    "evaluation": ("de leden voelen zich vrij om te spreken en zien meerwaarde; wens is "
                   "om jongeren en ondernemers toe te voegen."),
    "size": "elf",
    "gender_spread": "zes vrouwen en vijf mannen",
    "connectors": "onder wie de jongerenwerker en een buurtvader",
    "cadence": "elke zes weken",
    "cadence_weeks": "6",
    "signal_receiver": ("het driehoeksoverleg veiligheid en de beleidsadviseur sociaal "
                        "domein"),
    "review_month": "september",
    "review_month_number": "9",
    "intake_outcome": "De groep past bij het doel; twee kandidaten schuiven later aan.",
}


@dataclass(order=True)
class _Step:
    at: datetime
    order: int
    run: Callable[[datetime], None] = field(compare=False)
    what: str = field(compare=False, default="")


class _Script:
    """Collects the steps of every story, then runs them in time order."""

    def __init__(self, start: date, seed: int = 2024) -> None:
        self.start = start
        self.rng = random.Random(seed)  # fixed: the same demo every time, apart from dates
        self.steps: list[_Step] = []
        self.order = itertools.count()
        self.users: dict[str, int] = {}
        self.networks: dict[str, int] = {}
        self.organisations: dict[tuple[str, str], int] = {}
        self.members: dict[tuple[str, str], int] = {}
        self.signals: dict[tuple[str, str], int] = {}
        self.inputs: dict[tuple[str, str], int] = {}
        self.agreements: dict[tuple[str, str], list[int]] = {}
        self.final_steps: list[Callable[[], None]] = []

    def working_moment(self, day_offset: int) -> datetime:
        day = self.start + timedelta(days=day_offset)
        while day.weekday() >= 5:  # nobody signs off on a Sunday in the demo
            day += timedelta(days=1)
        return datetime.combine(day, time(self.rng.randint(7, 15), self.rng.randint(0, 59)))

    def add(self, at: datetime, run: Callable[[datetime], None], what: str) -> None:
        self.steps.append(_Step(at, next(self.order), run, what))

    def user(self, key: str) -> User:
        return db.session.get(User, self.users[key])

    def add_today(self, run: Callable[[], None]) -> None:
        """A step for the very end: refused attempts are stamped with the real clock."""
        self.final_steps.append(run)

    def run(self, latest_allowed: datetime) -> None:
        steps = sorted(self.steps)
        if steps and steps[-1].at >= latest_allowed:
            raise RuntimeError(f"demo step '{steps[-1].what}' would lie in the future "
                               f"({steps[-1].at:%Y-%m-%d}, after {latest_allowed:%Y-%m-%d})")
        for step in steps:
            step.run(step.at)
        for final_step in self.final_steps:
            final_step()


def _expect_refusal(error: type[DomainError], action: Callable[[], Any]) -> None:
    """Run a step that a rule must refuse; the refusal itself lands in the audit trail."""
    try:
        with write_transaction():
            action()
    except error:
        return
    raise RuntimeError("a demo step that should have been refused went through")


class _Story:
    """One network's life: each step happens some working days after the previous one."""

    def __init__(self, script: _Script, key: str, *, lead: str, reviewer: str, day: int,
                 fields: dict[str, Any], context: dict[str, str]) -> None:
        self.script, self.key, self.lead, self.reviewer = script, key, lead, reviewer
        self.context = {**COMMON_CONTEXT, **context}
        self.cursor = script.working_moment(day)
        self.last_join: datetime | None = None  # when the last member was activated
        self.meeting_moments: dict[str, datetime] = {}
        self.definition = latest_workflow(WORKFLOW)
        creator = lead

        def create(at: datetime) -> None:
            user = script.user(creator)
            with write_transaction():
                network = create_network(user, dict(fields), origin=self._origin(creator), now=at)
            script.networks[key] = network.id

        script.add(self.cursor, create, f"{key}: create")

    def _origin(self, user_key: str) -> str:
        return ACCOUNTS_BY_KEY[user_key].origin

    def _next(self, days: int) -> datetime:
        if days <= 0:
            self.cursor += timedelta(minutes=self.script.rng.randint(3, 25))
        else:
            later = self.script.working_moment((self.cursor.date() - self.script.start).days
                                               + days)
            self.cursor = max(later, self.cursor + timedelta(minutes=5))
        return self.cursor

    def _network_id(self) -> int:
        return self.script.networks[self.key]

    def _mandate_valid_until(self, at: datetime) -> date:
        """Four years by default; a network may have a shorter mandate (`mandate_days`)."""
        if "mandate_days" in self.context:
            return at.date() + timedelta(days=int(self.context["mandate_days"]))
        return date(at.year + 4, 12, 31)

    def text(self, item_id: str, at: datetime) -> str:
        return EVIDENCE[item_id].format(
            today=dutch_date(at.date()),
            valid_until=dutch_date(self._mandate_valid_until(at)), **self.context)

    def details(self, item_id: str, at: datetime) -> dict[str, Any] | None:
        """The structured data an item records with its evidence (see `records:`)."""
        kind = self.definition.item(item_id).records
        if kind == "mandate_decision":
            return {"body": self.context["body"], "decided_on": at.date(),
                    "reference": self.context["reference"],
                    "valid_until": self._mandate_valid_until(at)}
        if kind == "meeting_cadence":
            return {"every_weeks": int(self.context["cadence_weeks"])}
        if kind == "annual_review":
            month = int(self.context["review_month_number"])
            year = at.year if at.month < month else at.year + 1
            return {"review_on": date(year, month, 15)}
        return None

    def submit(self, item_id: str, *, days: int = 1, text: str | None = None,
               links: list[str] | None = None) -> "_Story":
        lead = self.lead

        def step(at: datetime) -> None:
            with write_transaction():
                submit_evidence(self.script.user(lead), self._network_id(), item_id,
                                text or self.text(item_id, at), links,
                                details=self.details(item_id, at),
                                origin=self._origin(lead), now=at)

        self.script.add(self._next(days), step, f"{self.key}: submit {item_id}")
        return self

    def approve(self, item_id: str, *, days: int = 1, comment: str | None = None) -> "_Story":
        reviewer = self.reviewer
        comment = comment or self.script.rng.choice(APPROVAL_COMMENTS)

        def step(at: datetime) -> None:
            with write_transaction():
                approve_item(self.script.user(reviewer), self._network_id(), item_id, comment,
                             origin=self._origin(reviewer), now=at)

        self.script.add(self._next(days), step, f"{self.key}: approve {item_id}")
        return self

    def reject(self, item_id: str, comment: str, *, days: int = 1) -> "_Story":
        reviewer = self.reviewer

        def step(at: datetime) -> None:
            with write_transaction():
                reject_item(self.script.user(reviewer), self._network_id(), item_id, comment,
                            origin=self._origin(reviewer), now=at)

        self.script.add(self._next(days), step, f"{self.key}: reject {item_id}")
        return self

    def revoke(self, item_id: str, reason: str, *, days: int = 1) -> "_Story":
        reviewer = self.reviewer

        def step(at: datetime) -> None:
            with write_transaction():
                revoke_signoff(self.script.user(reviewer), self._network_id(), item_id, reason,
                               origin=self._origin(reviewer), now=at)

        self.script.add(self._next(days), step, f"{self.key}: revoke {item_id}")
        return self

    def sign(self, *checklist_ids: str, pace: int = 3, skip: tuple[str, ...] = ()) -> "_Story":
        """Submit and approve every sign-off item of these checklists, at a working pace."""
        for checklist_id in checklist_ids:
            for item in self.definition.checklist(checklist_id).items:
                if not item.needs_signoff or item.id in skip:
                    continue
                self.submit(item.id, days=self.script.rng.randint(1, pace))
                self.approve(item.id, days=self.script.rng.randint(1, pace))
        return self

    def fire(self, trigger: str, reason: str | None = None, *, days: int = 2) -> "_Story":
        lead = self.lead

        def step(at: datetime) -> None:
            with write_transaction():
                advance_network(self.script.user(lead), self._network_id(), trigger, reason,
                                origin=self._origin(lead), now=at)

        self.script.add(self._next(days), step, f"{self.key}: fire {trigger}")
        return self

    # The unit of work records a refusal with the real clock, whatever `now` the service got,
    # so refused attempts are played last, "today", to keep every chain in time order.

    def try_fire_today(self, trigger: str) -> "_Story":
        """The lead tries a step whose gate is still shut; the refusal is recorded."""
        lead = self.lead
        self.script.add_today(lambda: _expect_refusal(GateBlocked, lambda: advance_network(
            self.script.user(lead), self._network_id(), trigger, origin=self._origin(lead))))
        return self

    def try_approve_today(self, user_key: str, item_id: str) -> "_Story":
        """Someone who may not sign off this item tries anyway (four-eyes); it is recorded."""
        self.script.add_today(lambda: _expect_refusal(FourEyesViolation, lambda: approve_item(
            self.script.user(user_key), self._network_id(), item_id, "Akkoord.",
            origin=self._origin(user_key))))
        return self

    def edit(self, data: dict[str, Any], *, by: str | None = None, days: int = 1) -> "_Story":
        editor = by or self.lead

        def step(at: datetime) -> None:
            with write_transaction():
                update_network(self.script.user(editor), self._network_id(), dict(data),
                               origin=self._origin(editor), now=at)

        self.script.add(self._next(days), step, f"{self.key}: edit")
        return self

    # --- Composition: organisations, people, their pipeline and the profile ----------------

    def _later_step(self, run, what: str, days: int) -> None:
        self.script.add(self._next(days), run, f"{self.key}: {what}")

    def compose(self, kit: Kit, *, profile: str, districts: list[str] | None = None,
                pace: int = 2, intakes: int | None = None) -> "_Story":
        """Map the organisations (approaching their boards), hold the intakes, pick a profile."""
        lead = self.lead
        self.kit = kit
        for spec in kit.organisations:
            def create(at: datetime, spec=spec) -> None:
                with write_transaction():
                    organisation = create_organisation(
                        self.script.user(lead), self._network_id(),
                        {"name": spec.name, "type": spec.type, "district": spec.district,
                         "communities": list(spec.communities), "influence": spec.influence,
                         "involvement": spec.involvement}, origin=self._origin(lead), now=at)
                self.script.organisations[(self.key, spec.name)] = organisation.id
            self._later_step(create, f"organisation {spec.name}", self.script.rng.randint(1, pace))
        for spec in kit.organisations:
            if not spec.board_approached:
                continue

            def approach(at: datetime, spec=spec) -> None:
                with write_transaction():
                    update_organisation(
                        self.script.user(lead), self._network_id(),
                        self.script.organisations[(self.key, spec.name)],
                        {"board_approached_on": at.date(),
                         "board_outcome": self.script.rng.choice(("willing", "willing",
                                                                  "hesitant"))},
                        origin=self._origin(lead), now=at)
            self._later_step(approach, f"board of {spec.name}", self.script.rng.randint(1, pace))
        people = [*kit.core, *kit.later, *kit.waiting]
        for number, spec in enumerate(people):
            self._add_person(spec, intake=intakes is None or number < intakes, pace=pace)

        def choose(at: datetime) -> None:
            targets = None
            if districts:
                chosen = next(p for p in starting_profiles() if p.id == profile)
                targets = {**chosen.targets.as_json(), "districts": districts}
            with write_transaction():
                set_network_profile(self.script.user(lead), self._network_id(), profile,
                                    targets, origin=self._origin(lead), now=at)
        self._later_step(choose, "profile", 1)
        return self

    def _person_id(self, spec: PersonSpec) -> int:
        return self.script.members[(self.key, spec.name)]

    def _add_person(self, spec: PersonSpec, *, intake: bool, pace: int) -> None:
        lead = self.lead
        organisation = self.kit.organisations[spec.organisation] \
            if spec.organisation is not None else None

        def create(at: datetime) -> None:
            data = {"name": spec.name, "sector": spec.sector, "age_band": spec.age_band,
                    "gender": spec.gender, "formal": spec.formal,
                    "member_type": spec.member_type, "district": spec.district,
                    "email": spec.name.lower().replace(" ", ".") + "@voorbeeld.nl"}
            if organisation is not None:
                data["organisation_id"] = self.script.organisations[(self.key,
                                                                      organisation.name)]
            with write_transaction():
                member = create_member(self.script.user(lead), self._network_id(), data,
                                       origin=self._origin(lead), now=at)
            self.script.members[(self.key, spec.name)] = member.id
        self._later_step(create, f"person {spec.name}", self.script.rng.randint(0, pace))
        if spec.target == "candidate" or not intake:
            return
        outcome = "not_now" if spec.target == "declined" else "suitable"
        self._member_step(spec, "record_intake", {
            "intake_outcome": outcome,
            "house_rules": ["openness", "no_lobbying", "safe_setting", "church_state"]},
            days=self.script.rng.randint(1, pace))
        if spec.target == "declined":
            self._member_step(spec, "decline", {"reason": (
                "Wil er nu geen tijd in steken; mag over een jaar opnieuw benaderd worden.")},
                days=2)
        elif spec.target == "invited":
            self._member_step(spec, "invite", days=2)

    def _member_step(self, spec: PersonSpec, step: str, data: dict | None = None, *,
                     days: int = 1) -> None:
        lead = self.lead

        def run(at: datetime) -> None:
            with write_transaction():
                take_member_step(self.script.user(lead), self._network_id(),
                                 self._person_id(spec), step, dict(data or {}),
                                 origin=self._origin(lead), now=at)
        self._later_step(run, f"{step} {spec.name}", days)
        if step == "activate":
            self.last_join = self.cursor

    def activate_core(self, *, pace: int = 1) -> "_Story":
        """Invite and activate the core, and the people who will later leave or step back."""
        for spec in [*self.kit.core, *[p for p in self.kit.waiting
                                       if p.target in ("inactive", "left")]]:
            self._member_step(spec, "invite", days=self.script.rng.randint(0, pace))
            self._member_step(spec, "activate", days=self.script.rng.randint(1, pace))
        return self

    def step_back(self, *, days: int = 20) -> "_Story":
        """The people meant to step back do: one becomes inactive, one leaves."""
        for spec in self.kit.waiting:
            if spec.target == "inactive":
                self._member_step(spec, "deactivate", days=days)
            elif spec.target == "left":
                self._member_step(spec, "leave", {"reason": (
                    "Verhuisd naar een andere stad; bedankt voor de inzet.")}, days=days)
        return self

    def grow(self, *, pace: int = 12) -> "_Story":
        """Activate the people added during expansion, slowly: the first of them in a later
        quarter than the core's last activation, since the core already used up the growth
        of its own quarter (the limit counts everyone who joined in the quarter)."""
        for number, spec in enumerate(self.kit.later):
            days = self.script.rng.randint(1, pace)
            if number == 0 and self.last_join is not None:
                first = self.cursor + timedelta(days=days)
                _start, quarter_end = quarter_of(self.last_join)
                if first < quarter_end:
                    days += (quarter_end - first).days + 2
            self._member_step(spec, "invite", days=days)
            self._member_step(spec, "activate", days=self.script.rng.randint(1, 3))
        return self

    def reassign(self, new_lead: str, *, admin: str, days: int = 1) -> "_Story":
        def step(at: datetime) -> None:
            with write_transaction():
                update_network(self.script.user(admin), self._network_id(),
                               {"lead_id": self.script.users[new_lead]},
                               origin=self._origin(admin), now=at)

        self.script.add(self._next(days), step, f"{self.key}: reassign")
        self.lead = new_lead
        return self


    # --- Maintenance: meetings, signals, the feedback loop ------------------------------------

    def _attendees(self, at: datetime, size: int | None, quiet: tuple[str, ...]) -> list[int]:
        """The members active at that moment, without the quiet ones, some of them absent."""
        quiet_ids = {self.script.members[(self.key, name)] for name in quiet
                     if (self.key, name) in self.script.members}
        active = [member_id for member_id in db.session.scalars(
            select(Member.id).where(Member.network_id == self._network_id(),
                                    Member.status.in_(member_states())).order_by(Member.id))
            if member_id not in quiet_ids]
        if size is None or size >= len(active):
            return active
        return sorted(self.script.rng.sample(active, size))

    def _log_meeting(self, at: datetime, form: str, topics: list[str], notes: str,
                     size: int | None, quiet: tuple[str, ...],
                     agreements: list[tuple[str, int]], label: str | None) -> None:
        lead = self.lead
        data = {"held_on": at.date(), "form": form, "topics": topics, "notes": notes,
                "attendee_ids": self._attendees(at, size, quiet),
                "agreements": [{"text": text, "owner_member_id": None,
                                "due_on": at.date() + timedelta(days=due_days)}
                               for text, due_days in agreements]}
        with write_transaction():
            meeting = create_meeting(self.script.user(lead), self._network_id(), data,
                                     origin=self._origin(lead), now=at)
        if label:
            self.script.agreements[(self.key, label)] = [a.id for a in meeting.agreements]

    def meet(self, form: str, topics: list[str], notes: str, *, days: int = 14,
             size: int | None = None, agreements: list[tuple[str, int]] = (),
             label: str | None = None) -> "_Story":
        """A meeting in the story's own order (the core meetings before the next gate)."""
        self._later_step(lambda at: self._log_meeting(at, form, topics, notes, size, (),
                                                      list(agreements), label),
                         f"meeting {form}", days)
        if label:
            self.meeting_moments[label] = self.cursor
        return self

    def keep_meeting(self, every_weeks: int, *, until_day: int, form: str = "plenary",
                     size: int | None = None, quiet: tuple[str, ...] = ()) -> "_Story":
        """Meetings at the network's rhythm from here to `until_day`, between the story's own
        steps (the cursor stays where it is). `quiet` members never come: they end up on the
        attention list once they have not been heard from for months."""
        day = (self.cursor.date() - self.script.start).days + every_weeks * 7
        number = 0
        while day < until_day:
            topics, notes = MEETING_AGENDAS[number % len(MEETING_AGENDAS)]
            at = self.script.working_moment(day)
            self.script.add(at, lambda at, topics=topics, notes=notes: self._log_meeting(
                at, form, list(topics), notes, size, quiet, [], None),
                f"{self.key}: rhythm meeting")
            day += every_weeks * 7
            number += 1
        return self

    def signal(self, day: int, theme: str, urgency: str, description: str, *,
               district: str | None = None, source: str | None = None,
               steps: tuple[tuple[str, int, dict], ...] = (), deeper: str | None = None,
               to_policy: tuple | None = None) -> "_Story":
        """A signal on `day`, then its steps some working days later; optionally handed to
        policy: (after days, summary, recipient, due in days, answered after days or None,
        answer)."""
        lead, label = self.lead, f"signal {day} {theme}"
        at = self.script.working_moment(day)

        def record(at: datetime) -> None:
            data = {"reported_on": at.date(), "theme": theme, "urgency": urgency,
                    "description": description, "district": district,
                    "source_member_id": self.script.members[(self.key, source)]
                    if source else None}
            with write_transaction():
                signal = record_signal(self.script.user(lead), self._network_id(), data,
                                       origin=self._origin(lead), now=at)
            self.script.signals[(self.key, label)] = signal.id
        self.script.add(at, record, f"{self.key}: {label}")
        moment = at
        for step, after, data in steps:
            moment = max(self.script.working_moment(day + after), moment + timedelta(minutes=9))

            def take(at: datetime, step=step, data=data) -> None:
                with write_transaction():
                    take_signal_step(self.script.user(lead), self._network_id(),
                                     self.script.signals[(self.key, label)], step, dict(data),
                                     origin=self._origin(lead), now=at)
            self.script.add(moment, take, f"{self.key}: {label} {step}")
        if deeper:
            def link(at: datetime) -> None:
                with write_transaction():
                    update_signal(self.script.user(lead), self._network_id(),
                                  self.script.signals[(self.key, label)],
                                  {"deeper_theme": deeper}, origin=self._origin(lead), now=at)
            self.script.add(moment + timedelta(minutes=7), link, f"{self.key}: {label} deeper")
        if to_policy:
            self._to_policy(day, to_policy, at, signal_label=label)
        return self

    def _to_policy(self, day: int, plan: tuple, not_before: datetime, *,
                   signal_label: str | None = None, agreement_label: str | None = None) -> None:
        after, summary, recipient, due_days, answered_after, answer = plan
        lead = self.lead
        key = f"input {day} {signal_label or agreement_label}"

        def hand(at: datetime) -> None:
            data = {"summary": summary, "recipient": recipient,
                    "due_on": at.date() + timedelta(days=due_days)}
            if signal_label:
                data["signal_id"] = self.script.signals[(self.key, signal_label)]
            else:
                data["agreement_id"] = self.script.agreements[(self.key, agreement_label)][0]
            with write_transaction():
                item = hand_to_policy(self.script.user(lead), self._network_id(), data,
                                      origin=self._origin(lead), now=at)
            self.script.inputs[(self.key, key)] = item.id
        handed_at = max(self.script.working_moment(day + after), not_before) + timedelta(hours=1)
        self.script.add(handed_at, hand, f"{self.key}: {key}")
        if answered_after is None:
            return

        def answer_it(at: datetime) -> None:
            with write_transaction():
                record_answer(self.script.user(lead), self._network_id(),
                              self.script.inputs[(self.key, key)], {"answer": answer},
                              origin=self._origin(lead), now=at)
        answered_at = max(self.script.working_moment(day + after + answered_after),
                          handed_at) + timedelta(hours=1)
        self.script.add(answered_at, answer_it, f"{self.key}: {key} answered")

    def agreement_to_policy(self, label: str, plan: tuple) -> "_Story":
        """Hand the first agreement of the meeting called `label` to policy, `plan[0]` days
        after the meeting."""
        held_at = self.meeting_moments[label]
        self._to_policy((held_at.date() - self.script.start).days, plan, held_at,
                        agreement_label=label)
        return self

    def brief(self, day: int, kind: str, title: str, summary: str) -> "_Story":
        """Information shared with the members on `day`."""
        lead = self.lead

        def share(at: datetime) -> None:
            with write_transaction():
                share_briefing(self.script.user(lead), self._network_id(),
                               {"kind": kind, "title": title, "summary": summary,
                                "shared_on": at.date()}, origin=self._origin(lead), now=at)
        self.script.add(self.script.working_moment(day), share, f"{self.key}: briefing")
        return self


def _kit(profile_id: str, organisation_names: dict[str, str], communities: tuple[str, ...],
         districts: tuple[str, ...], *, offset: int, later: int = 0,
         with_leavers: bool = False) -> Kit:
    """A register for one demo network that meets its starting profile (see demo_people)."""
    definitions = catalogue()
    return kit_for(definitions.profile(profile_id).targets, definitions.vocabularies,
                   organisation_names=organisation_names, communities=communities,
                   districts=districts, name_offset=offset, later=later,
                   with_leavers=with_leavers)


def _accounts(script: _Script) -> None:
    """The operator creates each municipality's administrator; they create their colleagues."""
    first_morning = script.working_moment(0)
    for number, account in enumerate(DEMO_ACCOUNTS):
        admin_key = next(a.key for a in DEMO_ACCOUNTS
                         if a.municipality == account.municipality and "admin" in a.roles)
        is_admin = account.key == admin_key
        # Administrators first, then (an hour later) the colleagues they create.
        at = first_morning + timedelta(minutes=number * 4 + (0 if is_admin else 60))

        def step(at: datetime, account=account, admin_key=admin_key, is_admin=is_admin) -> None:
            with write_transaction():
                user = create_user(
                    email=account.email, name=account.name,
                    municipality_name=account.municipality, roles=list(account.roles),
                    password=DEMO_PASSWORD,
                    created_by=None if is_admin else script.user(admin_key),
                    origin=CLI_ORIGIN if is_admin else ACCOUNTS_BY_KEY[admin_key].origin,
                    now=at)
            script.users[account.key] = user.id

        script.add(at, step, f"account {account.key}")


def _login(script: _Script, key: str, day: int, *, mistyped_first: bool = False) -> None:
    account = ACCOUNTS_BY_KEY[key]

    def step(at: datetime) -> None:
        if mistyped_first:
            with write_transaction():
                authenticate(account.email, DEMO_PASSWORD.upper(), origin=account.origin,
                             now=at - timedelta(seconds=40))
        with write_transaction():
            authenticate(account.email, DEMO_PASSWORD, origin=account.origin, now=at)

    script.add(script.working_moment(day), step, f"login {key}")


def _venlo(script: _Script) -> None:
    venlo = {
        "contact": "de gebiedsregisseur van het stadsdeel",
        "reference": "B&W-2024-0117",
        "faith_orgs": ("de twee moskeebesturen in het stadsdeel, de protestantse gemeente, de "
                       "parochie, de humanistische afdeling en de Syrisch-orthodoxe kerk"),
    }

    oost = _Story(script, "venlo_oost", lead="sanne", reviewer="marieke", day=6, fields={
        "name": "Sleutelfigurennetwerk Venlo-Oost",
        "goal": ("Spanningen en polarisatie in Venlo-Oost vroeg opmerken en samen met "
                 "sleutelfiguren de rust bewaren; de gemeente krijgt input uit de wijk voor "
                 "het veiligheids- en sociaal beleid."),
        "form": "structural",
        "form_justification": ("Een vast netwerk, omdat vertrouwen in de wijk jaren kost en "
                               "het contact ook tussen incidenten door moet blijven bestaan."),
        "level": "group",
        "roles": ["policy", "mediation", "prevention", "signaling"],
    }, context={**venlo,
                "problem": ("In Venlo-Oost lopen discussies over overlast en afval steeds vaker "
                            "uit op verwijten tussen groepen; online worden jongeren "
                            "opgezet tegen de overheid."),
                "aim": ("Een divers netwerk van sleutelfiguren dat spanningen vroeg ziet, "
                        "helpt kalmeren en meedenkt over beleid."),
                "stakeholders": ("de wijkraad, twee moskeebesturen, de protestantse gemeente, "
                                 "de parochie, voetbalclub VV Oost, twee basisscholen, het "
                                 "jongerenwerk en de ondernemersvereniging"),
                "power_note": ("de wijkraad spreekt vooral namens oudere bewoners; jongeren "
                               "en vrouwen bereiken we via het jongerenwerk en de scholen."),
                "boards": ("de besturen van beide moskeeën, de kerkenraad, de parochie, "
                           "VV Oost en de ondernemersvereniging"),
                "intakes": "Veertien",
                "sectors": ("onderwijs, sport, geloofs- en levensbeschouwelijke organisaties, "
                            "jongerenwerk, ouders en ondernemers"),
                "sector_spread": ("onderwijs (2), sport (2), geloofs- en levensbeschouwelijke "
                                  "organisaties (2), jongerenwerk (1), ouders en opvoeders (2) "
                                  "en ondernemers (2)"),
                "communities": ("de Turks-Nederlandse, Marokkaans-Nederlandse, Syrische, "
                                "Molukse en autochtone Venlose gemeenschap"),
                "formal": "bestuursleden van twee moskeeën, de kerkenraad en VV Oost",
                "informal": "een buurtvader, een moeder uit de ouderkamer en twee jonge trainers"})
    oost.compose(_kit("neighbourhood_signaling", {
        "school": "Basisschool De Wereldwijzer", "youth_work": "Jongerenwerk Venlo-Oost",
        "neighbourhood_initiative": "Wijkraad Venlo-Oost",
        "faith_belief_organisation": "Stichting Moskee Venlo-Oost",
        "sports_club": "Voetbalvereniging VV Oost"},
        ("Turks-Nederlandse gemeenschap", "Marokkaans-Nederlandse gemeenschap",
         "Molukse gemeenschap", "Syrische nieuwkomers"), ("Venlo-Oost",), offset=0, later=2,
        with_leavers=True), profile="neighbourhood_signaling", districts=["Venlo-Oost"])
    oost.sign("orientation", skip=("orientation.stakeholders_mapped",), pace=5)
    oost.submit("orientation.stakeholders_mapped", days=3,
                text=("Lijst van personen die we kennen in de wijk, met hun telefoonnummer en "
                      "functie."))
    oost.reject("orientation.stakeholders_mapped", days=2, comment=(
        "Dit is een adressenlijst, geen krachtenveld. Breng de besturen en hun onderlinge "
        "verhoudingen in kaart, en laat persoonsgegevens hier weg."))
    oost.submit("orientation.stakeholders_mapped", days=6)
    oost.approve("orientation.stakeholders_mapped", days=2,
                 comment="Akkoord, nu met besturen en verhoudingen.")
    oost.sign("mandate", "church_state", pace=4)
    oost.fire("start_core", days=3)
    oost.activate_core()
    core_meetings(oost)
    oost.sign("core_functioning", pace=12)
    oost.sign("diversity", pace=6)
    oost.fire("expand", days=4)
    oost.grow()
    oost.sign("maintenance_plan", pace=10)
    oost.fire("consolidate", days=5)
    # One member never comes again: after six months they are on the attention list.
    oost.keep_meeting(6, until_day=532, quiet=(oost.kit.core[-1].name,))
    oost.fire("review", days=110)
    oost.step_back(days=5)
    oost.sign("mandate", pace=3)
    oost.sign("church_state", pace=3,
              skip=("church_state.general_interest_funding", "church_state.members_briefed"))
    oost.submit("diversity.fits_goal", days=2, text=(
        "Na een jaar: één lid is verhuisd en één lid doet even niet mee; twee nieuwe leden "
        "zijn aangeschoven. De spreiding past nog steeds bij het doel."))
    exchange.venlo_oost(oost)

    blerick = _Story(script, "venlo_blerick", lead="youssef", reviewer="marieke", day=48,
                     fields={
        "name": "Netwerk Jongeren en Sport Blerick",
        "goal": ("Jongeren in Blerick weerbaar maken tegen ronselen en online polarisatie, via "
                 "trainers, jongerenwerkers en ouders die zij vertrouwen."),
        "form": "structural",
        "form_justification": ("Structureel: sportclubs en jongerenwerk zien dezelfde jongeren "
                                "elke week, en dat contact willen we vasthouden."),
        "level": "group",
        "roles": ["prevention", "signaling"],
    }, context={**venlo,
                "reference": "B&W-2024-0243",
                # A one-year mandate that has run out: the network is on the attention list
                # and cannot take its next step until a new mandate is signed off.
                "mandate_days": "365",
                "problem": ("Trainers en jongerenwerkers merken dat een groep jongeren zich "
                            "afkeert van school en club, en dat ronselaars voor drugsklussen "
                            "rond de sportparken actief zijn."),
                "aim": ("Een netwerk rond de sportclubs dat zorgen vroeg deelt en samen "
                        "preventieve activiteiten organiseert."),
                "stakeholders": ("drie voetbalclubs, de boksschool, het jongerenwerk, twee "
                                 "middelbare scholen en de wijkagent"),
                "power_note": ("de grootste club domineert het overleg; de boksschool bereikt "
                               "juist de jongeren die we zoeken."),
                "boards": "de besturen van de drie voetbalclubs en de boksschool",
                "intakes": "Negen",
                "sectors": "sport, onderwijs, jongerenwerk en ouders",
                "funded_activity": "een zaalvoetbaltoernooi met een workshop weerbaarheid",
                "sector_spread": ("sport (4), onderwijs (2), jongerenwerk (2) en ouders en "
                                  "opvoeders (2)"),
                "size": "tien",
                "gender_spread": "vier vrouwen en zes mannen",
                "communities": ("de Marokkaans-Nederlandse, Turks-Nederlandse, Poolse en "
                                "autochtone gemeenschap in Blerick"),
                "formal": "voorzitters van twee clubs en een teamleider jongerenwerk",
                "informal": "de trainer van de boksschool en twee actieve moeders"})
    blerick.compose(_kit("neighbourhood_signaling", {
        "school": "Scholengemeenschap Blerick", "youth_work": "Jongerenwerk Blerick",
        "neighbourhood_initiative": "Buurtvereniging Hout-Blerick",
        "faith_belief_organisation": "Stichting Moskee Blerick",
        "sports_club": "Boksschool Blerick"},
        ("Marokkaans-Nederlandse gemeenschap", "Turks-Nederlandse gemeenschap",
         "Poolse gemeenschap"), ("Blerick", "Hout-Blerick"), offset=14, later=3),
        profile="neighbourhood_signaling", districts=["Blerick", "Hout-Blerick"])
    blerick.sign("orientation", pace=6)
    blerick.edit({"goal": (
        "Jongeren in Blerick weerbaar maken tegen ronselen, online polarisatie en "
        "ondermijning, via trainers, jongerenwerkers en ouders die zij vertrouwen.")}, days=3)
    blerick.sign("mandate", "church_state", pace=5)
    blerick.fire("start_core", days=3)
    blerick.activate_core()
    core_meetings(blerick)
    blerick.sign("core_functioning", pace=15)
    blerick.sign("diversity", pace=5)
    blerick.fire("expand", days=3)
    blerick.keep_meeting(6, until_day=530, size=6)
    # Three members join: more than the tolerance, so the diversity sign-off lapses by itself
    # (the audit trail says why), and the lead asks for a new one.
    blerick.grow(pace=25)
    blerick.submit("diversity.fits_goal", days=10, text=(
        "Na de uitbreiding zijn drie leden aangeschoven uit het jongerenwerk, de sport en de "
        "school. De spreiding past nog bij het doel; graag opnieuw beoordelen."))
    blerick.try_approve_today("youssef", "diversity.fits_goal")
    exchange.venlo_blerick(blerick)

    adhoc = _Story(script, "venlo_adhoc", lead="youssef", reviewer="marieke", day=150, fields={
        "name": "Ad-hocnetwerk Spanningen Midden-Oosten",
        "goal": ("Na oplopende spanningen in de stad over het conflict in het Midden-Oosten "
                 "snel en gezamenlijk signaleren en de-escaleren, en voorkomen dat groepen "
                 "tegenover elkaar komen te staan."),
        "form": "ad_hoc",
        "form_justification": ("Ad hoc: de aanleiding is tijdelijk en we willen snel handelen "
                               "met wie nu nodig is; afsluiten zodra de rust terug is."),
        "level": "broad",
        "roles": ["mediation", "signaling"],
    }, context={**venlo,
                "reference": "BM-2024-0311",
                "sponsor": "de burgemeester",
                "body": "de burgemeester",
                "problem": ("Demonstraties en felle berichten op sociale media zetten de "
                            "verhoudingen tussen gemeenschappen in de stad onder druk."),
                "aim": ("Korte lijnen met sleutelfiguren om geruchten te ontkrachten en "
                        "spanningen te kalmeren."),
                "stakeholders": ("moskeebesturen, de joodse gemeente, kerken, het jongerenwerk, "
                                 "scholen en de politie"),
                "power_note": "sommige besturen willen niet samen aan tafel; eerst apart spreken.",
                "boards": "moskeebesturen, de joodse gemeente en de Raad van Kerken",
                "intakes": "Zes",
                "sectors": ("geloofs- en levensbeschouwelijke organisaties, jongerenwerk en "
                            "onderwijs"),
                "faith_orgs": ("alle moskeebesturen van Venlo, de joodse gemeente, de Raad van "
                               "Kerken en de humanistische afdeling"),
                "funded_activity": "een stadsgesprek in de bibliotheek"})
    adhoc.compose(_kit("rapid_response", {
        "faith_belief_organisation": "Moskeeënoverleg Venlo", "youth_work": "Jongerenwerk Venlo",
        "sports_club": "Sportkoepel Venlo", "school": "Stedelijk College Venlo",
        "cultural_organisation": "Stichting Wereldfeest Venlo"},
        ("Marokkaans-Nederlandse gemeenschap", "Joodse gemeenschap", "Turks-Nederlandse "
         "gemeenschap"), ("Venlo-Noord", "Venlo-Oost"), offset=28), profile="rapid_response",
        pace=1)
    adhoc.sign("orientation", "mandate", "church_state", pace=1)
    adhoc.fire("start_core", days=1)
    adhoc.activate_core()
    adhoc.fire("close", days=95, reason=(
        "Het ad-hocnetwerk heeft zijn doel bereikt: de spanningen zijn afgenomen en er zijn "
        "geen nieuwe signalen. De leden zijn bedankt; vier van hen zijn uitgenodigd voor het "
        "structurele netwerk Venlo-Oost."))
    exchange.venlo_adhoc(adhoc)

    zuid = _Story(script, "venlo_zuid", lead="youssef", reviewer="marieke", day=420, fields={
        "name": "Netwerk Weerbare Wijk Venlo-Zuid",
        "goal": ("Zicht krijgen op ondermijnende invloeden in Venlo-Zuid, zoals drugsrunners "
                 "onder jongeren en misbruik van panden, en bewoners en ondernemers weerbaarder "
                 "maken."),
        "form": "structural",
        "form_justification": ("Structureel: ondermijning is hardnekkig en vraagt een "
                                "blijvende verbinding met ondernemers en bewoners."),
        "level": "broad",
        "roles": ["policy", "signaling"],
    }, context={**venlo,
                "reference": "B&W-2025-0088",
                "sponsor": "de wethouder Veiligheid en Wijken",
                "problem": ("Bewoners melden leegstaande panden met veel aanloop en jongeren "
                            "die worden benaderd voor klusjes; vertrouwen in de overheid is "
                            "laag."),
                "aim": ("Een netwerk van ondernemers, bewonersgroepen en scholen dat "
                        "vroeg deelt wat opvalt en samen werkt aan een weerbare wijk."),
                "stakeholders": ("de winkeliersvereniging, twee bewonersgroepen, de "
                                 "woningcorporatie, een middelbare school en de wijkagent"),
                "power_note": ("ondernemers zijn terughoudend uit angst voor represailles; "
                               "gesprekken eerst één op één."),
                "boards": "de winkeliersvereniging, de woningcorporatie en de schoolleiding",
                "intakes": "Vijf",
                "sectors": "ondernemers, onderwijs en bewonersinitiatieven",
                "intake_outcome": ("Nog te weinig jongeren en vrouwen; drie extra gesprekken "
                                   "gepland.")})
    zuid_kit = _kit("policy_sounding_board", {
        "faith_belief_organisation": "Stichting Kerk en Buurt Venlo-Zuid",
        "welfare_organisation": "Welzijn Venlo-Zuid", "business": "Winkeliersvereniging Zuid",
        "professional_body": "Woningcorporatie Venlo-Zuid"},
        ("Marokkaans-Nederlandse gemeenschap", "Poolse gemeenschap", "Antilliaanse gemeenschap",
         "Turks-Nederlandse gemeenschap"), ("Venlo-Zuid",), offset=38)
    # Still in orientation: four organisations mapped, two boards approached, two intakes.
    zuid.compose(Kit(zuid_kit.organisations[:4], zuid_kit.core[:3],
                     waiting=zuid_kit.waiting[:2]), profile="policy_sounding_board",
                 districts=["Venlo-Zuid"], intakes=2)
    zuid.reassign("sanne", admin="ilse", days=8)
    zuid.submit("orientation.problem_goal", days=3)
    zuid.approve("orientation.problem_goal", days=2)
    zuid.reviewer = "youssef"  # a colleague lead reviews: he no longer leads this network
    zuid.submit("orientation.boards_approached", days=4)
    zuid.approve("orientation.boards_approached", days=3)
    zuid.submit("mandate.sponsor_named", days=2)
    zuid.approve("mandate.sponsor_named", days=2)
    zuid.revoke("mandate.sponsor_named", days=20, reason=(
        "Na de portefeuillewisseling in het college ligt veiligheid bij een andere wethouder; "
        "het opdrachtgeverschap moet opnieuw worden bevestigd."))
    zuid.submit("orientation.stakeholders_mapped", days=3)
    zuid.reject("orientation.stakeholders_mapped", days=2, comment=(
        "Alleen ondernemers en bestuurders in kaart is te smal voor dit doel. Breng ook "
        "jongerenwerk, ouders en bewonersinitiatieven in beeld."))
    zuid.submit("orientation.stakeholders_mapped", days=4)
    zuid.submit("mandate.decision_recorded", days=1,
                links=["https://bestuur.venlo.example.nl/besluiten/B&W-2025-0088"])
    zuid.try_fire_today("start_core")
    exchange.venlo_zuid(zuid)

    _login(script, "ruud", 520)


def _amersfoort(script: _Script) -> None:
    amersfoort = {
        "contact": "de wijkregisseur",
        "reference": "2024-AMF-0412",
        "sponsor": "de wethouder Samenleving",
        "faith_orgs": ("de moskeeën in de wijk, de protestantse wijkgemeente, de evangelische "
                       "gemeente, de rooms-katholieke parochie en de hindoeïstische stichting"),
    }

    noord = _Story(script, "amf_noord", lead="daan", reviewer="fatma", day=20, fields={
        "name": "Sleutelfigurennetwerk Amersfoort-Noord",
        "goal": ("Met sleutelfiguren uit Kruiskamp en Liendert spanningen tussen groepen "
                 "vroeg zien en samen oppakken, en hun kijk inbrengen in het wijkbeleid."),
        "form": "structural",
        "form_justification": ("Vast netwerk: de wijken kennen terugkerende spanningen en "
                               "vragen een langdurige investering in vertrouwen."),
        "level": "group",
        "roles": ["policy", "mediation", "signaling"],
    }, context={**amersfoort,
                "problem": ("Klachten over hangjongeren en overlast worden op buurtapps "
                            "gekoppeld aan afkomst; bewonersavonden lopen uit op "
                            "beschuldigingen."),
                "aim": ("Een gemengd netwerk dat de onderliggende vragen ophaalt en helpt "
                        "de-escaleren."),
                "stakeholders": ("twee moskeebesturen, de wijkkerk, de buurthuizen, "
                                 "voetbalclub Kruiskamp, drie basisscholen en het "
                                 "jongerenwerk"),
                "power_note": ("een paar bekende woordvoerders claimen de hele gemeenschap; "
                               "we zoeken bewust meer stemmen."),
                "boards": "de moskeebesturen, de wijkkerk, de buurthuizen en de voetbalclub",
                "intakes": "Twaalf",
                "sectors": "onderwijs, sport, jongerenwerk, geloofsorganisaties en ouders",
                "sector_spread": ("onderwijs (3), sport (2), geloofs- en levensbeschouwelijke "
                                  "organisaties (2), jongerenwerk (2) en vrouwen- en "
                                  "buurtinitiatieven (2)"),
                "communities": ("de Marokkaans-Nederlandse, Turks-Nederlandse, Eritrese en "
                                "autochtone gemeenschap in Noord"),
                "formal": "twee moskeebestuurders, de voorzitter van de voetbalclub",
                "informal": "een moeder uit de buurtkamer, twee jongerenwerkers, een imam-docent"})
    noord.compose(_kit("neighbourhood_signaling", {
        "school": "Basisschool De Kameleon", "youth_work": "Jongerenwerk Amersfoort-Noord",
        "neighbourhood_initiative": "Buurthuis De Groene Stee",
        "faith_belief_organisation": "Stichting Moskee Kruiskamp",
        "sports_club": "Voetbalvereniging Kruiskamp"},
        ("Marokkaans-Nederlandse gemeenschap", "Turks-Nederlandse gemeenschap",
         "Eritrese gemeenschap"), ("Kruiskamp", "Liendert"), offset=6, later=2,
        with_leavers=True), profile="neighbourhood_signaling", districts=["Kruiskamp", "Liendert"])
    noord.sign("orientation", "mandate", "church_state", pace=6)
    noord.fire("start_core", days=4)
    noord.activate_core()
    core_meetings(noord)
    noord.sign("core_functioning", pace=14)
    noord.sign("diversity", pace=5)
    noord.fire("expand", days=3)
    noord.grow(pace=8)
    noord.fire("regroup", days=70, reason=(
        "De uitbreiding ging te snel: twee nieuwe leden gebruikten de bijeenkomsten om voor hun "
        "eigen achterban te lobbyen en de veilige sfeer verdween. Terug naar de kern om de "
        "huisregels opnieuw te bespreken."))
    noord.submit("core_functioning.house_rules", days=10, text=(
        "Huisregels opnieuw besproken en aangescherpt: geen belangenbehartiging, wie namens een "
        "organisatie spreekt zegt dat erbij, en nieuwe leden komen pas na een intake."))
    noord.approve("core_functioning.house_rules", days=3,
                  comment="Akkoord; de aanscherping is duidelijk.")
    noord.step_back(days=4)
    noord.keep_meeting(6, form="core", until_day=533, size=5)
    exchange.amf_noord(noord)

    soester = _Story(script, "amf_soester", lead="daan", reviewer="fatma", day=70, fields={
        "name": "Oudernetwerk Soesterkwartier",
        "goal": ("Ouders en opvoeders in het Soesterkwartier ondersteunen bij zorgen over "
                 "radicalisering en polarisatie online, en hun signalen laten meewegen."),
        "form": "structural",
        "form_justification": ("Structureel: ouders hebben een vast en vertrouwd aanspreekpunt "
                               "nodig, niet alleen als er iets gebeurt."),
        "level": "individual",
        "roles": ["prevention", "signaling"],
    }, context={**amersfoort,
                "reference": "2024-AMF-0533",
                "problem": ("Ouders zien hun kinderen online meegaan in extreme content en "
                            "weten niet waar ze met hun zorgen terechtkunnen."),
                "aim": ("Een kring van ouders, leerkrachten en opvoedondersteuners die "
                        "elkaar steunen en zorgen vroeg delen."),
                "stakeholders": ("twee basisscholen, het consultatiebureau, de bibliotheek, "
                                 "een moedervereniging en een vadergroep"),
                "power_note": "vaders zijn moeilijk te bereiken; de vadergroep helpt daarbij.",
                "boards": "de schoolbesturen, de bibliotheek en de moedervereniging",
                "intakes": "Acht",
                "sectors": "onderwijs, ouders en opvoeders, en jeugdgezondheidszorg",
                "funded_activity": "opvoedavonden over online weerbaarheid in de bibliotheek"})
    soester.compose(_kit("neighbourhood_signaling", {
        "school": "Basisschool Het Soesterkwartier", "youth_work": "Jongerenwerk Soesterkwartier",
        "neighbourhood_initiative": "Moedervereniging Soesterkwartier",
        "faith_belief_organisation": "Hindoeïstische Stichting Amersfoort",
        "parents_initiative": "Vadergroep Soesterkwartier"},
        ("Surinaamse gemeenschap", "Turks-Nederlandse gemeenschap",
         "Marokkaans-Nederlandse gemeenschap"), ("Soesterkwartier",), offset=20),
        profile="neighbourhood_signaling", districts=["Soesterkwartier"])
    soester.sign("orientation", "mandate", "church_state", pace=8)
    soester.fire("start_core", days=5)
    soester.activate_core()
    core_meetings(soester, pace=20)
    soester.sign("core_functioning", pace=20,
                 skip=("core_functioning.core_evaluated",))
    soester.fire("pause", days=40, reason=(
        "De wijkregisseur die het vaste aanspreekpunt was is vertrokken en de opvolging is nog "
        "niet geregeld. De kern wil pas verder met een nieuw aanspreekpunt; de leden zijn "
        "hierover ingelicht."))
    exchange.amf_soester(soester)

    platform = _Story(script, "amf_platform", lead="daan", reviewer="fatma", day=3, fields={
        "name": "Platform Samenleven Amersfoort",
        "goal": ("Een stadsbreed platform van sleutelfiguren dat de gemeente gevraagd en "
                 "ongevraagd adviseert over sociale stabiliteit en bij spanningen bemiddelt."),
        "form": "structural",
        "form_justification": ("Structureel en stadsbreed, omdat het platform al jaren als "
                               "klankbord dient en die rol moet houden."),
        "level": "broad",
        "roles": ["policy", "mediation", "prevention", "signaling"],
    }, context={**amersfoort,
                "reference": "2024-AMF-0107",
                "sponsor": "de burgemeester",
                "problem": ("Landelijke discussies (bijvoorbeeld over verwarde personen of "
                            "zwarte piet) slaan snel over naar de stad; er is geen vaste plek "
                            "om ze vroeg te bespreken."),
                "aim": ("Een stadsbreed klankbord dat spanningen vroeg bespreekt en adviseert "
                        "over beleid."),
                "stakeholders": ("het Amersfoorts Moskeeënoverleg, de Raad van Kerken, de "
                                 "humanistische afdeling, sportkoepel, jongerenraad, "
                                 "ondernemersvereniging en het welzijnswerk"),
                "power_note": "koepels zijn sterk vertegenwoordigd; jongeren minder.",
                "boards": ("het Moskeeënoverleg, de Raad van Kerken, de sportkoepel en de "
                           "ondernemersvereniging"),
                "intakes": "Zestien",
                "sectors": ("onderwijs, sport, geloofs- en levensbeschouwelijke organisaties, "
                            "jongerenwerk, ondernemers en professionals"),
                "size": "veertien",
                "gender_spread": "zeven vrouwen en zeven mannen",
                "sector_spread": ("onderwijs (2), sport (2), geloofs- en levensbeschouwelijke "
                                  "organisaties (3), jongerenwerk (2), ondernemers (2), "
                                  "vrouweninitiatieven (1) en professionals (2)"),
                "communities": ("de Marokkaans-Nederlandse, Turks-Nederlandse, Surinaamse, "
                                "Ghanese, Syrische en autochtone Amersfoortse gemeenschap"),
                "formal": "bestuurders van de koepels en de ondernemersvereniging",
                "informal": "twee jongerenwerkers, een buurtmoeder en een voetbaltrainer",
                "cadence": "eens per twee maanden",
                "cadence_weeks": "8",
                "review_month": "maart",
                "review_month_number": "3"})
    platform.compose(_kit("policy_sounding_board", {
        "faith_belief_organisation": "Amersfoorts Moskeeënoverleg",
        "welfare_organisation": "Welzijn Amersfoort", "business": "Ondernemersvereniging Amersfoort",
        "professional_body": "Sportkoepel Amersfoort", "school": "ROC Midden Nederland",
        "neighbourhood_initiative": "Wijkplatform Vathorst"},
        ("Marokkaans-Nederlandse gemeenschap", "Turks-Nederlandse gemeenschap",
         "Surinaamse gemeenschap", "Ghanese gemeenschap", "Syrische gemeenschap"),
        ("Binnenstad", "Kruiskamp", "Vathorst"), offset=44, later=2, with_leavers=True),
        profile="policy_sounding_board")
    platform.sign("orientation", "mandate", "church_state", pace=4)
    platform.fire("start_core", days=3)
    platform.activate_core()
    core_meetings(platform, pace=10)
    platform.sign("core_functioning", "diversity", pace=8)
    platform.fire("expand", days=2)
    platform.grow(pace=20)
    platform.sign("maintenance_plan", pace=9)
    platform.fire("consolidate", days=4)
    # The platform stopped meeting at its rhythm of eight weeks: it is on the attention list.
    platform.keep_meeting(8, until_day=440)
    platform.step_back(days=60)
    exchange.amf_platform(platform)

    _login(script, "daan", 522, mistyped_first=True)
    _login(script, "henk", 524)


def load_demo(now: datetime | None = None) -> dict[str, int]:
    """Load the demo into an empty database through the services; return what was made."""
    from .models import utcnow

    now = now or utcnow()
    script = _Script(start=(now - timedelta(days=HISTORY_DAYS)).date())
    _accounts(script)
    _venlo(script)
    _amersfoort(script)
    script.run(latest_allowed=now)
    # What is overdue today is recorded as the tick would (its notifications wait for the
    # first `lifecycle tick`, so loading the demo never sends mail).
    with write_transaction():
        record_overdue(now=now, origin=CLI_ORIGIN)
    return {
        "municipalities": db.session.scalar(select(func.count()).select_from(Municipality)),
        "users": db.session.scalar(select(func.count()).select_from(User)),
        "networks": db.session.scalar(select(func.count()).select_from(Network)),
        "records": db.session.scalar(select(func.count()).select_from(AuditRecord)),
    }
