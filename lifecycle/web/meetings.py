"""Meeting pages: a network's meetings, the form to log one, a meeting with its agreements.

Attendees are people of the register, so these pages are for those who may read the network's
people (its lead, reviewers, auditors, administrators); each read writes the processing log in
the same transaction, as the API does. Only the network's lead logs meetings and marks
agreements done. Notes record what was discussed and agreed, not who said what.
"""
from __future__ import annotations

from flask import Blueprint, flash, render_template
from flask_babel import gettext as _
from flask_login import current_user

from ..domain.errors import DomainError, ValidationFailed
from ..services.feedback import list_inputs
from ..services.meetings import complete_agreement, create_meeting, get_meeting, list_meetings
from ..services.uow import write_transaction
from .common import apply_field_errors, check_id, flash_domain_error, origin, require_login
from .maintenance_common import (LEAD_OWNER_LABEL, choices, is_closed, is_lead_of,
                                 network_or_404, page_after, people_choices, read, refused,
                                 register_template_helpers, require_lead, see_other)
from .maintenance_forms import LEAD_OWNER, AgreementDoneForm, MeetingForm

bp = Blueprint("meetings", __name__, url_prefix="/netwerken/<int:network_id>")
require_login(bp)
register_template_helpers(bp)

PAGE_SIZE = 50



@bp.get("/bijeenkomsten")
def list_network_meetings(network_id: int):
    check_id(network_id)
    after = page_after()
    page = read(list_meetings, current_user, network_id, after=after, limit=PAGE_SIZE)
    network = page.network
    return render_template(
        "meetings/list.html", network=network, meetings=page.items,
        next_after=page.next_after, may_log=is_lead_of(network) and not is_closed(network))


def _meeting_form(network_id: int, people: list[tuple[int, str]]) -> MeetingForm:
    form = MeetingForm()
    form.form.choices = choices("meeting_forms")
    form.topics.choices = choices("themes")
    form.attendee_ids.choices = people
    owners = [(LEAD_OWNER, str(LEAD_OWNER_LABEL))] + [(str(i), name) for i, name in people]
    for _text, owner, _due in form.agreement_rows():
        owner.choices = owners
    return form


@bp.route("/bijeenkomsten/nieuw", methods=["GET", "POST"])
def new_meeting(network_id: int):
    network = network_or_404(network_id)
    require_lead(network)
    if is_closed(network):
        flash(_("This network is closed. It can no longer change."), "error")
        return see_other("networks.detail", network_id=network_id)
    people = people_choices(network_id)
    form = _meeting_form(network_id, people)
    if form.validate_on_submit():
        agreements, rows = form.agreements()
        try:
            with write_transaction():
                meeting = create_meeting(current_user, network_id, {
                    "held_on": form.held_on.data, "form": form.form.data,
                    "attendee_ids": list(form.attendee_ids.data or []),
                    "topics": list(form.topics.data or []), "notes": form.notes.data or "",
                    "agreements": agreements}, origin=origin())
                meeting_id = meeting.id
        except ValidationFailed as exc:
            _agreement_errors(form, exc, rows)
            if not apply_field_errors(form, exc) and not form.errors:
                flash_domain_error(exc)
        except DomainError as exc:
            return refused(exc, "networks.detail", network_id=network_id)
        else:
            flash(_("The meeting has been logged."), "success")
            return see_other(".meeting", network_id=network_id, meeting_id=meeting_id)
    return render_template("meetings/form.html", network=network, form=form), \
        422 if form.errors else 200


def _agreement_errors(form: MeetingForm, exc: ValidationFailed, rows: list[int]) -> None:
    """The service names an agreement by its place among the filled-in rows."""
    from .common import field_error_message

    for name, code in list(exc.errors.items()):
        if name.startswith("agreements."):
            row = rows[int(name.split(".")[1])]
            target = form[f"agreement_{row}_due_on" if code == "not_a_date"
                          else f"agreement_{row}_text"]
            target.errors = list(target.errors) + [field_error_message(code)]


@bp.get("/bijeenkomsten/<int:meeting_id>")
def meeting(network_id: int, meeting_id: int):
    check_id(network_id)
    found = read(get_meeting, current_user, network_id, check_id(meeting_id))
    network = network_or_404(network_id)
    inputs = {item.agreement_id: item for item in list_inputs(current_user, network_id)
              if item.agreement_id is not None}
    may_change = is_lead_of(network) and not is_closed(network)
    return render_template("meetings/detail.html", network=network, meeting=found,
                           inputs=inputs, may_change=may_change,
                           done_form=AgreementDoneForm(formdata=None) if may_change else None)


@bp.post("/bijeenkomsten/<int:meeting_id>/afspraken/<int:agreement_id>/gedaan")
def agreement_done(network_id: int, meeting_id: int, agreement_id: int):
    check_id(network_id)
    form = AgreementDoneForm()
    back = {"network_id": network_id, "meeting_id": check_id(meeting_id)}
    if not form.validate_on_submit():
        network_or_404(network_id)
        flash(_("The form has expired. Go back, reload the page and try again."), "error")
        return see_other(".meeting", **back)
    try:
        with write_transaction():
            complete_agreement(current_user, network_id, check_id(agreement_id),
                               origin=origin())
    except DomainError as exc:
        return refused(exc, ".meeting", **back)
    flash(_("The agreement is marked as done."), "success")
    return see_other(".meeting", **back)

