"""WTForms forms of the HTML interface (Flask-WTF adds CSRF protection to each)."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (DateField, EmailField, HiddenField, IntegerField, PasswordField,
                     SelectField, SelectMultipleField, StringField, TextAreaField)
from wtforms.validators import DataRequired, EqualTo, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from flask_babel import lazy_gettext as _l

from ..services.networks import MAX_NAME, MAX_TEXT

def required() -> DataRequired:
    """DataRequired with our own plain-language message (WTForms' own is formal)."""
    return DataRequired(message=_l("This field is required."))


FORM_CHOICES = [("structural", _l("Structural key-figure network")),
                ("ad_hoc", _l("Ad hoc network"))]
LEVEL_CHOICES = [("individual", _l("Individual: parents, educators, key figures")),
                 ("group", _l("Group: mosques, sports clubs, schools")),
                 ("broad", _l("Broad: a social agenda or a location"))]
ROLE_CHOICES = [("policy", _l("Think along with policy")),
                ("mediation", _l("Mediate when tension rises")),
                ("prevention", _l("Run preventive activities")),
                ("signaling", _l("Signal and share concerns"))]


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[required(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[required(), Length(max=1000)])
    next = HiddenField()


class CodeForm(FlaskForm):
    code = StringField(_l("Code"), validators=[required(), Length(max=40)],
                       description=_l("The six digits your authenticator app shows now, or "
                                      "one of your recovery codes."))


class EnrolForm(FlaskForm):
    current_password = PasswordField(_l("Your password"),
                                     validators=[required(), Length(max=1000)])
    code = StringField(_l("Code from the app"), validators=[required(), Length(max=40)],
                       description=_l("The six digits the app shows after you added Voelspriet."))


class PasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"),
                                     validators=[required(), Length(max=1000)])
    new_password = PasswordField(
        _l("New password"), validators=[required(), Length(max=1000)],
        description=_l("At least 12 characters. A sentence of a few words is easy to "
                       "remember and hard to guess."))
    repeat_password = PasswordField(
        _l("Repeat the new password"),
        validators=[required(), EqualTo("new_password", message=_l("The two passwords are "
                                                                   "not the same."))])


USER_ROLE_CHOICES = [("lead", _l("Project lead")), ("reviewer", _l("Reviewer")),
                     ("auditor", _l("Auditor")), ("admin", _l("Administrator"))]


class UserForm(FlaskForm):
    name = StringField(_l("Name"), validators=[required(), Length(max=200)])
    email = EmailField(_l("E-mail address"), validators=[required(), Length(max=254)])
    roles = MultiCheckboxField(_l("Roles"), choices=USER_ROLE_CHOICES, validate_choice=True,
                               validators=[DataRequired(message=_l("Choose at least one "
                                                                   "role."))])


class LanguageForm(FlaskForm):
    lang = HiddenField(validators=[required()])
    next = HiddenField()


class NetworkForm(FlaskForm):
    name = StringField(_l("Name"), validators=[required(), Length(max=MAX_NAME)])
    goal = TextAreaField(_l("Goal"), validators=[required(), Length(max=MAX_TEXT)],
                         description=_l("Which problem does the network address, and what "
                                        "should it achieve?"))
    form = SelectField(_l("Network form"), choices=FORM_CHOICES)
    form_justification = TextAreaField(
        _l("Why this form?"), validators=[Optional(), Length(max=MAX_TEXT)],
        description=_l("Explain in a few sentences why this form fits the goal."))
    level = SelectField(_l("Level"), choices=LEVEL_CHOICES)
    roles = MultiCheckboxField(_l("Roles of the network"), choices=ROLE_CHOICES,
                               validate_choice=True)
    version = HiddenField()


class LeadForm(FlaskForm):
    lead_id = SelectField(_l("Project lead"), coerce=int)
    version = HiddenField()


class EvidenceForm(FlaskForm):
    justification = TextAreaField(_l("Justification"),
                                  validators=[required(), Length(max=MAX_TEXT)])
    links = TextAreaField(_l("Links"), validators=[Optional(), Length(max=40_000)],
                          description=_l("One link per line, starting with https://"))
    # The structured details some items record (the page shows those of its item only).
    details_body = StringField(_l("Decided by"), validators=[Optional(), Length(max=200)],
                               description=_l("For example: the municipal executive."))
    details_decided_on = DateField(_l("Date of the decision"), validators=[Optional()])
    details_reference = StringField(_l("Reference"), validators=[Optional(), Length(max=100)])
    details_valid_until = DateField(_l("Valid until"), validators=[Optional()])
    details_every_weeks = IntegerField(_l("Meets every (weeks)"), validators=[Optional()])
    details_review_on = DateField(_l("Date of the annual review"), validators=[Optional()])

    DETAIL_FIELDS = {
        "mandate_decision": ("body", "decided_on", "reference", "valid_until"),
        "meeting_cadence": ("every_weeks",),
        "annual_review": ("review_on",),
    }

    def details_for(self, kind: str | None) -> dict | None:
        """The details the service takes for an item that records `kind` (None for others)."""
        if kind is None:
            return None
        return {name: getattr(self, f"details_{name}").data or None
                for name in self.DETAIL_FIELDS[kind]}

    def detail_fields(self, kind: str | None) -> list:
        return [getattr(self, f"details_{name}") for name in self.DETAIL_FIELDS.get(kind, ())]


class DecisionForm(FlaskForm):
    comment = TextAreaField(_l("Comment"), validators=[Optional(), Length(max=MAX_TEXT)])


class RevokeForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[required(), Length(max=MAX_TEXT)])


class TransitionForm(FlaskForm):
    trigger = HiddenField(validators=[required()])
    expected_stage = HiddenField()
    reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=MAX_TEXT)])


class NetworkFilterForm(FlaskForm):
    """The stage filter of the network list (GET): no CSRF token needed."""

    class Meta:
        csrf = False

    stage = SelectField(_l("Stage"), coerce=str)


class TokenForm(FlaskForm):
    label = StringField(_l("Name of the token"), validators=[Optional(), Length(max=100)],
                        description=_l("So you know later what it is for."))


class AuditFilterForm(FlaskForm):
    """Filters in the query string (GET): no CSRF token needed."""

    class Meta:
        csrf = False

    network = StringField(_l("Network number"), validators=[Optional(), Length(max=12)])
    actor = SelectField(_l("User"), coerce=str, validate_choice=False)
    action = SelectField(_l("Action"), coerce=str, validate_choice=False)
    date_from = DateField(_l("From"), validators=[Optional()])
    date_to = DateField(_l("Up to and including"), validators=[Optional()])


class AuditExportForm(FlaskForm):
    """An auditor's export: which log, which format, and the same filters as the audit page."""

    log = SelectField(_l("Log"), choices=[("audit", _l("Audit trail")),
                                          ("processing", _l("Processing log"))])
    format = SelectField(_l("File format"), choices=[
        ("jsonl", _l("JSON Lines (with hashes, can be verified)")),
        ("csv", _l("CSV (for a spreadsheet)"))])
    network = StringField(_l("Network number"), validators=[Optional(), Length(max=12)])
    actor = SelectField(_l("User"), coerce=str, validate_choice=False)
    action = SelectField(_l("Action"), coerce=str, validate_choice=False)
    date_from = DateField(_l("From"), validators=[Optional()])
    date_to = DateField(_l("Up to and including"), validators=[Optional()])
