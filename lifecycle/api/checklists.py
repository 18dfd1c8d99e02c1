"""API routes for checklists: list them, submit evidence, approve, reject and revoke.

Each write answers the item in the same shape as the checklists listing, read back after the
write has committed, so a client sees exactly what the next listing will show.
"""
from __future__ import annotations

from typing import Any

from marshmallow import fields, validate

from ..domain.checklists import MAX_LINKS
from ..domain.checklists import MAX_TEXT as MAX_EVIDENCE
from ..domain.errors import NotFound
from ..domain.gates import ItemStatus
from ..domain.maintenance import MAX_CADENCE_WEEKS
from ..services import checklists as checklist_service
from ..services.uow import write_transaction
from .blueprint import api_user, feature_blueprint, origin
from .contract import problems
from .schemas import (DAY_BOUNDS, UNICODE_SPACES, ApiSchema, PersonRefSchema, TextSchema, day,
                      integer, text, timestamp, use_error_codes)
from .texts import N_

checklists = feature_blueprint("checklists", tag="Checklists", description=N_(
    "The checklists of a network: evidence from its lead, sign-offs by reviewers (four-eyes)."))

ITEM_ROUTE = "/networks/<int:network_id>/items/<item_id>"
# No spaces or control characters in a link, spelt out (see WHITESPACE in schemas).
LINK_PATTERN = (r"^[Hh][Tt][Tt][Pp][Ss]?://[^\u0000-\u0020\u007f-\u00a0" + UNICODE_SPACES
                + r"]{1,1990}$")


def links_field(**kwargs: Any) -> fields.List:
    return fields.List(
        fields.String(validate=validate.Regexp(LINK_PATTERN, error="invalid"),
                      metadata={"example": "https://ris.venlo.nl/besluit/2026-031"}),
        validate=validate.Length(max=MAX_LINKS, error="too_long"),
        metadata={"description": N_("Links to documents, each starting with https:// or "
                                    "http://.")}, **kwargs)


class DetailsSchema(ApiSchema):
    """What an item that records structured data takes with its evidence (`records` says which):
    a mandate decision (body, decided_on, reference, valid_until), a meeting cadence
    (every_weeks) or an annual review (review_on)."""

    body = text(max_length=200, example="college van burgemeester en wethouders")
    decided_on = day(**DAY_BOUNDS, description=N_(
        "When the decision was taken (not in the future)."))
    reference = text(max_length=100, example="B&W-2026-0117")
    valid_until = day(**DAY_BOUNDS, description=N_("Until when the mandate is valid."))
    every_weeks = integer(minimum=1, maximum=MAX_CADENCE_WEEKS, example=6,
                          description=N_("How often the network meets, in weeks."))
    review_on = day(**DAY_BOUNDS, description=N_("When the annual review takes place."))


class EvidenceInputSchema(ApiSchema):
    """Evidence as an object: the justification, links to documents, and structured details."""

    justification = text(max_length=MAX_EVIDENCE, required=True, description=N_(
        "What shows the item is done."), example="Het college besloot op 12 maart.")
    links = links_field()
    details = fields.Nested(DetailsSchema, metadata={"description": N_(
        "Required for an item that records structured data, refused for any other.")})


def _justification_field() -> fields.String:
    field = text(max_length=MAX_EVIDENCE)
    use_error_codes(field)
    return field


class EvidenceField(fields.Field):
    """The evidence: its justification as text, or an object {justification, links}."""

    def __init__(self, **kwargs: Any) -> None:
        self._text = _justification_field()
        self._object = EvidenceInputSchema()
        super().__init__(metadata={"oneOf": [
            {"type": "string", "minLength": 1, "maxLength": MAX_EVIDENCE,
             "pattern": self._text.validators[1].regex.pattern},
            {"$ref": "#/components/schemas/EvidenceInput"},
        ], "description": N_("The justification as text, or an object with the justification "
                              "and links.")}, **kwargs)
        self.error_messages = {"required": "required", "null": "required", "invalid": "invalid"}

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            return {"justification": self._text.deserialize(value)}
        if isinstance(value, dict):
            return self._object.load(value)
        raise self.make_error("invalid")


class SubmitSchema(ApiSchema):
    evidence = EvidenceField(required=True)
    links = links_field()


class ApproveSchema(ApiSchema):
    comment = text(max_length=MAX_EVIDENCE, blank=True, allow_none=True,
                   example="Akkoord.", description=N_("An optional comment with the sign-off."))


class RejectSchema(ApiSchema):
    REASON_FIELDS = ("comment",)
    comment = text(max_length=MAX_EVIDENCE, required=True, example="Noem het kenmerk.",
                   description=N_("What is missing: a rejection always says why."))


class RevokeSchema(ApiSchema):
    REASON_FIELDS = ("reason",)
    reason = text(max_length=MAX_EVIDENCE, required=True,
                  example="Het besluit is ingetrokken.",
                  description=N_("Why the sign-off no longer holds."))


class EvidenceSchema(ApiSchema):
    """Evidence as submitted: who, when, and what."""

    id = fields.Integer(required=True)
    justification = fields.String(required=True)
    links = fields.List(fields.String(), required=True)
    details = fields.Dict(required=True, allow_none=True, metadata={"description": N_(
        "The structured details, for an item that records them (dates as YYYY-MM-DD).")})
    submitted_by = fields.Nested(PersonRefSchema, required=True)
    submitted_at = timestamp(required=True)


class SignOffSchema(ApiSchema):
    """A reviewer's decision on the current evidence."""

    id = fields.Integer(required=True)
    decision = fields.String(required=True, metadata={"enum": ["approved", "rejected"]})
    comment = fields.String(required=True)
    reviewer = fields.Nested(PersonRefSchema, required=True)
    decided_at = timestamp(required=True)


class ItemSchema(ApiSchema):
    """One checklist item with its status, current evidence and current sign-off."""

    id = fields.String(required=True, attribute="item.id",
                       metadata={"example": "mandate.sponsor_named"})
    checklist = fields.String(required=True, attribute="item.checklist",
                              metadata={"example": "mandate"})
    title = fields.Nested(TextSchema, required=True, attribute="item.title")
    question = fields.Nested(TextSchema, required=True, attribute="item.question")
    required = fields.Boolean(required=True, attribute="item.required")
    check = fields.String(required=True, attribute="item.check", metadata={
        "enum": ["signoff", "auto"], "description": N_(
            "signoff: a reviewer signs it off; auto: computed from the network's own data.")})
    records = fields.String(required=True, allow_none=True, attribute="item.records", metadata={
        "enum": ["mandate_decision", "meeting_cadence", "annual_review", None],
        "description": N_("What structured details its evidence records, if any.")})
    needs_signoff = fields.Boolean(required=True, attribute="item.needs_signoff", metadata={
        "description": N_("Whether a reviewer signs it off (also some automatic items).")})
    auto = fields.Nested(lambda: AutoCheckSchema(), required=True, allow_none=True, metadata={
        "description": N_("For an automatic item: whether its rule holds now, with the "
                          "numbers that show it.")})
    status = fields.String(required=True, metadata={"enum": list(ItemStatus.ALL)})
    satisfied = fields.Boolean(required=True, metadata={"description": N_(
        "Whether the item counts for a gate now.")})
    evidence = fields.Nested(EvidenceSchema, required=True, allow_none=True)
    signoff = fields.Nested(SignOffSchema, required=True, allow_none=True)
    updated_at = timestamp(required=True, allow_none=True)


class AutoCheckSchema(ApiSchema):
    ok = fields.Boolean(required=True)
    figures = fields.Dict(required=True, metadata={"example": {"have": 4, "need": 5}})


class ChecklistSchema(ApiSchema):
    id = fields.String(required=True, attribute="checklist.id",
                       metadata={"example": "mandate"})
    title = fields.Nested(TextSchema, required=True, attribute="checklist.title")
    done = fields.Integer(required=True)
    total = fields.Integer(required=True)
    items = fields.List(fields.Nested(ItemSchema), required=True)


class ChecklistListSchema(ApiSchema):
    network_id = fields.Integer(required=True)
    stage = fields.String(required=True)
    checklists = fields.List(fields.Nested(ChecklistSchema), required=True)


ITEM_WRITE_PROBLEMS = ("forbidden", "not-found", "invalid-transition", "read-only")


@checklists.route("/networks/<int:network_id>/checklists", methods=["GET"],
                  summary=N_("List a network's checklists"),
                  description=N_("Every checklist of the network's workflow, with each item's "
                                 "status, evidence and sign-off."))
@checklists.response(200, ChecklistListSchema)
@problems("not-found")
def list_checklists(network_id: int):
    network, views = checklist_service.checklists_of(api_user(), network_id)
    return {"network_id": network.id, "stage": network.stage, "checklists": views}


def item_answer(network_id: int, item_id: str):
    _network, views = checklist_service.checklists_of(api_user(), network_id)
    for checklist in views:
        for view in checklist.items:
            if view.item.id == item_id:
                return view
    raise NotFound("No such checklist item.")  # only if the workflow changed under us


@checklists.route(f"{ITEM_ROUTE}/submit", methods=["POST"], summary=N_("Submit evidence"),
                  description=N_("The network's lead submits or changes the evidence of an "
                                 "item; a current sign-off then needs renewing."))
@checklists.arguments(SubmitSchema, example={
    "evidence": {"justification": "Het college besloot op 12 maart.",
                 "links": ["https://ris.venlo.nl/besluit/2026-031"]}})
@checklists.response(200, ItemSchema)
@problems(*ITEM_WRITE_PROBLEMS)
def submit_evidence(data, network_id: int, item_id: str):
    evidence = data["evidence"]
    links = evidence["links"] if "links" in evidence else data.get("links")
    with write_transaction():
        checklist_service.submit_evidence(api_user(), network_id, item_id,
                                          evidence["justification"], links,
                                          details=evidence.get("details"), origin=origin())
    return item_answer(network_id, item_id)


@checklists.route(f"{ITEM_ROUTE}/approve", methods=["POST"], summary=N_("Sign off an item"),
                  description=N_("A reviewer signs off submitted evidence; never on a network "
                                 "they lead, nor on evidence they submitted."))
@checklists.arguments(ApproveSchema, required=False, example={"comment": "Akkoord."})
@checklists.response(200, ItemSchema)
@problems(*ITEM_WRITE_PROBLEMS, "four-eyes")
def approve_item(data, network_id: int, item_id: str):
    with write_transaction():
        checklist_service.approve_item(api_user(), network_id, item_id, data.get("comment"),
                                       origin=origin())
    return item_answer(network_id, item_id)


@checklists.route(f"{ITEM_ROUTE}/reject", methods=["POST"], summary=N_("Reject an item"),
                  description=N_("A reviewer rejects submitted evidence and says what is "
                                 "missing (four-eyes, as for a sign-off)."))
@checklists.arguments(RejectSchema, example={"comment": "Noem het kenmerk van het besluit."})
@checklists.response(200, ItemSchema)
@problems(*ITEM_WRITE_PROBLEMS, "four-eyes", "reason-required")
def reject_item(data, network_id: int, item_id: str):
    with write_transaction():
        checklist_service.reject_item(api_user(), network_id, item_id, data["comment"],
                                      origin=origin())
    return item_answer(network_id, item_id)


@checklists.route(f"{ITEM_ROUTE}/revoke", methods=["POST"], summary=N_("Revoke a sign-off"),
                  description=N_("A reviewer withdraws a current sign-off; the item then needs "
                                 "a new one."))
@checklists.arguments(RevokeSchema, example={"reason": "Het besluit is ingetrokken."})
@checklists.response(200, ItemSchema)
@problems(*ITEM_WRITE_PROBLEMS, "four-eyes", "reason-required")
def revoke_signoff(data, network_id: int, item_id: str):
    with write_transaction():
        checklist_service.revoke_signoff(api_user(), network_id, item_id, data["reason"],
                                         origin=origin())
    return item_answer(network_id, item_id)
