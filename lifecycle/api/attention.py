"""API routes for what needs attention and the municipal dashboard's figures.

`GET /attention` is the attention list of the user's municipality, most overdue first, each with
its reason; `GET /notifications` the user's own notifications; `GET /dashboard` the figures
behind the dashboard's charts. All are counts and dates: no personal data.
"""
from __future__ import annotations

from marshmallow import fields

from ..notices import reason_text
from ..services import attention as attention_service
from ..services import insights as insights_service
from .blueprint import api_user, feature_blueprint
from .schemas import ApiSchema, timestamp
from .texts import N_

attention = feature_blueprint("attention", tag="Attention", description=N_(
    "What needs attention across the municipality's networks, and the dashboard's figures."))

KINDS = ["meeting_cadence", "mandate_expired", "review_due", "input_overdue", "signal_overdue",
         "members_silent"]


class NetworkRefSchema(ApiSchema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)


class AttentionItemSchema(ApiSchema):
    """One thing that is overdue, with the day it fell due and the reason in words."""

    kind = fields.String(required=True, metadata={"enum": KINDS})
    network = fields.Nested(NetworkRefSchema, required=True)
    due_on = fields.Date(required=True)
    overdue_days = fields.Integer(required=True)
    ref = fields.String(required=True, metadata={"description": N_(
        "Which input or signal it is about (its id), or empty for the network itself.")})
    details = fields.Dict(required=True, metadata={"description": N_(
        "Figures for the reason, such as the cadence in weeks or a count of members.")})
    reason = fields.String(required=True, metadata={"description": N_(
        "The reason in words, in the language of the request.")})


class AttentionListSchema(ApiSchema):
    items = fields.List(fields.Nested(AttentionItemSchema), required=True)


class NotificationSchema(ApiSchema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True, metadata={"enum": KINDS})
    network_id = fields.Integer(required=True, allow_none=True)
    due_on = fields.Date(required=True)
    reason = fields.String(required=True)
    created_at = timestamp(required=True)
    sent_at = timestamp(required=True, allow_none=True)
    delivery = fields.String(required=True, allow_none=True, metadata={
        "enum": ["smtp", "log", None], "description": N_(
            "smtp: sent by e-mail; log: no mail server is configured, so it went to the log.")})


class NotificationListSchema(ApiSchema):
    items = fields.List(fields.Nested(NotificationSchema), required=True)


class StageFigureSchema(ApiSchema):
    stage = fields.String(required=True)
    networks = fields.Integer(required=True)
    median_days = fields.Float(required=True, allow_none=True, metadata={"description": N_(
        "The median days networks stayed in this stage, over the stays that ended.")})
    stays = fields.Integer(required=True)


class OnTimeSchema(ApiSchema):
    month = fields.String(required=True, metadata={"example": "2026-03"})
    on_time = fields.Integer(required=True)
    late = fields.Integer(required=True)
    not_due = fields.Integer(required=True, metadata={"description": N_(
        "Open and still within the deadline: not counted either way.")})
    share = fields.Float(required=True, allow_none=True)


class InputSpeedSchema(ApiSchema):
    answered = fields.Integer(required=True)
    median_days = fields.Float(required=True, allow_none=True)
    answered_by_due_date = fields.Integer(required=True)
    share_by_due_date = fields.Float(required=True, allow_none=True)
    open = fields.Integer(required=True)
    open_overdue = fields.Integer(required=True)


class DashboardSchema(ApiSchema):
    """The municipal dashboard's figures over the last twelve months."""

    today = fields.Date(required=True)
    months = fields.List(fields.String(), required=True)
    stages = fields.List(fields.Nested(StageFigureSchema), required=True)
    themes = fields.List(fields.String(), required=True)
    signals_by_month = fields.Dict(keys=fields.String(), values=fields.Dict(
        keys=fields.String(), values=fields.Integer()), required=True, metadata={
        "description": N_("Per month, per theme: the number of signals.")})
    on_time = fields.List(fields.Nested(OnTimeSchema), required=True)
    on_time_total = fields.Nested(OnTimeSchema, required=True)
    inputs = fields.Nested(InputSpeedSchema, required=True)


@attention.route("/attention", methods=["GET"], summary=N_("Read the attention list"),
                 description=N_("Everything overdue in your municipality's networks, most "
                                "overdue first: meeting cadence, expired mandates, reviews, "
                                "inputs for policy, signals past their deadline, members not "
                                "heard from."))
@attention.response(200, AttentionListSchema)
def attention_list():
    return {"items": [{
        "kind": entry.item.kind, "network": entry.network, "due_on": entry.item.due_on,
        "overdue_days": entry.item.overdue_days, "ref": entry.item.ref,
        "details": entry.item.details,
        "reason": reason_text(entry.item.kind, entry.item.due_on, entry.item.details)}
        for entry in attention_service.attention_list(api_user())]}


@attention.route("/notifications", methods=["GET"], summary=N_("Read your notifications"),
                 description=N_("Your latest notifications, whether or not they went out by "
                                "e-mail."))
@attention.response(200, NotificationListSchema)
def list_notifications():
    return {"items": [{
        "id": n.id, "kind": n.kind, "network_id": n.network_id, "due_on": n.due_on,
        "reason": reason_text(n.kind, n.due_on, n.details), "created_at": n.created_at,
        "sent_at": n.sent_at, "delivery": n.delivery}
        for n in attention_service.notifications_for(api_user())]}


@attention.route("/dashboard", methods=["GET"], summary=N_("Read the dashboard's figures"),
                 description=N_("Networks by stage, median time per stage, signals by theme "
                                "and month, the share handled on time, and how quickly inputs "
                                "for policy get an answer."))
@attention.response(200, DashboardSchema)
def dashboard():
    insights = insights_service.insights_for(api_user())
    return {"today": insights.today, "months": insights.months, "stages": insights.stages,
            "themes": insights.themes, "signals_by_month": insights.signals_by_month,
            "on_time": insights.on_time, "on_time_total": insights.on_time_total,
            "inputs": insights.inputs}
