"""WTForms forms of the maintenance pages: meetings, signals, inputs for policy, briefings.

Their field names are the services' field names, so a `ValidationFailed` from a service lands on
the right field (`common.apply_field_errors`). Choices that are data (meeting forms, themes,
urgencies, partners, the network's people) are filled in by the route.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from ..domain.maintenance import MAX_AGREEMENT, MAX_NOTES
from ..domain.signals import MAX_DESCRIPTION, MAX_PARTNER_NAME
from ..services.feedback import MAX_ANSWER, MAX_SUMMARY
from .forms import MultiCheckboxField, required

# A meeting form offers this many agreement rows; a row left empty is no agreement.
AGREEMENT_ROWS = 3
# Who carries out an agreement when no person of the register is chosen.
LEAD_OWNER = ""


class MeetingForm(FlaskForm):
    held_on = DateField(_l("Date"), validators=[required()])
    form = SelectField(_l("Form of the meeting"), validators=[required()])
    attendee_ids = MultiCheckboxField(_l("Who came"), coerce=int, validate_choice=True,
                                      description=_l("People of the network's register."))
    topics = MultiCheckboxField(_l("Topics"), validate_choice=True,
                                description=_l("The themes that were discussed."))
    notes = TextAreaField(
        _l("Notes"), validators=[Optional(), Length(max=MAX_NOTES)],
        description=_l("Write down what was discussed and what was agreed, not who said what. "
                       "The meeting is a safe setting."))

    def agreement_rows(self) -> list[tuple]:
        """(text, owner, due date) fields of each agreement row, in order."""
        return [(self[f"agreement_{n}_text"], self[f"agreement_{n}_owner"],
                 self[f"agreement_{n}_due_on"]) for n in range(1, AGREEMENT_ROWS + 1)]

    def agreements(self) -> tuple[list[dict], list[int]]:
        """The filled-in rows as the service takes them, and the row number of each."""
        found, rows = [], []
        for number, (text, owner, due_on) in enumerate(self.agreement_rows(), start=1):
            if not (text.data or "").strip():
                continue
            found.append({"text": text.data, "due_on": due_on.data,
                          "owner_member_id": int(owner.data) if owner.data else None})
            rows.append(number)
        return found, rows

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for text, _owner, due_on in self.agreement_rows():
            has_text = bool((text.data or "").strip())
            if has_text and due_on.data is None and not due_on.errors:
                due_on.errors = list(due_on.errors) + [str(_l("Give the date it is due."))]
                valid = False
            if not has_text and due_on.data is not None:
                text.errors = list(text.errors) + [str(_l("Write down what was agreed."))]
                valid = False
        return valid


for _number in range(1, AGREEMENT_ROWS + 1):
    setattr(MeetingForm, f"agreement_{_number}_text", TextAreaField(
        _l("Agreement %(number)s: what was agreed", number=_number),
        validators=[Optional(), Length(max=MAX_AGREEMENT)]))
    setattr(MeetingForm, f"agreement_{_number}_owner", SelectField(
        _l("Agreement %(number)s: who carries it out", number=_number),
        validate_choice=False))
    setattr(MeetingForm, f"agreement_{_number}_due_on", DateField(
        _l("Agreement %(number)s: due date", number=_number), validators=[Optional()]))


class AgreementDoneForm(FlaskForm):
    """Marks an agreement as carried out today."""


class PolicyInputForm(FlaskForm):
    summary = TextAreaField(_l("What the input is"),
                            validators=[required(), Length(max=MAX_SUMMARY)],
                            description=_l("In a few sentences, for the department or official "
                                           "who receives it. No personal data."))
    recipient = StringField(_l("Recipient"), validators=[required(), Length(max=200)],
                            description=_l("The department or official it goes to."))
    due_on = DateField(_l("Answer due by"), validators=[required()])


class AnswerForm(FlaskForm):
    answer = TextAreaField(_l("What was done with the input"),
                           validators=[required(), Length(max=MAX_ANSWER)],
                           description=_l("The answer the members hear back."))
    answered_on = DateField(_l("Date of the answer"), validators=[Optional()],
                            description=_l("Leave empty for today."))


BRIEFING_KIND_CHOICES = [("update", _l("Update")), ("briefing", _l("Briefing"))]


class BriefingForm(FlaskForm):
    kind = SelectField(_l("Kind"), choices=BRIEFING_KIND_CHOICES, validators=[required()])
    title = StringField(_l("Title"), validators=[required(), Length(max=200)])
    summary = TextAreaField(_l("What was shared"), validators=[required(), Length(max=2000)])
    shared_on = DateField(_l("Date"), validators=[Optional()],
                          description=_l("Leave empty for today."))


SOURCE_NETWORK = ""


class SignalForm(FlaskForm):
    reported_on = DateField(_l("Date"), validators=[required()],
                            description=_l("When the signal came in."))
    theme = SelectField(_l("Theme"), validators=[required()])
    district = SelectField(_l("District"), validate_choice=False)
    district_name = StringField(_l("District"), validators=[Optional(), Length(max=80)])
    description = TextAreaField(
        _l("Description"), validators=[required(), Length(max=MAX_DESCRIPTION)],
        description=_l("What was seen or heard, in a few sentences (at most %(max)s "
                       "characters). Do not write down names or other personal data of third "
                       "parties: a signal is about a theme or a place, never about a person.",
                       max=MAX_DESCRIPTION))
    source_member_id = SelectField(_l("Source"), validate_choice=True,
                                   description=_l("The network as a whole, or the person of "
                                                  "the register it came from."))
    urgency = SelectField(_l("Urgency"), validators=[required()])


class SignalStepForm(FlaskForm):
    step = HiddenField(validators=[required()])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=1000)],
                         description=_l("What was done, in a sentence. No personal data."))
    partner_kind = SelectField(_l("Partner"), validate_choice=False)
    partner_name = StringField(_l("Name of the partner"),
                               validators=[Optional(), Length(max=MAX_PARTNER_NAME)],
                               description=_l("For example: Wijkteam politie Zuid."))


class DeeperThemeForm(FlaskForm):
    deeper_theme = SelectField(_l("Deeper theme"), validate_choice=True,
                               description=_l("The theme this liveability signal turned out "
                                              "to be about."))
    version = HiddenField()
