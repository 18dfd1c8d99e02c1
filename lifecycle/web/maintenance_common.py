"""What the maintenance pages share: the vocabularies' titles in the user's language, loading a
network for a page, the people of its register as a select's options, and answering a POST.

The vocabularies (meeting forms, signal themes, urgencies, partners, the signal's states and
steps) are data; `term` looks up a title for a template, `choices` builds a select's options.
"""
from __future__ import annotations

from flask import abort, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..domain.errors import DomainError, NotAllowed, NotFound
from ..domain.permissions import LEAD
from ..services.networks import get_network
from ..services.registers import list_members
from ..services.uow import write_transaction
from ..services.workflows import catalogue, workflow_of
from .common import MAX_DB_ID, check_id, flash_domain_error, has_role, localized

# An agreement without a person of the register as its owner is the lead's.
LEAD_OWNER_LABEL = _l("The project lead")
# A network starts small (the growth limit); a register longer than this is not a select's job.
PEOPLE_CHOICES_LIMIT = 200


def _terms(vocabulary: str):
    rules = catalogue().signal_rules
    pipeline = catalogue().signal_pipeline
    return {
        "meeting_forms": catalogue().vocabularies.meeting_forms,
        "themes": rules.themes,
        "urgencies": rules.urgencies,
        "partners": rules.partners,
        "signal_states": pipeline.states,
        "signal_steps": pipeline.steps,
    }[vocabulary]


def term(vocabulary: str, term_id: str | None) -> str:
    """The title of a term in the user's language; the bare id if the data lacks it."""
    if term_id is None:
        return ""
    found = next((t for t in _terms(vocabulary) if t.id == term_id), None)
    return localized(found.title) if found is not None else str(term_id)


def choices(vocabulary: str) -> list[tuple[str, str]]:
    return [(t.id, localized(t.title)) for t in _terms(vocabulary)]


def see_other(endpoint: str, **values):
    """Answer a POST with 303, so reloading the next page never repeats the action."""
    return redirect(url_for(endpoint, **values), code=303)


def network_or_404(network_id: int):
    try:
        return get_network(current_user, check_id(network_id))
    except NotFound:
        abort(404)


def is_lead_of(network) -> bool:
    return has_role(LEAD) and network.lead_id == current_user.id


def is_closed(network) -> bool:
    return workflow_of(network).is_final(network.stage)


def require_lead(network) -> None:
    """Forms that only the network's lead gets: anyone else is refused with 403."""
    if not is_lead_of(network):
        abort(403)


def refused(exc: DomainError, endpoint: str, **values):
    """A POST the domain refused: say why in a flash message and go back (303); something
    out of scope is simply not found."""
    if isinstance(exc, NotFound):
        abort(404)
    flash_domain_error(exc)
    return see_other(endpoint, **values)


def read(service, *args, **kwargs):
    """Run a read that writes the processing log (in its own transaction, as the API does);
    out of scope is 404, a user who may not read the network's people gets 403. What it
    loaded is shown as the read saw it, not loaded again."""
    try:
        with write_transaction(keep_loaded=True):
            return service(*args, **kwargs)
    except NotFound:
        abort(404)
    except NotAllowed:
        abort(403)


def people_choices(network_id: int) -> list[tuple[int, str]]:
    """The people of the network's register, not erased, as (id, name) options of a select.
    Reading them is logged in the processing log, in a transaction of its own (`read`)."""
    page = read(list_members, current_user, network_id, limit=PEOPLE_CHOICES_LIMIT)
    return [(m.id, m.name) for m in page.items if m.erased_at is None]


def page_after() -> int | None:
    """The keyset cursor of a list (?after=id): absent, or an id; anything else is a 400."""
    value = request.args.get("after")
    if value in (None, ""):
        return None
    if not (value.isascii() and value.isdigit() and len(value) <= 12) or int(value) > MAX_DB_ID:
        abort(400)
    return int(value)


def register_template_helpers(bp) -> None:
    bp.add_app_template_global(term, "term")
