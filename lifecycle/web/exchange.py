"""The two-way exchange of a network: inputs for policy and their answers, and what the members
were told.

"Dankzij het netwerk kregen de leden informatie; omgekeerd konden ze de overheid feedback
geven." The exchange page shows both directions: the inputs for policy (open ones stay on the
list until their answer is recorded), the "what we did with your input" log, the briefings to
members, and counts per quarter. A signal or a meeting agreement becomes input for policy on a
form of its own. Everyone of the municipality reads this page (it names no member); only the
network's lead writes.
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..domain.errors import DomainError, InvalidTransition, ValidationFailed
from ..models import utcnow
from ..services.feedback import (exchange_by_quarter, hand_to_policy, is_overdue, list_briefings,
                                 list_inputs, record_answer, share_briefing)
from ..services.meetings import get_meeting
from ..services.signals import signal_record
from ..services.uow import write_transaction
from .common import check_id, field_error_message, flash_domain_error, origin, require_login
from .maintenance_common import (is_closed, is_lead_of, network_or_404, read, refused,
                                 register_template_helpers, require_lead, see_other)
from .maintenance_forms import AnswerForm, BriefingForm, PolicyInputForm

bp = Blueprint("exchange", __name__, url_prefix="/netwerken/<int:network_id>")
require_login(bp)
register_template_helpers(bp)

# Field errors of these forms that the shared table does not know.
EXTRA_FIELD_ERRORS = {
    "in_past": _l("This date is in the past. Choose today or a later day."),
    "before_created_on": _l("This date is before the input was handed to policy."),
}


def _apply_errors(form, exc: ValidationFailed) -> bool:
    """Copy the service's field errors onto the form; True if any field matched."""
    matched = False
    for name, code in exc.errors.items():
        field = getattr(form, name, None)
        if field is not None and hasattr(field, "errors"):
            message = EXTRA_FIELD_ERRORS.get(code)
            field.errors = list(field.errors) + [str(message) if message
                                                 else field_error_message(code)]
            matched = True
    return matched


def _answer_form(item, posted: AnswerForm | None = None) -> AnswerForm:
    form = posted if posted is not None else AnswerForm(formdata=None)
    for name in ("answer", "answered_on"):
        form[name].id = f"answer-{item.id}-{name}"
    return form


def _render_exchange(network_id: int, *, posted_answer: tuple[int, AnswerForm] | None = None,
                     briefing_form: BriefingForm | None = None, status: int = 200):
    network = network_or_404(network_id)
    may_change = is_lead_of(network) and not is_closed(network)
    items = list_inputs(current_user, network_id)
    open_items = [item for item in items if item.answered_on is None]
    answered = sorted((item for item in items if item.answered_on is not None),
                      key=lambda item: (item.answered_on, item.id), reverse=True)
    answer_forms = {}
    if may_change:
        for item in open_items:
            posted = posted_answer[1] if posted_answer and posted_answer[0] == item.id else None
            answer_forms[item.id] = _answer_form(item, posted)
    if may_change and briefing_form is None:
        briefing_form = BriefingForm(formdata=None)
    now = utcnow()
    return render_template(
        "exchange/index.html", network=network, open_items=open_items, answered=answered,
        briefings=list_briefings(current_user, network_id),
        quarters=exchange_by_quarter(current_user, network_id), answer_forms=answer_forms,
        overdue={item.id for item in open_items if is_overdue(item, now)},
        briefing_form=briefing_form if may_change else None, may_change=may_change,
        posted_answer=posted_answer), status


@bp.get("/uitwisseling")
def exchange(network_id: int):
    check_id(network_id)
    return _render_exchange(network_id)


@bp.post("/uitwisseling/inbreng/<int:input_id>/antwoord")
def answer(network_id: int, input_id: int):
    check_id(network_id)
    check_id(input_id)
    form = AnswerForm()
    if not form.validate_on_submit():
        network = network_or_404(network_id)
        if not is_lead_of(network):
            flash(_("Only the project lead of this network can record answers."), "error")
            return see_other(".exchange", network_id=network_id)
        return _render_exchange(network_id, posted_answer=(input_id, form), status=422)
    try:
        with write_transaction():
            record_answer(current_user, network_id, input_id, {
                "answer": form.answer.data,
                **({"answered_on": form.answered_on.data} if form.answered_on.data else {})},
                origin=origin())
    except ValidationFailed as exc:
        if not _apply_errors(form, exc):
            flash_domain_error(exc)
            return see_other(".exchange", network_id=network_id)
        return _render_exchange(network_id, posted_answer=(input_id, form), status=422)
    except InvalidTransition:
        flash(_("This input has its answer already."), "error")
        return see_other(".exchange", network_id=network_id)
    except DomainError as exc:
        return refused(exc, ".exchange", network_id=network_id)
    flash(_("The answer has been saved. It is now in the log of what was done with the "
            "network's input."), "success")
    return see_other(".exchange", network_id=network_id)


@bp.post("/uitwisseling/briefing")
def briefing(network_id: int):
    check_id(network_id)
    form = BriefingForm()
    if not form.validate_on_submit():
        network = network_or_404(network_id)
        if not is_lead_of(network):
            flash(_("Only the project lead of this network can log what was shared."), "error")
            return see_other(".exchange", network_id=network_id)
        return _render_exchange(network_id, briefing_form=form, status=422)
    try:
        with write_transaction():
            share_briefing(current_user, network_id, {
                "kind": form.kind.data, "title": form.title.data, "summary": form.summary.data,
                **({"shared_on": form.shared_on.data} if form.shared_on.data else {})},
                origin=origin())
    except ValidationFailed as exc:
        if not _apply_errors(form, exc):
            flash_domain_error(exc)
            return see_other(".exchange", network_id=network_id)
        return _render_exchange(network_id, briefing_form=form, status=422)
    except DomainError as exc:
        return refused(exc, ".exchange", network_id=network_id)
    flash(_("What was shared with the members has been logged."), "success")
    return see_other(".exchange", network_id=network_id)



def _policy_form_page(network_id: int, source: dict, source_text: str, back: tuple):
    """The form that hands a signal or an agreement to policy, and its answer."""
    form = PolicyInputForm()
    if form.validate_on_submit():
        try:
            with write_transaction():
                hand_to_policy(current_user, network_id, {
                    **source, "summary": form.summary.data, "recipient": form.recipient.data,
                    "due_on": form.due_on.data}, origin=origin())
        except ValidationFailed as exc:
            if not _apply_errors(form, exc):
                flash_domain_error(exc)
        except DomainError as exc:
            return refused(exc, back[0], **back[1])
        else:
            flash(_("The input has been handed to policy. It stays on your list until its "
                    "answer is recorded."), "success")
            return see_other(".exchange", network_id=network_id)
    elif not form.is_submitted():
        form.summary.data = source_text
    return render_template("exchange/policy_input.html", network=network_or_404(network_id),
                           form=form, source_text=source_text, back=back), \
        422 if form.errors else 200


@bp.route("/signalen/<int:signal_id>/naar-beleid", methods=["GET", "POST"])
def signal_to_policy(network_id: int, signal_id: int):
    network = network_or_404(network_id)
    require_lead(network)
    record = read(signal_record, current_user, network_id, check_id(signal_id))
    return _policy_form_page(network_id, {"signal_id": record.signal.id},
                             record.signal.description,
                             ("signals.signal", {"network_id": network_id,
                                                 "signal_id": record.signal.id}))


@bp.route("/bijeenkomsten/<int:meeting_id>/afspraken/<int:agreement_id>/naar-beleid",
          methods=["GET", "POST"])
def agreement_to_policy(network_id: int, meeting_id: int, agreement_id: int):
    network = network_or_404(network_id)
    require_lead(network)
    meeting = read(get_meeting, current_user, network_id, check_id(meeting_id))
    agreement = next((a for a in meeting.agreements if a.id == agreement_id), None)
    if agreement is None:
        abort(404)
    return _policy_form_page(network_id, {"agreement_id": agreement.id}, agreement.text,
                             ("meetings.meeting", {"network_id": network_id,
                                                   "meeting_id": meeting.id}))
