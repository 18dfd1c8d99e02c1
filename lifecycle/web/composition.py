"""Composition pages: a network's organisations and their stakeholder map, its people and their
pipeline, the candidates and the gaps they would fill, and the member profile.

Organisations and the composition in figures are for anyone in the municipality; people are for
the network's lead, reviewers, auditors and administrators (the domain's `may_read_people`), and
only the lead changes anything. Every page that shows a person runs its service call in a write
transaction, because the service writes the processing-log line that must commit with the read.
The stakeholder map and the profile chart are server-rendered SVG, each with a table of the
same figures; no page needs a script.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import SelectField
from wtforms.validators import Optional

from ..domain.composition import LIST_CHARACTERISTICS
from ..domain.errors import (Conflict, DomainError, NotAllowed, NotFound, ReadOnly,
                             ValidationFailed)
from ..domain.permissions import ensure_can_erase_person, ensure_is_lead_of, may_read_people
from ..domain.registers import quadrant
from ..services.common import actor_of, districts_of
from ..services.composition import composition_of
from ..services.networks import get_network
from ..services.privacy import erase_member
from ..services.registers import (candidates_with_gaps, create_member, create_organisation,
                                  get_organisation, list_members, list_organisations,
                                  member_record, network_profile, set_network_profile,
                                  starting_profiles, take_member_step, update_member,
                                  update_organisation)
from ..services.uow import write_transaction
from ..services.workflows import catalogue, workflow_of
from .common import (MAX_DB_ID, apply_field_errors, check_id, domain_error_message,
                     flash_domain_error, localized, origin, require_login)
from .forms import (ChooseProfileForm, EraseForm, MemberFilterForm, MemberForm,
                    MemberStepForm, MultiCheckboxField, OrganisationForm, ProfileTargetsForm,
                    give_ids)

bp = Blueprint("composition", __name__, url_prefix="/netwerken/<int:network_id>")
require_login(bp)

INTAKE_STEP = "record_intake"

QUADRANT_TITLES = {
    "manage_closely": _l("Work together closely"),
    "keep_satisfied": _l("Keep satisfied"),
    "keep_informed": _l("Keep informed"),
    "monitor": _l("Keep an eye on"),
}
LEVEL_TITLES = {"high": _l("High"), "low": _l("Low")}
CHARACTERISTIC_TITLES = {
    "sectors": _l("Sectors"),
    "organisation_types": _l("Kinds of organisation"),
    "member_types": _l("Member types"),
    "age_bands": _l("Ages"),
    "genders": _l("Genders"),
    "districts": _l("Districts"),
    "formal_share": _l("Formal positions"),
    "communities": _l("Communities reached"),
    "voices": _l("Voices per community"),
}
# The vocabulary each list characteristic takes its values from.
VOCABULARY_OF = {"sectors": "sectors", "organisation_types": "organisation_types",
                 "member_types": "member_types", "age_bands": "age_bands", "genders": "genders"}
LIMIT_TEXTS = {
    "core": _l("The small core: at most %(limit)s members."),
    "growth": _l("Expansion: at most %(limit)s new members per quarter."),
    "none": _l("No growth limit applies in this stage."),
}


def _see_other(endpoint: str, **values):
    """Answer a POST with 303, so reloading the next page never repeats the action."""
    return redirect(url_for(endpoint, **values), code=303)


def _network_or_404(network_id: int):
    try:
        return get_network(current_user, check_id(network_id))
    except NotFound:
        abort(404)


def _is_lead_of(network) -> bool:
    """The domain's rule: only the network's own lead changes its registers."""
    try:
        ensure_is_lead_of(actor_of(current_user), network)
    except (NotAllowed, NotFound):
        return False
    return True


def _may_change(network) -> bool:
    return _is_lead_of(network) and not workflow_of(network).is_final(network.stage)


def _may_erase(network) -> bool:
    try:
        ensure_can_erase_person(actor_of(current_user), network)
    except (NotAllowed, NotFound):
        return False
    return True


def _lead_or_403(network):
    """Forms that change a register are for the network's lead, on a network that is open."""
    if workflow_of(network).is_final(network.stage):
        flash(domain_error_message(ReadOnly("closed")), "error")
        return _see_other("networks.detail", network_id=network.id)
    if not _is_lead_of(network):
        abort(403)
    return None


def _plain_id(value) -> int | None:
    """A posted id, or None; an id that cannot exist stays a number the service refuses."""
    text = str(value or "")
    if text.isascii() and text.isdigit() and len(text) <= 12:
        return int(text)
    return None


def _version(form) -> int:
    value = _plain_id(form.version.data)
    return value if value is not None and value <= MAX_DB_ID else -1


def _terms(vocabulary: str):
    return getattr(catalogue().vocabularies, vocabulary)


def _choices(terms, blank: str | None = None) -> list[tuple[str, str]]:
    options = [(term.id, localized(term.title)) for term in terms]
    return ([("", blank)] if blank is not None else []) + options


def term_title(vocabulary: str, term_id: str | None) -> str:
    """The user's-language title of a vocabulary term (its id if the vocabulary lost it)."""
    if not term_id:
        return ""
    title = catalogue().vocabularies.title_of(vocabulary, term_id)
    return localized(title) if title else term_id


def state_title(state_id: str) -> str:
    return localized(catalogue().member_pipeline.state(state_id).title)


@bp.app_template_global("composition_term")
def _composition_term(vocabulary: str, term_id: str | None) -> str:
    return term_title(vocabulary, term_id)


@bp.app_template_global("member_state_title")
def _member_state_title(state_id: str) -> str:
    return state_title(state_id)


@bp.app_template_global("step_title")
def _step_title(step_id: str) -> str:
    step = catalogue().member_pipeline.step(step_id)
    return localized(step.title) if step else step_id


@bp.app_template_filter("house_rule_title")
def _house_rule_title(rule_id: str) -> str:
    return term_title("house_rules", rule_id)


@bp.app_template_global("characteristic_title")
def _characteristic_title(characteristic: str) -> str:
    return str(CHARACTERISTIC_TITLES.get(characteristic, characteristic))


def _with_district_choices(form_class, districts: tuple[str, ...]):
    """A municipality with a list of districts picks from it; others write a short text."""
    if not districts:
        return form_class
    return type(form_class.__name__, (form_class,), {
        "district": SelectField(form_class.district.args[0], validators=[Optional()])})


# --- Organisations ----------------------------------------------------------------------------

def _organisation_form(network, **kwargs) -> OrganisationForm:
    districts = districts_of(network)
    form = _with_district_choices(OrganisationForm, districts)(**kwargs)
    form.type.choices = _choices(_terms("organisation_types"), _("Choose a kind"))
    form.board_outcome.choices = _choices(_terms("board_outcomes"), _("No answer yet"))
    if districts:
        form.district.choices = [("", _("No district"))] + [(d, d) for d in districts]
    # These always carry a value, so their labels must not say "optional".
    form.influence.flags.required = form.involvement.flags.required = True
    return form


def _organisation_fields(form) -> dict:
    lines = (form.communities.data or "").splitlines()
    return {
        "name": form.name.data or "",
        "type": form.type.data or None,
        "district": form.district.data or None,
        "communities": [line.strip() for line in lines if line.strip()],
        "influence": form.influence.data,
        "involvement": form.involvement.data,
        "board_approached_on": form.board_approached_on.data,
        "board_outcome": form.board_outcome.data or None,
    }


@dataclass(frozen=True)
class MapPoint:
    """An organisation placed in its quadrant of the stakeholder map."""

    organisation: object
    quadrant: str
    x: int
    y: int


MAP_WIDTH, MAP_HEIGHT, MAP_MARGIN = 640, 460, 40
MAP_ROWS = 8  # organisations listed per quadrant before "and N more"


def stakeholder_map(organisations) -> dict:
    """Where each organisation goes on the influence × involvement grid (SVG coordinates)."""
    half_w, half_h = (MAP_WIDTH - MAP_MARGIN) // 2, (MAP_HEIGHT - MAP_MARGIN) // 2
    origins = {"keep_satisfied": (MAP_MARGIN, 0), "manage_closely": (MAP_MARGIN + half_w, 0),
               "monitor": (MAP_MARGIN, half_h), "keep_informed": (MAP_MARGIN + half_w, half_h)}
    placed: dict[str, list[MapPoint]] = {name: [] for name in origins}
    for organisation in organisations:
        name = quadrant(organisation.influence, organisation.involvement)
        left, top = origins[name]
        row = len(placed[name])
        placed[name].append(MapPoint(organisation, name, left + 16, top + 52 + row * 19))
    return {
        "width": MAP_WIDTH, "height": MAP_HEIGHT, "margin": MAP_MARGIN,
        "half_w": half_w, "half_h": half_h, "origins": origins, "rows": MAP_ROWS,
        "quadrants": {name: {"title": str(QUADRANT_TITLES[name]), "shown": points[:MAP_ROWS],
                             "more": max(0, len(points) - MAP_ROWS)}
                      for name, points in placed.items()},
    }


@bp.get("/organisaties")
def organisations(network_id: int):
    check_id(network_id)
    try:
        network, rows = list_organisations(current_user, network_id)
    except NotFound:
        abort(404)
    return render_template(
        "composition/organisations.html", network=network, organisations=rows,
        map=stakeholder_map(rows), quadrant_of=lambda o: quadrant(o.influence, o.involvement),
        quadrant_titles=QUADRANT_TITLES, level_titles=LEVEL_TITLES,
        may_change=_may_change(network))


@bp.route("/organisaties/nieuw", methods=["GET", "POST"])
def new_organisation(network_id: int):
    network = _network_or_404(network_id)
    refusal = _lead_or_403(network)
    if refusal is not None:
        return refusal
    form = _organisation_form(network)
    if form.validate_on_submit():
        try:
            with write_transaction():
                organisation = create_organisation(current_user, network.id,
                                                   _organisation_fields(form), origin=origin())
                name = organisation.name
        except NotFound:
            abort(404)
        except NotAllowed:
            abort(403)
        except ValidationFailed as exc:
            if not apply_field_errors(form, exc):
                flash_domain_error(exc)
        except DomainError as exc:
            flash_domain_error(exc)
            return _see_other(".organisations", network_id=network.id)
        else:
            flash(_("%(name)s is now in the register.", name=name), "success")
            return _see_other(".organisations", network_id=network.id)
    return render_template("composition/organisation_form.html", network=network, form=form,
                           organisation=None), 422 if form.errors else 200


@bp.route("/organisaties/<int:organisation_id>/bewerken", methods=["GET", "POST"])
def edit_organisation(network_id: int, organisation_id: int):
    network = _network_or_404(network_id)
    try:
        organisation = get_organisation(current_user, network.id, check_id(organisation_id))
    except NotFound:
        abort(404)
    refusal = _lead_or_403(network)
    if refusal is not None:
        return refusal
    if request.method == "GET":
        form = _organisation_form(network, obj=organisation,
                                  communities="\n".join(organisation.communities or []))
    else:
        form = _organisation_form(network)
    if form.validate_on_submit():
        try:
            with write_transaction():
                update_organisation(current_user, network.id, organisation.id,
                                    _organisation_fields(form), expected_version=_version(form),
                                    origin=origin())
        except NotFound:
            abort(404)
        except NotAllowed:
            abort(403)
        except ValidationFailed as exc:
            if not apply_field_errors(form, exc):
                flash_domain_error(exc)
        except Conflict as exc:
            flash_domain_error(exc)
            return _see_other(".edit_organisation", network_id=network.id,
                              organisation_id=organisation.id)
        except DomainError as exc:
            flash_domain_error(exc)
            return _see_other(".organisations", network_id=network.id)
        else:
            flash(_("Your changes have been saved."), "success")
            return _see_other(".organisations", network_id=network.id)
    return render_template("composition/organisation_form.html", network=network, form=form,
                           organisation=organisation), 422 if form.errors else 200


# --- People -----------------------------------------------------------------------------------

def _member_form(network, organisations, **kwargs) -> MemberForm:
    districts = districts_of(network)
    form = _with_district_choices(MemberForm, districts)(**kwargs)
    form.organisation_id.choices = [("", _("None"))] + [(str(o.id), o.name)
                                                       for o in organisations]
    form.sector.choices = _choices(catalogue().vocabularies.person_sectors, _("Not recorded"))
    form.age_band.choices = _choices(_terms("age_bands"), _("Not recorded"))
    form.gender.choices = _choices(_terms("genders"), _("Not recorded"))
    form.member_type.choices = _choices(_terms("member_types"), _("Not chosen yet"))
    if districts:
        form.district.choices = [("", _("No district"))] + [(d, d) for d in districts]
    return form


def _member_form_values(member) -> dict:
    return {"organisation_id": str(member.organisation_id or ""),
            "formal": {True: "formal", False: "informal"}.get(member.formal, "")}


def _member_fields(form) -> dict:
    return {
        "name": form.name.data or "",
        "email": form.email.data or None,
        "phone": form.phone.data or None,
        "organisation_id": _plain_id(form.organisation_id.data),
        "sector": form.sector.data or None,
        "district": form.district.data or None,
        "age_band": form.age_band.data or None,
        "gender": form.gender.data or None,
        "formal": {"formal": True, "informal": False}.get(form.formal.data or ""),
        "member_type": form.member_type.data or None,
        "known_to_municipality": bool(form.known_to_municipality.data),
        "note": form.note.data or None,
    }


def _people_or_refusal(call):
    """Run a read of people in a write transaction (its processing-log line commits with it)."""
    try:
        with write_transaction():
            return call()
    except NotFound:
        abort(404)
    except NotAllowed:
        abort(403)


@bp.get("/personen")
def people(network_id: int):
    check_id(network_id)
    pipeline = catalogue().member_pipeline
    states = [state.id for state in pipeline.states]
    form = MemberFilterForm(formdata=request.args)
    form.status.choices = [("", _("All states"))] + [(s, state_title(s)) for s in states]
    status = request.args.get("status") or None
    if status is not None and status not in states:
        abort(400)
    raw_after, after = request.args.get("after"), None
    if raw_after:
        after = _plain_id(raw_after)
        if after is None or after > MAX_DB_ID:
            abort(400)

    def read():
        page = list_members(current_user, network_id, status=status, after=after,
                            limit=current_app.config.get("PAGE_SIZE", 50))
        groups = [(state, [m for m in page.items if m.status == state]) for state in states]
        next_url = url_for(".people", network_id=network_id, status=status,
                           after=page.next_after) if page.next_after is not None else None
        return render_template(
            "composition/people.html", network=page.network, form=form,
            groups=[(state, rows) for state, rows in groups if rows], status=status,
            next_url=next_url, is_first_page=after is None,
            may_change=_may_change(page.network))

    return _people_or_refusal(read)


@bp.get("/kandidaten")
def candidates(network_id: int):
    check_id(network_id)

    def read():
        network, rows = candidates_with_gaps(current_user, network_id)
        _network, profile = network_profile(current_user, network_id)
        return render_template("composition/candidates.html", network=network,
                               candidates=rows, has_profile=profile is not None,
                               describe_gap=describe_gap)

    return _people_or_refusal(read)


def _organisations_of(network_id: int):
    try:
        return list_organisations(current_user, network_id)[1]
    except NotFound:
        abort(404)


@bp.route("/personen/nieuw", methods=["GET", "POST"])
def new_member(network_id: int):
    network = _network_or_404(network_id)
    refusal = _lead_or_403(network)
    if refusal is not None:
        return refusal
    form = _member_form(network, _organisations_of(network.id))
    if form.validate_on_submit():
        try:
            with write_transaction():
                member = create_member(current_user, network.id, _member_fields(form),
                                       origin=origin())
                member_id = member.id
        except NotFound:
            abort(404)
        except NotAllowed:
            abort(403)
        except ValidationFailed as exc:
            if not apply_field_errors(form, exc):
                flash_domain_error(exc)
        except DomainError as exc:
            flash_domain_error(exc)
            return _see_other(".people", network_id=network.id)
        else:
            flash(_("The person is in the register now, as a candidate."), "success")
            return _see_other(".member", network_id=network.id, member_id=member_id)
    return render_template("composition/member_form.html", network=network, form=form,
                           member=None), 422 if form.errors else 200


def _step_forms(record, posted: MemberStepForm | None = None) -> list[dict]:
    """One form per step possible now (for the lead), and why the others cannot be taken."""
    network = record.network
    lead = _may_change(network)
    steps = []
    for option in record.options:
        step = option.step
        form = None
        if lead and option.available:
            form = posted if posted is not None and posted.step.data == step.id else \
                MemberStepForm(formdata=None, step=step.id)
            form.intake_outcome.choices = _choices(_terms("intake_outcomes"),
                                                   _("Choose an outcome"))
            form.house_rules.choices = _choices(_terms("house_rules"))
            if step.id == INTAKE_STEP:
                form.intake_outcome.flags.required = True
            if step.reason_required:
                form.reason.flags.required = True
            give_ids(form, f"step-{step.id}")
        steps.append({"option": option, "step": step, "title": localized(step.title),
                      "dest_title": state_title(step.dest), "form": form,
                      "refusal": domain_error_message(option.refusal)
                      if option.refusal is not None else None})
    return steps


def _render_member(network_id: int, member_id: int, *, posted: MemberStepForm | None = None,
                   erase_form: EraseForm | None = None, status: int = 200):
    check_id(network_id)
    check_id(member_id)

    def read():
        record = member_record(current_user, network_id, member_id)
        may_erase = _may_erase(record.network) and record.member.erased_at is None
        return render_template(
            "composition/member.html", network=record.network, member=record.member,
            history=record.steps, steps=_step_forms(record, posted),
            posted=posted, may_change=_may_change(record.network)
            and record.member.erased_at is None,
            erase_form=(erase_form or EraseForm(formdata=None)) if may_erase else None,
        ), status

    return _people_or_refusal(read)


@bp.get("/personen/<int:member_id>")
def member(network_id: int, member_id: int):
    return _render_member(network_id, member_id)


@bp.route("/personen/<int:member_id>/bewerken", methods=["GET", "POST"])
def edit_member(network_id: int, member_id: int):
    network = _network_or_404(network_id)
    check_id(member_id)
    refusal = _lead_or_403(network)
    if refusal is not None:
        return refusal
    organisations_ = _organisations_of(network.id)
    if request.method == "POST":
        form = _member_form(network, organisations_)
        if form.validate_on_submit():
            try:
                with write_transaction():
                    update_member(current_user, network.id, member_id, _member_fields(form),
                                  expected_version=_version(form), origin=origin())
            except NotFound:
                abort(404)
            except NotAllowed:
                abort(403)
            except ValidationFailed as exc:
                if not apply_field_errors(form, exc):
                    flash_domain_error(exc)
            except Conflict as exc:
                flash_domain_error(exc)
                return _see_other(".edit_member", network_id=network.id, member_id=member_id)
            except DomainError as exc:
                flash_domain_error(exc)
                return _see_other(".member", network_id=network.id, member_id=member_id)
            else:
                flash(_("Your changes have been saved."), "success")
                return _see_other(".member", network_id=network.id, member_id=member_id)

    def read():
        record = member_record(current_user, network.id, member_id)
        if record.member.erased_at is not None:
            raise ReadOnly("erased")
        form_ = form if request.method == "POST" else _member_form(
            network, organisations_, obj=record.member, **_member_form_values(record.member))
        return render_template("composition/member_form.html", network=network, form=form_,
                               member=record.member), 422 if form_.errors else 200

    try:
        return _people_or_refusal(read)
    except ReadOnly:
        flash(_("This person's data has been erased. It can no longer change."), "error")
        return _see_other(".member", network_id=network.id, member_id=member_id)


@bp.post("/personen/<int:member_id>/stap")
def member_step(network_id: int, member_id: int):
    check_id(network_id)
    check_id(member_id)
    form = MemberStepForm()
    form.intake_outcome.choices = _choices(_terms("intake_outcomes"), "")
    form.house_rules.choices = _choices(_terms("house_rules"))
    if not form.validate_on_submit():
        if form.step.errors:
            _network_or_404(network_id)
            flash(_("Choose a step to take."), "error")
            return _see_other(".member", network_id=network_id, member_id=member_id)
        return _render_member(network_id, member_id, posted=form, status=422)
    data = {"happened_on": form.happened_on.data, "reason": form.reason.data or None}
    if form.step.data == INTAKE_STEP:
        data.update(intake_outcome=form.intake_outcome.data or None,
                    house_rules=list(form.house_rules.data or []))
    try:
        with write_transaction():
            person = take_member_step(current_user, network_id, member_id, form.step.data,
                                      data, origin=origin())
            new_state = state_title(person.status)
    except NotFound:
        abort(404)
    except NotAllowed:
        abort(403)
    except ValidationFailed as exc:
        if exc.code == "reason-required" and not exc.errors:
            exc.errors = {"reason": "required"}
        if apply_field_errors(form, exc):
            if exc.code == "reason-required":
                form.reason.errors = [_("This step needs a reason. Write down why.")]
            return _render_member(network_id, member_id, posted=form, status=422)
        flash_domain_error(exc)
    except DomainError as exc:
        flash_domain_error(exc)
    else:
        flash(_("Done. The person is now: %(state)s.", state=new_state), "success")
    return _see_other(".member", network_id=network_id, member_id=member_id)


@bp.post("/personen/<int:member_id>/wissen")
def erase(network_id: int, member_id: int):
    check_id(network_id)
    check_id(member_id)
    form = EraseForm()
    if not form.validate_on_submit():
        network = _network_or_404(network_id)
        if not _may_erase(network):
            abort(403)
        return _render_member(network_id, member_id, erase_form=form, status=422)
    try:
        with write_transaction():
            erase_member(current_user, network_id, member_id, form.reason.data,
                         origin=origin())
    except NotFound:
        abort(404)
    except NotAllowed:
        abort(403)
    except ValidationFailed as exc:
        if apply_field_errors(form, exc):
            return _render_member(network_id, member_id, erase_form=form, status=422)
        flash_domain_error(exc)
    else:
        flash(_("The person's data has been erased."), "success")
    return _see_other(".member", network_id=network_id, member_id=member_id)


# --- The profile ------------------------------------------------------------------------------

@dataclass(frozen=True)
class ProfileRow:
    """One target of the profile against the active members, as the chart and table show it."""

    characteristic: str
    label: str
    have: float
    need: float
    met: bool
    scale: float
    percent: bool = False
    upper: float | None = None  # the top of a range target (the formal share)

    @property
    def have_text(self) -> str:
        return f"{round(self.have * 100)}%" if self.percent else f"{self.have:g}"

    @property
    def need_text(self) -> str:
        if self.percent:
            return _("%(low)s%% to %(high)s%%", low=round(self.need * 100),
                     high=round((self.upper or self.need) * 100))
        return _("at least %(need)s", need=format(self.need, "g"))


def _value_label(characteristic: str, value: str | None) -> str:
    if characteristic in VOCABULARY_OF:
        return term_title(VOCABULARY_OF[characteristic], value)
    return value or ""


def profile_rows(view) -> list[ProfileRow]:
    """Each target of the profile with what the active members have; `met` is the domain's
    verdict (a target is met unless it is among the gaps)."""
    targets, figures = view.targets, view.figures
    if targets is None:
        return []
    open_gaps = {(gap.characteristic, gap.value) for gap in view.gaps}
    rows: list[ProfileRow] = []
    for name in LIST_CHARACTERISTICS:
        values = getattr(targets, name)
        counts = figures.counts.get(name, {})
        scale = max([1, *(counts.get(v, 0) for v in values)])
        rows.extend(ProfileRow(name, _value_label(name, value), counts.get(value, 0), 1,
                               (name, value) not in open_gaps, scale) for value in values)
    share = figures.formal_share
    rows.append(ProfileRow("formal_share", str(CHARACTERISTIC_TITLES["formal_share"]),
                           share or 0, targets.formal_share_min,
                           ("formal_share", None) not in open_gaps, 1, percent=True,
                           upper=targets.formal_share_max))
    reached = len(figures.communities)
    rows.append(ProfileRow("communities", str(CHARACTERISTIC_TITLES["communities"]), reached,
                           targets.min_communities, ("communities", None) not in open_gaps,
                           max(reached, targets.min_communities, 1)))
    voices_scale = max([targets.min_voices_per_community, *figures.communities.values()])
    rows.extend(ProfileRow("voices", community, voices, targets.min_voices_per_community,
                           ("voices", community) not in open_gaps, voices_scale)
                for community, voices in figures.communities.items())
    return rows


CHART_WIDTH, CHART_LABEL, CHART_ROW, CHART_HEADING = 640, 250, 24, 30
CHART_BAR = CHART_WIDTH - CHART_LABEL - 70  # room on the right for the figure


def profile_chart(rows: list[ProfileRow]) -> dict:
    """SVG coordinates of the profile chart: a heading per characteristic, a bar per target."""
    lines, y, current = [], 0, None
    for row in rows:
        if row.characteristic != current:
            current = row.characteristic
            y += CHART_HEADING
            lines.append({"heading": str(CHARACTERISTIC_TITLES[current]), "y": y - 8})
        width = round(CHART_BAR * min(row.have / row.scale, 1)) if row.scale else 0
        need_x = CHART_LABEL + round(CHART_BAR * min(row.need / row.scale, 1))
        upper_x = CHART_LABEL + round(CHART_BAR * min(row.upper / row.scale, 1)) \
            if row.upper is not None else None
        lines.append({"row": row, "y": y, "width": max(width, 2), "need_x": need_x,
                      "upper_x": upper_x, "label": row.label[:34]})
        y += CHART_ROW
    return {"width": CHART_WIDTH, "height": y + 8, "label": CHART_LABEL, "bar": CHART_BAR,
            "row": CHART_ROW, "lines": lines}


def describe_gap(gap) -> str:
    """A gap in words: what the profile asks, and what the active members have."""
    name = str(CHARACTERISTIC_TITLES.get(gap.characteristic, gap.characteristic))
    if gap.characteristic == "formal_share":
        return _("%(name)s: %(have)s%% now, the profile asks for %(need)s%%", name=name,
                 have=round(gap.have * 100), need=round(gap.need * 100))
    if gap.characteristic == "voices":
        return _("%(name)s: %(community)s has %(have)s, the profile asks for %(need)s",
                 name=name, community=gap.value, have=format(gap.have, "g"), need=format(gap.need, "g"))
    if gap.characteristic == "communities":
        return _("%(name)s: %(have)s of %(need)s", name=name, have=format(gap.have, "g"),
                 need=format(gap.need, "g"))
    return _("%(name)s: %(value)s is missing", name=name,
             value=_value_label(gap.characteristic, gap.value))


def _targets_form(network, view, *, posted: bool = False):
    """The targets form: filled in from the profile, or (posted) from the request."""
    districts = districts_of(network)
    form_class = ProfileTargetsForm
    if districts:
        form_class = type("ProfileTargetsForm", (ProfileTargetsForm,), {
            "districts": MultiCheckboxField(ProfileTargetsForm.districts.args[0],
                                            validate_choice=True)})
    if not posted:
        targets = view.targets
        form = form_class(
            formdata=None, profile_id=view.profile_id, version=view.profile_version,
            **{name: list(getattr(targets, name)) for name in ProfileTargetsForm.LIST_FIELDS},
            districts=list(targets.districts) if districts else "\n".join(targets.districts),
            formal_share_min=round(targets.formal_share_min * 100),
            formal_share_max=round(targets.formal_share_max * 100),
            min_communities=targets.min_communities,
            min_voices_per_community=targets.min_voices_per_community)
    else:
        form = form_class()
    for name in ProfileTargetsForm.LIST_FIELDS:
        getattr(form, name).choices = _choices(_terms(VOCABULARY_OF[name]))
    if districts:
        form.districts.choices = [(d, d) for d in districts]
    return form


def _targets_of(form) -> dict:
    districts = form.districts.data or []
    if isinstance(districts, str):
        districts = [line.strip() for line in districts.splitlines() if line.strip()]
    return {**{name: list(getattr(form, name).data or [])
               for name in ProfileTargetsForm.LIST_FIELDS},
            "districts": list(districts),
            "formal_share": {"min": (form.formal_share_min.data or 0) / 100,
                             "max": (form.formal_share_max.data or 0) / 100},
            "min_communities": form.min_communities.data,
            "min_voices_per_community": form.min_voices_per_community.data}


def _render_profile(network_id: int, *, choose_form: ChooseProfileForm | None = None,
                    targets_form: ProfileTargetsForm | None = None, status: int = 200):
    check_id(network_id)
    try:
        view = composition_of(current_user, network_id)
    except NotFound:
        abort(404)
    network = view.network
    may_change = _may_change(network)
    profiles = starting_profiles()
    chosen = next((p for p in profiles if p.id == view.profile_id), None)
    if may_change and choose_form is None:
        choose_form = ChooseProfileForm(formdata=None, profile_id=view.profile_id)
    if choose_form is not None:
        choose_form.profile_id.choices = [("", _("Choose a profile"))] + [
            (p.id, localized(p.title)) for p in profiles]
    if may_change and view.targets is not None and targets_form is None:
        targets_form = _targets_form(network, view)
    rows = profile_rows(view)
    return render_template(
        "composition/profile.html", network=network, view=view, chosen=chosen,
        profiles=profiles, rows=rows, chart=profile_chart(rows),
        may_change=may_change, choose_form=choose_form if may_change else None,
        may_read_people=may_read_people(actor_of(current_user), network),
        targets_form=targets_form if may_change else None), status


@bp.get("/profiel")
def profile(network_id: int):
    return _render_profile(network_id)


def _save_profile(network, form, form_name: str, success: str, *targets, **options):
    """Both profile forms end the same way: one service call, its errors on the form (422) or
    flashed, then back to the profile page."""
    try:
        with write_transaction():
            set_network_profile(current_user, network.id, form.profile_id.data, *targets,
                                origin=origin(), **options)
    except NotFound:
        abort(404)
    except NotAllowed:
        abort(403)
    except ValidationFailed as exc:
        if apply_field_errors(form, exc):
            return _render_profile(network.id, status=422, **{form_name: form})
        flash_domain_error(exc)
    except DomainError as exc:
        flash_domain_error(exc)
    else:
        flash(success, "success")
    return _see_other(".profile", network_id=network.id)


@bp.post("/profiel/kiezen")
def choose_profile(network_id: int):
    network = _network_or_404(network_id)
    refusal = _lead_or_403(network)
    if refusal is not None:
        return refusal
    form = ChooseProfileForm()
    form.profile_id.choices = [("", "")] + [(p.id, p.id) for p in starting_profiles()]
    if not form.validate_on_submit():
        return _render_profile(network.id, choose_form=form, status=422)
    return _save_profile(network, form, "choose_form",
                         _("The network now aims for this profile. You can adjust it below."))


@bp.post("/profiel/doelen")
def adjust_profile(network_id: int):
    network = _network_or_404(network_id)
    refusal = _lead_or_403(network)
    if refusal is not None:
        return refusal
    view = composition_of(current_user, network.id)
    if view.targets is None:
        flash(_("Choose a starting profile first."), "error")
        return _see_other(".profile", network_id=network.id)
    form = _targets_form(network, view, posted=True)
    valid = form.validate_on_submit()
    if valid and form.formal_share_min.data > form.formal_share_max.data:
        form.formal_share_max.errors = [_("This must not be lower than the lowest share.")]
        valid = False
    if not valid:
        return _render_profile(network.id, targets_form=form, status=422)
    return _save_profile(network, form, "targets_form", _("The profile has been adjusted."),
                         _targets_of(form), expected_version=_version(form))


# --- The section on the network page ----------------------------------------------------------

def composition_section(network) -> dict:
    """What the network page shows of the composition: figures for all, links by who may see."""
    view = composition_of(current_user, network.id)
    limits = view.limits
    limit = limits.max_core_size if limits.applies == "core" else \
        limits.max_growth_per_quarter if limits.applies == "growth" else None
    profile = next((p for p in starting_profiles() if p.id == view.profile_id), None)
    return {
        "view": view,
        "limit_text": str(LIMIT_TEXTS[limits.applies]) % {"limit": limit},
        "profile_title": localized(profile.title) if profile else None,
        "may_read_people": may_read_people(actor_of(current_user), network),
        "auto_items": [(localized(item.title), check) for item, check in view.auto_items
                       if item.rule in ("organisations_mapped", "boards_approached",
                                        "intakes_held")],
    }
