from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    PasswordField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional


class ResponseForm(FlaskForm):
    answer = RadioField(_l("Your opinion"), choices=[
        SelectChoice("agree", _l("Agree")), SelectChoice("disagree", _l("Disagree")),
        SelectChoice("other", _l("Other opinion"))],
        validators=[DataRequired(message=_l("Choose an answer."))])
    comment = TextAreaField(_l("Comment"), validators=[Optional(), Length(max=5000)])
    #: Shown only on polls with signed ballots.
    pin = PasswordField(_l("PIN of your signing key"), validators=[Optional(), Length(max=64)],
                        render_kw={"autocomplete": "off", "inputmode": "numeric"})


class PollForm(FlaskForm):
    question = StringField(_l("Question"), validators=[
        DataRequired(message=_l("Fill in this field.")), Length(max=1000)])
    summary = TextAreaField(_l("Summary of the dossier"), validators=[Optional(),
                                                                      Length(max=20000)])
    deadline = DateTimeLocalField(_l("Deadline"), format="%Y-%m-%dT%H:%M",
                                  validators=[DataRequired(message=_l("Fill in this field."))])
    missing_counts_as = SelectField(_l("A member who does not answer counts as"), choices=[
        SelectChoice("agree", _l("agreeing (the Government's working rules)")),
        SelectChoice("none", _l("no answer"))])
    signed_ballots = BooleanField(_l("Each answer is a ballot signed with the member's key"))
    #: Choices (the active members) are filled in by the route; none ticked: every member.
    recipient_ids = SelectMultipleField(_l("Recipients"), coerce=int, validate_choice=True)
    #: Choices (the members) are filled in by the route; 0 is "nobody but the secretariat".
    chair_id = SelectField(_l("The result goes to (reads every answer)"), coerce=int, default=0,
                           validate_choice=True)
