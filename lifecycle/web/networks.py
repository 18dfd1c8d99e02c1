"""Network pages: the list, the create and edit forms, the lead picker, the network page and its
printable file (dossier).

The network page is where a lead moves a network through its lifecycle: it shows every step
from the current stage, and for each blocked step exactly which checklist items keep it shut.
Everything is scoped to the user's municipality by the services; anything else is a 404.
"""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..domain.errors import (Conflict, DomainError, GateBlocked, NotAllowed, NotFound,
                             ReasonRequired, ValidationFailed)
from ..domain.permissions import ADMIN, LEAD
from ..models import utcnow
from ..services.checklists import checklists_of, reopened_items
from ..domain.permissions import may_read_people
from ..services.common import actor_of
from ..services.feedback import exchange_by_quarter
from ..services.history import full_network_history
from ..services.lifecycle import advance_network, stage_timeline, transition_options
from ..services.networks import (create_network, get_network, leads_of_municipality,
                                 list_networks as list_networks_in_scope, update_network)
from ..services.uow import write_transaction
from ..services.workflows import latest_workflow, workflow_of
from .common import (DOMAIN_MESSAGES, MAX_DB_ID, apply_field_errors, check_id,
                     flash_domain_error, gate_missing_titles, has_role, localized, origin,
                     require_login)
from .composition import composition_section
from .history import describe_page
from .forms import (FORM_CHOICES, LEVEL_CHOICES, ROLE_CHOICES, LeadForm, NetworkFilterForm,
                    NetworkForm, TransitionForm)

bp = Blueprint("networks", __name__, url_prefix="/netwerken")
require_login(bp)

FORM_LABELS = dict(FORM_CHOICES)
LEVEL_LABELS = dict(LEVEL_CHOICES)
ROLE_LABELS = dict(ROLE_CHOICES)

# Why a checklist item keeps a gate shut (MissingItem.reason), in the user's words.
MISSING_REASONS = {
    "not_submitted": _l("no evidence submitted yet"),
    "awaiting_signoff": _l("waiting for a sign-off"),
    "rejected": _l("the evidence was rejected"),
    "auto_not_met": _l("the automatic check is not met"),
}


def missing_reason_text(reason: str) -> str:
    return str(MISSING_REASONS.get(reason, MISSING_REASONS["not_submitted"]))


def _is_lead_of(network) -> bool:
    return has_role(LEAD) and network.lead_id == current_user.id


def _see_other(endpoint: str, **values):
    """Answer a POST with 303, so reloading the next page never repeats the action."""
    return redirect(url_for(endpoint, **values), code=303)


def _is_plain_number(value: str) -> bool:
    # str.isdigit() alone also accepts digits like "²" that int() refuses.
    return value.isascii() and value.isdigit() and len(value) <= 12


def _parse_after(value: str | None) -> int | None:
    """The keyset cursor: absent, or a network id; anything else is a bad request."""
    if value is None or value == "":
        return None
    if not _is_plain_number(value) or int(value) > MAX_DB_ID:
        abort(400)
    return int(value)


def _posted_version(form) -> int:
    """The version the user's form was built from; unreadable means "unknown", so a conflict."""
    value = form.version.data or ""
    return int(value) if _is_plain_number(value) and int(value) <= MAX_DB_ID else -1


def _network_or_404(network_id: int):
    try:
        return get_network(current_user, check_id(network_id))
    except NotFound:
        abort(404)


@bp.get("")
def list_networks():
    definition = latest_workflow(current_user.municipality.workflow_name)
    form = NetworkFilterForm(formdata=request.args)
    form.stage.choices = [("", _("All stages"))] + [
        (state.id, localized(state.title)) for state in definition.states]
    stage = request.args.get("stage") or None
    if stage is not None and stage not in {state.id for state in definition.states}:
        abort(400)
    after = _parse_after(request.args.get("after"))
    page = list_networks_in_scope(current_user, stage=stage, after=after,
                                  limit=current_app.config.get("PAGE_SIZE", 50))
    rows = [(network, localized(workflow_of(network).state(network.stage).title))
            for network in page.items]
    next_url = (url_for(".list_networks", stage=stage, after=page.next_after)
                if page.next_after is not None else None)
    return render_template(
        "networks/list.html", form=form, rows=rows, next_url=next_url,
        stage_title=localized(definition.state(stage).title) if stage else None,
        is_first_page=after is None, may_create=has_role(LEAD))


def _network_form(**kwargs) -> NetworkForm:
    form = NetworkForm(**kwargs)
    # These selects always carry a value, so their labels must not say "optional".
    form.form.flags.required = form.level.flags.required = True
    return form


def _network_fields(form: NetworkForm) -> dict:
    return {
        "name": form.name.data or "",
        "goal": form.goal.data or "",
        "form": form.form.data,
        "form_justification": form.form_justification.data or "",
        "level": form.level.data,
        "roles": list(form.roles.data or []),
    }


@bp.route("/nieuw", methods=["GET", "POST"])
def new_network():
    if not has_role(LEAD):
        abort(403)
    form = _network_form()
    if form.validate_on_submit():
        try:
            with write_transaction():
                network = create_network(current_user, _network_fields(form), origin=origin())
                network_id, name = network.id, network.name
        except NotAllowed:
            abort(403)
        except ValidationFailed as exc:
            if not apply_field_errors(form, exc):
                flash_domain_error(exc)
        except DomainError as exc:
            flash_domain_error(exc)
        else:
            flash(_("The network %(name)s has been created.", name=name), "success")
            return _see_other(".detail", network_id=network_id)
    return render_template("networks/form.html", form=form, network=None), \
        422 if form.errors else 200


@bp.route("/<int:network_id>/bewerken", methods=["GET", "POST"])
def edit_network(network_id: int):
    network = _network_or_404(network_id)
    if workflow_of(network).is_final(network.stage):
        flash(str(DOMAIN_MESSAGES["read-only"]), "error")
        return _see_other(".detail", network_id=network.id)
    if not _is_lead_of(network):
        abort(403)
    # On POST only the posted data counts: a missing version must not default to the current one.
    form = _network_form(obj=network) if request.method == "GET" else _network_form()
    if form.validate_on_submit():
        answer = _save_change(network_id, form, _network_fields(form), ".edit_network",
                              lambda: _("Your changes have been saved."))
        if answer is not None:
            return answer
    return render_template("networks/form.html", form=form, network=network), \
        422 if form.errors else 200


def _save_change(network_id: int, form, data: dict, retry_endpoint: str, success):
    """Save an edit with the version the form was based on; None means: show the form again.

    On a conflict the form is shown afresh with what is saved now, so nothing is overwritten
    unseen; other refusals go back to the network page.
    """
    try:
        with write_transaction():
            update_network(current_user, network_id, data,
                           expected_version=_posted_version(form), origin=origin())
    except ValidationFailed as exc:
        if not apply_field_errors(form, exc):
            flash_domain_error(exc)
        return None
    except Conflict as exc:
        flash_domain_error(exc)
        return _see_other(retry_endpoint, network_id=network_id)
    except NotFound:
        abort(404)
    except DomainError as exc:
        flash_domain_error(exc)
        return _see_other(".detail", network_id=network_id)
    flash(success(), "success")
    return _see_other(".detail", network_id=network_id)


@bp.route("/<int:network_id>/projectleider", methods=["GET", "POST"])
def change_lead(network_id: int):
    network = _network_or_404(network_id)
    if not has_role(ADMIN):
        abort(403)
    if workflow_of(network).is_final(network.stage):
        flash(str(DOMAIN_MESSAGES["read-only"]), "error")
        return _see_other(".detail", network_id=network.id)
    form = LeadForm(lead_id=network.lead_id, version=network.version) \
        if request.method == "GET" else LeadForm()
    leads = leads_of_municipality(current_user)
    form.lead_id.choices = [(lead.id, f"{lead.name} ({lead.email})") for lead in leads]
    if form.validate_on_submit():
        answer = _save_change(
            network_id, form, {"lead_id": form.lead_id.data}, ".change_lead",
            lambda: _("%(name)s is now the project lead of this network.",
                      name=next(lead.name for lead in leads if lead.id == form.lead_id.data)))
        if answer is not None:
            return answer
    return render_template("networks/lead.html", form=form, network=network), \
        422 if form.errors else 200


def _step_form(option, network, posted: TransitionForm | None = None) -> TransitionForm:
    """The form that fires one step; ids carry the trigger so several forms fit on one page."""
    form = posted or TransitionForm(formdata=None, trigger=option.id,
                                    expected_stage=network.stage)
    form.reason.id = f"step-{option.id}-reason"
    if option.trigger.reason_required:
        form.reason.flags.required = True
    return form


def _render_detail(network_id: int, posted_step: TransitionForm | None = None,
                   status: int = 200):
    check_id(network_id)
    try:
        network, checklists = checklists_of(current_user, network_id)
        _network, options = transition_options(current_user, network_id)
    except NotFound:
        abort(404)
    definition = workflow_of(network)
    is_lead = _is_lead_of(network)
    closed = definition.is_final(network.stage)
    steps = []
    for option in options:
        posted = posted_step if posted_step is not None and \
            posted_step.trigger.data == option.id else None
        steps.append({
            "option": option,
            "title": localized(option.trigger.title),
            "dest_title": localized(definition.state(option.dest).title) if option.dest else None,
            "form": _step_form(option, network, posted) if is_lead and option.available else None,
        })
    return render_template(
        "networks/detail.html", network=network, definition=definition,
        stage_title=localized(definition.state(network.stage).title),
        paused_from_title=localized(definition.state(network.paused_from).title)
        if network.paused_from else None,
        timeline=stage_timeline(network), reopened=reopened_items(network), steps=steps,
        checklists=checklists, is_lead=is_lead, closed=closed,
        may_edit=is_lead and not closed, may_change_lead=has_role(ADMIN) and not closed,
        posted_step=posted_step, form_labels=FORM_LABELS, level_labels=LEVEL_LABELS,
        roles_text=", ".join(str(ROLE_LABELS.get(role, role)) for role in network.roles or ()),
        missing_reason_text=missing_reason_text, composition=composition_section(network),
        exchange_quarters=exchange_by_quarter(current_user, network_id),
        may_see_people=may_read_people(actor_of(current_user), network),
    ), status


@bp.get("/<int:network_id>")
def detail(network_id: int):
    return _render_detail(network_id)


@bp.get("/<int:network_id>/dossier")
def dossier(network_id: int):
    """The network's file for print: stage, timeline, checklists in full, and its history."""
    check_id(network_id)
    try:
        network, checklists = checklists_of(current_user, network_id)
        history = full_network_history(current_user, network_id)
    except NotFound:
        abort(404)
    definition = workflow_of(network)
    return render_template(
        "networks/dossier.html", network=network, definition=definition,
        stage_title=localized(definition.state(network.stage).title),
        paused_from_title=localized(definition.state(network.paused_from).title)
        if network.paused_from else None,
        timeline=stage_timeline(network), checklists=checklists,
        history_rows=describe_page(history, definition),
        history_complete=history.next_after is None, printed_at=utcnow(),
        form_labels=FORM_LABELS, level_labels=LEVEL_LABELS,
        roles_text=", ".join(str(ROLE_LABELS.get(role, role)) for role in network.roles or ()),
    )


@bp.post("/<int:network_id>/stap")
def advance(network_id: int):
    check_id(network_id)
    form = TransitionForm()
    if not form.validate_on_submit():
        if form.reason.errors and not form.trigger.errors:
            return _render_detail(network_id, posted_step=form, status=422)
        _network_or_404(network_id)
        flash(_("Choose a step to take."), "error")
        return _see_other(".detail", network_id=network_id)
    try:
        with write_transaction():
            network = advance_network(current_user, network_id, form.trigger.data,
                                      form.reason.data, expected_stage=form.expected_stage.data
                                      or None, origin=origin())
            new_stage = localized(workflow_of(network).state(network.stage).title)
    except NotFound:
        abort(404)
    except ReasonRequired:
        form.reason.errors = [_("This step needs a reason. Write down why you take it.")]
        return _render_detail(network_id, posted_step=form, status=422)
    except GateBlocked as exc:
        titles = gate_missing_titles(exc, workflow_of(_network_or_404(network_id)))
        flash(_("This step is not possible yet. Still missing: %(items)s.",
                items="; ".join(titles)), "error")
    except DomainError as exc:
        flash_domain_error(exc)
    else:
        flash(_("The network is now in stage %(stage)s.", stage=new_stage), "success")
    return _see_other(".detail", network_id=network_id)
