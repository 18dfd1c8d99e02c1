"""The history pages: one network's audit history, and the municipality-wide audit trail.

Both are read from the audit records (services.history) and page by sequence number (keyset,
`?after=<seq>`). The records keep references, not copies of personal data, so this module turns
them into readable lines: translated action labels, workflow titles in the user's language, and
names looked up in the same query for the whole page.
"""
from __future__ import annotations

from datetime import date
from itertools import islice
from typing import Any

from flask import Blueprint, Response, abort, current_app, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..domain.audit import canonical_json
from ..domain.errors import NotAllowed, NotFound, ValidationFailed
from ..domain.permissions import ADMIN, AUDITOR
from ..domain.workflow import WorkflowDefinition
from ..services import history as history_service
from ..services.history import AUDIT_ACTIONS, AuditFilters
from ..services.audit_evidence import ExportFilters
from ..services.networks import get_network
from ..services.uow import write_transaction
from .common import origin
from ..services.workflows import latest_workflow, workflow_of
from .common import MAX_DB_ID, apply_field_errors, check_id, field_error_message, require_login
from .dashboard import item_title, stage_title, step_title
from .forms import FORM_CHOICES, LEVEL_CHOICES, ROLE_CHOICES, AuditExportForm, AuditFilterForm

bp = Blueprint("history", __name__)
require_login(bp)

PAGE_SIZE = 50
MAX_SEQ = 2**63 - 1  # sequence numbers are BIGINT; a larger `after` cannot match anything
# Dates the filter accepts: converting a day at the edge of the calendar to UTC would overflow.
EARLIEST_FILTER_DATE = date(1900, 1, 1)
LATEST_FILTER_DATE = date(9998, 12, 31)
TEXT_PREVIEW = 80

ACTION_LABELS = {
    "auth.login": _l("Log in"),
    "auth.throttled": _l("Too many failed attempts"),
    "user.created": _l("Create user"),
    "user.updated": _l("Edit user"),
    "user.roles_changed": _l("Change roles"),
    "user.deactivated": _l("Deactivate user"),
    "user.activated": _l("Reactivate user"),
    "user.password_changed": _l("Change password"),
    "user.mfa_enabled": _l("Turn on two-factor login"),
    "user.mfa_reset": _l("Reset two-factor login"),
    "token.created": _l("Create API token"),
    "token.revoked": _l("Revoke API token"),
    "network.created": _l("Create network"),
    "network.updated": _l("Edit network"),
    "network.lead_reassigned": _l("Reassign project lead"),
    "network.stage_changed": _l("Change stage"),
    "item.evidence_submitted": _l("Submit evidence"),
    "item.approved": _l("Sign off item"),
    "item.rejected": _l("Reject item"),
    "item.signoff_revoked": _l("Revoke sign-off"),
    "auth.logout": _l("Log out"),
    "auth.token_refused": _l("Unknown or revoked API token"),
    "security.forbidden": _l("No access"),
    "security.out_of_scope": _l("Object of another municipality"),
    "security.refusals_repeated": _l("Repeated refusals"),
    "audit.exported": _l("Export the log"),
    "personal_data.read": _l("Read personal data"),
}

RESULT_LABELS = {"ok": (_l("ok"), "success"), "refused": (_l("refused"), "danger")}

USER_ROLE_LABELS = {"lead": _l("project lead"), "reviewer": _l("reviewer"),
                    "auditor": _l("auditor"), "admin": _l("administrator")}
ITEM_STATUS_LABELS = {"open": _l("open"), "submitted": _l("waiting for sign-off"),
                      "approved": _l("signed off"), "rejected": _l("rejected")}
REFUSAL_LABELS = {
    "forbidden": _l("not allowed for this user"),
    "four-eyes": _l("four-eyes principle"),
    "gate-blocked": _l("checklist items are not signed off"),
    "invalid-transition": _l("not possible from this stage"),
    "reason-required": _l("a reason is required"),
    "validation-failed": _l("the input was not valid"),
    "read-only": _l("the network is closed"),
    "conflict": _l("a simultaneous change"),
}
LOGIN_REASONS = {"bad_credentials": _l("wrong password, or the account is not active"),
                 "unknown_account": _l("unknown e-mail address"),
                 "bad_code": _l("wrong two-factor code")}
SECOND_FACTOR_LABELS = {"totp": _l("code from the app"), "recovery_code": _l("recovery code"),
                        True: _l("on"), False: _l("off")}
THROTTLE_LABELS = {"login": _l("log in"), "second_factor": _l("two-factor code"),
                   "api_token": _l("unknown or revoked API token"),
                   "account": _l("per account"), "address": _l("per address")}
USER_FIELD_LABELS = {"name": _l("Name"), "email": _l("E-mail address")}
FIELD_LABELS = {
    "name": _l("Name"), "goal": _l("Goal"), "form": _l("Network form"),
    "form_justification": _l("Why this form"), "level": _l("Level"),
    "roles": _l("Roles"), "stage": _l("Stage"), "paused_from": _l("Paused from"),
    "lead_id": _l("Project lead"), "workflow": _l("Workflow"), "trigger": _l("Step"),
    "reason": _l("Reason"), "status": _l("Status"), "reopened": _l("Reopened items"),
    "missing": _l("Missing items"), "refusal": _l("Refused because"),
    "prefix": _l("Token"), "evidence_id": _l("Evidence number"),
    "signoff_id": _l("Sign-off number"),
    "second_factor": _l("Two-factor login"), "recovery_codes": _l("Recovery codes"),
    "attempt": _l("Attempt"), "scope": _l("Counted"), "window_seconds": _l("Window (seconds)"),
    "fields": _l("Changed"), "active": _l("Active"),
    "route": _l("Route"), "repeats": _l("Repeated"), "repeated_action": _l("Refused action"),
    "first_seq": _l("First record"), "records": _l("Records"), "log": _l("Log"),
    "format": _l("File format"), "filters": _l("Filters"),
}
# Order of the lines in a summary; keys not listed follow in alphabetical order.
FIELD_ORDER = ("trigger", "stage", "paused_from", "status", "reason", "refusal", "missing",
               "reopened", "name", "lead_id", "goal", "form", "form_justification", "level",
               "roles", "workflow", "prefix")
HIDDEN_FIELDS = frozenset({"municipality_id", "stale_signoff"})

_CHOICE_LABELS = {"form": dict(FORM_CHOICES), "level": dict(LEVEL_CHOICES)}
_NETWORK_ROLE_LABELS = dict(ROLE_CHOICES)


def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


def _is_empty(value: Any) -> bool:
    return value is None or value == [] or value == ""


def _preview(text: Any) -> str:
    text = "" if text is None else str(text)
    return text if len(text) <= TEXT_PREVIEW else text[:TEXT_PREVIEW - 1].rstrip() + "…"


def actor_label(user_id: int | None, names: dict[int, str]) -> str:
    """A user's name; "system" for the operator; the number for a user whose data is erased."""
    if user_id is None:
        return _("system")
    if user_id in names:
        return names[user_id]
    return _("unknown user #%(id)s", id=user_id)


class RecordDescriber:
    """Turns one audit record's object, before and after values into readable lines."""

    def __init__(self, definition: WorkflowDefinition | None, names: dict[int, str]):
        self.definition = definition
        self.names = names

    def value(self, record, key: str, value: Any) -> str:
        if _is_empty(value):
            return "—"
        if key in ("stage", "paused_from"):
            return stage_title(self.definition, str(value))
        if key == "trigger":
            return step_title(self.definition, str(value))
        if key == "status":
            return str(ITEM_STATUS_LABELS.get(value, value))
        if key == "refusal":
            return str(REFUSAL_LABELS.get(value, value))
        if key == "reason" and record.action == "auth.login":
            return str(LOGIN_REASONS.get(value, value))
        if key == "second_factor":
            return str(SECOND_FACTOR_LABELS.get(value, value))
        if key in ("attempt", "scope"):
            return str(THROTTLE_LABELS.get(value, value))
        if key == "active":
            return _("yes") if value else _("no")
        if key == "fields" and isinstance(value, list):
            return ", ".join(str(USER_FIELD_LABELS.get(field, field)) for field in value)
        if key == "lead_id" and isinstance(value, int):
            return actor_label(value, self.names)
        if key == "roles" and isinstance(value, list):
            labels = USER_ROLE_LABELS if record.object_type == "user" else _NETWORK_ROLE_LABELS
            return ", ".join(str(labels.get(role, role)) for role in value)
        if key in _CHOICE_LABELS:
            return str(_CHOICE_LABELS[key].get(value, value))
        if key == "reopened" and isinstance(value, list):
            return ", ".join(item_title(self.definition, str(item)) for item in value)
        if key == "missing" and isinstance(value, list):
            return ", ".join(
                item_title(self.definition, str(m.get("item"))) if isinstance(m, dict) else str(m)
                for m in value)
        if isinstance(value, (list, tuple)):
            return ", ".join(_preview(v) for v in value)
        return _preview(value)

    def object_line(self, record) -> str | None:
        if record.object_type == "checklist_item" and record.object_id:
            item_id = record.object_id.partition(":")[2]
            return _("Item: %(title)s", title=item_title(self.definition, item_id))
        if record.object_type == "user" and record.object_id and record.object_id.isdecimal():
            return _("User: %(name)s", name=actor_label(int(record.object_id), self.names))
        if record.object_type == "api_token" and record.object_id:
            return _("API token #%(id)s", id=record.object_id)
        return None

    def lines(self, record) -> list[str]:
        """Readable lines: the object, then each changed value as "field: before → after"."""
        before = record.before if isinstance(record.before, dict) else {}
        after = record.after if isinstance(record.after, dict) else {}
        lines = []
        object_line = self.object_line(record)
        if object_line:
            lines.append(object_line)
        keys = [k for k in dict.fromkeys([*before, *after]) if k not in HIDDEN_FIELDS]
        keys.sort(key=lambda k: (FIELD_ORDER.index(k) if k in FIELD_ORDER else len(FIELD_ORDER), k))
        for key in keys:
            if _is_empty(before.get(key)) and _is_empty(after.get(key)):
                continue
            label = str(FIELD_LABELS.get(key, key))
            if not _is_empty(before.get(key)) and key in after:
                if before[key] == after[key]:
                    continue
                lines.append(_("%(field)s: %(before)s → %(after)s", field=label,
                               before=self.value(record, key, before[key]),
                               after=self.value(record, key, after[key])))
            else:
                value = before[key] if _is_empty(after.get(key)) else after[key]
                lines.append(_("%(field)s: %(value)s", field=label,
                               value=self.value(record, key, value)))
        if after.get("stale_signoff"):
            lines.append(_("The earlier sign-off is no longer current."))
        return lines


def describe_page(page, definition: WorkflowDefinition | None) -> list[dict[str, Any]]:
    describer = RecordDescriber(definition, page.actor_names)
    rows = []
    for record in page.items:
        label, kind = RESULT_LABELS.get(record.result, (record.result, "neutral"))
        rows.append({
            "record": record,
            "actor": actor_label(record.actor_id, page.actor_names),
            "action": action_label(record.action),
            "result_label": str(label),
            "result_kind": kind,
            "details": describer.lines(record),
            "canonical": canonical_json(record),
        })
    return rows


def _is_plain_number(raw: str) -> bool:
    # isdigit() alone accepts "²", which int() refuses; the length cap keeps int() from
    # refusing (or slowly converting) thousands of digits.
    return raw.isascii() and raw.isdigit() and len(raw) <= len(str(MAX_SEQ))


def _after_argument() -> int | None:
    """The keyset position from the query string; anything but a sequence number is a 400."""
    raw = request.args.get("after", "")
    if raw == "":
        return None
    if not _is_plain_number(raw) or int(raw) > MAX_SEQ:
        abort(400)
    return int(raw)


def _workflow_or_none(loader, *args) -> WorkflowDefinition | None:
    try:
        return loader(*args)
    except NotFound:
        return None


@bp.get("/netwerken/<int:network_id>/geschiedenis")
def network_history(network_id: int):
    check_id(network_id)
    user = current_user._get_current_object()
    try:
        network = get_network(user, network_id)  # out of scope: 404 before anything else
        after = _after_argument()
        page = history_service.network_history(user, network_id, after=after, limit=PAGE_SIZE)
    except NotFound:
        abort(404)
    definition = _workflow_or_none(workflow_of, network)
    next_url = (url_for("history.network_history", network_id=network.id, after=page.next_after)
                if page.next_after is not None else None)
    return render_template("history/network.html", network=network,
                           rows=describe_page(page, definition), next_url=next_url,
                           first_page=after is None)


def _choices(form: AuditFilterForm, users) -> None:
    form.actor.choices = [("", _("Everyone"))] + [(str(u.id), u.name) for u in users]
    form.action.choices = [("", _("All actions"))] + sorted(
        ((code, action_label(code)) for code in AUDIT_ACTIONS), key=lambda pair: pair[1].lower())


def _number(raw: str | None, upper: int) -> int | None | bool:
    """A positive whole number within range; None if empty; False if not a valid number."""
    raw = (raw or "").strip()
    if not raw:
        return None
    if not _is_plain_number(raw) or not 1 <= int(raw) <= upper:
        return False
    return int(raw)


def _filters_from(form: AuditFilterForm, user_ids: set[int]) -> AuditFilters | None:
    """Read the filter form; on any bad value, tie an error to its field and return None."""
    form.validate()
    network_id = _number(form.network.data, MAX_DB_ID)
    if network_id is False:
        form.network.errors.append(_("Give a network number, such as 12."))
    actor_id = _number(form.actor.data, MAX_DB_ID)
    if actor_id is False or (actor_id is not None and actor_id not in user_ids):
        form.actor.errors.append(field_error_message("invalid_choice"))
    action = form.action.data or None
    if action is not None and action not in AUDIT_ACTIONS:
        form.action.errors.append(field_error_message("invalid_choice"))
    for field in (form.date_from, form.date_to):
        if field.data and not EARLIEST_FILTER_DATE <= field.data <= LATEST_FILTER_DATE:
            field.errors.append(_("Choose a date between %(first)s and %(last)s.",
                                  first=EARLIEST_FILTER_DATE.year, last=LATEST_FILTER_DATE.year))
    if form.errors:
        return None
    return AuditFilters(network_id=network_id, actor_id=actor_id, action=action,
                        date_from=form.date_from.data, date_to=form.date_to.data)


def _filter_arguments(filters: AuditFilters) -> dict[str, str]:
    """The filters as query arguments, so the next page keeps them."""
    values = {"network": filters.network_id, "actor": filters.actor_id, "action": filters.action,
              "date_from": filters.date_from and filters.date_from.isoformat(),
              "date_to": filters.date_to and filters.date_to.isoformat()}
    return {key: str(value) for key, value in values.items() if value}


@bp.get("/audit")
def audit_log():
    user = current_user._get_current_object()
    # The service refuses other roles too; checking first also keeps the municipality's user
    # list (the actor filter) from users who may not see this page.
    if not user.roles & {AUDITOR, ADMIN}:
        abort(403)
    after = _after_argument()
    users = history_service.municipality_users(user)
    form = AuditFilterForm(formdata=request.args)
    _choices(form, users)
    filters = _filters_from(form, {u.id for u in users})
    rows, next_url, status = None, None, 200
    if filters is not None:
        try:
            page = history_service.audit_log(user, filters, after=after, limit=PAGE_SIZE)
        except NotAllowed:
            abort(403)
        except ValidationFailed as exc:
            apply_field_errors(form, exc)
            page = None
        if page is not None:
            definition = _workflow_or_none(latest_workflow, user.municipality.workflow_name)
            rows = describe_page(page, definition)
            if page.next_after is not None:
                next_url = url_for("history.audit_log", **_filter_arguments(filters),
                                   after=page.next_after)
    if rows is None:
        status = 400
    export_form = AuditExportForm(formdata=None, prefix="export")
    _choices(export_form, users)
    return render_template("history/audit.html", form=form, rows=rows, next_url=next_url,
                           first_page=after is None, export_form=export_form), status


EXPORT_EXTENSIONS = {"jsonl": "jsonl", "csv": "csv"}
EXPORT_CHUNK_LINES = 500


@bp.post("/audit/export")
def audit_export():
    """Download the audit trail or the processing log, filtered; the export is itself audited."""
    user = current_user._get_current_object()
    if not user.roles & {AUDITOR, ADMIN}:
        abort(403)
    users = history_service.municipality_users(user)
    export_form = AuditExportForm(prefix="export")
    _choices(export_form, users)
    filters = _filters_from(export_form, {u.id for u in users})
    if filters is not None and export_form.log.data == "processing" and filters.action:
        export_form.action.errors.append(
            _("The action filter is for the audit trail; leave it empty for the processing log."))
        filters = None
    export = None
    if filters is not None:
        try:
            with write_transaction():
                export = history_service.export_log(
                    user, export_form.log.data, export_form.format.data,
                    ExportFilters(network_id=filters.network_id, actor_id=filters.actor_id,
                                  action=filters.action, date_from=filters.date_from,
                                  date_to=filters.date_to), origin=origin())
        except NotAllowed:
            abort(403)
        except ValidationFailed as exc:
            apply_field_errors(export_form, exc)
    if export is None:
        form = AuditFilterForm(formdata=None)
        _choices(form, users)
        return render_template("history/audit.html", form=form, rows=None, next_url=None,
                               first_page=True, export_form=export_form), 422
    filename = f"voelspriet-{export.kind}-{date.today().isoformat()}.{EXPORT_EXTENSIONS[export.fmt]}"
    # Streamed in chunks while the database is read in batches: memory stays flat. Each chunk
    # is read in an app context of its own, pushed and popped around that read only, so a
    # download that is never read, or read by a server between other requests, leaves no
    # context behind.
    app = current_app._get_current_object()

    def body():
        while True:
            with app.app_context():
                chunk = "".join(islice(export.lines, EXPORT_CHUNK_LINES))
            if not chunk:
                return
            yield chunk

    response = Response(body(), mimetype=export.mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["X-Export-Records"] = str(export.count)
    return response
