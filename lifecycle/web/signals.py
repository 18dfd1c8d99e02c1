"""Signal pages: a network's signals with their deadlines, the form to record one, and a signal
with the steps possible now (assess, act, forward to a partner, close).

A signal is a theme in a district, never a named person: the form has no field for one, and its
description is short and warns. Signals name the member they came from, so they are read by
those who may read the network's people, and each read writes the processing log. Only the
network's lead records and handles signals; the steps are data (`signal-handling.yaml`).
"""
from __future__ import annotations

from flask import Blueprint, flash, render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..domain.errors import (DomainError, InvalidTransition, ReadOnly, ReasonRequired,
                             ValidationFailed)
from ..domain.signals import OVERDUE, OVERDUE_3X
from ..models import utcnow
from ..services.common import districts_of
from ..services.feedback import list_inputs
from ..services.signals import (FORWARD, LIVEABILITY, list_signals, record_signal,
                                signal_record, take_signal_step, timeliness_of, update_signal)
from ..services.uow import write_transaction
from ..services.workflows import catalogue
from .common import apply_field_errors, check_id, flash_domain_error, origin, require_login
from .maintenance_common import (choices, is_closed, is_lead_of, network_or_404, page_after,
                                 people_choices, read, refused, register_template_helpers,
                                 require_lead, see_other)
from .maintenance_forms import SOURCE_NETWORK, DeeperThemeForm, SignalForm, SignalStepForm

bp = Blueprint("signals", __name__, url_prefix="/netwerken/<int:network_id>/signalen")
require_login(bp)
register_template_helpers(bp)

PAGE_SIZE = 50

# How a signal stands against its deadline, as a text badge (never colour alone).
TIMELINESS_BADGES = {
    "on_time": (_l("Within its deadline"), "success"),
    OVERDUE: (_l("Past its deadline"), "warning"),
    OVERDUE_3X: (_l("Past three times its deadline"), "danger"),
}
HANDLED_BADGES = {
    "on_time": (_l("Handled on time"), "success"),
    OVERDUE: (_l("Handled late"), "warning"),
    OVERDUE_3X: (_l("Handled very late"), "danger"),
}


def timeliness_badge(signal, now) -> tuple[str, str]:
    badges = HANDLED_BADGES if signal.handled_at is not None else TIMELINESS_BADGES
    label, kind = badges[timeliness_of(signal, now)]
    return str(label), kind



@bp.get("")
def list_network_signals(network_id: int):
    check_id(network_id)
    after = page_after()
    page = read(list_signals, current_user, network_id, after=after, limit=PAGE_SIZE)
    network = page.network
    return render_template(
        "signals/list.html", network=network, signals=page.items, next_after=page.next_after,
        now=utcnow(), badge_of=timeliness_badge,
        may_record=is_lead_of(network) and not is_closed(network))


def _signal_form(network) -> SignalForm:
    form = SignalForm()
    form.theme.choices = choices("themes")
    form.urgency.choices = choices("urgencies")
    districts = districts_of(network)
    form.district.choices = [("", _("Not a particular district"))] + [(d, d) for d in districts]
    form.source_member_id.choices = [(SOURCE_NETWORK, _("The network as a whole"))] + [
        (str(person_id), name) for person_id, name in people_choices(network.id)]
    # These selects always carry a value, so their labels must not say "optional".
    form.district.flags.required = form.source_member_id.flags.required = True
    return form


@bp.route("/nieuw", methods=["GET", "POST"])
def new_signal(network_id: int):
    network = network_or_404(network_id)
    require_lead(network)
    if is_closed(network):
        flash(_("This network is closed. It can no longer change."), "error")
        return see_other("networks.detail", network_id=network_id)
    form = _signal_form(network)
    has_districts = bool(districts_of(network))
    if form.validate_on_submit():
        district = form.district.data if has_districts else form.district_name.data
        try:
            with write_transaction():
                signal = record_signal(current_user, network_id, {
                    "reported_on": form.reported_on.data, "theme": form.theme.data,
                    "district": district or None, "description": form.description.data,
                    "source_member_id": int(form.source_member_id.data)
                    if form.source_member_id.data else None,
                    "urgency": form.urgency.data}, origin=origin())
                signal_id = signal.id
        except ValidationFailed as exc:
            if not has_districts and "district" in exc.errors:
                exc.errors["district_name"] = exc.errors.pop("district")
            if not apply_field_errors(form, exc):
                flash_domain_error(exc)
        except DomainError as exc:
            return refused(exc, "networks.detail", network_id=network_id)
        else:
            flash(_("The signal has been recorded."), "success")
            return see_other(".signal", network_id=network_id, signal_id=signal_id)
    return render_template("signals/form.html", network=network, form=form,
                           has_districts=has_districts), 422 if form.errors else 200


def _step_form(step, posted: SignalStepForm | None = None) -> SignalStepForm:
    """The form of one step; ids carry the step so several forms fit on one page."""
    form = posted if posted is not None else SignalStepForm(formdata=None, step=step.id)
    for name in ("note", "partner_kind", "partner_name"):
        form[name].id = f"step-{step.id}-{name}"
    form.partner_kind.choices = choices("partners")
    if step.reason_required:
        form.note.flags.required = True
    if step.id == FORWARD:
        form.partner_kind.flags.required = form.partner_name.flags.required = True
    return form


def _deeper_form(signal, posted: DeeperThemeForm | None = None) -> DeeperThemeForm:
    form = posted if posted is not None else DeeperThemeForm(
        formdata=None, deeper_theme=signal.deeper_theme or "", version=str(signal.version))
    form.deeper_theme.choices = [("", _("Not linked to a deeper theme"))] + [
        (theme_id, title) for theme_id, title in choices("themes") if theme_id != LIVEABILITY]
    form.deeper_theme.flags.required = True
    return form


def _render_signal(network_id: int, signal_id: int, *, posted_step: SignalStepForm | None = None,
                   posted_deeper: DeeperThemeForm | None = None, status: int = 200):
    record = read(signal_record, current_user, network_id, check_id(signal_id))
    network, signal = record.network, record.signal
    may_change = is_lead_of(network) and not is_closed(network)
    steps = []
    for option in record.options:
        posted = posted_step if posted_step is not None and \
            posted_step.step.data == option.step.id else None
        steps.append({"option": option,
                      "form": _step_form(option.step, posted) if may_change else None})
    inputs = [item for item in list_inputs(current_user, network_id)
              if item.signal_id == signal.id]
    return render_template(
        "signals/detail.html", network=network, signal=signal, history=record.steps,
        steps=steps, deadline_badge=timeliness_badge(signal, utcnow()), inputs=inputs,
        may_change=may_change, forward=FORWARD,
        deeper_form=_deeper_form(signal, posted_deeper)
        if may_change and signal.theme == LIVEABILITY else None,
        final=catalogue().signal_pipeline.is_final(signal.status)), status


@bp.get("/<int:signal_id>")
def signal(network_id: int, signal_id: int):
    check_id(network_id)
    return _render_signal(network_id, signal_id)


@bp.post("/<int:signal_id>/stap")
def take_step(network_id: int, signal_id: int):
    check_id(network_id)
    check_id(signal_id)
    form = SignalStepForm()
    form.partner_kind.choices = choices("partners")
    back = {"network_id": network_id, "signal_id": signal_id}
    if not form.validate_on_submit():
        if form.step.errors:
            network_or_404(network_id)
            flash(_("Choose a step to take."), "error")
            return see_other(".signal", **back)
        if not is_lead_of(network_or_404(network_id)):
            flash(_("Only the project lead of this network can take these steps."), "error")
            return see_other(".signal", **back)
        return _render_signal(network_id, signal_id, posted_step=form, status=422)
    data = {"note": form.note.data or None}
    if form.step.data == FORWARD:
        data.update(partner_kind=form.partner_kind.data or None,
                    partner_name=form.partner_name.data or None)
    try:
        with write_transaction():
            found = take_signal_step(current_user, network_id, signal_id, form.step.data, data,
                                     origin=origin())
            status = found.status
    except ReasonRequired:
        form.note.errors = [_("This step needs a note. Write down why the signal is closed.")]
        return _render_signal(network_id, signal_id, posted_step=form, status=422)
    except ValidationFailed as exc:
        if not apply_field_errors(form, exc):
            flash_domain_error(exc)
            return see_other(".signal", **back)
        return _render_signal(network_id, signal_id, posted_step=form, status=422)
    except (InvalidTransition, ReadOnly):
        network_or_404(network_id)
        flash(_("This step is not possible in the signal's current status. The page now shows "
                "the latest status and the steps that are possible."), "error")
        return see_other(".signal", **back)
    except DomainError as exc:
        return refused(exc, ".signal", **back)
    flash(_("Done. The signal's status is now: %(status)s.",
            status=_state_title(status)), "success")
    return see_other(".signal", **back)


def _state_title(state_id: str) -> str:
    from .maintenance_common import term

    return term("signal_states", state_id)


@bp.post("/<int:signal_id>/dieper-thema")
def link_deeper_theme(network_id: int, signal_id: int):
    check_id(network_id)
    check_id(signal_id)
    form = DeeperThemeForm()
    form.deeper_theme.choices = [("", "")] + [
        (theme_id, title) for theme_id, title in choices("themes") if theme_id != LIVEABILITY]
    back = {"network_id": network_id, "signal_id": signal_id}
    if not form.validate_on_submit():
        if not is_lead_of(network_or_404(network_id)):
            flash(_("Only the project lead of this network can take these steps."), "error")
            return see_other(".signal", **back)
        return _render_signal(network_id, signal_id, posted_deeper=form, status=422)
    version = form.version.data or ""
    try:
        with write_transaction():
            update_signal(current_user, network_id, signal_id,
                          {"deeper_theme": form.deeper_theme.data or None},
                          expected_version=int(version) if version.isdigit() else -1,
                          origin=origin())
    except ValidationFailed as exc:
        if not apply_field_errors(form, exc):
            flash_domain_error(exc)
            return see_other(".signal", **back)
        return _render_signal(network_id, signal_id, posted_deeper=form, status=422)
    except DomainError as exc:
        return refused(exc, ".signal", **back)
    flash(_("The deeper theme has been saved."), "success")
    return see_other(".signal", **back)
