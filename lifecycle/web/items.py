"""Checklist item pages: the question, the evidence, the sign-offs and their full history.

The lead submits or changes evidence here; a reviewer signs it off, rejects it or revokes a
sign-off. Each form is shown only to who may use it, and the services refuse everyone else
anyway (a four-eyes refusal is recorded in the audit trail by the service).
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..domain.errors import (DomainError, InvalidTransition, NotFound, ReasonRequired,
                             ValidationFailed)
from ..domain.checklists import item_actions
from ..services.checklists import (approve_item, checklists_of, item_history, reject_item,
                                   revoke_signoff, submit_evidence)
from ..services.common import actor_of
from ..services.uow import write_transaction
from ..services.workflows import workflow_of
from .common import apply_field_errors, check_id, flash_domain_error, origin, require_login
from .forms import DecisionForm, EvidenceForm, RevokeForm

bp = Blueprint("items", __name__, url_prefix="/netwerken/<int:network_id>/items/<item_id>")
require_login(bp)

# Plain-language explanations of the auto rules a workflow may use (lifecycle.domain.gates);
# a test checks that every rule in `AUTO_RULES` has one.
AUTO_RULE_TEXTS = {
    "network_form_justified": _l("Met when a network form is chosen and its justification has "
                                 "at least 20 characters."),
    "network_roles_chosen": _l("Met when at least one role of the network is chosen."),
    "organisations_mapped": _l("Met when enough organisations are in the network's register "
                               "of organisations."),
    "boards_approached": _l("Met when the boards of enough organisations in the register were "
                            "approached."),
    "intakes_held": _l("Met when enough intake conversations are recorded for the network."),
    "diversity_sectors": _l("Met when the active members cover the sectors and organisation "
                            "types of the network's profile."),
    "diversity_communities": _l("Met when the members' organisations reach enough "
                                "communities."),
    "diversity_voices": _l("Met when every community the network reaches has enough voices in "
                           "it."),
    "diversity_formal_informal": _l("Met when the share of formal key figures is within the "
                                    "range of the network's profile."),
    "diversity_age_gender": _l("Met when the active members cover the age bands and genders of "
                               "the network's profile."),
    "diversity_member_types": _l("Met when the active members cover the member types of the "
                                 "network's profile."),
    "core_meetings_held": _l("Met when enough meetings of the small core took place with its "
                             "members."),
    "mandate_valid": _l("Met when the signed-off mandate decision is valid today."),
}


def _see_item(network_id: int, item_id: str):
    """Answer a POST with 303 to the item page, so a reload never repeats the action."""
    return redirect(url_for(".detail", network_id=network_id, item_id=item_id), code=303)


def _load(network_id: int, item_id: str):
    """The network, the item's checklist view, and its history; 404 when out of scope."""
    check_id(network_id)
    try:
        network, checklists = checklists_of(current_user, network_id)
        evidence, signoffs = item_history(current_user, network_id, item_id)
    except NotFound:
        abort(404)
    checklist, view = next((c, v) for c in checklists for v in c.items if v.item.id == item_id)
    return network, checklist, view, evidence, signoffs


def _abilities(network, view) -> dict[str, bool]:
    """Which forms this user gets; the domain decides, and the services check again on POST."""
    state = view.state
    submitted_by = state.evidence.submitted_by_id if state is not None and state.evidence else None
    return item_actions(actor_of(current_user), network, view.item, view.status, submitted_by,
                        closed=workflow_of(network).is_final(network.stage))


def _render(network_id: int, item_id: str, *, evidence_form: EvidenceForm | None = None,
            decision_form: DecisionForm | None = None, revoke_form: RevokeForm | None = None,
            status: int = 200):
    network, checklist, view, evidence, signoffs = _load(network_id, item_id)
    may = _abilities(network, view)
    if evidence_form is None and may["submit"]:
        current = view.state.evidence if view.state is not None else None
        evidence_form = EvidenceForm(
            formdata=None, justification=current.justification if current else "",
            links="\n".join(current.links or []) if current else "")
    definition = workflow_of(network)
    return render_template(
        "items/detail.html", network=network, definition=definition,
        checklist=checklist.checklist, view=view, state=view.state, evidence_history=evidence,
        signoffs=signoffs, may=may, closed=definition.is_final(network.stage),
        auto_rule_text=str(AUTO_RULE_TEXTS.get(view.item.rule or "", "")),
        evidence_form=evidence_form if may["submit"] else None,
        decision_form=(decision_form or DecisionForm(formdata=None)) if may["decide"] else None,
        revoke_form=(revoke_form or RevokeForm(formdata=None)) if may["revoke"] else None,
    ), status


@bp.get("")
def detail(network_id: int, item_id: str):
    return _render(network_id, item_id)


def _refused(network_id: int, item_id: str, exc: DomainError):
    """Flash why a POST was refused and show the item again (303)."""
    if isinstance(exc, InvalidTransition):
        if "status" in exc.details:
            flash(_("This is not possible in the item's current status. The page now shows the "
                    "latest status."), "error")
        else:
            flash(_("This item is checked automatically. It needs no evidence or sign-off."),
                  "error")
    else:
        flash_domain_error(exc)
    return _see_item(network_id, item_id)


def _invalid(network_id: int, item_id: str, ability: str, **forms):
    """Show the form again with its errors, or refuse when this user does not get the form."""
    network, _checklist, view, _evidence, _signoffs = _load(network_id, item_id)
    if not _abilities(network, view)[ability]:
        flash(_("You cannot do this on this item now."), "error")
        return _see_item(network_id, item_id)
    return _render(network_id, item_id, status=422, **forms)


def _act(network_id: int, item_id: str, form, ability: str, form_key: str, perform,
         success: str, reason_required_message: str | None = None):
    """Validate `form`, run one service call in a write transaction, and answer the POST.

    Field errors re-render the item page (422) with the form under `form_key`; refusals flash
    why and redirect (303); success flashes `success` and redirects (303).
    """
    check_id(network_id)
    if not form.validate_on_submit():
        return _invalid(network_id, item_id, ability, **{form_key: form})
    try:
        with write_transaction():
            perform()
    except NotFound:
        abort(404)
    except ValidationFailed as exc:
        if isinstance(exc, ReasonRequired) and reason_required_message:
            form.comment.errors = [reason_required_message]
        elif not apply_field_errors(form, exc):
            flash_domain_error(exc)
        return _render(network_id, item_id, status=422, **{form_key: form})
    except DomainError as exc:
        return _refused(network_id, item_id, exc)
    flash(success, "success")
    return _see_item(network_id, item_id)


@bp.post("/bewijs")
def submit(network_id: int, item_id: str):
    form = EvidenceForm()
    links = [line.strip() for line in (form.links.data or "").splitlines() if line.strip()]
    check_id(network_id)
    _network, _checklist, view, _evidence, _signoffs = _load(network_id, item_id)

    def perform():
        try:
            submit_evidence(current_user, network_id, item_id, form.justification.data, links,
                            details=form.details_for(view.item.records), origin=origin())
        except ValidationFailed as exc:  # "details.valid_until" is the form's details_valid_until
            exc.errors = {name.replace("details.", "details_"): code
                          for name, code in exc.errors.items()}
            raise

    return _act(network_id, item_id, form, "submit", "evidence_form", perform,
                _("Your evidence has been saved. The item now waits for a sign-off."))


@bp.post("/aftekenen")
def approve(network_id: int, item_id: str):
    form = DecisionForm()
    return _act(network_id, item_id, form, "decide", "decision_form",
                lambda: approve_item(current_user, network_id, item_id, form.comment.data,
                                     origin=origin()),
                _("You signed off this item."))


@bp.post("/afwijzen")
def reject(network_id: int, item_id: str):
    form = DecisionForm()
    return _act(network_id, item_id, form, "decide", "decision_form",
                lambda: reject_item(current_user, network_id, item_id, form.comment.data,
                                    origin=origin()),
                _("You rejected this item. The project lead can submit new evidence."),
                _("Write a comment when you reject: say what is missing."))


@bp.post("/intrekken")
def revoke(network_id: int, item_id: str):
    form = RevokeForm()
    return _act(network_id, item_id, form, "revoke", "revoke_form",
                lambda: revoke_signoff(current_user, network_id, item_id, form.reason.data,
                                       origin=origin()),
                _("You revoked the sign-off. The item needs a new sign-off."))
