"""WTForms forms of the HTML interface (Flask-WTF adds CSRF protection to each)."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (BooleanField, DateField, EmailField, HiddenField, IntegerField,
                     PasswordField, SelectField, SelectMultipleField, StringField,
                     TextAreaField)
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length, NumberRange, Optional
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


# --- Composition: organisations, people, their steps, the profile -----------------------------

LEVEL_OF_POWER_CHOICES = [("high", _l("High")), ("low", _l("Low"))]
FORMAL_CHOICES = [("", _l("Not recorded")),
                  ("formal", _l("Formal position (for example a board seat)")),
                  ("informal", _l("Informal key figure"))]


class OrganisationForm(FlaskForm):
    """An organisation of the register; the select choices come from the vocabularies."""

    name = StringField(_l("Name"), validators=[required(), Length(max=200)])
    type = SelectField(_l("Kind of organisation"), validators=[required()])
    district = StringField(_l("District"), validators=[Optional(), Length(max=80)])
    communities = TextAreaField(
        _l("Communities it reaches"), validators=[Optional(), Length(max=1000)],
        description=_l("One community per line, at most 12. This is recorded for the "
                       "organisation, never for a person."))
    influence = SelectField(_l("Influence"), choices=LEVEL_OF_POWER_CHOICES)
    involvement = SelectField(_l("Involvement"), choices=LEVEL_OF_POWER_CHOICES)
    board_approached_on = DateField(_l("Board approached on"), validators=[Optional()],
                                    description=_l("When you approached the board "
                                                   "(bestuur) of this organisation."))
    board_outcome = SelectField(_l("Answer of the board"), validators=[Optional()])
    version = HiddenField()


class MemberForm(FlaskForm):
    """A person of the register: minimal personal data, never a special category."""

    name = StringField(_l("Name"), validators=[required(), Length(max=200)])
    email = EmailField(_l("E-mail address"), validators=[Optional(), Length(max=254)])
    phone = StringField(_l("Phone number"), validators=[Optional(), Length(max=40)])
    organisation_id = SelectField(_l("Organisation"), validators=[Optional()],
                                  description=_l("The organisation from the register they "
                                                 "come from, if any."))
    sector = SelectField(_l("Sector"), validators=[Optional()])
    district = StringField(_l("District"), validators=[Optional(), Length(max=80)])
    age_band = SelectField(_l("Age"), validators=[Optional()])
    gender = SelectField(_l("Gender"), validators=[Optional()],
                         description=_l("Optional. Only record this if the person agrees."))
    formal = SelectField(_l("Position"), choices=FORMAL_CHOICES, validators=[Optional()])
    member_type = SelectField(_l("Member type"), validators=[Optional()])
    known_to_municipality = BooleanField(_l("Already known to the municipality"))
    note = TextAreaField(
        _l("Note"), validators=[Optional(), Length(max=500)],
        description=_l("At most 500 characters. Never write down someone's religion, origin, "
                       "political views, health or other sensitive personal data."))
    version = HiddenField()


class MemberStepForm(FlaskForm):
    """One step of the pipeline; only record_intake uses the intake fields."""

    step = HiddenField(validators=[required()])
    happened_on = DateField(_l("Date"), validators=[Optional()],
                            description=_l("Leave empty for today."))
    reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=1000)])
    intake_outcome = SelectField(_l("Outcome of the intake"), validators=[Optional()])
    house_rules = MultiCheckboxField(_l("House rules explained"), validate_choice=True,
                                     description=_l("Tick the house rules you explained in "
                                                    "the conversation."))


class EraseForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[required(), Length(max=1000)],
                           description=_l("Why this person's data is erased now. This is "
                                          "kept with the erasure, not in the audit trail."))


class MemberFilterForm(FlaskForm):
    """The state filter of the people list (GET): no CSRF token needed."""

    class Meta:
        csrf = False

    status = SelectField(_l("State"), coerce=str, validate_choice=False)


class ChooseProfileForm(FlaskForm):
    profile_id = SelectField(_l("Starting profile"), validators=[required()])


class ProfileTargetsForm(FlaskForm):
    """The targets of the network's profile, as the lead adjusts them."""

    profile_id = HiddenField(validators=[required()])
    version = HiddenField()
    sectors = MultiCheckboxField(_l("Sectors"), validate_choice=True)
    organisation_types = MultiCheckboxField(_l("Kinds of organisation"), validate_choice=True)
    member_types = MultiCheckboxField(_l("Member types"), validate_choice=True)
    age_bands = MultiCheckboxField(_l("Ages"), validate_choice=True)
    genders = MultiCheckboxField(_l("Genders"), validate_choice=True)
    districts = TextAreaField(_l("Districts"), validators=[Optional(), Length(max=2000)],
                              description=_l("One district per line. Leave empty if the "
                                             "district does not matter."))
    formal_share_min = IntegerField(
        _l("Formal positions: at least (percent)"),
        validators=[InputRequired(message=_l("This field is required.")),
                    NumberRange(min=0, max=100, message=_l("Give a number from 0 to 100."))])
    formal_share_max = IntegerField(
        _l("Formal positions: at most (percent)"),
        validators=[InputRequired(message=_l("This field is required.")),
                    NumberRange(min=0, max=100, message=_l("Give a number from 0 to 100."))])
    min_communities = IntegerField(
        _l("Communities reached: at least"),
        validators=[InputRequired(message=_l("This field is required.")),
                    NumberRange(min=0, max=50, message=_l("Give a number from 0 to 50."))])
    min_voices_per_community = IntegerField(
        _l("Voices per community: at least"),
        validators=[InputRequired(message=_l("This field is required.")),
                    NumberRange(min=1, max=10, message=_l("Give a number from 1 to 10."))])

    LIST_FIELDS = ("sectors", "organisation_types", "member_types", "age_bands", "genders")


def give_ids(form, prefix: str) -> None:
    """Prefix every field's id, so several copies of one form fit on a page."""
    for field_ in form:
        if field_.name != "csrf_token":
            field_.id = f"{prefix}-{field_.name}"
            field_.label.field_id = field_.id
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
